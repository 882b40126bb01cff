"""Household plans against causes, delivered measures, visits against the quota, relocation steps and microcredit,
each with hand-computed values."""

import datetime
from decimal import Decimal

import pytest

from fupin.areas.models import Area
from fupin.assistance import report, selectors, services
from fupin.assistance.models import MeasureType, OriginVillage, Plan
from fupin.audit.models import AuditEvent
from fupin.cooperation.models import Party
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.temporal import add_months
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
LUZHANG, SANHE = "533301102201", "533301102202"
FUGONG_VILLAGE = "533323101201"


@pytest.fixture
def world():
    load_fixture_divisions()


def _measure(code):
    return MeasureType.objects.get(code=code)


MAY_DAY = datetime.date(2019, 5, 1)


def make_deliver(household, code, on=MAY_DAY, amount="1000", **extra):
    return services.record_save(actor=system_user(), kind="delivered", data={
        "household": household, "measure_type": _measure(code), "delivered_on": on, "amount": Decimal(amount),
        **extra})


def test_catalogue_is_seeded_with_batches_and_causes(world):
    assert MeasureType.objects.count() == 13
    assert _measure("ecological").batch == "ecological" and _measure("ecological").ecological
    assert "03" in _measure("education").causes and _measure("education").indicators == ["education_secure"]


def test_plan_covers_causes_only_when_delivered_measures_address_each(world):
    household = register_poor_household(area=LUZHANG, size=2, main_cause="07", other_causes=["01"])
    plan = services.plan_save(actor=system_user(), household=household, year=2019, planned=[
        {"measure_type": _measure("industry"), "planned_amount": Decimal("3000")},
        {"measure_type": _measure("health")}])
    assert plan.causes == ["07", "01"]  # the household's causes by default
    coverage = selectors.plan_coverage(plan)
    assert coverage.planned_uncovered == [] and coverage.delivered_uncovered == ["07", "01"]

    make_deliver(household, "industry", plan=plan)
    make_deliver(household, "health", on=D(2018, 5, 1))  # another year, outside the plan: does not count
    coverage = selectors.plan_coverage(plan)
    assert coverage.delivered_uncovered == ["01"] and not coverage.covered

    make_deliver(household, "health")  # the plan year, not tied to the plan: counts
    assert selectors.plan_coverage(plan).covered


def test_coverage_of_many_plans_is_each_plans_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    first = register_poor_household(area=LUZHANG, size=2, main_cause="07", other_causes=["01"])
    second = register_poor_household(area=SANHE, size=1, main_cause="03")
    plans = [services.plan_save(actor=system_user(), household=household, year=year, planned=[
        {"measure_type": _measure(code)}]) for household, year, code in (
        (first, 2018, "industry"), (first, 2019, "health"), (second, 2019, "education"))]
    make_deliver(first, "industry", plan=plans[1])
    make_deliver(first, "health", on=D(2018, 5, 1))  # counts for the 2018 plan only
    make_deliver(second, "education", on=D(2018, 5, 1))  # no plan that year
    one_by_one = {plan.pk: selectors.plan_coverage(plan) for plan in plans}
    listed = list(selectors.record_list(actor=system_user(), model=Plan).prefetch_related("planned"))
    with django_assert_num_queries(2):  # the catalogue and the delivered measures
        assert selectors.plans_coverage(listed) == one_by_one
    assert [one_by_one[plan.pk].delivered_uncovered for plan in plans] == [["07"], ["01"], ["03"]]


def test_plan_that_does_not_plan_for_a_cause(world):
    household = register_poor_household(area=LUZHANG, size=1, main_cause="03")
    plan = services.plan_save(actor=system_user(), household=household, year=2019, planned=[
        {"measure_type": _measure("water")}])
    assert selectors.plan_coverage(plan).planned_uncovered == ["03"]
    # Saving it again replaces the planned measures.
    plan = services.plan_save(actor=system_user(), household=household, year=2019, planned=[
        {"measure_type": _measure("education")}])
    assert plan.planned.count() == 1 and selectors.plan_coverage(plan).planned_uncovered == []


def test_a_measure_for_another_households_member_is_refused(world):
    first = register_poor_household(area=LUZHANG, size=1)
    second = register_poor_household(area=LUZHANG, size=1)
    with pytest.raises(ValidationFailed) as error:
        make_deliver(first, "industry", member=second.members.get())
    assert error.value.field == "member"


