"""Workbook imports of plain records (pairings, funds, measures, loans, teams, projects …), one engine for every app,
with the household import's contract: headers in either script or English, codes or labels for enumerations,
every rejected row reported with its row number, column and reason in Chinese and English, all or nothing
unless `skip_invalid`, `dry_run` keeps nothing (it counts what it would write), and re-importing the same file
changes nothing (each kind names its natural key).

An app declares a RecordSpec per kind (its columns, natural key, the area that decides who may import a row and
its service rules) and resolvers for the references its columns hold (a party, a cadre, a project …).

Two layouts go beyond one row per record: a long layout (`Gather`), where several rows make one record (an
appraisal scheme, one row per indicator), and a wide layout (`Melt`), where some columns are not known until the
data names them (a column per indicator of the scheme being scored). A kind whose columns depend on the import's
options (the scheme to score) is given as a function of those options returning its RecordSpec.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can
from fupin.areas.models import Area
from fupin.audit.services import audit_record
from fupin.core import areacodes as codes
from fupin.core.codelists import CodeList
from fupin.core.errors import ValidationFailed
from fupin.core.files.reports import ImportReport, import_writes
from fupin.core.files.tabular import Column, open_table

AREA_LABELS = ("行政区划代码", "區劃代碼", "area", "area code")
MEMBER_LABELS = ("证件号码", "證件號碼", "ID number")
HOUSEHOLD_LABELS = ("户编号", "戶編號", "household number", "household")


@dataclass(frozen=True)
class Field:
    key: str
    labels: tuple[str, ...]
    kind: object  # text, date, money, decimal, int, bool, province, a resolver's name, or a CodeList
    required: bool = True

    @property
    def column(self) -> Column:
        return Column(self.key, self.labels, self.required)


def _no_second_place(values: dict) -> None:
    return None


def _nothing_to_prepare(values: dict) -> None:
    return None


def _no_rules(record) -> None:
    return None


@dataclass(frozen=True)
class Gather:
    """A long layout: the rows that give the same text in the fields `by` are one record. Each row's fields named
    in `parts` become one dict (field key → its key in the dict) of a list kept under `into`, in row order; every
    other field must be the same on all the rows. `finish` completes the record's values before it is saved and
    may refuse it (raise ValidationFailed). An error about the whole record is reported on each of its rows — an
    error about `into` in the column of the field `column`."""

    by: tuple[str, ...]
    into: str
    parts: dict[str, str]
    column: str
    finish: Callable[[dict], None] = _nothing_to_prepare


@dataclass(frozen=True)
class Melt:
    """A wide layout: besides the spec's fields, one column per item that only the data names (the indicators of
    an appraisal scheme). Each item is a Field whose key is the item's code; the cells of a row are gathered into
    {item code: value} under `into`. A header cell naming neither a field nor an item is reported as `unknown`
    (with %(value)s, the cell); an error the service raises about `into` names its item by the parameter
    `item_param` and is reported in that item's column."""

    into: str
    items: tuple[Field, ...]
    unknown: object
    item_param: str = "code"

    def column_key(self, code: str) -> str:
        # Items live beside the fixed fields in one table: the prefix keeps an item named like a field apart.
        return f"{self.into}:{code}"


@dataclass(frozen=True)
class RecordSpec:
    """One kind of record in a workbook. Either `rules` checks an unsaved record and the engine writes it, or
    `save(actor=, data=, instance=)` is the app's service, which checks, writes and audits each row itself (rules
    that need the database — overlapping terms, balances — then report their rows like any other error)."""

    model: type
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    place: Callable[[dict], str]  # the area code that decides who may import the row
    rules: Callable[[object], None] = _no_rules  # checks an unsaved record (raise ValidationFailed); without `save`
    save: Callable | None = None
    other_place: Callable[[dict], str | None] = _no_second_place  # e.g. a pairing's helper end
    prepare: Callable[[dict], None] = _nothing_to_prepare  # values derived from others (a member's village …)
    defaults: dict = field(default_factory=dict)  # code-list fields left empty
    recorded_by: bool = True
    gather: Gather | None = None  # several rows make one record; only with `save`
    melt: Melt | None = None  # columns named by the data


@dataclass(frozen=True)
class Reference:
    """How a column's text names a record (`find(text)` → the record or None) and what to say when it does not."""

    find: Callable[[str], object]
    missing: object


