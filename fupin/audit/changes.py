"""Each record a bulk write creates or changes, in the audit trail at the bulk write's speed (ADR 0014, "Bulk
writes").

A bulk path cannot afford a chained event per record (a keyed hash and a lock on the chain's head for each of a
million members), and one event of counts says nothing about any record. So each record gets a change row —
object type and id, area, its values before and after as JSON text — written with the same fast path as the
records themselves (`COPY` / `executemany`, in the same transaction), and the rows of one write are covered by one
chained event: its `after` names their set, counts them and carries a SHA-256 over them computed while they
streamed out. The event's keyed hash covers that digest, so `fupin audit verify`, hashing the rows again, finds a
change row edited, deleted or inserted as surely as an edited event.

    changes = RecordChanges()
    with transaction.atomic():
        ...  # write the records
        changes.add(("registry.household", pk, village_code, None, {"status": "1", ...}) for ...)
        changes.record(actor=actor, action=HOUSEHOLDS_BULK, object_type="registry.household", after={...})

A bulk path writing many records of one kind may store their values as a JSON array (a compact row: a third of
the bytes of the keyed object, and less to encode) in a column order it names per object type (`add(columns=)`);
the covering event names that order (its `after["changes"]["columns"]`), so the trail stays self-describing and
the event's keyed hash covers the names too. Readers get the values by name with `change_values` (or
`AuditRecordChange.values`), whichever form a row has.
"""

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from json.encoder import c_make_encoder, encode_basestring

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models.fields.files import FieldFile

from fupin.core.sql import insert_rows

from .models import AuditChangeSet, AuditEvent, AuditRecordChange
from .services import audit_record

CHANGES = "changes"  # the key of an event's `after` that covers a change set
CHANGE_COLUMNS = ("change_set_id", "object_type", "object_id", "area_code", "before", "after")
_ABSENT = "\x00"  # stands for a NULL value in the hashed line: JSON text never holds a raw NUL


class _Encoder(DjangoJSONEncoder):
    """Django's JSON (dates, decimals, UUIDs as text) and, for anything else a model field holds (a stored file),
    its text."""

    def default(self, o):
        # The values of a bulk write's rows are mostly dates and decimals: looked up by their exact type first
        # (the same text as DjangoJSONEncoder's, without its chain of isinstance checks per value).
        fast = _FAST.get(o.__class__)
        if fast is not None:
            return fast(o)
        if isinstance(o, datetime.date | datetime.time | decimal.Decimal | uuid.UUID | datetime.timedelta):
            return super().default(o)
        if isinstance(o, FieldFile):
            return o.name or None
        return str(o)


_FAST = {datetime.date: datetime.date.isoformat, decimal.Decimal: str}



def _one_encoder():
    """One encoder for every value: keys in the order given (the text is stored exactly as hashed, so it needs no
    canonical order), no spaces, Chinese as it is. The C encoder is made once here, not per value as
    `JSONEncoder.encode` makes it (a third of the time of encoding one change row); the text is the same."""
    encoder = _Encoder(ensure_ascii=False, separators=(",", ":"))
    if c_make_encoder is None:  # no C accelerator: the pure Python path
        return encoder.encode
    # markers=None: no circular check, as the values are plain data (a record's fields); allow_nan as JSONEncoder.
    chunks = c_make_encoder(None, encoder.default, encode_basestring, None, ":", ",", False, False, True)
    return lambda value: "".join(chunks(value, 0))


_encode = _one_encoder()


def change_text(value) -> str | None:
    """The JSON text a change row stores for `value` (None: no value, e.g. `before` of a created record)."""
    return None if value is None else _encode(value)


def change_values(text: str | None, columns: Sequence[str] | None = None) -> dict | None:
    """A change row's `before` or `after` as {name: value} (None if the row has none): its JSON text read, and a
    compact row (a JSON array) named by `columns`, the order its covering event gives for the row's object type
    (`set_columns`)."""
    if text is None:
        return None
    values = json.loads(text)
    if values.__class__ is list:
        if columns is None or len(columns) != len(values):
            raise ValueError(f"a compact change row of {len(values)} values, its covering event names "
                             f"{'no columns' if columns is None else f'{len(columns)} columns'}")
        return dict(zip(columns, values, strict=True))
    return values


