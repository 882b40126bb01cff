"""Benchmark: importing 1,000,000 members (≈286,000 households) of the 建档立卡 workbook, from CSV and from
.xlsx, into SQLite and PostgreSQL — beside, in the same run, (a) the database's raw bulk path for the same rows
read from the same file without validation (`executemany` on SQLite, `COPY` on PostgreSQL; the .xlsx read with
calamine, the fastest reader, which loads the whole sheet) and (b) django-import-export, the usual Django choice,
on a 50,000-member sample.

    .venv/bin/pip install "django-import-export>=4,<5"   # only for the comparison
    .venv/bin/python benchmarks/import_households.py [--members 1000000] [--databases sqlite,postgres]
        [--no-comparison] [--formats csv,xlsx] [--pg-database fupin_bench]

Every measurement starts from an empty, migrated database with Yunnan's real divisions. The validated import is
`fupin import households FILE` in its own process (time and that process's peak memory, by wait4): one streaming
pass that validates and writes in one transaction, and records every household and member it writes in the
audit trail (a change row each, covered by the run's audit event: ADR 0014), which the benchmark checks with
`fupin audit verify` after the import. `--no-comparison` leaves django-import-export out (minutes on a busy
machine); `--pg-database` names the PostgreSQL database to drop and create, so that two runs on one server do
not share one.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import common
from common import FUPIN, ROOT, fresh_database, fupin

HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "民族", "文化程度", "在校生状况",
          "健康状况", "劳动能力", "贫困户属性", "主要致贫原因", "识别年度", "脱贫标志", "工资性收入", "生产经营性收入",
          "转移性收入", "不愁吃", "住房安全有保障"]

MAKE_FILES = r"""
import csv, sys, django
django.setup()
from fupin.areas.models import Area
from fupin.demo.households import synthetic_households
from fupin.core.files.workbooks import SheetWriter

members, csv_path, xlsx_path, sample_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sample = int(sys.argv[5])
header = sys.argv[6].split(",")
villages = list(Area.objects.filter(level=5, code__startswith="53").values_list("code", flat=True))
sheet = SheetWriter(xlsx_path, header)
written = 0
full = open(csv_path, "w", encoding="utf-8", newline="")
part = open(sample_path, "w", encoding="utf-8", newline="")
with full, part:
    out, out_sample = csv.writer(full), csv.writer(part)
    out.writerow(header); out_sample.writerow(header)
    for sub in synthetic_households(villages, members):
        h, y = sub.household, sub.year_data
        for m in sub.members:
            row = [sub.area_code, h["number"], sub.year, m["name"], m["id_number"], m["relation"], m["ethnicity"],
                   m.get("education", ""), m.get("school_status", ""), m["health"], m["labour"], h["attribute"],
                   h["main_cause"], h["identified_year"], "未脱贫", y["wage_income"], y["business_income"],
                   y["transfer_income"], "是", "是"]
            out.writerow(row); sheet.write(row)
            if written < sample:
                out_sample.writerow(row)
            written += 1
sheet.close()
print(written)
"""

RAW = r"""
import csv, json, sys, time, django
django.setup()
from django.db import connection, transaction
from fupin.core.sql import insert_rows
from fupin.registry.models import Household, Member

path = sys.argv[1]
start = time.perf_counter()
if path.endswith(".xlsx"):  # read with calamine, the fastest reader there is (it loads the whole sheet)
    from python_calamine import CalamineWorkbook
    rows = [[str(int(c)) if isinstance(c, float) and c.is_integer() else str(c) for c in row]
            for row in CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows()][1:]
else:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
households, seen = [], set()
for r in rows:
    key = (r[0][:6], r[1])
    if key not in seen:
        seen.add(key)
        households.append({"number": r[1], "area_id": r[0], "county_code": r[0][:6], "attribute": "01",
                           "main_cause": "07", "identified_year": 2014, "status": "0", "version": 1})
taken = set()  # the generator's few repeated ID numbers would break the unique index: left empty here
def person(r):
    number = r[4] if r[4] not in taken else None
    taken.add(r[4])
    return {"household_id": ids[(r[0][:6], r[1])], "name": r[3], "id_number": number, "sex": "1",
            "relation": "01", "name_simplified": r[3], "name_pinyin": "", "name_initials": ""}