def _area(text: str):
    try:
        return Area.objects.filter(code=codes.normalise_code(text)).first()
    except ValueError:
        return None


@dataclass(frozen=True)
class Refused:
    """What a reference answers when the text names no single record for a reason other than "none": the
    message (with its parameters) tells the row's reader how to name it."""

    message: object
    params: dict


BASE_REFERENCES: dict[str, Reference] = {"area": Reference(_area, _("No area has the code %(code)s."))}
# References that need the importer (the registry's household, looked up among those the importer may import into):
# name → (find(text, actor), message). The registry registers its own when it loads.
ACTOR_REFERENCES: dict[str, tuple[Callable[..., object], object]] = {}


def register_reference(name: str, find: Callable[[str], object], missing, *, needs_actor: bool = False) -> None:
    """Let every import name records of a kind (a lower layer's, such as the registry's households and members)."""
    if needs_actor:
        ACTOR_REFERENCES[name] = (find, missing)
    else:
        BASE_REFERENCES[name] = Reference(find, missing)


class Resolver:
    """Looks each distinct cell up once."""

    def __init__(self, references: dict[str, Reference], *, actor=None):
        bound = {name: Reference(partial(find, actor=actor), missing)
                 for name, (find, missing) in ACTOR_REFERENCES.items()}
        self.references = {**BASE_REFERENCES, **bound, **references}
        self.cache: dict[tuple[str, str], object] = {}

    def __call__(self, kind: str, text: str):
        key = (kind, text)
        if key not in self.cache:
            self.cache[key] = self.references[kind].find(text)
        return self.cache[key]


def _number(report, number, header, text, kind):
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        report.error(number, header, _("“%(value)s” is not a number."), value=text)
        return None
    if kind != "decimal" and value < 0:
        report.error(number, header, _("Amounts cannot be negative.") if kind == "money"
                     else _("“%(value)s” must be a whole number of at least 0."), value=text)
        return None
    if kind == "int":
        if value != value.to_integral_value():
            report.error(number, header, _("“%(value)s” must be a whole number of at least 0."), value=text)
            return None
        return int(value)
    return value


YES, NO = {"是", "1", "true", "yes", "y"}, {"否", "0", "false", "no", "n"}


def parse_cell(report: ImportReport, number: int, spec_field: Field, header: str, text: str, resolve: Resolver,
               defaults: dict):
    """The cell's value, or None after reporting why it is refused."""
    kind = spec_field.kind
    if isinstance(kind, CodeList):
        code = kind.lookup(text) if text else defaults.get(spec_field.key, "")
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
    if kind in ("money", "int", "decimal"):
        return _number(report, number, header, text, kind)
    if kind == "bool":
        if text.lower() in YES or text.lower() in NO:
            return text.lower() in YES
        report.error(number, header, _("“%(value)s” is not 是 or 否."), value=text)
        return None
    if kind == "province":
        if resolve("area", text[:2]) is None:
            report.error(number, header, _("No area has the code %(code)s."), code=text)
            return None
        return text[:2]
    found = resolve(kind, text)
    if isinstance(found, Refused):
        report.error(number, header, found.message, **{"code": text, **found.params})
        return None
    if found is None:
        report.error(number, header, resolve.references[kind].missing, code=text)
    return found


def _parse_cells(report: ImportReport, number: int, texts: dict, fields, keys, header: dict, resolve: Resolver,
                 defaults: dict) -> tuple[dict, bool]:
    """The row's values of `fields` (their cells under the column keys `keys`), and whether every cell was
    accepted; each refused cell is reported."""
    values, ok = {}, True
    for spec_field, key in zip(fields, keys, strict=True):
        text = texts.get(key, "")
        if not text and spec_field.required:
            report.error(number, header[key], _("A value is required."))
            ok = False
            continue
        if not text and not isinstance(spec_field.kind, CodeList):
            continue
        value = parse_cell(report, number, spec_field, header[key], text, resolve, defaults)
        ok = ok and value is not None
        values[spec_field.key] = value
    return values, ok


