"""Importing the national 建档立卡 workbook: one row per member, household columns repeated on every row or
given on the head's row only. Headers are the national form's Chinese labels (any field of the registry by its
Chinese label, in either script) or English aliases; enumerations take codes or labels.

The file is read once, streaming, and written in one transaction — all or nothing (a rejected row stops the
writing, the rest is still checked, and everything is rolled back), or with `skip_invalid` only the valid
households. Re-importing the same file
changes nothing; a changed value updates the household, member or year it belongs to.
"""

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.core import areacodes as codes
from fupin.core.areacodes import Level
from fupin.core.codelists import to_traditional
from fupin.core.files.reports import RowError, import_summary
from fupin.core.files.tabular import BANK_ACCOUNT, ID_NUMBER, IDENTITY_NAMES, PHONE, Column, open_table
from fupin.core.processes import fewer_collections, iterate_in_process
from fupin.core.sql import KeySet, chunked

from .bulk import BulkResult, Submission, clean_stream, households_bulk_register
from .consistency import province_policy
from .masking import MASKS
from .models import Household, HouseholdYear, Member
from .services import HOUSEHOLD_FIELDS, MEMBER_FIELDS, MEMBER_ROW
from .validation import NON_NEGATIVE_MONEY, YEAR_BOOLEANS, YEAR_CODES, YEAR_DECIMALS, Problem

# The canonical columns (issue contract) with their targets: (part, field).
CANONICAL = [
    ("行政区划代码", "code", ("meta", "code"), ("division code", "village code", "area code", "code")),
    ("户编号", "number", ("household", "number"), ("household number",)),
    ("年度", "year", ("meta", "year"), ("year",)),
    ("姓名", "name", ("member", "name"), ("name",)),
    ("证件号码", "id_number", ("member", "id_number"), ("id number", "公民身份号码", "身份证号码")),
    ("性别", "sex", ("member", "sex"), ("sex",)),
    ("与户主关系", "relation", ("member", "relation"), ("relation", "relation to the head")),
    ("民族", "ethnicity", ("member", "ethnicity"), ("ethnicity",)),
    ("文化程度", "education", ("member", "education"), ("education",)),
    ("在校生状况", "school_status", ("member", "school_status"), ("school status",)),
    ("健康状况", "health", ("member", "health"), ("health",)),
    ("劳动能力", "labour", ("member", "labour"), ("labour", "labour capacity", "劳动技能")),
    ("务工状况", "work_location", ("member", "work_location"), ("work location", "务工地")),
    ("务工时间", "work_months", ("member", "work_months"), ("months worked", "务工时间(月)")),
    ("贫困户属性", "attribute", ("household", "attribute"), ("household attribute",)),
    ("主要致贫原因", "main_cause", ("household", "main_cause"), ("main cause", "main cause of poverty")),
    ("其他致贫原因", "other_causes", ("household", "other_causes"), ("other causes",)),
    ("识别年度", "identified_year", ("household", "identified_year"), ("year identified",)),
    ("脱贫年度", "exit_year", ("household", "exit_year"), ("exit year",)),
    ("脱贫标志", "status", ("household", "status"), ("status", "poverty status", "脱贫属性")),
    ("工资性收入", "wage_income", ("year", "wage_income"), ("wage income",)),
    ("生产经营性收入", "business_income", ("year", "business_income"), ("business income", "家庭经营性收入")),
    ("财产性收入", "property_income", ("year", "property_income"), ("property income",)),
    ("转移性收入", "transfer_income", ("year", "transfer_income"), ("transfer income",)),
    ("生产经营性支出", "business_expense", ("year", "business_expense"), ("business expenses",)),
    ("家庭年人均纯收入", "net_income_per_capita", ("year", "net_income_per_capita"),
     ("net income per capita", "人均纯收入")),
    ("不愁吃", "food_secure", ("year", "food_secure"), ("no worry about food",)),
    ("不愁穿", "clothing_secure", ("year", "clothing_secure"), ("no worry about clothing",)),
    ("义务教育有保障", "education_secure", ("year", "education_secure"), ("compulsory education assured",)),
    ("基本医疗有保障", "medical_secure", ("year", "medical_secure"), ("basic medical care assured",)),
    ("住房安全有保障", "housing_secure", ("year", "housing_secure"), ("safe housing assured",)),
    ("饮水安全有保障", "water_secure", ("year", "water_secure"), ("safe drinking water assured",)),
]
# Columns an export adds so that it re-imports as it was (see `recognise_members`): the member's key, and the year's
# own status and monitoring category (the household's current ones are 脱贫标志 and 监测对象类别).
MEMBER_KEY = "member_key"
ROUND_TRIP = [
    ("成员编号", MEMBER_KEY, ("meta", MEMBER_KEY), ("member number", "member key")),
]
YEAR_OWN = [("year_status", "status", _("status at year end")),
            ("year_monitoring_category", "monitoring_category", _("monitoring category at year end"))]
