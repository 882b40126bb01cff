"""The demo builder on the fixture county (泸水市, no registry): deterministic, idempotent, through the import."""

import pytest

from fupin.demo import lowincome as demo
from fupin.lowincome.models import CategoryMembership, EconomicCheck, Reevaluation
from fupin.testing.factories import load_fixture_divisions, system_user

pytestmark = pytest.mark.django_db


def test_demo_builds_2021_to_2025_and_a_second_call_makes_nothing():
    load_fixture_divisions()
    first = demo.build(actor=system_user(), county_code="533301", people=30, log=lambda *_: None)
    assert first["memberships"] > 0
    years = set(EconomicCheck.objects.values_list("year", flat=True))
    assert years == {2021, 2022, 2023, 2024, 2025}
    assert CategoryMembership.objects.filter(ends_on__isnull=False).exists()
    assert set(CategoryMembership.objects.values_list("category", flat=True)) <= {"dibao", "edge", "monitoring"}
    memberships = CategoryMembership.objects.count()
    second = demo.build(actor=system_user(), county_code="533301", people=30, log=lambda *_: None)
    assert second["memberships"] == 0 and CategoryMembership.objects.count() == memberships
    assert first["findings_2025"] > 0 and second["findings_2025"] == 0 and Reevaluation.objects.count() == 1
