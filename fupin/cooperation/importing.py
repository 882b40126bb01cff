"""Workbook imports of the helping side: pairings and every kind of cooperation record, through the common
record import (fupin.records.importing: headers in either script or English, every rejected row explained, all or
nothing, idempotent on natural keys).

A party cell names a party by area code (an eastern district, a helped village …), by unified social credit
code, or by the exact name of a party already registered. Members are named by ID number.
"""


from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.records.importing import (
    AREA_LABELS,
    BASE_REFERENCES,
    MEMBER_LABELS,
    Field,
    RecordSpec,
    Reference,
    importer,
)

from . import codelists as cl
from .models import (
    Agreement,
    Fund,
    LabourTransfer,
    Pairing,
    Party,
    Programme,
    Purchase,
    TalentExchange,
    Visit,
    Workshop,
)
from .services import pairing_rules, record_rules, workshop_employee_rules

RECORDS_IMPORTED = audit_registry.register("cooperation.imported", _("imported cooperation records"))


def find_party(text: str):
    """A party by area code (made on first use for an area), by credit code, or by its unique name."""
    area = BASE_REFERENCES["area"].find(text) if text.isdigit() else None
    if area is not None:
        return Party.objects.filter(kind="area", area=area).first() or Party(kind="area", name=area.name, area=area)
    found = Party.objects.filter(credit_code=text.upper()).first() if len(text) == 18 else None
    if found is None:
        named = list(Party.objects.filter(name=text)[:2])
        found = named[0] if len(named) == 1 else None
    return found


PARTY = Reference(find_party, _("No party is known as “%(code)s” (give an area code, a credit code or a registered "
                                "name)."))
REFERENCES = {
    "party": PARTY,
    "programme": Reference(lambda text: Programme.objects.filter(code=text).first() or Programme.objects.filter(
        name_zh=text).first(), _("Unknown programme “%(code)s”.")),
    "pairing": Reference(lambda text: Pairing.objects.select_related("helped__area", "helper").filter(
        pk=int(text)).first() if text.isdigit() else None, _("No pairing has the number %(code)s.")),
    "workshop": Reference(lambda text: Workshop.objects.select_related("pairing__helper").filter(
        pk=int(text)).first() if text.isdigit() else None, _("No workshop has the number %(code)s.")),
}


def _record_area(values: dict) -> str:
    return values["area"].code


def _helper_area(values: dict) -> str | None:
    return values["pairing"].helper.area_id if values.get("pairing") else None


def _home_village(values: dict) -> None:
    """A labour transfer is recorded in the member's home village."""
    values["area"] = values["member"].household.area


def _options(kind: str) -> dict:
    if kind == "pairing":
        return {"place": lambda values: values["helped"].area_id, "other_place": lambda values: values[
            "helper"].area_id, "rules": pairing_rules, "recorded_by": False}
    return {"place": _record_area, "other_place": _helper_area, "rules": lambda record: record_rules(kind, record),
            "prepare": _home_village if kind == "labour" else lambda values: None, "defaults": DEFAULTS}


