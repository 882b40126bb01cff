"""The demo's support of today (fupin/demo/support.py) on a small hand-built county: what it makes, and that a
second call makes nothing new."""

import pytest

from fupin.assistance import selectors
from fupin.assistance.models import DeliveredMeasure, RelocationSite
from fupin.core import temporal
from fupin.demo.support import LARGE_SITE, build
from fupin.evaluation import selectors as evaluation_selectors
from fupin.evaluation.models import RosterSurvey
from fupin.registry.models import Member
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household

pytestmark = pytest.mark.django_db
COUNTY = "533301000000"


def test_demo_support_is_made_once():
    load_fixture_divisions()
    households = [register_poor_household(area=village, size=3, year=2020, status="1")
                  for village in ("533301102201", "533301102202") for _ in range(15)]
    pupil = households[1].members.order_by("id").last()
    Member.objects.filter(pk=pupil.pk).update(school_status="12")
    admin = make_user(role="administrator", area=None)
    made = build(actor=admin, county_code=COUNTY[:6], log=lambda text: None)  # as the demo command calls it
    assert made["continuing_posts"] == 4 and made["continuing_loans"] == 3 and made["continuing_school"] == 1
    assert (made["sites"], made["relocations"]) == (2, 20)  # 30 households: 10 continuing, 20 relocated
    assert made["relocation_warnings"] >= 1 and made["roster_surveys"] == 1 and made["roster_findings"] > 0
    assert made["roster_households"] == 30 + 2 * 25
    actor = make_user(role="county_approver", area=COUNTY)
    large = selectors.settlements(actor=actor, area_code=COUNTY, year=temporal.today().year, large_only=True)
    assert [site.name for site in large] == [LARGE_SITE] and large[0].population >= 800
    survey = RosterSurvey.objects.get()
    estimates = evaluation_selectors.roster_estimates(survey)
    assert estimates["surveyed"] == estimates["drawn"] > 0
    assert selectors.continuing_measures(households[0], temporal.today())
    again = build(actor=admin, county_code=COUNTY, log=lambda text: None)
    assert set(again.values()) == {0}
    assert RelocationSite.objects.count() == 2 and DeliveredMeasure.objects.filter(note__startswith="演示").count() == 8
