"""Many new records of one kind in one service call: what each app's `*_bulk_create` does, so the demo and batch
loaders write through the same checks as a form instead of into the tables.

The steps of a single-record service, done in sets:
1. the related records the rules read are fetched for all records at once (one query per relation and chunk,
   instead of one per record);
2. permission: every record's area must lie where the actor may change records — the grant is read once;
3. the single-record service's own rule function runs on each record (no queries once the relations are
   fetched), then the app's set rules check the records against stored rows and against each other
   (duplicates, overlapping terms) with one query per chunk;
4. every problem is reported with the record's position, field and message, and nothing is written; otherwise
   all records are inserted in one transaction with a change row each (its values, its area) and one audit event
   naming the kind, the rows' ids and the area they lie in, which covers the change rows (`fupin.audit.changes`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import reach
from fupin.audit.changes import RecordChanges, model_values
from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.sql import chunked

CHUNK = 5000
# Django prefetches a foreign key with a tuple IN where the database has one, else (SQLite) with one OR term per
# distinct key, and SQLite refuses an expression more than 1,000 deep: there the prefetch goes 500 at a time.
SQLITE_PREFETCH = 500


@dataclass(frozen=True)
class RecordProblem:
    index: int  # position of the record in the call
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "message": self.message}


class RecordsInvalid(ValidationFailed):
    """Raised with every problem of every record of a bulk call; nothing has been written."""

    default_message = _("Records with errors: %(count)s; nothing was saved.")

    def __init__(self, problems: list[RecordProblem]):
        self.problems = problems
        records = len({p.index for p in problems})
        super().__init__(self.default_message, field=problems[0].field if problems else None, count=records)


def problem(index: int, error: ValidationFailed) -> RecordProblem:
    return RecordProblem(index, error.field, str(error))


def area_covering(codes) -> str:
    """The smallest area whose subtree holds every code: the audit event's area, so an office reading the trail
    of its own area sees the bulk writes inside it."""
    codes = [c for c in codes if c]
    if not codes:
        return ""
    low, high = min(codes), max(codes)
    for length in sorted(PREFIX_LENGTH.values(), reverse=True):
        if low[:length] == high[:length]:
            return low[:length].ljust(CODE_LENGTH, "0")
    return ""


def records_bulk_create(*, actor, records: Sequence, event: str, permitted_in: Callable[[object], Sequence[str]],
                        given: Callable[[object], None] | None = None,
                        rules: Callable[[object], None] | None = None,
                        set_rules: Callable[[Sequence], list[RecordProblem]] | None = None,
                        related: Sequence = (), audit_area: Callable[[object], str] | None = None,
                        dry_run: bool = False) -> list:
    """Create `records` (unsaved instances of one model) after the checks above; returns them with their ids.

    permitted_in(record): the area codes of which the actor needs `change` in at least one (the record's area;
    both ends of a pairing). given(record): the single service's check that the record's place is given, made
    before permission (which needs the place); records failing it are reported alone, before anything else.
    rules(record): the single-record service's rule function. set_rules(records):
    problems found against stored rows and among the records. related: `prefetch_related_objects` lookups that
    `permitted_in`, `rules` and `set_rules` read. audit_area(record): the code the audit event covers (default:
    the first of permitted_in). With `dry_run` everything is checked and nothing written.
    """
    records = list(records)
    if not records:
        return records
    if given is not None:
        unplaced = []
        for index, record in enumerate(records):
            try:
                given(record)
            except ValidationFailed as error:
                unplaced.append(problem(index, error))
        if unplaced:
            raise RecordsInvalid(unplaced)
    model = type(records[0])
    granted = reach(actor, Action.CHANGE)
    problems: list[RecordProblem] = []
    codes: set[str] = set()
    areas: list[str] = []  # each record's, for its change row
    for start, chunk in ((k * CHUNK, c) for k, c in enumerate(chunked(records, CHUNK))):
        if related:
            step = CHUNK if connection.features.supports_tuple_lookups else SQLITE_PREFETCH
            for part in chunked(chunk, step):
                prefetch_related_objects(part, *related)
        for index, record in enumerate(chunk, start):
            places = [code for code in permitted_in(record) if code]
            if not any(granted.covers(code) for code in places):
                raise PermissionDenied()
            area = audit_area(record) if audit_area else (places[0] if places else "")
            codes.add(area)
            areas.append(area)
            if rules is not None:
                try:
                    rules(record)
                except ValidationFailed as error:
                    problems.append(problem(index, error))
    if set_rules is not None:
        problems += set_rules(records)
    if problems:
        raise RecordsInvalid(sorted(problems, key=lambda p: p.index))
    if dry_run:
        return records
    label, fields = model._meta.label_lower, model._meta.concrete_fields
    with transaction.atomic():
        created = model.objects.bulk_create(records, batch_size=CHUNK)
        changes = RecordChanges()
        changes.add((label, record.pk, area, None, model_values(record, fields))
                    for record, area in zip(created, areas, strict=True))
        changes.record(actor=actor, action=event, object_type=label,
                       object_id=f"{created[0].pk}…{created[-1].pk}" if created[0].pk is not None else "",
                       area_code=area_covering(codes),
                       after={"rows": len(created), "ids": [created[0].pk, created[-1].pk], "areas": len(codes)})
    return created


def duplicates_within(records: Sequence, key: Callable[[object], object],
                      error: ValidationFailed | Callable[[object], ValidationFailed],
                      stored: set | None = None) -> list[RecordProblem]:
    """Problems for records whose key is among `stored` keys or repeats an earlier record's (the set form of a
    single service's "already exists" query). `error` is the problem, or makes it from the record."""
    seen = set(stored or ())
    found = []
    for index, record in enumerate(records):
        value = key(record)
        if value in seen:
            found.append(problem(index, error(record) if callable(error) else error))
        seen.add(value)
    return found
