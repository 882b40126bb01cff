"""Benchmark: what `make demo` does after setup, timed step by step, with both report cards checked.

    .venv/bin/python benchmarks/make_demo.py [--keep] [--small]

On a new SQLite database, the Makefile's `demo-data` steps: `fupin migrate`, `fupin areas load --provinces
53,14,31,44,11` (the real divisions of Yunnan, Shanxi and the eastern partners), `fupin demo` (both provinces at the
seeds' full scale) and `fupin stats refresh`. Target (issue 9): under 10 minutes on these 2-core machines. Then the
Yunnan and Shanxi report cards are compared with the seeds' figures (the same checks as demo_yunnan.py and
demo_shanxi.py); the benchmark fails if one differs. `--keep` prints the database's URL and leaves it (for
benchmarks/pages.py). `--small` makes the `fupin demo --small` demo (both provinces at 2 %) and checks the cards at
that scale. The demo county's working year (fupin/demo/workyear.py) is timed apart: `demo --without-working-year`,
then `demo` again, which finds the provinces loaded and adds only the working year.
"""

import argparse
import json
import resource
import shutil
import sys
import time
from decimal import Decimal
from pathlib import Path

import demo_shanxi
import demo_yunnan
from common import fresh_database, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--small", action="store_true")
    options = parser.parse_args()
    scale, small = (Decimal("0.02"), ["--small"]) if options.small else (Decimal(1), [])
    steps = {}
    migrate, env = timed_fresh_database()
    steps["migrate"] = migrate
    steps["areas load"], _output = timed(["areas", "load", "--provinces", "53,14,31,44,11", "--format", "json"], env)
    steps["demo"], _output = timed(["demo", *small, "--without-working-year", "--format", "json"], env)
    steps["working year"], _output = timed(["demo", *small, "--format", "json"], env)
    steps["stats refresh"], _output = timed(["stats", "refresh", "--format", "json"], env)
    yunnan_card, yunnan_wrong = demo_yunnan.card_mismatches(env, scale)
    shanxi_card, shanxi_wrong, _values = demo_shanxi.card_mismatches(env, scale)
    print(json.dumps({"steps_s": {step: round(seconds, 1) for step, seconds in steps.items()},
                      "total_s": round(sum(steps.values()), 1),
                      "cards_s": {"53": round(yunnan_card, 1), "14": round(shanxi_card, 1)},
                      "figures_checked": demo_yunnan.FIGURES_CHECKED + demo_shanxi.FIGURES_CHECKED,
                      "wrong": {"53": yunnan_wrong, "14": shanxi_wrong},
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
                      "database": env["DATABASE_URL"] if options.keep else None}, ensure_ascii=False))
    if not options.keep:
        shutil.rmtree(Path(env["DATABASE_URL"].removeprefix("sqlite:///")).parent, ignore_errors=True)
    if yunnan_wrong or shanxi_wrong:
        sys.exit(1)


def timed_fresh_database() -> tuple[float, dict]:
    start = time.perf_counter()
    env = fresh_database("sqlite")  # creates and migrates
    return time.perf_counter() - start, env


if __name__ == "__main__":
    main()
