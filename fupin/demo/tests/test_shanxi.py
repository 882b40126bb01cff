"""The Shanxi demo at 1 % of the second seed's scale: the province's report card, computed from the records alone,
gives the seed's shares exactly and its counts and amounts at 1 %."""

from decimal import Decimal

import pytest

from fupin.analytics.extract import snapshot_fill
from fupin.analytics.report import report_card
from fupin.demo.shanxi import ShanxiDemo
from fupin.funds.report import funds_figures
from fupin.testing.factories import add_area, system_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Forty real county codes of Shanxi (the ID numbers' region codes must have existed), four villages each.
COUNTIES = ["140105", "140106", "140107", "140108", "140109", "140110", "140121", "140122", "140123", "140181",
            "140212", "140213", "140214", "140215", "140221", "140222", "140223", "140224", "140225", "140226",
            "140302", "140303", "140311", "140321", "140322", "140403", "140404", "140405", "140406", "140423",
            "140425", "140426", "140427", "140428", "140429", "140430", "140431", "140502", "140521", "140522"]


@pytest.fixture
def card(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    add_area("140000000000", "山西省", region_class="central")  # as the divisions class it
    for county in COUNTIES:
        add_area(f"{county}000000", county)
        # The first county (a deep one, and the central units' county) is large enough for their 1,170 people.
        for village in range(1, 41 if county == COUNTIES[0] else 5):
            add_area(f"{county}100{200 + village:03d}", f"{county}-{village}")
    ShanxiDemo(actor=system_user(), scale=Decimal("0.01"), log=lambda message: None).run()
    snapshot_fill()
    result = report_card(actor=system_user(), year=2017, area_code="14", baseline=2017)
    return {figure["key"]: figure["value"] for figure in result["figures"]}


def test_the_report_card_reproduces_the_seed_at_one_percent(card):
    # Poor areas' rural income 7,330 元, +10.7 %, 3.7 points above the province.
    assert card["poor_area_rural_income"] == Decimal("7330.00")
    assert Decimal(card["poor_area_rural_income_growth"]).quantize(Decimal("0.0001")) == Decimal("0.1070")
    assert Decimal(card["poor_area_growth_above_area"]).quantize(Decimal("0.0001")) == Decimal("0.0370")
    # Registry: 75 万 out of poverty, 3.9 % incidence, 15 counties and 2,557 villages exited.
    assert card["exited_persons"] == 7_500
    assert card["incidence_2017"] == pytest.approx(0.039, abs=1e-12)
    assert (card["counties_exited"], card["villages_exited"]) == (15, 26)
    # Deep poverty: 10 counties, 3,350 villages, 28.47 万 persons.
    assert (card["deep_poverty_counties"], card["deep_poverty_villages"], card["deep_poverty_persons"]) == (
        10, 34, 2_847)
    # Funds and projects: the shares are the seed's, whatever the scale.
    assert card["share_fiscal_to_deep"] == Decimal("0.3050")
    assert card["share_revolving_to_deep"] == Decimal("0.2260")
    assert card["share_relending_to_deep"] == Decimal("0.2100")  # the seed: "20 % 以上"
    assert [card[f"share_{kind}_scale_to_deep"] for kind in (
        "returning_farmland", "afforestation", "photovoltaic", "housing")] == [
        Decimal("0.4300"), Decimal("0.3900"), Decimal("0.4300"), Decimal("0.3760")]
    # Ecological income 51.9 万, relocation 3,350 / 2,487 / 884 / 381, loans 83.82 亿 to 17.63 万 households.
    assert card["ecological_persons"] == 5_190
    assert (card["deep_origin_villages"], card["deep_origin_villages_started"],
            card["deep_origin_villages_completed"], card["deep_origin_villages_reclaimed"]) == (34, 25, 9, 4)
    assert (Decimal(card["loans_amount"]), card["loans_households"]) == (Decimal("83820000.00"), 1_763)
    # People: 11,652 contact leaders, 13,985 teams, 40,180 members, 10,009 first secretaries (> 60 % from above).
    assert (card["contact_leaders"], card["work_teams"], card["team_members"], card["first_secretaries"]) == (
        117, 140, 402, 100)
    assert card["first_secretary_province_city_share_in_poor_counties"] > 0.6
    # Central units (at least one of each in a small demo): 69 projects, 13.8 亿, 11.7 万 people, 13.35 亿 put in,
    # 77 cadres, 25.34 万 person-times trained, 8.2 万 moved into jobs; and the province's 7.2 万 trained for 1.8 亿,
    # 9 万 moved into jobs.
    assert (card["central_unit_projects"], Decimal(card["central_unit_project_funds_actual"]),
            card["central_unit_beneficiary_persons"]) == (1, Decimal("13800000.00"), 1_170)
    assert Decimal(card["designated_units_invested"]) == Decimal("13350000.00")
    assert (card["central_unit_seconded_cadres"], card["central_unit_training_person_times"],
            card["central_unit_labour_transfers"], card["labour_transfers"]) == (1, 2_534, 820, 900)
    assert (card["vocational_trained_persons"], Decimal(card["vocational_budget"])) == (720, Decimal("1800000.00"))
    # Every deep county: a provincial leader, 3–5 provincial units, a professional, a finance cadre, a strong
    # county and a university.
    assert [card[f"deep_county_min_{kind}"] for kind in ("provincial_leaders", "provincial_units", "professionals",
                                                         "finance_cadres", "strong_counties", "universities")] == [
        1, 4, 1, 1, 1, 1]
    assert card["deep_county_max_provincial_units"] == 4
    # 2018: 30.3 % of fiscal poverty funds, and 3 亿 more re-lending to the deep counties.
    figures = {f["key"]: f["value"] for f in funds_figures(actor=system_user(), area_code="14", year=2018)}
    assert figures["share_fiscal_to_deep"] == Decimal("0.3030")
    assert figures["relending_increase_deep"] == Decimal("3000000.00")  # 3 亿 at 1 %
