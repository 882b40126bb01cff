"""Delivered measures, microloans, natural villages and relocation steps in bulk: the single services' rules,
refused with their messages and the record's position, nothing written on a refusal, one audit event, and a
query count that does not grow with the records."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from fupin.areas.models import Area
from fupin.assistance import services
from fupin.assistance.bulk import (
    delivered_bulk_create,
    loans_bulk_create,
    origin_actions_bulk_create,
    origin_villages_bulk_create,
)
from fupin.assistance.models import DeliveredMeasure, Loan, MeasureType, OriginAction, OriginVillage
from fupin.audit.models import AuditEvent
from fupin.cooperation.models import Party
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.records.batches import RecordsInvalid
from fupin.registry.models import Member
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, LUZHANG, SANHE, FUGONG = "533301000000", "533301102201", "533301102202", "533323000000"


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def _single_error(call) -> tuple[str, str]:
    """The field and message the single-record service refuses with."""
    with pytest.raises(ValidationFailed) as refused:
        call()
    return refused.value.field, str(refused.value)


def _refused(create, records, model, actor=None) -> list[tuple[int, str, str]]:
    """The problems of a refused bulk call, after checking nothing was written."""
    rows, events = model.objects.count(), AuditEvent.objects.count()
    with pytest.raises(RecordsInvalid) as refused:
        create(actor=actor or system_user(), records=records)
    assert (model.objects.count(), AuditEvent.objects.count()) == (rows, events)
    return [(p.index, p.field, p.message) for p in refused.value.problems]


def _nothing_written(model, event) -> bool:
    return not model.objects.exists() and not AuditEvent.objects.filter(action=event).exists()


def _queries(create, records) -> int:
    with CaptureQueriesContext(connection) as queries:
        create(actor=system_user(), records=records)
    return len(queries)


# Delivered measures ----------------------------------------------------------------------------------------------

def _delivered(household, **values):
    return DeliveredMeasure(household_id=household.pk, measure_type=MeasureType.objects.get(code="ecological"),
                            delivered_on=D(2019, 6, 30), **{"amount": Decimal("1000"), **values})


def test_delivered_measures_are_created_with_one_audit_event():
    clerk = make_user(actions=["view", "change"], area=LUSHUI)
    here, there = register_poor_household(area=LUZHANG, size=2), register_poor_household(area=SANHE, size=2)
    member = there.members.first()
    delivered_bulk_create(actor=clerk, records=[_delivered(here), _delivered(there, member_id=member.pk),
                                                _delivered(there, recorded_by=system_user())])
    assert set(DeliveredMeasure.objects.values_list("household_id", "member_id", "recorded_by__username")) == {
        (here.pk, None, clerk.username), (there.pk, member.pk, clerk.username),
        (there.pk, None, clerk.username)}  # recorded_by: the actor, whatever the caller put there
    event = AuditEvent.objects.get(action=services.DELIVERED_BULK)
    assert (event.object_type, event.after["rows"], event.area_code) == (
        "assistance.deliveredmeasure", 3, "533301102000")


def test_delivered_measures_refused_as_record_save_refuses_them():
    household, other = register_poor_household(area=LUZHANG, size=2), register_poor_household(area=SANHE, size=1)
    others_plan = services.plan_save(actor=system_user(), household=other, year=2019)
    foreign, amount = other.members.get(), Decimal("-0.01")
    cases = [({"member_id": foreign.pk}, {"member": foreign}, "member"),  # (bulk record, record_save data, field)
             ({"amount": amount}, {"amount": amount}, "amount"),
             ({"plan_id": others_plan.pk}, {"plan": others_plan}, "plan")]
    records, expected = [_delivered(household)], []
    for index, (values, data, field) in enumerate(cases, 1):
        records.append(_delivered(household, **values))
        single = _single_error(lambda data=data: services.record_save(actor=system_user(), kind="delivered", data={
            "household": household, "measure_type": records[0].measure_type, "delivered_on": D(2019, 6, 30),
            **data}))
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(delivered_bulk_create, records, DeliveredMeasure) == expected
    assert [message for _index, _field, message in expected] == ["该成员不在本户。", "金额不能为负数。",
                                                                  "该帮扶计划属于其他户。"]


def test_delivered_measures_need_the_households_area():
    household = register_poor_household(area=LUZHANG, size=1)
    outsider = make_user(actions=["view", "change"], area=FUGONG)
    with pytest.raises(PermissionDenied):
        delivered_bulk_create(actor=outsider, records=[_delivered(household)])
    assert _nothing_written(DeliveredMeasure, services.DELIVERED_BULK)


def test_delivered_measures_dry_run_writes_nothing():
    household = register_poor_household(area=LUZHANG, size=1)
    assert delivered_bulk_create(actor=system_user(), records=[_delivered(household)], dry_run=True)[0].pk is None
    assert _nothing_written(DeliveredMeasure, services.DELIVERED_BULK)


def test_delivered_queries_do_not_grow_with_the_records():
    households = [register_poor_household(area=(LUZHANG, SANHE)[k % 2], size=1) for k in range(10)]
    members = dict(Member.objects.filter(household__in=households).values_list("household_id", "pk"))
    plans = {h.pk: services.plan_save(actor=system_user(), household=h, year=2019).pk for h in households}

    def records(count):
        return [_delivered(households[k % 10], member_id=members[households[k % 10].pk] if k % 2 else None,
                           plan_id=plans[households[k % 10].pk] if k % 3 else None) for k in range(count)]

    small, large = _queries(delivered_bulk_create, records(5)), _queries(delivered_bulk_create, records(50))
    assert (DeliveredMeasure.objects.count(), large) == (55, small)


# Microloans ------------------------------------------------------------------------------------------------------

def make_bank(kind="financial", name="农村信用社"):
    return Party.objects.create(kind=kind, name=name, area=Area.objects.get(code=LUSHUI))


def _loan(household, bank, **values):
    return Loan(household_id=household.pk, bank_id=bank.pk, **{
        "amount": Decimal("50000"), "issued_on": D(2017, 3, 1), "due_on": D(2020, 3, 1),
        "annual_rate": Decimal("4.35"), **values})


def test_loans_are_created_with_one_audit_event():
    household, bank = register_poor_household(area=LUZHANG, size=2), make_bank()
    loans_bulk_create(actor=system_user(), records=[_loan(household, bank), _loan(
        household, bank, amount=Decimal("20000"), repaid_amount=Decimal("20000"), repaid_on=D(2018, 1, 1))])
    assert sorted(Loan.objects.values_list("amount", "repaid_amount", "recorded_by__username")) == [
        (Decimal("20000"), Decimal("20000"), "system"), (Decimal("50000"), Decimal("0"), "system")]
    event = AuditEvent.objects.get(action=services.LOANS_BULK)
    assert (event.object_type, event.after["rows"], event.area_code) == ("assistance.loan", 2, LUZHANG)


def test_loans_refused_as_record_save_refuses_them():
    household = register_poor_household(area=LUZHANG, size=2)
    bank, enterprise = make_bank(), make_bank("enterprise", "公司")
    cases = [({"amount": Decimal("0")}, "amount"), ({"amount": Decimal("50000.01")}, "amount"),
             ({"bank": enterprise}, "bank"), ({"due_on": D(2017, 3, 1)}, "due_on"),
             ({"due_on": D(2020, 3, 2)}, "due_on"), ({"repaid_amount": Decimal("50000.01")}, "repaid_amount"),
             ({"repaid_amount": Decimal("100")}, "repaid_on")]
    records, expected = [_loan(household, bank)], []
    for index, (change, field) in enumerate(cases, 1):
        lender = change.pop("bank", bank)
        records.append(_loan(household, lender, **change))
        single = _single_error(lambda change=change, lender=lender: services.record_save(
            actor=system_user(), kind="loan", data={
                "household": household, "bank": lender, "amount": Decimal("50000"), "issued_on": D(2017, 3, 1),
                "due_on": D(2020, 3, 1), "annual_rate": Decimal("4.35"), **change}))
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(loans_bulk_create, records, Loan) == expected
    assert [message for _index, _field, message in expected] == [
        "扶贫小额信贷金额须大于 0 且不超过 50000 元。", "扶贫小额信贷金额须大于 0 且不超过 50000 元。",
        "贷款方须为金融机构。", "贷款到期日期早于发放日期。", "扶贫小额信贷期限最长 3 年。",
        "已还金额须在 0 与贷款金额之间。", "请填写还款日期。"]


def test_loans_need_the_households_area_and_dry_run_writes_nothing():
    household, bank = register_poor_household(area=LUZHANG, size=1), make_bank()
    with pytest.raises(PermissionDenied):
        loans_bulk_create(actor=make_user(actions=["view", "change"], area=SANHE), records=[_loan(household, bank)])
    loans_bulk_create(actor=system_user(), records=[_loan(household, bank)], dry_run=True)
    assert _nothing_written(Loan, services.LOANS_BULK)


def test_loan_queries_do_not_grow_with_the_records():
    households = [register_poor_household(area=(LUZHANG, SANHE)[k % 2], size=1) for k in range(10)]
    banks = [make_bank(name=f"银行{k}") for k in range(3)]

    def records(count):
        return [_loan(households[k % 10], banks[k % 3]) for k in range(count)]

    small, large = _queries(loans_bulk_create, records(5)), _queries(loans_bulk_create, records(50))
    assert (Loan.objects.count(), large) == (55, small)


# Natural villages moved out --------------------------------------------------------------------------------------

def _village(name, area=LUZHANG):
    return OriginVillage(name=name, area_id=area, deep_poverty=True, households=20, persons=60)


def test_origin_villages_are_created_with_one_audit_event():
    origin_villages_bulk_create(actor=system_user(), records=[_village("上寨"), _village("下寨", SANHE)])
    assert sorted(OriginVillage.objects.values_list("area_id", "name")) == [(LUZHANG, "上寨"), (SANHE, "下寨")]
    event = AuditEvent.objects.get(action=services.ORIGIN_VILLAGES_BULK)
    assert (event.object_type, event.after["rows"], event.area_code) == (
        "assistance.originvillage", 2, "533301102000")


def test_origin_villages_need_the_area_and_dry_run_writes_nothing():
    with pytest.raises(PermissionDenied):
        origin_villages_bulk_create(actor=make_user(actions=["view", "change"], area=SANHE),
                                    records=[_village("上寨", SANHE), _village("下寨")])
    origin_villages_bulk_create(actor=system_user(), records=[_village("上寨")], dry_run=True)
    assert _nothing_written(OriginVillage, services.ORIGIN_VILLAGES_BULK)


def test_a_repeated_origin_village_is_refused_by_the_table_as_in_record_save():
    """record_save has no rule for a village's name twice in one administrative village: the unique constraint
    refuses it, and the bulk call writes nothing either."""
    with pytest.raises(IntegrityError):
        origin_villages_bulk_create(actor=system_user(), records=[_village("上寨"), _village("上寨")])
    assert _nothing_written(OriginVillage, services.ORIGIN_VILLAGES_BULK)


def test_origin_village_queries_do_not_grow_with_the_records():
    origin_villages_bulk_create(actor=system_user(), records=[_village("丙")])  # the audit chain's head is made once
    small = _queries(origin_villages_bulk_create, [_village(f"甲{k}") for k in range(5)])
    large = _queries(origin_villages_bulk_create, [_village(f"乙{k}") for k in range(50)])
    assert (OriginVillage.objects.count(), large) == (56, small)


# Relocation steps ------------------------------------------------------------------------------------------------

STEPS = (("started", D(2019, 3, 1), None), ("completed", D(2019, 9, 30), None),
         ("demolished", D(2019, 10, 31), None), ("reclaimed", D(2019, 11, 30), Decimal("20")))


def _villages(count, prefix="自然村"):
    return origin_villages_bulk_create(actor=system_user(), records=[
        _village(f"{prefix}{k}", (LUZHANG, SANHE)[k % 2]) for k in range(count)])


def _all_steps(villages):
    """As the demo passes them: every step of every village, grouped by step."""
    return [OriginAction(village_id=village.pk, action=action, on=on, area_mu=area_mu)
            for action, on, area_mu in STEPS for village in villages]


def test_every_step_of_many_villages_in_one_call():
    villages = _villages(3)
    services.origin_action_record(actor=system_user(), village=villages[0], action="started", on=D(2019, 2, 1))
    steps = _all_steps(villages)[1:]  # the first village's start is stored
    origin_actions_bulk_create(actor=make_user(actions=["view", "change"], area=LUSHUI), records=steps)
    assert sorted(OriginAction.objects.values_list("village__name", "action")) == sorted(
        (village.name, action) for village in villages for action, _on, _mu in STEPS)
    event = AuditEvent.objects.get(action=services.ORIGIN_ACTIONS_BULK)
    assert (event.object_type, event.after["rows"], event.area_code) == (
        "assistance.originaction", 11, "533301102000")


def test_steps_refused_against_stored_steps_and_earlier_steps_of_the_call():
    a, b, c, d = _villages(4)
    services.origin_action_record(actor=system_user(), village=a, action="started", on=D(2019, 3, 1))
    for action, on in (("started", D(2019, 3, 1)), ("completed", D(2019, 9, 1)), ("demolished", D(2019, 10, 1))):
        services.origin_action_record(actor=system_user(), village=d, action=action, on=on)

    def step(village, action, on, area_mu=None):
        return OriginAction(village_id=village.pk, action=action, on=on, area_mu=area_mu)

    records = [step(a, "completed", D(2019, 9, 1)),  # fine: a's start is stored
               step(a, "started", D(2019, 3, 5)),  # stored already
               step(b, "started", D(2019, 4, 1)),  # fine
               step(b, "started", D(2019, 4, 2)),  # earlier in the call
               step(c, "completed", D(2019, 5, 1)),  # c has not started
               step(b, "completed", D(2019, 3, 1)),  # before b's start earlier in the call
               step(d, "reclaimed", D(2019, 9, 1), Decimal("5")),  # before d's stored demolition
               step(d, "reclaimed", D(2019, 11, 1)),  # no area
               step(c, "moved", D(2019, 5, 1))]
    problems = _refused(origin_actions_bulk_create, records, OriginAction)
    assert problems == [
        (1, "action", "该自然村已登记此搬迁进度。"), (3, "action", "该自然村已登记此搬迁进度。"),
        (4, "action", "请先登记“启动搬迁”。"), (5, "on", "此进度的日期不能早于上一进度。"),
        (6, "on", "此进度的日期不能早于上一进度。"), (7, "area_mu", "请填写复垦面积（亩）。"),
        (8, "action", "未知的搬迁进度“moved”。")]
    # Those refused on the stored steps alone are refused alike, one at a time.
    for index in (1, 4, 6, 7, 8):
        record = records[index]
        single = _single_error(lambda r=record: services.origin_action_record(
            actor=system_user(), village=OriginVillage.objects.get(pk=r.village_id), action=r.action, on=r.on,
            area_mu=r.area_mu))
        assert (index, *single) in problems


def test_steps_need_the_villages_area_and_dry_run_writes_nothing():
    villages = _villages(2)
    with pytest.raises(PermissionDenied):
        origin_actions_bulk_create(actor=make_user(actions=["view", "change"], area=LUZHANG),
                                   records=_all_steps(villages))  # the second village is in 三河
    origin_actions_bulk_create(actor=system_user(), records=_all_steps(villages), dry_run=True)
    assert _nothing_written(OriginAction, services.ORIGIN_ACTIONS_BULK)


def test_step_queries_do_not_grow_with_the_records():
    few, many = _villages(2, "甲"), _villages(20, "乙")
    small = _queries(origin_actions_bulk_create, _all_steps(few))
    large = _queries(origin_actions_bulk_create, _all_steps(many))
    assert (OriginAction.objects.count(), large) == (88, small)
