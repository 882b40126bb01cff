"""Issue 22, funds: spending dated 2016, before its arrival and its document, was accepted because the balance
check read totals. Each case is reproduced, then refused: entries are facts (never in the future, never before
their document or the entry they correct) and balances are checked as of each entry's date."""

import datetime
from decimal import Decimal

import pytest

from fupin.core.errors import ValidationFailed
from fupin.core.temporal import today
from fupin.funds import selectors, services
from fupin.funds.tests.test_funds import LUSHUI, make_document, make_entry, make_project
from fupin.testing.clock import english
from fupin.testing.factories import load_fixture_divisions, system_user

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def arrived(db):
    """云财农〔2017〕40号 (issued 2017-03-01): 100,000 allocated to 泸水 on 04-01, arrived on 05-01."""
    load_fixture_divisions()
    document = make_document("云财农〔2017〕40号", "provincial_fiscal", 2017, "100000")
    make_entry(document, "allocate", LUSHUI, "100000", D(2017, 4, 1))
    make_entry(document, "arrive", LUSHUI, "100000", D(2017, 5, 1))
    return document, make_project(LUSHUI, "泸水通村公路", "infrastructure")


def test_spending_before_its_document_is_refused(arrived):
    document, road = arrived
    # The case: spending dated 2016 on a document of 2017; the total balance (100,000 arrived) allowed it.
    with pytest.raises(ValidationFailed) as refused:
        make_entry(document, "spend", LUSHUI, "1000", D(2016, 6, 1), project=road)
    assert refused.value.field == "date"
    assert english(refused) == "entry date 2016-06-01 is before the document's issue date 2017-03-01."


def test_spending_before_the_money_arrived_is_refused(arrived):
    document, road = arrived
    with pytest.raises(ValidationFailed) as refused:  # issued and allocated, but nothing had arrived on 04-15
        make_entry(document, "spend", LUSHUI, "1000", D(2017, 4, 15), project=road)
    assert english(refused) == ("As of 2017-04-15 only 0.00 of this document had arrived at the area and was "
                                 "unspent.")
    make_entry(document, "spend", LUSHUI, "1000", D(2017, 5, 1), project=road)  # the day it arrived


def test_a_back_dated_entry_must_leave_later_entries_covered(arrived):
    document, road = arrived
    make_entry(document, "spend", LUSHUI, "80000", D(2017, 8, 1), project=road)
    # On 06-01 100,000 had arrived and nothing was spent yet, but 80,000 was spent on 08-01: a spending of 30,000
    # dated 06-01 would leave the ledger overspent from 08-01 on.
    with pytest.raises(ValidationFailed) as refused:
        make_entry(document, "spend", LUSHUI, "30000", D(2017, 6, 1), project=road)
    assert refused.value.params["date"] == "2017-08-01" and refused.value.params["left"] == Decimal("20000.00")
    make_entry(document, "spend", LUSHUI, "20000", D(2017, 6, 1), project=road)
    assert selectors.area_balance(document, LUSHUI)["unspent_arrived"] == Decimal("0")


def test_an_arrival_before_its_allocation_is_refused(arrived):
    second = make_document("云财农〔2017〕41号", "provincial_fiscal", 2017, "50000")
    make_entry(second, "allocate", LUSHUI, "50000", D(2017, 6, 1))
    with pytest.raises(ValidationFailed) as refused:
        make_entry(second, "arrive", LUSHUI, "50000", D(2017, 5, 20))
    assert refused.value.params["date"] == "2017-05-20"


def test_future_dates_are_refused(arrived):
    document, road = arrived
    tomorrow = today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        make_entry(document, "spend", LUSHUI, "1000", tomorrow, project=road)
    assert refused.value.field == "date" and "is in the future" in english(refused)
    with pytest.raises(ValidationFailed) as refused:
        services.fund_document_save(actor=system_user(), data={
            "number": "云财农〔2099〕1号", "title": "未来", "source": "provincial_fiscal", "year": 2017,
            "issuing_area": document.issuing_area, "total": Decimal("1"), "issued_on": tomorrow})
    assert refused.value.field == "issued_on"


def test_a_correction_is_not_dated_before_the_entry_it_corrects(arrived):
    document, road = arrived
    spent = make_entry(document, "spend", LUSHUI, "1000", D(2017, 8, 1), project=road)
    with pytest.raises(ValidationFailed) as refused:
        make_entry(document, "adjust", amount="-100", corrects=spent, day=D(2017, 7, 1))
    assert english(refused) == "correction date 2017-07-01 is before the corrected entry's date 2017-08-01."


def test_a_document_cannot_be_moved_after_its_entries(arrived):
    document, _road = arrived
    with pytest.raises(ValidationFailed) as refused:
        services.fund_document_save(actor=system_user(), instance=document, data={"issued_on": D(2017, 4, 15)})
    assert refused.value.params["date"] == "2017-04-01"
