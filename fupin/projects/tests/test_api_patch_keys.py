"""A beneficiary and an asset income share answer PATCH with the same keys as GET (the household's number
included)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household

from .test_api_records import LUZHANG, beneficiary_for, make_project

pytestmark = pytest.mark.django_db


def test_beneficiary_patch_answers_the_keys_get_answers():
    load_fixture_divisions()
    household = register_poor_household(area=LUZHANG, size=2)
    beneficiary = beneficiary_for(make_project(LUZHANG), household)
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change"], area=LUZHANG))
    url = f"/api/project-beneficiaries/{beneficiary.pk}/"
    before = client.get(url).json()
    response = client.patch(url, {"amount": "1500.00"}, format="json")
    assert response.status_code == 200, response.content
    after = response.json()
    assert set(after) == set(before)
    assert (Decimal(after["amount"]), after["household_number"]) == (Decimal("1500.00"), household.number)
    assert client.get(url).json() == after
