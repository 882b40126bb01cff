import pytest

from fupin.audit.models import AuditEvent
from fupin.registry.bulk import Submission, households_bulk_register
from fupin.registry.models import Household, HouseholdYear, Member, StatusTransition
from fupin.registry.validation import RegistryInvalid
from fupin.testing.factories import (
    household_data,
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    system_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def submission(n: int, area="533301102201", **member_overrides):
    member = {"name": f"户主{n}", "id_number": id_number(sequence=f"{n:03d}"), **member_overrides}
    return Submission(area_code=area, household=household_data(f"H{n:04d}"),
                      members=[member_data(**member)],
                      year=2019, year_data={"wage_income": "5000", "size_end": 1}, tag=n)


def test_bulk_registers_in_batches_with_one_audit_event():
    progress = []
    result = households_bulk_register(actor=system_user(), submissions=[submission(n) for n in range(1, 8)],
                                      batch_size=3, on_progress=progress.append)
    assert (result.households, result.members, result.rejected) == (7, 7, [])
    assert progress == [3, 3, 1]
    assert (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count(),
            StatusTransition.objects.count()) == (7, 7, 7, 7)
    assert (Member.objects.get(name="户主3").name_initials, HouseholdYear.objects.get(household__number="H0003")
            .net_income_per_capita) == ("hz", 5000)


def test_bulk_rejects_with_reasons_and_skip_invalid_writes_the_rest():
    register_household(number="EXISTING", members=[member_data(id_number=id_number(sequence="005"))])
    clerk = make_user(actions=["view", "change", "import"], area="533301000000")
    subs = [submission(1), submission(2, area="533323101201"), submission(3, area="999999999999"),
            submission(5), Submission("533301102201", household_data("H0001"),
                                      [member_data(name="重复", id_number=id_number(sequence="009"))], tag=6),
            submission(7, sex="女")]
    with pytest.raises(RegistryInvalid):
        households_bulk_register(actor=clerk, submissions=subs)
    assert Household.objects.count() == 1
    result = households_bulk_register(actor=clerk, submissions=subs, skip_invalid=True)
    reasons = {tag: [(p.field, p.member) for p in problems] for tag, problems in result.rejected}
    assert reasons == {2: [("area", None)], 3: [("area", None)], 7: [("sex", 0)], 5: [("id_number", 0)],
                       6: [("number", None)]}
    assert (result.households, result.members) == (1, 1)
    after = AuditEvent.objects.get(action="registry.households_bulk_registered").after
    assert after.pop("changes")["rows"] == 2  # the household and its member (fupin/audit/tests/test_bulk_audit.py)
    assert after == {"households": 1, "members": 1, "households_updated": 0, "members_updated": 0, "rejected": 5}


def test_bulk_queues_look_alikes_without_id_numbers_for_review():
    from fupin.registry.models import DuplicateCandidate

    register_household(number="OLD", members=[member_data(id_number="", sex="男", birth_date="1948-05-05",
                                                          name="和正")])
    subs = [Submission("533301102201", household_data(f"N{n}"),
                       [member_data(id_number="", sex="男", birth_date="1948-05-05", name=name)], tag=n)
            for n, name in ((1, "和正"), (2, "和正"), (3, "和政"))]
    result = households_bulk_register(actor=system_user(), submissions=subs)
    assert result.possible_duplicates == 3  # OLD~N1, OLD~N2, N1~N2; 和政 is another name
    pairs = {(c.member.household.number, c.other.household.number) for c in DuplicateCandidate.objects.all()}
    assert pairs == {("OLD", "N1"), ("OLD", "N2"), ("N1", "N2")}


def test_dry_run_writes_nothing_and_existing_households_update_only_what_differs():
    subs = [submission(n) for n in range(1, 4)]
    dry = households_bulk_register(actor=system_user(), submissions=subs, dry_run=True)
    assert (dry.households, dry.members, Household.objects.count()) == (3, 3, 0)
    households_bulk_register(actor=system_user(), submissions=subs)
    again = households_bulk_register(actor=system_user(), submissions=[submission(n) for n in range(1, 4)],
                                     update_existing=True)
    assert (again.households, again.households_updated, again.unchanged, again.members_updated) == (0, 0, 3, 0)
    changed = [submission(1, name="户主一"), submission(2), submission(3)]
    changed[1].household["status"] = "已脱贫"
    changed[2].year_data = {"wage_income": "6000", "size_end": 1}
    result = households_bulk_register(actor=system_user(), submissions=changed, update_existing=True)
    assert (result.households_updated, result.members_updated, result.unchanged) == (3, 1, 0)
    assert Member.objects.get(household__number="H0001").name_pinyin == "huzhuyi"
    assert Household.objects.get(number="H0002").transitions.order_by("id").last().to_status == "1"
    assert HouseholdYear.objects.get(household__number="H0003").net_income_per_capita == 6000
    assert Member.objects.count() == 3  # no one added or removed


def test_a_household_registered_with_its_history():
    """Poor in 2014 and 2015, out of poverty at the end of 2016, still out in 2017: four year records, registered
    poor, and one dated transition at the end of 2016."""
    import datetime

    sub = submission(1)
    sub.household = household_data("H0001", status="1", exit_year=2016)
    sub.year, sub.year_data = 2017, {"wage_income": "5200", "size_end": 1, "status": "1"}
    sub.history = ((2014, {"wage_income": "2000", "size_end": 1, "status": "0"}),
                   (2015, {"wage_income": "2500", "size_end": 1, "status": "0"}),
                   (2016, {"wage_income": "4800", "size_end": 1, "status": "1"}))
    result = households_bulk_register(actor=system_user(), submissions=[sub], today=datetime.date(2014, 10, 31))
    assert (result.households, result.rejected) == (1, [])
    records = HouseholdYear.objects.filter(household__number="H0001").order_by("year")
    assert [(r.year, r.status, str(r.net_income_per_capita)) for r in records] == [
        (2014, "0", "2000.00"), (2015, "0", "2500.00"), (2016, "1", "4800.00"), (2017, "1", "5200.00")]
    transitions = StatusTransition.objects.filter(household__number="H0001").order_by("effective_date")
    assert [(t.from_status, t.to_status, t.effective_date, t.year) for t in transitions] == [
        ("", "0", datetime.date(2014, 10, 31), 2014), ("0", "1", datetime.date(2016, 12, 31), 2016)]
    # A bad earlier record refuses the whole household.
    bad = submission(2)
    bad.history = ((2016, {"wage_income": "-5", "size_end": 1}),)
    result = households_bulk_register(actor=system_user(), submissions=[bad], skip_invalid=True)
    assert result.households == 0 and [p.field for p in result.rejected[0][1]] == ["wage_income"]
