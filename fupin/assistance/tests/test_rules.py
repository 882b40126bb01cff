"""Issue 22, relocation: recording a relocation did not mark the household relocated, and a site planned for 2
households took 3. A relocation now marks the household through the registry's service and respects the site's
planned capacity."""

import datetime

import pytest
from django.utils import translation

from fupin.areas.models import Area
from fupin.assistance import services
from fupin.assistance.models import Relocation
from fupin.assistance.tests.test_assistance import LUZHANG, SANHE
from fupin.audit.models import AuditEvent
from fupin.core.errors import ValidationFailed
from fupin.testing.factories import load_fixture_divisions, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def site(db):
    load_fixture_divisions()
    return services.record_save(actor=system_user(), kind="site", data={
        "name": "鲁掌镇集中安置点", "area": Area.objects.get(code=LUZHANG), "kind": "centralised",
        "planned_households": 2})


MOVED_ON = D(2018, 10, 1)


def _move(household, site, on=MOVED_ON):
    return services.record_save(actor=system_user(), kind="relocation", data={
        "household": household, "site": site, "moved_on": on, "persons": household.members.count()})


def test_a_relocation_marks_the_household_relocated(site):
    household = register_poor_household(area=SANHE, size=3)
    assert not household.is_relocated  # the case: it stayed unmarked
    _move(household, site)
    household.refresh_from_db()
    assert (household.is_relocated, household.relocation_year) == (True, 2018)
    assert AuditEvent.objects.filter(action="registry.household_updated", object_id=str(household.pk)).exists()


def test_a_site_planned_for_two_households_refuses_the_third(site):
    first, second, third = (register_poor_household(area=SANHE, size=2) for _ in range(3))
    _move(first, site)
    _move(second, site)
    with pytest.raises(ValidationFailed) as refused:  # the case: the third was taken
        _move(third, site)
    assert refused.value.field == "site"
    with translation.override("en"):
        assert str(refused.value) == ("The site 鲁掌镇集中安置点 is planned for 2 households and 2 already live "
                                      "there.")
    third.refresh_from_db()
    assert Relocation.objects.filter(site=site).count() == 2 and not third.is_relocated
    with pytest.raises(ValidationFailed):  # nor can the plan shrink below those already there
        services.record_save(actor=system_user(), kind="site", instance=site, data={"planned_households": 1})
    services.record_save(actor=system_user(), kind="site", instance=site, data={"planned_households": 3})
    _move(third, site)
