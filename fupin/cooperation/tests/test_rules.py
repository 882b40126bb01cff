"""Issue 22, cooperation: a second active East–West pairing of the same two parties and programme overlapping the
first was accepted, and an arrival above its commitment passed silently. The overlap is refused naming the
existing pairing; an arrival above the commitment needs its reason, stored and audited."""

import datetime

import pytest
from django.utils import translation

from fupin.audit.models import AuditEvent
from fupin.cooperation import services
from fupin.cooperation.models import Fund, Pairing
from fupin.cooperation.tests.test_cooperation import (  # noqa: F401 (graph: fixture)
    DONGGUAN,
    HUANGPU,
    LUSHUI,
    NUJIANG,
    graph,
    make_fund,
    make_pair,
)
from fupin.core.errors import ValidationFailed
from fupin.testing.factories import system_user

pytestmark = pytest.mark.django_db
D = datetime.date


def test_an_overlapping_duplicate_pairing_is_refused_naming_the_first(graph):  # noqa: F811
    p, pairs, _household = graph
    first = pairs["sh_nj"]  # 黄浦 → 怒江, 东西部扶贫协作, from 2016-01-01, open
    with pytest.raises(ValidationFailed) as refused:  # the case: a second one from 2018 was accepted
        make_pair("east_west", p[HUANGPU], p[NUJIANG], start=D(2018, 1, 1))
    assert refused.value.field == "start_date" and refused.value.params["pairing"] == first.pk
    with translation.override("en"):
        assert str(refused.value) == (
            f"黄浦区 already helps 怒江傈僳族自治州 under 东西部扶贫协作 from 2016-01-01 to now (pairing {first.pk}); "
            "end it before recording another for an overlapping period.")
    assert Pairing.objects.filter(programme="east_west", helper=p[HUANGPU], helped=p[NUJIANG]).count() == 1
    # Changing a pairing does not clash with itself; another programme or party is another pairing.
    services.pairing_save(actor=system_user(), instance=first, data={"note": "2016年起"})
    make_pair("hand_in_hand", p[HUANGPU], p[NUJIANG], start=D(2018, 1, 1))
    # Once the first has ended, a new one may follow it, but not start inside its period.
    services.pairing_end(actor=system_user(), pairing=first, on=D(2019, 12, 31))
    with pytest.raises(ValidationFailed):
        make_pair("east_west", p[HUANGPU], p[NUJIANG], start=D(2019, 12, 31))
    make_pair("east_west", p[HUANGPU], p[NUJIANG], start=D(2020, 1, 1))


def test_an_arrival_above_its_commitment_needs_a_reason(graph):  # noqa: F811
    p, pairs, _household = graph
    with pytest.raises(ValidationFailed) as refused:  # the case: accepted silently
        make_fund("fiscal_aid", p[DONGGUAN], LUSHUI, "1000000", D(2019, 3, 1), "1200000", D(2019, 6, 1),
              pairing=pairs["dg_ls"])
    assert refused.value.field == "over_commitment_reason"
    with translation.override("en"):
        assert str(refused.value) == ("1200000 arrived against a commitment of 1000000, 200000 more than committed; "
                                      "give the reason it exceeds the commitment.")
    assert not Fund.objects.filter(arrived_amount=1200000).exists()
    fund = services.record_save(actor=system_user(), kind="fund", data={
        "kind": "fiscal_aid", "donor": p[DONGGUAN], "area": pairs["dg_ls"].helped.area, "pairing": pairs["dg_ls"],
        "committed_amount": 1000000, "committed_on": D(2019, 3, 1), "arrived_amount": 1200000,
        "arrived_on": D(2019, 6, 1), "over_commitment_reason": "  东莞市追加第二批资金  "})
    fund.refresh_from_db()
    assert fund.over_commitment_reason == "东莞市追加第二批资金"
    event = AuditEvent.objects.filter(action="cooperation.record_saved", object_id=str(fund.pk)).latest("seq")
    assert event.after["over_commitment_reason"] == "东莞市追加第二批资金"
    # Money arriving without any commitment recorded exceeds it by all of it.
    with pytest.raises(ValidationFailed) as refused:
        make_fund("donation", p[DONGGUAN], LUSHUI, "0", None, "50000", D(2019, 6, 1))
    assert refused.value.params["excess"] == 50000
