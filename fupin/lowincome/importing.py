"""Import of a department's list (the 民政 lists of 低保, 特困, 低保边缘 … keyed by ID number) with the common import
contract (core.files.reports): every refused row reported with its row number, column and reason in Chinese and
English; nothing written unless every row is accepted (or `skip_invalid`); a dry run counts what it would write;
re-importing the same list changes nothing (a membership's natural key is person, category and identification
date). Excel's habits are met by the tabular reader: an ID number stored as a number is refused rather than
trusted, full-width digits are made ASCII, a GBK CSV is read as GB18030.

A person in the 建档立卡 registry is matched by ID number (the same household); one who is not is added to the
register in the village the list names (docs/adr/0016-low-income-register.md)."""

import datetime
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed
from fupin.core.files.reports import ImportReport, import_writes
from fupin.core.files.tabular import Column, open_table
from fupin.core.idnumbers import parse_id_number
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Member

from . import codelists as cl
from . import services
from .models import CategoryMembership, Person

COLUMNS = [
    Column("id_number", ("证件号码", "證件號碼", "ID number", "身份证号", "身份证号码", "公民身份号码")),
    Column("name", ("姓名", "姓名", "name")),
    Column("area", ("行政区划代码", "區劃代碼", "area code", "area", "村代码"), required=False),
    Column("identified_on", ("认定日期", "認定日期", "identified on"), required=False),
    Column("ends_on", ("终止日期", "終止日期", "ended on"), required=False),
    Column("end_reason", ("终止原因", "終止原因", "end reason"), required=False),
    Column("monitoring_category", ("监测类型", "監測類型", "monitoring category"), required=False),
    Column("household_size", ("家庭人口", "家庭人口", "household size"), required=False),
    Column("income_per_capita", ("家庭人均收入", "家庭人均收入", "income per head"), required=False),
    Column("property_passed", ("财产核对通过", "財產核對通過", "property test passed"), required=False),
    Column("medical_spending", ("医疗支出", "醫療支出", "medical spending"), required=False),
    Column("education_spending", ("教育支出", "教育支出", "education spending"), required=False),
]
CHECK_COLUMNS = ("household_size", "income_per_capita", "property_passed", "medical_spending", "education_spending")
YES, NO = {"是", "1", "true", "yes", "y", "通过", "通過"}, {"否", "0", "false", "no", "n", "未通过", "未通過"}


def _date(text: str) -> datetime.date:
    text = unicodedata.normalize("NFKC", text).strip()[:10].replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            try:
                return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))  # 2024-3-5, as Excel writes it
            except ValueError:
                pass
    raise ValidationFailed(_("“%(value)s” is not a date (YYYY-MM-DD)."), value=text)


def _number(text: str, *, whole: bool = False) -> Decimal:
    text = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(_("“%(value)s” is not a number."), value=text) from None
    if value < 0 or (whole and value != value.to_integral_value()):
        raise ValidationFailed(_("“%(value)s” must be a number of at least 0."), value=text)
    return value


def _parse(texts: dict, *, category: str, default_date: datetime.date) -> dict:
    """The row's values; ValidationFailed names the field (its column) of the first refused cell."""
    values = {"name": texts.get("name", ""), "area": texts.get("area", "")}
    try:
        values["id_number"] = parse_id_number(texts["id_number"]).number
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="id_number", **error.params) from None
    for name in ("identified_on", "ends_on"):
        try:
            values[name] = _date(texts[name]) if texts.get(name) else None
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field=name, **error.params) from None
    values["identified_on"] = values["identified_on"] or default_date
    reason = texts.get("end_reason", "")
    values["end_reason"] = cl.END_REASON.lookup(reason) if reason else ""
    if values["end_reason"] is None:
        raise ValidationFailed(_("“%(value)s” is not one of the allowed values."), field="end_reason", value=reason)
    monitoring = texts.get("monitoring_category", "")
    values["monitoring_category"] = registry_codes.MONITORING_CATEGORY.lookup(monitoring) if monitoring else ""
    if values["monitoring_category"] is None:
        raise ValidationFailed(_("“%(value)s” is not one of the allowed values."), field="monitoring_category",
                               value=monitoring)
    if category != "monitoring" and values["monitoring_category"]:
        raise ValidationFailed(_("Only a monitoring object has a monitoring category."), field="monitoring_category")
    if any(texts.get(name) for name in CHECK_COLUMNS):
        check = {}
        for name in ("household_size", "income_per_capita", "property_passed"):
            if not texts.get(name):
                raise ValidationFailed(_("An economic check needs the household size, the income per head and "
                                         "the property test."), field=name)
        for name in ("household_size", "income_per_capita", "medical_spending", "education_spending"):
            try:
                value = _number(texts[name], whole=name == "household_size") if texts.get(name) else Decimal(0)
            except ValidationFailed as error:
                raise ValidationFailed(error.message, field=name, **error.params) from None
            check[name] = int(value) if name == "household_size" else value
        flag = texts["property_passed"].strip().lower()
        if flag not in YES | NO:
            raise ValidationFailed(_("“%(value)s” is not 是 or 否."), field="property_passed", value=flag)
        check["property_passed"] = flag in YES
        values["check"] = check
    return values


