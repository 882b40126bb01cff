"""Workbook imports of the helping side: pairings and every kind of cooperation record, with the same contract
as the household import — headers in either script or English, codes or labels for enumerations, every rejected
row reported with its row number, column and reason in Chinese and English, all or nothing unless
`skip_invalid`, `dry_run` writes nothing, and re-importing the same file changes nothing (natural keys).

A party cell names a party by area code (an eastern district, a helped village …), by unified social credit
code, or by the exact name of a party already registered. Members are named by ID number.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can
from fupin.areas import codes
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.codelists import CodeList
from fupin.core.errors import ValidationFailed
from fupin.imports.reports import ImportReport
from fupin.imports.tabular import Column, open_table
from fupin.registry.models import Member

from . import codelists as cl
from .models import Fund, LabourTransfer, Pairing, Party, Programme, Purchase, TalentExchange, Visit, Workshop
from .services import pairing_rules, record_rules

RECORDS_IMPORTED = audit_registry.register("cooperation.imported", _("imported cooperation records"))


@dataclass(frozen=True)
class Field:
    key: str
    labels: tuple[str, ...]
    kind: str  # text, date, money, int, area, party, member, programme, pairing, or a CodeList
    required: bool = True

    @property
    def column(self) -> Column:
        return Column(self.key, self.labels, self.required)


AREA = ("行政区划代码", "區劃代碼", "受扶地区代码", "area", "area code")
PAIRING = ("结对编号", "結對編號", "pairing", "pairing id")
SPECS: dict[str, tuple[type, tuple[Field, ...], tuple[str, ...]]] = {
    # kind: (model, fields, natural key)
    "pairing": (Pairing, (
        Field("programme", ("帮扶类别", "幫扶類別", "programme"), "programme"),
        Field("helper", ("帮扶方", "幫扶方", "helper"), "party"),
        Field("helped", ("受扶方", "受扶方", "helped"), "party"),
        Field("start_date", ("开始日期", "開始日期", "start date"), "date"),
        Field("end_date", ("结束日期", "結束日期", "end date"), "date", False),
        Field("committed_funds", ("承诺资金", "承諾資金", "committed funds"), "money", False),
        Field("committed_projects", ("承诺项目数", "承諾項目數", "committed projects"), "int", False),
        Field("committed_jobs", ("承诺就业岗位", "承諾就業崗位", "committed jobs"), "int", False),
        Field("committed_visits", ("承诺走访次数", "承諾走訪次數", "committed visits"), "int", False),
    ), ("programme", "helper", "helped", "start_date")),
    "fund": (Fund, (
        Field("kind", ("资金类别", "資金類別", "kind"), cl.FUND_KIND),
        Field("donor", ("资金来源", "資金來源", "donor", "from"), "party"),
        Field("area", AREA, "area"),
        Field("purpose", ("用途", "用途", "purpose"), cl.FUND_PURPOSE),
        Field("committed_amount", ("承诺金额", "承諾金額", "committed amount"), "money", False),
        Field("committed_on", ("承诺日期", "承諾日期", "committed on"), "date", False),
        Field("arrived_amount", ("到位金额", "到位金額", "arrived amount"), "money", False),
        Field("arrived_on", ("到位日期", "到位日期", "arrived on"), "date", False),
        Field("document", ("文件", "文件", "document"), "text", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("kind", "donor", "area", "purpose", "committed_on", "arrived_on")),
    "workshop": (Workshop, (
        Field("name", ("车间名称", "車間名稱", "workshop", "name"), "text"),
        Field("area", AREA, "area"),
        Field("operator", ("经营主体", "經營主體", "operator"), "text", False),
        Field("opened_on", ("建成日期", "建成日期", "opened on"), "date"),
        Field("jobs", ("就业岗位", "就業崗位", "jobs"), "int", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("name", "area")),
    "talent": (TalentExchange, (
        Field("person", ("姓名", "姓名", "person", "name"), "text"),
        Field("unit", ("派出单位", "派出單位", "unit"), "text", False),
        Field("kind", ("人才类型", "人才類型", "kind"), cl.TALENT_KIND),
        Field("field", ("支援领域", "支援領域", "field"), cl.TALENT_FIELD, False),
        Field("direction", ("方向", "方向", "direction"), cl.DIRECTION, False),
        Field("area", AREA, "area"),
        Field("start_date", ("开始日期", "開始日期", "start date"), "date"),
        Field("end_date", ("结束日期", "結束日期", "end date"), "date", False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("person", "area", "start_date")),
    "labour": (LabourTransfer, (
        Field("member", ("证件号码", "證件號碼", "ID number"), "member"),
        Field("employer", ("用工单位", "用工單位", "employer"), "text"),
        Field("work_province", ("务工省份代码", "務工省份代碼", "province of work"), "province"),
        Field("start_date", ("就业日期", "就業日期", "start date"), "date"),
        Field("monthly_wage", ("月工资", "月工資", "monthly wage"), "money", False),
        Field("transport", ("组织输送", "組織輸送", "transport"), cl.TRANSPORT, False),
        Field("pairing", PAIRING, "pairing", False),
    ), ("member", "start_date")),
    "visit": (Visit, (
        Field("person", ("姓名", "姓名", "person", "name"), "text"),
        Field("position", ("职务", "職務", "position"), "text", False),
        Field("level", ("领导层级", "領導層級", "level"), cl.LEADER_LEVEL),
        Field("direction", ("方向", "方向", "direction"), cl.DIRECTION, False),
        Field("area", AREA, "area"),
        Field("visited_on", ("互访日期", "互訪日期", "visited on"), "date"),
        Field("pairing", PAIRING, "pairing", False),
    ), ("person", "area", "visited_on")),
    "purchase": (Purchase, (
        Field("buyer", ("采购方", "採購方", "buyer"), "party"),
        Field("area", AREA, "area"),
        Field("product", ("产品", "產品", "product"), "text"),
        Field("amount", ("金额", "金額", "amount"), "money"),
        Field("bought_on", ("采购日期", "採購日期", "bought on"), "date"),
        Field("pairing", PAIRING, "pairing", False),
    ), ("buyer", "area", "product", "bought_on")),
}
DEFAULTS = {"field": "other", "direction": "to_helped", "transport": ""}


class _Resolver:
    """Looks up areas, parties, members, programmes and pairings once per distinct cell."""

    def __init__(self, actor):
        self.actor = actor
        self.cache: dict[tuple[str, str], object] = {}

    def __call__(self, kind: str, text: str):
        key = (kind, text)
        if key not in self.cache:
            self.cache[key] = getattr(self, kind)(text)
        return self.cache[key]

    def area(self, text):
        try:
            return Area.objects.filter(code=codes.normalise_code(text)).first()
        except ValueError:
            return None

    def party(self, text):
        area = self.area(text) if text.isdigit() else None
        if area is not None:
            return Party.objects.filter(kind="area", area=area).first() or Party(kind="area", name=area.name,
                                                                                   area=area)
        found = Party.objects.filter(credit_code=text.upper()).first() if len(text) == 18 else None
        if found is None:
            named = list(Party.objects.filter(name=text)[:2])
            found = named[0] if len(named) == 1 else None
        return found

    def member(self, text):
        return Member.objects.select_related("household").filter(id_number=text.upper(), is_active=True).first()

    def programme(self, text):
        return Programme.objects.filter(code=text).first() or Programme.objects.filter(name_zh=text).first()

    def pairing(self, text):
        return Pairing.objects.select_related("helped__area", "helper").filter(pk=int(text)).first() \
            if text.isdigit() else None


def _parse(report: ImportReport, number: int, field: Field, header: str, text: str, resolve: _Resolver):
    """The cell's value, or None after reporting why it is refused."""
    kind = field.kind
    if isinstance(kind, CodeList):
        code = kind.lookup(text) if text else DEFAULTS.get(field.key, "")
        if code is None:
            report.error(number, header, _("“%(value)s” is not one of the allowed values."), value=text)
        return code
    if kind == "text":
        return text
    if kind == "date":
        try:
            return datetime.date.fromisoformat(text[:10])
        except ValueError:
            report.error(number, header, _("“%(value)s” is not a date (YYYY-MM-DD)."), value=text)
            return None
    if kind in ("money", "int"):
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            report.error(number, header, _("“%(value)s” is not a number."), value=text)
            return None
        if value < 0 or (kind == "int" and value != value.to_integral_value()):
            report.error(number, header, _("“%(value)s” must be a whole number of at least 0.") if kind == "int"
                         else _("Amounts cannot be negative."), value=text)
            return None
        return int(value) if kind == "int" else value
    if kind == "province":
        if resolve("area", text[:2]) is None:
            report.error(number, header, _("No area has the code %(code)s."), code=text)
            return None
        return text[:2]
    found = resolve(kind, text)
    if found is None:
        messages = {"area": _("No area has the code %(code)s."),
                    "party": _("No party is known as “%(code)s” (give an area code, a credit code or a "
                               "registered name)."),
                    "member": _("No registered member has the ID number %(code)s."),
                    "programme": _("Unknown programme “%(code)s”."),
                    "pairing": _("No pairing has the number %(code)s.")}
        report.error(number, header, messages[kind], code=text)
    return found


