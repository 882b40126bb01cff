"""Benchmark: household exit for 1,000,000 households and village exit for every village, in sets.

    .venv/bin/python benchmarks/rules_evaluation.py [--households 1000000] [--databases sqlite,postgres]

Setup (not timed as evaluation): Yunnan's real divisions; 1,000,000 poor households with a 2019 record spread over
its 14,888 villages, written straight through `insert_rows` (the registration path is measured by
registry_bulk.py); rural population for every village; all 129 counties designated poor. Then times
`household_exits` (consumed to the end), village exits and county exits for 2019. Target: under 10 s for the
household and village evaluations together.
"""

import argparse
import json
import subprocess
import sys

from common import ROOT, fresh_database, fupin

WORKER = r"""
import json, random, resource, sys, time, django
django.setup()
from decimal import Decimal
from fupin.areas.models import Area, AreaDesignation, AreaYear
from fupin.core.sql import chunked, insert_rows
from fupin.registry.models import Household, HouseholdYear
from fupin.rules import evaluation

count = int(sys.argv[1])
rng = random.Random(7)
villages = list(Area.objects.filter(level=5, code__startswith="53").values_list("code", flat=True))
counties = list(Area.objects.filter(level=3, code__startswith="53").values_list("code", flat=True))
start = time.perf_counter()
insert_rows(AreaYear, ({"area_id": v, "year": 2019, "rural_population": rng.randint(800, 3000)} for v in villages))
insert_rows(AreaDesignation, ({"area_id": c, "designation_type_id": "poor_county", "year": 2014} for c in counties))
insert_rows(Household, ({"number": f"B{i:09d}", "area_id": villages[i % len(villages)],
                         "county_code": villages[i % len(villages)][:6], "attribute": "01", "main_cause": "07",
                         "identified_year": 2014, "status": "0", "version": 1} for i in range(count)))
ids = list(Household.objects.values_list("pk", flat=True).order_by("pk"))  # not streamed: COPY owns the connection
def years():
    for pk in ids:
        income = Decimal(rng.randint(2000, 9000))
        ok = rng.random() > 0.05
        yield {"household_id": pk, "year": 2019, "size_end": rng.randint(1, 6), "status": "0",
               "net_income": income * 3, "net_income_per_capita": income, "food_secure": True,
               "clothing_secure": True, "education_secure": ok, "medical_secure": True, "housing_secure": True,
               "water_secure": True}
insert_rows(HouseholdYear, years())
setup = time.perf_counter() - start

start = time.perf_counter()
eligible = sum(1 for v in evaluation.household_exits(year=2019) if v.eligible)
households_s = time.perf_counter() - start
start = time.perf_counter()
villages_out = evaluation.area_exits(level="village", year=2019, visible=Area.objects.all())
villages_s = time.perf_counter() - start
start = time.perf_counter()
counties_out = evaluation.area_exits(level="county", year=2019, visible=Area.objects.all())
counties_s = time.perf_counter() - start
print(json.dumps({"setup_s": setup, "households": count, "eligible": eligible, "households_s": households_s,
                  "villages": len(villages_out), "villages_eligible": sum(v.eligible for v in villages_out),
                  "villages_s": villages_s, "counties": len(counties_out), "counties_s": counties_s,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    print("| database | households | eligible | household exit (s) | villages | village exit (s) | counties | "
          "county exit (s) | total (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for database in args.databases.split(","):
        env = fresh_database(database)
        fupin(["areas", "load", "--provinces", "53"], env)
        out = subprocess.run([sys.executable, "-c", WORKER, str(args.households)], env=env, check=True, cwd=ROOT,
                             capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        total = r["households_s"] + r["villages_s"] + r["counties_s"]
        print(f"| {database} | {r['households']:,} | {r['eligible']:,} | {r['households_s']:.1f} | "
              f"{r['villages']:,} | {r['villages_s']:.1f} | {r['counties']} | {r['counties_s']:.1f} | "
              f"{total:.1f} | {r['peak_mib']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
