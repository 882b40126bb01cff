"""The report card of today (2021–) on a hand-built county, 泸水市 in 2025: every figure with its value computed by
hand in the comments (the oracle), and its provenance; the page, its xlsx, the API and the command; the year checked
(not in the future, not before 2021) and the card scoped to the user's areas."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from fupin.analytics.report_today import industry_measure_types, report_today
from fupin.areas.models import Area, AreaYear, DesignationType
from fupin.areas.services import designation_save
from fupin.assistance import services as assistance_services
from fupin.assistance.models import MeasureType
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.funds import linked
from fupin.funds import services as fund_services
from fupin.lowincome import services as lowincome_services
from fupin.projects import services as project_services
from fupin.rules.models import PolicyParameter
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
YUNNAN, NUJIANG, LUSHUI, FUGONG = "530000000000", "533300000000", "533301000000", "533323000000"
LUZHANG, SANHE, LAZHUDI = "533301102201", "533301102202", "533323101201"


def area(code):
    return Area.objects.get(code=code)


def person(name, village, *, member=None, sequence=1):
    number = member.id_number if member is not None else id_number(village[:6], "19750101", f"{700 + sequence:03d}")
    return lowincome_services.person_find_or_create(actor=system_user(), id_number=number, name=name,
                                                    area_code=village)


def monitored(who, category, start, end=None, reason=""):
    return lowincome_services.membership_save(actor=system_user(), person=who, data={
        "category": "monitoring", "department": "乡村振兴局", "identified_on": start, "ends_on": end,
        "end_reason": reason, "monitoring_category": category})


def household(village, size, status, exit_year, income, year=2025):
    return register_poor_household(area=village, size=size, year=year, income_per_capita=income, status=status,
                                   exit_year=exit_year)


def deliver(home, code, on):
    return assistance_services.record_save(actor=system_user(), kind="delivered", data={
        "household": home, "measure_type": MeasureType.objects.get(code=code), "delivered_on": on,
        "amount": Decimal("2000")})


@pytest.fixture
def county(db):
    """泸水市 in 2025 (the oracle of every figure is in the test below).

    Households (size, status, exit year, net income per head in 2025): H1 鲁掌 2, 已脱贫, 2019, 12,000; H2 鲁掌 3,
    已脱贫, 2020, 9,100; H3 三河 4, 已脱贫(不再享受), 2018, no 2025 record (its record is of 2024); H4 三河 1, 已脱贫,
    2020, 15,001; H5 鲁掌 2, 一般农户 (a monitoring object never poor), 7,000; H6 福贡 (outside) 1, 已脱贫, 50,000.

    Monitoring memberships: a) P1 of H1, category 1, 2024-05-10 → 2025-06-30 风险消除; b) c) P2, P3 of H5, category 2,
    from 2025-03-01; d) P4 (no registered household, 三河), category 3, 2025-08-01 → 2026-02-01 风险消除; e) P5 of H2,
    category 1, 2022-04-01 → 2023-09-01 风险消除 and again from 2025-10-01; h) P8 (no household, 鲁掌), category 3,
    2023-01-01 → 2025-02-01 迁出 (moved); f) P6 in 福贡 (outside), category 2 from 2025; g) a member of H4 on 低保
    (another category).

    Measures: H1 产业 2025-04-01; H2 产业 2024-05-01 (one-off: over before 2025); H3 公益岗位 2025 (not industry); H4
    资产收益 2025-07-01 (industry by the flag); H5 产业 2025-09-01; H6 产业 2025 (outside)."""
    load_fixture_divisions()
    actor = system_user()
    h1 = household(LUZHANG, 2, "1", 2019, "12000")
    h2 = household(LUZHANG, 3, "1", 2020, "9100")
    h3 = household(SANHE, 4, "4", 2018, "8000", year=2024)
    h4 = household(SANHE, 1, "1", 2020, "15001")
    h5 = household(LUZHANG, 2, "8", None, "7000")
    h6 = household(LAZHUDI, 1, "1", 2019, "50000")
    first = {h: list(h.members.order_by("id")) for h in (h1, h2, h4, h5)}
    monitored(person("和一", LUZHANG, member=first[h1][0]), "1", D(2024, 5, 10), D(2025, 6, 30), "risk_eliminated")
    monitored(person("和二", LUZHANG, member=first[h5][0]), "2", D(2025, 3, 1))
    monitored(person("和三", LUZHANG, member=first[h5][1]), "2", D(2025, 3, 1))
    monitored(person("和四", SANHE, sequence=4), "3", D(2025, 8, 1), D(2026, 2, 1), "risk_eliminated")
    p5 = person("和五", LUZHANG, member=first[h2][0])
    monitored(p5, "1", D(2022, 4, 1), D(2023, 9, 1), "risk_eliminated")
    monitored(p5, "1", D(2025, 10, 1))
    monitored(person("和六", LAZHUDI, sequence=6), "2", D(2025, 4, 1))
    monitored(person("和八", LUZHANG, sequence=8), "3", D(2023, 1, 1), D(2025, 2, 1), "moved")
    lowincome_services.membership_save(actor=actor, person=person("和七", SANHE, member=first[h4][0]), data={
        "category": "dibao", "department": "民政局", "identified_on": D(2025, 3, 1)})
    deliver(h1, "industry", D(2025, 4, 1))
    deliver(h2, "industry", D(2024, 5, 1))
    deliver(h3, "public_job", D(2025, 5, 1))
    deliver(h4, "asset_income", D(2025, 7, 1))
    deliver(h5, "industry", D(2025, 9, 1))
    deliver(h6, "industry", D(2025, 3, 1))

    # 脱贫县: 泸水 and 福贡 designated poor in 2014, exited in 2020; their 2025 rural income and population.
    poor_county = DesignationType.objects.get(code="poor_county")
    for code, population, income in ((LUSHUI, 100_000, "14000.50"), (FUGONG, 50_000, "12000")):
        designation_save(actor=actor, area=area(code), designation_type=poor_county, year=2014, exit_year=2020)
        AreaYear.objects.create(area=area(code), year=2025, rural_population=population,
                                rural_income_per_capita=Decimal(income))

    # 衔接资金 2025: 泸水 600,000 allocated, 500,000 issued, 275,000 spent on a cattle project (industry) and 225,000
    # on a road; the province's minimum 55 % (certainty L).
    PolicyParameter.objects.create(code=linked.INDUSTRY_SHARE, effective_year=2023, province_code="53",
                                   value=Decimal("0.55"), certainty="L", source="云南省衔接资金管理办法 (test)")
    document = fund_services.fund_document_save(actor=actor, data={
        "number": "云财衔接〔2025〕1号", "title": "2025年衔接推进乡村振兴补助资金", "source": "linked", "year": 2025,
        "issuing_area": area(YUNNAN), "total": Decimal("1000000"), "issued_on": D(2025, 1, 10)})
    cattle = project_services.project_save(actor=actor, data={"name": "鲁掌村肉牛养殖", "type": "industry",
                                                              "area": area(LUZHANG), "year": 2025})
    road = project_services.project_save(actor=actor, data={"name": "鲁掌村道路", "type": "infrastructure",
                                                            "area": area(LUZHANG), "year": 2025})
    for kind, amount, day, extra in (("allocate", "600000", D(2025, 2, 1), {}),
                                     ("arrive", "500000", D(2025, 3, 1), {}),
                                     ("spend", "275000", D(2025, 6, 1), {"project": cattle}),
                                     ("spend", "225000", D(2025, 6, 1), {"project": road})):
        fund_services.entry_save(actor=actor, data={"document": document, "kind": kind, "area": area(LUSHUI),
                                                    "amount": Decimal(amount), "date": day, **extra})

    # Assets: the cattle farm (经营性, village) 800,000; the road (公益性, village) 1,200,000; pens of H1 (到户类,
    # household) 30,000; the county's photovoltaic plant (经营性, county) 2,000,000.
    def asset(project, **fields):
        return project_services.asset_save(actor=actor, data={"project": project, "owner_kind": "collective",
                                                              "owner_name": "村民委员会", **fields})

    asset(cattle, kind="productive", name="肉牛场", value=Decimal("800000"), owner_area=area(LUZHANG))
    asset(road, kind="public", name="鲁掌村道路", value=Decimal("1200000"), owner_area=area(LUZHANG))
    asset(cattle, kind="household", name="入户圈舍", value=Decimal("30000"), owner_kind="household",
          owner_name="和一", owner_household=h1, owner_area=area(LUZHANG))
    asset(cattle, kind="productive", name="泸水光伏电站", value=Decimal("2000000"), owner_kind="government",
          owner_name="泸水市乡村振兴局", owner_area=area(LUSHUI))
    return {"households": (h1, h2, h3, h4, h5, h6)}


def values(card):
    return {figure["key"]: figure["value"] for figure in card["figures"]}


def test_every_figure_of_the_county_by_hand(county):
    card = report_today(actor=system_user(), area_code="533301", year=2025)
    value = values(card)
    # Identified in 2025: b P2, c P3, d P4, e P5 (again) → 4 persons; households H5, P4 alone, H2 → 3.
    assert (value["monitoring_identified_year_persons"], value["monitoring_identified_year_households"]) == (4, 3)
    # By the end of 2025: P1, P2, P3, P4, P5, P8 → 6; households H1, H5, P4, H2, P8 → 5 (福贡's P6 is outside).
    assert (value["monitoring_identified_total_persons"], value["monitoring_identified_total_households"]) == (6, 5)
    # Risk eliminated in 2025: P1 (2025-06-30); P8 moved away (not an elimination); P4's is in 2026.
    assert (value["monitoring_eliminated_year_persons"], value["monitoring_eliminated_year_households"]) == (1, 1)
    # By the end of 2025: P1 and P5's first (2023) → 2 persons in H1 and H2.
    assert (value["monitoring_eliminated_total_persons"], value["monitoring_eliminated_total_households"]) == (2, 2)
    # At risk on 31 December 2025: P2, P3, P4 (ends 2026-02-01), P5 → 4; households H5, P4, H2 → 3.
    assert (value["monitoring_at_risk_persons"], value["monitoring_at_risk_households"]) == (4, 3)
    # By category: identified in 2025 — 1: P5; 2: P2, P3; 3: P4. Eliminated — 1: P1. At risk — 1: P5; 2: P2, P3; 3: P4.
    assert [value[f"monitoring_identified_year_category_{c}"] for c in "123"] == [1, 2, 1]
    assert [value[f"monitoring_eliminated_year_category_{c}"] for c in "123"] == [1, 0, 0]
    assert [value[f"monitoring_at_risk_category_{c}"] for c in "123"] == [1, 2, 1]
    # 脱贫户: H1, H2, H3, H4 (H5 never poor, H6 outside); with an industry measure in 2025: H1 (产业) and H4 (资产收益);
    # H2's was one-off in 2024, H3's is a public-welfare post → 2 of 4 = 50 %.
    assert (value["industry_households_exited"], value["industry_share_exited"]) == (2, 0.5)
    # 监测户 in 2025 (a membership in force in the year, linked household): H1 (to 2025-06-30), H5, H2 (from
    # 2025-10-01) → with industry H1 and H5: 2 of 3.
    assert (value["industry_households_monitored"], value["industry_share_monitored"]) == (2, 2 / 3)
    # Income of 脱贫户 (records of 2025: H1, H2, H4; H3 has none): (12,000 × 2 + 9,100 × 3 + 15,001 × 1) / 6
    # = 66,301 / 6 = 11,050.1666… → 11,050.17.
    assert value["exited_income_per_head"] == Decimal("11050.17")
    # 脱贫县 in 泸水: itself, 14,000.50.
    assert (value["tuopin_counties"], value["tuopin_county_income_per_head"]) == (1, Decimal("14000.50"))
    # 衔接资金: 275,000 / 500,000 = 55.00 % against the minimum 55 % → met (1 county of 1).
    assert (value["linked_allocated"], value["linked_spent"]) == (Decimal("600000.00"), Decimal("500000.00"))
    assert (value["linked_industry_share"], value["linked_industry_minimum"]) == (Decimal("0.5500"), Decimal("0.55"))
    assert value["linked_counties_meeting"] == 1
    # Assets by class: 经营性 800,000 + 2,000,000; 公益性 1,200,000; 到户类 30,000; by owner level: county 2,000,000,
    # township none, village 800,000 + 1,200,000, household 30,000; 4 assets worth 4,030,000 in all.
    assert [(value[f"assets_kind_{c}_count"], value[f"assets_kind_{c}_value"]) for c in (
        "productive", "public", "household")] == [(2, Decimal("2800000.00")), (1, Decimal("1200000.00")),
                                                  (1, Decimal("30000.00"))]
    assert [(value[f"assets_owner_level_{c}_count"], value[f"assets_owner_level_{c}_value"]) for c in (
        "county", "township", "village", "household")] == [
        (1, Decimal("2000000.00")), (0, Decimal("0.00")), (2, Decimal("2000000.00")), (1, Decimal("30000.00"))]
    assert (value["assets_held_count"], value["assets_held_value"]) == (4, Decimal("4030000.00"))


def test_each_figure_carries_its_provenance(county):
    card = report_today(actor=system_user(), area_code="533301", year=2025)
    figures = {figure["key"]: figure for figure in card["figures"]}
    for figure in card["figures"]:
        source = figure["how"]["source"]
        assert source["records"] and source["as_of"] == card["as_of"] and source["freshness"] == "live", figure
    rule = figures["linked_industry_share"]["how"]["parameter"]
    assert (rule["code"], rule["value"], rule["certainty"], rule["source"]) == (
        "linked_funds_industry_min_share", Decimal("0.55"), "L", "云南省衔接资金管理办法 (test)")
    industry = figures["industry_share_exited"]["how"]
    assert industry["rule"]["value"] == industry_measure_types() == ["asset_income", "industry", "microcredit"]
    assert industry["rule"]["certainty"] and industry["rule"]["source"]
    assert (industry["numerator"], industry["denominator"]) == (2, 4)
    income = figures["exited_income_per_head"]["how"]
    assert (income["records_found"], income["households"]) == (3, 4)  # H3 has no record of 2025
    assert figures["tuopin_county_income_per_head"]["how"]["counties"] == [LUSHUI]
    assert figures["monitoring_at_risk_persons"]["how"]["source"]["records"] == "lowincome.categorymembership"


def test_the_prefecture_weighs_its_tuopin_counties(county):
    value = values(report_today(actor=system_user(), area_code="5333", year=2025))
    # (100,000 × 14,000.50 + 50,000 × 12,000) / 150,000 = 2,000,050,000 / 150,000 = 13,333.666… → 13,333.67.
    assert (value["tuopin_counties"], value["tuopin_county_income_per_head"]) == (2, Decimal("13333.67"))
    # 福贡's P6 now counts: identified in 2025, 5 persons.
    assert value["monitoring_identified_year_persons"] == 5


def test_the_year_is_checked_and_the_card_scoped(county):
    with pytest.raises(ValidationFailed):
        report_today(actor=system_user(), area_code="533301", year=datetime.date.today().year + 1)
    with pytest.raises(ValidationFailed) as refused:
        report_today(actor=system_user(), area_code="533301", year=2019)
    with translation.override("zh-hans"):
        assert "2021" in str(refused.value)
    with pytest.raises(PermissionDenied):
        report_today(actor=make_user(actions=["view"], area=FUGONG), area_code="533301", year=2025)


def test_page_export_api_and_command(county, client):
    user = make_user(actions=["view", "export"], area=LUSHUI)
    client.force_login(user)
    with translation.override("zh-hans"):
        page = client.get(reverse("web:report-today", args=[LUSHUI]) + "?year=2025", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    text = page.content.decode()
    assert "风险消除" in text or "risk" in text.lower()
    assert 'data-key="linked_industry_share"' in text and "55.00%" in text
    assert client.get(reverse("web:report-today", args=[FUGONG]) + "?year=2025").status_code == 404
    future = client.get(reverse("web:report-today", args=[LUSHUI]) + "?year=2999")
    assert future.status_code == 200 and 'id="year-error"' in future.content.decode()
    export = client.get(reverse("web:report-today-export", args=[LUSHUI]) + "?year=2025")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    api = APIClient()
    api.force_authenticate(user)
    answer = api.get("/api/report-today/", {"area": "533301", "year": 2025})
    assert answer.status_code == 200
    figures = {figure["key"]: figure for figure in answer.json()["figures"]}
    assert figures["monitoring_at_risk_persons"]["value"] == 4
    assert api.get("/api/report-today/", {"area": "533323", "year": 2025}).status_code in (403, 404)
    out = StringIO()
    call_command("report", "today", "--area", "533301", "--year", "2025", "--format", "json", stdout=out)
    printed = {figure["key"]: figure["value"] for figure in json.loads(out.getvalue())["figures"]}
    assert printed["monitoring_identified_year_persons"] == 4
