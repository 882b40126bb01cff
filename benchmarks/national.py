"""Benchmark: a national registry (100,000,000 members by default) on PostgreSQL, measured stage by stage.

    .venv/bin/python benchmarks/national.py [--members 100000000] [--postgres-name fupin_national]
                                            [--reuse DATABASE_URL] [--stages a,b] [--json OUT]
                                            [--county 533323] [--export-province 64]

Setup (timed separately, not a figure): a new PostgreSQL database, the real divisions of every province
(`fupin areas load`), ≈ 0.3 × N households spread evenly over the real villages, a record for 2019 and 2020 each,
N members, the rural population of every village for both years and about 29 % of the counties designated poor —
all written on the server as `INSERT … SELECT FROM generate_series(…)` with deterministic pseudo-random values
(PostgreSQL's `hashint8extended` of the row's index), the big tables' secondary indexes and foreign keys dropped
for the load and made again after (then ANALYZE). No Python loop per row: 100 M take tens of minutes.

Then each stage in its own process (its peak RSS from wait4), the database size and the snapshot folder after it:

- extract: a full fill of the Parquet snapshot (`snapshot_fill(full=True)`);
- refresh: `rollups_refresh(full=True)` end to end;
- incidence: 5-level incidence of 2019 (every province … village) as the statistics API answers it (from the
  fresh rollups), cold and the median of 3, checked row for row against a recomputation on duckdb (also timed);
- exits: the exit evaluation of every village and every designated county in sets (the `area_exits` metric: the
  engine counts, the rules' judge_areas judges);
- export: `households_export` of one province to CSV (the export `fupin export` runs);
- dashboard: GET /dashboard/ (and a province's, a county's) through Django's test client as a superuser, the
  median of 5 warm requests;
- import: ~100 households (300 members) imported to one county through the import service; then (issue 21) the
  county's incidence asked at once (fresh: the read refills the county's partitions), the incremental
  `rollups_refresh()`, the dashboards of the county, its prefecture and province, and the freshness check's share
  of a dashboard read;
- explain: the SQL the operational pages emit (household file, search by ID number, by name and by pinyin, a
  village's household list paged, a household's member list) captured and EXPLAINed; a Seq Scan on a registry table
  fails the stage (at a small size, where the planner rightly prefers a scan, each is planned again with
  enable_seqscan off to show which index serves it).

Progress is printed with timestamps and the JSON (`--json`) is rewritten after every stage.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FUPIN, PG_ADMIN, ROOT

STAGES = ["extract", "refresh", "incidence", "exits", "export", "dashboard", "import", "explain"]

SETUP = r"""
import json, sys, time, django
django.setup()
from django.db import connection, transaction
from fupin.areas.models import Area, AreaDesignation, AreaYear
from fupin.core.changes import mark_changed
from fupin.registry.models import Household, HouseholdYear, Member
from fupin.registry.names import name_keys

members = int(sys.argv[1])
households = max(members * 3 // 10, 1)
timings = {}
BIG = [Household, HouseholdYear, Member]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["秀英", "桂英", "秀兰", "玉兰", "建华", "建国", "志强", "文", "明", "丽", "军", "勇", "艳", "杰", "娟",
         "涛", "超", "霞", "平", "刚", "桂兰", "海燕", "国强", "玉珍", "春梅", "小红", "德明", "永福", "正清", "金花"]


def step(name, sql, params=None):
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count = cursor.rowcount
    timings[f"{name}_s"] = round(time.perf_counter() - start, 1)
    print(f"{time.strftime('%H:%M:%S', time.gmtime())}   {name}: {timings[f'{name}_s']} s ({count:,} rows)",
          file=sys.stderr, flush=True)


def h(expr, seed):
    # A deterministic pseudo-random non-negative bigint of an index (PostgreSQL's own hash function).
    return f"abs(hashint8extended(({expr})::bigint, {seed}))"


def literal(field):
    value = field.get_default()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, dict)):
        return "'" + json.dumps(value) + "'::jsonb"
    raise ValueError(field.name)


