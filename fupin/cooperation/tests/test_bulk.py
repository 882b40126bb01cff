"""Parties, pairings, talent exchanges and labour transfers in bulk: the single services' rules, refused with their
messages and the record's position, nothing written on a refusal, one audit event, and a query count that does
not grow with the records."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.cooperation import services
from fupin.cooperation.bulk import (
    labour_bulk_create,
    pairings_bulk_create,
    parties_bulk_create,
    talent_bulk_create,
)
from fupin.cooperation.creditcode import check_character
from fupin.cooperation.models import LabourTransfer, Pairing, Party, Programme, TalentExchange
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.records.batches import RecordsInvalid
from fupin.testing.factories import add_area, load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
NUJIANG, LUSHUI, FUGONG = "533300000000", "533301000000", "533323000000"
LUZHANG, SANHE = "533301102201", "533301102202"
DONGGUAN, HUANGPU, SHENZHEN = "441900000000", "310101000000", "440300000000"
TENCENT = "9144030071526726XG"


@pytest.fixture(autouse=True)
def english():
    # Messages compared as written: the new ones have no translation yet.
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    """Area parties, an enterprise, a household's party and two pairings, all through the single services."""
    load_fixture_divisions()
    add_area(HUANGPU, "黄浦区")
    add_area(SHENZHEN, "深圳市")
    actor = system_user()
    p = {code: services.party_for_area(actor=actor, area=Area.objects.get(code=code))
         for code in (HUANGPU, DONGGUAN, NUJIANG, LUSHUI, LUZHANG)}
    p["tencent"] = services.party_save(actor=actor, data={"kind": "enterprise", "name": "腾讯", "credit_code": TENCENT,
                                                          "area": Area.objects.get(code=SHENZHEN)})
    household = register_poor_household(area=LUZHANG, size=3)
    p["household"] = services.party_for_household(actor=actor, household=household)
    pairs = {"sh_nj": make_pair("east_west", p[HUANGPU], p[NUJIANG]),
             "dg_ls": make_pair("hand_in_hand", p[DONGGUAN], p[LUSHUI])}
    return p, pairs, household


START = D(2016, 1, 1)


def make_pair(programme, helper, helped, start=START, **extra):
    return services.pairing_save(actor=system_user(), data={
        "programme": Programme.objects.get(code=programme), "helper": helper, "helped": helped, "start_date": start,
        **extra})


def _single_error(save, **arguments) -> tuple[str, str]:
    """The field and message the single-record service refuses the data with."""
    with pytest.raises(ValidationFailed) as refused:
        save(actor=system_user(), **arguments)
    return refused.value.field, str(refused.value)


def _refused(create, records, model) -> list[tuple[int, str, str]]:
    """The problems of a refused bulk call, after checking nothing was written."""
    rows, events = model.objects.count(), AuditEvent.objects.count()
    with pytest.raises(RecordsInvalid) as refused:
        create(actor=system_user(), records=records)
    assert (model.objects.count(), AuditEvent.objects.count()) == (rows, events)
    return [(p.index, p.field, p.message) for p in refused.value.problems]


def _denied(create, actor, records, model, action):
    rows = model.objects.count()
    with pytest.raises(PermissionDenied):
        create(actor=actor, records=records)
    assert (model.objects.count(), AuditEvent.objects.filter(action=action).count()) == (rows, 0)


def _dry_run(create, records, model, action):
    rows = model.objects.count()
    checked = create(actor=system_user(), records=records, dry_run=True)
    assert len(checked) == len(records) and all(r.pk is None for r in checked)
    assert (model.objects.count(), AuditEvent.objects.filter(action=action).count()) == (rows, 0)
    return checked


def _queries(create, records) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        create(actor=system_user(), records=records)
    return [q["sql"] for q in queries]


def _event(action):
    event = AuditEvent.objects.get(action=action)
    return event.object_type, event.after["rows"], event.area_code


# Parties ---------------------------------------------------------------------------------------------------------

