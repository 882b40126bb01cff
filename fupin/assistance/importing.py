"""Workbook imports of household assistance (plans and their planned measures, delivered measures, responsible
cadres, visits, microloans, relocations, natural villages moved out) through the common record import: every
rejected row explained, all or nothing unless `skip_invalid`, idempotent on each kind's natural key.

Households are named by their number, members and cadres by ID number, measures by code or Chinese name, banks
as cooperation parties (credit code or registered name)."""


import re

from django.utils.translation import gettext_lazy as _

from fupin.audit import registry as audit_registry
from fupin.cooperation.importing import PARTY
from fupin.core.errors import ValidationFailed
from fupin.personnel.importing import CADRE_REFERENCE
from fupin.records.importing import (
    AREA_LABELS,
    HOUSEHOLD_LABELS,
    MEMBER_LABELS,
    Field,
    RecordSpec,
    Reference,
    importer,
)
from fupin.registry import codelists as registry_codes

from . import codelists as cl
from .models import (
    MeasureType,
    OriginAction,
    OriginVillage,
    Plan,
    PlannedMeasure,
    RelocationSite,
)
from .services import RULES, origin_action_record

RECORDS_IMPORTED = audit_registry.register("assistance.imported", _("imported assistance records"))

REFERENCES = {
    "party": PARTY,
    "measure": Reference(lambda text: MeasureType.objects.filter(code=text).first() or MeasureType.objects.filter(
        name_zh=text).first(), _("Unknown measure “%(code)s”.")),
    "cadre": CADRE_REFERENCE,
    "site": Reference(lambda text: RelocationSite.objects.filter(name=text).first(),
                      _("No relocation site is named “%(code)s”.")),
}
HOUSEHOLD = Field("household", HOUSEHOLD_LABELS, "household")


def _causes_of(values: dict) -> None:
    """Causes as codes or labels separated by 、 ; , (the household's own causes when the cell is empty)."""
    text = values.get("causes") or ""
    parts = [part for part in re.split(r"[、;；,，\s]+", text) if part]
    codes = [registry_codes.CAUSE.lookup(part) for part in parts]
    if None in codes:
        raise ValidationFailed(_("Unknown cause of poverty “%(cause)s”."), field="causes",
                               cause=parts[codes.index(None)])
    household = values["household"]
    values["causes"] = codes or [household.main_cause, *household.other_causes]


def _plan_of(values: dict) -> None:
    """The plan a planned measure belongs to, by household and year (import the plans first)."""
    plan = Plan.objects.filter(household=values.pop("household"), year=values.pop("year")).first()
    if plan is None:
        raise ValidationFailed(_("The household has no plan for that year; import the plans first."), field="year")
    values["plan"] = plan


def _origin_of(values: dict) -> None:
    """The natural village a step row names by its administrative village and name."""
    village = OriginVillage.objects.filter(area=values.pop("area"), name=values.pop("name")).first()
    if village is None:
        raise ValidationFailed(_("No natural village of this name is recorded in that village."), field="name")
    values["village"] = village


def _origin_step(*, actor, data: dict, instance=None):
    """Steps are recorded once and never changed (a later step is another row)."""
    if instance is not None:
        raise ValidationFailed(_("This step is already recorded for the village."), field="action")
    return origin_action_record(actor=actor, **data)
CADRE = Field("cadre", ("帮扶人证件号码", "幫扶人證件號碼", "cadre ID number", "cadre"), "cadre")


def _spec(kind: str, fields: tuple[Field, ...], natural_key: tuple[str, ...]) -> RecordSpec:
    model, area_of, rules = RULES[kind]
    return RecordSpec(model, fields, natural_key, place=lambda values: area_of(model(**values)), rules=rules,
                      recorded_by=hasattr(model, "recorded_by_id"))


