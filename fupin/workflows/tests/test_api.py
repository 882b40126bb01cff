import datetime

import pytest
from rest_framework.test import APIClient

from fupin.core import temporal
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_cases_inbox_decisions_notices_and_objections_over_the_api(monkeypatch):
    load_fixture_divisions()
    household = register_poor_household(area="533301102201", size=2, income_per_capita="5000")
    village = client_for(make_user(role="village_operator", area="533301102201"))
    county = client_for(make_user(role="county_approver", area="533301000000"))
    outsider = client_for(make_user(role="village_operator", area="533323101201"))
    started = village.post("/api/cases/", {"procedure": "household_exit", "year": 2019, "household": household.pk},
                           format="json")
    assert started.status_code == 201, started.content
    case = started.json()["id"]
    assert outsider.post("/api/cases/", {"procedure": "household_exit", "year": 2019, "household": household.pk},
                         format="json").status_code == 404
    assert [c["id"] for c in village.get("/api/cases/", {"inbox": 1}).json()["results"]] == [case]
    assert county.get("/api/cases/", {"inbox": 1}).json()["results"] == []  # not the county's step yet
    early = county.post(f"/api/cases/{case}/decide/", {"step": "deregistration", "outcome": "approve"}, format="json")
    assert early.status_code == 400
    for step, extra in (("review", {}), ("verify", {}), ("acknowledgement", {"evidence": ["签字.jpg"]})):
        assert village.post(f"/api/cases/{case}/decide/", {"step": step, "outcome": "approve", **extra},
                            format="json").status_code == 200
    notice = village.post("/api/notices/", {"cases": [case], "step": "village_notice", "publisher": "鲁掌村委会"},
                          format="json")
    assert notice.status_code == 201, notice.content
    today = temporal.today()
    assert (notice.json()["published_on"], notice.json()["entered_as_history"]) == (str(today), False)
    pdf = village.get(f"/api/notices/{notice.json()['id']}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    objection = village.post("/api/objections/", {"notice": notice.json()["id"], "case": case, "content": "有异议",
                                                  "received_on": str(today)}, format="json")
    assert objection.status_code == 201, objection.content
    resolved = village.post(f"/api/objections/{objection.json()['id']}/resolve/",
                            {"resolution": "dismissed", "note": "经核实无误"}, format="json")
    assert resolved.json()["resolution"] == "dismissed"
    early = village.post(f"/api/cases/{case}/decide/", {"step": "village_notice", "outcome": "approve"},
                         format="json")
    assert early.status_code == 400  # the seven days have not run
    monkeypatch.setattr(temporal, "today", lambda: today + datetime.timedelta(days=7))  # a week later
    decided = village.post(f"/api/cases/{case}/decide/", {"step": "village_notice", "outcome": "approve"},
                           format="json")
    assert decided.json()["current_step"] == "announcement"
    assert [c["id"] for c in county.get("/api/cases/", {"inbox": 1}).json()["results"]] == [case]
    assert outsider.get(f"/api/cases/{case}/").status_code == 404