def test_parties_are_created_tidied_with_one_audit_event(world):
    other = register_poor_household(area=SANHE, size=1)
    created = parties_bulk_create(actor=system_user(), records=[
        Party(kind="area", name=" 三河村委会 ", area_id=SANHE),
        Party(kind="enterprise", name="泸水企业", area=Area.objects.get(code=LUSHUI),
              credit_code=" 91440300708461136t "),
        Party(kind="household", name="三河户", area_id=SANHE, household_id=other.pk)])
    assert all(p.pk for p in created)
    assert sorted(Party.objects.filter(pk__in=[p.pk for p in created]).values_list(
        "kind", "name", "area_id", "credit_code", "household_id")) == [
        ("area", "三河村委会", SANHE, "", None), ("enterprise", "泸水企业", LUSHUI, "91440300708461136T", None),
        ("household", "三河户", SANHE, "", other.pk)]
    assert _event(services.PARTIES_BULK) == ("cooperation.party", 3, LUSHUI)  # the county holding all three


def test_parties_refused_as_the_single_service_refuses_them(world):
    lushui = Area.objects.get(code=LUSHUI)
    cases = [({"kind": "nonsense", "name": "甲"}, "kind"), ({"kind": "school", "name": "  "}, "name"),
             ({"kind": "enterprise", "name": "乙"}, "credit_code"),
             ({"kind": "social_org", "name": "丙", "credit_code": "91440300708461136A"}, "credit_code"),
             ({"kind": "household", "name": "丁"}, "household")]
    records, expected = [Party(kind="school", name="泸水一中", area=lushui)], []  # valid first: indexes are positions
    for index, (data, field) in enumerate(cases, 1):
        records.append(Party(area=lushui, **data))
        single = _single_error(services.party_save, data={"area": lushui, **data})
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(parties_bulk_create, records, Party) == expected
    assert [message for _index, _field, message in expected] == [
        "Unknown kind of party “nonsense”.", "The name must not be empty.",
        "An enterprise or social organisation needs its unified social credit code.",
        "91440300708461136A is not a valid unified social credit code.", "Name the household."]


def test_a_second_area_household_or_credit_code_party(world):
    _p, _pairs, household = world
    # The single path refuses them too, with the same messages (the table's constraints would refuse them).
    for data, field, message in (
            ({"kind": "area", "name": "鲁掌", "area": Area.objects.get(code=LUZHANG)}, "area",
             "This area already has its party."),
            ({"kind": "household", "name": "户", "area": Area.objects.get(code=LUZHANG), "household": household},
             "household", "This household already has its party."),
            ({"kind": "enterprise", "name": "腾讯2", "area": Area.objects.get(code=SHENZHEN),
              "credit_code": TENCENT.lower()}, "credit_code",
             "This unified social credit code is already registered.")):
        with pytest.raises(ValidationFailed) as refused:
            services.party_save(actor=system_user(), data=data)
        assert (refused.value.field, str(refused.value)) == (field, message)
    tencent = Party.objects.get(credit_code=TENCENT)  # a party changed keeps its own area, household and code
    assert services.party_save(actor=system_user(), data={"name": "腾讯科技"}, instance=tencent).name == "腾讯科技"
    new_code = "91440300708461136T"
    problems = _refused(parties_bulk_create, [
        Party(kind="area", name="鲁掌", area_id=LUZHANG),  # stored
        Party(kind="area", name="三河", area_id=SANHE),
        Party(kind="area", name="三河又一", area_id=SANHE),  # twice in the call
        Party(kind="school", name="三河小学", area_id=SANHE), Party(kind="school", name="三河中学", area_id=SANHE),
        Party(kind="enterprise", name="腾讯", area_id=SHENZHEN, credit_code=TENCENT.lower()),  # stored
        Party(kind="enterprise", name="甲", area_id=SHENZHEN, credit_code=new_code),
        Party(kind="enterprise", name="乙", area_id=SHENZHEN, credit_code=f" {new_code.lower()}"),  # twice
        Party(kind="household", name="户", area_id=LUZHANG, household=household),  # stored
    ], Party)
    assert problems == [(0, "area", "This area already has its party."),
                        (2, "area", "This area already has its party."),
                        (5, "credit_code", "This unified social credit code is already registered."),
                        (7, "credit_code", "This unified social credit code is already registered."),
                        (8, "household", "This household already has its party.")]