def _area_of(values: dict, members: dict, persons: dict) -> str:
    """The village that decides whether the importer may write the row."""
    number = values["id_number"]
    if number in members:
        return members[number]
    if number in persons:
        return persons[number]
    return values["area"]


def list_import(*, actor, path: str | Path, category: str, department: str, identified_on: datetime.date,
                procedure: str = "", publication: str = "by_aiding", check_year: int | None = None,
                dry_run: bool = False, skip_invalid: bool = False) -> ImportReport:
    """Import a department's list of one category: each row a person (by ID number) in the category from its
    identification date (the row's, else `identified_on`), with its end if the list gives one, and the economic
    check of `check_year` (default: the identification year) when the list carries income columns."""
    code = cl.CATEGORY.lookup(category)
    if code is None:
        raise ValidationFailed(_("Unknown category “%(value)s”."), field="category", value=category)
    if not department.strip():
        raise ValidationFailed(_("Name the deciding department."), field="department")
    table = open_table(path, COLUMNS)
    header = {key: column.header for key, column in table.columns.items()}
    header.update(table.file_headers)
    refused: list[tuple] = []
    rows = list(table.records(lambda number, key, refusal: refused.append((number, key, refusal))))
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    for number, key, refusal in refused:
        report.error(number, header[key], refusal.message, **refusal.params)
    refused_rows = {number for number, _key, _refusal in refused}
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for number, texts in rows:
        if number in refused_rows:
            continue
        try:
            values = _parse(texts, category=code, default_date=identified_on)
        except ValidationFailed as error:
            report.error(number, header.get(error.field or "", header["id_number"]), error.message, **error.params)
            continue
        key = (values["id_number"], values["identified_on"])
        if key in seen:
            report.error(number, header["id_number"], _("The same record is given again in row %(other)s."),
                         other=seen[key])
            continue
        seen[key] = number
        parsed.append((number, values))
    numbers = [values["id_number"] for _number, values in parsed]
    # Two queries for the whole file: which people the registry and the register already hold, and where.
    members = dict(Member.objects.filter(id_number__in=numbers, is_active=True).values_list(
        "id_number", "household__area_id"))
    persons = dict(Person.objects.filter(id_number__in=numbers).values_list("id_number", "area_id"))
    accepted = []
    for number, values in parsed:
        place = _area_of(values, members, persons)
        if not place:
            report.error(number, header["area"] if "area" in table.positions else header["id_number"],
                         _("%(number)s is not in the registry: give the village's area code."),
                         number=values["id_number"])
        elif not can(actor, Action.IMPORT, place):
            report.error(number, header["id_number"], _("%(code)s is outside the areas granted to you."), code=place)
        else:
            accepted.append((number, values))
    # The accepted rows go through the services even when others were refused, so that every row that cannot be
    # written says why (an unknown village, a date in the future, an overlapping membership); the transaction is
    # then rolled back unless `skip_invalid`.
    options = {"category": code, "department": department.strip(), "procedure": procedure,
               "publication": publication}
    try:
        with import_writes(report):
            for number, values in accepted:
                try:
                    with transaction.atomic():
                        _write(actor, values, options, check_year, report)
                except ValidationFailed as error:
                    report.error(number, header.get(error.field or "", header["id_number"]), error.message,
                                 **error.params)
            if report.errors and not skip_invalid:
                raise _Refused
            audit_record(actor=actor, action=services.IMPORTED, object_type="lowincome.list",
                         object_id=Path(path).name, after={**report.audit_summary(), **options})
    except _Refused:
        report.written = False
    return report


class _Refused(Exception):
    """A row the services refused: the whole file is not written (all or nothing)."""


def _write(actor, values: dict, options: dict, check_year: int | None, report: ImportReport) -> None:
    person = services.person_find_or_create(actor=actor, id_number=values["id_number"], name=values["name"],
                                            area_code=values["area"])
    data = {**options, "identified_on": values["identified_on"], "ends_on": values["ends_on"],
            "end_reason": values["end_reason"], "monitoring_category": values["monitoring_category"]}
    current = CategoryMembership.objects.filter(person=person, category=options["category"],
                                                identified_on=values["identified_on"]).first()
    check_changed = False
    if "check" in values:
        year = check_year or values["identified_on"].year
        stored = person.checks.filter(year=year).values(*values["check"]).first()
        if stored != values["check"]:
            services.check_save(actor=actor, person=person, year=year, data=values["check"])
            check_changed = True
    if current is None:
        services.membership_save(actor=actor, person=person, data=data)
        report.created += 1
    elif any(getattr(current, name) != value for name, value in data.items() if name != "procedure"):
        services.membership_save(actor=actor, person=person, data=data, instance=current)
        report.updated += 1
    elif check_changed:
        report.updated += 1
    else:
        report.unchanged += 1
