"""The registry's lists filtered by their FilterSets (fupin.registry.filtersets) through the API: households by area,
status and year (the status of that same year's record), members by household (one the user may see); an unknown
key or a household outside the user's areas is refused (400)."""

import pytest
from rest_framework.test import APIClient

from fupin.registry.services import household_year_save
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def households():
    load_fixture_divisions()
    poor = register_poor_household(area="533301102201", size=2, year=2019, status="0")
    household_year_save(actor=system_user(), household=poor, year=2020, data={"status": "1", "size_end": 2})
    exited = register_poor_household(area="533301102201", size=1, year=2019, status="1")
    elsewhere = register_poor_household(area="533323101201", size=1, year=2020, status="0")
    return {"poor": poor, "exited": exited, "elsewhere": elsewhere}


def _client(area):
    client = APIClient()
    client.force_authenticate(make_user(actions=["view"], area=area))
    return client


def _numbers(client, **params) -> set[str]:
    response = client.get("/api/households/", params)
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def test_households_by_area_year_and_that_years_status(households):
    poor, exited, elsewhere = households["poor"].number, households["exited"].number, households["elsewhere"].number
    client = _client(None)
    assert _numbers(client, area="533301") == {poor, exited}
    assert _numbers(client, area="53") == {poor, exited, elsewhere}
    assert _numbers(client, year=2020) == {poor, elsewhere}
    # The status of the year named, not of any year: `poor` was 1 in 2020 only.
    assert _numbers(client, year=2019, year_status="1") == {exited}
    assert _numbers(client, year=2020, year_status="1") == {poor}
    assert _numbers(client, status="1", area="533301102201") == {exited}
    for params in ({"year": "abc"}, {"year": "1900"}, {"area": "5333x"}, {"county": "533301"}):
        assert client.get("/api/households/", params).status_code == 400, params


def test_members_by_a_household_the_user_may_see(households):
    client = _client("533301000000")
    poor = households["poor"]
    listed = client.get("/api/members/", {"household": poor.pk, "is_active": "true"}).json()["results"]
    assert {row["id"] for row in listed} == set(poor.members.values_list("pk", flat=True))
    assert client.get("/api/members/", {"household": households["elsewhere"].pk}).status_code == 400
    assert client.get("/api/members/", {"village": "533301102201"}).status_code == 400