REQUIRED = {"code", "number", "name", "relation"}
_ID_NUMBER, _NAME, _BIRTH_DATE = (MEMBER_ROW.index(name) for name in ("id_number", "name", "birth_date"))
IMPORT_BATCH = 5000  # households per batch: checked and written together
SENT_TOGETHER = 250  # households per message from a worker (pickled fastest; see iterate_in_process)


def _field_label(model, name: str, language: str) -> str:
    with translation.override(language):
        return str(model._meta.get_field(name).verbose_name)


def _label(text, language: str) -> str:
    with translation.override(language):
        return str(text)


def _other_fields() -> list[tuple[str, str, tuple[str, str], tuple[str, ...]]]:
    """Every other registry field, by its Chinese label (DOMAIN_RULES §1) and its English name. A member's
    disability certificate number has no column: the ID column holds it for a 残疾人证 (`clean_member`)."""
    taken = {key for _label, key, _target, _aliases in [*CANONICAL, *ROUND_TRIP]} | {"disability_certificate"}
    parts = [("household", Household, HOUSEHOLD_FIELDS),
             ("member", Member, MEMBER_FIELDS),
             ("year", HouseholdYear, [*NON_NEGATIVE_MONEY, *YEAR_DECIMALS, *YEAR_BOOLEANS, *YEAR_CODES,
                                      "size_start", "size_end"])]
    found = []
    for part, model, names in parts:
        for name in names:
            if name in taken:
                continue
            taken.add(name)
            found.append((_field_label(model, name, "zh-hans"), name, (part, name),
                          (_field_label(model, name, "en"), name)))
    found += [(_label(label, "zh-hans"), key, ("year", name), (_label(label, "en"), key))
              for key, name, label in YEAR_OWN]
    return found


def column_specs() -> list[tuple[str, str, tuple[str, str], tuple[str, ...]]]:
    """Every column of the household workbook, in the order an export writes them: (Chinese label, key,
    (part, field), aliases — the English label first)."""
    return [*CANONICAL, *ROUND_TRIP, *_other_fields()]


def header_label(label: str, aliases: tuple[str, ...], language: str) -> str:
    """A column's header in a language (zh-Hans, zh-Hant by OpenCC, English): each is one the import accepts."""
    language = language.lower()
    if language.startswith("en"):
        english = aliases[0]
        return "ID number" if english == "id number" else english[:1].upper() + english[1:]
    if language in {"zh-hant", "zh-tw", "zh-hk"}:
        return to_traditional(label)
    return label


def columns() -> list[Column]:
    result = []
    for label, key, _target, aliases in column_specs():
        labels = (label, to_traditional(label), *aliases, header_label(label, aliases, "en"))
        result.append(Column(key, labels, required=key in REQUIRED))
    return result


def targets() -> dict[str, tuple[str, str]]:
    return {key: target for _label, key, target, _aliases in column_specs()}


@dataclass
class HouseholdImportReport:
    rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    members_created: int = 0
    members_updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    warned: int = 0  # households with consistency warnings (they are imported; the quality engine follows up)
    written: bool = False
    dry_run: bool = False
    headers: list[str] = field(default_factory=list)
    rejected_cells: dict[int, list] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    def as_dict(self) -> dict:
        """The machine-readable summary (the contract of `fupin import households --format json`): counts only
        what was written (see fupin.core.files.reports.import_summary)."""
        counts = {"households_created": self.households_created, "households_updated": self.households_updated,
                  "members_created": self.members_created, "members_updated": self.members_updated}
        return {
            **import_summary(rows=self.rows, counts=counts, rejected=self.rejected, dry_run=self.dry_run,
                             written=self.written),
            "errors": [{"row": e.row, "column": e.column, "message": e.text()}
                       for e in sorted(self.errors, key=lambda e: (e.row, e.column))],
        }


