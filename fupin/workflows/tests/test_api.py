import datetime

import pytest
from rest_framework.test import APIClient

from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_cases_inbox_decisions_notices_and_objections_over_the_api():
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
    assert [c["id"] for c in village.get("/api/cases/", {"inbox": 1}).json()] == [case]
    assert county.get("/api/cases/", {"inbox": 1}).json() == []  # not the county's step yet
    early = county.post(f"/api/cases/{case}/decide/", {"step": "deregistration", "outcome": "approve"}, format="json")
    assert early.status_code == 400
    for step, extra in (("review", {}), ("verify", {}), ("acknowledgement", {"evidence": ["签字.jpg"]})):
        assert village.post(f"/api/cases/{case}/decide/", {"step": step, "outcome": "approve", "on": "2019-11-01",
                                                           **extra}, format="json").status_code == 200
    notice = village.post("/api/notices/", {"cases": [case], "step": "village_notice", "publisher": "鲁掌村委会",
                                            "on": "2019-11-02"}, format="json")
    assert notice.status_code == 201, notice.content
    pdf = village.get(f"/api/notices/{notice.json()['id']}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    objection = village.post("/api/objections/", {"notice": notice.json()["id"], "case": case, "content": "有异议",
                                                  "received_on": "2019-11-03"}, format="json")
    assert objection.status_code == 201, objection.content
    resolved = village.post(f"/api/objections/{objection.json()['id']}/resolve/",
                            {"resolution": "dismissed", "note": "经核实无误", "on": "2019-11-04"}, format="json")
    assert resolved.json()["resolution"] == "dismissed"
    decided = village.post(f"/api/cases/{case}/decide/", {"step": "village_notice", "outcome": "approve",
                                                          "on": str(datetime.date(2019, 11, 9))}, format="json")
    assert decided.json()["current_step"] == "announcement"
    assert [c["id"] for c in county.get("/api/cases/", {"inbox": 1}).json()] == [case]
    assert outsider.get(f"/api/cases/{case}/").status_code == 404
