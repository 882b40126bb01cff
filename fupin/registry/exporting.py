"""Exports of the registry, one row per member under the import's canonical columns (so an export re-imports),
streamed in constant memory; ID numbers, phones and bank accounts masked unless the user may see them."""

import csv
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import EVERYWHERE, can_anywhere, granted_prefixes, require
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.bulk import chunked
from fupin.core.errors import PermissionDenied
from fupin.core.spreadsheets import add_sheet, csv_row, workbook, write_cell, write_cells
from fupin.imports.tabular import identity_of
from fupin.imports.workbooks import SheetWriter

from . import codelists as cl
from .importing import CANONICAL
from .masking import MASKS
from .models import HouseholdYear, Member
from .selectors import household_list

EXPORTED = audit_registry.register("registry.exported", _("exported registry records"))
HEADERS = [label for label, _key, _target, _aliases in CANONICAL]
MEMBER_CODES = {"sex": cl.SEX, "relation": cl.RELATION, "ethnicity": cl.ETHNICITY, "education": cl.EDUCATION,
                "school_status": cl.SCHOOL_STATUS, "health": cl.HEALTH, "labour": cl.LABOUR,
                "work_location": cl.WORK_LOCATION}
HOUSEHOLD_CODES = {"attribute": cl.HOUSEHOLD_ATTRIBUTE, "main_cause": cl.CAUSE, "status": cl.STATUS}
MEMBER_COLUMNS = ["household_id", "name", "id_number", "work_months", *MEMBER_CODES]
HOUSEHOLD_COLUMNS = ["household__area_id", "household__number", "household__identified_year",
                     "household__exit_year", "household__other_causes", *(f"household__{n}" for n in HOUSEHOLD_CODES)]
YEAR_COLUMNS = ["wage_income", "business_income", "property_income", "transfer_income", "business_expense",
                "net_income_per_capita", "food_secure", "clothing_secure", "education_secure", "medical_secure",
                "housing_secure", "water_secure"]


def _yes_no(value) -> str:
    return "" if value is None else ("是" if value else "否")


def _rows(actor, area: Area | None, year: int, unmasked: list[str] | None) -> Iterator[list]:
    households = household_list(actor=actor, action=Action.EXPORT, filters={"area": area.code if area else None})
    members = (Member.objects.filter(is_active=True, household__in=households.values("pk"))
               .order_by("household__area_id", "household__number", "relation", "id")
               .values_list(*MEMBER_COLUMNS, *HOUSEHOLD_COLUMNS))
    names = [*MEMBER_COLUMNS, *HOUSEHOLD_COLUMNS]
    for chunk in chunked(members.iterator(chunk_size=5000), 5000):
        ids = {row[0] for row in chunk}
        years = {household_id: values for household_id, *values in HouseholdYear.objects.filter(
            household_id__in=ids, year=year).values_list("household_id", *YEAR_COLUMNS)}
        for values in chunk:
            row = dict(zip(names, values, strict=True))
            area_code = row["household__area_id"]
            show = unmasked is EVERYWHERE or any(area_code.startswith(p) for p in unmasked)
            income = years.get(row["household_id"])
            yield [
                area_code, row["household__number"], year, row["name"],
                row["id_number"] if show else MASKS["id_number"](row["id_number"]),
                *(MEMBER_CODES[n].label(row[n], "zh-hans") if row[n] else "" for n in ("sex", "relation", "ethnicity",
                                                                                         "education", "school_status",
                                                                                         "health", "labour",
                                                                                         "work_location")),
                row["work_months"] if row["work_months"] is not None else "",
                cl.HOUSEHOLD_ATTRIBUTE.label(row["household__attribute"], "zh-hans"),
                cl.CAUSE.label(row["household__main_cause"], "zh-hans"),
                "、".join(cl.CAUSE.label(c, "zh-hans") for c in row["household__other_causes"] or []),
                row["household__identified_year"], row["household__exit_year"] or "",
                cl.STATUS.label(row["household__status"], "zh-hans"),
                *(["" if v is None else str(v) for v in income[:6]] + [_yes_no(v) for v in income[6:]]
                  if income else [""] * len(YEAR_COLUMNS)),
            ]


def households_export(*, actor, path: str | Path, year: int, area: Area | None = None) -> int:
    """Write the households of `area` (all the user may export) for `year` to .xlsx or .csv; rows written."""
    if area is not None:
        require(actor, Action.EXPORT, area.code)
    elif not can_anywhere(actor, Action.EXPORT):
        raise PermissionDenied()
    path = Path(path)
    unmasked = granted_prefixes(actor, Action.VIEW_SENSITIVE)
    rows = _rows(actor, area, year, unmasked)
    count = 0
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM makes Excel read UTF-8
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            for row in rows:
                writer.writerow(csv_row(row))  # a formula-like name gets a leading ' (fupin.core.spreadsheets)
                count += 1
    else:
        sheet = SheetWriter(path, HEADERS, title="家庭成员")
        for row in rows:
            sheet.write(row)
            count += 1
        sheet.close()
    with transaction.atomic():
        audit_record(actor=actor, action=EXPORTED, object_type="registry.member", object_id=path.name,
                     area_code=area.code if area else "",
                     after={"year": year, "rows": count, "unmasked": bool(unmasked) or unmasked is EVERYWHERE})
    return count


TEMPLATE_LISTS = {"性别": cl.SEX, "与户主关系": cl.RELATION, "民族": cl.ETHNICITY, "文化程度": cl.EDUCATION,
                  "在校生状况": cl.SCHOOL_STATUS, "健康状况": cl.HEALTH, "劳动能力": cl.LABOUR,
                  "务工状况": cl.WORK_LOCATION, "贫困户属性": cl.HOUSEHOLD_ATTRIBUTE, "主要致贫原因": cl.CAUSE,
                  "脱贫标志": cl.STATUS}
YES_NO_COLUMNS = {"不愁吃", "不愁穿", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"}


def households_template(path: str | Path, rows: int = 5000) -> None:
    """An empty workbook with the canonical columns and a drop-down on every enumerated column (lists kept on
    a hidden sheet, since an inline list may not exceed 255 characters). Identity columns (ID and household
    numbers …) are formatted as text, so what a clerk types or pastes there keeps every digit and leading zero
    (the import refuses an identity stored as a number: fupin.imports.tabular)."""
    import xlsxwriter

    book = workbook(path)
    sheet = add_sheet(book, "家庭成员")
    lists = add_sheet(book, "代码表")
    header = book.add_format({"bold": True, "bg_color": "#F3F4F6", "border": 1})
    text = book.add_format({"num_format": "@"})
    write_cells(sheet, 0, 0, HEADERS, header)
    sheet.freeze_panes(1, 0)
    for index, name in enumerate(HEADERS):
        identity = identity_of(name)
        sheet.set_column(index, index, 20 if identity else 14, text if identity else None)
    column = 0
    for index, name in enumerate(HEADERS):
        if name in TEMPLATE_LISTS:
            labels = [item.zh for item in TEMPLATE_LISTS[name].codes]
        elif name in YES_NO_COLUMNS:
            labels = ["是", "否"]
        else:
            continue
        write_cell(lists, 0, column, name)
        for offset, label in enumerate(labels, start=1):
            write_cell(lists, offset, column, label)
        letter = xlsxwriter.utility.xl_col_to_name(column)
        sheet.data_validation(1, index, rows, index, {
            "validate": "list", "source": f"='代码表'!${letter}$2:${letter}${len(labels) + 1}",
            "error_title": name, "error_message": "请从下拉列表中选择 (choose from the list)"})
        column += 1
    lists.hide()
    book.close()
