"""Benchmark: DCI sync search (`POST /dci/registry/sync/search`) by ID number and by predicate.

    .venv/bin/python benchmarks/dci_search.py [--members 200000] [--runs 50] [--database postgres|sqlite]
        [--pg-database fupin_bench_dci] [--reuse]

Starts from an empty, migrated database (PostgreSQL by default; `--pg-database` is dropped and created) with
Yunnan's real divisions, imports `--members` synthetic members (the demo's generator, through `fupin import
households`), registers a nationwide DCI client, and then times, in this process through Django's test client
(the server's own time: token check, envelope and header checks, the scoped search, mapping, masking, audit,
signature): `--runs` searches by a random member's ID number, and `--runs` predicate searches (members aged ≥ 60
in one county, poor households; page of 100, sorted by household number, with the total). Prints median and p95
in milliseconds as JSON. Target (issue 28): p95 ≤ 200 ms on the 10 M-member database. `--reuse` skips the
setup and uses the database in DATABASE_URL as it is.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for django.setup()
import common

HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "民族", "健康状况", "劳动能力",
          "贫困户属性", "主要致贫原因", "识别年度", "脱贫标志"]

MAKE_FILE = r"""
import csv, sys, django
django.setup()
from fupin.areas.models import Area
from fupin.demo.households import synthetic_households

members, path, header = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
villages = list(Area.objects.filter(level=5, code__startswith="53").values_list("code", flat=True))
written = 0
with open(path, "w", encoding="utf-8", newline="") as handle:
    out = csv.writer(handle)
    out.writerow(header)
    for sub in synthetic_households(villages, members):
        h = sub.household
        for m in sub.members:
            out.writerow([sub.area_code, h["number"], sub.year, m["name"], m["id_number"], m["relation"],
                          m["ethnicity"], m["health"], m["labour"], h["attribute"], h["main_cause"],
                          h["identified_year"], "未脱贫"])
            written += 1
print(written)
"""


def setup(args) -> dict:
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(common.PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.pg_database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {args.pg_database}")
        url = f"postgres://postgres@127.0.0.1:5432/{args.pg_database}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='fupin-bench-')}/bench.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FUPIN_DEBUG": "0", "DATABASE_URL": url}
    common.fupin(["migrate", "-v0"], env)
    common.fupin(["areas", "load", "--provinces", "53"], env)
    path = Path(tempfile.mkdtemp(prefix="fupin-dci-")) / "households.csv"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", MAKE_FILE, str(args.members), str(path), ",".join(HEADER)], env=env,
                   check=True, cwd=common.ROOT, capture_output=True)
    seconds, _out = common.timed(["import", "households", str(path), "--skip-invalid", "--format", "json"], env)
    print(f"setup: {args.members} members generated and imported in {time.perf_counter() - started:.0f} s "
          f"(import {seconds:.0f} s)", file=sys.stderr)
    return env


def percentile(times, q):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg-database", default="fupin_bench_dci")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not args.reuse:
        os.environ.update(setup(args))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("FUPIN_DEBUG", "0")
    os.environ.setdefault("FUPIN_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from django.test import Client as HttpClient

    from fupin.accounts.models import User
    from fupin.areas.models import Area
    from fupin.dci import services
    from fupin.registry.models import Member

    admin = User.objects.get(username="system")
    client, secret = services.client_add(actor=admin, name=f"bench-{uuid.uuid4().hex[:8]}")
    http = HttpClient()
    token = http.post("/dci/oauth2/client/token", {"grant_type": "client_credentials", "client_id": client.client_id,
                                                    "client_secret": secret}).json()["access_token"]
    rng = random.Random(2026)
    total = Member.objects.count()
    low, high = Member.objects.order_by("pk").values_list("pk", flat=True).first(), Member.objects.order_by(
        "-pk").values_list("pk", flat=True).first()
    picked = sorted({rng.randint(low, high) for _n in range(args.runs * 2)})  # no ORDER BY random() on millions
    ids = list(Member.objects.filter(pk__in=picked).exclude(id_number=None)
               .values_list("id_number", flat=True)[:args.runs])
    counties = list(Area.objects.filter(level=3, code__startswith="53").values_list("code", flat=True))

    def send(criteria):
        message = {"transaction_id": uuid.uuid4().hex[:20], "search_request": [{
            "reference_id": "r1", "timestamp": "2026-06-15T09:30:00+08:00", "search_criteria": criteria}]}
        header = {"version": "1.0.0", "message_id": uuid.uuid4().hex, "message_ts": "2026-06-15T09:30:00+08:00",
                  "action": "search", "sender_id": client.sender_id, "total_count": 1}
        started = time.perf_counter()
        response = http.post("/dci/registry/sync/search", json.dumps({"header": header, "message": message}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        assert response.status_code == 200 and body["message"]["search_response"][0]["status"] == "succ", body
        return elapsed, body

    by_id, by_predicate, found = [], [], 0
    send({"query_type": "idtype-value", "query": {"type": "UIN", "value": ids[0]}})  # warm up
    for number in ids:
        elapsed, body = send({"query_type": "idtype-value", "query": {"type": "UIN", "value": number}})
        by_id.append(elapsed)
        found += len(body["message"]["search_response"][0]["data"]["reg_records"])
    matched = []
    for _run in range(args.runs):
        county = rng.choice(counties)
        elapsed, body = send({"query_type": "predicate", "query": [
            {"seq_num": 1, "expression1": {"attribute_name": "area", "operator": "eq", "attribute_value": county[:6]}},
            {"seq_num": 2, "expression1": {"attribute_name": "age", "operator": "ge", "attribute_value": 60},
             "condition": "and",
             "expression2": {"attribute_name": "poverty_status", "operator": "eq", "attribute_value": "0"}}],
            "sort": [{"attribute_name": "household_number", "sort_order": "asc"}],
            "pagination": {"page_size": 100, "page_number": 1}})
        by_predicate.append(elapsed)
        matched.append(body["message"]["search_response"][0]["pagination"]["total_count"])
    print(json.dumps({
        "members": total, "database": os.environ.get("DATABASE_URL", "").split(":")[0], "runs": args.runs,
        "by_id_ms": {"median": round(percentile(by_id, 0.5), 1), "p95": round(percentile(by_id, 0.95), 1),
                     "found": found},
        "by_predicate_ms": {"median": round(percentile(by_predicate, 0.5), 1),
                            "p95": round(percentile(by_predicate, 0.95), 1),
                            "households_matched_median": sorted(matched)[len(matched) // 2]},
    }, indent=2))


if __name__ == "__main__":
    main()