def insert(model, given, source):
    # INSERT INTO model (every concrete column) SELECT given expressions or the field's default FROM source.
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in given:
            continue  # the identity column numbers the rows
        columns.append(connection.ops.quote_name(field.column))
        if field.column in given:
            values.append(given[field.column])
        elif field.name in ("created_at", "updated_at"):
            values.append("now()")
        elif field.has_default():
            values.append(literal(field))
        elif field.null:
            values.append("NULL")
        elif field.blank and field.get_internal_type() == "CharField":
            values.append("''")
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"


# One transaction: a failed load leaves the database as it was (indexes included).
atomic = transaction.atomic()
atomic.__enter__()
with connection.cursor() as cursor:
    cursor.execute("SET LOCAL maintenance_work_mem = '2GB'")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
    # The big tables' secondary indexes, unique constraints and foreign keys: dropped for the load, made after.
    tables = [m._meta.db_table for m in BIG]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u') ORDER BY contype DESC", [tables])
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [tables])
    indexes = cursor.fetchall()
    # Foreign keys pointing AT the big tables from other tables stay (they only check on those tables' writes).
    for table, name, _definition, kind in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")

start = time.perf_counter()
step("villages", "CREATE TEMP TABLE v AS SELECT (row_number() OVER (ORDER BY code) - 1)::bigint AS idx, code "
                 "FROM areas_area WHERE level = 5")
with connection.cursor() as cursor:
    cursor.execute("CREATE UNIQUE INDEX ON v (idx)")
    cursor.execute("ANALYZE v")
    cursor.execute("SELECT count(*) FROM v")
    villages = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM areas_area WHERE level = 3")
    counties = cursor.fetchone()[0]
# Name pool: surname × given name, with the search keys the app derives on write.
pool = [(s + g, *name_keys(s + g)) for s in SURNAMES for g in GIVEN]
with connection.cursor() as cursor:
    cursor.execute("CREATE TEMP TABLE names (idx int PRIMARY KEY, name text, simplified text, pinyin text, "
                   "initials text)")
    cursor.executemany("INSERT INTO names VALUES (%s, %s, %s, %s, %s)",
                       [(i, *row) for i, row in enumerate(pool)])
    cursor.execute("ANALYZE names")
N, H, V = members, households, villages
# Household i (0-based, id i + 1) lives in village i·V / H; member j in household j·H / N (so sizes are N/H ± 1).
village_of = f"(i * {V} / {H})"
step("households", insert(Household, {
    "id": "i + 1", "number": "'N' || lpad(i::text, 10, '0')", "area_id": "v.code", "county_code": "left(v.code, 6)",
    "attribute": "(ARRAY['01','02','03'])[1 + " + h("i", 1) + " % 3]",
    "main_cause": "(ARRAY['01','02','03','07','08','09'])[1 + " + h("i", 2) + " % 6]",
    # the current status is the 2020 record's (see below)
    "status": f"CASE WHEN {h('i', 3)} % 100 < 70 THEN '1' WHEN {h('i', 3)} % 100 < 95 THEN "
              f"(CASE WHEN {h('i', 4)} % 10 < 9 THEN '1' ELSE '0' END) "
              f"ELSE (ARRAY['3','5','6','4','8'])[1 + {h('i', 3)} % 100 - 95] END",
    "identified_year": "2014",
}, f"generate_series(0::bigint, {H - 1}) AS i JOIN v ON v.idx = {village_of}"))
size = f"((i + 1) * {N} + {H} - 1) / {H} - (i * {N} + {H} - 1) / {H}"
for year, status in ((2019, f"CASE WHEN {h('i', 3)} % 100 < 70 THEN '1' WHEN {h('i', 3)} % 100 < 95 THEN '0' "
                            f"ELSE (ARRAY['3','5','6','4','8'])[1 + {h('i', 3)} % 100 - 95] END"),
                     (2020, f"CASE WHEN {h('i', 3)} % 100 < 70 THEN '1' WHEN {h('i', 3)} % 100 < 95 THEN "
                            f"(CASE WHEN {h('i', 4)} % 10 < 9 THEN '1' ELSE '0' END) "
                            f"ELSE (ARRAY['3','5','6','4','8'])[1 + {h('i', 3)} % 100 - 95] END")):
    income = f"(1500 + {h('i', 10 + year)} % 10500 + {(year - 2019) * 800})"
    step(f"household_years_{year}", insert(HouseholdYear, {
        "household_id": "i + 1", "year": str(year), "size_start": size, "size_end": size, "status": status,
        "net_income": f"({income} * ({size}))::numeric(12,2)", "net_income_per_capita": f"{income}::numeric(12,2)",
        "food_secure": "TRUE", "clothing_secure": "TRUE", "medical_secure": "TRUE",
        "education_secure": f"{h('i', 20 + year)} % 100 >= 3", "housing_secure": f"{h('i', 30 + year)} % 100 >= 5",
        "water_secure": f"{h('i', 40 + year)} % 100 >= 4",
    }, f"generate_series(0::bigint, {H - 1}) AS i"))