def _place(value, kind: str) -> str | None:
    """The area code that decides who may import a row."""
    if kind == "pairing":
        return value["helped"].area_id
    if kind == "labour":
        return value["member"].household.area_id
    return value["area"].code


def cooperation_import(*, actor, kind: str, path: str | Path, dry_run: bool = False,
                       skip_invalid: bool = False) -> ImportReport:

    model, fields, natural_key = SPECS[kind]
    table = open_table(path, [f.column for f in fields])
    header = {key: column.header for key, column in table.columns.items()}
    rows = list(table.records())
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    resolve = _Resolver(actor)
    parsed: dict[tuple, tuple[int, dict]] = {}
    for number, texts in rows:
        values, ok = {}, True
        for field in fields:
            text = texts.get(field.key, "")
            if not text and field.required:
                report.error(number, header[field.key], _("A value is required."))
                ok = False
                continue
            if not text and not isinstance(field.kind, CodeList):
                continue
            value = _parse(report, number, field, header[field.key], text, resolve)
            ok = ok and value is not None
            values[field.key] = value
        if not ok:
            continue
        if kind == "labour":
            values["area"] = values["member"].household.area
        place = _place(values, kind)
        helper_area = values["pairing"].helper.area_id if values.get("pairing") else None
        if kind == "pairing":
            helper_area = values["helper"].area_id
        if not (can(actor, Action.IMPORT, place) or (helper_area and can(actor, Action.IMPORT, helper_area))):
            report.error(number, header[fields[0].key], _("%(code)s is outside the areas granted to you."),
                         code=place)
            continue
        try:
            if kind == "pairing":
                pairing_rules(Pairing(**values))
            else:
                record_rules(kind, model(**values))
        except ValidationFailed as error:  # its field names the column
            column = header.get(error.field or "", header[fields[0].key])
            report.error(number, column, error.message, **error.params)
            continue
        key = tuple(values.get(name) for name in natural_key)
        key = tuple(getattr(v, "pk", None) or getattr(v, "area_id", None) or v for v in key)
        if key in parsed:
            report.error(number, header[fields[0].key], _("The same record is given again in row %(other)s."),
                         other=parsed[key][0])
            continue
        parsed[key] = (number, values)
    if dry_run or (report.errors and not skip_invalid):
        return report
    rejected = {error.row for error in report.errors}
    with transaction.atomic():
        for _number, values in (item for item in parsed.values() if item[0] not in rejected):
            _upsert(model, natural_key, values, actor, report)
        audit_record(actor=actor, action=RECORDS_IMPORTED, object_type=f"cooperation.{kind}",
                     object_id=Path(path).name, after={k: v for k, v in report.as_dict().items() if k != "errors"})
    report.written = True
    return report


def _upsert(model, natural_key, values: dict, actor, report: ImportReport) -> None:
    for name in ("helper", "helped", "donor", "buyer"):
        party = values.get(name)
        if party is not None and party.pk is None:  # an area named by code that had no party yet
            party.save()
    lookup = {name: values[name] for name in natural_key if name in values}
    current = model.objects.filter(**lookup).first()
    if current is None:
        extra = {"recorded_by": actor} if model is not Pairing else {}
        model.objects.create(**values, **extra)
        report.created += 1
        return
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, values[name])
        current.save()
        report.updated += 1
    else:
        report.unchanged += 1