def test_parties_need_their_area(world):
    partner = make_user(actions=["view", "change"], area=DONGGUAN)
    _denied(parties_bulk_create, partner, [Party(kind="school", name="东莞中学", area_id=DONGGUAN),
                                           Party(kind="school", name="泸水一中", area_id=LUSHUI)],
            Party, services.PARTIES_BULK)
    assert len(parties_bulk_create(actor=partner, records=[Party(kind="school", name="东莞中学",
                                                                 area_id=DONGGUAN)])) == 1


def test_parties_dry_run_writes_nothing(world):
    checked = _dry_run(parties_bulk_create, [Party(kind="school", name=" 泸水一中 ", area_id=LUSHUI)], Party,
                       services.PARTIES_BULK)
    assert checked[0].name == "泸水一中"


def _organisations(count, first):
    return [Party(kind="enterprise", name=f"企业{k}", area_id=(LUSHUI, SHENZHEN)[k % 2],
                  credit_code=(code := f"91440300{k:09d}") + check_character(code)) if k % 2 else
            Party(kind="school", name=f"学校{k}", area_id=SANHE) for k in range(first, first + count)]


def test_party_queries_do_not_grow_with_the_records(world):
    small = _queries(parties_bulk_create, _organisations(5, 0))
    large = _queries(parties_bulk_create, _organisations(50, 100))
    assert (Party.objects.count(), len(large)) == (7 + 55, len(small))


# Pairings --------------------------------------------------------------------------------------------------------

def test_pairings_are_created_with_one_audit_event(world):
    p, _pairs, _household = world
    created = pairings_bulk_create(actor=system_user(), records=[
        Pairing(programme_id="hand_in_hand", helper=p[DONGGUAN], helped=p[LUZHANG], start_date=D(2019, 1, 1)),
        Pairing(programme_id="enterprises", helper_id=p["tencent"].pk, helped_id=p[LUSHUI].pk,
                start_date=D(2019, 1, 1), end_date=D(2020, 12, 31), status="ended")])
    assert all(pairing.pk for pairing in created)
    assert sorted(Pairing.objects.filter(pk__in=[c.pk for c in created]).values_list(
        "programme_id", "helper_id", "helped_id", "status")) == [
        ("enterprises", p["tencent"].pk, p[LUSHUI].pk, "ended"),
        ("hand_in_hand", p[DONGGUAN].pk, p[LUZHANG].pk, "active")]
    assert _event(services.PAIRINGS_BULK) == ("cooperation.pairing", 2, LUSHUI)  # the helped sides' county


def test_pairings_refused_as_the_single_service_refuses_them(world):
    p, _pairs, _household = world
    cases = [("east_west", HUANGPU, HUANGPU, {}, "helped"), ("enterprises", HUANGPU, LUZHANG, {}, "helper"),
             ("enterprises", "tencent", "household", {}, "helped"),
             ("east_west", HUANGPU, LUSHUI, {"end_date": D(2015, 12, 31)}, "end_date"),
             ("east_west", HUANGPU, LUSHUI, {"status": "paused"}, "status")]
    records = [Pairing(programme_id="east_west", helper=p[HUANGPU], helped=p[LUSHUI], start_date=D(2016, 1, 1))]
    expected = []
    for index, (programme, helper, helped, extra, field) in enumerate(cases, 1):
        start = D(2016, 1, 1 + index)  # a start of its own: no record repeats another's pairing
        records.append(Pairing(programme_id=programme, helper=p[helper], helped=p[helped], start_date=start,
                               **extra))
        single = _single_error(services.pairing_save, data={
            "programme": Programme.objects.get(code=programme), "helper": p[helper], "helped": p[helped],
            "start_date": start, **extra})
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(pairings_bulk_create, records, Pairing) == expected
    assert [message for _index, _field, message in expected] == [
        "A party cannot be paired with itself.", "万企帮万村 does not take a administrative area as helper.",
        "万企帮万村 does not take a household as the helped side.", "The end date is before the start date.",
        "Unknown status “paused”."]