# Members: an ID number that is valid (region = the county, birth date, sequence, check digit) and unique: within
# any 30,000,000 consecutive members r = j·7919 mod 30,000,000 is a bijection, split into a birth-date offset
# (r mod 30,000) and a sequence (r div 30,000), and a county's members are consecutive. The check digit's weighted
# sum is precomputed per county (digits 1–6) and per birth date (7–14); the sequence's (15–17) is arithmetic.
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
with connection.cursor() as cursor:
    county_sum = " + ".join(f"substr(code, {k + 1}, 1)::int * {w}" for k, w in enumerate(WEIGHTS[:6]))
    cursor.execute(f"ALTER TABLE v ADD COLUMN county text, ADD COLUMN csum int")
    cursor.execute(f"UPDATE v SET county = left(code, 6), csum = {county_sum}")
    date_sum = " + ".join(f"substr(born, {k + 1}, 1)::int * {w}" for k, w in enumerate(WEIGHTS[6:14]))
    cursor.execute("CREATE TEMP TABLE d AS SELECT off, born, day, " + date_sum + " AS dsum FROM (SELECT off, "
                   "to_char(date '1935-01-01' + off, 'YYYYMMDD') AS born, date '1935-01-01' + off AS day "
                   "FROM generate_series(0, 29999) AS off) AS x")
    cursor.execute("CREATE UNIQUE INDEX ON d (off)")
    cursor.execute("ANALYZE v")
    cursor.execute("ANALYZE d")
people = f'''(SELECT j, hh, v.county || d.born || lpad(seq::text, 3, '0') || substr('10X98765432',
           (v.csum + d.dsum + (seq / 100) * 8 + (seq / 10 % 10) * 4 + (seq % 10) * 2) % 11 + 1, 1) AS id_number,
           d.day AS born, seq, n.name, n.simplified, n.pinyin, n.initials
    FROM (SELECT j, j * {H} / {N} AS hh, ((j * 7919) % 30000000 % 30000)::int AS off,
                 ((j * 7919) % 30000000 / 30000)::int AS seq, {h('j', 5)} % {len(pool)} AS name_idx
          FROM generate_series(0::bigint, {N - 1}) AS j) AS m
    JOIN v ON v.idx = hh * {V} / {H} JOIN d ON d.off = m.off JOIN names n ON n.idx = m.name_idx) AS q'''