def record_import(*, actor, spec: RecordSpec, path: str | Path, references: dict[str, Reference], audit_action: str,
                  object_type: str, dry_run: bool = False, skip_invalid: bool = False) -> ImportReport:
    items = spec.melt.items if spec.melt is not None else ()
    item_keys = [spec.melt.column_key(item.key) for item in items] if spec.melt is not None else []
    # An item's column may be absent: every row then lacks its value, which is reported row by row.
    table = open_table(path, [f.column for f in spec.fields]
                       + [Column(key, item.labels, False) for key, item in zip(item_keys, items, strict=True)])
    header = {key: column.header for key, column in table.columns.items()}
    first = header[spec.fields[0].key]
    refused: list[tuple] = []  # cells Excel may have corrupted (Table.records): reported, their rows not stored
    rows = list(table.records(lambda number, key, refusal: refused.append((number, key, refusal))))
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    for number, key, refusal in refused:
        report.error(number, header[key], refusal.message, **refusal.params)
    refused_rows = {number for number, _key, _refusal in refused}
    if spec.melt is not None:
        for text in table.unmatched.values():
            report.error(table.header_row, text, spec.melt.unknown, value=text)
    resolve = Resolver(references, actor=actor)
    parsed: dict[tuple, tuple[int, dict]] = {}
    records_of: dict[int, tuple] = {}  # with `gather`: each row's record, by the text of its `by` cells
    for number, texts in rows:
        if spec.gather is not None:
            records_of[number] = tuple(texts.get(name, "") for name in spec.gather.by)
        if number in refused_rows:
            continue
        values, ok = _parse_cells(report, number, texts, spec.fields, [f.key for f in spec.fields], header, resolve,
                                  spec.defaults)
        if spec.melt is not None:
            values[spec.melt.into], melted = _parse_cells(report, number, texts, items, item_keys, header, resolve,
                                                          spec.defaults)
            ok = ok and melted
        if not ok:
            continue
        try:
            spec.prepare(values)  # may look up what two cells name together (a team by village and date …)
        except ValidationFailed as error:
            report.error(number, header.get(error.field or "", first), error.message, **error.params)
            continue
        place, other = spec.place(values), spec.other_place(values)
        if not (can(actor, Action.IMPORT, place) or (other and can(actor, Action.IMPORT, other))):
            report.error(number, first, _("%(code)s is outside the areas granted to you."), code=place)
            continue
        try:
            if spec.save is None:
                spec.rules(spec.model(**values))
        except ValidationFailed as error:  # its field names the column
            report.error(number, header.get(error.field or "", first), error.message, **error.params)
            continue
        key = tuple(_key_part(values.get(name)) for name in spec.natural_key)
        if key in parsed:
            report.error(number, first, _("The same record is given again in row %(other)s."), other=parsed[key][0])
            continue
        parsed[key] = (number, values)
    if spec.save is not None:
        records = _records(spec, parsed, records_of, report, header, first)
        return _write_through_service(spec, records, actor, report, header, first, audit_action, object_type, path,
                                      dry_run, skip_invalid)
    if report.errors and not (skip_invalid or dry_run):
        return report
    rejected = {error.row for error in report.errors}
    with import_writes(report):  # a dry run writes the valid rows to count them, then rolls back
        for _number, values in (item for item in parsed.values() if item[0] not in rejected):
            _upsert(spec, values, actor, report)
        audit_record(actor=actor, action=audit_action, object_type=object_type, object_id=Path(path).name,
                     after=report.audit_summary())
    return report


def _error_column(spec: RecordSpec, header: dict, first: str, error: ValidationFailed) -> str:
    """The column a service's error is reported in: the one its field names, an item's for a wide layout's
    gathered value, the gathered part's for a long layout's list, else the first."""
    if spec.melt is not None and error.field == spec.melt.into:
        return header.get(spec.melt.column_key(str(error.params.get(spec.melt.item_param))), first)
    if spec.gather is not None and error.field == spec.gather.into:
        return header[spec.gather.column]
    return header.get(error.field or "", first)


