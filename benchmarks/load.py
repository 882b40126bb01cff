"""Benchmark: the production server under load, on the loopback (issue 23, "Under load").

    .venv/bin/python benchmarks/load.py [--databases postgres,sqlite] [--duration 60] [--users 20] [--writers 5]
                                        [--import-members 20000] [--database-url URL] [--workers N]

For each database: a new database holding the small demo (`fupin areas load`, `fupin demo --small`, `fupin stats
refresh`; or `--database-url` for one already filled, e.g. the full demo), then `fupin serve` (gunicorn, production
settings, plain HTTP on 127.0.0.1 with `X-Forwarded-Proto: https` standing for the HTTPS proxy) and `fupin worker`,
as docs/deployment.md runs them. During `--duration` seconds:

- PostgreSQL (a province): `--users` concurrent users, each logged in with its own session, open the pages people
  use all day — the dashboard (province and county), the household list (`/api/households/`), search
  (`/search/?q=…`) and the statistics API (`/api/stats/poor/`) — one after another without pause, while
  `fupin import households` writes `--import-members` new members into the same province;
- SQLite (a county office): `--writers` concurrent county cadres edit year records (`PATCH
  /api/households/<id>/years/<y>/`) and open unmasked household files (an audited read), beside `--sqlite-users`
  users on the same pages and the same import.

Reported per kind of request: count, errors (any status ≥ 400 or a failed connection), p50/p95/p99 in ms, and the
throughput; and the server log's "database is locked" lines and tracebacks. Target: p95 ≤ 300 ms for pages at 20
users, no errors, no "database is locked" on SQLite with 5 writers. Requests are bounded: each user waits for its
answer before asking again (a closed loop), so the load is what `--users` people clicking without pause make.
"""

import argparse
import hashlib
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
FUPIN = str(Path(sys.executable).with_name("fupin"))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "fupin_load"
PASSWORD = "fupin-demo-2026"
DEV_AUDIT_KEY = "dev:fupin-development-audit-key-known-to-everyone"
PROVINCE, COUNTY = "530000000000", "533301000000"  # 云南, 泸水市 (the demo county approver's county)
IMPORT_COUNTY = "533323"  # 福贡县: the concurrent import's households

MAKE_IMPORT = r"""
import csv, sys, django
django.setup()
from fupin.areas.models import Area
from fupin.demo.households import synthetic_households
members, path, county, seed = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
header = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "民族", "健康状况", "劳动能力",
          "贫困户属性", "主要致贫原因", "识别年度", "脱贫标志", "工资性收入", "生产经营性收入", "转移性收入"]
villages = list(Area.objects.filter(level=5, code__startswith=county).values_list("code", flat=True))
with open(path, "w", encoding="utf-8", newline="") as handle:
    out = csv.writer(handle)
    out.writerow(header)
    for sub in synthetic_households(villages, members, seed=seed, year=2020):
        h, y = sub.household, sub.year_data
        for m in sub.members:
            out.writerow([sub.area_code, f"L{seed}-" + h["number"], sub.year, m["name"], m["id_number"], m["relation"],
                          m["ethnicity"], m["health"], m["labour"], h["attribute"], h["main_cause"],
                          h["identified_year"], "未脱贫", y["wage_income"], y["business_income"], y["transfer_income"]])
"""


