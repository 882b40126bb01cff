"""Benchmark: the statistics engine on 10,000,000 members (≈3,000,000 households) of real villages.

    .venv/bin/python benchmarks/statistics.py [--members 10000000] [--databases sqlite,postgres]
                                              [--provinces 53,52,14] [--skip-sql-engine]
                                              [--postgres-name fupin_bench] [--reuse URL --stages a,b]

Setup (timed separately, not part of any figure): the real divisions of the provinces; households spread over
their villages with a 2019 record (70 % out of poverty, 25 % poor, 5 % other statuses), members with sex, birth
date, ethnicity, labour and health, rural population for every village — written straight through `insert_rows`
(registration speed is measured by registry_bulk.py). Then, each stage in its own process so its peak memory is
its own:

- extract: a full fill of the Parquet snapshot (rows/s);
- incidence on duckdb, sql and spark: 5-level incidence for the whole data set (every province … village),
  median of 3 runs after a first (cold) run for duckdb, the first run otherwise;
- refresh: `rollups_refresh(full=True)` end to end (extraction + every rollup of the year + writing them);
- freshness: the freshness check of a snapshot read (queries and file checks) against the read itself, for the
  whole data set, a province and a county;
- import: a 100-household village import, then the fresh county incidence, the incremental rollups and the
  dashboards' freshness of its county, prefecture and province, with the full recompute as the baseline;
- orm: the naive baseline — the same 5-level question as plain Django ORM aggregations (one GROUP BY per level on
  the joined member/household/year tables, populations summed in Python). Its answer is checked against the
  engine's.
"""

import argparse
import json
import os
import subprocess
import sys

from common import PG_ADMIN, ROOT, fresh_database, fupin

SETUP = r"""
import json, random, resource, sys, time, datetime, django
django.setup()
from decimal import Decimal
from fupin.areas.models import Area, AreaYear
from fupin.core.sql import insert_rows
from fupin.registry.models import Household, HouseholdYear, Member

members, provinces = int(sys.argv[1]), sys.argv[2].split(",")
rng = random.Random(11)
villages = [code for p in provinces for code in
            Area.objects.filter(level=5, code__startswith=p).order_by("code").values_list("code", flat=True)]
households = members * 3 // 10
start = time.perf_counter()
insert_rows(AreaYear, ({"area_id": v, "year": 2019, "rural_population": rng.randint(900, 2400)} for v in villages))
insert_rows(Household, ({"number": f"S{i:09d}", "area_id": villages[i * len(villages) // households],
                         "county_code": villages[i * len(villages) // households][:6], "attribute": "01",
                         "main_cause": rng.choice(["01", "02", "03", "07", "08", "09"]),
                         "identified_year": 2014, "status": "0", "version": 1} for i in range(households)))
ids = list(Household.objects.values_list("pk", flat=True).order_by("pk"))
STATUSES = ["1"] * 70 + ["0"] * 25 + ["3", "5", "6", "4", "8"]
def years():
    for pk in ids:
        income = Decimal(rng.randint(1500, 12000))
        yield {"household_id": pk, "year": 2019, "size_end": 3, "status": rng.choice(STATUSES),
               "net_income": income * 3, "net_income_per_capita": income, "food_secure": True,
               "clothing_secure": True, "education_secure": rng.random() > 0.03, "medical_secure": True,
               "housing_secure": rng.random() > 0.05, "water_secure": rng.random() > 0.04}
insert_rows(HouseholdYear, years())
ETHNIC = ["01"] * 6 + ["07", "14", "16", "06", "03", "08", "13", "15"]
def people():
    per = members / len(ids)
    made = 0
    for index, pk in enumerate(ids):
        size = round(per * (index + 1)) - made
        for k in range(size):
            yield {"household_id": pk, "name": "成员", "name_simplified": "成员", "name_pinyin": "cheng yuan",
                   "name_initials": "cy", "sex": rng.choice("12"), "relation": "01" if k == 0 else "03",
                   "birth_date": datetime.date(rng.randint(1935, 2018), rng.randint(1, 12), rng.randint(1, 28)),
                   "ethnicity": rng.choice(ETHNIC), "labour": rng.choice("1234"), "health": rng.choice("1234"),
                   "is_active": True}
        made += size
insert_rows(Member, people())
# Written straight, so marked here as every service marks what it writes (core.changes): one mark per county-year.
from fupin.core.changes import mark_changed
mark_changed((v[:6], 2019) for v in villages)
print(json.dumps({"villages": len(villages), "households": len(ids), "members": Member.objects.count(),
                  "setup_s": time.perf_counter() - start}))
"""

