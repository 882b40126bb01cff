import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from fupin.audit.models import AuditEvent
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.registry import services
from fupin.registry.masking import mask_id_number
from fupin.registry.models import (
    DuplicateCandidate,
    Household,
    HouseholdYear,
    Member,
    MemberEvent,
    StatusTransition,
)
from fupin.registry.validation import RegistryInvalid
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    system_user,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2019, 10, 15)


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def test_registration_writes_household_members_year_and_first_transition():
    result = register_household(year=2018, year_data={"wage_income": "6000", "transfer_income": "1000",
                                                      "size_end": 2, "housing_grade": "C级"})
    household = result.household
    assert (household.county_code, household.attribute, household.main_cause, household.status) == (
        "533301", "01", "07", "0")
    assert [m.name for m in household.members.order_by("relation")] == ["张三", "李四"]
    year = HouseholdYear.objects.get(household=household, year=2018)
    assert (year.net_income, year.net_income_per_capita, year.housing_grade) == (
        Decimal("7000.00"), Decimal("3500.00"), "C")
    assert StatusTransition.objects.get(household=household).to_status == "0"
    event = AuditEvent.objects.get(action="registry.household_registered")
    assert event.after["members"][0]["id_number"] == mask_id_number(id_number())  # never raw in the audit trail


def test_consistency_warnings_do_not_refuse():
    result = register_household(main_cause="因残")
    assert [w.rule for w in result.warnings] == ["cause_members"]
    assert Household.objects.count() == 1


def test_hard_problems_refuse_everything_and_list_every_problem():
    members = [member_data(id_number="533301198001010011"), member_data(name="", relation="之女")]
    with pytest.raises(RegistryInvalid) as caught:
        register_household(members=members)
    assert [(p.field, p.member) for p in caught.value.problems] == [("id_number", 0), ("name", 1)]
    assert not Household.objects.exists() and not Member.objects.exists()


def test_the_same_id_number_is_refused_across_counties_naming_the_household():
    register_household()
    with pytest.raises(Conflict) as caught:
        register_household(area="533323101201", number="533323101201001",
                           members=[member_data(name="王五")])
    with translation.override("en"):
        assert str(caught.value) == (f"ID number {mask_id_number(id_number())} is already registered in household "
                                     "533301102201001 of 鲁掌村委会.")
    assert Household.objects.count() == 1


def test_household_numbers_are_unique_within_a_county_only():
    register_household()
    with pytest.raises(Conflict):
        register_household(area="533301102202", members=[member_data(id_number=id_number(sequence="011"))])
    other_county = register_household(area="533323101201", members=[member_data(id_number=id_number(sequence="013"))])
    assert other_county.household.number == "533301102201001"


def test_only_villages_inside_the_grant():
    clerk = make_user(actions=["view", "change"], area="533323000000")
    with pytest.raises(PermissionDenied):
        register_household(actor=clerk)
    with pytest.raises(ValidationFailed):
        register_household(area="533301102000")


def test_optimistic_locking_refuses_a_stale_version():
    household = register_household().household
    services.household_update(actor=system_user(), household=household, version=1, changes={"phone": "13812345678"})
    stale = Household.objects.get(pk=household.pk)
    stale.version = 1
    with pytest.raises(Conflict):
        services.household_update(actor=system_user(), household=stale, version=1, changes={"phone": "13900000000"})
    assert Household.objects.get(pk=household.pk).phone == "13812345678"
    assert Household.objects.get(pk=household.pk).version == 2


def test_member_update_rederives_keys_and_checks_ids():
    household = register_household().household
    spouse = household.members.get(relation="02")
    services.member_update(actor=system_user(), member=spouse, household_version=1, changes={"name": "李 思"})
    spouse.refresh_from_db()
    assert (spouse.name_simplified, spouse.name_pinyin, spouse.name_initials) == ("李思", "lisi", "ls")
    with pytest.raises(RegistryInvalid):
        services.member_update(actor=system_user(), member=spouse, household_version=2,
                               changes={"relation": "户主"})


def test_members_join_and_leave_as_dated_events():
    household = register_household().household
    baby = services.member_join(actor=system_user(), household=household, household_version=1,
                                data=member_data(name="张小宝", id_number=id_number(birth="20190301", sequence="031"),
                                                 relation="之子", labour="无劳动力"),
                                kind="birth", date=datetime.date(2019, 3, 1))
    head = household.members.get(relation="01")
    with pytest.raises(ValidationFailed):
        services.member_leave(actor=system_user(), member=head, household_version=2, kind="death", date=DAY)
    spouse = household.members.get(relation="02")
    services.member_leave(actor=system_user(), member=head, household_version=2, kind="death", date=DAY,
                          new_head=spouse)
    head.refresh_from_db()
    assert (head.is_active, head.left_on) == (False, DAY)
    assert household.members.get(is_active=True, relation="01").name == "李四"
    assert [(e.member.name, e.kind, e.joined) for e in MemberEvent.objects.order_by("id")] == [
        ("张小宝", "birth", True), ("张三", "death", False)]
    assert baby.birth_date == datetime.date(2019, 3, 1)
    # The person who died frees their ID number only as history: it stays on the inactive record.
    assert Member.objects.filter(id_number=head.id_number).count() == 1


