"""A read that audits (a county approver's unmasked household view) is answered while another process holds a long
write transaction — as an import does — and the look reaches the audit chain once the chain is free."""

import json
import time

from fupin.jobs.tests.live import ROOT, kill, live_database, live_template, wait_until  # noqa: F401 (fixtures)

SETUP = """
from fupin.testing.factories import make_user, register_household
household = register_household(phone="13812345678").household
make_user(username="approver", role="county_approver", area="533301000000")
print(household.pk)
"""
# What an import does to the database for minutes: a write transaction that has written to the chain too.
HOLD = """
import time
from django.db import transaction
from fupin.areas.models import Area
from fupin.audit.services import audit_record
with transaction.atomic():
    Area.objects.filter(pk="533301102201").update(name="鲁掌村")
    audit_record(actor=None, action="jobs.submitted", object_type="test", object_id="hold")
    print("holding", flush=True)
    time.sleep(120)
"""
LOOK = """
import json, sys, time
from rest_framework.test import APIClient
from fupin.accounts.models import User
client = APIClient()
client.force_authenticate(User.objects.get(username="approver"))
started = time.monotonic()
response = client.get(f"/api/households/{sys.argv[1]}/", HTTP_HOST="localhost")
print(json.dumps({"status": response.status_code, "seconds": time.monotonic() - started,
                  "phone": response.json().get("phone")}))
"""


def look(database, household: str) -> dict:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + LOOK, household], cwd=ROOT,
                            env=database.env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def looks_chained(database) -> list[tuple]:
    return database.query("SELECT seq, after FROM audit_auditevent WHERE action = 'registry.sensitive_viewed' "
                          "ORDER BY seq")


def test_an_audited_read_is_answered_while_a_long_write_holds_the_database(live_database):  # noqa: F811
    database = live_database
    database.fupin("areas", "load", "--source", str(ROOT / "tests" / "fixtures" / "divisions" / "dist"))
    household = database.run(SETUP).strip().splitlines()[-1]
    holder = database.start(HOLD, log="holder.log")
    try:
        wait_until(lambda: "holding" in (database.folder / "holder.log").read_text(), timeout=120,
                   what="the write transaction starting")
        answer = look(database, household)
        assert answer["status"] == 200 and answer["phone"] == "13812345678"
        assert answer["seconds"] < 10, answer  # it waited 30 s and answered 500
        assert holder.poll() is None  # the write was still holding when the read was answered
        journal = list((database.folder / "media" / "audit-journal").glob("*.json"))
        assert len(journal) == 1
        assert looks_chained(database) == []
    finally:
        kill(holder)

    # the next look that gets the chain folds the journal first, then records itself
    started = time.monotonic()
    assert look(database, household)["status"] == 200
    assert time.monotonic() - started < 60
    chained = looks_chained(database)
    assert len(chained) == 2
    first = json.loads(chained[0][1]) if isinstance(chained[0][1], str) else chained[0][1]
    assert first["journal"] and first["seen_at"] and first["count"] == 3
    assert not list((database.folder / "media" / "audit-journal").glob("*.json"))
    database.fupin("audit", "verify")


def test_the_worker_housekeeping_folds_the_journal(live_database):  # noqa: F811
    database = live_database
    database.run("""
from fupin.audit.journal import journal_write
from fupin.testing.factories import system_user
journal_write(actor=system_user(), action="registry.sensitive_viewed", object_type="registry", object_id="1",
              area_code="", after={"count": 1})
""")
    # Until it is folded, verifying says the chain does not yet show it.
    waiting = database.fupin("audit", "verify", "--format", "json")
    assert json.loads(waiting.stdout)["unfolded_journal_events"] == 1
    assert "1 audit event(s) wait in the journal" in waiting.stderr
    report = json.loads(database.fupin("jobs", "clean", "--format", "json").stdout)
    assert report["audit_events_folded"] == 1
    assert len(looks_chained(database)) == 1
    assert json.loads(database.fupin("audit", "verify", "--format", "json").stdout)["unfolded_journal_events"] == 0
