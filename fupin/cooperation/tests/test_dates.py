"""Issue 22, cooperation: the dates of what happened between partners (money committed and arrived, agreements
signed, workshops opened, visits, purchases, a pairing's end) are facts: never in the future, an arrival never
before its commitment."""

import datetime
from decimal import Decimal

import pytest

from fupin.areas.models import Area
from fupin.cooperation import services
from fupin.cooperation.tests.test_cooperation import DONGGUAN, LUSHUI, graph, make_fund  # noqa: F401 (fixture)
from fupin.core.errors import ValidationFailed
from fupin.core.temporal import today
from fupin.testing.clock import english
from fupin.testing.factories import system_user

pytestmark = pytest.mark.django_db
D = datetime.date
TOMORROW = today() + datetime.timedelta(days=1)


def test_money_cannot_arrive_in_the_future_or_before_its_commitment(graph):  # noqa: F811
    p, pairs, _household = graph
    with pytest.raises(ValidationFailed) as refused:
        make_fund("fiscal_aid", p[DONGGUAN], LUSHUI, "1000", D(2019, 5, 1), "1000", TOMORROW, pairing=pairs["dg_ls"])
    assert refused.value.field == "arrived_on" and "is in the future" in english(refused)
    with pytest.raises(ValidationFailed) as refused:
        make_fund("fiscal_aid", p[DONGGUAN], LUSHUI, "1000", D(2019, 5, 1), "1000", D(2019, 4, 1),
              pairing=pairs["dg_ls"])
    assert english(refused) == "arrival date 2019-04-01 is before the commitment date 2019-05-01."


def test_records_of_visits_and_purchases_are_not_in_the_future(graph):  # noqa: F811
    p, pairs, _household = graph
    with pytest.raises(ValidationFailed) as refused:
        services.record_save(actor=system_user(), kind="visit", data={
            "pairing": pairs["dg_ls"], "area": Area.objects.get(code=LUSHUI), "person": "张三", "level": "county",
            "visited_on": TOMORROW})
    assert refused.value.field == "visited_on"
    with pytest.raises(ValidationFailed) as refused:
        services.record_save(actor=system_user(), kind="purchase", data={
            "pairing": pairs["dg_ls"], "area": Area.objects.get(code=LUSHUI), "product": "草果",
            "buyer": p[DONGGUAN], "amount": Decimal("1000"), "bought_on": TOMORROW})
    assert refused.value.field == "bought_on"


def test_a_pairing_ends_on_a_day_that_has_come(graph):  # noqa: F811
    _p, pairs, _household = graph
    with pytest.raises(ValidationFailed) as refused:
        services.pairing_end(actor=system_user(), pairing=pairs["dg_ls"], on=TOMORROW)
    assert refused.value.field == "end_date"
    assert services.pairing_end(actor=system_user(), pairing=pairs["dg_ls"]).end_date == today()