first = f"(hh * {N} + {H} - 1) / {H}"
step("members", insert(Member, {
    "id": "j + 1", "household_id": "hh + 1", "name": "name", "name_simplified": "simplified",
    "name_pinyin": "pinyin", "name_initials": "initials", "id_kind": "'1'",
    "id_number": "id_number",
    "sex": "CASE WHEN seq % 2 = 1 THEN '1' ELSE '2' END", "birth_date": "born",
    "relation": f"CASE WHEN j = {first} THEN '01' WHEN j = {first} + 1 THEN '02' ELSE '03' END",
    "ethnicity": "(ARRAY['01','01','01','01','01','01','07','14','16','06','03','08','13','15'])"
                 f"[1 + {h('j', 6)} % 14]",
    "labour": f"(ARRAY['1','2','3','4'])[1 + {h('j', 7)} % 4]",
    "health": f"(ARRAY['1','2','3','4'])[1 + {h('j', 8)} % 4]",
    "is_active": "TRUE",
}, people))
per_village = max(N // max(V, 1), 1)
for year in (2019, 2020):
    step(f"area_years_{year}", insert(AreaYear, {
        "area_id": "v.code", "year": str(year),
        "rural_population": f"900 + {h('v.idx', 50 + year)} % 1500 + {3 * per_village}"}, "v"))
step("designations", insert(AreaDesignation, {
    "area_id": "code", "designation_type_id": "'poor_county'", "year": "2014"},
    f"areas_area WHERE level = 3 AND {h('hashtext(code)', 60)} % 100 < 29"))
with connection.cursor() as cursor:
    for model in (Household, Member):
        table = model._meta.db_table
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{HouseholdYear._meta.db_table}', 'id'), "
                   f"(SELECT max(id) FROM {HouseholdYear._meta.db_table}))")
timings["load_s"] = round(time.perf_counter() - start, 1)
start = time.perf_counter()
for name, definition in indexes:
    step(f"index {name}", definition)