def test_a_pairing_stored_or_twice_in_the_call(world):
    p, _pairs, _household = world
    with pytest.raises(ValidationFailed):  # the single path refuses it too, naming the stored one
        make_pair("east_west", p[HUANGPU], p[NUJIANG])
    problems = _refused(pairings_bulk_create, [
        Pairing(programme_id="east_west", helper=p[HUANGPU], helped=p[NUJIANG], start_date=D(2016, 1, 1)),
        Pairing(programme_id="east_west", helper=p[HUANGPU], helped=p[NUJIANG], start_date=D(2017, 1, 1)),
        Pairing(programme_id="hand_in_hand", helper=p[HUANGPU], helped=p[NUJIANG], start_date=D(2016, 1, 1)),
        Pairing(programme_id="east_west", helper_id=p[HUANGPU].pk, helped_id=p[NUJIANG].pk,
                start_date=D(2017, 1, 1))], Pairing)
    stored = Pairing.objects.get(programme_id="east_west", helper=p[HUANGPU], helped=p[NUJIANG])
    assert problems == [(0, "start_date", "This pairing already exists from that start date."),
                        (1, "start_date", f"黄浦区 already helps 怒江傈僳族自治州 under 东西部扶贫协作 from 2016-01-01 "
                                          f"to now (pairing {stored.pk}); end it before recording another for an "
                                          "overlapping period."),
                        (3, "start_date", "This pairing already exists from that start date.")]


def test_pairings_need_either_end(world):
    p, _pairs, _household = world
    partner = make_user(actions=["view", "change"], area=DONGGUAN)
    ours = Pairing(programme_id="hand_in_hand", helper=p[DONGGUAN], helped=p[LUZHANG], start_date=D(2019, 1, 1))
    theirs = Pairing(programme_id="hand_in_hand", helper=p[HUANGPU], helped=p[LUZHANG], start_date=D(2019, 1, 1))
    _denied(pairings_bulk_create, partner, [ours, theirs], Pairing, services.PAIRINGS_BULK)
    assert len(pairings_bulk_create(actor=partner, records=[ours])) == 1  # its own end, the helper's


def test_pairings_dry_run_writes_nothing(world):
    p, _pairs, _household = world
    _dry_run(pairings_bulk_create, [Pairing(programme_id="hand_in_hand", helper=p[DONGGUAN], helped=p[LUZHANG],
                                            start_date=D(2019, 1, 1))], Pairing, services.PAIRINGS_BULK)


def test_pairing_queries_do_not_grow_with_the_records(world):
    p, pairs, _household = world
    services.pairing_end(actor=system_user(), pairing=pairs["dg_ls"], on=D(2017, 12, 31))  # 东莞 → 泸水 ends first
    helpers, helped = [p[HUANGPU].pk, p[DONGGUAN].pk], [p[NUJIANG].pk, p[LUSHUI].pk, p[LUZHANG].pk]

    def records(count, start):  # as the demo builds them: a programme code, the parties by id
        # (each a day long: the same two parties return every six records, and pairings may not overlap)
        return [Pairing(programme_id="hand_in_hand", helper_id=helpers[k % 2], helped_id=helped[k % 3],
                        start_date=start + datetime.timedelta(days=k), end_date=start + datetime.timedelta(days=k))
                for k in range(count)]

    small = _queries(pairings_bulk_create, records(5, D(2018, 1, 1)))
    large = _queries(pairings_bulk_create, records(50, D(2019, 1, 1)))
    assert (Pairing.objects.count(), len(large)) == (2 + 55, len(small))


# Talent exchanges ------------------------------------------------------------------------------------------------

def _talent(area, pairing=None, **values):
    return TalentExchange(area_id=area, pairing=pairing, **{
        "person": "某某", "kind": "professional", "field": "medical", "direction": "to_helped",
        "start_date": D(2019, 2, 1), **values})


