"""Benchmark: `fupin areas load` of all 620k villages, and subtree queries, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/areas_load.py [--databases sqlite,postgres]

Each database starts empty: migrate, then a full load (time, peak memory of the loading process), a second load
(idempotent: nothing rewritten), then subtree counts and the children-with-village-counts query the area pages
use. Prints a Markdown table for benchmarks/RESULTS.md.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from common import FUPIN, ROOT, fresh_database


def run_child(args, env):
    """Run `fupin …` and return (seconds, peak RSS in MiB of that one process, from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen([FUPIN, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, args)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def query_timings(env) -> dict:
    code = r"""
import json, statistics, time, django
django.setup()
from fupin.areas.models import Area
from fupin.areas.selectors import children_with_counts, subtree_count
from fupin.accounts.models import User
system = User.objects.get(username="system")
yunnan = Area.objects.get(code="530000000000")
def median_ms(fn, n=20):
    fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter(); fn(); samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)
print(json.dumps({
    "villages_in_yunnan": subtree_count(yunnan, level=5),
    "subtree_count_ms": median_ms(lambda: subtree_count(yunnan, level=5)),
    "subtree_all_levels_ms": median_ms(lambda: subtree_count(yunnan)),
    "province_children_ms": median_ms(lambda: children_with_counts(actor=system, area=yunnan)),
    "national_roots_ms": median_ms(lambda: children_with_counts(actor=system, area=None), n=5),
}))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    return json.loads(out.stdout)


def bench(database: str) -> dict:
    env = fresh_database(database)
    first, first_peak = run_child(["areas", "load", "--format", "json"], env)
    second, _ = run_child(["areas", "load", "--format", "json"], env)
    return {"database": database, "load_s": first, "peak_mib": first_peak, "reload_s": second,
            **query_timings(env)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    rows = [bench(db) for db in args.databases.split(",")]
    print("| database | full load (s) | peak RSS (MiB) | idempotent reload (s) | villages in 云南 | "
          "subtree count (ms) | whole subtree (ms) | province children + counts (ms) | national roots (ms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['database']} | {r['load_s']:.1f} | {r['peak_mib']:.0f} | {r['reload_s']:.1f} | "
              f"{r['villages_in_yunnan']:,} | {r['subtree_count_ms']:.1f} | {r['subtree_all_levels_ms']:.1f} | "
              f"{r['province_children_ms']:.1f} | {r['national_roots_ms']:.1f} |")


if __name__ == "__main__":
    main()