with transaction.atomic():
    insert_rows(Household, households)
    ids = {(c, n): pk for pk, c, n in Household.objects.values_list("pk", "county_code", "number")}
    insert_rows(Member, [person(r) for r in rows])
print(json.dumps({"rows": len(rows), "seconds": time.perf_counter() - start}))
"""

DIE = r"""
import json, sys, time, django
django.setup()
import tablib
from import_export import fields, resources, widgets
from fupin.registry.models import Household, Member

path = sys.argv[1]
data = tablib.Dataset().load(open(path, encoding="utf-8").read(), format="csv")

class HouseholdResource(resources.ModelResource):
    number = fields.Field(attribute="number", column_name="户编号")
    area = fields.Field(attribute="area_id", column_name="行政区划代码")
    county_code = fields.Field(attribute="county_code", column_name="county")
    attribute = fields.Field(attribute="attribute", column_name="attribute")
    main_cause = fields.Field(attribute="main_cause", column_name="cause")
    identified_year = fields.Field(attribute="identified_year", column_name="识别年度")
    class Meta:
        model = Household
        import_id_fields = ["number", "county_code"]
        fields = ["number", "area", "county_code", "attribute", "main_cause", "identified_year"]

class MemberResource(resources.ModelResource):
    household = fields.Field(attribute="household", column_name="户编号",
                             widget=widgets.ForeignKeyWidget(Household, field="number"))
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(attribute="id_number", column_name="证件号码")
    relation = fields.Field(attribute="relation", column_name="relation_code")
    sex = fields.Field(attribute="sex", column_name="sex")
    class Meta:
        model = Member
        import_id_fields = ["id_number"]
        fields = ["household", "name", "id_number", "relation", "sex"]

start = time.perf_counter()
households = tablib.Dataset(headers=["户编号", "行政区划代码", "county", "attribute", "cause", "识别年度"])
seen = set()
for row in data.dict:
    if row["户编号"] not in seen:
        seen.add(row["户编号"])
        households.append([row["户编号"], row["行政区划代码"], row["行政区划代码"][:6], "01", "07", 2014])
members = tablib.Dataset(headers=["户编号", "姓名", "证件号码", "relation_code", "sex"])
for row in data.dict:
    members.append([row["户编号"], row["姓名"], row["证件号码"], "01", "1"])