@dataclass
class _Group:
    key: tuple[str, str]
    rows: list[int] = field(default_factory=list)
    values: list[dict] = field(default_factory=list)  # each row's cleaned texts by column key
    household: dict = field(default_factory=dict)
    year_data: dict = field(default_factory=dict)
    members: list[dict] = field(default_factory=list)
    year: str = ""
    problems: list[RowError] = field(default_factory=list)
    # Each member row's member key as written, and its ID number if masked (left out of the member's values).
    member_keys: list[str] = field(default_factory=list)
    masked: dict[int, str] = field(default_factory=dict)
    masked_household: dict[str, str] = field(default_factory=dict)  # phone, bank account as masked


class _Reader:
    """Streams a file into household groups (rows of one household must stand together, as exports have them)."""

    def __init__(self, path, default_year: int | None, keys_in_memory: int):
        self.path, self.default_year, self.keys_in_memory = path, default_year, keys_in_memory
        self.targets = targets()
        self.plans: dict[tuple, tuple] = {}
        self.refusals: list[RowError] = []
        self.sheet, self.by_household = _two_sheet_layout(Path(path))

    def groups(self, report: HouseholdImportReport) -> Iterator[_Group]:
        specs = columns()
        if self.by_household is not None:  # the member sheet may leave household columns to 户信息
            specs = [Column(c.key, c.labels, required=c.key in {"number", "name", "relation"}) for c in specs]
        table = open_table(self.path, specs, sheet=self.sheet)
        # Errors name a column as the file does; columns the file lacks by their canonical Chinese label.
        self.header_of = {key: column.header for key, column in table.columns.items()} | table.file_headers
        self.order = sorted(table.positions, key=table.positions.get)
        report.headers = [table.file_headers[key] for key in self.order]
        current: _Group | None = None
        for number, values in table.records(self._refused):
            report.rows += 1
            if self.by_household is not None:
                given = self.by_household.get(values.get("number", ""), {})
                values = {**given, **{k: v for k, v in values.items() if v != "" or k not in given}}
            try:
                code = codes.normalise_code(values.get("code", ""))
            except ValueError:
                code = values.get("code", "")
            key = (code, values.get("number", ""))
            if current is None or key != current.key:
                if current is not None:
                    yield current
                current = _Group(key)
            self._add_row(current, number, values)
        if current is not None:
            yield current

    def _plan(self, keys: tuple) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
        """For rows with these columns: (member columns as (key, field)), (the other columns as (key, part, field))
        — made once per set of columns, not per row."""
        found = self.plans.get(keys)
        if found is None:
            targets = [(key, *self.targets.get(key, ("meta", key))) for key in keys]
            found = self.plans[keys] = ([(key, name) for key, part, name in targets if part == "member"],
                                        [target for target in targets if target[1] != "member"])
        return found

    def _refused(self, number: int, key: str, refusal) -> None:
        """A cell Excel may have corrupted (`Table.records`): its row's household is rejected (`_add_row`)."""
        self.refusals.append(RowError(number, self.header_of[key], refusal.message, refusal.params))

    def _add_row(self, group: _Group, number: int, values: dict) -> None:
        if self.refusals:  # the row's refused cells, reported as the table read it
            group.problems += self.refusals
            self.refusals = []
        group.rows.append(number)
        group.values.append(values)
        member_columns, other_columns = self._plan(tuple(values))
        member = {name: values[key] for key, name in member_columns}
        if MASK in member.get("id_number", ""):
            # A masked number is no number: it is checked against the stored one (`recognise_members`), never
            # cleaned or stored.
            group.masked[len(group.members)] = member.pop("id_number")
        group.members.append(member)
        group.member_keys.append(values.get(MEMBER_KEY, ""))
        for key, part, name in other_columns:
            value = values[key]
            if value == "":
                continue
            if part == "household" and name in MASKED_HOUSEHOLD_FIELDS and MASK in value:
                group.masked_household[name] = value
                continue
            if part == "meta" and key == "year":
                if group.year and group.year != value:
                    group.problems.append(RowError(number, self.header_of[key],
                                                   _("Another row of this household gives the value “%(value)s”."),
                                                   {"value": group.year}))
                group.year = value
            elif part in {"household", "year"}:
                target = group.household if part == "household" else group.year_data
                if name in target and target[name] != value:
                    group.problems.append(RowError(number, self.header_of[key],
                                                   _("Another row of this household gives the value “%(value)s”."),
                                                   {"value": target[name]}))
                target[name] = value

    def submissions(self, report: HouseholdImportReport) -> Iterator[Submission]:
        seen = KeySet(self.keys_in_memory)  # every household's (village code, number) so far
        try:
            for chunk in chunked(self.groups(report), IMPORT_BATCH):
                self._check_together(chunk, seen)
                for group in chunk:
                    if (sub := self._submission(group, report)) is not None:
                        yield sub
        finally:
            seen.close()

    def _check_together(self, groups: list[_Group], seen: KeySet) -> None:
        """A household whose rows were met before, apart from these: the rows of a household must be adjacent."""
        keys = [f"{code}\t{number}" for code, number in (group.key for group in groups)]
        before, here = seen.seen(keys), set()
        for group, key in zip(groups, keys, strict=True):
            if key in before or key in here:
                group.problems.append(RowError(group.rows[0], self.header_of["number"], _(
                    "The rows of household %(number)s are not together; keep a household's rows adjacent."),
                    {"number": group.key[1]}))
            here.add(key)
        seen.add(here)

    def _submission(self, group: _Group, report: HouseholdImportReport) -> Submission | None:
        """The group as a household submission, or None with its rows rejected."""
        year = group.year or (str(self.default_year) if self.default_year else "")
        if not year.isdigit():
            group.problems.append(RowError(group.rows[0], self.header_of.get("year", "年度"),
                                           _("The year is missing: give a 年度 column or --year.")))
        keys = self._member_keys(group)
        if group.problems:
            _reject(report, group.rows, self._cells(group), group.problems)
            return None
        household = {"identified_year": year, **group.household}
        year_data = dict(group.year_data)
        if "status" in household and "status" not in year_data:  # without the year's own 年末脱贫标志
            year_data["status"] = household["status"]
        year_data.setdefault("size_end", len(group.members))
        tag = {"rows": group.rows, "cells": self._cells(group)}
        if any(keys) or group.masked or group.masked_household:
            tag["identities"] = Identities(keys, group.masked, group.masked_household)
        return Submission(group.key[0], household, group.members, int(year), year_data, tag=tag)

    def _member_keys(self, group: _Group) -> list[int | None]:
        """Each row's member key as a number (None where not given); a key that is not one is the row's problem."""
        keys = []
        for row, text in zip(group.rows, group.member_keys, strict=True):
            if text and not (text.isascii() and text.isdigit()):
                group.problems.append(RowError(row, self.header_of.get(MEMBER_KEY, MEMBER_KEY), NOT_A_MEMBER_KEY,
                                               {"value": text}))
            keys.append(int(text) if text.isascii() and text.isdigit() else None)
        return keys

    def _cells(self, group: _Group) -> Iterator[list]:
        """The group's rows as the file has them, made only if the household is rejected (the error workbook)."""
        return ([values.get(key, "") for key in self.order] for values in group.values)