SPECS = {
    "plans": RecordSpec(Plan, (
        HOUSEHOLD,
        Field("year", ("年度", "年度", "year"), "int"),
        Field("causes", ("致贫原因", "致貧原因", "causes"), "text", False),
        Field("outcome", ("帮扶成效", "幫扶成效", "outcome"), cl.PLAN_OUTCOME, False),
        Field("note", ("备注", "備註", "note"), "text", False),
    ), ("household", "year"), place=lambda values: values["household"].area_id, rules=RULES["plan"][2],
        prepare=_causes_of, defaults={"outcome": "in_progress"}),
    "planned": RecordSpec(PlannedMeasure, (
        HOUSEHOLD,
        Field("year", ("年度", "年度", "year"), "int"),
        Field("measure_type", ("帮扶措施", "幫扶措施", "measure"), "measure"),
        Field("member", MEMBER_LABELS, "member", False),
        Field("planned_amount", ("计划金额", "計劃金額", "planned amount"), "money", False),
    ), ("plan", "measure_type", "member"), place=lambda values: values["plan"].household.area_id,
        rules=RULES["planned"][2], prepare=_plan_of, recorded_by=False),
    "measures": _spec("delivered", (
        HOUSEHOLD,
        Field("measure_type", ("帮扶措施", "幫扶措施", "measure"), "measure"),
        Field("member", MEMBER_LABELS, "member", False),
        Field("delivered_on", ("落实日期", "落實日期", "delivered on"), "date"),
        Field("amount", ("金额", "金額", "amount"), "money", False),
        Field("note", ("备注", "備註", "note"), "text", False),
    ), ("household", "measure_type", "member", "delivered_on")),
    "responsibilities": _spec("responsibility", (
        HOUSEHOLD, CADRE,
        Field("level", ("帮扶人层级", "幫扶人層級", "level"), cl.RESPONSIBLE_LEVEL),
        Field("start_date", ("开始日期", "開始日期", "start date"), "date"),
        Field("end_date", ("结束日期", "結束日期", "end date"), "date", False),
    ), ("household", "cadre", "start_date")),
    "visits": _spec("visit", (
        HOUSEHOLD, CADRE,
        Field("visited_on", ("走访日期", "走訪日期", "visited on"), "date"),
        Field("notes", ("走访记录", "走訪記錄", "notes"), "text", False),
        Field("latitude", ("纬度", "緯度", "latitude"), "decimal", False),
        Field("longitude", ("经度", "經度", "longitude"), "decimal", False),
    ), ("household", "cadre", "visited_on")),
    "loans": _spec("loan", (
        HOUSEHOLD,
        Field("bank", ("贷款银行", "貸款銀行", "bank"), "party"),
        Field("amount", ("贷款金额", "貸款金額", "amount"), "money"),
        Field("issued_on", ("放贷日期", "放貸日期", "issued on"), "date"),
        Field("due_on", ("到期日期", "到期日期", "due on"), "date"),
        Field("annual_rate", ("年利率", "年利率", "annual rate"), "decimal"),
        Field("repaid_amount", ("已还金额", "已還金額", "repaid"), "money", False),
        Field("repaid_on", ("还款日期", "還款日期", "repaid on"), "date", False),
    ), ("household", "bank", "issued_on")),
    "relocations": _spec("relocation", (
        HOUSEHOLD,
        Field("site", ("安置点", "安置點", "site"), "site"),
        Field("moved_on", ("搬迁日期", "搬遷日期", "moved on"), "date"),
        Field("persons", ("搬迁人数", "搬遷人數", "persons"), "int"),
    ), ("household",)),
    "origin_villages": _spec("origin", (
        Field("area", AREA_LABELS, "area"),
        Field("name", ("自然村", "自然村", "natural village"), "text"),
        Field("deep_poverty", ("深度贫困", "深度貧困", "deep poverty"), "bool", False),
        Field("households", ("户数", "戶數", "households"), "int", False),
        Field("persons", ("人数", "人數", "persons"), "int", False),
    ), ("area", "name")),
    "sites": _spec("site", (
        Field("name", ("安置点名称", "安置點名稱", "site name", "name"), "text"),
        Field("area", AREA_LABELS, "area"),
        Field("kind", ("安置方式", "安置方式", "kind"), cl.SITE_KIND),
        Field("planned_households", ("计划安置户数", "計劃安置戶數", "planned households"), "int", False),
        Field("co_moved_persons", ("同步搬迁人数", "同步搬遷人數", "persons moved along"), "int", False),
    ), ("area", "name")),
    "relending": _spec("relending", (
        Field("bank", ("贷款银行", "貸款銀行", "bank"), "party"),
        Field("borrower", ("借款企业", "借款企業", "enterprise"), "party"),
        Field("area", AREA_LABELS, "area"),
        Field("amount", ("贷款金额", "貸款金額", "amount"), "money"),
        Field("issued_on", ("放贷日期", "放貸日期", "issued on"), "date"),
        Field("households_linked", ("带动贫困户数", "帶動貧困戶數", "poor households linked"), "int", False),
    ), ("bank", "borrower", "issued_on")),
    "origin_actions": RecordSpec(OriginAction, (
        Field("area", AREA_LABELS, "area"),
        Field("name", ("自然村", "自然村", "natural village"), "text"),
        Field("action", ("搬迁进度", "搬遷進度", "step"), cl.ORIGIN_ACTION),
        Field("on", ("日期", "日期", "date"), "date"),
        Field("area_mu", ("复垦面积（亩）", "復墾面積（畝）", "area (mu)"), "decimal", False),
    ), ("village", "action"), place=lambda values: values["village"].area_id, prepare=_origin_of,
        save=_origin_step),
}


assistance_import = importer("assistance", SPECS, REFERENCES, RECORDS_IMPORTED)
