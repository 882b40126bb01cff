"""The demo builder of linked funds and assets (fupin/demo/assets.py) on the small hand-built 泸水: what it makes,
the industry shares it is meant to show (met, not met, not judged), and that a second call makes nothing new."""

from decimal import Decimal

import pytest

from fupin.demo import assets as demo_assets
from fupin.funds import linked
from fupin.projects import ledger
from fupin.projects.models import AssetDisposal
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
LUSHUI, LUZHANG_TOWN, LUZHANG = "533301000000", "533301102000", "533301102201"


def test_the_demo_builds_once(db):
    load_fixture_divisions()
    register_poor_household(area=LUZHANG, size=2)
    register_poor_household(area=LUZHANG, size=3)
    make_user(username="township_reviewer", role="township_reviewer", area=LUZHANG_TOWN)
    make_user(username="county_approver", role="county_approver", area=LUSHUI)
    made = demo_assets.build(actor=system_user(), county_code="533301", log=lambda text: None)
    assert made == {"documents": 5, "entries": 25, "assets": 5, "maintenances": 3, "incomes": 3, "shares": 9,
                    "disposals": 1}
    # 2021: 56 % and no rule; 2022: 58 % ≥ 55 %; 2023: 57.5 % < 60 %; 2024: 62 %; 2025: 64 %.
    verdicts = {}
    for year in range(2021, 2026):
        (row,) = linked.linked_funds_report(actor=system_user(), area_code=LUSHUI, year=year)["rows"]
        verdicts[year] = (row["share"], row["met"])
    assert verdicts == {2021: (Decimal("0.5600"), None), 2022: (Decimal("0.5800"), True),
                        2023: (Decimal("0.5750"), False), 2024: (Decimal("0.6200"), True),
                        2025: (Decimal("0.6400"), True)}
    assert AssetDisposal.objects.get().status == "disposed"
    totals = ledger.county_ledger(actor=system_user(), area_code=LUSHUI)["totals"]
    # Held: 3,200,000 + 2,400,000 + 12,000 + 6,000,000; disposed: the 180,000 footbridge.
    assert totals == {"held_count": 4, "held_value": Decimal("11612000.00"), "disposed_count": 1,
                      "disposed_value": Decimal("180000.00")}
    again = demo_assets.build(actor=system_user(), county_code="533301", log=lambda text: None)
    assert not any(again.values())
