"""The report card of today on the demo (the Yunnan demo at 1 % and the demo county's working years, as test_workyear
builds them): every figure of 泸水市's 2025 card has a value and its provenance, and the main ones are not zero."""

import pytest

from fupin.accounts.history import entering_history
from fupin.analytics.report_today import report_today
from fupin.demo import workyear_history
from fupin.demo.calibration import HISTORY_REASON
from fupin.demo.tests.test_yunnan import yunnan_demo
from fupin.demo.users import ensure_demo_users
from fupin.demo.workyear import working_year
from fupin.testing.factories import system_user

pytestmark = pytest.mark.django_db

NOT_ZERO = ("monitoring_identified_year_persons", "monitoring_identified_total_persons",
            "monitoring_eliminated_year_persons", "monitoring_eliminated_total_persons", "monitoring_at_risk_persons",
            "monitoring_identified_year_category_1", "monitoring_identified_year_category_2",
            "monitoring_identified_year_category_3", "industry_share_exited", "industry_share_monitored",
            "exited_income_per_head", "tuopin_county_income_per_head", "tuopin_counties", "linked_allocated",
            "linked_spent", "linked_industry_share", "linked_industry_minimum", "assets_kind_productive_count",
            "assets_kind_public_count", "assets_kind_household_count", "assets_owner_level_village_count",
            "assets_owner_level_household_count", "assets_held_value")


def test_the_demo_county_card_of_2025_is_filled(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    yunnan_demo()
    actor = system_user()
    ensure_demo_users(actor=actor)
    with entering_history(actor=actor, reason=HISTORY_REASON):
        working_year(actor=actor, county_code="533301", log=lambda message: None)
    card = report_today(actor=system_user(), area_code="533301", year=2025)
    value = {figure["key"]: figure["value"] for figure in card["figures"]}
    empty = [figure["key"] for figure in card["figures"] if figure["value"] is None]
    assert empty == [], {figure["key"]: figure["value"] for figure in card["figures"]}
    assert [key for key in NOT_ZERO if not value[key]] == []
    for figure in card["figures"]:
        source = figure["how"]["source"]
        assert source["records"] and source["as_of"] == card["as_of"] and figure["how"]["filters"], figure["key"]
    parameter = {figure["key"]: figure for figure in card["figures"]}["linked_industry_share"]["how"]["parameter"]
    assert parameter["source"] and parameter["certainty"]
    # A second run of the builder makes nothing.
    assert not any(workyear_history.build(actor=system_user(), county_code="533301", log=lambda message: None)
                   .values())