# Setting up ------------------------------------------------------------------------------------------------------
def environment(database_url: str, folder: Path) -> dict:
    """The deployment's environment (docs/deployment.md), production settings, plain HTTP on the loopback."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "FUPIN_SECRET_KEY": secrets.token_urlsafe(50),
        # The demo chained its events with the development key; new events are chained with a key of their own.
        "FUPIN_AUDIT_KEY": f"{DEV_AUDIT_KEY},load:{hashlib.sha256(str(folder).encode()).hexdigest()}",
        "FUPIN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FUPIN_SSL_REDIRECT": "0",
        "FUPIN_MEDIA_DIR": str(folder / "media"),
        "FUPIN_ANALYTICS_DIR": str(folder / "analytics"),
        "FUPIN_AUDIT_CHECKPOINT_DIR": str(folder / "audit-checkpoints"),
        "FUPIN_STATIC_DIR": str(folder / "static"),
        "FUPIN_LOG_LEVEL": "WARNING",
    }


def fupin(arguments: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([FUPIN, *arguments], env=env, cwd=ROOT, check=True, text=True, capture_output=True,
                          **kwargs)


def prepare(kind: str, folder: Path, database_url: str | None, log, *, reuse: bool = False) -> dict:
    """A database holding the small demo (or the given one), migrated, with its rollups and static files. With
    `reuse`, the database and the folder of an earlier --prepare-only run."""
    folder.mkdir(parents=True, exist_ok=True)  # SQLite creates its file, not the folder it is named in
    if reuse and kind == "sqlite" and database_url is None:
        database_url = f"sqlite:///{folder / 'fupin.sqlite3'}"
    if reuse and kind == "postgres" and database_url is None and (folder / "prepared").exists():
        database_url = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
    if database_url is None:
        if kind == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
                connection.execute(f"CREATE DATABASE {PG_DATABASE}")
            database_url = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
            reuse = False
        else:
            database_url = f"sqlite:///{folder / 'fupin.sqlite3'}"
    env = environment(database_url, folder)
    log(f"{kind}: migrate, collectstatic …")
    fupin(["migrate", "-v0"], env)
    fupin(["collectstatic", "--no-input", "-v0"], env)
    if not filled(env):
        started = time.perf_counter()
        log(f"{kind}: the divisions and the small demo (a few minutes) …")
        fupin(["areas", "load", "--provinces", "53,14,31,44,11"], env)
        fupin(["demo", "--small"], env)
        fupin(["stats", "refresh"], env)
        log(f"{kind}: demo ready in {time.perf_counter() - started:.0f} s")
    (folder / "prepared").write_text(database_url, encoding="utf-8")
    return env


def filled(env: dict) -> bool:
    script = ("import django; django.setup(); from fupin.registry.models import Member; "
              "print(Member.objects.exists())")
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip().endswith("True")


def import_file(env: dict, folder: Path, members: int) -> Path:
    path = folder / "concurrent-import.csv"
    # New people each run (another seed: other names, ID numbers and household numbers), so that a run on a
    # database an earlier run imported into writes as much as the first.
    seed = random.randrange(10_000, 100_000)
    subprocess.run([sys.executable, "-c", MAKE_IMPORT, str(members), str(path), IMPORT_COUNTY, str(seed)], env=env,
                   cwd=ROOT, check=True)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Services:
    """`fupin serve` and `fupin worker`, started as their systemd units start them, stopped with SIGTERM."""

    def __init__(self, env: dict, folder: Path, workers: int | None):
        self.port = free_port()
        self.log_path = folder / "server.log"
        self.log_file = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        serve = [FUPIN, "serve", "--bind", f"127.0.0.1:{self.port}"]
        if workers:
            serve += ["--workers", str(workers)]
        self.processes = [
            subprocess.Popen(serve, env=env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT),
            subprocess.Popen([FUPIN, "worker"], env=env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT),
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(Client(self.port), "GET", "/login/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit(f"fupin serve did not answer within 120 s: {self.log_path}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=360)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log_file.close()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# Requests --------------------------------------------------------------------------------------------------------
class Client:
    """One user's keep-alive connection and cookies."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}


def request(client: Client, method: str, path: str, *, body: str | None = None,
            headers: dict | None = None) -> tuple[int, bytes]:
    sent = {"Host": f"127.0.0.1:{client.port}", "X-Forwarded-Proto": "https", **(headers or {})}
    if client.cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    if method != "GET":
        sent.setdefault("Referer", f"https://127.0.0.1:{client.port}{path}")
        sent.setdefault("X-CSRFToken", client.cookies.get("csrftoken", ""))
    for attempt in (1, 2):
        try:
            client.connection.request(method, path, body=body.encode() if body else None, headers=sent)
            response = client.connection.getresponse()
            content = response.read()
            break
        except (http.client.HTTPException, ConnectionError):
            client.connection.close()  # a keep-alive connection the server closed (a worker replaced): once more
            if attempt == 2:
                raise
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            client.cookies[name.strip()] = rest.split(";", 1)[0]
    return response.status, content


