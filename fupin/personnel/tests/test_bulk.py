"""The personnel's bulk paths refuse what the single services refuse (same message, field, and the record's index),
write all or nothing with one audit event, and run a number of queries that does not grow with the records."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.cooperation.services import party_save
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.idnumbers import upgrade_15
from fupin.personnel import bulk, services
from fupin.personnel.models import Cadre, ContactLeader, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from fupin.records.batches import RecordsInvalid
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_poor_household
from fupin.testing.factories import system_user as system

pytestmark = pytest.mark.django_db
D = datetime.date
NUJIANG, LUSHUI, FUGONG, LUZHANG_TOWN = "533300000000", "533301000000", "533323000000", "533301102000"
SHUANGKUIDI, LUZHANG, SANHE, LAZHUDI = "533301001201", "533301102201", "533301102202", "533323101201"
NEW_YEAR, JUNE = D(2018, 1, 1), D(2018, 6, 1)


def area(code):
    return Area.objects.get(code=code)


def cadre_id(k: int) -> str:
    """The k-th of many distinct valid (male) ID numbers."""
    return id_number("533301", f"{1950 + k % 50}0101", f"{k // 50 * 2 + 1:03d}")


@pytest.fixture
def unit():
    load_fixture_divisions()
    return party_save(actor=system(), data={"kind": "local_unit", "name": "泸水市卫生健康局", "area": area(LUSHUI)})


@pytest.fixture(autouse=True)
def english():
    # Messages in English so the exact ones below read as the source.
    with translation.override("en"):
        yield


def refused(save, **data) -> tuple:
    """(field, message) of the single service's refusal of a new record with `data`."""
    with pytest.raises(ValidationFailed) as caught:
        save(actor=system(), data=data)
    return caught.value.field, str(caught.value)


def refused_after(save, earlier: dict, later: dict) -> tuple:
    """The single service's refusal of `later` once `earlier` is saved (rolled back after): what a second record
    of one call meets."""
    with transaction.atomic():
        save(actor=system(), data=earlier)
        found = refused(save, **later)
        transaction.set_rollback(True)
    return found


def problems(create, records, actor=None) -> list[tuple]:
    with pytest.raises(RecordsInvalid) as caught:
        create(actor=actor or system(), records=records)
    return [(p.index, p.field, p.message) for p in caught.value.problems]


@contextmanager
def nothing_written(model):
    before = model.objects.count(), AuditEvent.objects.count()
    yield
    assert (model.objects.count(), AuditEvent.objects.count()) == before


def query_count(create, make) -> tuple[int, int]:
    """Queries of a call with 5 and with 50 records (`make(n, offset)` builds them), after a warm-up call."""
    def count(n, offset):
        records = make(n, offset)
        with CaptureQueriesContext(connection) as captured:
            create(actor=system(), records=records)
        return len(captured)

    count(1, 0)
    return count(5, 1), count(50, 6)


def the_event(action):
    return AuditEvent.objects.get(action=action)


# Cadres ---------------------------------------------------------------------------------------------------------
def cadre_fields(name="张干部", k=0, **extra):
    return {"area": area(LUSHUI), "name": name, "id_number": cadre_id(k), "unit_name": "泸水市农业农村局", **extra}


def test_cadres_are_created_with_one_audit_event(unit):
    records = [Cadre(area_id=LUSHUI, name=" 张三 ", id_number=cadre_id(1).lower(), unit_name=" 某局 "),
               Cadre(area_id=FUGONG, name="李四", id_number="533301700101206", unit=unit, sex="2")]
    created = bulk.cadres_bulk_create(actor=system(), records=records)
    assert [(c.name, c.id_number, c.sex, c.unit_name) for c in Cadre.objects.order_by("pk")] == [
        ("张三", cadre_id(1), "1", "某局"), ("李四", upgrade_15("533301700101206"), "2", "")]
    event = the_event(services.CADRES_BULK)
    assert (event.object_type, event.area_code, event.after["rows"]) == ("personnel.cadre", NUJIANG, 2)
    assert event.after["ids"] == [created[0].pk, created[1].pk]


