"""A year record is updated a few figures at a time: every path merges what it is given into the stored record and
computes net and per-capita income from the whole of it (issue 21 item 5)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from fupin.registry import services
from fupin.registry.bulk import Submission, households_bulk_register
from fupin.registry.models import HouseholdYear
from fupin.registry.validation import NON_NEGATIVE_MONEY, RegistryInvalid
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
NOT_ENTERED = dict.fromkeys((*NON_NEGATIVE_MONEY, "net_income", "net_income_per_capita"))
# Two members; wages 9,000 + business 3,000 + transfers 600 (the minimum living allowance) − expenses 1,000.
LEDGER = {"wage_income": "9000", "business_income": "3000", "dibao_payment": "600", "business_expense": "1000"}


@pytest.fixture
def household(db):
    load_fixture_divisions()
    household = register_household().household
    row = services.household_year_save(actor=system_user(), household=household, year=2019, data=LEDGER)
    assert (row.size_end, row.transfer_income, row.net_income, row.net_income_per_capita) == (
        2, Decimal("600.00"), Decimal("11600.00"), Decimal("5800.00"))
    return household


def incomes(household, year=2019) -> tuple:
    row = HouseholdYear.objects.get(household=household, year=year)
    return (row.wage_income, row.business_income, row.transfer_income, row.business_expense, row.net_income,
            row.net_income_per_capita)


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_partial_api_update_recomputes_income_from_the_whole_record(household, method):
    """The issue's example: `{"business_expense": "100"}` once gave net income −100 (−50 per person), the wages
    and business income dropped from the sum. PUT and PATCH are the same partial update."""
    editor = client_for(make_user(actions=["view", "change"], area="533301000000"))
    response = getattr(editor, method)(f"/api/households/{household.pk}/years/2019/", {"business_expense": "100"},
                                       format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    # 9,000 + 3,000 + 600 − 100 = 12,500; over 2 persons 6,250.
    assert (body["wage_income"], body["business_income"], body["business_expense"], body["net_income"],
            body["net_income_per_capita"]) == ("9000.00", "3000.00", "100.00", "12500.00", "6250.00")
    assert incomes(household) == (Decimal("9000.00"), Decimal("3000.00"), Decimal("600.00"), Decimal("100.00"),
                                  Decimal("12500.00"), Decimal("6250.00"))


def test_a_field_sent_empty_is_cleared_and_the_others_kept(household):
    editor = client_for(make_user(actions=["view", "change"], area="533301000000"))
    response = editor.patch(f"/api/households/{household.pk}/years/2019/",
                            {"business_income": None, "housing_secure": True}, format="json")
    assert response.status_code == 200, response.content
    row = HouseholdYear.objects.get(household=household, year=2019)
    # The ledger is still entered (wages, transfers, expenses): the cleared item counts 0. 9,000 + 600 − 1,000.
    assert (row.business_income, row.net_income, row.net_income_per_capita, row.housing_secure) == (
        Decimal("0.00"), Decimal("8600.00"), Decimal("4300.00"), True)


def test_the_service_merges_and_rederives_transfers_from_changed_items(household):
    row = services.household_year_save(actor=system_user(), household=household, year=2019,
                                       data={"pension_payment": "400", "size_end": 4})
    # The transfer total was derived from its items (600): it is derived again, 1,000. 9,000 + 3,000 + 1,000 −
    # 1,000 = 12,000 over the 4 persons now stated: 3,000.
    assert (row.transfer_income, row.dibao_payment, row.net_income, row.net_income_per_capita, row.size_end) == (
        Decimal("1000.00"), Decimal("600.00"), Decimal("12000.00"), Decimal("3000.00"), 4)
    row = services.household_year_save(actor=system_user(), household=household, year=2019,
                                       data={"transfer_income": "2000"})  # a total given stays as given
    row = services.household_year_save(actor=system_user(), household=household, year=2019,
                                       data={"other_transfer": "100"})
    assert (row.transfer_income, row.net_income, row.net_income_per_capita) == (
        Decimal("2000.00"), Decimal("13000.00"), Decimal("3250.00"))


def test_checks_run_on_the_whole_record(household):
    with pytest.raises(RegistryInvalid) as refused:  # items 600 + 100 over a stated total of 650
        services.household_year_save(actor=system_user(), household=household, year=2019,
                                     data={"transfer_income": "650", "other_transfer": "100"})
    assert [p.field for p in refused.value.problems] == ["transfer_income"]
    assert incomes(household)[-1] == Decimal("5800.00")  # nothing was saved


def test_a_year_without_a_ledger_is_not_entered_until_one_is(household):
    row = services.household_year_save(actor=system_user(), household=household, year=2020,
                                       data={"housing_secure": True, "housing_grade": "B"})
    assert {name: getattr(row, name) for name in NOT_ENTERED} == NOT_ENTERED
    row = services.household_year_save(actor=system_user(), household=household, year=2020,
                                       data={"wage_income": "7000"})
    assert (row.wage_income, row.business_income, row.compliant_out_of_pocket, row.net_income,
            row.net_income_per_capita, row.housing_grade, row.housing_secure) == (
        Decimal("7000.00"), Decimal("0.00"), Decimal("0.00"), Decimal("7000.00"), Decimal("3500.00"), "B", True)


def test_a_per_capita_figure_given_alone_survives_partial_updates(household):
    """Older exports give only the per-capita figure: it is kept (with the total it implies) through updates of
    other fields, and a ledger entered later replaces it."""
    services.household_year_save(actor=system_user(), household=household, year=2018,
                                 data={"net_income_per_capita": "3300"})
    row = services.household_year_save(actor=system_user(), household=household, year=2018,
                                       data={"water_secure": True, "size_end": 3})
    assert (row.wage_income, row.net_income, row.net_income_per_capita) == (None, Decimal("9900.00"),
                                                                            Decimal("3300.00"))
    row = services.household_year_save(actor=system_user(), household=household, year=2018,
                                       data={"wage_income": "12000"})
    assert (row.net_income, row.net_income_per_capita) == (Decimal("12000.00"), Decimal("4000.00"))


def test_the_bulk_update_merges_what_a_file_gives_into_the_stored_year():
    load_fixture_divisions()
    member = member_data(name="户主", id_number=id_number(sequence="041"))

    def submission(year_data):
        return Submission(area_code="533301102201", household=household_data("H0041"), members=[dict(member)],
                          year=2019, year_data=year_data)

    households_bulk_register(actor=system_user(), submissions=[submission({**LEDGER, "size_end": 1})])
    result = households_bulk_register(actor=system_user(), submissions=[submission({"business_expense": "100"})],
                                      update_existing=True)
    assert result.households_updated == 1
    row = HouseholdYear.objects.get(household__number="H0041", year=2019)
    assert (row.wage_income, row.business_expense, row.net_income, row.net_income_per_capita) == (
        Decimal("9000.00"), Decimal("100.00"), Decimal("12500.00"), Decimal("12500.00"))
    again = households_bulk_register(actor=system_user(), submissions=[submission({"business_expense": "100"})],
                                     update_existing=True)
    assert (again.households_updated, again.unchanged) == (0, 1)


def test_a_birth_or_joining_date_in_the_future_is_refused():
    """Dates a member's record states are facts: a birth date or a date joined after today is refused, with
    the field named (forms, API and imports clean members here)."""
    import datetime

    from fupin.core import temporal
    from fupin.registry.validation import clean_member
    from fupin.testing.factories import member_data

    tomorrow = temporal.today() + datetime.timedelta(days=1)
    data = member_data(id_number="", sex="1", birth_date=tomorrow.isoformat(), joined_on=tomorrow.isoformat())
    _cleaned, problems = clean_member(data)
    assert {problem.field for problem in problems} >= {"birth_date", "joined_on"}
    _cleaned, problems = clean_member(member_data(id_number="", sex="1", birth_date="2001-02-03"))
    assert problems == []
