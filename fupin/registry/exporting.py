"""Exports of the registry, one row per member under the import's columns, so that an export re-imports as it
was (`fupin.registry.importing`): every field a user enters of the household, its members and the year's record
(codes as labels, yes/no, amounts, dates), the member's key that recognises a member without an ID number, and
the year's own status beside the household's current one. Streamed in constant memory; ID numbers, phones and
bank accounts masked unless the user may see them (a masked number re-imports as "unchanged", never stored).

What is not exported, and why: search keys of names, the county code and versions (derived or the system's);
the member's disability certificate number (the ID column holds it for a 残疾人证); net income (computed from
the ledger); the date a member joined or left and former members (dated events, MemberEvent, which an import does
not write); the resettlement area (set by the relocation records of fupin.assistance); status transitions,
possible duplicates and rule switches (history, review and policy, not the roll).
"""

import csv
from collections.abc import Iterator
from pathlib import Path

from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can_anywhere, require
from fupin.areas.models import Area
from fupin.areas.selectors import subtree
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import PermissionDenied
from fupin.core.files.spreadsheets import add_sheet, csv_row, workbook, write_cell, write_cells
from fupin.core.files.tabular import identity_of, text_formula
from fupin.core.files.workbooks import SheetWriter
from fupin.core.sql import chunked

from . import codelists as cl
from .importing import CANONICAL, MEMBER_KEY, column_specs, header_label
from .masking import Masking, masked
from .models import Household, HouseholdYear, Member
from .selectors import household_list
from .validation import HOUSEHOLD_CODES, MEMBER_CODES, YEAR_CODES

EXPORTED = audit_registry.register("registry.exported", _("exported registry records"))
HEADERS = [label for label, _key, _target, _aliases in column_specs()]  # in Simplified Chinese
CANONICAL_HEADERS = [label for label, _key, _target, _aliases in CANONICAL]
CODES = {"member": MEMBER_CODES, "household": HOUSEHOLD_CODES, "year": YEAR_CODES}
MODELS = {"member": Member, "household": Household, "year": HouseholdYear}
YES_NO = {"en": ("yes", "no"), "zh": ("是", "否")}
MEMBER_BATCH = 5000
MEMBER_KEY_COLUMN = [key for _label, key, _target, _aliases in column_specs()].index(MEMBER_KEY)


def headers(language: str | None = None) -> list[str]:
    """The export's headers in a language (default: the one in force): zh-Hans, zh-Hant or English."""
    language = language or translation.get_language() or "zh-hans"
    return [header_label(label, aliases, language) for label, _key, _target, aliases in column_specs()]


def identity_columns() -> list[int]:
    """Positions of the columns holding numbers Excel would corrupt as numbers: written and formatted as text."""
    return [index for index, (label, key, _target, _aliases) in enumerate(column_specs())
            if identity_of(label) or key == MEMBER_KEY]


class _Layout:
    """How each column is read from the database and written: its source (part, field) and its kind."""

    def __init__(self):
        self.columns = []  # (part, field, kind, code list)
        for _label, key, (part, name), _aliases in column_specs():
            if part == "meta":
                self.columns.append(("meta", key, "text" if key == MEMBER_KEY else "int", None))
                continue
            model_field = MODELS[part]._meta.get_field(name)
            if name in CODES[part]:
                kind = "code"
            elif name == "other_causes":
                kind = "causes"
            elif isinstance(model_field, models.BooleanField):
                kind = "bool"
            elif isinstance(model_field, models.DecimalField):
                kind = "decimal"
            elif isinstance(model_field, models.DateField):
                kind = "date"
            elif isinstance(model_field, models.IntegerField):
                kind = "int"
            else:
                kind = "text"
            self.columns.append((part, name, kind, CODES[part].get(name)))
        self.member_fields = sorted({name for part, name, *_rest in self.columns if part == "member"})
        self.household_fields = sorted({name for part, name, *_rest in self.columns if part == "household"})
        self.year_fields = sorted({name for part, name, *_rest in self.columns if part == "year"})


def _rows(actor, area: Area | None, year: int, masking: Masking, language: str, typed: bool) -> Iterator[list]:
    """Each active member of the households with a record for `year` (a year's export is its households), in
    household order: the rows an import reads back. `typed`: numbers as numbers (a workbook), else text."""
    layout = _Layout()
    households = household_list(actor=actor, action=Action.EXPORT).filter(years__year=year)
    if area is not None:
        households = subtree(households, area)
    member_columns = ["pk", "household_id", "disability_certificate", *layout.member_fields]
    household_columns = [f"household__{name}" for name in ("area_id", *layout.household_fields)]
    members = (Member.objects.filter(is_active=True, household__in=households.values("pk"))
               .order_by("household__area_id", "household__number", "relation", "id")
               .values_list(*member_columns, *household_columns))
    names = [*member_columns, *household_columns]
    yes, no = YES_NO["en" if language.startswith("en") else "zh"]
    separator = ", " if language.startswith("en") else "、"

    def cell(value, kind, codes):
        if value is None or value == "":
            return ""
        if kind == "code":
            return codes.label(value, language)
        if kind == "bool":
            return yes if value else no
        if kind == "causes":
            return separator.join(cl.CAUSE.label(code, language) for code in value)
        if kind == "decimal":
            return float(value) if typed else str(value)
        if kind == "date":
            return value.isoformat()
        if kind == "int":
            return value if typed else str(value)
        return str(value)

    for chunk in chunked(members.iterator(chunk_size=MEMBER_BATCH), MEMBER_BATCH):
        ids = {values[1] for values in chunk}
        years = {values[0]: dict(zip(layout.year_fields, values[1:], strict=True)) for values in
                 HouseholdYear.objects.filter(household_id__in=ids, year=year).values_list(
                     "household_id", *layout.year_fields)}
        for values in chunk:
            row = dict(zip(names, values, strict=True))
            area_code = row["household__area_id"]
            parts = {"member": {name: row[name] for name in layout.member_fields},
                     "household": {name: row[f"household__{name}"] for name in layout.household_fields},
                     "year": years.get(row["household_id"], {}),
                     "meta": {"code": area_code, "year": year, MEMBER_KEY: row["pk"]}}
            if parts["member"].get("id_kind") == "2" and row["disability_certificate"]:
                # The ID column holds a 残疾人证's number, from which the import derives the holder's ID number.
                parts["member"]["id_number"] = row["disability_certificate"]
            if not masking.may_see(area_code):  # what is shown whole is audited with the export (EXPORTED)
                parts["member"], parts["household"] = masked(parts["member"]), masked(parts["household"])
            yield [cell(parts[part].get(name), kind, codes) for part, name, kind, codes in layout.columns]