for table, name, definition, kind in reversed(constraints):  # unique first, then foreign keys
    if kind == "f":
        step(f"fk {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
        step(f"validate {name}", f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
    else:
        step(f"unique {name}", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
timings["indexes_s"] = round(time.perf_counter() - start, 1)
# Written straight, so marked here as every service marks what it writes (core.changes): one mark per county-year.
with connection.cursor() as cursor:
    cursor.execute("SELECT DISTINCT county_code FROM " + Household._meta.db_table)
    written = [row[0] for row in cursor.fetchall()]
mark_changed((county, year) for county in written for year in (2019, 2020))
atomic.__exit__(None, None, None)
# VACUUM (outside the transaction) sets the visibility map, so index-only scans are possible at once.
start = time.perf_counter()
for model in (*BIG, AreaYear, AreaDesignation):
    step(f"vacuum analyze {model._meta.db_table}", f"VACUUM (ANALYZE) {model._meta.db_table}")
timings["analyze_s"] = round(time.perf_counter() - start, 1)
print(json.dumps({"villages": villages, "counties": counties, "counties_with_households": len(written),
                  "households": H, "members": N, "names": len(pool), **timings}))
"""

STAGE = r"""
import json, resource, statistics, sys, time, django
django.setup()
stage, args = sys.argv[1], json.loads(sys.argv[2])
result = {"stage": stage}
if stage in ("dashboard", "import") and not args.get("county"):
    from fupin.areas.models import Area
    village = Area.objects.filter(level=5, code__startswith=args["export_province"]).order_by("code").first()
    args["county"] = village.code[:6]


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
    result.update(rows=report.rows_written, partitions=report.partitions_written, seconds=seconds,
                  rows_per_s=report.rows_written / seconds)
elif stage == "refresh":
    from fupin.accounts.models import User
    from fupin.analytics.services import rollups_refresh
    summary, (seconds,) = timed(lambda: rollups_refresh(actor=User.objects.get(username="system"), full=True))
    result.update(seconds=seconds, rollup_rows=summary["rollup_rows"], rows=summary["rows_written"],
                  snapshot_s=summary["snapshot_seconds"], rollups_s=seconds - summary["snapshot_seconds"])
elif stage == "incidence":
    from fupin.analytics.engines import get_engine
    from fupin.analytics.metrics import StatsQuery, get_metric
    engine = get_engine("duckdb")
    ask = lambda: get_metric("incidence").compute(engine, StatsQuery(year=2019))
    rows, cold = timed(ask)
    rows, warm = timed(ask, 3)
    national = [r for r in rows if r["level"] == 1]
    # What `fupin stats incidence` and the statistics API answer: the refresh's rollups when they are fresh for
    # the asked areas (selectors.stats_answer), checked row for row against the recomputation above.
    from fupin.accounts.models import User
    from fupin.analytics.selectors import stats_answer
    actor = User.objects.get(username="system")
    answer = lambda: stats_answer(actor=actor, metric="incidence", year=2019, engine="rollups")
    (stored, source), rollup_cold = timed(answer)
    _, rollup_warm = timed(answer, 3)
    key = lambda r: (r["code"], r["poor"], r["population"])
    result.update(rollups_source=source, rollups_cold_s=rollup_cold[0], rollups_s=statistics.median(rollup_warm),
                  rollups_rows=len(stored), rollups_equal=sorted(map(key, stored)) == sorted(map(key, rows)))
    result.update(rows=len(rows), cold_s=cold[0], recompute_s=statistics.median(warm),
                  seconds=statistics.median(rollup_warm),
                  levels={level: sum(1 for r in rows if r["level"] == level) for level in range(1, 6)},
                  poor=sum(r["poor"] for r in national),
                  population=sum(r["population"] or 0 for r in national),
                  provinces={r["code"][:2]: [r["poor"], r["population"]] for r in national})
elif stage == "exits":
    from fupin.analytics.engines import get_engine
    from fupin.analytics.metrics import StatsQuery, get_metric
    engine = get_engine("duckdb")
    metric = get_metric("area_exits")
    villages, (village_s,) = timed(lambda: metric.compute(engine, StatsQuery(year=2019, level=5)))
    counties, (county_s,) = timed(lambda: metric.compute(engine, StatsQuery(year=2019, level=3)))
    result.update(villages=len(villages), villages_eligible=sum(bool(v["eligible"]) for v in villages),
                  villages_s=village_s, counties=len(counties),
                  counties_eligible=sum(bool(v["eligible"]) for v in counties), counties_s=county_s,
                  seconds=village_s + county_s)
elif stage == "export":
    import os, tempfile
    from fupin.accounts.models import User
    from fupin.areas.models import Area
    from fupin.registry.exporting import households_export
    actor = User.objects.get(username="system")
    area = Area.objects.get(code=args["export_province"].ljust(12, "0"))
    path = os.path.join(tempfile.mkdtemp(prefix="fupin-national-"), "province.csv")
    rows, (seconds,) = timed(lambda: households_export(actor=actor, path=path, year=2019, area=area))
    result.update(province=area.code, rows=rows, seconds=seconds, rows_per_s=rows / seconds,
                  file_mib=os.path.getsize(path) / 2**20)
    os.remove(path)
elif stage == "dashboard":
    from django.test import Client
    from fupin.accounts.models import User
    user = User.objects.get(username="system")  # nationwide grants: what a national administrator sees
    client = Client()
    client.force_login(user)
    county = args["county"]
    pages = {}
    for name, url in (("national", "/dashboard/"), ("province", f"/dashboard/{county[:2]}0000000000/"),
                      ("county", f"/dashboard/{county}000000/")):
        first, (cold,) = timed(lambda: client.get(url))
        if first.status_code != 200:
            raise SystemExit(f"{url}: {first.status_code}")
        _, warm = timed(lambda: client.get(url), 5)
        pages[name] = {"url": url, "cold_ms": cold * 1000, "median_ms": statistics.median(warm) * 1000,
                       "max_ms": max(warm) * 1000, "bytes": len(first.content)}
    result.update(pages=pages, seconds=pages["national"]["median_ms"] / 1000)
elif stage == "import":
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
    county = args["county"]
    village = Area.objects.filter(level=5, code__startswith=county).order_by("code").values_list(
        "code", flat=True).first()
    token = random.Random().randrange(10**6)
    header = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
              "主要致贫原因", "识别年度", "脱贫标志", "工资性收入"]
    rows = []
    # Born in 2018–2019: the generator's people are born 1935–2017, so these ID numbers are new.
    births = datetime.date(2018, 1, 1) + datetime.timedelta(days=token % 300)
    for i in range(100):
        for k, relation in enumerate(("户主", "配偶", "之子")):
            birth = births + datetime.timedelta(days=i % 60)
            male = k != 1  # the ID number's sequence is odd for men, even for women
            sequence = f"{(2 * (3 * i + k + token) + male) % 1000:03d}"
            rows.append([village, f"BENCH{token:06d}{i:03d}", "2019", "导入成员", id_number(
                county, birth.strftime("%Y%m%d"), sequence), "男" if male else "女",
                relation, "汉族", "一般贫困户", "缺技术", "2019", "未脱贫", "1000"])
    path = Path(tempfile.mkdtemp()) / "county.csv"
    path.write_bytes(csv_text([header, *rows]).encode())
    before = selectors.dashboard(actor=actor, area_code=county, year=2019)["headline"]["poor.persons"]
    report, (import_s,) = timed(lambda: households_import(actor=actor, path=path))
    if not report.written:
        raise SystemExit(f"the import was refused: {[str(error) for error in report.errors[:3]]}")
    # Issue 21: from the import's end to a fresh incidence of its county (the read refills the county's stale
    # partitions first), then to fresh rollups on the dashboards of its county, prefecture and province.
    (incidence, source), (incidence_s,) = timed(lambda: selectors.stats_answer(
        actor=actor, metric="incidence", year=2019, area_code=county, level=3))
    summary, (rollups_s,) = timed(lambda: rollups_refresh(actor=actor))
    boards = {}
    for name, code in (("county", county), ("prefecture", county[:4]), ("province", county[:2])):
        data, (board_s,) = timed(lambda: selectors.dashboard(actor=actor, area_code=code, year=2019))
        boards[name] = {"seconds": board_s, "refreshing": data["refreshing"],
                        "poor": float(data["headline"]["poor.persons"] or 0)}
    # The freshness check's share of a read: the check alone, against the whole county dashboard (median of 5).
    _, checks = timed(lambda: selectors.rollups_freshness(prefixes=[county], years=[2019]), 5)
    _, reads = timed(lambda: selectors.dashboard(actor=actor, area_code=county, year=2019), 5)
    data = selectors.dashboard(actor=actor, area_code=county, year=2019)
    result.update(county=county, members_imported=report.members_created, import_s=import_s,
                  incidence_fresh_s=incidence_s, incidence_source=source,
                  county_poor_in_incidence=incidence[0]["poor"] if incidence else None,
                  seconds=rollups_s, rollup_counties=summary["rollup_counties"],
                  rollup_rows=summary["rollup_rows"], rows_extracted=summary["rows_written"],
                  snapshot_s=summary["snapshot_seconds"], dashboards=boards,
                  import_to_fresh_dashboards_s=rollups_s + sum(b["seconds"] for b in boards.values()),
                  freshness_check_ms=statistics.median(checks) * 1000,
                  dashboard_read_ms=statistics.median(reads) * 1000,
                  freshness_share=statistics.median(checks) / statistics.median(reads),
                  county_poor_before=float(before or 0),
                  county_poor_after=float(data["headline"]["poor.persons"]), refreshing=data["refreshing"],
                  county_dashboard_s=statistics.median(reads))
elif stage == "explain":
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from fupin.accounts.models import User
    from fupin.registry.models import Household, Member
    user = User.objects.get(username="system")  # nationwide grants: what a national administrator sees
    client = Client()
    client.force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [Member._meta.db_table])
        estimated_members = cursor.fetchone()[0]
    target = Member.objects.order_by("id").filter(id__gte=estimated_members // 2).values(
        "id_number", "name", "name_pinyin", "household_id").first()
    household = Household.objects.get(pk=target["household_id"])
    pages = {
        "household file": f"/households/{household.pk}/",
        "search by ID number": f"/search/?q={target['id_number']}",
        "search by name": f"/search/?q={target['name']}",
        "search by pinyin": f"/search/?q={target['name_pinyin']}",
        "village's households, page 2": f"/api/households/?area={household.area_id}&limit=100&offset=100",
        "household's members": f"/api/members/?household={household.pk}",
    }
    registry = ("registry_household", "registry_householdyear", "registry_member")

    def nodes(plan):
        yield plan
        for child in plan.get("Plans", []):
            yield from nodes(child)

    def explain(sql, forced):
        with connection.cursor() as cursor:
            if forced:
                cursor.execute("SET enable_seqscan = off")
            try:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
            finally:
                cursor.execute("RESET enable_seqscan")
        plan = plan if isinstance(plan, list) else json.loads(plan)
        found = [(n["Node Type"] if n.get("Index Cond") or "Index" not in n["Node Type"] else
                  f"{n['Node Type']} (whole index)", n.get("Relation Name"), n.get("Index Name"))
                 for n in nodes(plan[0]["Plan"])]
        return found, plan[0]["Plan"]["Total Cost"]

    def whole(kind):  # a sequential scan, or an index read whole (what enable_seqscan off turns a scan into)
        return kind == "Seq Scan" or kind.endswith("(whole index)")

    checks, failures = [], []
    small = estimated_members < args["small_below"]
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            failures.append(f"{name}: HTTP {response.status_code}")
            continue
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in registry):
                continue
            found, cost = explain(sql, forced=False)
            scans = [relation for kind, relation, _ in found if whole(kind) and relation in registry]
            forced = False
            if scans and small:  # a table of a few thousand rows is read whole by choice: show the index it has
                found, cost = explain(sql, forced=True)
                scans = [relation for kind, relation, _ in found if whole(kind) and relation in registry]
                forced = True
            where = sql.find(" WHERE ")
            check = {"page": name, "sql": sql[where:where + 400] if where > 0 else sql[:400], "cost": cost,
                     "forced": forced,
                     "indexes": sorted({index for _, _, index in found if index}),
                     "nodes": sorted({f"{kind} on {relation}" for kind, relation, _ in found if relation}),
                     "seq_scans": scans}
            checks.append(check)
            if scans:
                failures.append(f"{name}: read whole: {', '.join(scans)}: {check['sql'][:300]}")
    result.update(checks=checks, failures=failures, passed=not failures, members_estimate=estimated_members,
                  forced_small=small)