def set_columns(event_after) -> dict[str, list[str]]:
    """Object type → the column order of its compact change rows, as the covering event's `after` names it."""
    claim = event_after.get(CHANGES) if isinstance(event_after, dict) else None
    return (claim.get("columns") or {}) if isinstance(claim, dict) else {}


def change_line(object_type: str, object_id: str, area_code: str, before: str | None, after: str | None) -> bytes:
    """What the digest covers of one stored change row, fields apart by a unit separator and rows by a record
    separator (neither occurs in JSON text, ids or codes)."""
    return (f"{object_type}\x1f{object_id}\x1f{area_code}\x1f{_ABSENT if before is None else before}\x1f"
            f"{_ABSENT if after is None else after}\x1e").encode()


class RecordChanges:
    """The change rows of one bulk write (one unit that commits), and the event that covers them.

    `add` writes rows as they come (any number of calls); `record` appends the covering event and starts a new
    set for the next unit. Both inside the transaction of the records they describe: a rolled-back write leaves
    neither rows nor event."""

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self.change_set_id: int | None = None
        self.count = 0
        self._digest = hashlib.sha256()
        self._columns: dict[str, list[str]] = {}

    def add(self, changes: Iterable[tuple], columns: dict[str, Sequence[str]] | None = None) -> int:
        """Write `changes`, each (object type, object id, area code, before, after) with before/after plain values
        (dicts), their JSON text as `change_text` makes it (a bulk path may encode a row's values where they are
        cleaned, e.g. in an import's worker process), or None; returns how many were written. The iterable must
        not query the database (on PostgreSQL the COPY holds the connection while it is read).

        `columns` names, per object type, the order of the values of its rows given as JSON arrays (compact rows,
        for `change_values`); the covering event records it. One set keeps one order per object type."""
        for object_type, names in (columns or {}).items():
            names = list(names)
            if self._columns.setdefault(object_type, names) != names:
                raise ValueError(f"{object_type}: one change set, one column order for its compact rows")
        if self.change_set_id is None:
            self.change_set_id = AuditChangeSet.objects.create().pk
        set_id, update = self.change_set_id, self._digest.update

        def rows():
            for object_type, object_id, area_code, before, after in changes:
                object_id = str(object_id)
                if before is not None and before.__class__ is not str:
                    before = _encode(before)
                if after is not None and after.__class__ is not str:
                    after = _encode(after)
                update(change_line(object_type, object_id, area_code, before, after))
                yield set_id, object_type, object_id, area_code, before, after

        if connection.vendor == "sqlite":
            # The rows straight to sqlite3's executemany, which reads them from the generator: no lists of
            # parameters built (the change rows are as many as the records written).
            table = connection.ops.quote_name(AuditRecordChange._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(AuditRecordChange._meta.get_field(name).column)
                                for name in CHANGE_COLUMNS)
            with connection.cursor() as cursor:
                cursor.cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?, ?)", rows())
                written = cursor.cursor.rowcount  # executemany sums the rows each insert added
        else:
            written = insert_rows(AuditRecordChange, rows(), columns=CHANGE_COLUMNS, typed=True)
        self.count += written
        return written

    def summary(self) -> dict:
        """What the covering event's `after` says of the rows: their set, how many, their SHA-256, and the column
        order of the compact rows of each object type that has them."""
        summary = {"set": self.change_set_id, "rows": self.count, "sha256": self._digest.hexdigest()}
        if self._columns:
            summary["columns"] = dict(self._columns)
        return summary

    def record(self, *, actor, action: str, object_type: str = "", object_id: str = "", area_code: str = "",
               after: dict | None = None) -> AuditEvent:
        """Append the event covering the rows added since the last `record` (its `after` gains `changes`)."""
        after = dict(after or {})
        if self.change_set_id is not None:
            after[CHANGES] = self.summary()
        event = audit_record(actor=actor, action=action, object_type=object_type, object_id=object_id,
                             area_code=area_code, after=after)
        if self.change_set_id is not None:
            AuditChangeSet.objects.filter(pk=self.change_set_id).update(event=event)
        self._reset()
        return event


def model_values(obj, fields) -> dict:
    """A record's stored values by attribute name (`household_id`, not the household): a change row's `after`."""
    return {field.attname: field.value_from_object(obj) for field in fields}
