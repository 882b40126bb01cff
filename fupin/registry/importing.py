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

from fupin.areas import codes
from fupin.areas.codes import Level
from fupin.areas.models import Area
from fupin.core.bulk import KeySet, chunked
from fupin.core.codelists import _to_traditional
from fupin.core.processes import fewer_collections, iterate_in_process
from fupin.imports.reports import RowError, import_summary
from fupin.imports.tabular import Column, open_table

from .bulk import BulkResult, Submission, clean_stream, households_bulk_register
from .consistency import province_policy
from .models import Household, HouseholdYear, Member
from .services import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from .validation import NON_NEGATIVE_MONEY, YEAR_BOOLEANS, YEAR_CODES, YEAR_DECIMALS

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
REQUIRED = {"code", "number", "name", "relation"}
IMPORT_BATCH = 5000  # households per batch: checked and written together
SENT_TOGETHER = 250  # households per message from a worker (pickled fastest; see iterate_in_process)


def _field_label(model, name: str, language: str) -> str:
    with translation.override(language):
        return str(model._meta.get_field(name).verbose_name)


def _other_fields() -> list[tuple[str, str, tuple[str, str], tuple[str, ...]]]:
    """Every other registry field, by its Chinese label (DOMAIN_RULES §1) and its English name."""
    taken = {key for _label, key, _target, _aliases in CANONICAL}
    parts = [("household", Household, [n for n in HOUSEHOLD_FIELDS if n != "monitoring_since"]),
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
    return found


def columns() -> list[Column]:
    result = []
    for label, key, _target, aliases in [*CANONICAL, *_other_fields()]:
        result.append(Column(key, (label, _to_traditional(label), *aliases), required=key in REQUIRED))
    return result


def targets() -> dict[str, tuple[str, str]]:
    return {key: target for _label, key, target, _aliases in [*CANONICAL, *_other_fields()]}


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
        what was written (see fupin.imports.reports.import_summary)."""
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
        group.members.append({name: values[key] for key, name in member_columns})
        for key, part, name in other_columns:
            value = values[key]
            if value == "":
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
        if group.problems:
            _reject(report, group.rows, self._cells(group), group.problems)
            return None
        household = {"identified_year": year, **group.household}
        year_data = dict(group.year_data)
        if "status" in household:
            year_data["status"] = household["status"]
        year_data.setdefault("size_end", len(group.members))
        return Submission(group.key[0], household, group.members, int(year), year_data,
                          tag={"rows": group.rows, "cells": self._cells(group)})

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
    from fupin.imports.tabular import WORKBOOK_SUFFIXES

    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return None, None
    from fupin.imports.guard import sheet_names

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
    column_of = {name: key for key, (part, name) in reader.targets.items()}
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
                actor=actor, submissions=reader.submissions(report), batch_size=IMPORT_BATCH, dry_run=dry_run,
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