result["peak_mib_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result, default=str))
"""


def log(message: str) -> None:
    print(f"{datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M:%S')} UTC  {message}", flush=True)


def run_child(argv: list[str], env: dict) -> tuple[dict, float, float]:
    """Run a child process; (its last stdout line as JSON, wall seconds, its peak RSS in MiB from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=None, text=True)
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if code:
        raise RuntimeError(f"{argv[-2 if len(argv) > 3 else -1]} exited {code}: {output[-2000:]}")
    return json.loads(output.strip().splitlines()[-1]), seconds, usage.ru_maxrss / 1024


def database_env(url: str, analytics: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FUPIN_DEBUG": "0",
            "FUPIN_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "DATABASE_URL": url,
            "FUPIN_ANALYTICS_DIR": analytics}


def disk(env: dict) -> dict:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        database = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = dict(conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname IN "
            "('registry_member', 'registry_household', 'registry_householdyear', 'analytics_rollup') "
            "AND relkind = 'r'").fetchall())
    folder = Path(env["FUPIN_ANALYTICS_DIR"])
    snapshot = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.exists() else 0
    return {"database_gib": database / 2**30, "snapshot_gib": snapshot / 2**30,
            "tables_gib": {name: size / 2**30 for name, size in tables.items()}}


def machine() -> dict:
    load = os.getloadavg()
    memory = {}
    with open("/proc/meminfo") as handle:
        for line in handle:
            key, value = line.split(":", 1)
            if key in ("MemTotal", "MemAvailable"):
                memory[key] = int(value.split()[0]) / 2**20
    return {"load_1_5_15": [round(x, 2) for x in load], "cpus": os.cpu_count(),
            "mem_total_gib": memory.get("MemTotal"), "mem_available_gib": memory.get("MemAvailable")}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000_000)
    parser.add_argument("--postgres-name", default="fupin_national")
    parser.add_argument("--reuse", metavar="DATABASE_URL", help="Run the stages on a database a previous run filled.")
    parser.add_argument("--stages", help=f"Only these stages, comma-separated, of {','.join(STAGES)}.")
    parser.add_argument("--json", metavar="OUT", help="Write the results here (rewritten after every stage).")
    parser.add_argument("--into", metavar="DATABASE_URL",
                        help="Generate into this existing, migrated database instead of a new one.")
    parser.add_argument("--provinces", help="Load only these provinces' divisions (default: every province).")
    parser.add_argument("--county", help="The county of the import and dashboard stages (default: the export "
                                         "province's first county).")
    parser.add_argument("--export-province", default="53", help="The province the export stage writes.")
    parser.add_argument("--analytics-dir", help="The snapshot folder (default /tmp/fupin-national-<name>).")
    parser.add_argument("--small-below", type=int, default=1_000_000,
                        help="Below this many members a Seq Scan is planned again with enable_seqscan off.")
    args = parser.parse_args(argv)
    if args.reuse or args.into:
        url = args.reuse or args.into
        name = url.rsplit("/", 1)[-1]
    else:
        name = args.postgres_name
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
    analytics = args.analytics_dir or f"/tmp/fupin-national-{name}"
    env = database_env(url, analytics)
    results = {"members_asked": args.members, "database": name, "started": datetime.datetime.now(
        datetime.UTC).isoformat(timespec="seconds"), "machine": machine(), "stages": {}}

    def save():
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str, ensure_ascii=False))

    if not args.reuse:
        import psycopg

        subprocess.run(["rm", "-rf", analytics], check=True)
        if not args.into:
            log(f"new database {name}")
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
            start = time.perf_counter()
            subprocess.run([FUPIN, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
            results["migrate_s"] = time.perf_counter() - start
            log(f"migrated ({results['migrate_s']:.0f} s)")
        # What a national deployment sets in postgresql.conf (docs/postgresql.md) and a shared server allows per
        # database without a restart (shared_buffers is the server's: left as it is).
        with psycopg.connect(url, autocommit=True) as conn:
            for setting in ("work_mem = '64MB'", "effective_cache_size = '16GB'", "random_page_cost = 1.1"):
                conn.execute(f"ALTER DATABASE {name} SET {setting}")
        with psycopg.connect(url) as conn:  # a new session: with the database's settings
            results["server"] = dict(conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
                "'maintenance_work_mem', 'max_wal_size', 'server_version', 'max_parallel_workers_per_gather')"
            ).fetchall())
        log(f"loading the divisions of {args.provinces or 'every province'}")
        start = time.perf_counter()
        with psycopg.connect(url) as conn:
            loaded = conn.execute("SELECT count(DISTINCT left(code, 2)) FROM areas_area WHERE level = 5").fetchone()[0]
        if not (args.into and not args.provinces and loaded >= 31):  # a database given with every province: as is
            subprocess.run([FUPIN, "areas", "load", *(["--provinces", args.provinces] if args.provinces else [])],
                           env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        results["areas_load_s"] = time.perf_counter() - start
        log(f"divisions loaded ({results['areas_load_s']:.0f} s); generating {args.members:,} members")
        setup, seconds, peak = run_child([sys.executable, "-c", SETUP, str(args.members)], env)
        results["setup"] = {**setup, "seconds": seconds, "peak_mib": peak, "disk": disk(env)}
        save()
        log(f"setup: {setup['members']:,} members, {setup['households']:,} households, {setup['villages']:,} "
            f"villages in {seconds:.0f} s (load {setup['load_s']} s, indexes {setup['indexes_s']} s, analyze "
            f"{setup['analyze_s']} s); database {results['setup']['disk']['database_gib']:.1f} GiB")
    stages = [s for s in STAGES if not args.stages or s in args.stages.split(",")]
    options = json.dumps({"county": args.county, "export_province": args.export_province,
                          "small_below": args.small_below})
    for stage in stages:
        log(f"stage {stage} …")
        try:
            result, seconds, peak = run_child([sys.executable, "-c", STAGE, stage, options], env)
        except RuntimeError as error:
            results["stages"][stage] = {"stage": stage, "error": str(error)[-3000:]}
            log(f"stage {stage} FAILED: {str(error)[-1500:]}")
            save()
            continue
        result.update(wall_s=seconds, peak_mib=peak, disk=disk(env), machine=machine())
        results["stages"][stage] = result
        save()
        brief = {k: v for k, v in result.items() if k not in ("checks", "provinces", "disk", "machine", "pages")}
        log(f"stage {stage}: {json.dumps(brief, default=str)[:600]}")
    results["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    save()
    log("done")
    return results


if __name__ == "__main__":
    main()