def test_talent_exchanges_are_created_with_one_audit_event(world):
    _p, pairs, _household = world
    clerk = make_user(actions=["view", "change"], area=None)
    created = talent_bulk_create(actor=clerk, records=[
        _talent(LUSHUI, pairs["dg_ls"]), _talent(SANHE, kind="cadre", field="education", recorded_by=system_user())])
    assert sorted(TalentExchange.objects.filter(pk__in=[c.pk for c in created]).values_list(
        "area_id", "pairing_id", "kind", "recorded_by_id")) == [
        (LUSHUI, pairs["dg_ls"].pk, "professional", clerk.pk), (SANHE, None, "cadre", clerk.pk)]
    assert _event(services.TALENT_BULK) == ("cooperation.talentexchange", 2, LUSHUI)


def test_talent_exchanges_refused_as_the_single_service_refuses_them(world):
    _p, pairs, _household = world
    cases = [(LUSHUI, None, {"kind": "tourist"}, "kind"), (LUSHUI, None, {"field": "sports"}, "kind"),
             (LUSHUI, None, {"direction": "sideways"}, "direction"), (FUGONG, pairs["dg_ls"], {}, "area")]
    records, expected = [_talent(LUSHUI, pairs["dg_ls"])], []
    for index, (area, pairing, change, field) in enumerate(cases, 1):
        record = _talent(area, pairing, **change)
        records.append(record)
        single = _single_error(services.record_save, kind="talent", data={
            "area": Area.objects.get(code=area), "pairing": pairing,
            **{name: getattr(record, name) for name in ("person", "kind", "field", "direction", "start_date")}})
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(talent_bulk_create, records, TalentExchange) == expected
    assert [message for _index, _field, message in expected] == [
        "Unknown kind or field of talent exchange.", "Unknown kind or field of talent exchange.",
        "Unknown direction “sideways”.", "The record's area is not inside the pairing's helped area."]


def test_talent_exchanges_need_the_area_or_the_pairings_helper(world):
    _p, pairs, _household = world
    partner = make_user(actions=["view", "change"], area=DONGGUAN)
    for foreign in (_talent(LUSHUI), _talent(LUSHUI, pairs["sh_nj"])):
        _denied(talent_bulk_create, partner, [_talent(LUSHUI, pairs["dg_ls"]), foreign], TalentExchange,
                services.TALENT_BULK)
    assert len(talent_bulk_create(actor=partner, records=[_talent(LUSHUI, pairs["dg_ls"])])) == 1


def test_talent_dry_run_writes_nothing(world):
    _dry_run(talent_bulk_create, [_talent(LUSHUI)], TalentExchange, services.TALENT_BULK)


def test_talent_queries_do_not_grow_with_the_records(world):
    _p, pairs, _household = world
    ids = [pairs["dg_ls"].pk, pairs["sh_nj"].pk, None]

    def records(count):  # pairings by id, so the call fetches them and their helpers and helped areas
        return [TalentExchange(area_id=LUSHUI, pairing_id=ids[k % 3], person=f"人才{k}", kind="cadre",
                               field="finance", start_date=D(2019, 3, 1)) for k in range(count)]

    small, large = _queries(talent_bulk_create, records(5)), _queries(talent_bulk_create, records(50))
    assert (TalentExchange.objects.count(), len(large)) == (55, len(small))


# Labour transfers ------------------------------------------------------------------------------------------------

def _labour(member, area=LUZHANG, pairing=None, **values):
    return LabourTransfer(member_id=member.pk, area_id=area, pairing=pairing, **{
        "employer": "东莞某厂", "work_province": "44", "start_date": D(2019, 3, 1), "transport": "bus", **values})