def test_split_and_merge_keep_the_history():
    members = [member_data(), member_data(name="李四", id_number=id_number(birth="19820304", sequence="002"),
                                          relation="配偶"),
               member_data(name="张大", id_number=id_number(birth="19990101", sequence="013"), relation="之子"),
               member_data(name="赵红", id_number=id_number(birth="20000101", sequence="024"), relation="之儿媳")]
    household = register_household(members=members).household
    son = household.members.get(name="张大")
    daughter_in_law = household.members.get(name="赵红")
    new = services.household_split(actor=system_user(), household=household, household_version=1,
                                   member_ids=[son.pk, daughter_in_law.pk], new_number="533301102201002",
                                   relations={son.pk: "01", daughter_in_law.pk: "02"}, date=DAY)
    assert sorted(new.members.values_list("name", "relation")) == [("张大", "01"), ("赵红", "02")]
    assert sorted(household.members.filter(is_active=True).values_list("name", flat=True)) == ["张三", "李四"]
    assert MemberEvent.objects.filter(kind="split").count() == 4
    assert StatusTransition.objects.get(household=new).reason == "分户自 533301102201001"

    services.household_merge(actor=system_user(), source=new, source_version=1, target=household,
                             target_version=2, relations={}, date=datetime.date(2020, 5, 1))
    new.refresh_from_db()
    assert new.status == "9"
    assert new.transitions.last().evidence == {"merged_into": "533301102201001"}
    assert household.members.filter(is_active=True).count() == 4
    assert Member.objects.filter(name="张大").count() == 3  # original, after split, after merge: all kept
    assert MemberEvent.objects.filter(kind="merge").count() == 4


def test_status_transitions_follow_the_allowed_paths_and_set_exit_fields():
    household = register_household().household
    services.household_transition(actor=system_user(), household=household, version=1, to_status="已脱贫",
                                  effective_date=datetime.date(2018, 12, 20), reason="达到脱贫标准")
    household.refresh_from_db()
    assert (household.status, household.exit_year, household.attribute) == ("1", 2018, "05")
    services.household_transition(actor=system_user(), household=household, version=2, to_status="返贫",
                                  effective_date=datetime.date(2019, 6, 1), reason="因病返贫")
    household.refresh_from_db()
    assert (household.status, household.return_year, household.attribute) == ("3", 2019, "01")
    with pytest.raises(ValidationFailed):
        services.household_transition(actor=system_user(), household=household, version=3, to_status="新识别",
                                      effective_date=DAY, reason="x")
    assert [t.to_status for t in household.transitions.order_by("id")] == ["0", "1", "3"]


def test_transitions_need_the_approve_action():
    household = register_household().household
    operator = make_user(actions=["view", "change"], area="533301000000")
    with pytest.raises(PermissionDenied):
        services.household_transition(actor=operator, household=household, version=1, to_status="1",
                                      effective_date=DAY, reason="x")


def test_year_record_recomputes_income():
    household = register_household().household
    row = services.household_year_save(actor=system_user(), household=household, year=2019,
                                       data={"wage_income": "9000", "business_expense": "1000"})
    assert (row.size_end, row.net_income, row.net_income_per_capita) == (2, Decimal("8000.00"), Decimal("4000.00"))
    with pytest.raises(RegistryInvalid) as refused:  # the stored ledger gives 4,000: a contradicting figure
        services.household_year_save(actor=system_user(), household=household, year=2019,
                                     data={"net_income_per_capita": "3300"})
    assert [(p.field, p.params) for p in refused.value.problems] == [
        ("net_income_per_capita", {"given": Decimal("3300.00"), "computed": Decimal("4000.00")})]
    row = services.household_year_save(actor=system_user(), household=household, year=2020,
                                       data={"net_income_per_capita": "3300"})  # a figure without its ledger
    assert (row.net_income_per_capita, row.net_income, row.wage_income) == (Decimal("3300.00"),
                                                                            Decimal("6600.00"), None)
    assert HouseholdYear.objects.count() == 2


def test_possible_duplicates_without_id_go_to_review():
    register_household(members=[member_data(id_number="", sex="男", birth_date="1950-02-03", name="罗扎")])
    second = register_household(number="533301102201002",
                                members=[member_data(id_number="", sex="男", birth_date="1950-02-03",
                                                     name="羅扎")])
    assert second.possible_duplicates == 1
    candidate = DuplicateCandidate.objects.get()
    services.duplicate_decide(actor=system_user(), candidate=candidate, decision="merged", note="同一人")
    candidate.other.refresh_from_db()
    assert candidate.other.is_active is False
    with pytest.raises(Conflict):
        services.duplicate_decide(actor=system_user(), candidate=candidate, decision="distinct")
    assert AuditEvent.objects.filter(action="registry.duplicate_decided").count() == 1


def test_sensitive_values_need_the_action_and_are_audited():
    household = register_household(phone="13812345678").household
    viewer = make_user(actions=["view"], area="533301000000")
    approver = make_user(role="county_approver", area="533301000000")
    with pytest.raises(PermissionDenied):
        services.sensitive_value(actor=viewer, obj=household, field_name="phone")
    assert services.sensitive_value(actor=approver, obj=household, field_name="phone") == "13812345678"
    event = AuditEvent.objects.get(action="registry.sensitive_viewed")
    assert (event.actor_id, event.after) == (approver.pk, {"field": "phone"})