DEFAULTS = {"field": "other", "direction": "to_helped", "transport": ""}
AREA = (*AREA_LABELS[:2], "受扶地区代码", *AREA_LABELS[2:])
PAIRING = ("结对编号", "結對編號", "pairing", "pairing id")
SPECS: dict[str, RecordSpec] = {
    "pairing": RecordSpec(Pairing, (
        Field("programme", ("帮扶类别", "幫扶類別", "programme"), "programme"),
        Field("helper", ("帮扶方", "幫扶方", "helper"), "party"),
        Field("helped", ("受扶方", "受扶方", "helped"), "party"),
        Field("start_date", ("开始日期", "開始日期", "start date"), "date"),
        Field("end_date", ("结束日期", "結束日期", "end date"), "date", False),
        Field("committed_funds", ("承诺资金", "承諾資金", "committed funds"), "money", False),
        Field("committed_projects", ("承诺项目数", "承諾項目數", "committed projects"), "int", False),
        Field("committed_jobs", ("承诺就业岗位", "承諾就業崗位", "committed jobs"), "int", False),
        Field("committed_visits", ("承诺走访次数", "承諾走訪次數", "committed visits"), "int", False),
    ), ("programme", "helper", "helped", "start_date"), **_options("pairing")),
    "fund": RecordSpec(Fund, (
        Field("kind", ("资金类别", "資金類別", "kind"), cl.FUND_KIND),
        Field("donor", ("资金来源", "資金來源", "donor", "from"), "party"),
        Field("area", AREA, "area"),
        Field("purpose", ("用途", "用途", "purpose"), cl.FUND_PURPOSE),
        Field("committed_amount", ("承诺金额", "承諾金額", "committed amount"), "money", False),
        Field("committed_on", ("承诺日期", "承諾日期", "committed on"), "date", False),
        Field("arrived_amount", ("到位金额", "到位金額", "arrived amount"), "money", False),
        Field("arrived_on", ("到位日期", "到位日期", "arrived on"), "date", False),
        Field("over_commitment_reason", ("超出承诺原因", "超出承諾原因", "reason above commitment"), "text", False),
        Field("document", ("文件", "文件", "document"), "text", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("kind", "donor", "area", "purpose", "committed_on", "arrived_on"), **_options("fund")),
    "agreement": RecordSpec(Agreement, (
        Field("title", ("协议名称", "協議名稱", "agreement", "title"), "text"),
        Field("number", ("协议文号", "協議文號", "document number"), "text", False),
        Field("area", AREA, "area"),
        Field("signed_on", ("签订日期", "簽訂日期", "signed on"), "date"),
        Field("valid_until", ("有效期至", "有效期至", "valid until"), "date", False),
        Field("content", ("主要内容", "主要內容", "content"), "text", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("title", "area", "signed_on"), **_options("agreement")),
    "workshop": RecordSpec(Workshop, (
        Field("name", ("车间名称", "車間名稱", "workshop", "name"), "text"),
        Field("area", AREA, "area"),
        Field("operator", ("经营主体", "經營主體", "operator"), "text", False),
        Field("opened_on", ("建成日期", "建成日期", "opened on"), "date"),
        Field("jobs", ("就业岗位", "就業崗位", "jobs"), "int", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("name", "area"), **_options("workshop")),
    # A workshop's poor employees, one row per member (named by ID number), the workshop by its number: a row
    # already recorded changes nothing.
    "workshop_employee": RecordSpec(Workshop.poor_employees.through, (
        Field("workshop", ("车间编号", "車間編號", "workshop id", "workshop"), "workshop"),
        Field("member", MEMBER_LABELS, "member"),
    ), ("workshop", "member"), place=lambda values: values["workshop"].area_id,
        other_place=lambda values: values["workshop"].pairing.helper.area_id if values["workshop"].pairing_id
        else None, rules=lambda record: workshop_employee_rules(record.member), recorded_by=False),
    "talent": RecordSpec(TalentExchange, (
        Field("person", ("姓名", "姓名", "person", "name"), "text"),
        Field("unit", ("派出单位", "派出單位", "unit"), "text", False),
        Field("kind", ("人才类型", "人才類型", "kind"), cl.TALENT_KIND),
        Field("field", ("支援领域", "支援領域", "field"), cl.TALENT_FIELD, False),
        Field("direction", ("方向", "方向", "direction"), cl.DIRECTION, False),
        Field("area", AREA, "area"),
        Field("start_date", ("开始日期", "開始日期", "start date"), "date"),
        Field("end_date", ("结束日期", "結束日期", "end date"), "date", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("person", "area", "start_date"), **_options("talent")),
    "labour": RecordSpec(LabourTransfer, (
        Field("member", MEMBER_LABELS, "member"),
        Field("employer", ("用工单位", "用工單位", "employer"), "text"),
        Field("work_province", ("务工省份代码", "務工省份代碼", "province of work"), "province"),
        Field("start_date", ("就业日期", "就業日期", "start date"), "date"),
        Field("monthly_wage", ("月工资", "月工資", "monthly wage"), "money", False),
        Field("transport", ("组织输送", "組織輸送", "transport"), cl.TRANSPORT, False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("member", "start_date"), **_options("labour")),
    "visit": RecordSpec(Visit, (
        Field("person", ("姓名", "姓名", "person", "name"), "text"),
        Field("position", ("职务", "職務", "position"), "text", False),
        Field("level", ("领导层级", "領導層級", "level"), cl.LEADER_LEVEL),
        Field("direction", ("方向", "方向", "direction"), cl.DIRECTION, False),
        Field("area", AREA, "area"),
        Field("visited_on", ("互访日期", "互訪日期", "visited on"), "date"),
        Field("pairing", PAIRING, "pairing", False),
    ), ("person", "area", "visited_on"), **_options("visit")),
    "purchase": RecordSpec(Purchase, (
        Field("buyer", ("采购方", "採購方", "buyer"), "party"),
        Field("area", AREA, "area"),
        Field("product", ("产品", "產品", "product"), "text"),
        Field("amount", ("金额", "金額", "amount"), "money"),
        Field("bought_on", ("采购日期", "採購日期", "bought on"), "date"),
        Field("pairing", PAIRING, "pairing", False),
    ), ("buyer", "area", "product", "bought_on"), **_options("purchase")),
}


cooperation_import = importer("cooperation", SPECS, REFERENCES, RECORDS_IMPORTED)
