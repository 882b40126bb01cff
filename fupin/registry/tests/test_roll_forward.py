import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from fupin.registry import services
from fupin.registry.models import HouseholdYear
from fupin.testing.factories import id_number, load_fixture_divisions, member_data, register_poor_household, system_user

pytestmark = pytest.mark.django_db


def test_roll_forward_carries_conditions_recomputes_sizes_and_lists_what_to_review(capsys):
    load_fixture_divisions()
    poor = register_poor_household(area="533301102201", size=3, year=2019, income_per_capita="3000")
    poor.years.update(housing_grade="C", cultivated_land=4)
    exited = register_poor_household(area="533301102201", size=2, year=2019, income_per_capita="6000", status="1")
    services.member_join(actor=system_user(), household=exited, household_version=1,
                         data=member_data(name="新生儿", id_number=id_number(birth="20200105", sequence="077"),
                                          relation="之女", labour="无劳动力"),
                         kind="birth", date=datetime.date(2020, 1, 5))
    call_command("registry", "roll-forward", "--to", "2020", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["already"]) == (2, 0)
    assert out["to_review"] == [
        {"household": poor.number, "area": "533301102201", "reasons": ["poor"], "size_before": 3, "size_now": 3},
        {"household": exited.number, "area": "533301102201", "reasons": ["size_changed"], "size_before": 2,
         "size_now": 3},
    ]
    rolled = HouseholdYear.objects.get(household=poor, year=2020)
    assert (rolled.size_start, rolled.size_end, rolled.housing_grade, rolled.cultivated_land, rolled.status,
            rolled.net_income_per_capita) == (3, 3, "C", 4, "0", None)
    call_command("registry", "roll-forward", "--to", "2020", "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 0  # a second run changes nothing
    assert HouseholdYear.objects.filter(year=2020).count() == 2


def test_roll_forward_copies_what_persists_and_leaves_the_yearly_values_not_entered():
    load_fixture_divisions()
    household = register_poor_household(area="533301102201", size=2, year=2019, income_per_capita="3000")
    services.household_year_save(actor=system_user(), household=household, year=2019, data={
        "business_income": "2000", "business_expense": "500", "dibao_payment": "600",
        "compliant_out_of_pocket": "300", "housing_grade": "B", "cultivated_land": "3.5", "road_type": "3",
        "road_distance_km": "1.2", "sanitary_toilet": True, "drinking_water_difficult": False})
    before = HouseholdYear.objects.get(household=household, year=2019)
    # 6,000 wages + 2,000 business + 600 transfers − 500 expenses over 2 persons.
    assert (before.net_income, before.net_income_per_capita) == (Decimal("8100.00"), Decimal("4050.00"))
    result = services.registry_roll_forward(actor=system_user(), year=2020)
    assert (result.created, result.already) == (1, 0)
    rolled = HouseholdYear.objects.get(household=household, year=2020)
    assert {name: getattr(rolled, name) for name in services.NOT_ENTERED} == services.NOT_ENTERED
    assert {name: getattr(rolled, name) for name in services.CARRIED_FIELDS} == {
        name: getattr(before, name) for name in services.CARRIED_FIELDS}
    assert (rolled.size_start, rolled.size_end, rolled.status, rolled.housing_grade, rolled.cultivated_land,
            rolled.road_type, rolled.sanitary_toilet, rolled.food_secure) == (
        2, 2, "0", "B", Decimal("3.50"), "3", True, True)
    # Entering the year's incomes later computes them from what is entered, nothing carried from 2019.
    entered = services.household_year_save(actor=system_user(), household=household, year=2020,
                                           data={"wage_income": "7000"})
    assert (entered.business_income, entered.business_expense, entered.transfer_income, entered.net_income,
            entered.net_income_per_capita, entered.housing_grade) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("7000.00"), Decimal("3500.00"), "B")
