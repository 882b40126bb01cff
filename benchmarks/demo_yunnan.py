"""Benchmark: the Yunnan demo at the first seed's full scale, timed, and its report card checked against the seed.

    .venv/bin/python benchmarks/demo_yunnan.py [--scale 1] [--databases sqlite,postgres]

On a new database: Yunnan's, Shanghai's and Guangdong's real divisions (not timed), then `fupin demo --yunnan-scale S
--shanxi-scale 0` (about 780,000 registered people in 2014, five years rolled forward with their exits, and the
East–West cooperation records), `fupin stats refresh` and `fupin report card --area 53 --year 2019 --baseline 2014
--until 2020-03-31`, each timed. The card's figures are compared with the seed's (scaled; incidences to the seed's
two decimals); the benchmark fails if one differs.
"""

import argparse
import json
import resource
import sys
from decimal import Decimal

from common import fresh_database, fupin, seed_mismatches, timed

GROUP = "group_direct_transition_"
# Figure key → the seed's value at scale 1 (SEED_FIGURES.md, seed 000).
COUNTS = {GROUP + "exited_persons": 707_500, GROUP + "villages_exited": 1_039, "paired_poor_counties": 88,
          "east_west_projects": 4_127, "east_west_poor_helped_out": 372_200, "workshops": 394,
          "professionals_sent": 2_448, "poor_moved_into_jobs": 179_200,
          "pairs_township_town.helped": 439, "pairs_township_town.helpers": 277,
          "pairs_village_village.helped": 710, "pairs_village_village.helpers": 490,
          "pairs_village_enterprise.helped": 2_500, "pairs_village_enterprise.helpers": 1_993,
          "pairs_village_social_org.helped": 205, "pairs_village_social_org.helpers": 208,
          "pairs_school_school.helped": 315, "pairs_school_school.helpers": 310,
          "pairs_medical_hospital.helped": 241, "pairs_medical_hospital.helpers": 241,
          "demonstration_counties": 36, "demonstration_townships": 229, "demonstration_villages": 3_122}
AMOUNTS = {"fiscal_aid_arrived": "13308000000", "fiscal_aid_arrived_this_year": "4421000000",
           "donation_arrived_by_donor_province.上海市": "610000000",
           "donation_arrived_by_donor_province.广东省": "568000000",
           "demonstration_provincial_funds": "4130000000", "demonstration_integrated_funds": "26700000000"}
FIXED = {"eastern_helpers.31": 15, "eastern_helpers.44": 3, GROUP + "exited_as_whole": 9}
DISPLAYED = {GROUP + "incidence_2014": "26.69%", GROUP + "incidence_2019": "2.41%",
             "incidence_2014": "26.69%", "incidence_2019": "2.41%"}


def card_mismatches(env: dict, scale: Decimal) -> tuple[float, dict]:
    """(seconds the report card took, the figures of Yunnan's card that differ from the seed's)."""
    card_seconds, output = timed(["report", "card", "--year", "2019", "--area", "53", "--baseline", "2014",
                                  "--until", "2020-03-31", "--format", "json"], env)
    figures = {figure["key"]: figure for figure in json.loads(output)["figures"]}
    wrong = seed_mismatches({key: figure["value"] for key, figure in figures.items()}, scale, COUNTS, AMOUNTS, FIXED)
    wrong.update({key: (figures[key]["display"], shown) for key, shown in DISPLAYED.items()
                  if figures[key]["display"] != shown})
    share = figures["industry_labour_share_this_year"]["value"]
    if not share > 0.6:
        wrong["industry_labour_share_this_year"] = (share, "> 0.6")
    return card_seconds, wrong


FIGURES_CHECKED = len(COUNTS) + len(AMOUNTS) + len(FIXED) + len(DISPLAYED) + 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="1")
    parser.add_argument("--databases", default="sqlite")
    options = parser.parse_args()
    scale = Decimal(options.scale)
    for database in options.databases.split(","):
        env = fresh_database(database)
        fupin(["areas", "load", "--provinces", "53,31,44"], env)
        demo, _output = timed(["demo", "--yunnan-scale", options.scale, "--shanxi-scale", "0", "--format", "json"],
                              env)
        refresh, _output = timed(["stats", "refresh", "--format", "json"], env)
        card_seconds, wrong = card_mismatches(env, scale)
        print(json.dumps({"database": database, "scale": options.scale, "demo_s": round(demo, 1),
                          "refresh_s": round(refresh, 1), "card_s": round(card_seconds, 1),
                          "figures_checked": FIGURES_CHECKED,
                          "wrong": wrong,
                          "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024},
                         ensure_ascii=False))
        if wrong:
            sys.exit(1)


if __name__ == "__main__":
    main()