def _records(spec: RecordSpec, parsed: dict, records_of: dict[int, tuple], report: ImportReport, header: dict,
             first: str) -> list[tuple[list[int], dict]]:
    """What to write: each record with the numbers of its rows, refused rows left out. With `gather`, the rows of
    one record are joined, and a record is left out with all its rows when one of them is refused or they
    disagree — its other rows are reported too, so every row not written says why."""
    rejected = {error.row for error in report.errors}
    if spec.gather is None:
        return [([number], values) for number, values in parsed.values() if number not in rejected]
    gather = spec.gather
    accepted = dict(parsed.values())
    shared = [f.key for f in spec.fields if f.key not in gather.parts]
    numbers_of: dict[tuple, list[int]] = {}
    for number, record in records_of.items():
        numbers_of.setdefault(record, []).append(number)
    records = []
    for numbers in numbers_of.values():
        rows = [(number, accepted[number]) for number in numbers if number in accepted and number not in rejected]
        for number, values in rows[1:]:
            differing = next((name for name in shared if values.get(name) != rows[0][1].get(name)), None)
            if differing is not None:
                report.error(number, header[differing],
                             _("The rows of one record must agree: row %(other)s has another value."),
                             other=rows[0][0])
                rejected.add(number)
        refused = [number for number in numbers if number in rejected]
        if refused:
            for number in numbers:
                if number not in rejected:
                    report.error(number, first, _("Not imported: row %(other)s of the same record is refused."),
                                 other=refused[0])
            continue
        values = {name: value for name, value in rows[0][1].items() if name not in gather.parts}
        values[gather.into] = [{gather.parts[name]: value for name, value in row.items() if name in gather.parts}
                               for _number, row in rows]
        try:
            gather.finish(values)
        except ValidationFailed as error:
            for number in numbers:
                report.error(number, _error_column(spec, header, first, error), error.message, **error.params)
            continue
        records.append((numbers, values))
    return records


def _key_part(value):
    """A natural-key cell as something hashable: a record by its id; one not saved yet (a party made on first
    use) by its area."""
    if getattr(value, "_state", None) is None:
        return value
    return value.pk if value.pk is not None else (type(value).__name__, getattr(value, "area_id", None))


def _upsert(spec: RecordSpec, values: dict, actor, report: ImportReport) -> None:
    for value in values.values():
        if getattr(value, "_state", None) is not None and value.pk is None:  # a reference made on first use
            value.save()
    lookup = {name: values[name] for name in spec.natural_key if name in values}
    current = spec.model.objects.filter(**lookup).first()
    if current is None:
        spec.model.objects.create(**values, **({"recorded_by": actor} if spec.recorded_by else {}))
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


class _Rollback(Exception):
    """Leaves the import's transaction without writing anything."""


def _write_through_service(spec, records, actor, report, header, first, audit_action, object_type, path, dry_run,
                           skip_invalid) -> ImportReport:
    """Each record through the app's service in a savepoint; the whole file in one transaction, rolled back on a
    dry run or (without `skip_invalid`) when any row was refused — so every refused row is reported either way,
    and a dry run counts what the services would write."""
    try:
        with transaction.atomic():
            for numbers, values in records:
                lookup = {name: values[name] for name in spec.natural_key if name in values}
                current = spec.model.objects.filter(**lookup).first()
                # An empty optional cell leaves the stored value (or the service's default) alone.
                if current is not None and all(getattr(current, name) == value for name, value in values.items()
                                               if value not in ("", None)):
                    report.unchanged += 1
                    continue
                try:
                    with transaction.atomic():
                        spec.save(actor=actor, data=dict(values), instance=current)
                except ValidationFailed as error:
                    for number in numbers:  # a record of several rows: each of them is not written
                        report.error(number, _error_column(spec, header, first, error), error.message,
                                     **error.params)
                    continue
                if current is None:
                    report.created += 1
                else:
                    report.updated += 1
            if dry_run or (report.errors and not skip_invalid):
                raise _Rollback
            audit_record(actor=actor, action=audit_action, object_type=object_type, object_id=Path(path).name,
                         after=report.audit_summary())
    except _Rollback:  # the counts stay: the summary reports them as written only when they were
        return report
    report.written = True
    return report


def importer(app: str, specs: dict[str, RecordSpec | Callable[..., RecordSpec]], references: dict[str, Reference],
             audit_action: str):
    """An app's import function over its kinds: `importer(...)(actor=, kind=, path=, dry_run=, skip_invalid=)`.
    A kind given as a function takes the import's further options (`scheme=` …) and returns the RecordSpec."""

    def run(*, actor, kind: str, path: str | Path, dry_run: bool = False, skip_invalid: bool = False,
            **options) -> ImportReport:
        spec = specs[kind] if isinstance(specs[kind], RecordSpec) else specs[kind](**options)
        return record_import(actor=actor, spec=spec, path=path, references=references,
                             audit_action=audit_action, object_type=f"{app}.{kind}", dry_run=dry_run,
                             skip_invalid=skip_invalid)

    run.__name__ = f"{app}_import"
    return run
