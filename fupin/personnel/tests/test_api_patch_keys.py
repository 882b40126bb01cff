"""A training programme and a trainee answer PATCH with the same keys as GET: the organiser's, member's and
cadre's names are methods, so an absent one is `null`, never a missing key."""

import pytest
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.personnel import services
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db
COUNTY = "533301000000"


def test_programme_patch_answers_the_keys_get_answers():
    load_fixture_divisions()
    programme = services.programme_save(actor=system_user(), data={
        "name": "种植技术培训", "year": 2018, "area": Area.objects.get(code=COUNTY), "kind": "practical",
        "budget": "20000.00"})
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change"], area=COUNTY))
    url = f"/api/personnel/programmes/{programme.pk}/"
    before = client.get(url).json()
    assert before["organiser_name"] is None
    response = client.patch(url, {"budget": "25000.00"}, format="json")
    assert response.status_code == 200, response.content
    after = response.json()
    assert set(after) == set(before)
    assert (after["budget"], after["organiser"], after["organiser_name"]) == ("25000.00", None, None)
    assert client.get(url).json() == after
