"""Workbook imports of the project bank: projects, and the households they benefit, each row through the projects
services, with the common contract of fupin.records.importing. A beneficiary row names its project by the id the
system shows (项目编号) and its household by number."""


from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.cooperation.importing import PARTY
from fupin.funds import codelists as fund_codes
from fupin.records.importing import (
    AREA_LABELS,
    HOUSEHOLD_LABELS,
    MEMBER_LABELS,
    Field,
    RecordSpec,
    Reference,
    importer,
)

from . import codelists as cl
from .models import AssetIncome, Project, ProjectAsset, ProjectBeneficiary, ProjectFunding
from .services import asset_income_save, asset_save, beneficiary_save, funding_save, project_save

RECORDS_IMPORTED = audit_registry.register("projects.imported", _("imported project records"))

PROJECT_ID = Field("project", ("项目编号", "項目編號", "project id", "project"), "project")
SPECS = {
    "projects": RecordSpec(Project, (
        Field("name", ("项目名称", "項目名稱", "project name", "name"), "text"),
        Field("type", ("项目类型", "項目類型", "project type", "type"), cl.PROJECT_TYPE),
        Field("area", AREA_LABELS, "area"),
        Field("year", ("年度", "年度", "year"), "int"),
        Field("planned_start", ("计划开工日期", "計劃開工日期", "planned start"), "date", False),
        Field("planned_end", ("计划完工日期", "計劃完工日期", "planned end"), "date", False),
        Field("planned_scale", ("建设规模", "建設規模", "planned scale", "scale"), "decimal", False),
        Field("helper", ("帮扶单位", "幫扶單位", "brought in by", "helper"), "party", False),
    ), ("name", "area", "year"), place=lambda values: values["area"].code, save=project_save),
    "beneficiaries": RecordSpec(ProjectBeneficiary, (
        PROJECT_ID,
        Field("household", HOUSEHOLD_LABELS, "household"),
        Field("member", MEMBER_LABELS, "member", False),
        Field("mechanism", ("利益联结机制", "利益聯結機制", "benefit mechanism", "mechanism"), cl.BENEFIT_MECHANISM),
        Field("amount", ("受益金额", "受益金額", "amount"), "money", False),
        Field("persons", ("受益人数", "受益人數", "persons"), "int"),
    ), ("project", "household", "member", "mechanism"), place=lambda values: values["project"].area_id,
        save=beneficiary_save),
    "fundings": RecordSpec(ProjectFunding, (
        PROJECT_ID,
        Field("source", ("资金来源", "資金來源", "source"), fund_codes.FUND_SOURCE),
        Field("planned", ("计划投资", "計劃投資", "planned"), "money", False),
        Field("actual", ("实际投资", "實際投資", "actual"), "money", False),
    ), ("project", "source"), place=lambda values: values["project"].area_id, save=funding_save),
    "assets": RecordSpec(ProjectAsset, (
        PROJECT_ID,
        Field("kind", ("资产类型", "資產類型", "asset kind"), cl.ASSET_KIND),
        Field("name", ("资产名称", "資產名稱", "asset name"), "text"),
        Field("value", ("资产价值", "資產價值", "value"), "money"),
        Field("owner_kind", ("所有者类型", "所有者類型", "owner kind"), cl.ASSET_OWNER),
        Field("owner_name", ("所有者", "所有者", "owner"), "text"),
        Field("owner_area", ("所有者区划代码", "所有者區劃代碼", "owner's area"), "area", False),
        Field("owner_household", ("所有者户编号", "所有者戶編號", "owning household"), "household", False),
        Field("handed_over_on", ("移交日期", "移交日期", "handed over on"), "date", False),
    ), ("project", "name"), place=lambda values: values["project"].area_id, save=asset_save),
    "asset_incomes": RecordSpec(AssetIncome, (
        Field("asset", ("资产编号", "資產編號", "asset id"), "asset"),
        Field("year", ("年度", "年度", "year"), "int"),
        Field("amount", ("收益金额", "收益金額", "income"), "money"),
        Field("distributed_to_households", ("分配到户金额", "分配到戶金額", "distributed to households"), "money",
              False),
    ), ("asset", "year"), place=lambda values: values["asset"].project.area_id, save=asset_income_save),
}
PROJECT_REFERENCE = Reference(lambda text: Project.objects.filter(pk=int(text)).first() if text.isdigit() else None,
                              _("No project has the id %(code)s."))
REFERENCES = {
    "party": PARTY,
    "project": PROJECT_REFERENCE,
    "asset": Reference(lambda text: ProjectAsset.objects.select_related("project").filter(pk=int(text)).first()
                       if text.isdigit() else None, _("No asset has the id %(code)s.")),
}


projects_import = importer("projects", SPECS, REFERENCES, RECORDS_IMPORTED)
