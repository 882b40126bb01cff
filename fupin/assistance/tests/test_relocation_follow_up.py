"""Relocation follow-up (易地搬迁后续扶持, issue 26): settlements' population against the large-settlement threshold
at its boundary (799 / 800), employment and property certificates per relocated household, and relocated
households at risk entering monitoring."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fupin.areas.models import Area
from fupin.assistance import selectors, services
from fupin.assistance.models import RelocationSite
from fupin.core.errors import ValidationFailed
from fupin.monitoring.models import RiskWarning, VisitTask
from fupin.monitoring.relocation import RULE, relocation_warnings_open
from fupin.registry.models import Household
from fupin.rules.models import PolicyParameter
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
LUZHANG, SANHE = "533301102201", "533301102202"
COUNTY = "533301000000"


def save(record_kind, **data):
    return services.record_save(actor=system_user(), kind=record_kind, data=data)


def site(name, planned=10):
    return save("site", name=name, area=Area.objects.get(code=LUZHANG), kind="centralised",
                planned_households=planned)


MOVED = D(2019, 6, 1)


def relocate(place, persons, on=MOVED, area=LUZHANG):
    household = register_poor_household(area=area, size=1, status="1")
    save("relocation", household=household, site=place, moved_on=on, persons=persons)
    return Household.objects.get(pk=household.pk)


@pytest.fixture
def world():
    load_fixture_divisions()


def test_threshold_is_data_with_source_and_certainty(world):
    row = PolicyParameter.objects.get(code="relocation_large_settlement_persons", province_code="")
    assert (row.value, row.effective_year, row.certainty) == (800, 2021, "U") and row.source
    assert selectors.large_settlement_threshold("53", 2025) == 800
    assert selectors.large_settlement_threshold("53", 2020) is None


def test_large_settlement_at_the_boundary(world):
    below, at = site("江边安置点"), site("大兴地安置点")
    relocate(below, 400), relocate(below, 399)  # 799 people
    relocate(at, 400), relocate(at, 400)  # 800 people
    relocate(at, 5, on=D(2026, 3, 1))  # moved in 2026: not counted for 2025
    actor = make_user(role="county_approver", area=COUNTY)
    rows = {s.name: (s.households_moved, s.population, s.threshold, s.large)
            for s in selectors.settlements(actor=actor, area_code=COUNTY, year=2025)}
    assert rows == {"江边安置点": (2, 799, 800, False), "大兴地安置点": (2, 800, 800, True)}
    assert [s.name for s in selectors.settlements(actor=actor, area_code=COUNTY, year=2025, large_only=True)] == [
        "大兴地安置点"]
    assert selectors.settlements(actor=actor, area_code=COUNTY, year=2026, large_only=True)[0].population == 805
    # Before the threshold took effect no settlement is "large"; a province may set its own.
    assert selectors.settlements(actor=actor, area_code=COUNTY, year=2020, large_only=True) == []
    # People moved along who are not registered (同步搬迁) count in the population: 799 + 1 = 800.
    services.record_save(actor=system_user(), kind="site", instance=below, data={"co_moved_persons": 1})
    assert [s.name for s in selectors.settlements(actor=actor, area_code=COUNTY, year=2025, large_only=True)] == [
        "大兴地安置点", "江边安置点"]
    services.record_save(actor=system_user(), kind="site", instance=below, data={"co_moved_persons": 0})
    PolicyParameter.objects.create(code="relocation_large_settlement_persons", effective_year=2024,
                                   province_code="53", value=799, certainty="L", source="test")
    assert len(selectors.settlements(actor=actor, area_code=COUNTY, year=2025, large_only=True)) == 2


@pytest.fixture
def relocated(world):
    place = site("江边安置点")
    first, second, third = relocate(place, 3), relocate(place, 2), relocate(place, 4)
    save("employment", household=first, member=first.members.get(), kind="local", employer="扶贫车间",
         start_date=D(2024, 1, 1))
    save("employment", household=second, member=second.members.get(), kind="migrant", start_date=D(2023, 3, 1),
         end_date=D(2024, 5, 31))
    save("certificate", household=first, number="云(2023)泸水市不动产权第0000001号", issued_on=D(2023, 1, 1))
    save("certificate", household=third, number="云(2024)泸水市不动产权第0000002号", issued_on=D(2024, 9, 1))
    return first, second, third


def test_employment_and_certificate_reports(relocated):
    first, second, third = relocated
    actor = make_user(role="county_approver", area=COUNTY)
    rows = selectors.relocated_households(actor=actor, area_code=COUNTY, on=D(2024, 6, 30))
    assert [(r.household_id, r.employed, r.certificate_number) for r in rows] == [
        (first.pk, True, "云(2023)泸水市不动产权第0000001号"), (second.pk, False, None), (third.pk, False, None)]
    assert selectors.relocation_summary(rows) == {"households": 3, "employed": 1, "certified": 1}
    later = selectors.relocated_households(actor=actor, area_code=COUNTY, on=D(2024, 12, 31))
    assert selectors.relocation_summary(later) == {"households": 3, "employed": 1, "certified": 2}
    earlier = selectors.relocated_households(actor=actor, area_code=COUNTY, on=D(2023, 6, 30))
    assert selectors.relocation_summary(earlier) == {"households": 3, "employed": 1, "certified": 1}
    with translation.override("en"):
        page = Client()
        page.force_login(actor)
        response = page.get(reverse("web:relocation-follow-up", args=[COUNTY]), {"on": "2024-06-30",
                                                                                 "show": "unemployed"})
        assert response.status_code == 200
        text = response.content.decode()
        assert second.number in text and third.number in text and first.number not in text


def test_follow_up_records_are_checked(relocated):
    first, second, _third = relocated
    not_moved = register_poor_household(area=LUZHANG, size=1, status="1")
    with pytest.raises(ValidationFailed) as error:
        save("employment", household=not_moved, member=not_moved.members.get(), kind="local",
             start_date=D(2024, 1, 1))
    assert error.value.field == "household"
    with pytest.raises(ValidationFailed) as error:
        save("employment", household=first, member=second.members.get(), kind="local", start_date=D(2024, 1, 1))
    assert error.value.field == "member"
    with pytest.raises(ValidationFailed) as error:
        save("certificate", household=second, number="云(2023)泸水市不动产权第0000001号", issued_on=D(2023, 1, 1))
    assert error.value.field == "number"
    with pytest.raises(ValidationFailed) as error:  # before the household moved
        save("certificate", household=second, number="X-1", issued_on=D(2019, 5, 31))
    assert error.value.field == "issued_on"


def test_relocated_households_at_risk_enter_monitoring(relocated):
    _first, second, third = relocated
    Household.objects.filter(pk=third.pk).update(monitoring_category="2", risk_status="1")  # already monitored
    actor = make_user(role="county_approver", area=COUNTY)
    on = D(2024, 6, 30)
    missing = selectors.relocated_at_risk_not_monitored(actor=actor, area_code=COUNTY, on=on)
    assert [row.household_id for row in missing] == [second.pk]
    opened = relocation_warnings_open(actor=actor, area_code=COUNTY, on=on)
    assert [(w.household_id, w.rule_id, w.category, w.raised_on) for w in opened] == [(second.pk, RULE, "1", on)]
    task = VisitTask.objects.get(warning=opened[0])
    assert task.due_on == on + datetime.timedelta(days=3)  # monitoring_visit_task_days
    assert "江边安置点" in opened[0].message and "no member in work" in opened[0].message_en
    assert relocation_warnings_open(actor=actor, area_code=COUNTY, on=on) == []  # idempotent
    assert RiskWarning.objects.filter(rule_id=RULE).count() == 1
    # A household whose risk was eliminated and is again without work is at risk again.
    Household.objects.filter(pk=third.pk).update(risk_status="2")
    assert [row.household_id for row in selectors.relocated_at_risk_not_monitored(
        actor=actor, area_code=COUNTY, on=on)] == [second.pk, third.pk]
    outsider = make_user(role="county_approver", area="533323000000")
    with pytest.raises(Exception):  # noqa: B017 - refused outside the actor's areas
        relocation_warnings_open(actor=outsider, area_code=COUNTY, on=on)
    assert RelocationSite.objects.count() == 1
