"""The funds ledger on hand-built examples: a document allocated to two counties (one deep-poverty), arriving and
spent on projects and households, traced back with amounts that add up; refusals of overspending and of changes;
and the seed's shares to deep-poverty counties (2017: 30.5 % fiscal, 22.6 % revolving, > 20 % re-lending; 2018:
30.3 %)."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from fupin.areas.models import Area, AreaDesignation
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.funds import codelists as cl
from fupin.funds import report, selectors, services
from fupin.funds.models import FundDocument, FundEntry
from fupin.projects import services as project_services
from fupin.testing.factories import add_area, load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.testing.permission_matrix import PermissionMatrix

pytestmark = pytest.mark.django_db
D = datetime.date
YUNNAN, LUSHUI, FUGONG = "530000000000", "533301000000", "533323000000"
LUZHANG, SANHE, LAZHUDI = "533301102201", "533301102202", "533323101201"
DONGGUAN = "441900000000"


def make_document(number, source, year, total, issuer=YUNNAN, actor=None):
    return services.fund_document_save(actor=actor or system_user(), data={
        "number": number, "title": f"关于下达{year}年扶贫资金的通知", "source": source, "year": year,
        "issuing_area": Area.objects.get(code=issuer) if issuer else None, "total": Decimal(total),
        "issued_on": D(year, 3, 1)})


def make_entry(document, kind, area=None, amount="0", day=None, actor=None, **extra):
    data = {"document": document, "kind": kind, "amount": Decimal(amount), "date": day or D(2017, 4, 1), **extra}
    if area:
        data["area"] = Area.objects.get(code=area)
    return services.entry_save(actor=actor or system_user(), data=data)


def make_project(area, name, project_type="industry", year=2017):
    return project_services.project_save(actor=system_user(), data={
        "name": name, "type": project_type, "area": Area.objects.get(code=area), "year": year})


def test_sources_and_groups_are_data():
    assert cl.FUND_SOURCE.lookup("扶贫再贷款") == "relending" and cl.FUND_SOURCE.lookup("周转金") == "revolving"
    assert cl.GROUP_SOURCES["fiscal_poverty"] == ("central_fiscal", "provincial_fiscal")
    assert {"central_fiscal", "provincial_fiscal", "local_fiscal"} <= cl.FISCAL_SOURCES
    assert "relending" not in cl.FISCAL_SOURCES
    assert selectors.source_codes("fiscal_poverty") == ("central_fiscal", "provincial_fiscal")
    assert selectors.source_codes(["revolving"]) == ("revolving",)
    with pytest.raises(ValidationFailed):
        selectors.source_codes(["gold"])


@pytest.fixture
def ledger(db):
    """云财农〔2017〕12号: 1,000,000 to 泸水 (600,000) and 福贡 (400,000, deep-poverty), all arrived and spent."""
    load_fixture_divisions()
    AreaDesignation.objects.create(area_id=FUGONG, designation_type_id="deep_poverty_county", year=2017)
    document = make_document("云财农〔2017〕12号", "provincial_fiscal", 2017, "1000000")
    households = {"luzhang": register_poor_household(area=LUZHANG, size=3),
                  "sanhe": register_poor_household(area=SANHE, size=2),
                  "lazhudi": register_poor_household(area=LAZHUDI, size=4)}
    projects = {"cattle": make_project(LUZHANG, "鲁掌村养牛"),
                "road": make_project(LUSHUI, "泸水通村公路", "infrastructure"),
                "housing": make_project(LAZHUDI, "腊竹底村危房改造", "housing")}
    make_entry(document, "allocate", LUSHUI, "600000")
    make_entry(document, "allocate", FUGONG, "400000")
    make_entry(document, "arrive", LUSHUI, "600000", D(2017, 4, 20))
    make_entry(document, "arrive", FUGONG, "400000", D(2017, 5, 5))
    for area, project, household, amount in (
            (LUSHUI, "cattle", "luzhang", "150000"), (LUSHUI, "cattle", "sanhe", "100000"),
            (LUSHUI, "cattle", None, "50000"), (LUSHUI, "road", None, "300000"),
            (FUGONG, "housing", "lazhudi", "350000"), (FUGONG, "housing", None, "50000")):
        make_entry(document, "spend", area, amount, D(2017, 8, 1), project=projects[project],
               household=households[household] if household else None)
    return document, projects, households


def test_trace_from_document_to_households(ledger):
    document, _projects, households = ledger
    trace = selectors.trace(actor=system_user(), document=document)
    assert (trace["allocated"], trace["arrived"], trace["spent"], trace["unallocated"]) == (
        Decimal("1000000"), Decimal("1000000"), Decimal("1000000"), Decimal("0"))
    assert [(row["area"], row["allocated"], row["spent"], row["balance"]) for row in trace["areas"]] == [
        (LUSHUI, Decimal("600000"), Decimal("600000"), Decimal("0")),
        (FUGONG, Decimal("400000"), Decimal("400000"), Decimal("0"))]
    lushui = trace["areas"][0]["projects"]
    assert [(p["name"], p["spent"], p["to_households"]) for p in lushui] == [
        ("鲁掌村养牛", Decimal("300000"), Decimal("250000")), ("泸水通村公路", Decimal("300000"), Decimal("0"))]
    assert [(h["household"], h["amount"]) for h in lushui[0]["households"]] == [
        (households["luzhang"].pk, Decimal("150000")), (households["sanhe"].pk, Decimal("100000"))]
    # Projects add up to each area's allocation, and households to what was spent on households.
    for row in trace["areas"]:
        assert sum(p["spent"] for p in row["projects"]) == row["allocated"]
    every_household = [h["amount"] for row in trace["areas"] for p in row["projects"] for h in p["households"]]
    assert sum(every_household) == trace["to_households"] == Decimal("600000")
    reached = selectors.household_funds(actor=system_user(), household=households["lazhudi"])
    assert reached["total"] == Decimal("350000")
    assert reached["by_source"] == {"provincial_fiscal": Decimal("350000")}
    assert [(row["number"], [p["name"] for p in row["projects"]]) for row in reached["documents"]] == [
        ("云财农〔2017〕12号", ["腊竹底村危房改造"])]


def test_a_county_sees_only_its_part_of_the_trace(ledger):
    document, _projects, households = ledger
    county = make_user(actions=["view"], area=FUGONG)
    assert list(selectors.document_list(actor=county)) == [document]  # it reached 福贡, though issued by 云南
    trace = selectors.trace(actor=county, document=document)
    assert [row["area"] for row in trace["areas"]] == [FUGONG] and trace["allocated"] == Decimal("400000")
    with pytest.raises(PermissionDenied):
        selectors.household_funds(actor=county, household=households["luzhang"])


def test_overspending_is_refused(ledger):
    document, projects, _households = ledger
    with pytest.raises(ValidationFailed) as refused:  # everything that arrived at 泸水 is spent
        make_entry(document, "spend", LUSHUI, "0.01", project=projects["road"])
    assert refused.value.params["left"] == Decimal("0")
    second = make_document("云财农〔2017〕30号", "provincial_fiscal", 2017, "500000")
    make_entry(second, "allocate", LUSHUI, "300000")
    with pytest.raises(ValidationFailed):  # only 200,000 is left of the document
        make_entry(second, "allocate", FUGONG, "200000.01")
    make_entry(second, "arrive", LUSHUI, "100000")
    with pytest.raises(ValidationFailed):  # allocated 300,000 but only 100,000 arrived
        make_entry(second, "spend", LUSHUI, "100000.01", project=projects["road"])
    with pytest.raises(ValidationFailed):  # more cannot arrive than was allocated
        make_entry(second, "arrive", LUSHUI, "200000.01")
    with pytest.raises(ValidationFailed):  # the money is held by 泸水, the project is in 福贡
        make_entry(second, "spend", LUSHUI, "1", project=projects["housing"])
    with pytest.raises(ValidationFailed):  # spending needs a project
        make_entry(second, "spend", LUSHUI, "1")
    with pytest.raises(ValidationFailed):  # a province's document is allocated inside the province
        make_entry(second, "allocate", DONGGUAN, "1")
    spent = make_entry(second, "spend", LUSHUI, "100000", project=projects["road"])
    assert selectors.area_balance(second, LUSHUI) == {
        "area": LUSHUI, "allocated": Decimal("300000"), "arrived": Decimal("100000"), "spent": Decimal("100000"),
        "balance": Decimal("200000"), "unspent_arrived": Decimal("0"), "not_arrived": Decimal("200000")}
    assert spent.amount == Decimal("100000.00")


def test_entries_cannot_be_changed_only_corrected(ledger):
    document, projects, households = ledger
    entry = FundEntry.objects.get(document=document, kind="spend", household=households["sanhe"])
    with pytest.raises(ValidationFailed):
        services.entry_save(actor=system_user(), instance=entry, data={"amount": Decimal("1")})
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(ValidationFailed):  # a correction cannot take back more than was recorded
        make_entry(document, "adjust", amount="-100000.01", corrects=entry, day=D(2017, 9, 1))
    # 20,000 of the 100,000 to 三河's household was returned: a correcting entry, the original stays.
    returned = make_entry(document, "adjust", amount="-20000", corrects=entry, note="退回", day=D(2017, 9, 1))
    assert (returned.area_id, returned.project_id, returned.household_id) == (LUSHUI, projects["cattle"].pk,
                                                                           households["sanhe"].pk)
    entry.refresh_from_db()
    assert entry.amount == Decimal("100000")
    assert selectors.area_balance(document, LUSHUI)["unspent_arrived"] == Decimal("20000")
    assert selectors.household_funds(actor=system_user(), household=households["sanhe"])["total"] == Decimal("80000")
    with pytest.raises(ValidationFailed):  # a correction of a correction is refused: correct the original
        make_entry(document, "adjust", amount="1", corrects=returned, day=D(2017, 9, 1))
    arrival = FundEntry.objects.get(document=document, kind="arrive", area=LUSHUI)
    with pytest.raises(ValidationFailed):  # arrivals cannot fall below what was spent (580,000)
        make_entry(document, "adjust", amount="-20000.01", corrects=arrival, day=D(2017, 9, 1))
    make_entry(document, "adjust", amount="-20000", corrects=arrival, day=D(2017, 9, 1))
    trace = selectors.trace(actor=system_user(), document=document)
    assert trace["spent"] == Decimal("980000") and trace["arrived"] == Decimal("980000")
    assert trace["to_households"] == Decimal("580000")


SHANXI = "140000000000"
KELAN, JINGLE, XIAODIAN, YANGQU = "140929000000", "140926000000", "140105000000", "140122000000"


@pytest.fixture
def shanxi(db):
    add_area(SHANXI, "山西省")
    for code, name in ((KELAN, "岢岚县"), (JINGLE, "静乐县"), (XIAODIAN, "小店区"), (YANGQU, "阳曲县")):
        add_area(code, name)
    add_area("140929100201", "宋家沟村")
    for code in (KELAN, JINGLE):
        AreaDesignation.objects.create(area_id=code, designation_type_id="deep_poverty_county", year=2017)
    add_area("110000000000", "北京市")


def _allocate(number, source, year, issuer, parts):
    amount = sum(Decimal(value) for _area, value in parts)
    document = make_document(number, source, year, amount, issuer=issuer)
    for area, value in parts:
        make_entry(document, "allocate", area, value, D(year, 4, 1))
    return document


def test_shares_to_deep_poverty_counties(shanxi):
    # 2017 fiscal poverty funds: central 200 + provincial 105 (万元) to deep counties of 1,000 → 30.5 %.
    _allocate("财农〔2017〕1号", "central_fiscal", 2017, None,
              [(KELAN, "1200000"), (JINGLE, "800000"), (XIAODIAN, "3000000"), (YANGQU, "2000000")])
    _allocate("晋财农〔2017〕8号", "provincial_fiscal", 2017, SHANXI,
              [("140929100201", "1050000"), (XIAODIAN, "1950000")])
    # Local fiscal money to the deep counties is outside the "central + provincial" group.
    _allocate("岢财农〔2017〕3号", "local_fiscal", 2017, KELAN, [(KELAN, "9000000")])
    # Revolving funds: 22.6 %.
    _allocate("晋财农〔2017〕20号", "revolving", 2017, SHANXI, [(JINGLE, "2260000"), (YANGQU, "7740000")])
    # Re-lending: 2,100,000 of 10,000,000 = 21 % (> 20 %); in 2016 1,500,000 went to the deep counties.
    _allocate("太原中支〔2017〕5号", "relending", 2017, SHANXI, [(KELAN, "2100000"), (XIAODIAN, "7900000")])
    _allocate("太原中支〔2016〕5号", "relending", 2016, SHANXI, [(KELAN, "1500000"), (XIAODIAN, "8500000")])
    # 2018 fiscal poverty funds: 30.3 %.
    _allocate("财农〔2018〕1号", "central_fiscal", 2018, None, [(KELAN, "3030000"), (XIAODIAN, "6970000")])
    # Money to another province does not count in Shanxi's total.
    add_area("110101000000", "东城区")
    _allocate("京财农〔2017〕1号", "central_fiscal", 2017, None, [("110101000000", "5000000")])

    actor = system_user()
    fiscal = selectors.share_to_designated(actor=actor, area_code="14", year=2017, sources="fiscal_poverty",
                                           designation_type="deep_poverty_county")
    assert fiscal == {"designated": Decimal("3050000"), "total": Decimal("10000000"), "share": Decimal("0.3050"),
                      "designated_areas": 2}
    assert selectors.share_to_designated(actor=actor, area_code="14", year=2017, sources=["revolving"],
                                         designation_type="deep_poverty_county")["share"] == Decimal("0.2260")
    assert selectors.share_to_designated(actor=actor, area_code="14", year=2018, sources="fiscal_poverty",
                                         designation_type="deep_poverty_county")["share"] == Decimal("0.3030")
    # In 2016 neither county was designated yet: nothing went to deep-poverty counties.
    assert selectors.share_to_designated(actor=actor, area_code="14", year=2016, sources="relending",
                                         designation_type="deep_poverty_county")["share"] == Decimal("0")
    values = {item["key"]: item["value"] for item in report.funds_figures(actor=actor, area_code="14", year=2017)}
    assert values["share_fiscal_to_deep"] == Decimal("0.3050")
    assert values["share_revolving_to_deep"] == Decimal("0.2260")
    assert values["share_relending_to_deep"] == Decimal("0.2100") and values["share_relending_to_deep"] > Decimal("0.2")
    # 2016's allocations went to the same county before it was designated: none counts as to a deep county.
    assert values["relending_increase_deep"] == Decimal("2100000")
    assert values["allocated"] == Decimal("39000000")
    assert values["arrived"] == values["spent"] == Decimal("0")
    figure = next(item for item in report.funds_figures(actor=actor, area_code="14", year=2018)
                  if item["key"] == "share_fiscal_to_deep")
    assert figure["value"] == Decimal("0.3030")
    assert figure["how"]["filters"]["sources"] == "fiscal_poverty" and figure["how"]["filters"]["year"] == 2018
    later = {item["key"]: item["value"] for item in report.funds_figures(actor=actor, area_code="14", year=2019)}
    assert later["share_fiscal_to_deep"] is None


def test_document_numbers_are_unique_per_issuer_and_year(shanxi):
    make_document("晋财农〔2017〕8号", "provincial_fiscal", 2017, "100", issuer=SHANXI)
    with pytest.raises(ValidationFailed):
        make_document("晋财农〔2017〕8号", "provincial_fiscal", 2017, "100", issuer=SHANXI)
    make_document("晋财农〔2017〕8号", "provincial_fiscal", 2018, "100", issuer=SHANXI)
    make_document("晋财农〔2017〕8号", "local_fiscal", 2017, "100", issuer=KELAN)
    make_document("财农〔2017〕1号", "central_fiscal", 2017, "100", issuer=None)
    with pytest.raises(ValidationFailed):
        make_document("财农〔2017〕1号", "central_fiscal", 2017, "100", issuer=None)


def test_a_user_granted_elsewhere_can_neither_read_nor_write(ledger):
    document, _projects, _households = ledger
    outsider = make_user(actions=["view", "change"], area=DONGGUAN)
    assert list(selectors.document_list(actor=outsider)) == []
    assert list(selectors.entry_list(actor=outsider)) == []
    with pytest.raises(PermissionDenied):
        make_entry(document, "arrive", LUSHUI, "1", actor=outsider)
    with pytest.raises(PermissionDenied):
        make_entry(document, "allocate", LUSHUI, "1", actor=outsider)
    with pytest.raises(PermissionDenied):
        make_document("云财农〔2017〕99号", "provincial_fiscal", 2017, "1", actor=outsider)
    with pytest.raises(PermissionDenied):
        report.funds_figures(actor=outsider, area_code="53", year=2017)
    # A county may receive and spend its money, but allocating the province's document is the province's act.
    county = make_user(actions=["view", "change"], area=LUSHUI)
    with pytest.raises(PermissionDenied):
        make_entry(document, "allocate", LUSHUI, "1", actor=county)
    with pytest.raises(PermissionDenied):  # a central document belongs to nationwide accounts
        make_document("财农〔2017〕99号", "central_fiscal", 2017, "1", issuer=None, actor=county)


class TestFundDocumentEndpointPermissions(PermissionMatrix):
    basename = "fund-document"
    model = FundDocument
    supports_delete = False

    def make_object(self, area_code):
        return make_document("鲁财〔2017〕1号", "local_fiscal", 2017, "50000", issuer=area_code)

    def create_payload(self, area_code):
        return {"number": "双财〔2017〕2号", "title": "村级互助资金", "source": "revolving", "year": 2017,
                "issuing_area": area_code, "total": "20000.00", "issued_on": "2017-05-01"}

    def update_payload(self):
        return {"title": "关于下达2017年村级扶贫资金的通知"}


def test_entries_through_the_api(ledger):
    document, projects, _households = ledger
    county = APIClient()
    county.force_authenticate(make_user(actions=["view", "change"], area=LUSHUI))
    second = make_document("云财农〔2017〕31号", "provincial_fiscal", 2017, "100000")
    make_entry(second, "allocate", LUSHUI, "100000")
    arrived = county.post("/api/fund-entries/", {"document": second.pk, "kind": "arrive", "area": LUSHUI,
                                                  "amount": "100000", "date": "2017-06-01"}, format="json")
    assert arrived.status_code == 201, arrived.content
    too_much = county.post("/api/fund-entries/", {"document": second.pk, "kind": "spend", "area": LUSHUI,
                                                   "project": projects["road"].pk, "amount": "100000.01",
                                                   "date": "2017-06-02"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["field"] == "amount"
    entry_url = f"/api/fund-entries/{arrived.json()['id']}/"
    assert county.patch(entry_url, {"amount": "1"}, format="json").status_code == 405
    assert county.delete(entry_url).status_code == 405
    listed = county.get("/api/fund-entries/", {"document": second.pk}).json()["results"]
    assert [(item["kind"], item["area"]) for item in listed] == [("allocate", LUSHUI), ("arrive", LUSHUI)]
    trace = county.get(f"/api/fund-documents/{document.pk}/trace/").json()
    assert [row["area"] for row in trace["areas"]] == [LUSHUI]
    outsider = APIClient()
    outsider.force_authenticate(make_user(actions=["view", "change"], area=DONGGUAN))
    assert outsider.get("/api/fund-entries/").json()["results"] == []
    assert outsider.get(entry_url).status_code == 404
    assert outsider.get(f"/api/fund-documents/{document.pk}/trace/").status_code == 404
    refused = outsider.post("/api/fund-entries/", {"document": second.pk, "kind": "arrive", "area": LUSHUI,
                                                    "amount": "1", "date": "2017-06-01"}, format="json")
    # Another area's document answers as a missing one (nothing about it is confirmed).
    assert refused.status_code == 400 and "document" in refused.json()
    assert FundEntry.objects.filter(document=second).count() == 2