HOUSEHOLD_SHEETS = ("户信息", "戶信息")
MEMBER_SHEETS = ("家庭成员", "家庭成員")
INCOME_SHEETS = ("收支情况", "收支情況")


class _ReaderInWorker:
    """A `_Reader` whose reading, grouping and cleaning run in a worker process (`iterate_in_process`) while
    this process checks sets and writes: for large files, where the spawned worker's start (about two seconds)
    is repaid many times. The worker's report (rows read, rows it rejected) arrives with each batch."""

    def __init__(self, path, default_year: int | None, today: datetime.date):
        self.path, self.default_year, self.today = str(path), default_year, today
        self.targets = targets()
        self.header_of: dict[str, str] = {}
        provinces = Area.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)
        self.policies = {code[:2]: province_policy(code[:2]) for code in provinces}

    def submissions(self, report: HouseholdImportReport) -> Iterator[Submission]:
        for batch, state in iterate_in_process(_read_and_clean, self.path, self.default_year, self.today,
                                               self.policies, settings.FUPIN_KEYS_IN_MEMORY,
                                               ahead=4 * IMPORT_BATCH // SENT_TOGETHER):
            self.header_of = state["header_of"]
            report.headers, report.rows = state["headers"], state["rows"]
            report.errors += state["errors"]
            report.rejected_rows |= state["rejected_rows"]
            report.rejected_cells |= state["rejected_cells"]
            for sub in batch:
                # Without its values (left in the worker) a household rejected here has its rows read again.
                sub.tag["cells"] = None if sub.given else _RebuiltCells(sub, state["order"], self.targets)
            yield from batch


class _RebuiltCells:
    """The cells of a submission's rows, rebuilt from its values only if it is rejected here: sending every
    row's cells from the worker cost a third of what it sends. Household values show on every row (as the
    canonical layout repeats them, so the error workbook re-imports once corrected)."""

    def __init__(self, sub: Submission, order: list[str], targets: dict[str, tuple[str, str]]):
        # The submission's parts, not the submission: it holds this object in its tag.
        self.parts = {"household": sub.household, "year": sub.year_data or {},
                      "meta": {"code": sub.area_code, "year": str(sub.year)}}
        self.members, self.order, self.targets = sub.members, order, targets

    def __iter__(self) -> Iterator[list]:
        parts = dict(self.parts)
        for member in self.members:
            parts["member"] = member
            yield [str(parts[part].get(name, "")) for part, name in map(self._target, self.order)]

    def _target(self, key: str) -> tuple[str, str]:
        return self.targets.get(key, ("meta", key))


def _read_and_clean(path: str, default_year: int | None, today: datetime.date,
                    policies: dict[str, tuple[bool, list[str]]],
                    keys_in_memory: int) -> Iterator[tuple[list[Submission], dict]]:
    """In the worker process: the file's submissions in small batches, cleaned and checked against the rest of
    the file (`clean_stream`), with what the reader reported since the previous batch. Reads no database: the
    provinces' policies are given."""
    reader = _Reader(path, default_year, keys_in_memory)
    report = HouseholdImportReport()
    stream = clean_stream(reader.submissions(report), today, policies.get, keys_in_memory)
    names: dict = {}  # the sets of names given, shared (Submission.leave_values)
    for batch in chunked(itertools.chain(stream, [None]), SENT_TOGETHER):
        batch = [sub for sub in batch if sub is not None]  # the marker sends the reader's last report
        for sub in batch:
            del sub.tag["cells"]  # rebuilt there if the checking process rejects the household (_RebuiltCells)
            if sub.cleaned is not None and not sub.cleaned.problems:
                sub.leave_values(names)  # what a clean household needs there is cleaned
        state = {"header_of": reader.header_of, "order": reader.order, "headers": report.headers, "rows": report.rows,
                 "errors": report.errors, "rejected_rows": report.rejected_rows,
                 "rejected_cells": report.rejected_cells}
        report.errors, report.rejected_rows, report.rejected_cells = [], set(), {}
        yield batch, state


def _two_sheet_layout(path: Path) -> tuple[str | None, dict[str, dict] | None]:
    """For a workbook laid out as 户信息 + 家庭成员 (+ 收支情况): the member sheet's name, and each household's
    values from the other sheets by household number — applied to its member rows as if repeated there."""
    from fupin.core.files.tabular import WORKBOOK_SUFFIXES

    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return None, None
    from fupin.core.files.guard import sheet_names

    names = sheet_names(path)  # once the file has passed its checks; an .xlsx without loading any sheet
    household_sheet = next((n for n in names if n.strip() in HOUSEHOLD_SHEETS), None)
    member_sheet = next((n for n in names if n.strip() in MEMBER_SHEETS), None)
    if household_sheet is None or member_sheet is None:
        return None, None
    by_household: dict[str, dict] = {}
    specs = [Column(c.key, c.labels, required=c.key == "number") for c in columns()]
    for sheet in [household_sheet, *(n for n in names if n.strip() in INCOME_SHEETS)]:
        for _number, values in open_table(path, specs, sheet=sheet).records():
            known = by_household.setdefault(values.get("number", ""), {})
            known.update({k: v for k, v in values.items() if v != ""})
    return member_sheet, by_household


def _reject(report: HouseholdImportReport, rows: list[int], cells: Iterable[list], problems: list[RowError]) -> None:
    report.errors.extend(problems)
    report.rejected_rows.update(rows)
    report.rejected_cells.update(zip(rows, cells, strict=True))


def _map_problems(report: HouseholdImportReport, reader: _Reader, result: BulkResult) -> None:
    """Turn the bulk path's problems (field, member) into row and column errors."""
    column_of: dict[str, str] = {}
    for key, (_part, name) in reader.targets.items():
        column_of.setdefault(name, key)  # the household's status before the year's own (same field name)
    column_of[MEMBER_KEY] = MEMBER_KEY
    column_of.update({"area": "code", "number": "number", "year": "year"})
    again = {row for tag, _problems in result.rejected if tag["cells"] is None for row in tag["rows"]}
    cells_again = _cells_read_again(reader, again) if again else {}
    for tag, problems in result.rejected:
        errors = []
        for problem in problems:
            row = tag["rows"][problem.member] if problem.member is not None else tag["rows"][0]
            key = column_of.get(problem.field, problem.field)
            errors.append(RowError(row, reader.header_of.get(key, key), problem.message, problem.params))
        cells = tag["cells"] if tag["cells"] is not None else [cells_again[row] for row in tag["rows"]]
        _reject(report, tag["rows"], cells, errors)


def _cells_read_again(reader: "_ReaderInWorker", rows: set[int]) -> dict[int, list]:
    """The cells of these rows, read again from the file: households a worker sent without their values (they
    were clean) and that were rejected here after all (already registered, outside the grant). Reads as far as
    the last of them."""
    again = _Reader(reader.path, reader.default_year, settings.FUPIN_KEYS_IN_MEMORY)
    cells, last = {}, max(rows)
    for group in again.groups(HouseholdImportReport()):
        if group.rows[0] > last:
            break
        if group.rows[0] in rows:  # a household is rejected with all its rows
            cells.update(zip(group.rows, again._cells(group), strict=True))
    return cells


# Recognising members on re-import -----------------------------------------------------------------------------
# An export gives each member row the member's key (成员编号: the stored member's own number, which never changes).
# A row of a registered household is that household's member by its key, else by ID number, else by name and birth
# date when exactly one active member without an ID number has them; a key that names no active member of the
# household, two rows naming one member, or a name and birth date that several members share are refused, never
# guessed. A household not registered yet is registered with its rows as new members, whatever keys they carry.
# A masked number (an export for a role that may not see it) is never stored: on a row recognised by its
# key it means "unchanged" when it masks the stored number, and is refused otherwise.
MASK = "*"
MASKED_HOUSEHOLD_FIELDS = ("phone", "bank_account")
MASKED_WHAT = {"id_number": IDENTITY_NAMES[ID_NUMBER], "phone": IDENTITY_NAMES[PHONE],
               "bank_account": IDENTITY_NAMES[BANK_ACCOUNT]}
NOT_A_MEMBER_KEY = _("“%(value)s” is not a member number: keep the member number an export gave, or leave it empty "
                     "for a new member.")
KEY_NOT_IN_HOUSEHOLD = _("No member of this household has the member number %(key)s (the file may come from another "
                         "database): leave the member number empty to register the person as a new member.")
KEY_IN_OTHER_HOUSEHOLD = _("Member number %(key)s is a member of household %(number)s, not of this one.")
KEY_HAS_LEFT = _("Member number %(key)s has left this household (on %(date)s); an import does not change a "
                 "former member.")
ID_OF_ANOTHER_MEMBER = _("This ID number belongs to another member of the household (member number %(key)s).")
SAME_MEMBER_TWICE = _("This row and row %(row)s are the same member.")
NAME_AMBIGUOUS = _("%(count)s members of this household without an ID number are named %(name)s and born on "
                   "%(birth)s: give the member number (as an export has it) or the ID number to say which one.")
MASKED_NOT_STORED = _("%(what)s “%(value)s” is masked (exported for a role that may not see it) and cannot be "
                      "stored: enter the full number.")
MASKED_WITHOUT_KEY = _("%(what)s “%(value)s” is masked and the row has no member number: a masked number is only "
                       "kept for a member recognised by the member number an export gave; enter the full number.")
MASKED_MISMATCH = _("%(what)s “%(value)s” is masked and does not match the stored number: enter the full number.")


@dataclass
class Identities:
    """What a household's rows say about who they are beyond their values (in the submission's tag)."""

    keys: list[int | None]  # each member row's member key
    masked: dict[int, str]  # member row → its masked ID number
    household: dict[str, str]  # phone, bank account as masked


def _recognised(submissions: Iterable[Submission], today: datetime.date) -> Iterator[Submission]:
    """The submissions, cleaned (if a worker has not) and with their members recognised (`recognise_members`)."""
    policies: dict[str, tuple[bool, list[str]]] = {}

    def policy_of(province: str) -> tuple[bool, list[str]]:
        if province not in policies:
            policies[province] = province_policy(province)
        return policies[province]

    for batch in chunked(clean_stream(submissions, today, policy_of, settings.FUPIN_KEYS_IN_MEMORY), IMPORT_BATCH):
        recognise_members(batch)
        yield from batch


def recognise_members(batch: list[Submission]) -> None:
    """Match each member row of a registered household to the stored member it is (`Submission.member_keys`, which
    the bulk path's update follows), and add a problem to the submission for every row that cannot be matched
    without guessing or that carries a masked number it may not keep. Two queries per batch (households, their
    active members), a third only for member keys that name no member of their household."""
    subs = [sub for sub in batch if sub.cleaned is not None and not sub.cleaned.problems]
    existing = _registered(subs)
    members: dict[int, list[tuple]] = {}
    for chunk in chunked([pk for pk, _phone, _bank in existing.values()], 1000):
        for row in Member.objects.filter(household_id__in=chunk, is_active=True).order_by("pk").values_list(
                "pk", "household_id", "id_number", "name", "birth_date", "disability_certificate"):
            members.setdefault(row[1], []).append(row)
    elsewhere = _members_elsewhere(subs, existing, members)
    for sub in subs:
        stored = existing.get((sub.area_code[:6], sub.cleaned.household["number"]))
        identities = sub.tag.get("identities") if isinstance(sub.tag, dict) else None
        if stored is None:
            sub.cleaned.problems += _new_household_problems(identities)
        else:
            problems, matched = _match(sub, identities, stored, members.get(stored[0], []), elsewhere)
            sub.cleaned.problems += problems
            sub.member_keys = tuple(matched)


def _registered(subs: list[Submission]) -> dict[tuple[str, str], tuple[int, str, str]]:
    """(county code, household number) → (pk, phone, bank account) of the registered households among `subs`."""
    by_county: dict[str, set[str]] = {}
    for sub in subs:
        by_county.setdefault(sub.area_code[:6], set()).add(sub.cleaned.household["number"])
    found = {}
    for county, numbers in by_county.items():
        for chunk in chunked(sorted(numbers), 1000):
            for pk, number, phone, bank in Household.objects.filter(county_code=county, number__in=chunk).values_list(
                    "pk", "number", "phone", "bank_account"):
                found[(county, number)] = (pk, phone, bank)
    return found


def _members_elsewhere(subs, existing, members) -> dict[int, tuple[int, str, bool, datetime.date | None]]:
    """Member keys given that name no active member of their household: key → (its household's pk and number,
    whether it is active, when it left), for the message."""
    wanted = set()
    for sub in subs:
        identities = sub.tag.get("identities") if isinstance(sub.tag, dict) else None
        if identities is None:
            continue
        stored = existing.get((sub.area_code[:6], sub.cleaned.household["number"]))
        if stored is not None:
            own = {row[0] for row in members.get(stored[0], [])}
            wanted |= {key for key in identities.keys if key is not None and key not in own}
    found = {}
    for chunk in chunked(sorted(wanted), 1000):
        for pk, household, number, active, left_on in Member.objects.filter(pk__in=chunk).values_list(
                "pk", "household_id", "household__number", "is_active", "left_on"):
            found[pk] = (household, number, active, left_on)
    return found


def _key_problem(key: int, index: int, household_pk: int, elsewhere: dict) -> Problem:
    household, number, active, left_on = elsewhere.get(key, (None, None, True, None))
    if household is None:
        return Problem(MEMBER_KEY, KEY_NOT_IN_HOUSEHOLD, {"key": key}, index)
    if household == household_pk and not active:
        return Problem(MEMBER_KEY, KEY_HAS_LEFT, {"key": key, "date": left_on or "—"}, index)
    return Problem(MEMBER_KEY, KEY_IN_OTHER_HOUSEHOLD, {"key": key, "number": number}, index)


def _new_household_problems(identities: Identities | None) -> list[Problem]:
    """A household not registered yet has no stored number a mask could keep. Its member keys are left aside: no
    stored member can be taken for another through them (the household is new), and a file exported from another
    database (a migration, a training copy) registers its households here once; this database's export then gives
    this database's keys."""
    if identities is None:
        return []
    problems = [Problem("id_number", MASKED_NOT_STORED, {"what": MASKED_WHAT["id_number"], "value": value}, index)
                 for index, value in identities.masked.items()]
    problems += [Problem(name, MASKED_NOT_STORED, {"what": MASKED_WHAT[name], "value": value})
                 for name, value in identities.household.items()]
    return problems


def _match(sub: Submission, identities: Identities | None, stored: tuple[int, str, str], current: list[tuple],
           elsewhere: dict) -> tuple[list[Problem], list[int | None]]:
    """(problems, the stored member's pk for each member row or None for a new member) of a registered household."""
    household_pk = stored[0]
    by_pk = {row[0]: row for row in current}
    by_id = {row[2]: row[0] for row in current if row[2]}
    by_name: dict[tuple, list[int]] = {}
    for pk, _household, id_number, name, birth, _certificate in current:
        if not id_number:
            by_name.setdefault((name, birth), []).append(pk)
    keys = identities.keys if identities else [None] * len(sub.cleaned.members)
    masked = identities.masked if identities else {}
    problems: list[Problem] = []
    matched: list[int | None] = []
    rows = sub.tag["rows"] if isinstance(sub.tag, dict) else []
    first_row: dict[int, int] = {}
    for index, (member, key) in enumerate(zip(sub.cleaned.members, keys, strict=True)):
        id_number, name, birth = member[_ID_NUMBER], member[_NAME], member[_BIRTH_DATE]
        pk = None
        if key is not None:
            if key not in by_pk:
                problems.append(_key_problem(key, index, household_pk, elsewhere))
            else:
                pk = key
                holder = by_id.get(id_number) if id_number else None
                if holder is not None and holder != key:
                    problems.append(Problem("id_number", ID_OF_ANOTHER_MEMBER, {"key": holder}, index))
        elif id_number:
            pk = by_id.get(id_number)
        elif index not in masked:
            candidates = by_name.get((name, birth), [])
            if len(candidates) > 1:
                problems.append(Problem("name", NAME_AMBIGUOUS, {"count": len(candidates), "name": name,
                                                                 "birth": birth or "—"}, index))
            pk = candidates[0] if len(candidates) == 1 else None
        if index in masked:
            value, what = masked[index], MASKED_WHAT["id_number"]
            if key is None:
                problems.append(Problem("id_number", MASKED_WITHOUT_KEY, {"what": what, "value": value}, index))
            elif pk is not None and not (_masks("id_number", by_pk[pk][2], value)
                                         or _masks("id_number", by_pk[pk][5], value)):  # a 残疾人证's number
                problems.append(Problem("id_number", MASKED_MISMATCH, {"what": what, "value": value}, index))
        if pk is not None:
            if pk in first_row:
                row = rows[first_row[pk]] if first_row[pk] < len(rows) else first_row[pk] + 1
                problems.append(Problem(MEMBER_KEY if key is not None else "name", SAME_MEMBER_TWICE, {"row": row},
                                        index))
            first_row.setdefault(pk, index)
        matched.append(pk)
    for name, value in (identities.household.items() if identities else ()):
        if not _masks(name, stored[1] if name == "phone" else stored[2], value):
            problems.append(Problem(name, MASKED_MISMATCH, {"what": MASKED_WHAT[name], "value": value}))
    return problems, matched


def _masks(name: str, stored: str | None, masked: str) -> bool:
    """Whether `masked` is the stored value of field `name` as an export masks it."""
    return bool(stored) and MASKS[name](stored) == masked


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it when an all-or-nothing file had rejected rows."""


def households_import(*, actor, path: str | Path, year: int | None = None, dry_run: bool = False,
                      skip_invalid: bool = False, on_progress: Callable[[int], None] | None = None,
                      ) -> HouseholdImportReport:
    """Validate and write the file in one pass and one transaction. All or nothing by default: at the first
    rejected row writing stops, the rest of the file is still checked (so every error is reported), and the
    transaction is rolled back. With `skip_invalid` the valid households are kept; `dry_run` writes nothing."""
    today = timezone.localdate()
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    reader = (_ReaderInWorker(path, year, today) if size > settings.FUPIN_IMPORT_WORKER_ABOVE_BYTES
              else _Reader(path, year, settings.FUPIN_KEYS_IN_MEMORY))
    report = HouseholdImportReport(dry_run=dry_run)

    def clean_so_far(result: BulkResult) -> bool:
        return skip_invalid or not (report.errors or result.rejected)

    try:
        with fewer_collections(), transaction.atomic():
            result = households_bulk_register(
                actor=actor, submissions=_recognised(reader.submissions(report), today), batch_size=IMPORT_BATCH,
                dry_run=dry_run,
                skip_invalid=True, today=today,
                update_existing=True, on_progress=on_progress, write_while=clean_so_far)
            _map_problems(report, reader, result)
            _count(report, result)
            report.warned = result.warned
            if not dry_run and report.errors and not skip_invalid:
                raise _RollBack
    except _RollBack:
        return report
    report.written = not dry_run
    return report


def _count(report: HouseholdImportReport, result: BulkResult) -> None:
    report.households_created, report.members_created = result.households, result.members
    report.households_updated, report.members_updated = result.households_updated, result.members_updated

