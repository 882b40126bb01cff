"""The asset register (国办函〔2021〕51号) on a hand-built county, 泸水: six assets of every class, owner level and
source, custody records, a year's income distributed to the village and two households, one disposal through its
approval steps. Every expected value is computed by hand in the comments.

Assets (value, class, owner level, source):
  A1 鲁掌村道路      1,200,000  public      village (鲁掌)   fiscal      certificate 2021-05-01
  A2 鲁掌村肉牛场      800,000  productive  village (鲁掌)   east_west
  A3 入户养殖圈舍       30,000  household   household (鲁掌) fiscal
  A4 泸水光伏电站    2,000,000  productive  county           bonds
  A5 三河村饮水        500,000  public      village (三河)   donation    → disposed
  A6 三河村文化室      100,000  public      village (三河)   (not recorded: an older record)
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.projects import ledger, services
from fupin.projects.models import AssetDisposal, AssetIncome, AssetIncomeShare, ProjectAsset
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.testing.pages import in_form, shown

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, LUZHANG_TOWN, LUZHANG, SANHE = "533301000000", "533301102000", "533301102201", "533301102202"
FUGONG = "533323000000"


def english(refused) -> str:
    with translation.override("en"):
        return str(refused.value)


def area(code):
    return Area.objects.get(code=code)


def asset(project, **fields):
    data = {"project": project, "owner_kind": "collective", "owner_name": "村民委员会", **fields}
    if isinstance(data.get("owner_area"), str):
        data["owner_area"] = area(data["owner_area"])
    return services.asset_save(actor=system_user(), data=data)


@pytest.fixture
def county(db):
    load_fixture_divisions()
    actor = system_user()
    road = services.project_save(actor=actor, data={"name": "鲁掌村道路", "type": "infrastructure",
                                                    "area": area(LUZHANG), "year": 2019})
    cattle = services.project_save(actor=actor, data={"name": "鲁掌村肉牛养殖", "type": "industry",
                                                      "area": area(LUZHANG), "year": 2020})
    solar = services.project_save(actor=actor, data={"name": "泸水光伏", "type": "photovoltaic",
                                                     "area": area(LUSHUI), "year": 2018})
    water = services.project_save(actor=actor, data={"name": "三河村饮水", "type": "water", "area": area(SANHE),
                                                     "year": 2016})
    head, second = register_poor_household(area=LUZHANG, size=2), register_poor_household(area=LUZHANG, size=3)
    assets = {
        "A1": asset(road, kind="public", name="鲁掌村道路", value=Decimal("1200000"), owner_area=LUZHANG,
                    fund_source="fiscal", formed_on=D(2019, 10, 1), certificate_number="泸确〔2021〕1号",
                    certified_on=D(2021, 5, 1), custodian="鲁掌村村民委员会"),
        "A2": asset(cattle, kind="productive", name="鲁掌村肉牛场", value=Decimal("800000"), owner_area=LUZHANG,
                    fund_source="east_west", formed_on=D(2020, 6, 1), custodian="鲁掌村肉牛合作社"),
        "A3": asset(cattle, kind="household", name="入户养殖圈舍", value=Decimal("30000"), owner_kind="household",
                    owner_name="和四妹", owner_household=head, owner_area=LUZHANG, fund_source="fiscal",
                    formed_on=D(2019, 8, 1), certificate_number="泸确〔2021〕9号", certified_on=D(2021, 6, 1)),
        "A4": asset(solar, kind="productive", name="泸水光伏电站", value=Decimal("2000000"),
                    owner_kind="government", owner_name="泸水市乡村振兴局", owner_area=LUSHUI,
                    fund_source="bonds", formed_on=D(2018, 12, 1)),
        "A5": asset(water, kind="public", name="三河村饮水", value=Decimal("500000"), owner_area=SANHE,
                    fund_source="donation", formed_on=D(2017, 1, 1)),
        "A6": asset(water, kind="public", name="三河村文化室", value=Decimal("100000"), owner_area=SANHE),
    }
    return {"assets": assets, "households": (head, second), "projects": (road, cattle, solar, water)}


def test_the_register_derives_and_checks_the_owner_level(county):
    assets = county["assets"]
    assert [assets[key].owner_level for key in ("A1", "A3", "A4", "A6")] == [
        "village", "household", "county", "village"]
    road = county["projects"][0]
    cases = [
        ({"formed_on": D(2012, 12, 31)}, "formed_on",
         "formation date 2012-12-31 is before the start of the asset register 2013-01-01."),
        ({"certificate_number": "泸确〔2022〕3号"}, "certified_on",
         "Give the certificate's number and its date together."),
        ({"owner_level": "township"}, "owner_area",
         "An asset confirmed at township level names an owner's area of that level."),
        ({"owner_level": "household"}, "owner_level",
         "An asset confirmed to a household is owned by that household, and only such an asset."),
        ({"fund_source": "lottery"}, "fund_source", "Unknown source of funds “lottery”."),
        ({"formed_on": D(2020, 1, 1), "certificate_number": "x", "certified_on": D(2019, 1, 1)}, "certified_on",
         "certificate date 2019-01-01 is before the formation date 2020-01-01."),
    ]
    for extra, field, message in cases:
        with pytest.raises(ValidationFailed) as refused:
            asset(road, kind="public", name="路", value=Decimal("1"), owner_area=LUZHANG, **extra)
        assert (refused.value.field, english(refused)) == (field, message)
    # Confirmed to the township: an owner's area of the township's level.
    township_owned = asset(road, kind="public", name="镇道", value=Decimal("1"), owner_kind="government",
                           owner_name="鲁掌镇人民政府", owner_area=LUZHANG_TOWN, owner_level="township")
    assert township_owned.owner_level == "township"


def test_the_county_ledger_totals(county):
    services.disposal_apply(actor=system_user(), asset=county["assets"]["A5"], reason="水源改线，设施报废",
                            value=Decimal("20000"), applied_on=D(2024, 3, 1))
    disposal = AssetDisposal.objects.get()
    township, county_user = (make_user(actions=["view", "approve"], area=LUZHANG_TOWN),
                             make_user(actions=["view", "change", "approve"], area=LUSHUI))
    services.disposal_step(actor=township, disposal=disposal, step="township", on=D(2024, 3, 5))
    services.disposal_step(actor=county_user, disposal=disposal, step="county", on=D(2024, 3, 20))
    services.disposal_step(actor=system_user(), disposal=disposal, step="disposed", on=D(2024, 4, 1))
    result = ledger.county_ledger(actor=system_user(), area_code="533301")
    by = {d["field"]: {row["code"]: (row["held_count"], row["held_value"], row["disposed_count"],
                                     row["disposed_value"]) for row in d["rows"]} for d in result["dimensions"]}
    zero = Decimal("0.00")
    # Class: productive A2 + A4 = 2,800,000; public A1 + A6 = 1,300,000 held and A5 500,000 disposed; household A3.
    assert by["kind"] == {"productive": (2, Decimal("2800000.00"), 0, zero),
                          "public": (2, Decimal("1300000.00"), 1, Decimal("500000.00")),
                          "household": (1, Decimal("30000.00"), 0, zero)}
    # Owner level: county A4; village A1 + A2 + A6 = 2,100,000 (A5 disposed); household A3.
    assert by["owner_level"] == {"county": (1, Decimal("2000000.00"), 0, zero),
                                 "village": (3, Decimal("2100000.00"), 1, Decimal("500000.00")),
                                 "household": (1, Decimal("30000.00"), 0, zero)}
    # Source: fiscal A1 + A3 = 1,230,000; bonds A4; East–West A2; donation A5 (disposed); A6 not recorded.
    assert by["fund_source"] == {"fiscal": (2, Decimal("1230000.00"), 0, zero),
                                 "bonds": (1, Decimal("2000000.00"), 0, zero),
                                 "east_west": (1, Decimal("800000.00"), 0, zero),
                                 "donation": (0, zero, 1, Decimal("500000.00")),
                                 "": (1, Decimal("100000.00"), 0, zero)}
    # 1,200,000 + 800,000 + 30,000 + 2,000,000 + 100,000 = 4,130,000 held.
    assert result["totals"] == {"held_count": 5, "held_value": Decimal("4130000.00"), "disposed_count": 1,
                                "disposed_value": Decimal("500000.00")}
    assert [row["code"] for row in result["dimensions"][2]["rows"]] == [
        "fiscal", "bonds", "east_west", "donation", ""]
    with pytest.raises(PermissionDenied):
        ledger.county_ledger(actor=make_user(actions=["view"], area=FUGONG), area_code=LUSHUI)


@pytest.fixture
def kept(county):
    """A1 maintained twice (5,000 and 3,500.50); A2 earned 60,000 in 2022 (20,000 to 鲁掌村, 15,000 to each of two
    households) and 40,000 in 2023 (not yet distributed)."""
    actor = system_user()
    a1, a2 = county["assets"]["A1"], county["assets"]["A2"]
    services.maintenance_save(actor=actor, data={"asset": a1, "date": D(2022, 3, 1), "cost": Decimal("5000"),
                                                 "note": "路面修补"})
    services.maintenance_save(actor=actor, data={"asset": a1, "date": D(2023, 4, 1), "cost": Decimal("3500.50"),
                                                 "note": "边沟清理"})
    income = services.asset_income_save(actor=actor, data={"asset": a2, "year": 2022, "amount": Decimal("60000")})
    services.asset_income_save(actor=actor, data={"asset": a2, "year": 2023, "amount": Decimal("40000")})
    services.income_share_save(actor=actor, data={"income": income, "recipient": "village", "area": area(LUZHANG),
                                                  "amount": Decimal("20000"), "paid_on": D(2023, 1, 20),
                                                  "posted_on": D(2023, 1, 10)})
    for household in county["households"]:
        services.income_share_save(actor=actor, data={"income": income, "recipient": "household",
                                                      "household": household, "amount": Decimal("15000"),
                                                      "paid_on": D(2023, 1, 20), "posted_on": D(2023, 1, 10)})
    return {**county, "income": income}


def test_income_distribution_adds_up(kept):
    income = kept["income"]
    income.refresh_from_db()
    assert income.distributed_to_households == Decimal("30000.00")  # 15,000 × 2
    with pytest.raises(ValidationFailed) as refused:  # 60,000 − 50,000 = 10,000 left
        services.income_share_save(actor=system_user(), data={
            "income": income, "recipient": "village", "area": area(LUZHANG), "amount": Decimal("10000.01"),
            "paid_on": D(2023, 2, 1)})
    assert english(refused) == "Only 10000.00 of the income of 60000.00 is left to distribute."
    with pytest.raises(ValidationFailed) as refused:  # the items now decide what went to households
        services.asset_income_save(actor=system_user(), instance=income, data={
            "distributed_to_households": Decimal("40000")})
    assert refused.value.field == "distributed_to_households"
    with pytest.raises(ValidationFailed) as refused:  # 2022 income is not paid in 2021
        services.income_share_save(actor=system_user(), data={
            "income": income, "recipient": "village", "area": area(LUZHANG), "amount": Decimal("1"),
            "paid_on": D(2021, 12, 31)})
    assert refused.value.field == "paid_on"
    assert AssetIncomeShare.objects.count() == 3


def test_the_village_ledger_and_its_public_notice(kept):
    result = ledger.village_ledger(actor=system_user(), area_code=LUZHANG)
    rows = {row["name"]: row for row in result["rows"]}
    assert [row["name"] for row in result["rows"]] == ["入户养殖圈舍", "鲁掌村肉牛场", "鲁掌村道路"]
    road, cattle, pen = rows["鲁掌村道路"], rows["鲁掌村肉牛场"], rows["入户养殖圈舍"]
    assert (road["maintenances"], road["maintenance_cost"], road["last_maintained"], road["custodian"]) == (
        2, Decimal("8500.50"), D(2023, 4, 1), "鲁掌村村民委员会")
    # 60,000 + 40,000 earned; 20,000 to the village; 30,000 to two households.
    assert (cattle["income"], cattle["to_village"], cattle["to_households"], cattle["households_paid"]) == (
        Decimal("100000.00"), Decimal("20000.00"), Decimal("30000.00"), 2)
    assert (pen["owner"], pen["certificate_number"]) == ("和四妹", "泸确〔2021〕9号")
    assert result["totals"] == {"assets": 3, "value": Decimal("2030000.00"), "maintenance_cost": Decimal("8500.50"),
                                "income": Decimal("100000.00"), "to_village": Decimal("20000.00"),
                                "to_households": Decimal("30000.00")}
    public = ledger.village_ledger(actor=system_user(), area_code=LUZHANG, public=True)
    pen = next(row for row in public["rows"] if row["name"] == "入户养殖圈舍")
    assert pen["owner"] == "农户"  # the owner kind's label in the language in force (zh-Hans by default)
    assert pen["certificate_number"] == "" and public["totals"] == result["totals"]
    above = ledger.village_ledger(actor=system_user(), area_code=LUSHUI)  # a county: its villages' ledgers
    assert (above["rows"], above["villages"]) == ([], [{"area": LUZHANG, "name": "鲁掌村委会", "assets": 3},
                                                       {"area": SANHE, "name": "三河村委会", "assets": 2}])


def test_the_pages_exports_and_notice(kept, client):
    client.force_login(make_user(actions=["view", "export"], area=LUSHUI))
    page = client.get(reverse("web:asset-ledger", args=[LUSHUI]))
    assert page.status_code == 200 and reverse("web:village-asset-ledger", args=[LUZHANG]) in page.content.decode()
    ledger_page = client.get(reverse("web:village-asset-ledger", args=[LUZHANG])).content.decode()
    assert "和四妹" in ledger_page and "8500.50" in ledger_page
    notice = client.get(reverse("web:village-asset-notice", args=[LUZHANG])).content.decode()
    head, second = kept["households"]
    for private in ("和四妹", "泸确〔2021〕9号", head.number, second.number,
                    *head.members.values_list("id_number", flat=True)):
        assert private not in notice
    assert "30000.00" in notice and "鲁掌村道路" in notice
    county_notice = client.get(reverse("web:village-asset-notice", args=[LUSHUI]))
    assert reverse("web:village-asset-notice", args=[SANHE]) in county_notice.content.decode()
    for name, code in (("asset-ledger-export", LUSHUI), ("village-asset-ledger-export", LUZHANG)):
        export = client.get(reverse(f"web:{name}", args=[code]))
        assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("web:asset-ledger", args=[FUGONG])).status_code == 404
    api = APIClient()
    api.force_authenticate(make_user(actions=["view"], area=LUSHUI))
    answer = api.get("/api/project-assets/ledger/", {"area": "533301"})
    assert answer.status_code == 200 and answer.json()["totals"]["held_count"] == 6
    answer = api.get("/api/project-assets/village-ledger/", {"area": LUZHANG, "public": "true"})
    assert answer.status_code == 200 and "和四妹" not in answer.content.decode()
    shares = api.get("/api/asset-income-shares/").json()["results"]
    assert sorted(row["recipient"] for row in shares) == ["household", "household", "village"]
    assert "id_number" not in shares[0]


def test_disposal_steps_in_order_and_by_whom(county):
    a5 = county["assets"]["A5"]  # owned by 三河村: township, then county
    village = make_user(actions=["view", "change", "approve"], area=SANHE)
    township = make_user(actions=["view", "approve"], area=LUZHANG_TOWN)
    county_user = make_user(actions=["view", "change", "approve"], area=LUSHUI)
    with pytest.raises(PermissionDenied):  # a township reviewer does not apply (no change right)
        services.disposal_apply(actor=township, asset=a5, reason="报废", value=Decimal("0"))
    disposal = services.disposal_apply(actor=village, asset=a5, reason="水源改线，设施报废", value=Decimal("20000"),
                                       applied_on=D(2024, 3, 1))
    a5.refresh_from_db()
    assert (disposal.status, a5.status, services.next_disposal_step(disposal)) == ("applied", "disposing",
                                                                                    "township")
    with pytest.raises(ValidationFailed) as refused:
        services.disposal_apply(actor=village, asset=a5, reason="再次申请", value=Decimal("0"))
    assert english(refused) == "A disposal of this asset is already under way."
    with pytest.raises(ValidationFailed) as refused:  # the county cannot decide before the township
        services.disposal_step(actor=county_user, disposal=disposal, step="county", on=D(2024, 3, 10))
    assert english(refused) == ("The next step of this disposal is “approved by the township”, not “approved by "
                                "the county”.")
    with pytest.raises(PermissionDenied):  # a village grant is below the township's step
        services.disposal_step(actor=village, disposal=disposal, step="township", on=D(2024, 3, 5))
    with pytest.raises(PermissionDenied):  # another county's approver
        services.disposal_step(actor=make_user(actions=["view", "approve"], area=FUGONG), disposal=disposal,
                               step="township", on=D(2024, 3, 5))
    with pytest.raises(ValidationFailed) as refused:  # before the application
        services.disposal_step(actor=township, disposal=disposal, step="township", on=D(2024, 2, 28))
    assert english(refused) == "step date 2024-02-28 is before the previous step 2024-03-01."
    services.disposal_step(actor=township, disposal=disposal, step="township", on=D(2024, 3, 5))
    with pytest.raises(PermissionDenied):  # a township grant is below the county's step
        services.disposal_step(actor=township, disposal=disposal, step="county", on=D(2024, 3, 20))
    services.disposal_step(actor=county_user, disposal=disposal, step="county", on=D(2024, 3, 20))
    with pytest.raises(ValidationFailed):  # carried out before the county approved
        services.disposal_step(actor=village, disposal=disposal, step="disposed", on=D(2024, 3, 19))
    services.disposal_step(actor=village, disposal=disposal, step="disposed", on=D(2024, 4, 1))
    disposal.refresh_from_db()
    a5.refresh_from_db()
    assert (disposal.status, disposal.applied_by, disposal.township_by, disposal.county_by, disposal.disposed_on,
            a5.status) == ("disposed", village, township, county_user, D(2024, 4, 1), "disposed")
    with pytest.raises(ValidationFailed) as refused:
        services.disposal_step(actor=county_user, disposal=disposal, step="disposed", on=D(2024, 4, 2))
    assert english(refused) == "The disposal is closed (disposed)."
    with pytest.raises(ValidationFailed):  # a disposed asset's record is closed
        services.maintenance_save(actor=system_user(), data={"asset": a5, "date": D(2024, 5, 1),
                                                             "cost": Decimal("1"), "note": "x"})


def test_a_refusal_ends_a_disposal_and_a_county_asset_skips_the_township(county):
    county_user = make_user(actions=["view", "change", "approve"], area=LUSHUI)
    other_approver = make_user(actions=["view", "change", "approve"], area=LUSHUI)
    a2 = county["assets"]["A2"]
    disposal = services.disposal_apply(actor=county_user, asset=a2, reason="经营不善", value=Decimal("300000"),
                                       applied_on=D(2024, 6, 1))
    with pytest.raises(ValidationFailed) as refused:  # whoever applied does not approve
        services.disposal_step(actor=county_user, disposal=disposal, step="township", on=D(2024, 6, 2))
    assert english(refused) == "Whoever applied for a disposal does not approve it."
    services.disposal_step(actor=other_approver, disposal=disposal, step="township", on=D(2024, 6, 3),
                           approve=False, note="尚可经营")
    a2.refresh_from_db()
    disposal.refresh_from_db()
    assert (disposal.status, disposal.rejected_on, disposal.note, a2.status) == (
        "rejected", D(2024, 6, 3), "尚可经营", "in_use")
    again = services.disposal_apply(actor=county_user, asset=a2, reason="经营不善", value=Decimal("300000"),
                                    applied_on=D(2024, 9, 1))
    assert again.status == "applied"
    a4 = county["assets"]["A4"]  # owned by the county: no township step
    disposal = services.disposal_apply(actor=county_user, asset=a4, reason="设备报废", value=Decimal("1000"),
                                       applied_on=D(2024, 6, 1))
    assert services.next_disposal_step(disposal) == "county"
    services.disposal_step(actor=other_approver, disposal=disposal, step="county", on=D(2024, 6, 5))
    assert services.next_disposal_step(disposal) == "disposed"


def test_the_api_applies_and_steps(county):
    a5 = county["assets"]["A5"]
    village, township = APIClient(), APIClient()
    village.force_authenticate(make_user(actions=["view", "change"], area=SANHE))
    township.force_authenticate(make_user(actions=["view", "approve"], area=LUZHANG_TOWN))
    made = village.post("/api/asset-disposals/", {"asset": a5.pk, "reason": "报废", "value": "0",
                                                  "applied_on": "2024-03-01"}, format="json")
    assert made.status_code == 201 and made.json()["next_step"] == "township"
    url = f"/api/asset-disposals/{made.json()['id']}/step/"
    assert village.post(url, {"step": "township", "on": "2024-03-02"}, format="json").status_code == 403
    stepped = township.post(url, {"step": "township", "on": "2024-03-02"}, format="json")
    assert stepped.status_code == 200 and stepped.json()["status"] == "township"
    assert ProjectAsset.objects.get(pk=a5.pk).status == "disposing"
    listed = village.get("/api/project-assets/", {"owner_area": "533301102202", "status": "disposing"})
    assert [row["id"] for row in listed.json()["results"]] == [a5.pk]
    assert AssetIncome.objects.count() == 0


def test_the_project_assets_page_records_and_steps(county, client):
    solar = county["projects"][2]  # 泸水光伏: A4, owned by the county (no township step)
    a4 = county["assets"]["A4"]
    url = reverse("web:project-assets", args=[solar.pk])
    client.force_login(make_user(actions=["view", "change", "approve"], area=LUSHUI))
    page = client.get(url)
    assert page.status_code == 200 and f'data-asset="{a4.pk}"' in page.content.decode()
    assert client.post(url, {"form": "maintenance", "asset": a4.pk, "date": "2024-05-01", "cost": "1200",
                             "note": "组件清洗"}).status_code == 302
    assert client.post(url, {"form": "dispose", "asset": a4.pk, "reason": "设备报废", "value": "5000",
                             "applied_on": "2024-06-01"}).status_code == 302
    disposal = AssetDisposal.objects.get(asset=a4)
    # The applicant may not approve: the service's refusal is shown in the form, nothing written.
    refused = client.post(url, {"form": "step", "disposal": disposal.pk, "step": "county", "on": "2024-06-05",
                                "approve": "yes"})
    assert refused.status_code == 200
    assert shown(gettext_lazy("Whoever applied for a disposal does not approve it.")) in in_form(refused, "step")
    disposal.refresh_from_db()
    assert disposal.status == "applied"
    client.force_login(make_user(actions=["view", "change", "approve"], area=LUSHUI))
    assert client.post(url, {"form": "step", "disposal": disposal.pk, "step": "county", "on": "2024-06-05",
                             "approve": "yes"}).status_code == 302
    disposal.refresh_from_db()
    assert (disposal.status, disposal.county_on) == ("county", D(2024, 6, 5))
    assert a4.maintenances.get().cost == Decimal("1200.00")
    client.force_login(make_user(actions=["view", "change"], area=FUGONG))
    assert client.get(url).status_code == 404


def test_the_village_ledger_costs_the_same_with_more_assets(kept):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            ledger.village_ledger(actor=system_user(), area_code=LUZHANG)
        return len(queries)

    before = count()
    cattle = kept["projects"][1]
    more = asset(cattle, kind="public", name="鲁掌村活动室", value=Decimal("90000"), owner_area=LUZHANG,
                 custodian="鲁掌村村民委员会")
    services.maintenance_save(actor=system_user(), data={"asset": more, "date": D(2024, 1, 5), "cost": Decimal("10"),
                                                         "note": "门窗维修"})
    income = services.asset_income_save(actor=system_user(), data={"asset": more, "year": 2024,
                                                                   "amount": Decimal("500")})
    services.income_share_save(actor=system_user(), data={"income": income, "recipient": "village",
                                                          "area": area(LUZHANG), "amount": Decimal("500"),
                                                          "paid_on": D(2024, 12, 1)})
    assert count() == before
