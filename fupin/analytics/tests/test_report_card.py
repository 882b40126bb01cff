"""The report card on the hand-built registry (scenario.py), in every format, each figure saying how it was
computed."""

import json

import pytest
from django.core.management import call_command

from fupin.analytics.extract import snapshot_fill
from fupin.analytics.report import CARD_FIGURES
from fupin.areas.models import AreaDesignation
from fupin.core.files.tabular import raw_rows

from . import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    scenario.build()
    AreaDesignation.objects.create(area_id=scenario.LUZHANG, designation_type_id="poor_village", year=2014,
                                   exit_year=2019)
    AreaDesignation.objects.create(area_id=scenario.SANHE, designation_type_id="poor_village", year=2014)
    AreaDesignation.objects.create(area_id="533301000000", designation_type_id="poor_county", year=2014)
    snapshot_fill()


def test_card_figures(registry, capsys):
    call_command("report", "card", "--year", "2019", "--area", "53", "--format", "json")
    card = json.loads(capsys.readouterr().out)
    assert (card["area"]["name"], card["year"], card["baseline"]) == ("云南省", 2019, 2018)
    values = {figure["key"]: figure["value"] for figure in card["figures"]}
    helping = {key: values.pop(key) for key in ("fiscal_aid_arrived", "donation_arrived", "workshops",
                                                 "professionals_sent", "poor_moved_into_jobs", "paired_poor_counties",
                                                 "east_west_projects", "east_west_poor_helped_out",
                                                 "fiscal_aid_arrived_this_year", "industry_labour_share_this_year")}
    assert helping == {"fiscal_aid_arrived": "0", "donation_arrived": "0", "workshops": 0, "professionals_sent": 0,
                       "poor_moved_into_jobs": 0, "paired_poor_counties": 0, "east_west_projects": 0,
                       "east_west_poor_helped_out": 0, "fiscal_aid_arrived_this_year": "0",
                       "industry_labour_share_this_year": None}
    pairs = {key: values.pop(key) for key in [key for key in values if key.startswith("pairs_")]}
    assert len(pairs) == 12 and set(pairs.values()) == {0}  # six kinds, helped and helpers
    # Everyone here is 傈僳族, one of 云南's 直过民族 (no group population is recorded, so no incidence).
    groups = {key.removeprefix("group_direct_transition_"): values.pop(key)
              for key in [key for key in values if key.startswith("group_")]}
    assert groups == {"poor_2018": 8, "incidence_2018": None, "poor_2019": 11, "incidence_2019": None,
                      "exited_persons": 2, "villages_exited": 0, "exited_as_whole": 0}
    # The year's operational cards (no funds, projects, teams or measures recorded here) and 深度贫困 designations.
    cards = {key: values.pop(key) for key in [key for wanted in CARD_FIGURES.values() for key in wanted]}
    assert set(cards.values()) <= {0, "0", "0.00", None}
    assert (values.pop("deep_poverty_counties"), values.pop("deep_poverty_villages")) == (0, 0)
    # No survey incomes in this registry.
    assert [values.pop(key) for key in ("poor_area_rural_income", "poor_area_rural_income_growth",
                                        "poor_area_growth_above_area")] == [None, None, None]
    assert values == {
        "poor_persons_2018": 8, "incidence_2018": None, "poor_persons_2019": 11, "incidence_2019": 11 / 1080,
        "exited_persons": 2, "exited_households": 1, "returned_persons": 4, "returned_households": 1,
        "identified_persons": 1, "identified_households": 1, "villages_exited": 0, "counties_exited": 0,
    }
    displays = {figure["key"]: figure["display"] for figure in card["figures"]}
    assert displays["incidence_2019"] == "1.02%" and displays["villages_exited"] == "0 共 2 个"
    incidence = next(f for f in card["figures"] if f["key"] == "incidence_2019")
    assert incidence["how"]["metric"] == "incidence"
    assert incidence["how"]["source"]["engine"] == "duckdb" and incidence["how"]["source"]["snapshot"] == "live"
    assert sum(row["poor_year"] for row in card["by_ethnicity"]) == 11
    assert sum(row["exited"] for row in card["by_ethnicity"]) == 2


def test_a_declared_exit_counts_only_when_evaluated_or_decided(registry, capsys):
    """泸掌's designation says it exited in 2019, but its records do not show it (its poor are far above 3 % of
    its 100 people): the card leaves it out and names it. With the records showing an incidence under the
    threshold, the evaluation shows the exit and the card counts it."""
    from fupin.areas.models import AreaYear

    def exited():
        call_command("report", "card", "--year", "2019", "--area", "53", "--format", "json")
        card = json.loads(capsys.readouterr().out)
        return next(f for f in card["figures"] if f["key"] == "villages_exited")

    figure = exited()
    assert figure["value"] == 0
    assert figure["how"]["declared_not_shown"] == 1 and figure["how"]["declared_not_shown_first"] == [
        scenario.LUZHANG]
    AreaYear.objects.filter(area_id=scenario.LUZHANG, year=2019).update(rural_population=100_000)
    figure = exited()
    assert (figure["value"], figure["how"]["evaluated"], figure["how"]["decided"]) == (1, 1, 0)


def test_card_formats(registry, tmp_path, capsys):
    call_command("report", "card", "--year", "2019", "--area", "5333", "--baseline", "2019")
    markdown = capsys.readouterr().out
    assert markdown.startswith("# 怒江傈僳族自治州 成绩单 2019")
    assert "| 2019 年末贫困发生率 | 1.02% |" in markdown
    call_command("report", "card", "--year", "2019", "--area", "5333", "--format", "xlsx", "-o",
                 str(tmp_path / "card.xlsx"))
    rows = list(raw_rows(tmp_path / "card.xlsx", None))
    assert any(row[0] == "2019 年末建档立卡贫困人口" and row[1] == 11 for row in rows)
    call_command("report", "card", "--year", "2019", "--area", "5333", "--format", "pdf", "-o",
                 str(tmp_path / "card.pdf"))
    from pypdf import PdfReader

    text = PdfReader(tmp_path / "card.pdf").pages[0].extract_text()
    assert "怒江傈僳族自治州" in text and "1.02%" in text


def test_poor_area_income_is_weighted_by_rural_population(db):
    from decimal import Decimal

    from fupin.analytics.report import poor_area_income
    from fupin.areas.models import Area, AreaYear
    from fupin.testing.factories import load_fixture_divisions

    load_fixture_divisions()
    for code in ("533301000000", "533323000000"):
        AreaDesignation.objects.create(area_id=code, designation_type_id="poor_county", year=2014)
    rows = [("533301000000", 100, "4000", "5000"), ("533323000000", 300, "6000", "7000"),
            ("533300000000", 2000, "7500", "8000")]
    for code, population, before, now in rows:
        for year, income in ((2018, before), (2019, now)):
            AreaYear.objects.create(area_id=code, year=year, rural_population=population,
                                    rural_income_per_capita=Decimal(income))
    figures = {f.key: f.value for f in poor_area_income(Area.objects.get(code="533300000000"), 2019)}
    # (100 × 5000 + 300 × 7000) / 400 = 6500 against (100 × 4000 + 300 × 6000) / 400 = 5500.
    assert figures["poor_area_rural_income"] == Decimal("6500.00")
    assert figures["poor_area_rural_income_growth"] == Decimal(6500) / Decimal(5500) - 1
    assert figures["poor_area_growth_above_area"] == (Decimal(6500) / Decimal(5500) - 1) - (
        Decimal(8000) / Decimal(7500) - 1)
