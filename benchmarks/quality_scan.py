"""Benchmark: a data-quality scan over 1,000,000 households, and a 1,000,000-row department list compared.

    .venv/bin/python benchmarks/quality_scan.py [--households 1000000] [--databases sqlite,postgres]

Setup (not timed): Yunnan's real divisions; households with a 2019 record and 3.3 members each on average (valid
ID numbers under their county's code), about 2 % of them given a defect some rule finds; written straight through
`insert_rows`. Then, each in its own process: every built-in registry rule scanned over the whole province
(`scan_run`, findings written), the same scan again (nothing new: the rescan path), the import of a 1,000,000-row
vehicle list (a tenth of them registered members) and the comparison scan of the vehicle rule.
"""

import argparse
import json
import subprocess
import sys

from common import ROOT, fresh_database, fupin

SETUP = r"""
import csv, datetime, json, random, sys, time, django
django.setup()
from decimal import Decimal
from fupin.areas.models import Area
from fupin.core.sql import insert_rows
from fupin.core.idnumbers import check_character
from fupin.registry.models import Household, HouseholdYear, Member

count, list_path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(5)
villages = list(Area.objects.filter(level=5, code__startswith="53").values_list("code", flat=True))
start = time.perf_counter()
insert_rows(Household, ({"number": f"Q{i:09d}", "area_id": villages[i % len(villages)],
                         "county_code": villages[i % len(villages)][:6], "attribute": "01", "main_cause": "07",
                         "identified_year": 2014, "status": "0", "version": 1} for i in range(count)))
ids = list(Household.objects.values_list("pk", "area_id").order_by("pk"))
def years():
    for pk, _area in ids:
        broken = rng.random() < 0.02
        yield {"household_id": pk, "year": 2019, "size_end": 3, "status": "0",
               "net_income": Decimal(12000), "net_income_per_capita": Decimal(0 if broken else 4000),
               "road_distance_km": Decimal(80 if rng.random() < 0.01 else 3), "food_secure": True}
insert_rows(HouseholdYear, years())
numbers = []
def people():
    sequence = 0
    for pk, area in ids:
        size = 3 + (rng.random() < 0.3)
        for k in range(size):
            sequence += 1
            # (birth date, sequence) unique over the whole data set, so no two members share an ID number.
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=sequence // 1000)
            first17 = f"{area[:6]}{birth:%Y%m%d}{sequence % 1000:03d}"
            number = first17 + check_character(first17)
            if rng.random() < 0.1:
                numbers.append(number)
            yield {"household_id": pk, "name": "成员", "name_simplified": "成员", "name_pinyin": "cheng yuan",
                   "name_initials": "cy", "id_number": number, "sex": "1" if int(first17[16]) % 2 else "2",
                   "relation": "01" if k == 0 else "99", "birth_date": birth, "ethnicity": "01", "health": "1",
                   "labour": "1" if k < 3 else "5", "school_status": "00", "is_active": True}
insert_rows(Member, people())
with open(list_path, "w", newline="", encoding="utf-8") as handle:
    writer = csv.writer(handle)
    writer.writerow(["证件号码", "金额", "说明"])
    for i in range(1_000_000):
        if i < len(numbers):
            writer.writerow([numbers[i], rng.choice([12000, 52000]), "轿车"])
        else:
            day = datetime.date(1960, 1, 1) + datetime.timedelta(days=i // 1000)
            first17 = f"110101{day:%Y%m%d}{i % 1000:03d}"
            writer.writerow([first17 + check_character(first17), 52000, "轿车"])
print(json.dumps({"households": len(ids), "members": Member.objects.count(), "listed_members": len(numbers),
                  "setup_s": time.perf_counter() - start}))
"""

STAGE = r"""
import datetime, json, resource, sys, time, django
django.setup()
from fupin.accounts.models import User
from fupin.quality.importing import department_list_import
from fupin.quality.models import QualityRule
from fupin.quality.services import scan_run

stage, list_path = sys.argv[1], sys.argv[2]
system = User.objects.get(username="system")
registry_rules = list(QualityRule.objects.exclude(check_name="comparison").values_list("code", flat=True))
start = time.perf_counter()
if stage in ("scan", "rescan"):
    scan = scan_run(actor=system, year=2019, area_code="53", rules=registry_rules)
    result = {"found": sum(c["found"] for c in scan.counts.values()),
              "new": sum(c["new"] for c in scan.counts.values())}
elif stage == "list":
    report = department_list_import(actor=system, source="vehicle", name="vehicles", path=list_path,
                                    received_on=datetime.date(2019, 12, 31), skip_invalid=True)
    result = {"rows": report.created, "rejected": report.rejected}
else:
    scan = scan_run(actor=system, year=2019, area_code="53", rules=["vehicle_owner"])
    result = {"found": scan.counts["vehicle_owner"]["found"]}
result.update(stage=stage, seconds=time.perf_counter() - start,
              peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(result))
"""


def run(code, args, env):
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, cwd=ROOT, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    for database in args.databases.split(","):
        env = fresh_database(database)
        fupin(["areas", "load", "--provinces", "53"], env)
        list_path = f"/tmp/fupin-bench-vehicles-{database}.csv"
        setup = run(SETUP, [str(args.households), list_path], env)
        print(f"## {database}: {setup['households']:,} households, {setup['members']:,} members "
              f"(setup {setup['setup_s']:.0f} s)", flush=True)
        for stage in ("scan", "rescan", "list", "compare"):
            print(json.dumps(run(STAGE, [stage, list_path], env)), flush=True)


if __name__ == "__main__":
    main()
