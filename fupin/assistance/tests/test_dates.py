"""Issue 22, assistance: a delivery dated 2031 was accepted. Every fact date of the household's assistance (a
delivery, a visit, a loan and its repayment, a move, a step of moving a natural village out) is refused in the
future; visits are counted back from their recorded dates."""

import datetime
from decimal import Decimal

import pytest

from fupin.areas.models import Area
from fupin.assistance import selectors, services
from fupin.assistance.tests.test_assistance import LUZHANG, make_bank, make_deliver
from fupin.core.errors import ValidationFailed
from fupin.core.temporal import today
from fupin.testing.clock import english
from fupin.testing.factories import load_fixture_divisions, make_cadre, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
TOMORROW = today() + datetime.timedelta(days=1)


@pytest.fixture
def world():
    load_fixture_divisions()


def test_a_delivery_dated_2031_is_refused(world):
    household = register_poor_household(area=LUZHANG, size=2)
    with pytest.raises(ValidationFailed) as refused:  # the case
        make_deliver(household, "industry", on=D(2031, 1, 1))
    assert refused.value.field == "delivered_on"
    assert english(refused).startswith("delivery date 2031-01-01 is in the future (today is ")
    assert make_deliver(household, "industry", on=D(2019, 5, 1)).delivered_on == D(2019, 5, 1)


def test_visits_responsibilities_and_moves_are_not_in_the_future(world):
    household = register_poor_household(area=LUZHANG, size=2)
    cadre = make_cadre()
    with pytest.raises(ValidationFailed) as refused:
        services.record_save(actor=system_user(), kind="visit", data={
            "household": household, "cadre": cadre, "visited_on": TOMORROW})
    assert refused.value.field == "visited_on"
    with pytest.raises(ValidationFailed) as refused:
        services.record_save(actor=system_user(), kind="responsibility", data={
            "household": household, "cadre": cadre, "level": "village", "start_date": TOMORROW})
    assert refused.value.field == "start_date"
    village = services.record_save(actor=system_user(), kind="origin", data={
        "name": "上寨", "area": Area.objects.get(code=LUZHANG), "households": 10, "persons": 40})
    with pytest.raises(ValidationFailed) as refused:
        services.origin_action_record(actor=system_user(), village=village, action="started", on=TOMORROW)
    assert refused.value.field == "on"


def test_a_loan_is_repaid_after_it_was_issued_and_not_in_the_future(world):
    household = register_poor_household(area=LUZHANG, size=2)
    bank = make_bank()

    def lend(issued, **extra):
        return services.record_save(actor=system_user(), kind="loan", data={
            "household": household, "bank": bank, "amount": Decimal("10000"), "issued_on": issued,
            "due_on": issued + datetime.timedelta(days=365), "annual_rate": Decimal("4.35"), **extra})

    with pytest.raises(ValidationFailed) as refused:
        lend(TOMORROW)
    assert refused.value.field == "issued_on"
    with pytest.raises(ValidationFailed) as refused:
        lend(D(2018, 3, 1), repaid_amount=Decimal("10000"), repaid_on=D(2018, 2, 1))
    assert english(refused) == "repayment date 2018-02-01 is before the loan's issue date 2018-03-01."
    lend(D(2018, 3, 1), repaid_amount=Decimal("10000"), repaid_on=D(2019, 2, 1))


def test_visit_intervals_count_from_the_recorded_visit_dates(world):
    household = register_poor_household(area=LUZHANG, size=1)
    services.record_save(actor=system_user(), kind="visit", data={
        "household": household, "cadre": make_cadre(), "visited_on": D(2019, 8, 31)})
    # Counted back month by month from the day asked about: on 09-30 a month back is 08-30, so the visit of 08-31
    # is within the month; on 10-01 it is 09-01, and the household is due.
    due = selectors.households_not_visited(actor=system_user(), area_code=LUZHANG, on=D(2019, 9, 30), months=1)
    assert list(due) == []
    due = selectors.households_not_visited(actor=system_user(), area_code=LUZHANG, on=D(2019, 10, 1), months=1)
    assert [(row.pk, row.last_visit) for row in due] == [(household.pk, D(2019, 8, 31))]
