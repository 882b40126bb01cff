"""Workbook imports of the project bank: projects, and the households they benefit, each row through the projects
services, with the common contract of fupin.imports.records. A beneficiary row names its project by the id the
system shows (项目编号) and its household by number."""


from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.cooperation.importing import PARTY
from fupin.imports.records import (
    AREA_LABELS,
    HOUSEHOLD_LABELS,
    MEMBER_LABELS,
    Field,
    RecordSpec,
    Reference,
    importer,
)

from . import codelists as cl
from .models import Project, ProjectBeneficiary
from .services import beneficiary_save, project_save

RECORDS_IMPORTED = audit_registry.register("projects.imported", _("imported project records"))

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
        Field("project", ("项目编号", "項目編號", "project id", "project"), "project"),
        Field("household", HOUSEHOLD_LABELS, "household"),
        Field("member", MEMBER_LABELS, "member", False),
        Field("mechanism", ("利益联结机制", "利益聯結機制", "benefit mechanism", "mechanism"), cl.BENEFIT_MECHANISM),
        Field("amount", ("受益金额", "受益金額", "amount"), "money", False),
        Field("persons", ("受益人数", "受益人數", "persons"), "int"),
    ), ("project", "household", "member", "mechanism"), place=lambda values: values["project"].area_id,
        save=beneficiary_save),
}
REFERENCES = {
    "party": PARTY,
    "project": Reference(lambda text: Project.objects.filter(pk=int(text)).first() if text.isdigit() else None,
                         _("No project has the id %(code)s.")),
}


projects_import = importer("projects", SPECS, REFERENCES, RECORDS_IMPORTED)