def test_writes_need_the_area_and_are_audited(world):
    household = register_poor_household(area=LUZHANG, size=1)
    outsider = make_user(actions=["view", "change"], area="533323000000")
    with pytest.raises(PermissionDenied):
        services.record_save(actor=outsider, kind="delivered", data={
            "household": household, "measure_type": _measure("industry"), "delivered_on": D(2019, 1, 1)})
    before = AuditEvent.objects.count()
    editor = make_user(actions=["view", "change"], area=LUZHANG)
    services.record_save(actor=editor, kind="delivered", data={
        "household": household, "measure_type": _measure("industry"), "delivered_on": D(2019, 1, 1)})
    assert AuditEvent.objects.count() == before + 1
    assert selectors.record_list(actor=outsider, model=services.DeliveredMeasure).count() == 0
    assert selectors.record_list(actor=editor, model=services.DeliveredMeasure).count() == 1


def test_months_before_keeps_to_the_end_of_short_months():
    # The visit interval is counted back with fupin.core.temporal's add_months, as every period between records.
    assert add_months(D(2019, 3, 31), -1) == D(2019, 2, 28)
    assert add_months(D(2020, 3, 31), -1) == D(2020, 2, 29)
    assert add_months(D(2019, 1, 15), -2) == D(2018, 11, 15)


def test_households_not_visited_within_the_interval(world):
    visited = register_poor_household(area=LUZHANG, size=1)
    on_the_edge = register_poor_household(area=LUZHANG, size=1)
    never = register_poor_household(area=SANHE, size=1)
    exited = register_poor_household(area=LUZHANG, size=1, status="1")
    person = make_cadre()
    for household, day in ((visited, D(2019, 3, 15)), (on_the_edge, D(2019, 2, 28)), (exited, D(2018, 1, 1))):
        services.record_save(actor=system_user(), kind="visit", data={
            "household": household, "cadre": person, "visited_on": day, "notes": "走访"})
    due = selectors.households_not_visited(actor=system_user(), area_code="533301000000", on=D(2019, 3, 31))
    assert [(h.pk, h.last_visit) for h in due] == [(on_the_edge.pk, D(2019, 2, 28)), (never.pk, None)]
    due = selectors.households_not_visited(actor=system_user(), area_code="533301000000", on=D(2019, 3, 31),
                                           months=2)
    assert [h.pk for h in due] == [never.pk]
    # A user granted one village sees that village's households only.
    viewer = make_user(actions=["view"], area=SANHE)
    assert [h.pk for h in selectors.households_not_visited(actor=viewer, area_code="533301000000",
                                                           on=D(2019, 3, 31))] == [never.pk]


def test_a_visit_needs_both_coordinates(world):
    household = register_poor_household(area=LUZHANG, size=1)
    with pytest.raises(ValidationFailed):
        services.record_save(actor=system_user(), kind="visit", data={
            "household": household, "cadre": make_cadre(), "visited_on": D(2019, 3, 1), "latitude": Decimal("25.8")})


def test_a_household_member_cannot_be_its_responsible_cadre(world):
    household = register_poor_household(area=LUZHANG, size=1, status="1")  # exited: its member may be a cadre
    member = household.members.get()
    own = make_cadre(name=member.name, id_number_value=member.id_number)
    with pytest.raises(ValidationFailed) as error:
        services.record_save(actor=system_user(), kind="responsibility", data={
            "household": household, "cadre": own, "level": "village", "start_date": D(2018, 1, 1)})
    assert error.value.field == "cadre"
    with pytest.raises(ValidationFailed) as error:
        services.record_save(actor=system_user(), kind="responsibility", data={
            "household": household, "cadre": make_cadre(), "level": "county", "start_date": D(2018, 1, 1),
            "end_date": D(2017, 1, 1)})
    assert error.value.field == "end_date"
    duty = services.record_save(actor=system_user(), kind="responsibility", data={
        "household": household, "cadre": make_cadre(), "level": "county", "start_date": D(2018, 1, 1)})
    assert duty.recorded_by == system_user()


def make_bank():
    return Party.objects.create(kind="financial", name="农村信用社", area=Area.objects.get(code="533301000000"))


