"""Benchmark: the Shanxi demo at the second seed's full scale, timed, and its report card checked against the seed.

    .venv/bin/python benchmarks/demo_shanxi.py [--scale 1] [--databases sqlite,postgres]

On a new database: Shanxi's and Beijing's real divisions (not timed), then `fupin demo --members 0 --yunnan-scale 0
--shanxi-scale S` (1.14 million registered people through the registry's bulk service and every helping-side
record), `fupin stats refresh` and `fupin report card --area 14 --year 2017 --baseline 2017`, each timed. The
card's figures are compared with the seed's (scaled); the benchmark fails if one differs.
"""

import argparse
import json
import resource
import sys
from decimal import Decimal

from common import fresh_database, fupin, seed_mismatches, timed

# Figure key → the seed's value at scale 1 (SEED_FIGURES.md, seed 002); shares do not scale.
COUNTS = {"exited_persons": 750_000, "deep_poverty_persons": 284_700, "ecological_persons": 519_000,
          "loans_households": 176_300, "contact_leaders": 11_652, "work_teams": 13_985, "team_members": 40_180,
          "first_secretaries": 10_009, "central_unit_projects": 69, "central_unit_beneficiary_persons": 117_000,
          "vocational_trained_persons": 72_000, "central_unit_training_person_times": 253_400,
          "central_unit_labour_transfers": 82_000, "labour_transfers": 90_000, "deep_origin_villages": 3_350,
          "deep_origin_villages_started": 2_487, "deep_origin_villages_completed": 884,
          "deep_origin_villages_reclaimed": 381, "villages_exited": 2_557, "deep_poverty_villages": 3_350}
AMOUNTS = {"loans_amount": "8382000000", "central_unit_project_funds_actual": "1380000000",
           "designated_units_invested": "1335000000", "vocational_budget": "180000000"}
FIXED = {"counties_exited": 15, "deep_poverty_counties": 10, "poor_area_rural_income": "7330.00",
         "share_fiscal_to_deep": "0.3050", "share_revolving_to_deep": "0.2260",
         "share_returning_farmland_scale_to_deep": "0.4300", "share_afforestation_scale_to_deep": "0.3900",
         "share_photovoltaic_scale_to_deep": "0.4300", "share_housing_scale_to_deep": "0.3760"}


def card_mismatches(env: dict, scale: Decimal) -> tuple[float, dict, dict]:
    """(seconds the report card took, the figures of Shanxi's card that differ from the seed's, all its values)."""
    card_seconds, output = timed(["report", "card", "--year", "2017", "--area", "14", "--baseline", "2017",
                                  "--format", "json"], env)
    values = {figure["key"]: figure["value"] for figure in json.loads(output)["figures"]}
    return card_seconds, seed_mismatches(values, scale, COUNTS, AMOUNTS, FIXED), values


FIGURES_CHECKED = len(COUNTS) + len(AMOUNTS) + len(FIXED)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="1")
    parser.add_argument("--databases", default="sqlite")
    options = parser.parse_args()
    scale = Decimal(options.scale)
    for database in options.databases.split(","):
        env = fresh_database(database)
        fupin(["areas", "load", "--provinces", "14,11"], env)
        demo, _output = timed(["demo", "--members", "0", "--yunnan-scale", "0", "--shanxi-scale", options.scale,
                               "--format", "json"], env)
        refresh, _output = timed(["stats", "refresh", "--format", "json"], env)
        card_seconds, wrong, values = card_mismatches(env, scale)
        print(json.dumps({"database": database, "scale": options.scale, "demo_s": round(demo, 1),
                          "refresh_s": round(refresh, 1), "card_s": round(card_seconds, 1),
                          "incidence": values["incidence_2017"], "wrong": wrong,
                          "figures_checked": FIGURES_CHECKED,
                          "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}))
        if wrong:
            sys.exit(1)


if __name__ == "__main__":
    main()
