"""The case list's filters over the API: status, procedure, year and an area named as users type it (the county's six
digits select its villages' cases); a filter the list does not know is refused (400) rather than ignored."""

import pytest
from rest_framework.test import APIClient

from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household
from fupin.workflows import services

pytestmark = pytest.mark.django_db
VILLAGE, COUNTY_NUMBER = "533301102201", "533301"


@pytest.fixture
def world():
    load_fixture_divisions()
    operator = make_user(role="village_operator", area=VILLAGE)
    household = register_poor_household(area=VILLAGE, size=2, income_per_capita="5000")
    case = services.case_start(actor=operator, procedure_code="household_exit", household=household, year=2019)
    client = APIClient()
    client.force_authenticate(make_user(role="county_approver", area="533301000000"))
    return client, case


def ids(client, **query) -> list[int]:
    response = client.get("/api/cases/", query)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_cases_filter_by_status_procedure_year_and_area(world):
    client, case = world
    assert ids(client) == [case.pk]
    assert ids(client, status="open", year=2019, procedure__code="household_exit") == [case.pk]
    assert ids(client, year=2020) == [] and ids(client, procedure__code="household_identification") == []
    assert ids(client, area=COUNTY_NUMBER) == [case.pk] and ids(client, area=VILLAGE) == [case.pk]
    assert ids(client, area="533301102202") == []  # the neighbouring village


def test_unknown_or_malformed_filters_are_refused(world):
    client, _case = world
    assert client.get("/api/cases/", {"procedure": "household_exit"}).status_code == 400
    assert client.get("/api/cases/", {"area": "5333"}).status_code == 200
    assert client.get("/api/cases/", {"area": "53x"}).status_code == 400
    assert client.get("/api/notices/", {"step": "village_notice"}).status_code == 400
    assert client.get("/api/objections/", {"case": "1"}).status_code == 400
