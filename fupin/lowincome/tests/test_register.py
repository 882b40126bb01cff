"""The register (issue 26 item 1): a person holds several memberships at once, the same category only one at a
time; dates through core.temporal; the registry's household is the person's household."""

import datetime

import pytest
from django.utils import translation

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.lowincome import selectors, services
from fupin.lowincome.models import CategoryMembership
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    system_user,
)

from .helpers import FUGONG, LUZHANG, D, member_of, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def test_memberships_of_different_categories_overlap():
    wang = person("王芳")
    dibao = member_of(wang, "dibao", D(2021, 3, 1))
    monitoring = member_of(wang, "monitoring", D(2022, 5, 1), monitoring="2")
    edge = member_of(wang, "edge", D(2022, 1, 1), D(2022, 12, 31), reason="income")
    on = {day: sorted(m.category for m in selectors.memberships_on(actor=system_user(), day=day)
                      .filter(person=wang))
          for day in (D(2021, 12, 31), D(2022, 6, 1), D(2022, 12, 31), D(2023, 1, 1))}
    assert on == {D(2021, 12, 31): ["dibao"], D(2022, 6, 1): ["dibao", "edge", "monitoring"],
                  D(2022, 12, 31): ["dibao", "monitoring"], D(2023, 1, 1): ["dibao", "monitoring"]}
    assert (dibao.publication, monitoring.monitoring_category, edge.end_reason) == ("by_aiding", "2", "income")


def test_same_category_twice_at_once_is_refused_one_after_another_is_not():
    li = person("李强")
    member_of(li, "dibao", D(2021, 3, 1), D(2022, 6, 30), reason="income")
    with translation.override("en"), pytest.raises(ValidationFailed, match="already in this category from 2021-03-01"):
        member_of(li, "dibao", D(2022, 6, 29))
    member_of(li, "dibao", D(2022, 6, 30))  # ends on 06-30, the next starts that day: no overlap
    assert CategoryMembership.objects.filter(person=li, category="dibao").count() == 2
    with pytest.raises(ValidationFailed):
        member_of(li, "dibao", D(2020, 1, 1))  # open-ended overlap with both


@pytest.mark.parametrize(("data", "message"), [
    ({"identified_on": datetime.date(2030, 1, 1)}, "in the future"),
    ({"ends_on": D(2020, 12, 31), "end_reason": "income"}, "before the identification date"),
    ({"ends_on": D(2022, 1, 1)}, "reason the membership ended"),
    ({"end_reason": "income"}, "needs an end date"),
    ({"category": "monitoring"}, "needs its monitoring category"),
    ({"monitoring_category": "1"}, "Only a monitoring object"),
    ({"department": " "}, "deciding department"),
    ({"category": "poor"}, "Unknown category"),
])
def test_membership_rules(data, message):
    zhao = person("赵敏")
    base = {"category": "dibao", "department": "民政局", "identified_on": D(2021, 1, 1)}
    with translation.override("en"), pytest.raises(ValidationFailed, match=message):
        services.membership_save(actor=system_user(), person=zhao, data={**base, **data})
    assert not CategoryMembership.objects.exists()


def test_person_in_the_registry_is_its_household():
    number = id_number("533301", "19650202", "031")
    household = register_household(members=[member_data(name="和成", id_number=number)]).household
    found = services.person_find_or_create(actor=system_user(), id_number=number, name="和成")
    assert (found.member.household, found.household, found.area_id) == (household, household, LUZHANG)
    # full-width digits and a lower-case x are the same person
    again = services.person_find_or_create(actor=system_user(), id_number=number.translate(
        str.maketrans("0123456789", "０１２３４５６７８９")), name="和成")
    assert again.pk == found.pk


def test_people_outside_the_registry_need_their_village_and_a_valid_number():
    with translation.override("en"), pytest.raises(ValidationFailed, match="give the village's area code"):
        services.person_find_or_create(actor=system_user(), id_number=id_number(), name="无名")
    with translation.override("en"), pytest.raises(ValidationFailed, match="not a village"):
        services.person_find_or_create(actor=system_user(), id_number=id_number(), name="无名",
                                       area_code="533301")
    with pytest.raises(ValidationFailed):
        services.person_find_or_create(actor=system_user(), id_number="533301198001010010", name="错号",
                                       area_code=LUZHANG)


def test_writes_need_the_right_in_the_village():
    operator = make_user(role="village_operator", area=LUZHANG)
    with pytest.raises(PermissionDenied):
        services.person_find_or_create(actor=operator, id_number=id_number("533323"), name="外县",
                                       area_code=FUGONG)
    mine = services.person_find_or_create(actor=operator, id_number=id_number("533301", sequence="077"),
                                          name="本村", area_code=LUZHANG)
    assert member_of(mine, "other", D(2024, 5, 1)).recorded_by == system_user()
    assert list(selectors.person_list(actor=make_user(role="village_operator", area=FUGONG))) == []
