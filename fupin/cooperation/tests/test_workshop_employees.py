"""A poverty workshop's poor employees (issue 25 item 7): entered by the service, the import, the API and the
workshop's page; only active members of registered poor households; re-entering changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.cooperation.importing import cooperation_import
from fupin.cooperation.models import Workshop
from fupin.cooperation.services import record_save, workshop_employees_add
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db

VILLAGE, OTHER = "533301102201", "533323101201"


@pytest.fixture
def world():
    load_fixture_divisions()
    poor = register_poor_household(area=VILLAGE, size=3)
    ordinary = register_poor_household(area=VILLAGE, size=1, status="8")
    workshop = record_save(actor=system_user(), kind="workshop", data={
        "name": "草果加工扶贫车间", "area": Area.objects.get(code=VILLAGE), "opened_on": datetime.date(2019, 4, 1),
        "jobs": 20})
    return workshop, list(poor.members.order_by("id")), ordinary.members.get()


def test_the_service_adds_poor_members_once_and_refuses_others(world):
    workshop, poor, ordinary = world
    assert workshop_employees_add(actor=system_user(), workshop=workshop, members=poor[:2]) == 2
    assert workshop_employees_add(actor=system_user(), workshop=workshop, members=poor) == 1  # two were there
    assert workshop.poor_employees.count() == 3
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as refused:
            workshop_employees_add(actor=system_user(), workshop=workshop, members=[ordinary])
        assert str(refused.value) == f"{ordinary.name} is not a member of a registered poor household."
    assert workshop.poor_employees.count() == 3
    stranger = make_user(role="village_operator", area=OTHER)
    with pytest.raises(PermissionDenied):
        workshop_employees_add(actor=stranger, workshop=workshop, members=poor[:1])


def test_the_import_records_employees_by_id_number(world, tmp_path):
    workshop, poor, ordinary = world
    path = tmp_path / "employees.csv"
    rows = ["车间编号,证件号码"] + [f"{workshop.pk},{member.id_number}" for member in poor]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = cooperation_import(actor=system_user(), kind="workshop_employee", path=path)
    assert (report.created, report.written, report.errors) == (3, True, [])
    again = cooperation_import(actor=system_user(), kind="workshop_employee", path=path)
    assert (again.created, again.unchanged) == (0, 3)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"车间编号,证件号码\n{workshop.pk},{ordinary.id_number}\n999999,{poor[0].id_number}\n",
                   encoding="utf-8")
    refused = cooperation_import(actor=system_user(), kind="workshop_employee", path=bad)
    assert not refused.written and [e["row"] for e in refused.as_dict()["errors"]] == [2, 3]
    assert Workshop.objects.get().poor_employees.count() == 3


def test_the_api_lists_workshops_and_adds_employees(world):
    workshop, poor, ordinary = world
    client = APIClient()
    client.force_authenticate(make_user(role="county_approver", area="533301000000"))
    response = client.post(f"/api/workshops/{workshop.pk}/employees/", {"members": [m.pk for m in poor]},
                           format="json")
    assert response.status_code == 200 and response.json() == {"added": 3, "poor_employee_count": 3}
    listed = client.get("/api/workshops/").json()["results"]
    assert [(row["name"], row["poor_employee_count"]) for row in listed] == [("草果加工扶贫车间", 3)]
    refused = client.post(f"/api/workshops/{workshop.pk}/employees/", {"members": [ordinary.pk]}, format="json")
    assert refused.status_code == 400


def test_the_workshop_page_lists_and_adds_employees(world, client):
    workshop, poor, ordinary = world
    client.force_login(make_user(role="village_operator", area=VILLAGE))
    url = reverse("web:workshop", args=[workshop.pk])
    with translation.override("en"):
        response = client.post(url, {"id_numbers": f"{poor[0].id_number}\n{poor[1].id_number}"},
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert workshop.poor_employees.count() == 2
    page = client.get(url).content.decode()
    assert poor[0].name in page and poor[1].name in page
    with translation.override("en"):
        refused = client.post(url, {"id_numbers": ordinary.id_number}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and workshop.poor_employees.count() == 2
    assert "is not a member of a registered poor household." in refused.content.decode()
    assert client.get(reverse("web:workshop", args=[workshop.pk + 1000])).status_code == 404