def login(port: int, username: str) -> Client:
    client = Client(port)
    status, body = request(client, "GET", "/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, _ = request(client, "POST", "/login/", body=urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"{username} could not log in (HTTP {status})")
    return client


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def timed(self, name: str, client: Client, method: str, path: str, **kwargs) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            status, body = request(client, method, path, **kwargs)
        except OSError as error:
            status, body = 0, str(error).encode()
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.times[name].append(elapsed)
            if status == 0 or status >= 400:
                self.errors[name].append(f"{status} {path}")
        return status, body


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


PAGES = [
    ("dashboard, province", f"/dashboard/{PROVINCE}/"),
    ("dashboard, county", f"/dashboard/{COUNTY}/"),
    ("household list (API)", f"/api/households/?area={COUNTY}&limit=50"),
    ("search", "/search/?q=yang"),
    ("statistics API", "/api/stats/poor/?year=2019&area=53"),
]


def page_user(recorder: Recorder, client: Client, until: float, seed: int) -> None:
    rng = random.Random(seed)
    order = list(PAGES)
    while time.monotonic() < until:
        rng.shuffle(order)
        for name, path in order:
            if time.monotonic() >= until:
                return
            recorder.timed(name, client, "GET", path)


def writer_user(recorder: Recorder, client: Client, households: list[tuple[int, int]], until: float,
                seed: int) -> None:
    """A county cadre: edits a year record, then opens a household's file unmasked (an audited read)."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        household, year = rng.choice(households)
        recorder.timed("write: year record (PATCH)", client, "PATCH", f"/api/households/{household}/years/{year}/",
                       body=json.dumps({"business_expense": str(rng.randint(0, 3000))}),
                       headers={"Content-Type": "application/json"})
        household, _year = rng.choice(households)
        recorder.timed("household file (audited read)", client, "GET", f"/households/{household}/")


def county_households(client: Client) -> list[tuple[int, int]]:
    status, body = request(client, "GET", f"/api/households/?area={COUNTY}&limit=200")
    rows = json.loads(body)["results"] if status == 200 else []
    found = []
    for row in rows[:100]:
        status, years = request(client, "GET", f"/api/households/{row['id']}/years/")
        if status == 200 and json.loads(years):
            found.append((row["id"], json.loads(years)[-1]["year"]))
    if not found:
        raise SystemExit("the county approver sees no household with a year record")
    return found


def run_load(kind: str, env: dict, folder: Path, args, log) -> dict:
    import_path = import_file(env, folder, args.import_members)
    services = Services(env, folder, args.workers)
    try:
        users = ["admin", "yunnan_analyst"]
        page_clients = [login(services.port, users[n % len(users)]) for n in range(args.users)]
        writers = []
        households = []
        if kind == "sqlite":
            writers = [login(services.port, "county_approver") for _ in range(args.writers)]
            households = county_households(writers[0])
        for client in page_clients:  # warm every worker's caches once, outside the measurement
            request(client, "GET", PAGES[0][1])
        recorder = Recorder()
        started = time.monotonic()
        until = started + args.duration
        importer = subprocess.Popen([FUPIN, "import", "households", str(import_path), "--year", "2020",
                                     "--skip-invalid", "--format", "json"], env=env, cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        threads = [threading.Thread(target=page_user, args=(recorder, client, until, n))
                   for n, client in enumerate(page_clients)]
        threads += [threading.Thread(target=writer_user, args=(recorder, client, households, until, 100 + n))
                    for n, client in enumerate(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        import_out, import_err = importer.communicate(timeout=1800)
        import_seconds = time.monotonic() - started
    finally:
        services.stop()
    server_log = services.log_text()
    try:
        summary = json.loads(import_out)
    except ValueError:
        summary = {"error": import_err.strip()[-500:]}
    rows = []
    for name in [*(n for n, _ in PAGES), *sorted(set(recorder.times) - {n for n, _ in PAGES})]:
        times = recorder.times.get(name, [])
        if not times:
            continue
        rows.append({"request": name, "count": len(times), "errors": len(recorder.errors.get(name, [])),
                     "p50": round(percentile(times, 0.50)), "p95": round(percentile(times, 0.95)),
                     "p99": round(percentile(times, 0.99)), "per_second": round(len(times) / elapsed, 1)})
    return {
        "database": kind,
        "users": args.users, "writers": len(writers), "seconds": round(elapsed, 1),
        "requests": sum(r["count"] for r in rows), "errors": sum(r["errors"] for r in rows),
        "per_second": round(sum(r["count"] for r in rows) / elapsed, 1),
        "rows": rows,
        "error_samples": {name: errors[:5] for name, errors in recorder.errors.items()},
        "database_is_locked": server_log.count("database is locked"),
        "tracebacks": server_log.count("Traceback"),
        "import": {"exit": importer.returncode, "seconds_from_start": round(import_seconds, 1),
                   **{key: summary.get(key) for key in ("members_created", "households_created", "rows",
                                                        "written", "error") if key in summary}},
    }


def markdown(result: dict) -> str:
    lines = [f"**{result['database']}** — {result['users']} page users"
             + (f" + {result['writers']} writers" if result["writers"] else "")
             + f", {result['seconds']} s, {result['requests']} requests ({result['per_second']}/s), "
             f"{result['errors']} errors, \"database is locked\" in the server log: {result['database_is_locked']}, "
             f"tracebacks: {result['tracebacks']}; concurrent import: {result['import']}", "",
             "| request | count | errors | p50 ms | p95 ms | p99 ms | per s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['request']} | {r['count']} | {r['errors']} | {r['p50']} | {r['p95']} | {r['p99']} | "
              f"{r['per_second']} |" for r in result["rows"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per database (default 60)")
    parser.add_argument("--users", type=int, default=20, help="concurrent page users (default 20)")
    parser.add_argument("--writers", type=int, default=5, help="concurrent writers on SQLite (default 5)")
    parser.add_argument("--sqlite-users", type=int, default=5,
                        help="concurrent page users beside the writers on SQLite (default 5: a county office)")
    parser.add_argument("--import-members", type=int, default=20000,
                        help="members the concurrent import writes (default 20,000)")
    parser.add_argument("--database-url", help="use this filled database instead of a new small demo")
    parser.add_argument("--workers", type=int, help="fupin serve --workers (default: its own, 2 × cores + 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--prepare-only", action="store_true",
                        help="only make the databases and folders (kept; their paths are printed)")
    parser.add_argument("--folder", action="append", default=[], metavar="KIND=DIR",
                        help="reuse what --prepare-only made for KIND (postgres=DIR, sqlite=DIR)")
    args = parser.parse_args()
    reused = dict(entry.split("=", 1) for entry in args.folder)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results = []
    for kind in args.databases.split(","):
        folder = Path(reused[kind]) if kind in reused else Path(tempfile.mkdtemp(prefix=f"fupin-load-{kind}-"))
        try:
            env = prepare(kind, folder, args.database_url, log, reuse=kind in reused)
            if args.prepare_only:
                log(f"{kind}: prepared in {folder} (--folder {kind}={folder})")
                continue
            if kind == "postgres":
                args_kind = argparse.Namespace(**{**vars(args), "writers": 0})
            else:
                args_kind = argparse.Namespace(**{**vars(args), "users": args.sqlite_users})
            log(f"{kind}: {args.duration} s of load …")
            result = run_load(kind, env, folder, args_kind, log)
            results.append(result)
            log(markdown(result))
        finally:
            if not (args.keep or args.prepare_only or kind in reused):
                shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