def test_cadres_refused_as_cadre_save_refuses_them(unit):
    stored = services.cadre_save(actor=system(), data=cadre_fields("已有", 1))
    poor = register_poor_household(area=LUZHANG, size=1).members.get()
    cases = [cadre_fields("  ", 2), cadre_fields("甲", id_number="533301198001010000"),
             cadre_fields("乙", 3, sex="2"), cadre_fields("丙", 4, unit_name=""),
             cadre_fields("丁", id_number=stored.id_number), cadre_fields("戊", id_number=poor.id_number)]
    expected = [refused(services.cadre_save, **fields) for fields in cases]
    assert [field for field, _message in expected] == ["name", "id_number", "sex", "unit", "id_number", "id_number"]
    assert expected[4][1] == "A cadre with this ID number is already registered."
    assert expected[5][1] == "戊 is a registered poor person and cannot serve as a cadre."
    twice = [cadre_fields("己", 5), cadre_fields("庚", 5)]
    records = [Cadre(**fields) for fields in [*cases, *twice]]
    with nothing_written(Cadre):
        found = problems(bulk.cadres_bulk_create, records)
    assert found == [(k, *e) for k, e in enumerate(expected)] + [(7, *expected[4])]


def test_a_cadre_without_an_area_is_reported_before_permission(unit):
    editor = make_user(actions=["view", "change"], area=LUSHUI)
    expected = refused(services.cadre_save, **cadre_fields(area=None))
    assert expected == ("area", "Give the area keeping the record.")
    records = [Cadre(**cadre_fields(k=1)), Cadre(**cadre_fields(k=2, area=None))]
    with nothing_written(Cadre):
        assert problems(bulk.cadres_bulk_create, records, actor=editor) == [(1, *expected)]


def test_cadres_outside_the_grant_refuse_the_call(unit):
    elsewhere = make_user(actions=["view", "change"], area=FUGONG)
    records = [Cadre(**cadre_fields(k=1, area=area(FUGONG))), Cadre(**cadre_fields(k=2))]
    with nothing_written(Cadre), pytest.raises(PermissionDenied):
        bulk.cadres_bulk_create(actor=elsewhere, records=records)


def test_cadres_dry_run_writes_nothing(unit):
    records = [Cadre(**cadre_fields(" 甲 ", 1))]
    with nothing_written(Cadre):
        checked = bulk.cadres_bulk_create(actor=system(), records=records, dry_run=True)
    assert (checked[0].pk, checked[0].name, checked[0].sex) == (None, "甲", "1")


def test_cadre_queries_do_not_grow(unit):
    small, large = query_count(bulk.cadres_bulk_create, lambda n, offset: [
        Cadre(**cadre_fields(f"干部{k}", offset + k)) for k in range(n)])
    assert small == large


# Work teams -----------------------------------------------------------------------------------------------------
def team_fields(unit, village=LUZHANG, start=NEW_YEAR, end=None, **extra):
    return {"village": village and area(village), "unit": unit, "dispatch_level": "county", "start_date": start,
            "end_date": end, **extra}


def test_teams_are_created_with_one_audit_event(unit):
    records = [WorkTeam(village_id=LUZHANG, unit=unit, dispatch_level="county", start_date=D(2016, 1, 1),
                        end_date=D(2017, 12, 31)),
               WorkTeam(village_id=LUZHANG, unit=unit, dispatch_level="province", start_date=D(2018, 1, 1)),
               WorkTeam(village_id=LAZHUDI, unit_id=unit.pk, dispatch_level="county", start_date=D(2018, 1, 1))]
    created = bulk.teams_bulk_create(actor=system(), records=records)
    assert list(WorkTeam.objects.order_by("pk").values_list("village_id", "start_date")) == [
        (LUZHANG, D(2016, 1, 1)), (LUZHANG, D(2018, 1, 1)), (LAZHUDI, D(2018, 1, 1))]
    event = the_event(services.TEAMS_BULK)
    assert (event.object_type, event.area_code, event.after["rows"]) == ("personnel.workteam", NUJIANG, 3)
    assert event.after["ids"] == [created[0].pk, created[2].pk]