r1 = HouseholdResource().import_data(households, dry_run=False, raise_errors=True)
r2 = MemberResource().import_data(members, dry_run=False, raise_errors=True)
print(json.dumps({"rows": len(members), "seconds": time.perf_counter() - start}))
"""


def tree_rss(root: int) -> int:
    """Bytes resident in `root` and every process under it, read from /proc (the import's worker included)."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    parents[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:  # ended meanwhile
                continue
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    resident = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as statm:
                resident += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return resident


def measure(args, env):
    """Wall seconds, peak RSS of the largest single process (wait4) and of the whole process tree (sampled every
    0.2 s), both in MiB, and the standard output."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = 0
    sampling = threading.Event()

    def sample():
        nonlocal peak
        while not sampling.wait(0.2):
            peak = max(peak, tree_rss(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read().decode()  # until the child closes it, so that a large output cannot block it
    _pid, status, usage = os.wait4(child.pid, 0)
    sampling.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{args[:3]} failed: {output[-500:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024, peak / 2**20, output


def fresh(database, pg_database="fupin_bench"):
    if database == "postgres" and pg_database != "fupin_bench":
        import psycopg

        with psycopg.connect(common.PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{pg_database}"')
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FUPIN_DEBUG": "0",
               "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{pg_database}"}
        fupin(["migrate", "-v0"], env)
    else:
        env = fresh_database(database)
    fupin(["areas", "load", "--provinces", "53"], env)
    return env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--only", choices=["csv", "xlsx"], help="Measure just this fupin import (no comparisons).")
    parser.add_argument("--no-comparison", action="store_true", help="Leave django-import-export out.")
    parser.add_argument("--formats", default="csv,xlsx", help="The file formats to measure (csv, xlsx).")
    parser.add_argument("--pg-database", default="fupin_bench", help="The PostgreSQL database to (re)create.")
    parser.add_argument("--before", metavar="DIR", help="Also import with the code of the checkout (or copy of the "
                        "`fupin` package) at DIR, first in PYTHONPATH: a before/after run against the same raw path.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fupin-import-bench-"))
    files = {"csv": folder / "households.csv", "xlsx": folder / "households.xlsx", "sample": folder / "sample.csv"}
    env = fresh("sqlite")
    subprocess.run([sys.executable, "-c", MAKE_FILES, str(args.members), str(files["csv"]), str(files["xlsx"]),
                    str(files["sample"]), str(args.sample), ",".join(HEADER)], env=env, cwd=ROOT, check=True)
    print(f"files: csv {files['csv'].stat().st_size / 2**20:.0f} MiB, xlsx {files['xlsx'].stat().st_size / 2**20:.0f} "
          f"MiB, {args.members:,} members", flush=True)
    print("| database | path | rows | seconds | rows/s | peak RSS, one process (MiB) | peak RSS, all processes (MiB) "
          "| vs raw bulk | vs django-import-export |")
    print("|---|---|---|---|---|---|---|---|---|")
    for database in args.databases.split(","):
        results = {}  # path → (rows, seconds, peak RSS, the raw path it is compared with)
        raw: dict[str, float] = {}  # file kind → rows/s of the raw path reading that file
        die = None
        kinds = [args.only] if args.only else args.formats.split(",")
        for kind in kinds if not args.only else []:
            # The raw path of the same rows read from the same file: csv.reader, or calamine for .xlsx.
            _seconds, rss, tree, out = measure([sys.executable, "-c", RAW, str(files[kind])],
                                               fresh(database, args.pg_database))
            measured = json.loads(out.strip().splitlines()[-1])
            raw[kind] = measured["rows"] / measured["seconds"]
            results[f"raw bulk from {kind} (no validation)"] = (measured["rows"], measured["seconds"], rss, tree, kind)
        if not args.only and not args.no_comparison:
            _seconds, rss, tree, out = measure([sys.executable, "-c", DIE, str(files["sample"])],
                                               fresh(database, args.pg_database))
            die = json.loads(out.strip().splitlines()[-1])
            results["django-import-export (sample)"] = (die["rows"], die["seconds"], rss, tree, "csv")
        codes = [args.before, None] if args.before else [None]  # None: this checkout's code
        for kind, code in [(kind, code) for kind in kinds for code in codes]:
            # --skip-invalid: the synthetic file holds a few households whose generated ID numbers collide.
            env = fresh(database, args.pg_database)
            if code:  # the same migrated database, imported into (and verified) by the code at `code`
                env["PYTHONPATH"] = os.pathsep.join([code, str(ROOT)])
            seconds, rss, tree, out = measure([FUPIN, "import", "households", str(files[kind]), "--skip-invalid",
                                               "--format", "json"], env)
            summary = json.loads(out)
            # Every household and member written has its change row, and the trail verifies.
            verify_seconds, verify_rss, _tree, verified = measure([FUPIN, "audit", "verify", "--format", "json"], env)
            report = json.loads(verified)
            assert report["intact"] and report["changes"] >= summary["rows"], report
            label = f"fupin import ({kind}){', before' if code else ''}"
            print(f"{label} on {database}, load average {os.getloadavg()[0]:.1f}: `fupin audit verify` read "
                  f"{report['checked']:,} events and "
                  f"{report['changes']:,} change rows in {verify_seconds:.1f} s, peak RSS {verify_rss:.0f} MiB",
                  flush=True)
            # Only the generator's colliding ID numbers are rejected: 0.02 % of 1 M members, 0.25 % of 3 M.
            assert summary["rejected"] < args.members // 100, summary["rejected"]
            results[label] = (summary["rows"], seconds, rss, tree, kind)
        for path, (rows, seconds, rss, tree, kind) in results.items():
            rate = rows / seconds
            versus_raw = f"{rate / raw[kind]:.0%}" if kind in raw else "–"
            versus_die = f"{rate / (die['rows'] / die['seconds']):.1f}×" if die else "–"
            print(f"| {database} | {path} | {rows:,} | {seconds:.1f} | {rate:,.0f} | {rss:.0f} | {tree:.0f} | "
                  f"{versus_raw} | {versus_die} |", flush=True)


if __name__ == "__main__":
    main()