STAGE = r"""
import json, resource, statistics, sys, time, django
django.setup()
stage = sys.argv[1]
result = {"stage": stage}

def timed(function, runs=1):
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return value, times

if stage == "extract":
    from fupin.analytics.extract import snapshot_fill
    report, (seconds,) = timed(lambda: snapshot_fill(full=True))
    result.update(rows=report.rows_written, partitions=report.partitions_written, seconds=seconds)
elif stage.startswith("incidence-"):
    from fupin.analytics.engines import get_engine
    from fupin.analytics.metrics import StatsQuery, get_metric
    engine = get_engine(stage.split("-", 1)[1])
    ask = lambda: get_metric("incidence").compute(engine, StatsQuery(year=2019))
    rows, cold = timed(ask)
    runs = 3 if engine.name == "duckdb" else 1
    rows, warm = timed(ask, runs) if engine.name != "sql" else (rows, cold)
    result.update(rows=len(rows), cold_s=cold[0], seconds=statistics.median(warm),
                  poor=sum(r["poor"] for r in rows if r["level"] == 1),
                  checksum=sum(r["poor"] * (r["level"] + 1) for r in rows))
elif stage == "refresh":
    from fupin.accounts.models import User
    from fupin.analytics.services import rollups_refresh
    summary, (seconds,) = timed(lambda: rollups_refresh(actor=User.objects.get(username="system"), full=True))
    result.update(seconds=seconds, rollup_rows=summary["rollup_rows"], rows=summary["rows_written"])
elif stage == "orm":
    import datetime
    from django.db.models import Count, Q
    from django.db.models.functions import Substr
    from fupin.core.areacodes import PREFIX_LENGTH, ancestor_codes, level_of
    from fupin.areas.models import AreaYear
    from fupin.registry import codelists as cl
    from fupin.registry.models import Member

    def naive():
        end = datetime.date(2019, 12, 31)
        members = Member.objects.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=end),
            Q(is_active=True, left_on__isnull=True) | Q(left_on__gt=end),
            household__years__year=2019, household__years__status__in=cl.POOR_STATUSES)
        poor = {}
        for level, length in PREFIX_LENGTH.items():
            for row in members.annotate(code=Substr("household__area_id", 1, length)).values("code").annotate(
                    n=Count("id")):
                poor[(row["code"].ljust(12, "0"), level)] = row["n"]
        population = {}
        for code, value in AreaYear.objects.filter(year=2019).values_list("area_id", "rural_population"):
            population[code] = population.get(code, 0) + value
            for ancestor in ancestor_codes(code, level_of(code)):
                population[ancestor] = population.get(ancestor, 0) + value
        return [{"code": code, "level": level, "poor": n, "population": population.get(code),
                 "incidence": n / population[code] if population.get(code) else None}
                for (code, level), n in poor.items() if level_of(code) == level]
    rows, (seconds,) = timed(naive)
    result.update(rows=len(rows), seconds=seconds, poor=sum(r["poor"] for r in rows if r["level"] == 1),
                  checksum=sum(r["poor"] * (r["level"] + 1) for r in rows))
elif stage == "freshness":
    # The freshness check of a snapshot read (change marks joined to the fill state: one indexed query, then a
    # stat per partition) against the read it guards, for the whole data set, a province and a county; nothing stale.
    from fupin.analytics.engines import get_engine
    from fupin.analytics.extract import _checked, _marks, _stale, fresh_partitions
    from fupin.analytics.metrics import StatsQuery, get_metric
    from fupin.analytics.models import SnapshotPartition
    from fupin.core.changes import in_counties
    from django.db.models import Q
    engine = get_engine("duckdb")
    fresh_partitions([2019])
    for name, area in (("all", None), ("province", "53"), ("county", "533323")):
        prefixes = [area] if area else None
        _, check = timed(lambda: fresh_partitions([2019], prefixes), 7)
        _, queries = timed(lambda: _checked([2019], prefixes), 7)
        # The check before (2026-12-06 morning): marks and fill state in two queries, the state as model rows.
        _, before = timed(lambda: (_marks([2019], prefixes), list(SnapshotPartition.objects.filter(
            year=2019).filter(in_counties(prefixes) if prefixes else Q()))), 7)
        marks, state = _checked([2019], prefixes)
        _, stats_only = timed(lambda: _stale(marks, state), 7)
        ask = lambda: get_metric("incidence").compute(engine, StatsQuery(year=2019, area=area))
        _, read = timed(ask, 3)
        check_s, read_s = statistics.median(check), statistics.median(read)
        result[name] = {"partitions": len(state), "check_s": check_s, "queries_s": statistics.median(queries),
                        "two_queries_before_s": statistics.median(before),
                        "stats_s": statistics.median(stats_only), "read_s": read_s,
                        "share": check_s / read_s}
elif stage == "import":
    # A 100-household village import (300 members, all poor) through the import service, then: the fresh county
    # incidence (its one partition refilled in-process), the same read again (nothing stale: the baseline), the
    # incremental rollups (one county recomputed, ancestors re-summed) and the dashboards' freshness of the
    # county, prefecture and province; the full recompute of the year in the same run as the baseline.
    import datetime, random, tempfile
    from pathlib import Path
    from fupin.accounts.models import User
    from fupin.analytics import selectors
    from fupin.analytics.services import rollups_refresh
    from fupin.areas.models import Area
    from fupin.core.files.tabular import csv_text
    from fupin.registry.importing import households_import
    from fupin.testing.factories import id_number
    actor = User.objects.get(username="system")
    county = sys.argv[2] if len(sys.argv) > 2 else "533323"
    village = Area.objects.filter(level=5, code__startswith=county).order_by("code").values_list(
        "code", flat=True).first()
    token = random.Random().randrange(10**6)
    header = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
              "主要致贫原因", "识别年度", "脱贫标志", "工资性收入"]
    rows, births = [], datetime.date(1940, 1, 1) + datetime.timedelta(days=token % 9000)
    for i in range(100):
        for k, relation in enumerate(("户主", "配偶", "之子")):
            birth = births + datetime.timedelta(days=i * 3 + k)
            male = k != 1  # the ID number's sequence is odd for men, even for women
            sequence = f"{2 * ((token + i) % 400) + 100 + male:03d}"
            rows.append([village, f"BENCH{token:06d}{i:03d}", "2019", "导入成员", id_number(
                county, birth.strftime("%Y%m%d"), sequence), "男" if male else "女",
                relation, "汉族", "一般贫困户", "缺技术", "2019", "未脱贫", "1000"])
    path = Path(tempfile.mkdtemp()) / "village.csv"
    path.write_bytes(csv_text([header, *rows]).encode())
    def poor():
        rows = selectors.stats(actor=actor, metric="incidence", year=2019, area_code=county, level=3)
        return rows[0]["poor"]
    before, (read_before,) = timed(poor)
    report, (import_s,) = timed(lambda: households_import(actor=actor, path=path))
    if not report.written:
        raise SystemExit(f"the import was refused: {[str(error) for error in report.errors[:3]]}")
    after, (fresh_s,) = timed(poor)
    _, again = timed(poor, 3)
    summary, (rollups_s,) = timed(lambda: rollups_refresh(actor=actor))
    dashboards = {}
    for name, code in (("county", county), ("prefecture", county[:4]), ("province", county[:2])):
        data, (seconds,) = timed(lambda: selectors.dashboard(actor=actor, area_code=code, year=2019))
        dashboards[name] = {"refreshing": data["refreshing"], "poor": float(data["headline"]["poor.persons"]),
                            "seconds": seconds}
    _, (nothing_s,) = timed(lambda: rollups_refresh(actor=actor))
    full, (full_s,) = timed(lambda: rollups_refresh(actor=actor, full=True))
    result.update(county=county, members_imported=report.members_created, import_s=import_s,
                  poor_before=before, poor_after=after, fresh_read_s=fresh_s, read_again_s=statistics.median(again),
                  rollups_incremental_s=rollups_s, rollup_counties=summary["rollup_counties"],
                  rollup_rows_incremental=summary["rollup_rows"], dashboards=dashboards,
                  refresh_nothing_changed_s=nothing_s, rollups_full_s=full_s, rollup_rows_full=full["rollup_rows"],
                  full_vs_incremental=full_s / rollups_s)
result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def run(code: str, args: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, cwd=ROOT, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_postgres(name: str) -> dict:
    """A new, migrated PostgreSQL database of its own name (the machine is shared: common's `fupin_bench` may be
    another benchmark's)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FUPIN_DEBUG": "0",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}"}
    fupin(["migrate", "-v0"], env)
    return env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--provinces", default="53,52,14")
    parser.add_argument("--skip-sql-engine", action="store_true")
    parser.add_argument("--stages", help="Only these stages (comma-separated), e.g. extract,refresh.")
    parser.add_argument("--postgres-name", default="fupin_bench",
                        help="Name of the PostgreSQL database to create (default fupin_bench).")
    parser.add_argument("--reuse", metavar="DATABASE_URL",
                        help="Run the stages on a database a previous run filled (one database only).")
    args = parser.parse_args()
    for database in args.databases.split(","):
        if args.reuse:
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FUPIN_DEBUG": "0",
                   "DATABASE_URL": args.reuse}
        elif database == "postgres":
            env = fresh_postgres(args.postgres_name)
        else:
            env = fresh_database(database)
        env["FUPIN_ANALYTICS_DIR"] = f"/tmp/fupin-bench-analytics-{database}"
        if not args.reuse:  # a reused database keeps the snapshot its partition records name
            subprocess.run(["rm", "-rf", env["FUPIN_ANALYTICS_DIR"]], check=True)
        if not args.reuse:
            fupin(["areas", "load", "--provinces", args.provinces], env)
            setup = run(SETUP, [str(args.members), args.provinces], env)
            print(f"## {database}: {setup['members']:,} members, {setup['households']:,} households, "
                  f"{setup['villages']:,} villages (setup {setup['setup_s']:.0f} s)", flush=True)
        stages = ["extract", "incidence-duckdb", "incidence-spark", "refresh", "orm", "freshness", "import"]
        if not args.skip_sql_engine:
            stages.insert(3, "incidence-sql")
        if args.stages:
            stages = [stage for stage in stages if stage in args.stages.split(",")]
        results = {}
        for stage in stages:
            results[stage] = run(STAGE, [stage], env)
            print(json.dumps(results[stage]), flush=True)
        checks = {results[s]["checksum"] for s in results if "checksum" in results[s]}
        print(f"answers agree: {len(checks) == 1}", flush=True)
        if "orm" in results and "incidence-duckdb" in results:
            orm, duck = results["orm"]["seconds"], results["incidence-duckdb"]["seconds"]
            print(f"duckdb vs ORM: {orm / duck:.1f}×", flush=True)


if __name__ == "__main__":
    main()
