"""Exact outcomes of the household, village, county and monitoring evaluations."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from fupin.areas.models import Area, AreaDesignation, AreaYear
from fupin.registry.models import Household
from fupin.rules import evaluation
from fupin.rules.models import ExitCondition, MonitoringThreshold
from fupin.rules.policy import YearPolicy
from fupin.testing.factories import (
    add_area,
    load_fixture_divisions,
    make_user,
    register_poor_household,
    system_user,
)

pytestmark = pytest.mark.django_db
WEST_VILLAGE = "533301102201"  # 云南: west
CENTRAL_VILLAGE = "140922100201"  # 山西: central


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()
    add_area("140000000000", "山西省", region_class="central")
    add_area(CENTRAL_VILLAGE, "东街村委会")


def verdicts(year=2019, **kwargs):
    return {v.number: v for v in evaluation.household_exits(year=year, **kwargs)}


@pytest.mark.parametrize(
    ("income", "eligible"),
    [("3748", True), ("3747", False), ("3746", False)],  # 2019 working line 3,747: at the line is not above it
)
def test_household_exit_around_the_line(income, eligible):
    household = register_poor_household(area=WEST_VILLAGE, size=2, income_per_capita=income)
    verdict = verdicts()[household.number]
    assert verdict.eligible is eligible
    if not eligible:
        assert [r.as_dict() for r in verdict.reasons] == [{
            "condition": "income_above_line", "value": f"{income}.00", "threshold": "3747.00",
            "message": f"人均纯收入 {income}.00 未超过扶贫标准 3747.00。"}]


def test_one_failed_indicator_blocks_exit():
    household = register_poor_household(area=WEST_VILLAGE, size=3, income_per_capita="5000")
    household.years.update(housing_secure=False)
    verdict = verdicts()[household.number]
    assert (verdict.eligible, [r.condition for r in verdict.reasons]) == (False, ["housing_secure"])


def test_drinking_water_counts_from_2019_only():
    household = register_poor_household(area=WEST_VILLAGE, size=1, income_per_capita="4000", year=2018)
    household.years.update(water_secure=None)
    assert verdicts(2018)[household.number].eligible  # 3,535 line in 2018; water not yet a condition
    household.years.update(year=2019)
    assert [r.condition for r in verdicts(2019)[household.number].reasons] == ["water_secure"]


def test_local_conditions_are_switched_on_per_province():
    household = register_poor_household(area=WEST_VILLAGE, size=1, income_per_capita="5000", identified_year=2019)
    assert verdicts()[household.number].eligible
    ExitCondition.objects.create(code="not_identified_same_year", effective_year=2016, province_code="53")
    assert [r.condition for r in verdicts()[household.number].reasons] == ["not_identified_same_year"]


def test_exited_households_are_not_candidates():
    household = register_poor_household(area=WEST_VILLAGE, size=1, income_per_capita="5000", status="1")
    assert household.number not in verdicts()


def _village_with(code, poor_persons, population, year=2019):
    register_poor_household(area=code, size=poor_persons, income_per_capita="1000")
    AreaYear.objects.create(area_id=code, year=year, rural_population=population)


@pytest.mark.parametrize(
    ("village", "poor", "population", "eligible", "incidence"),
    [
        (CENTRAL_VILLAGE, 2, 100, False, 0.02),  # central: exactly 2 % is not below 2 %
        (CENTRAL_VILLAGE, 2, 101, True, 2 / 101),
        (WEST_VILLAGE, 3, 100, False, 0.03),  # west: exactly 3 % is not below 3 %
        (WEST_VILLAGE, 3, 101, True, 3 / 101),
        (WEST_VILLAGE, 2, 100, True, 0.02),  # 2 % passes in the west
    ],
)
def test_village_exit_at_and_below_the_threshold(village, poor, population, eligible, incidence):
    _village_with(village, poor, population)
    register_poor_household(area=village, size=4, income_per_capita="9000", status="1")  # exited: not counted
    (verdict,) = evaluation.area_exits(level="village", year=2019, visible=Area.objects.all())
    assert (verdict.code, verdict.eligible, verdict.poor, verdict.population, verdict.incidence) == (
        village, eligible, poor, population, incidence)


def test_a_village_without_population_is_not_eligible():
    register_poor_household(area=WEST_VILLAGE, size=1)
    (verdict,) = evaluation.area_exits(level="village", year=2019, visible=Area.objects.all())
    assert (verdict.eligible, [r.condition for r in verdict.reasons]) == (False, ["population"])


def test_county_exit_uses_designated_counties_and_village_population():
    AreaDesignation.objects.create(area_id="533301000000", designation_type_id="poor_county", year=2014)
    AreaDesignation.objects.create(area_id="533323000000", designation_type_id="poor_county", year=2014,
                                   exit_year=2018)  # exited before 2019: not evaluated
    _village_with(WEST_VILLAGE, 5, 150)
    AreaYear.objects.create(area_id="533301102202", year=2019, rural_population=100)
    AreaYear.objects.create(area_id="533301001201", year=2019, rural_population=50)
    (verdict,) = evaluation.area_exits(level="county", year=2019, visible=Area.objects.all())
    # 5 poor persons over 300 rural people = 1.67 % < 3 %.
    assert (verdict.code, verdict.eligible, verdict.poor, verdict.population) == ("533301000000", True, 5, 300)
    AreaYear.objects.create(area_id="533301000000", year=2019, rural_population=160)  # the county's own figure wins
    (verdict,) = evaluation.area_exits(level="county", year=2019, visible=Area.objects.all())
    assert (verdict.eligible, verdict.population, verdict.incidence) == (False, 160, 5 / 160)


def test_monitoring_categories():
    MonitoringThreshold.objects.create(year=2022, province_code="53", amount=Decimal("8000"))
    unstable = register_poor_household(area=WEST_VILLAGE, size=2, year=2022, income_per_capita="8000", status="1")
    secure = register_poor_household(area=WEST_VILLAGE, size=2, year=2022, income_per_capita="8001", status="1")
    marginal = register_poor_household(area=WEST_VILLAGE, size=3, year=2022, income_per_capita="7000", status="8")
    hardship = register_poor_household(area=WEST_VILLAGE, size=2, year=2022, income_per_capita="12000", status="1")
    hardship.years.update(compliant_out_of_pocket=Decimal("9000"))  # (24,000 − 9,000) / 2 = 7,500 ≤ 8,000
    still_poor = register_poor_household(area=WEST_VILLAGE, size=1, year=2022, income_per_capita="100")
    found = {v.number: v.category for v in evaluation.monitoring_categories(year=2022)}
    assert found == {unstable.number: "1", marginal.number: "2", hardship.number: "3"}
    assert secure.number not in found and still_poor.number not in found


def test_risk_elimination_is_refused_for_a_household_without_labour():
    MonitoringThreshold.objects.create(year=2022, province_code="53", amount=Decimal("8000"))
    household = register_poor_household(area=WEST_VILLAGE, size=2, year=2022, income_per_capita="9000", status="1",
                                         monitoring_since="2021-06-01")
    as_of = datetime.date(2022, 12, 31)
    assert evaluation.risk_elimination(household=household, year=2022, as_of=as_of) == []
    household.members.update(labour="5")
    reasons = evaluation.risk_elimination(household=household, year=2022, as_of=as_of)
    assert [r.condition for r in reasons] == ["whole_household_no_labour"]
    household.members.update(labour="1")
    early = evaluation.risk_elimination(household=household, year=2022, as_of=datetime.date(2021, 11, 30))
    assert [(r.condition, r.value, r.threshold) for r in early] == [("stable_months", 5, 6)]


def test_cli_exits_json_contract(capsys):
    household = register_poor_household(area=WEST_VILLAGE, size=2, income_per_capita="3000")
    AreaYear.objects.create(area_id=WEST_VILLAGE, year=2019, rural_population=80)
    call_command("evaluate", "exits", "--year", "2019", "--level", "household", "--format", "json")
    (item,) = json.loads(capsys.readouterr().out)
    assert set(item) == {"code", "name", "level", "year", "eligible", "reasons"}
    assert (item["code"], item["name"], item["level"], item["year"], item["eligible"]) == (
        household.number, household.members.get(relation="01").name, "household", 2019, False)
    call_command("evaluate", "exits", "--year", "2019", "--level", "village", "--area", "5333", "--format", "json")
    (village,) = json.loads(capsys.readouterr().out)
    assert village == {"code": WEST_VILLAGE, "name": "鲁掌村委会", "level": "village", "year": 2019, "eligible": True,
                       "incidence": 0.025, "poor": 2, "population": 80, "reasons": []}


def test_cli_is_scoped_to_the_user(capsys):
    register_poor_household(area=WEST_VILLAGE, size=2, income_per_capita="3000")
    make_user(username="fugong", actions=["view"], area="533323000000")
    call_command("evaluate", "exits", "--year", "2019", "--level", "household", "--user", "fugong",
                 "--format", "json")
    assert json.loads(capsys.readouterr().out) == []


def test_year_policy_prefers_the_province():
    policy = YearPolicy.load(2019)
    assert (policy.line("53"), policy.exit_threshold("village", "west", "53")) == (Decimal("3747"), Decimal("0.03"))
    assert Household.objects.count() == 0 and system_user().username == "system"


def test_api_gives_the_same_report_within_the_grant():
    from rest_framework.test import APIClient

    register_poor_household(area=WEST_VILLAGE, size=2, income_per_capita="3000")
    AreaYear.objects.create(area_id=WEST_VILLAGE, year=2019, rural_population=80)
    client = APIClient()
    client.force_authenticate(make_user(actions=["view"], area="533300000000"))
    villages = client.get("/api/evaluations/exits/", {"year": 2019, "level": "village"}).json()
    assert [(v["code"], v["eligible"], v["incidence"]) for v in villages] == [(WEST_VILLAGE, True, 0.025)]
    client.force_authenticate(make_user(actions=["view"], area="440000000000"))
    assert client.get("/api/evaluations/exits/", {"year": 2019, "level": "household"}).json() == []
    assert client.get("/api/evaluations/exits/", {"year": 2019, "level": "town"}).status_code == 400


def test_a_province_can_require_village_collective_income():
    from fupin.rules.models import PolicyParameter

    _village_with(WEST_VILLAGE, 1, 100)
    PolicyParameter.objects.create(code="village_collective_income_min", effective_year=2018, province_code="53",
                                   value=Decimal("50000"))
    (verdict,) = evaluation.area_exits(level="village", year=2019, visible=Area.objects.all())
    assert [(r.condition, r.value, r.threshold) for r in verdict.reasons] == [
        ("collective_income", None, Decimal("50000"))]
    AreaYear.objects.filter(area_id=WEST_VILLAGE).update(collective_income=Decimal("52000"))
    (verdict,) = evaluation.area_exits(level="village", year=2019, visible=Area.objects.all())
    assert verdict.eligible


def test_an_income_not_entered_is_unknown_to_every_household_evaluation():
    """A year opened by the roll-forward has no income yet: exit is not met because it cannot be evaluated,
    identification likewise, and no monitoring category is given by an income nobody entered."""
    from django.utils import translation

    from fupin.registry.services import household_year_save, registry_roll_forward

    MonitoringThreshold.objects.create(year=2020, province_code="53", amount=Decimal("8000"))
    poor = register_poor_household(area=WEST_VILLAGE, size=2, income_per_capita="5000")
    exited = register_poor_household(area=WEST_VILLAGE, size=2, income_per_capita="5000", status="1")
    assert verdicts()[poor.number].eligible is True  # in 2019, with its income entered
    registry_roll_forward(actor=system_user(), year=2020)
    verdict = verdicts(2020)[poor.number]
    with translation.override("en"):
        assert (verdict.eligible, [r.as_dict() for r in verdict.reasons]) == (False, [{
            "condition": "income_above_line", "value": None, "threshold": None,
            "message": "Per-capita net income for 2020 has not been entered: the rule cannot be evaluated."}])
        (identification,) = [v for v in evaluation.household_identifications(year=2020)
                             if v.number == poor.number]
        assert (identification.eligible, [r.condition for r in identification.reasons]) == (
            False, ["income_at_or_below_line"])
        assert str(identification.reasons[0].as_dict()["message"]) == (
            "Per-capita net income for 2020 has not been entered: the rule cannot be evaluated.")
    assert list(evaluation.monitoring_categories(year=2020)) == []  # the exited household: not category 1
    household_year_save(actor=system_user(), household=exited, year=2020, data={"wage_income": "12000"})
    assert [(v.number, v.category) for v in evaluation.monitoring_categories(year=2020)] == [(exited.number, "1")]
