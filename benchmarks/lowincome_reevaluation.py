"""Benchmark: the yearly re-evaluation of N people against every tested category (issue 26: 10 M ≤ 60 s on 2 cores).

    nice -n 10 .venv/bin/python benchmarks/lowincome_reevaluation.py --members 1000000 [--threads 2]

The statement is the application's own (`fupin.lowincome.reevaluation.diff_sql`), run by DuckDB over tables shaped
like the register's (persons, economic checks, memberships) — the analytics path: at national scale the register
is extracted to columnar files and the diff computed there, not row by row. The data is synthetic and deterministic:
people spread over 120 counties and 30 villages each, incomes from a hash of the person's number (0–20,000 yuan a
head), 1 in 10 failing the property test, spending for 1 in 5, and memberships for about 30 % of people in the
categories their income suggests, some ended, so that both "enters" and "leaves" occur. Times the diff written to
a table (every finding materialised, as the page and the export read them); the generation is not timed.
"""

import argparse
import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project, not this folder (its statistics.py would shadow the standard library's).
sys.path[:] = [str(ROOT), *(entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "benchmarks")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import django

    django.setup()
    import duckdb

    from fupin.lowincome.reevaluation import Tables, diff_sql

    n = args.members
    db = duckdb.connect()
    db.execute(f"SET threads = {args.threads}")
    start = time.perf_counter()
    db.execute(f"""
        CREATE TABLE persons AS
        SELECT i AS id, 'P' || i AS name, lpad(i::VARCHAR, 18, '0') AS id_number,
               '53' || lpad((10 + i % 120)::VARCHAR, 4, '0') || '101' || lpad((200 + (i // 120) % 30)::VARCHAR, 3, '0')
                   AS area_id
        FROM range({n}) t(i)""")
    db.execute("""
        CREATE TABLE checks AS
        SELECT id AS person_id, 2023 AS year, (1 + hash(id * 7) % 5)::SMALLINT AS household_size,
               ((hash(id) % 2000000) / 100)::DECIMAL(12, 2) AS income_per_capita,
               hash(id * 3) % 10 <> 0 AS property_passed,
               (CASE WHEN hash(id * 5) % 5 = 0 THEN (hash(id * 11) % 3000000) / 100 ELSE 0 END)::DECIMAL(12, 2)
                   AS medical_spending,
               (CASE WHEN hash(id * 13) % 10 = 0 THEN 5000 ELSE 0 END)::DECIMAL(12, 2) AS education_spending
        FROM persons""")
    db.execute("""
        CREATE TABLE memberships AS
        SELECT c.person_id,
               CASE WHEN c.income_per_capita < 6000 THEN 'dibao' WHEN c.income_per_capita < 9000 THEN 'edge'
                    ELSE 'monitoring' END AS category,
               DATE '2021-03-01' AS identified_on,
               CASE WHEN hash(c.person_id * 17) % 8 = 0 THEN DATE '2023-06-30' END AS ends_on
        FROM checks c WHERE hash(c.person_id * 19) % 10 < 3""")
    generated = time.perf_counter() - start
    lines = {f"53{10 + k:04d}": {"dibao_line": Decimal("5460"), "edge_line": Decimal("8190"),
                                 "rigid_income_line": Decimal("15147"), "rigid_spending_share": Decimal("0.5"),
                                 "monitoring_line": Decimal("6900")} for k in range(120)}
    sql = diff_sql(year=2023, as_of=datetime.date(2023, 12, 31), lines=lines, low="530000000000",
                   high="539999999999", tables=Tables(persons="persons", checks="checks", memberships="memberships"))
    start = time.perf_counter()
    db.execute(f"CREATE TABLE findings AS {sql}")
    elapsed = time.perf_counter() - start
    counts = db.execute("SELECT category, change, count(*) FROM findings GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    total = sum(row[2] for row in counts)
    print(f"| {n:,} people | {args.threads} threads | diff {elapsed:.2f} s | {total:,} findings | "
          f"{n / elapsed / 1e6:.2f} M people/s | generation {generated:.1f} s |")
    for category, change, count in counts:
        print(f"|   {category} {change} | {count:,} |")


if __name__ == "__main__":
    main()
