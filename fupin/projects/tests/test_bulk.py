"""Fundings and beneficiaries in bulk: the single services' rules, refused with their messages and the record's
position, nothing written on a refusal, one audit event, and a query count that does not grow with the records."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.projects import services
from fupin.projects.bulk import beneficiaries_bulk_create, fundings_bulk_create
from fupin.projects.models import ProjectBeneficiary, ProjectFunding
from fupin.records.batches import RecordsInvalid
from fupin.registry.models import Member
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
LUSHUI, LUZHANG, SANHE, LAZHUDI = "533301000000", "533301102201", "533301102202", "533323101201"


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def make_project(area=LUZHANG, name="产业项目"):
    return services.project_save(actor=system_user(), data={"name": name, "type": "industry",
                                                            "area": Area.objects.get(code=area), "year": 2019})


def _single_error(save, data) -> tuple[str, str]:
    """The field and message the single-record service refuses `data` with."""
    with pytest.raises(ValidationFailed) as refused:
        save(actor=system_user(), data=data)
    return refused.value.field, str(refused.value)


def _refused(create, records, count_of) -> list[tuple[int, str, str]]:
    """The problems of a refused bulk call, after checking nothing was written."""
    rows, events = count_of(), AuditEvent.objects.count()
    with pytest.raises(RecordsInvalid) as refused:
        create(actor=system_user(), records=records)
    assert (count_of(), AuditEvent.objects.count()) == (rows, events)
    return [(p.index, p.field, p.message) for p in refused.value.problems]


def _funding(project, source="central_fiscal", planned="100", actual="80"):
    return ProjectFunding(project_id=project.pk, source=source, planned=Decimal(planned), actual=Decimal(actual))


def test_fundings_are_created_with_one_audit_event():
    first, second = make_project(), make_project(SANHE, "道路项目")
    created = fundings_bulk_create(actor=system_user(), records=[
        _funding(first), _funding(first, "paired_unit", "50", "50"), _funding(second)])
    assert all(f.pk for f in created)
    assert sorted(ProjectFunding.objects.values_list("project_id", "source", "planned")) == sorted([
        (first.pk, "central_fiscal", Decimal("100")), (first.pk, "paired_unit", Decimal("50")),
        (second.pk, "central_fiscal", Decimal("100"))])
    event = AuditEvent.objects.get(action=services.FUNDINGS_BULK)
    assert (event.object_type, event.after["rows"], event.area_code) == (
        "projects.projectfunding", 3, "533301102000")  # the township holding both villages


def test_fundings_refused_as_the_single_service_refuses_them():
    project = make_project()
    services.funding_save(actor=system_user(), data={"project": project, "source": "paired_unit",
                                                     "planned": Decimal(1), "actual": Decimal(1)})
    cases = [({"source": "lottery"}, "source"), ({"source": "central_fiscal", "planned": "-1"}, "planned"),
             ({"source": "donation", "actual": "-0.01"}, "planned"),
             ({"source": "paired_unit"}, "source")]  # the last: a row of that source is stored
    records, expected = [_funding(project, "east_west_aid")], []  # a valid first record: indexes are positions
    for index, (change, field) in enumerate(cases, 1):
        values = {"planned": "100", "actual": "80", **change}
        records.append(_funding(project, **values))
        single = _single_error(services.funding_save, {
            "project": project, "source": values["source"], "planned": Decimal(values["planned"]),
            "actual": Decimal(values["actual"])})
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(fundings_bulk_create, records, ProjectFunding.objects.count) == expected
    assert [message for _index, _field, message in expected] == [
        "未知的资金来源“lottery”。", "金额不能为负数。", "金额不能为负数。",
        "该项目已有来自“定点帮扶”的资金；请修改该行。"]


def test_a_second_row_of_a_source_within_the_call():
    project = make_project()
    problems = _refused(fundings_bulk_create, [_funding(project), _funding(project, "paired_unit"),
                                               _funding(project)], ProjectFunding.objects.count)
    assert problems == [(2, "source", "该项目已有来自“中央财政”的资金；请修改该行。")]


def test_fundings_need_the_projects_area():
    project = make_project()
    outsider = make_user(actions=["view", "change"], area="533323000000")
    with pytest.raises(PermissionDenied):
        fundings_bulk_create(actor=outsider, records=[_funding(project)])
    assert (ProjectFunding.objects.count(), AuditEvent.objects.filter(action=services.FUNDINGS_BULK).count()) == (0, 0)
    village_clerk = make_user(actions=["view", "change"], area=LUZHANG)
    assert len(fundings_bulk_create(actor=village_clerk, records=[_funding(project)])) == 1


def test_fundings_dry_run_writes_nothing():
    project = make_project()
    checked = fundings_bulk_create(actor=system_user(), records=[_funding(project)], dry_run=True)
    assert len(checked) == 1 and checked[0].pk is None
    assert (ProjectFunding.objects.count(), AuditEvent.objects.filter(action=services.FUNDINGS_BULK).count()) == (0, 0)


SOURCES = ("central_fiscal", "provincial_fiscal", "paired_unit", "east_west_aid", "donation")


def _queries(make_records, create) -> int:
    records = make_records()
    with CaptureQueriesContext(connection) as queries:
        create(actor=system_user(), records=records)
    return len(queries)


def test_funding_queries_do_not_grow_with_the_records():
    few = [make_project(name=f"少{k}") for k in range(1)]
    many = [make_project(name=f"多{k}") for k in range(10)]
    small = _queries(lambda: [_funding(p, s) for p in few for s in SOURCES], fundings_bulk_create)
    large = _queries(lambda: [_funding(p, s) for p in many for s in SOURCES], fundings_bulk_create)
    assert (ProjectFunding.objects.count(), large) == (55, small)


# Beneficiaries ---------------------------------------------------------------------------------------------------

def _beneficiary(project, household, **values):
    return ProjectBeneficiary(project=project, household_id=household.pk, **{
        "mechanism": "dividends", "amount": Decimal("500"), "persons": 2, **values})


def test_beneficiaries_are_created_with_one_audit_event():
    project = make_project(LUSHUI)
    here, there = register_poor_household(area=LUZHANG, size=2), register_poor_household(area=SANHE, size=3)
    member = there.members.first()
    beneficiaries_bulk_create(actor=system_user(), records=[
        _beneficiary(project, here), _beneficiary(project, there, member_id=member.pk, persons=1)])
    assert sorted(ProjectBeneficiary.objects.values_list("household_id", "member_id", "persons")) == sorted([
        (here.pk, None, 2), (there.pk, member.pk, 1)])
    event = AuditEvent.objects.get(action=services.BENEFICIARIES_BULK)
    assert (event.object_type, event.after["rows"], event.area_code) == ("projects.projectbeneficiary", 2, LUSHUI)


def test_beneficiaries_refused_as_the_single_service_refuses_them():
    project = make_project()  # in 鲁掌: households anywhere in 泸水 may benefit
    household, other = register_poor_household(area=SANHE, size=2), register_poor_household(area=LUZHANG, size=1)
    far = register_poor_household(area=LAZHUDI, size=1)  # in 福贡
    own, foreign = household.members.first(), other.members.get()
    cases = [(far, {}, "household"), (household, {"member": foreign, "persons": 1}, "member"),
             (household, {"mechanism": "charity"}, "mechanism"), (household, {"amount": Decimal("-1")}, "amount"),
             (household, {"persons": 0}, "persons"), (household, {"member": own, "persons": 2}, "persons")]
    records, expected = [_beneficiary(project, household)], []
    for index, (who, change, field) in enumerate(cases, 1):
        values = {"mechanism": "dividends", "amount": Decimal("500"), "persons": 2, **change}
        member = values.pop("member", None)
        records.append(_beneficiary(project, who, member_id=member and member.pk, **values))
        single = _single_error(services.beneficiary_save, {"project": project, "household": who, "member": member,
                                                           **values})
        assert single[0] == field
        expected.append((index, *single))
    assert _refused(beneficiaries_bulk_create, records, ProjectBeneficiary.objects.count) == expected
    assert [message for _index, _field, message in expected] == [
        "该户不在项目所在县。", "该成员不属于该户。", "未知的利益联结机制“charity”。", "金额不能为负数。",
        "受益人数至少为 1 人。", "只惠及一名成员的，受益人数应为 1。"]


def test_beneficiaries_need_the_projects_area():
    project = make_project()
    household = register_poor_household(area=LUZHANG, size=1)
    # Granted the household's village, not the project's (a county project): refused.
    county_project = make_project(LUSHUI)
    clerk = make_user(actions=["view", "change"], area=LUZHANG)
    with pytest.raises(PermissionDenied):
        beneficiaries_bulk_create(actor=clerk, records=[_beneficiary(project, household),
                                                        _beneficiary(county_project, household)])
    assert ProjectBeneficiary.objects.count() == 0
    assert not AuditEvent.objects.filter(action=services.BENEFICIARIES_BULK).exists()


def test_beneficiaries_dry_run_writes_nothing():
    project, household = make_project(), register_poor_household(area=LUZHANG, size=2)
    beneficiaries_bulk_create(actor=system_user(), records=[_beneficiary(project, household)], dry_run=True)
    assert ProjectBeneficiary.objects.count() == 0
    assert not AuditEvent.objects.filter(action=services.BENEFICIARIES_BULK).exists()


def test_beneficiary_queries_do_not_grow_with_the_records():
    """Records as a loader would give them (ids only), over more projects, households and members as they grow."""
    projects = [make_project((LUSHUI, LUZHANG)[k % 2], f"项目{k}") for k in range(10)]
    households = [register_poor_household(area=(LUZHANG, SANHE)[k % 2], size=1) for k in range(10)]
    members = dict(Member.objects.filter(household__in=households).values_list("household_id", "pk"))

    def records(count, spread):
        return [ProjectBeneficiary(project_id=projects[k % spread].pk, household_id=households[k % spread].pk,
                                   member_id=members[households[k % spread].pk] if k % 3 == 0 else None,
                                   mechanism="wages", amount=Decimal(100), persons=1) for k in range(count)]

    small = _queries(lambda: records(5, 1), beneficiaries_bulk_create)
    large = _queries(lambda: records(50, 10), beneficiaries_bulk_create)
    assert (ProjectBeneficiary.objects.count(), large) == (55, small)