def test_labour_transfers_are_created_with_one_audit_event(world):
    _p, pairs, household = world
    first, second, _third = household.members.order_by("pk")
    created = labour_bulk_create(actor=system_user(), records=[
        _labour(first, pairing=pairs["dg_ls"]), _labour(second, transport="")])
    assert sorted(LabourTransfer.objects.filter(pk__in=[c.pk for c in created]).values_list(
        "member_id", "area_id", "pairing_id", "transport", "recorded_by_id")) == [
        (first.pk, LUZHANG, pairs["dg_ls"].pk, "bus", system_user().pk),
        (second.pk, LUZHANG, None, "", system_user().pk)]
    assert _event(services.LABOUR_BULK) == ("cooperation.labourtransfer", 2, LUZHANG)


def test_labour_transfers_refused_as_the_single_service_refuses_them(world):
    p, pairs, household = world
    sanhe = make_pair("hand_in_hand", p[HUANGPU], services.party_for_area(actor=system_user(),
                                                                      area=Area.objects.get(code=SANHE)))
    member = household.members.first()
    cases = [({"area": SANHE}, "area"), ({"transport": "ship"}, "transport"), ({"pairing": sanhe}, "area")]
    records, expected = [_labour(member, pairing=pairs["sh_nj"])], []
    for index, (change, field) in enumerate(cases, 1):
        record = _labour(member, **change)
        records.append(record)
        single = _single_error(services.record_save, kind="labour", data={
            "member": member, "area": Area.objects.get(code=record.area_id), "pairing": record.pairing,
            **{name: getattr(record, name) for name in ("employer", "work_province", "start_date", "transport")}})
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(labour_bulk_create, records, LabourTransfer) == expected
    assert [message for _index, _field, message in expected] == [
        "A labour transfer is recorded in the member's home village.", "Unknown transport “ship”.",
        "The record's area is not inside the pairing's helped area."]
    # A member that does not exist has no home village to lie in.
    missing = LabourTransfer(member_id=10**9, area_id=LUZHANG, employer="某厂", work_province="44",
                             start_date=D(2019, 3, 1))
    assert _refused(labour_bulk_create, [missing], LabourTransfer) == [
        (0, "area", "A labour transfer is recorded in the member's home village.")]


def test_labour_transfers_need_the_area_or_the_pairings_helper(world):
    _p, pairs, household = world
    member = household.members.first()
    partner = make_user(actions=["view", "change"], area=DONGGUAN)
    _denied(labour_bulk_create, partner, [_labour(member, pairing=pairs["dg_ls"]), _labour(member)],
            LabourTransfer, services.LABOUR_BULK)
    created = labour_bulk_create(actor=partner, records=[_labour(member, pairing=pairs["dg_ls"])])
    assert LabourTransfer.objects.get(pk=created[0].pk).recorded_by_id == partner.pk


def test_labour_dry_run_writes_nothing(world):
    _p, _pairs, household = world
    _dry_run(labour_bulk_create, [_labour(household.members.first())], LabourTransfer, services.LABOUR_BULK)


def test_labour_queries_do_not_grow_with_the_records(world):
    _p, pairs, household = world
    members = list(household.members.values_list("pk", flat=True))
    village = register_poor_household(area=SANHE, size=2)
    others = list(village.members.values_list("pk", flat=True))

    def records(count):  # as the demo builds them: member ids, village codes, pairing objects or none
        return [LabourTransfer(member_id=others[k % 2] if k % 4 == 3 else members[k % 3],
                               area_id=SANHE if k % 4 == 3 else LUZHANG, pairing=(pairs["dg_ls"], None)[k % 2],
                               employer="某厂", work_province="44", start_date=D(2019, 3, 1))
                for k in range(count)]

    small, large = _queries(labour_bulk_create, records(5)), _queries(labour_bulk_create, records(50))
    assert (LabourTransfer.objects.count(), len(large)) == (55, len(small))
    # The members' villages: one query, two columns, unsorted; no member or household objects.
    homes = [sql for sql in large if '"registry_member"' in sql]
    assert len(homes) == 1 and homes[0].startswith(
        'SELECT "registry_member"."id" AS "id", "registry_household"."area_id" AS "household__area_id" '
        'FROM "registry_member" INNER JOIN')
    assert "ORDER BY" not in homes[0]