class _ExportSheet(SheetWriter):
    """The sheet writer with the identity columns formatted as text: a number typed or pasted there later keeps
    every digit (Excel would keep 15 and drop leading zeros)."""

    def __init__(self, path, header: list[str], text_columns: list[int], **options):
        self.text_columns = text_columns
        super().__init__(path, header, **options)
        self.text = self.book.add_format({"num_format": "@"})

    def _new_sheet(self) -> None:
        super()._new_sheet()
        for index in self.text_columns:
            self.sheet.set_column(index, index, 20, self.text)


def households_export(*, actor, path: str | Path, year: int, area: Area | None = None,
                      language: str | None = None) -> int:
    """Write the households of `area` (all the user may export) with a record for `year` to .xlsx or .csv, headers
    and labels in `language` (default: the one in force); rows written. Re-importing the file changes nothing."""
    if area is not None:
        require(actor, Action.EXPORT, area.code)
    elif not can_anywhere(actor, Action.EXPORT):
        raise PermissionDenied()
    path = Path(path)
    language = (language or translation.get_language() or "zh-hans").lower()
    masking = Masking(actor)
    header = headers(language)
    count = 0
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM makes Excel read UTF-8
            writer = csv.writer(handle)
            writer.writerow(header)
            identities = [index for index in identity_columns() if index != MEMBER_KEY_COLUMN]
            for row in _rows(actor, area, year, masking, language, typed=False):
                row = csv_row(row)  # a formula-like name gets a leading ' (fupin.core.files.spreadsheets)
                for index in identities:
                    if row[index].isascii() and row[index].isdigit():
                        row[index] = text_formula(row[index])  # Excel keeps every digit: the import unwraps it
                writer.writerow(row)
                count += 1
    else:
        sheet = _ExportSheet(path, header, identity_columns(), title=SHEET_TITLES.get(language[:7], "家庭成员"))
        for row in _rows(actor, area, year, masking, language, typed=True):
            sheet.write(row)
            count += 1
        sheet.close()
    with transaction.atomic():
        audit_record(actor=actor, action=EXPORTED, object_type="registry.member", object_id=path.name,
                     area_code=area.code if area else "",
                     after={"year": year, "rows": count, "unmasked": not masking.nowhere})
    return count


# The member sheet's name, which the import also recognises (importing.MEMBER_SHEETS).
SHEET_TITLES = {"zh-hans": "家庭成员", "zh-hant": "家庭成員", "en": "members"}


def households_template(path: str | Path, rows: int = 5000, language: str | None = None) -> None:
    """An empty workbook with the export's columns and a drop-down on every enumerated and yes/no column (lists
    kept on a hidden sheet, since an inline list may not exceed 255 characters). Identity columns (ID and household
    numbers …) are formatted as text, so what a clerk types or pastes there keeps every digit and leading zero
    (the import refuses an identity stored as a number: fupin.core.files.tabular)."""
    import xlsxwriter

    language = (language or translation.get_language() or "zh-hans").lower()
    header_cells = headers(language)
    yes, no = YES_NO["en" if language.startswith("en") else "zh"]
    book = workbook(path)
    sheet = add_sheet(book, SHEET_TITLES.get(language[:7], "家庭成员"))
    lists = add_sheet(book, "代码表")
    header = book.add_format({"bold": True, "bg_color": "#F3F4F6", "border": 1})
    text = book.add_format({"num_format": "@"})
    write_cells(sheet, 0, 0, header_cells, header)
    sheet.freeze_panes(1, 0)
    identities = set(identity_columns())
    for index in range(len(header_cells)):
        sheet.set_column(index, index, 20 if index in identities else 14, text if index in identities else None)
    column = 0
    for index, (name, (_part, _field, kind, codes)) in enumerate(zip(header_cells, _Layout().columns, strict=True)):
        if kind == "code":
            labels = [item.label(language) for item in codes.codes]
        elif kind == "bool":
            labels = [yes, no]
        else:
            continue
        write_cell(lists, 0, column, name)
        for offset, label in enumerate(labels, start=1):
            write_cell(lists, offset, column, label)
        letter = xlsxwriter.utility.xl_col_to_name(column)
        sheet.data_validation(1, index, rows, index, {
            "validate": "list", "source": f"='代码表'!${letter}$2:${letter}${len(labels) + 1}",
            "error_title": name[:32], "error_message": "请从下拉列表中选择 (choose from the list)"})
        column += 1
    lists.hide()
    book.close()
