"""The project bank on hand-built examples: stages that refuse to complete without their documents, delay colours
on the boundary days, project shares to deep-poverty counties (the seed's 43 % / 39 % / 43 % / 37.6 %),
beneficiaries, assets and the report card's figures."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.areas.models import Area, AreaDesignation
from fupin.cooperation import services as cooperation_services
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.projects import codelists as cl
from fupin.projects import report, selectors, services
from fupin.projects.models import Project, ProjectStage
from fupin.rules.models import PolicyParameter
from fupin.testing.factories import add_area, load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.testing.permission_matrix import PermissionMatrix

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, FUGONG, LUZHANG, SANHE, LAZHUDI = "533301000000", "533323000000", "533301102201", "533301102202", \
    "533323101201"
DONGGUAN = "441900000000"


def make_project(area=LUZHANG, project_type="industry", year=2019, actor=None, **extra):
    return services.project_save(actor=actor or system_user(), data={
        "name": extra.pop("name", f"{project_type} {area}"), "type": project_type,
        "area": Area.objects.get(code=area), "year": year, **extra})


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str) -> SimpleUploadedFile:
    """A small PDF (its content differs by name, so each has its own hash)."""
    return SimpleUploadedFile(name, PDF + f"% {name}\n".encode(), content_type="application/pdf")


def make_file(project, stage, kind, actor=None):
    return services.document_save(actor=actor or system_user(), data={
        "project": project, "stage": stage, "kind": kind, "title": f"{cl.DOCUMENT_KIND.label(kind)}",
        "number": f"{kind}-1", "file": pdf(f"{kind}.pdf")})


@pytest.fixture
def divisions(db):
    load_fixture_divisions()


def test_codes_as_data():
    assert cl.PROJECT_TYPE.lookup("光伏扶贫") == "photovoltaic" and cl.PROJECT_TYPE.lookup("危改") == "housing"
    assert cl.unit_of("photovoltaic", "en") == "kW" and cl.unit_of("returning_farmland", "zh-hans") == "亩"
    assert cl.unit_of("other") == ""
    assert cl.required_documents("industry", "implement") == ("tender", "contract")
    assert cl.required_documents("housing", "implement") == ()  # households rebuild themselves: no tender
    assert cl.required_documents("housing", "accept") == ("acceptance",)  # not overridden: the default


def test_a_project_has_its_five_stages(divisions):
    project = make_project(stages={"apply": {"planned_start": D(2019, 1, 1), "planned_end": D(2019, 1, 31)}})
    stages = list(project.stages.order_by("id").values_list("stage", "planned_end"))
    assert stages == [("apply", D(2019, 1, 31)), ("approve", None), ("implement", None), ("accept", None),
                      ("handover", None)]
    with pytest.raises(ValidationFailed):
        make_project(planned_start=D(2019, 5, 1), planned_end=D(2019, 4, 1))
    with pytest.raises(ValidationFailed):
        make_project(project_type="spaceport")


def test_acceptance_needs_its_report(divisions):
    project = make_project()
    with pytest.raises(ValidationFailed) as refused:
        services.stage_complete(actor=system_user(), project=project, stage="approve", on=D(2019, 2, 1))
    assert refused.value.params["previous"] == cl.STAGE.label("apply")  # stages complete in order
    with pytest.raises(ValidationFailed) as refused:
        services.stage_complete(actor=system_user(), project=project, stage="apply", on=D(2019, 1, 10))
    assert refused.value.params["documents"] == cl.DOCUMENT_KIND.label("application")
    for stage, kinds, day in (("apply", ["application"], D(2019, 1, 10)), ("approve", ["approval"], D(2019, 2, 1)),
                              ("implement", ["tender", "contract"], D(2019, 9, 1))):
        for kind in kinds:
            make_file(project, stage, kind)
        services.stage_complete(actor=system_user(), project=project, stage=stage, on=day)
    project.refresh_from_db()
    assert project.status == "underway"
    make_file(project, "implement", "acceptance")  # filed under the wrong stage: does not count for 验收
    with pytest.raises(ValidationFailed) as refused:
        services.stage_complete(actor=system_user(), project=project, stage="accept", on=D(2019, 10, 1))
    assert refused.value.params["documents"] == cl.DOCUMENT_KIND.label("acceptance")
    assert refused.value.field == "documents"
    assert ProjectStage.objects.get(project=project, stage="accept").completed_on is None
    make_file(project, "accept", "acceptance")
    with pytest.raises(ValidationFailed):  # not before the stage it follows
        services.stage_complete(actor=system_user(), project=project, stage="accept", on=D(2019, 8, 31))
    services.stage_complete(actor=system_user(), project=project, stage="accept", on=D(2019, 10, 1))
    assert ProjectStage.objects.get(project=project, stage="accept").completed_on == D(2019, 10, 1)
    with pytest.raises(ValidationFailed):  # once only
        services.stage_complete(actor=system_user(), project=project, stage="accept", on=D(2019, 10, 2))
    with pytest.raises(ValidationFailed) as refused:
        services.stage_complete(actor=system_user(), project=project, stage="handover", on=D(2019, 11, 1))
    assert refused.value.params["documents"] == cl.DOCUMENT_KIND.label("handover_list")
    make_file(project, "handover", "handover_list")
    services.stage_complete(actor=system_user(), project=project, stage="handover", on=D(2019, 11, 1))
    project.refresh_from_db()
    assert project.status == "completed"


def test_missing_documents_are_all_named(divisions):
    project = make_project(project_type="relocation")
    with pytest.raises(ValidationFailed) as refused:
        services.stage_complete(actor=system_user(), project=project, stage="apply", on=D(2019, 1, 10))
    assert refused.value.params["documents"] == "、".join(
        [cl.DOCUMENT_KIND.label("application"), cl.DOCUMENT_KIND.label("feasibility")])


def test_delay_colours_on_the_boundary_days(divisions):
    project = make_project(stages={"apply": {"planned_start": D(2019, 1, 1), "planned_end": D(2019, 3, 31)}})
    colours = {day: selectors.delay_status(project, day) for day in (
        D(2019, 1, 1), D(2019, 3, 31), D(2019, 4, 1), D(2019, 4, 30), D(2019, 5, 1))}
    assert [(c["colour"], c["days_overdue"]) for c in colours.values()] == [
        ("green", 0), ("green", 0), ("yellow", 1), ("yellow", 30), ("red", 31)]
    assert colours[D(2019, 5, 1)]["stage"] == "apply"
    # A province may set its own threshold: Yunnan's 10 days make day 11 red.
    PolicyParameter.objects.create(code="project_delay_red_days", effective_year=2019, province_code="53",
                                   value=Decimal(10))
    assert selectors.delay_status(project, D(2019, 4, 10))["colour"] == "yellow"
    assert selectors.delay_status(project, D(2019, 4, 11))["colour"] == "red"
    # The next stage without a planned end cannot be overdue; completing the first moves the judgement on.
    make_file(project, "apply", "application")
    services.stage_complete(actor=system_user(), project=project, stage="apply", on=D(2019, 5, 2))
    assert selectors.delay_status(project, D(2019, 12, 31)) == {
        "project": project.pk, "colour": "green", "stage": "approve", "planned_end": None, "days_overdue": 0,
        "completed_late_days": None}


def test_a_completed_project_is_green_and_says_how_late(divisions):
    project = make_project(project_type="housing", stages={
        code: {"planned_start": D(2019, 1, 1), "planned_end": D(2019, 6, 30)} for code in cl.STAGE_ORDER})
    for stage, kinds in (("apply", ["application"]), ("approve", ["approval", "housing_appraisal"]),
                         ("implement", []), ("accept", ["acceptance"]), ("handover", [])):
        for kind in kinds:
            make_file(project, stage, kind)
        services.stage_complete(actor=system_user(), project=project, stage=stage, on=D(2019, 7, 10))
    status = selectors.delay_status(project, D(2020, 1, 1))
    assert (status["colour"], status["completed_late_days"]) == ("green", 10)
    assert selectors.project_delays(actor=system_user(), area_code="5333", on=D(2020, 1, 1)) == []


SHANXI = "140000000000"
# Two of the ten deep-poverty counties and two other counties of Shanxi.
KELAN, JINGLE, XIAODIAN, YANGQU = "140929000000", "140926000000", "140105000000", "140122000000"


@pytest.fixture
def shanxi(db):
    add_area(SHANXI, "山西省")
    for code, name in ((KELAN, "岢岚县"), (JINGLE, "静乐县"), (XIAODIAN, "小店区"), (YANGQU, "阳曲县")):
        add_area(code, name)
    for code in (KELAN, JINGLE):
        AreaDesignation.objects.create(area_id=code, designation_type_id="deep_poverty_county", year=2017)
    # Exited in 2016, so no longer deep in 2017: its projects count with the others.
    AreaDesignation.objects.create(area_id=YANGQU, designation_type_id="deep_poverty_county", year=2015,
                                   exit_year=2016)
    add_area("140929100201", "宋家沟村")


# (type, deep-county scale, other scale, deep-county money, other money) giving the seed's shares.
SEED_PLAN = (("returning_farmland", "43000", "57000", "4300000", "5700000"),
             ("afforestation", "39000", "61000", "3900000", "6100000"),
             ("photovoltaic", "43000", "57000", "8600000", "11400000"),
             ("housing", "376", "624", "5640000", "9360000"))


def _plan(year=2018):
    actor = system_user()
    for project_type, deep, other, deep_money, other_money in SEED_PLAN:
        # The deep part is split between a county-level and a village-level project, the rest over two counties.
        halves = [(KELAN, Decimal(deep) / 2, Decimal(deep_money) / 2),
                  ("140929100201", Decimal(deep) / 2, Decimal(deep_money) / 2),
                  (XIAODIAN, Decimal(other) / 2, Decimal(other_money) / 2),
                  (YANGQU, Decimal(other) / 2, Decimal(other_money) / 2)]
        for area, scale, money in halves:
            project = make_project(area=area, project_type=project_type, year=year, planned_scale=scale)
            services.funding_save(actor=actor, data={"project": project, "source": "central_fiscal",
                                                     "planned": money, "actual": money})
    cancelled = make_project(area=XIAODIAN, project_type="photovoltaic", year=year, planned_scale=Decimal(50000))
    services.project_save(actor=actor, instance=cancelled, data={"status": "cancelled"})


def test_type_shares_to_deep_poverty_counties(shanxi):
    _plan()
    expected = {"returning_farmland": "0.4300", "afforestation": "0.3900", "photovoltaic": "0.4300",
                "housing": "0.3760"}
    for project_type, share in expected.items():
        result = selectors.type_share_to_designated(actor=system_user(), area_code="14", year=2018,
                                                    project_type=project_type,
                                                    designation_type="deep_poverty_county")
        assert result["scale"]["share"] == Decimal(share), project_type
        assert result["money"]["share"] == Decimal(share), project_type
    housing = selectors.type_share_to_designated(actor=system_user(), area_code="14", year=2018,
                                                 project_type="housing", designation_type="deep_poverty_county")
    assert housing["scale"] == {"designated": Decimal("376"), "total": Decimal("1000"), "share": Decimal("0.3760")}
    nothing = selectors.type_share_to_designated(actor=system_user(), area_code="14", year=2018,
                                                 project_type="water", designation_type="deep_poverty_county")
    assert nothing["scale"]["share"] is None and nothing["money"]["share"] is None
    values = {item["key"]: item["value"] for item in report.projects_figures(actor=system_user(), area_code="14",
                                                                             year=2018)}
    assert values["share_photovoltaic_scale_to_deep"] == Decimal("0.4300")
    assert values["share_housing_scale_to_deep"] == Decimal("0.3760")
    assert values["share_returning_farmland_money_to_deep"] == Decimal("0.4300")
    assert values["share_afforestation_scale_to_deep"] == Decimal("0.3900")
    assert values["projects"] == 16  # the cancelled one is left out


def test_beneficiaries_and_central_unit_projects(divisions):
    actor = system_user()
    bank = cooperation_services.party_save(actor=actor, data={
        "kind": "central_unit", "name": "中国农业银行", "area": Area.objects.get(code=LUSHUI)})
    province_unit = cooperation_services.party_save(actor=actor, data={
        "kind": "provincial_unit", "name": "省农业厅", "area": Area.objects.get(code=LUSHUI)})
    helped = make_project(area=LUZHANG, project_type="photovoltaic", helper=bank, planned_scale=Decimal(300))
    also_helped = make_project(area=LUSHUI, project_type="training", helper=bank)
    local = make_project(area=LAZHUDI, project_type="industry", helper=province_unit)
    for project, source, planned, actual in ((helped, "paired_unit", "1200000", "1000000"),
                                             (helped, "central_fiscal", "300000", "300000"),
                                             (also_helped, "paired_unit", "80000", "80000"),
                                             (local, "provincial_fiscal", "500000", "0")):
        services.funding_save(actor=actor, data={"project": project, "source": source, "planned": Decimal(planned),
                                                 "actual": Decimal(actual)})
    with pytest.raises(ValidationFailed):  # one row per source
        services.funding_save(actor=actor, data={"project": helped, "source": "paired_unit",
                                                 "planned": Decimal(1), "actual": Decimal(0)})
    four = register_poor_household(area=LUZHANG, size=4)
    three = register_poor_household(area=SANHE, size=3)
    two = register_poor_household(area=LAZHUDI, size=2)
    member = three.members.first()
    for project, household, mechanism, amount, persons, who in (
            (helped, four, "dividends", "800", 4, None), (helped, three, "dividends", "800", 3, None),
            (also_helped, three, "wages", "2400", 1, member), (local, two, "land_rent", "600", 2, None),
            (local, two, "wages", "3000", 1, two.members.first())):
        services.beneficiary_save(actor=actor, data={"project": project, "household": household, "member": who,
                                                     "mechanism": mechanism, "amount": Decimal(amount),
                                                     "persons": persons})
    with pytest.raises(ValidationFailed):  # 腊竹底 is in 福贡, not in 泸水 where the project is
        services.beneficiary_save(actor=actor, data={"project": helped, "household": two, "mechanism": "wages",
                                                     "amount": Decimal(1), "persons": 1})
    with pytest.raises(ValidationFailed):  # the member is not of that household
        services.beneficiary_save(actor=actor, data={"project": helped, "household": four, "member": member,
                                                     "mechanism": "wages", "amount": Decimal(1), "persons": 1})
    values = {item["key"]: item["value"] for item in report.projects_figures(actor=actor, area_code="5333",
                                                                             year=2019)}
    assert values["projects"] == 3
    assert (values["beneficiary_households"], values["beneficiary_persons"]) == (3, 9)
    assert values["central_unit_projects"] == 2
    assert values["central_unit_project_funds"] == Decimal("1580000")
    assert values["central_unit_project_funds_actual"] == Decimal("1380000")
    assert (values["central_unit_beneficiary_households"], values["central_unit_beneficiary_persons"]) == (2, 7)
    figure = next(item for item in report.projects_figures(actor=actor, area_code="5333", year=2019)
                  if item["key"] == "central_unit_projects")
    assert figure["how"] == {"source": "projects.project",
                             "filters": {"area": "533300000000", "year": 2019, "helper_kind": "central_unit"}}


def test_assets_and_their_income(divisions):
    actor = system_user()
    project = make_project(area=LUSHUI, project_type="photovoltaic", planned_start=D(2019, 3, 1))
    household = register_poor_household(area=LUZHANG, size=2)
    station = services.asset_save(actor=actor, data={
        "project": project, "kind": "productive", "name": "鲁掌村光伏电站", "value": Decimal("1500000"),
        "owner_kind": "collective", "owner_name": "鲁掌村股份经济合作社", "owner_area": Area.objects.get(code=LUZHANG),
        "handed_over_on": D(2019, 12, 1)})
    cattle = services.asset_save(actor=actor, data={
        "project": project, "kind": "household", "name": "能繁母牛", "value": Decimal("12000"),
        "owner_kind": "household", "owner_name": household.number, "owner_area": Area.objects.get(code=LUSHUI),
        "owner_household": household})
    assert cattle.owner_area_id == LUZHANG  # a household's asset is where the household lives
    income = services.asset_income_save(actor=actor, data={"asset": station, "year": 2020,
                                                           "amount": Decimal("180000"),
                                                           "distributed_to_households": Decimal("120000")})
    with pytest.raises(ValidationFailed):
        services.asset_income_save(actor=actor, data={"asset": station, "year": 2021, "amount": Decimal("100"),
                                                      "distributed_to_households": Decimal("101")})
    with pytest.raises(ValidationFailed):
        services.asset_income_save(actor=actor, data={"asset": station, "year": 2020, "amount": Decimal("100")})
    services.asset_income_save(actor=actor, instance=income, data={"distributed_to_households": Decimal("150000")})
    income.refresh_from_db()
    assert income.distributed_to_households == Decimal("150000.00")
    with pytest.raises(ValidationFailed):  # 东莞 is not where a 泸水 project's assets are owned
        services.asset_save(actor=actor, data={
            "project": project, "kind": "public", "name": "路", "value": Decimal(1), "owner_kind": "government",
            "owner_name": "东莞", "owner_area": Area.objects.get(code=DONGGUAN)})
    with pytest.raises(ValidationFailed):
        services.asset_save(actor=actor, data={
            "project": project, "kind": "productive", "name": "早交", "value": Decimal(1), "owner_kind": "collective",
            "owner_name": "村集体", "owner_area": Area.objects.get(code=LUZHANG), "handed_over_on": D(2019, 1, 1)})


def test_a_user_granted_elsewhere_can_neither_read_nor_write(divisions):
    project = make_project()
    outsider = make_user(actions=["view", "change"], area=DONGGUAN)
    insider = make_user(actions=["view"], area=LUSHUI)
    assert list(selectors.project_list(actor=outsider)) == []
    assert list(selectors.project_list(actor=insider)) == [project]
    with pytest.raises(PermissionDenied):
        make_project(actor=outsider)
    with pytest.raises(PermissionDenied):
        services.project_save(actor=outsider, instance=project, data={"name": "改名"})
    with pytest.raises(PermissionDenied):
        services.project_save(actor=insider, instance=project, data={"name": "改名"})
    with pytest.raises(PermissionDenied):
        make_file(project, "apply", "application", actor=outsider)
    with pytest.raises(PermissionDenied):
        services.stage_complete(actor=outsider, project=project, stage="apply", on=D(2019, 1, 1))
    with pytest.raises(PermissionDenied):
        report.projects_figures(actor=outsider, area_code="5333", year=2019)
    with pytest.raises(PermissionDenied):
        selectors.project_delays(actor=outsider, area_code="5333", on=D(2019, 1, 1))
    # An editor of 东莞 cannot move a 泸水 project into 东莞 either.
    with pytest.raises(PermissionDenied):
        services.project_save(actor=outsider, instance=Project.objects.get(pk=project.pk),
                              data={"area": Area.objects.get(code=DONGGUAN)})


class TestProjectEndpointPermissions(PermissionMatrix):
    basename = "project"
    model = Project
    supports_delete = False

    def make_object(self, area_code):
        return make_project(area=area_code)

    def create_payload(self, area_code):
        return {"name": "通村公路", "type": "infrastructure", "area": area_code, "year": 2019,
                "planned_scale": "12.5"}

    def update_payload(self):
        return {"name": "鲁掌村花椒种植"}


def test_api_completes_stages_through_the_service(divisions):
    from rest_framework.test import APIClient

    project = make_project(stages={"apply": {"planned_start": D(2019, 1, 1), "planned_end": D(2019, 3, 31)}})
    api = APIClient()
    api.force_authenticate(make_user(actions=["view", "change"], area=LUSHUI))
    url = f"/api/projects/{project.pk}/"
    refused = api.post(url + "complete/", {"stage": "apply", "on": "2019-03-01"}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "documents"
    untitled = api.post(url + "documents/", {"stage": "apply", "kind": "application", "title": "申报书"},
                        format="json")
    assert untitled.status_code == 400 and untitled.json()["field"] == "file"  # a title is not a document
    filed = api.post(url + "documents/", {"stage": "apply", "kind": "application", "title": "申报书",
                                          "file": pdf("申报书.pdf")}, format="multipart")
    assert filed.status_code == 201, filed.content
    assert filed.json()["content_type"] == "application/pdf" and filed.json()["original_name"] == "申报书.pdf"
    assert api.post(url + "complete/", {"stage": "apply", "on": "2019-03-01"}, format="json").status_code == 200
    detail = api.get(url).json()
    assert detail["stages"][0] == {"stage": "apply", "planned_start": "2019-01-01", "planned_end": "2019-03-31",
                                   "completed_on": "2019-03-01"}
    assert detail["status"] == "underway"
    assert api.get(url + "delay/", {"on": "2019-04-01"}).json()["colour"] == "green"
