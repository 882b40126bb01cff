"""Linked funds (衔接推进乡村振兴补助资金) on a hand-built prefecture: one 2023 document allocated to 泸水 and 福贡,
issued (下达) and spent on industry and other projects. Expected values are computed by hand in the comments: the
industry share against the province's minimum at the boundary (55.00 % meets 55 %, 54.99 % does not), the
province's own row before the national one, no judgment without a rule, corrections counted, and the stage
checks (never more issued than allocated nor spent than issued as of a day, no future date, none before the
document)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.core import temporal
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.funds import codelists as cl
from fupin.funds import linked, services
from fupin.projects import services as project_services
from fupin.rules.models import PolicyParameter
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
YUNNAN, NUJIANG, LUSHUI, FUGONG = "530000000000", "533300000000", "533301000000", "533323000000"
LUZHANG, LAZHUDI = "533301102201", "533323101201"


def english(refused) -> str:
    with translation.override("en"):
        return str(refused.value)


def entry(document, kind, area, amount, day, **extra):
    return services.entry_save(actor=system_user(), data={
        "document": document, "kind": kind, "area": Area.objects.get(code=area), "amount": Decimal(amount),
        "date": day, **extra})


def project(area, name, project_type):
    return project_services.project_save(actor=system_user(), data={
        "name": name, "type": project_type, "area": Area.objects.get(code=area), "year": 2023})


@pytest.fixture
def linked_year(db):
    """云财衔接〔2023〕1号, 1,000,000: 泸水 600,000 allocated, 500,000 issued, 500,000 spent (275,000 on a cattle
    project = industry, 225,000 on a road); 福贡 400,000 allocated, issued and spent (219,960 industry, 180,040 on
    housing). A provincial fiscal document of the same year is not linked money and counts for nothing."""
    load_fixture_divisions()
    document = services.fund_document_save(actor=system_user(), data={
        "number": "云财衔接〔2023〕1号", "title": "2023年衔接推进乡村振兴补助资金", "source": "linked", "year": 2023,
        "issuing_area": Area.objects.get(code=YUNNAN), "total": Decimal("1000000"), "issued_on": D(2023, 1, 10)})
    other = services.fund_document_save(actor=system_user(), data={
        "number": "云财农〔2023〕9号", "title": "省级财政资金", "source": "provincial_fiscal", "year": 2023,
        "issuing_area": Area.objects.get(code=YUNNAN), "total": Decimal("50000"), "issued_on": D(2023, 1, 10)})
    cattle, road = project(LUZHANG, "鲁掌村肉牛养殖", "industry"), project(LUZHANG, "鲁掌村道路", "infrastructure")
    tea, housing = project(LAZHUDI, "腊竹底村茶叶", "industry"), project(LAZHUDI, "腊竹底村危房改造", "housing")
    entry(document, "allocate", LUSHUI, "600000", D(2023, 2, 1))
    entry(document, "allocate", FUGONG, "400000", D(2023, 2, 1))
    entry(document, "arrive", LUSHUI, "500000", D(2023, 3, 1))
    entry(document, "arrive", FUGONG, "400000", D(2023, 3, 1))
    cattle_spend = entry(document, "spend", LUSHUI, "275000", D(2023, 6, 1), project=cattle)
    entry(document, "spend", LUSHUI, "225000", D(2023, 6, 1), project=road)
    entry(document, "spend", FUGONG, "219960", D(2023, 6, 1), project=tea)
    entry(document, "spend", FUGONG, "180040", D(2023, 6, 1), project=housing)
    entry(other, "allocate", LUSHUI, "50000", D(2023, 2, 1))
    entry(other, "arrive", LUSHUI, "50000", D(2023, 2, 1))
    entry(other, "spend", LUSHUI, "50000", D(2023, 6, 1), project=cattle)
    return {"document": document, "cattle": cattle, "cattle_spend": cattle_spend, "road": road}


def yunnan_minimum(value="0.55", year=2023):
    PolicyParameter.objects.create(code=linked.INDUSTRY_SHARE, effective_year=year, province_code="53",
                                   value=Decimal(value), certainty="L", source="云南省衔接资金管理办法 (test)")


def test_linked_funds_are_a_fund_source():
    assert cl.FUND_SOURCE.lookup("衔接资金") == "linked"
    assert "linked" in cl.FISCAL_SOURCES and cl.GROUP_SOURCES["linked"] == ("linked",)


def test_the_minimum_is_policy_data_with_source_and_certainty(db):
    # Seeded nationally (U: recalled, not verified): 55 % from 2022, 60 % from 2023; none for 2021.
    assert linked.industry_minimum(2021, "53") is None
    assert linked.industry_minimum(2022, "53")["value"] == Decimal("0.5500")
    national = linked.industry_minimum(2025, "53")
    assert (national["value"], national["effective_year"], national["province"], national["certainty"]) == (
        Decimal("0.6000"), 2023, None, "U")
    assert "2023" in national["source"]
    yunnan_minimum("0.55", 2022)  # a province's own row wins over a later national one
    own = linked.industry_minimum(2025, "53")
    assert (own["value"], own["province"], own["certainty"]) == (Decimal("0.5500"), "53", "L")


def test_the_industry_share_at_the_boundary(linked_year):
    yunnan_minimum("0.55")
    report = linked.linked_funds_report(actor=system_user(), area_code=NUJIANG, year=2023)
    lushui, fugong = report["rows"]
    # 泸水: 275,000 / 500,000 = 0.5500 ≥ 0.55: met (exactly at the minimum).
    assert (lushui["area"], lushui["allocated"], lushui["issued"], lushui["spent"], lushui["industry"]) == (
        LUSHUI, Decimal("600000.00"), Decimal("500000.00"), Decimal("500000.00"), Decimal("275000.00"))
    assert (lushui["share"], lushui["minimum"], lushui["met"]) == (Decimal("0.5500"), Decimal("0.5500"), True)
    assert (lushui["not_issued"], lushui["unspent"]) == (Decimal("100000.00"), Decimal("0.00"))
    # 福贡: 219,960 / 400,000 = 0.5499 < 0.55: not met.
    assert (fugong["area"], fugong["industry"], fugong["share"], fugong["met"]) == (
        FUGONG, Decimal("219960.00"), Decimal("0.5499"), False)
    # 怒江: 494,960 / 900,000 = 0.549955… (shown 0.5500) is below 0.55 × 900,000 = 495,000: not met.
    totals = report["totals"]
    assert (totals["allocated"], totals["issued"], totals["spent"], totals["industry"]) == (
        Decimal("1000000.00"), Decimal("900000.00"), Decimal("900000.00"), Decimal("494960.00"))
    assert (totals["share"], totals["met"]) == (Decimal("0.5500"), False)
    assert (report["met"], report["not_met"]) == (1, 1)
    assert report["rule"]["province"] == "53" and report["rule"]["certainty"] == "L"


def test_the_national_minimum_applies_without_a_provincial_row(linked_year):
    # 2023 national: 60 %; 泸水's 55 % does not meet it.
    report = linked.linked_funds_report(actor=system_user(), area_code=LUSHUI, year=2023)
    (row,) = report["rows"]
    assert (row["share"], row["minimum"], row["met"]) == (Decimal("0.5500"), Decimal("0.6000"), False)


def test_no_rule_no_judgment_and_corrections_count(linked_year):
    PolicyParameter.objects.filter(code=linked.INDUSTRY_SHARE).delete()
    report = linked.linked_funds_report(actor=system_user(), area_code=LUSHUI, year=2023)
    assert report["rule"] is None and report["rows"][0]["met"] is None and report["rows"][0]["share"] == Decimal(
        "0.5500")
    yunnan_minimum("0.55")
    # 25,000 of the cattle spending taken back: 250,000 / 475,000 = 0.5263: not met.
    services.entry_save(actor=system_user(), data={"document": linked_year["document"], "kind": "adjust",
                                                   "corrects": linked_year["cattle_spend"],
                                                   "amount": Decimal("-25000"), "date": D(2023, 7, 1)})
    (row,) = linked.linked_funds_report(actor=system_user(), area_code=LUSHUI, year=2023)["rows"]
    assert (row["spent"], row["industry"], row["share"], row["met"]) == (
        Decimal("475000.00"), Decimal("250000.00"), Decimal("0.5263"), False)
    assert linked.linked_funds_report(actor=system_user(), area_code=LUSHUI, year=2022)["rows"] == []


def test_stage_amounts_and_dates_are_checked(linked_year):
    document, road = linked_year["document"], linked_year["road"]
    with pytest.raises(ValidationFailed) as refused:  # 下达 above 分配: 600,000 allocated, 500,000 issued
        entry(document, "arrive", LUSHUI, "100000.01", D(2023, 4, 1))
    assert english(refused) == "As of 2023-04-01 only 100000.00 allocated to the area had not arrived yet."
    with pytest.raises(ValidationFailed) as refused:  # 支出 above 下达: all 500,000 issued is spent
        entry(document, "spend", LUSHUI, "0.01", D(2023, 7, 1), project=road)
    assert english(refused) == ("As of 2023-07-01 only 0.00 of this document had arrived at the area and was "
                                 "unspent.")
    with pytest.raises(ValidationFailed) as refused:  # 下达 before 分配 (allocated 02-01)
        entry(document, "arrive", LUSHUI, "1000", D(2023, 1, 20))
    assert english(refused) == "As of 2023-01-20 only 0.00 allocated to the area had not arrived yet."
    with pytest.raises(ValidationFailed) as refused:  # 分配 before the document
        entry(document, "allocate", LUSHUI, "1000", D(2023, 1, 9))
    assert refused.value.field == "date"
    with pytest.raises(ValidationFailed) as refused:  # never in the future
        entry(document, "arrive", LUSHUI, "1000", temporal.today() + datetime.timedelta(days=1))
    assert refused.value.field == "date" and "future" in english(refused)


def test_the_report_is_scoped_page_api_and_export(linked_year, client):
    yunnan_minimum("0.55")
    with pytest.raises(PermissionDenied):
        linked.linked_funds_report(actor=make_user(actions=["view"], area=FUGONG), area_code=LUSHUI, year=2023)
    client.force_login(make_user(actions=["view", "export"], area=LUSHUI))
    page = client.get(reverse("web:linked-funds", args=[LUSHUI]) + "?year=2023")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-area="{LUSHUI}"' in body and "275000.00" in body and f'data-area="{FUGONG}"' not in body
    assert client.get(reverse("web:linked-funds", args=[FUGONG]) + "?year=2023").status_code == 404
    export = client.get(reverse("web:linked-funds-export", args=[LUSHUI]) + "?year=2023")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    viewer = APIClient()
    viewer.force_authenticate(make_user(actions=["view"], area=LUSHUI))
    answer = viewer.get("/api/fund-documents/linked-report/", {"area": "533301", "year": 2023})
    assert answer.status_code == 200
    (row,) = answer.json()["rows"]
    assert (row["area"], Decimal(str(row["share"])), row["met"]) == (LUSHUI, Decimal("0.55"), True)
    assert viewer.get("/api/fund-documents/linked-report/", {"area": "533323", "year": 2023}).status_code == 403
    assert viewer.get("/api/fund-documents/linked-report/", {"area": "533301"}).status_code == 400
    # Exporting needs the export right.
    client.force_login(make_user(actions=["view"], area=LUSHUI))
    assert client.get(reverse("web:linked-funds-export", args=[LUSHUI]) + "?year=2023").status_code == 404