def test_loans_within_the_terms_and_their_figures(world):
    first = register_poor_household(area=LUZHANG, size=2)
    second = register_poor_household(area=SANHE, size=3)
    bank = make_bank()

    def lend(household, amount, issued, due, **extra):
        return services.record_save(actor=system_user(), kind="loan", data={
            "household": household, "bank": bank, "amount": Decimal(amount), "issued_on": issued, "due_on": due,
            "annual_rate": Decimal("4.35"), **extra})

    with pytest.raises(ValidationFailed):
        lend(first, "50000.01", D(2017, 3, 1), D(2020, 3, 1))
    with pytest.raises(ValidationFailed):
        lend(first, "50000", D(2017, 3, 1), D(2020, 3, 2))  # longer than 3 years
    lend(first, "50000", D(2017, 3, 1), D(2020, 3, 1))
    lend(first, "20000", D(2017, 6, 1), D(2017, 12, 1))
    lend(second, "30000", D(2017, 9, 1), D(2018, 9, 1), repaid_amount=Decimal("30000"), repaid_on=D(2018, 8, 1))
    lend(second, "10000", D(2018, 1, 2), D(2019, 1, 2))
    values = {f["key"]: f["value"] for f in report.assistance_figures(actor=system_user(),
                                                                        area_code="533301000000", year=2017)}
    assert values["loans_amount"] == Decimal("100000.00") and values["loans_households"] == 2
    assert values["loans_overdue"] == 1  # the 20000 due 2017-12-01, unpaid at year end


def test_relocation_steps_in_order_and_counts(world):
    village = Area.objects.get(code=LUZHANG)
    names = ["上寨", "下寨", "新村"]
    villages = [services.record_save(actor=system_user(), kind="origin", data={
        "name": name, "area": village, "deep_poverty": name != "新村", "households": 10, "persons": 40})
        for name in names]
    with pytest.raises(ValidationFailed):
        services.origin_action_record(actor=system_user(), village=villages[0], action="completed",
                                      on=D(2017, 5, 1))
    for action, day in (("started", D(2017, 3, 1)), ("completed", D(2017, 9, 1)), ("demolished", D(2017, 10, 1))):
        services.origin_action_record(actor=system_user(), village=villages[0], action=action, on=day)
    with pytest.raises(ValidationFailed):
        services.origin_action_record(actor=system_user(), village=villages[0], action="reclaimed",
                                      on=D(2017, 11, 1))  # no area given
    services.origin_action_record(actor=system_user(), village=villages[0], action="reclaimed", on=D(2017, 11, 1),
                                  area_mu=Decimal("12.5"))
    services.origin_action_record(actor=system_user(), village=villages[1], action="started", on=D(2017, 4, 1))
    services.origin_action_record(actor=system_user(), village=villages[1], action="completed", on=D(2018, 2, 1))
    services.origin_action_record(actor=system_user(), village=villages[2], action="started", on=D(2017, 4, 1))
    values = {f["key"]: f["value"] for f in report.assistance_figures(actor=system_user(),
                                                                        area_code="533301000000", year=2017)}
    assert (values["deep_origin_villages"], values["deep_origin_villages_started"],
            values["deep_origin_villages_completed"], values["deep_origin_villages_reclaimed"]) == (2, 2, 1, 1)
    assert values["origin_villages"] == 3 and values["origin_villages_started"] == 3
    assert OriginVillage.objects.get(name="上寨").actions.count() == 4


def test_ecological_persons_count_each_person_once(world):
    whole = register_poor_household(area=LUZHANG, size=3)
    single = register_poor_household(area=SANHE, size=2)
    make_deliver(whole, "ecological", on=D(2017, 4, 1))
    make_deliver(whole, "ecological", on=D(2017, 8, 1), member=whole.members.first())  # already counted
    make_deliver(single, "ecological", on=D(2017, 4, 1), member=single.members.first())
    make_deliver(single, "industry", on=D(2017, 4, 1))  # not ecological
    make_deliver(register_poor_household(area=LUZHANG, size=4), "ecological", on=D(2018, 1, 1))  # another year
    values = {f["key"]: f["value"] for f in report.assistance_figures(actor=system_user(),
                                                                        area_code="533301000000", year=2017)}
    assert values["ecological_persons"] == 4
    assert values["households_by_batch"]["ecological"] == 2 and values["households_by_batch"]["production"] == 1