def test_teams_refused_as_team_save_refuses_them(unit):
    services.team_save(actor=system(), data=team_fields(unit, SANHE, D(2018, 1, 1), D(2018, 6, 30)))
    cases = [team_fields(unit, LUSHUI), team_fields(None), team_fields(unit, dispatch_level="bogus"),
             team_fields(unit, start=None), team_fields(unit, start=D(2018, 5, 1), end=D(2018, 4, 30)),
             team_fields(unit, SANHE, D(2018, 6, 30))]
    expected = [refused(services.team_save, **fields) for fields in cases]
    assert [field for field, _message in expected] == ["village", "unit", "dispatch_level", "start_date", "end_date",
                                                       "start_date"]
    assert expected[5][1] == ("Another team serves this village from 2018-01-01 to 2018-06-30; one team serves a "
                              "village at a time.")
    first, second = team_fields(unit, SHUANGKUIDI), team_fields(unit, SHUANGKUIDI, D(2019, 1, 1))
    within = refused_after(services.team_save, first, second)
    assert within == ("start_date", "Another team serves this village from 2018-01-01 to now; one team serves a "
                                    "village at a time.")
    records = [WorkTeam(**fields) for fields in [*cases, first, second]]
    with nothing_written(WorkTeam):
        found = problems(bulk.teams_bulk_create, records)
    assert found == [(k, *e) for k, e in enumerate(expected)] + [(7, *within)]


def test_a_team_without_a_village(unit):
    expected = refused(services.team_save, **team_fields(unit, village=None))
    assert expected == ("village", "Give the village.")
    with nothing_written(WorkTeam):
        assert problems(bulk.teams_bulk_create, [WorkTeam(**team_fields(unit)), WorkTeam(**team_fields(
            unit, village=None))]) == [(1, *expected)]


def test_teams_outside_the_grant_refuse_the_call(unit):
    elsewhere = make_user(actions=["view", "change"], area=LAZHUDI)
    records = [WorkTeam(**team_fields(unit, LAZHUDI)), WorkTeam(**team_fields(unit, LUZHANG))]
    with nothing_written(WorkTeam), pytest.raises(PermissionDenied):
        bulk.teams_bulk_create(actor=elsewhere, records=records)


def test_teams_dry_run_writes_nothing(unit):
    with nothing_written(WorkTeam):
        checked = bulk.teams_bulk_create(actor=system(), records=[WorkTeam(**team_fields(unit))], dry_run=True)
    assert checked[0].pk is None


