"""Benchmark: registering 1,000,000 members (≈300,000 households) through the registry's bulk service path.

    .venv/bin/python benchmarks/registry_bulk.py [--members 1000000] [--databases sqlite,postgres]

Each database starts empty (migrate, then Yunnan's real divisions). The synthetic households are generated on
the fly (valid ID numbers under each village's county code, national-form labels, a year record with incomes)
and go through `households_bulk_register`: the same cleaning, ID validation, consistency rules, set-based
duplicate checks and batched transactions an import uses. Reports members/s and the process's peak memory.
"""

import argparse
import json
import subprocess
import sys

from common import ROOT, fresh_database, fupin

WORKER = r"""
import json, resource, sys, time, django
django.setup()
from fupin.areas.models import Area
from fupin.accounts.models import User
from fupin.demo.households import synthetic_households
from fupin.registry.bulk import households_bulk_register

villages = list(Area.objects.filter(level=5, code__startswith="53").values_list("code", flat=True))
actor = User.objects.get(username="system")
start = time.perf_counter()
result = households_bulk_register(actor=actor, submissions=synthetic_households(villages, int(sys.argv[1])),
                                  skip_invalid=True, batch_size=2000)
seconds = time.perf_counter() - start
print(json.dumps({"members": result.members, "households": result.households, "rejected": len(result.rejected),
                  "seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench(database: str, members: int) -> dict:
    env = fresh_database(database)
    fupin(["areas", "load", "--provinces", "53"], env)
    out = subprocess.run([sys.executable, "-c", WORKER, str(members)], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True)
    return {"database": database, **json.loads(out.stdout.strip().splitlines()[-1])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    print("| database | members | households | rejected | seconds | members/s | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|")
    for database in args.databases.split(","):
        r = bench(database, args.members)
        print(f"| {r['database']} | {r['members']:,} | {r['households']:,} | {r['rejected']} | {r['seconds']:.1f} | "
              f"{r['members'] / r['seconds']:,.0f} | {r['peak_mib']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
