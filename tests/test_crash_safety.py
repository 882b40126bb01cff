"""A household import killed with SIGKILL at random moments leaves the database consistent and re-running it gives
the exact counts — on the database the suite runs on (SQLite in a file, or a new PostgreSQL database).

Each kill lands somewhere between the command's start and its expected end: while Django starts, while the file is
read and checked, while it is written. After each: no member without a household, no household without its year
or with part of its members (the import is all or nothing: nothing of the file, or all of it), no process of the
import left behind (its reader child dies with it), and `fupin audit verify` clean.
"""

import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fupin.jobs.tests.live import ROOT, live_database, live_template, wait_until  # noqa: F401 (fixtures)
from fupin.testing.factories import id_number

pytestmark = pytest.mark.slow

HOUSEHOLDS = 1500
MEMBERS = 3 * HOUSEHOLDS
KILLS = 10
VILLAGES = ("533301102201", "533301102202")
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
          "主要致贫原因", "识别年度", "脱贫标志", "工资性收入", "转移性收入"]


def write_file(path: Path) -> Path:
    lines = [",".join(HEADER)]
    born = datetime.date(1960, 1, 1)
    for n in range(HOUSEHOLDS):
        village = VILLAGES[n % 2]
        number = f"H{n:06d}"
        parent_birth = (born + datetime.timedelta(days=n)).strftime("%Y%m%d")
        child_birth = (datetime.date(2005, 1, 1) + datetime.timedelta(days=n % 3000)).strftime("%Y%m%d")
        members = [("户主", "男", parent_birth, "011", "一般贫困户", "缺技术", "2014", "未脱贫", "8000", "600"),
                   ("配偶", "女", parent_birth, "022", "", "", "", "", "", ""),
                   ("之子", "男", child_birth, f"{(n // 3000) * 2 + 31:03d}", "", "", "", "", "", "")]
        for k, (relation, sex, birth, sequence, *household) in enumerate(members):
            lines.append(",".join([village, number, "2019", f"成员{n}之{k}", id_number("533301", birth, sequence), sex,
                                   relation, "傈僳族", *household]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(database) -> tuple[int, int, int]:
    return database.query(
        "SELECT (SELECT count(*) FROM registry_household), (SELECT count(*) FROM registry_member), "
        "(SELECT count(*) FROM registry_householdyear)")[0]


def consistent(database) -> list[str]:
    """What is wrong with the registry's tables (nothing: an empty list)."""
    problems = []
    orphans = database.query("SELECT count(*) FROM registry_member m LEFT JOIN registry_household h "
                             "ON h.id = m.household_id WHERE h.id IS NULL")[0][0]
    if orphans:
        problems.append(f"{orphans} member(s) without a household")
    without_year = database.query("SELECT count(*) FROM registry_household h WHERE NOT EXISTS "
                                  "(SELECT 1 FROM registry_householdyear y WHERE y.household_id = h.id)")[0][0]
    if without_year:
        problems.append(f"{without_year} household(s) without their year")
    partial = database.query("SELECT count(*) FROM (SELECT household_id FROM registry_member GROUP BY household_id "
                             "HAVING count(*) <> 3) AS partial")[0][0]
    if partial:
        problems.append(f"{partial} household(s) with part of their members")
    if counts(database) not in {(0, 0, 0), (HOUSEHOLDS, MEMBERS, HOUSEHOLDS)}:
        problems.append(f"half-written import: {counts(database)}")
    return problems


def processes_of(database) -> list[int]:
    """Processes (the command and its children) started with this test's database."""
    marker = f"DATABASE_URL={database.url}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0") and b" Z " not in (entry / "stat").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def import_command(database, path: Path, *, in_worker: bool) -> subprocess.Popen:
    env = database.env(FUPIN_IMPORT_WORKER_ABOVE_BYTES="0" if in_worker else str(2**40))
    return subprocess.Popen([sys.executable, "-m", "fupin.cli", "import", "households", str(path), "--format", "json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_an_import_killed_at_random_moments_leaves_the_database_consistent(live_database):  # noqa: F811
    database = live_database
    database.fupin("areas", "load", "--source", str(ROOT / "tests" / "fixtures" / "divisions" / "dist"))
    path = write_file(database.folder / "households.csv")
    # how long a run takes, from a dry run (the same start, reading and checking; no writing): the kills aim inside
    started = time.monotonic()
    dry_run = subprocess.run([sys.executable, "-m", "fupin.cli", "import", "households", str(path), "--dry-run"],
                             cwd=ROOT, env=database.env(), capture_output=True, timeout=600)
    assert dry_run.returncode == 0, dry_run.stderr.decode()[-3000:]
    span = time.monotonic() - started

    seed = random.randrange(2**32)
    chance = random.Random(seed)
    # inside the run (a kill after a run completed would leave every later run a re-import that writes nothing)
    moments = sorted(chance.uniform(0.2, max(span * 0.9, 0.3)) for _ in range(KILLS))
    interrupted = 0
    for kill_number, moment in enumerate(moments):
        process = import_command(database, path, in_worker=kill_number % 2 == 1)
        time.sleep(moment)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        where = f"(seed {seed}, kill {kill_number} at {moment:.2f} s of {span:.2f} s)"
        wait_until(lambda: not processes_of(database), timeout=5, what=f"the import's processes ending {where}")
        assert consistent(database) == [], where
        interrupted += not finished
    assert interrupted >= KILLS // 2, f"only {interrupted} kills landed inside the import (seed {seed})"

    database.fupin("audit", "verify")
    final = database.fupin("import", "households", str(path), "--format", "json", timeout=600)
    report = json.loads(final.stdout)
    already = counts(database) == (HOUSEHOLDS, MEMBERS, HOUSEHOLDS) and report["households_created"] == 0
    assert report["written"] is True and report["rejected"] == 0
    if not already:
        assert (report["households_created"], report["members_created"]) == (HOUSEHOLDS, MEMBERS)
    assert counts(database) == (HOUSEHOLDS, MEMBERS, HOUSEHOLDS)
    assert consistent(database) == []
    database.fupin("audit", "verify")