def test_team_queries_do_not_grow(unit):
    # One village, one-month terms one after another: every team is checked against the stored and earlier ones.
    small, large = query_count(bulk.teams_bulk_create, lambda n, offset: [
        WorkTeam(village_id=LUZHANG, unit_id=unit.pk, dispatch_level="county",
                 start_date=D(2000 + (offset + k) // 12, (offset + k) % 12 + 1, 1),
                 end_date=D(2000 + (offset + k) // 12, (offset + k) % 12 + 1, 28)) for k in range(n)])
    assert small == large


# Memberships ----------------------------------------------------------------------------------------------------
@pytest.fixture
def teams(unit):
    return (services.team_save(actor=system(), data=team_fields(unit, LUZHANG, D(2018, 1, 1), D(2019, 12, 31))),
            services.team_save(actor=system(), data=team_fields(unit, SANHE, dispatch_level="province")))


def cadres(count, first=0):
    return bulk.cadres_bulk_create(actor=system(), records=[Cadre(**cadre_fields(f"干部{first + k}", first + k))
                                                             for k in range(count)])


def test_memberships_are_created_with_one_audit_event(teams):
    t1, t2 = teams
    c = cadres(3)
    records = [TeamMembership(team=t1, cadre=c[0], role="captain", start_date=D(2018, 1, 1)),
               TeamMembership(team=t1, cadre=c[0], role="first_secretary", start_date=D(2018, 1, 1)),
               TeamMembership(team_id=t1.pk, cadre_id=c[1].pk, dispatch_level="province", start_date=D(2018, 2, 1)),
               TeamMembership(team=t2, cadre=c[2], start_date=D(2018, 3, 1), end_date=D(2018, 12, 31))]
    created = bulk.memberships_bulk_create(actor=system(), records=records)
    assert list(TeamMembership.objects.order_by("pk").values_list("cadre_id", "role", "dispatch_level")) == [
        (c[0].pk, "captain", "county"), (c[0].pk, "first_secretary", "county"), (c[1].pk, "member", "province"),
        (c[2].pk, "member", "province")]
    event = the_event(services.MEMBERSHIPS_BULK)
    assert (event.object_type, event.area_code, event.after["rows"]) == ("personnel.teammembership",
                                                                          LUZHANG_TOWN, 4)
    assert event.after["ids"] == [created[0].pk, created[3].pk]


def test_memberships_refused_as_membership_save_refuses_them(teams):
    t1, t2 = teams
    c = cadres(12)
    register_poor_household(area=SANHE, size=1).members.update(id_number=c[4].id_number)
    services.membership_save(actor=system(), data={"team": t2, "cadre": c[5], "role": "captain",
                                                   "start_date": D(2018, 1, 1)})

    def fields(team, k, role="member", start=JUNE, **extra):
        return {"team": team, "cadre": c[k], "role": role, "start_date": start, **extra}

    cases = [fields(t1, 0, "bogus"), fields(t1, 1, dispatch_level="bogus"), fields(t1, 2, start=None),
             fields(t1, 3, start=D(2017, 6, 1)), fields(t1, 4), fields(t2, 6, "captain", D(2019, 1, 1)),
             fields(t1, 5)]
    expected = [refused(services.membership_save, **data) for data in cases]
    assert [field for field, _message in expected] == ["role", "dispatch_level", "start_date", "start_date", "cadre",
                                                       "role", "cadre"]
    assert expected[3][1] == "The member's term must lie within the team's term (2018-01-01 to 2019-12-31)."
    assert expected[5][1] == "干部5 is already captain of this team in that period."
    assert expected[6][1] == "干部5 already serves in a team in that period."
    # Within the call: a second captain of t1, and a cadre put in both teams.
    captains = fields(t1, 7, "captain", D(2018, 1, 1)), fields(t1, 8, "captain", D(2019, 6, 1))
    twice = fields(t1, 9), fields(t2, 9, start=D(2018, 7, 1))
    within = [refused_after(services.membership_save, *captains), refused_after(services.membership_save, *twice)]
    assert within == [("role", "干部7 is already captain of this team in that period."),
                      ("cadre", "干部9 already serves in a team in that period.")]
    records = [TeamMembership(**data) for data in [*cases, *captains, *twice]]
    with nothing_written(TeamMembership):
        found = problems(bulk.memberships_bulk_create, records)
    assert found == [(k, *e) for k, e in enumerate(expected)] + [(8, *within[0]), (10, *within[1])]


def test_a_membership_without_a_team(teams):
    c = cadres(1)
    expected = refused(services.membership_save, team=None, cadre=c[0], start_date=D(2018, 1, 1))
    assert expected == ("team", "Give the team and the cadre.")
    records = [TeamMembership(team=teams[0], cadre=c[0], start_date=D(2018, 1, 1)),
               TeamMembership(cadre=c[0], start_date=D(2018, 1, 1))]
    with nothing_written(TeamMembership):
        assert problems(bulk.memberships_bulk_create, records) == [(1, *expected)]


def test_memberships_outside_the_grant_refuse_the_call(teams):
    elsewhere = make_user(actions=["view", "change"], area=SANHE)
    c = cadres(2)
    records = [TeamMembership(team=teams[1], cadre=c[0], start_date=D(2018, 1, 1)),
               TeamMembership(team=teams[0], cadre=c[1], start_date=D(2018, 1, 1))]
    with nothing_written(TeamMembership), pytest.raises(PermissionDenied):
        bulk.memberships_bulk_create(actor=elsewhere, records=records)


def test_memberships_dry_run_writes_nothing(teams):
    c = cadres(1)
    with nothing_written(TeamMembership):
        checked = bulk.memberships_bulk_create(actor=system(), records=[
            TeamMembership(team=teams[1], cadre=c[0], start_date=D(2018, 1, 1))], dry_run=True)
    assert (checked[0].pk, checked[0].dispatch_level) == (None, "province")


def test_membership_queries_do_not_grow(teams):
    c = cadres(56)
    # By id, as a loader gives them: the teams and cadres are fetched per chunk, not per record.
    small, large = query_count(bulk.memberships_bulk_create, lambda n, offset: [
        TeamMembership(team_id=teams[1].pk, cadre_id=c[offset + k].pk, start_date=D(2018, 1, 1)) for k in range(n)])
    assert small == large


# Contact leaders ------------------------------------------------------------------------------------------------
def test_contacts_are_created_with_one_audit_event(unit):
    c = cadres(2)
    records = [ContactLeader(cadre=c[0], level="county", area_id=LUZHANG, start_date=D(2018, 1, 1)),
               ContactLeader(cadre=c[0], level="county", area_id=FUGONG, start_date=D(2018, 1, 1)),
               ContactLeader(cadre_id=c[1].pk, level="province", area_id=LUZHANG, start_date=D(2018, 1, 1))]
    created = bulk.contacts_bulk_create(actor=system(), records=records)
    assert ContactLeader.objects.count() == 3
    event = the_event(services.CONTACTS_BULK)
    assert (event.object_type, event.area_code, event.after["rows"]) == ("personnel.contactleader", NUJIANG, 3)
    assert event.after["ids"] == [created[0].pk, created[2].pk]


def test_contacts_refused_as_contact_save_refuses_them(unit):
    c = cadres(8)
    register_poor_household(area=SANHE, size=1).members.update(id_number=c[4].id_number)
    stored = {"cadre": c[5], "level": "county", "area": area(SANHE), "start_date": D(2018, 1, 1),
              "end_date": D(2018, 12, 31)}
    services.contact_save(actor=system(), data=stored)

    def fields(k, code=SANHE, level="county", start=NEW_YEAR, **extra):
        return {"cadre": c[k], "level": level, "area": area(code), "start_date": start, **extra}

    cases = [fields(0, LUZHANG_TOWN), fields(1, level="bogus"), fields(2, start=None),
             fields(3, end_date=D(2017, 12, 31)), fields(4), fields(5, start=D(2018, 12, 31))]
    expected = [refused(services.contact_save, **data) for data in cases]
    assert [field for field, _message in expected] == ["area", "level", "start_date", "end_date", "cadre",
                                                       "start_date"]
    assert expected[5][1] == "This leader already contacts this area in that period."
    twice = fields(6), fields(6, start=D(2019, 1, 1))
    within = refused_after(services.contact_save, *twice)
    assert within == expected[5]
    records = [ContactLeader(**data) for data in [*cases, *twice, fields(5, start=D(2019, 1, 1))]]
    with nothing_written(ContactLeader):
        found = problems(bulk.contacts_bulk_create, records)
    assert found == [(k, *e) for k, e in enumerate(expected)] + [(7, *within)]


def test_a_contact_without_an_area(unit):
    c = cadres(1)
    expected = refused(services.contact_save, cadre=c[0], level="county", area=None, start_date=D(2018, 1, 1))
    assert expected == ("area", "Give the leader and the area contacted.")
    records = [ContactLeader(cadre=c[0], level="county", area_id=LUZHANG, start_date=D(2018, 1, 1)),
               ContactLeader(cadre=c[0], level="county", start_date=D(2018, 1, 1))]
    with nothing_written(ContactLeader):
        assert problems(bulk.contacts_bulk_create, records) == [(1, *expected)]


def test_contacts_outside_the_grant_refuse_the_call(unit):
    elsewhere = make_user(actions=["view", "change"], area=FUGONG)
    c = cadres(1)
    records = [ContactLeader(cadre=c[0], level="county", area_id=FUGONG, start_date=D(2018, 1, 1)),
               ContactLeader(cadre=c[0], level="county", area_id=LUZHANG, start_date=D(2018, 1, 1))]
    with nothing_written(ContactLeader), pytest.raises(PermissionDenied):
        bulk.contacts_bulk_create(actor=elsewhere, records=records)


def test_contacts_dry_run_writes_nothing(unit):
    c = cadres(1)
    with nothing_written(ContactLeader):
        checked = bulk.contacts_bulk_create(actor=system(), records=[
            ContactLeader(cadre=c[0], level="county", area_id=LUZHANG, start_date=D(2018, 1, 1))], dry_run=True)
    assert checked[0].pk is None


def test_contact_queries_do_not_grow(unit):
    c = cadres(56)
    small, large = query_count(bulk.contacts_bulk_create, lambda n, offset: [
        ContactLeader(cadre_id=c[offset + k].pk, level="county", area_id=LUZHANG, start_date=D(2018, 1, 1))
        for k in range(n)])
    assert small == large


# Training -------------------------------------------------------------------------------------------------------
def programme_fields(name="电商培训", code=LUSHUI, **extra):
    return {"name": name, "year": 2018, "area": area(code), "kind": "vocational", **extra}


def test_programmes_are_created_with_one_audit_event(unit):
    records = [TrainingProgramme(**programme_fields(" 电商培训 ")),
               TrainingProgramme(**programme_fields("种植技术", FUGONG, budget=Decimal("50000"), organiser=unit))]
    created = bulk.programmes_bulk_create(actor=system(), records=records)
    assert list(TrainingProgramme.objects.order_by("pk").values_list("name", "budget")) == [
        ("电商培训", Decimal("0")), ("种植技术", Decimal("50000"))]
    event = the_event(services.PROGRAMMES_BULK)
    assert (event.object_type, event.area_code, event.after["rows"]) == ("personnel.trainingprogramme", NUJIANG, 2)
    assert event.after["ids"] == [created[0].pk, created[1].pk]


def test_programmes_refused_as_programme_save_refuses_them(unit):
    cases = [programme_fields(" "), programme_fields(kind="bogus"), programme_fields(year=1999),
             programme_fields(budget=Decimal("-1"))]
    expected = [refused(services.programme_save, **data) for data in cases]
    assert expected == [("name", "The name must not be empty."), ("kind", "Unknown kind of training “bogus”."),
                        ("year", "Give the year of the programme."), ("budget", "The budget cannot be negative.")]
    with nothing_written(TrainingProgramme):
        found = problems(bulk.programmes_bulk_create, [TrainingProgramme(**data) for data in cases])
    assert found == [(k, *e) for k, e in enumerate(expected)]
    missing = refused(services.programme_save, **programme_fields(area=None))
    with nothing_written(TrainingProgramme):
        assert problems(bulk.programmes_bulk_create, [TrainingProgramme(**programme_fields(area=None))]) == [
            (0, *missing)]


def test_programmes_outside_the_grant_refuse_the_call(unit):
    elsewhere = make_user(actions=["view", "change"], area=FUGONG)
    with nothing_written(TrainingProgramme), pytest.raises(PermissionDenied):
        bulk.programmes_bulk_create(actor=elsewhere, records=[TrainingProgramme(**programme_fields())])


def test_programmes_dry_run_and_queries(unit):
    with nothing_written(TrainingProgramme):
        bulk.programmes_bulk_create(actor=system(), records=[TrainingProgramme(**programme_fields())], dry_run=True)
    small, large = query_count(bulk.programmes_bulk_create, lambda n, offset: [
        TrainingProgramme(**programme_fields(f"培训{offset + k}")) for k in range(n)])
    assert small == large


@pytest.fixture
def programmes(unit):
    return (services.programme_save(actor=system(), data=programme_fields()),
            services.programme_save(actor=system(), data=programme_fields("种植技术", NUJIANG, kind="practical")))


def test_trainees_are_created_with_one_audit_event(programmes):
    p1, p2 = programmes
    a, b = register_poor_household(area=LUZHANG, size=2).members.order_by("pk")
    c = cadres(1)
    records = [Trainee(programme=p1, member_id=a.pk, completed=True), Trainee(programme=p1, member_id=b.pk),
               Trainee(programme=p1, cadre=c[0], moved_into_job=True, job_date=D(2018, 9, 1)),
               Trainee(programme_id=p2.pk, member_id=a.pk)]
    created = bulk.trainees_bulk_create(actor=system(), records=records)
    assert list(Trainee.objects.order_by("pk").values_list("programme_id", "member_id", "cadre_id")) == [
        (p1.pk, a.pk, None), (p1.pk, b.pk, None), (p1.pk, None, c[0].pk), (p2.pk, a.pk, None)]
    event = the_event(services.TRAINEES_BULK)
    assert (event.object_type, event.area_code, event.after["rows"]) == ("personnel.trainee", NUJIANG, 4)
    assert event.after["ids"] == [created[0].pk, created[3].pk]


def as_the_demo_gives(data: dict) -> Trainee:
    """A trainee with its programme as an object and its member by id."""
    data = dict(data)
    if "member" in data:
        data["member_id"] = data.pop("member").pk
    return Trainee(**data)


def test_trainees_refused_as_trainee_save_refuses_them(programmes):
    p1, p2 = programmes
    a, b, d = register_poor_household(area=LUZHANG, size=3).members.order_by("pk")
    c = cadres(1)
    services.trainee_save(actor=system(), data={"programme": p1, "member": a})
    cases = [{"programme": p1}, {"programme": p1, "member": b, "cadre": c[0]},
             {"programme": p1, "member": b, "job_date": D(2018, 9, 1)}, {"programme": p1, "member": a}]
    expected = [refused(services.trainee_save, **data) for data in cases]
    assert expected == [("member", "A trainee is either a registered member or a cadre."),
                        ("member", "A trainee is either a registered member or a cadre."),
                        ("moved_into_job", "A job date is given but the trainee has not moved into a job."),
                        ("member", "This person is already enrolled in the programme.")]
    twice = {"programme": p2, "member": d}, {"programme": p2, "member": d}
    within = refused_after(services.trainee_save, *twice)
    assert within == expected[3]
    records = [as_the_demo_gives(data) for data in [*cases, *twice]]
    with nothing_written(Trainee):
        found = problems(bulk.trainees_bulk_create, records)
    assert found == [(k, *e) for k, e in enumerate(expected)] + [(5, *within)]


def test_a_trainee_without_a_programme(programmes):
    a = register_poor_household(area=LUZHANG, size=1).members.get()
    expected = refused(services.trainee_save, member=a)
    assert expected == ("programme", "Give the programme.")
    with nothing_written(Trainee):
        assert problems(bulk.trainees_bulk_create, [Trainee(programme=programmes[0], member_id=a.pk),
                                                    Trainee(member_id=a.pk)]) == [(1, *expected)]


def test_trainees_outside_the_grant_refuse_the_call(programmes):
    elsewhere = make_user(actions=["view", "change"], area=FUGONG)
    c = cadres(1)
    with nothing_written(Trainee), pytest.raises(PermissionDenied):
        bulk.trainees_bulk_create(actor=elsewhere, records=[Trainee(programme=programmes[0], cadre=c[0])])


def test_trainees_dry_run_writes_nothing(programmes):
    c = cadres(1)
    with nothing_written(Trainee):
        checked = bulk.trainees_bulk_create(actor=system(), records=[Trainee(programme=programmes[0], cadre=c[0])],
                                            dry_run=True)
    assert checked[0].pk is None


def test_trainee_queries_do_not_grow(programmes):
    c = cadres(56)
    small, large = query_count(bulk.trainees_bulk_create, lambda n, offset: [
        Trainee(programme_id=programmes[0].pk, cadre_id=c[offset + k].pk) for k in range(n)])
    assert small == large
