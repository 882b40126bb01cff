import json

import pytest
from django.core.management import call_command

from fupin.accounts.models import User
from fupin.audit.models import AuditEvent
from fupin.demo.calibration import HISTORY_REASON
from fupin.registry.models import Household, Member
from fupin.testing.factories import load_fixture_divisions

pytestmark = pytest.mark.django_db


def test_demo_creates_logins_and_a_synthetic_registry_through_the_services(capsys):
    load_fixture_divisions()
    call_command("demo", "--members", "300", "--format", "json")
    users = json.loads(capsys.readouterr().out)
    assert [u["username"] for u in users] == ["admin", "yunnan_analyst", "county_approver", "township_reviewer",
                                              "village_operator", "evaluator"]  # 山西 is not in the fixture
    assert User.objects.get(username="village_operator").grants.get().area_id == "533301001001"
    # The registry the demo made (the working year adds ordinary households applying to be identified, 一般农户).
    synthetic = Member.objects.exclude(household__status="8")
    assert synthetic.count() == 300
    assert set(Household.objects.values_list("area__code", flat=True)) <= {
        "533301001001", "533301001201", "533301102201", "533301102202", "533323101201"}
    # The demo's records are history entered in one 补录 session, opened by the system account with its reason,
    # and every record written in it says so in its audit.
    opened = AuditEvent.objects.filter(action="accounts.history_opened")
    assert [(e.actor.username, e.after["reason"]) for e in opened] == [("system", HISTORY_REASON)]
    registered = AuditEvent.objects.filter(object_type__startswith="registry").exclude(after=None)
    assert registered.exists() and all(e.after["history"]["reason"] == HISTORY_REASON for e in registered)
    members = Member.objects.count()
    call_command("demo", "--members", "300")  # a second run adds no households
    assert (Member.objects.count(), synthetic.count()) == (members, 300)
