"""Set-based upserts on each database's fast path: `executemany` on SQLite, `COPY` + one INSERT on PostgreSQL.

Used by loaders and imports instead of one ORM object per row. The caller owns the transaction.
"""

import contextlib
import datetime
import json
import operator
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from itertools import islice

from django.db import DatabaseError
from django.db import connection as default_connection


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class KeySet:
    """The keys (text) a bulk job has seen across a whole file (ID numbers, household numbers), in bounded memory:
    a set while it holds at most `in_memory` keys, then a private temporary SQLite database on disk with a 16 MiB
    page cache (a national file holds tens of millions of ID numbers). Checked and added a batch at a time, in
    order: sorted keys walk the index instead of jumping about it (1 M keys: 3 s against 4.5 s)."""

    def __init__(self, in_memory: int):
        self.in_memory = in_memory
        self.keys: set[str] = set()
        self.database: sqlite3.Connection | None = None

    def seen(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` added before."""
        if self.database is None:
            return self.keys.intersection(keys)
        found = set()
        for chunk in chunked(sorted(keys), 50000):
            found.update(key for (key,) in self.database.execute(
                "SELECT key FROM seen WHERE key IN (SELECT value FROM json_each(?))",
                [json.dumps(chunk, ensure_ascii=False)]))
        return found

    def add(self, keys: Iterable[str]) -> None:
        if self.database is None:
            self.keys.update(keys)
            if len(self.keys) <= self.in_memory:
                return
            # An empty name is SQLite's private temporary database: a file deleted when it is closed.
            self.database = sqlite3.connect("", isolation_level=None)
            self.database.executescript("PRAGMA cache_size = -16384; PRAGMA journal_mode = OFF; "
                                        "PRAGMA synchronous = OFF; CREATE TABLE seen (key TEXT PRIMARY KEY) "
                                        "WITHOUT ROWID")
            keys, self.keys = self.keys, set()
        self.database.execute("BEGIN")
        self.database.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((key,) for key in sorted(keys)))
        self.database.execute("COMMIT")

    def close(self) -> None:
        if self.database is not None:
            self.database.close()
            self.database = None
        self.keys = set()


# Many values as one query parameter, a JSON array, instead of a placeholder each: a query with thousands of
# placeholders costs more to build and parse than to run, and the driver checks every element of an array.
def values_table(values: Sequence, alias: str, connection=None) -> tuple[str, list]:
    """(FROM item, parameters): `values` as a table `alias` with one text column, `value`."""
    connection = connection or default_connection
    text = json.dumps(list(values), ensure_ascii=False, default=str)
    if connection.vendor == "postgresql":
        return f"json_array_elements_text(%s::json) AS {alias}(value)", [text]
    return f"json_each(%s) AS {alias}", [text]


def any_of(model, field: str, values: Sequence, connection=None):
    """A filter expression: `model`'s `field` is one of `values` (e.g. `.filter(any_of(Area, "code", codes))`)."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    connection = connection or default_connection
    qn = connection.ops.quote_name
    found = model._meta.get_field(field)
    kind = (found.target_field if found.is_relation else found).get_internal_type()
    source, params = values_table(values, "v", connection)
    integers = ("Integer" in kind or "AutoField" in kind) and connection.vendor == "postgresql"
    column = f"{qn(model._meta.db_table)}.{qn(found.column)}"
    return RawSQL(f"{column} IN (SELECT {'v.value::bigint' if integers else 'v.value'} FROM {source})", params,
                  output_field=BooleanField())


def row_for_each(values: Sequence, columns: str, tables: str, condition: str, connection=None) -> tuple[str, list]:
    """(SQL, parameters) giving, for each of `values` (column `k.value` in `condition`), the one row of `tables`
    meeting `condition`: (value, *columns). On PostgreSQL each value is an index probe (LATERAL … LIMIT 1): during
    a bulk job the tables outgrow their statistics, and the planner would otherwise hash-join a scan of the whole
    table, batch after batch. SQLite's planner probes the index of a plain join."""
    connection = connection or default_connection
    source, params = values_table(values, "k", connection)
    if connection.vendor == "postgresql":
        return (f"SELECT k.value, x.* FROM {source} "
                f"CROSS JOIN LATERAL (SELECT {columns} FROM {tables} WHERE {condition} LIMIT 1) x"), params
    return f"SELECT k.value, {columns} FROM {source}, {tables} WHERE {condition}", params


def _execute(connection, sql: str, params=None):
    """Run one statement; its first row, if it returns any."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


@contextlib.contextmanager
def without_jit(connection=None):
    """On PostgreSQL, no JIT compilation while a bulk job runs: its key lookups over thousands of values are
    estimated expensive enough to be compiled, and compiling took longer than running them (15 ms against 30)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        yield
        return
    (before,) = _execute(connection, "SHOW jit")
    _execute(connection, "SET jit = off")
    try:
        yield
    finally:
        # If the transaction failed, rolling it back undoes the SET as well.
        with contextlib.suppress(DatabaseError):
            _execute(connection, "SELECT set_config('jit', %s, false)", [before])


@contextlib.contextmanager
def constraints_checked_at_once(connection=None):
    """On PostgreSQL, foreign keys checked as each row is written rather than at commit, for the block (Django
    declares them DEFERRABLE INITIALLY DEFERRED). A bulk job then pays for the checks while it writes, beside
    the work of the processes feeding it, instead of in one wait at commit: 2.5 s for 300,000 members. Rows must
    be written parents first. Inside a transaction."""
    connection = connection or default_connection
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        _execute(connection, "SET CONSTRAINTS ALL IMMEDIATE")
    yield
    if postgresql:  # as Django declared them, for what the transaction writes next
        _execute(connection, "SET CONSTRAINTS ALL DEFERRED")


def bulk_upsert(
    table: str,
    columns: Sequence[str],
    key_columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    update_columns: Sequence[str] | None = None,
    keep_if_set: Sequence[str] = (),
    connection=None,
    batch_size: int = 20000,
    on_batch=None,
) -> int:
    """Insert `rows` (tuples in `columns` order), updating existing rows whose key matches.

    Only rows whose values differ are rewritten, and the count of inserted + rewritten rows is returned.
    `keep_if_set` columns are filled from the input only where the stored value is empty, so edits made in
    the admin (say, a province's region class) survive a reload. `on_batch(n)` is called as rows are sent.
    """
    connection = connection or default_connection
    update_columns = list(update_columns if update_columns is not None else
                          [c for c in columns if c not in key_columns])
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    keys = ", ".join(qn(c) for c in key_columns)

    def assignment(column: str, excluded: str) -> str:
        if column in keep_if_set:
            return (f"{qn(column)} = CASE WHEN {qn(table)}.{qn(column)} = '' "
                    f"THEN {excluded}.{qn(column)} ELSE {qn(table)}.{qn(column)} END")
        return f"{qn(column)} = {excluded}.{qn(column)}"

    compared = [c for c in update_columns if c not in keep_if_set]
    vendor = connection.vendor
    excluded = "excluded" if vendor == "sqlite" else "EXCLUDED"
    sets = ", ".join(assignment(c, excluded) for c in update_columns)
    distinct = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    changed = (
        f"({', '.join(f'{qn(table)}.{qn(c)}' for c in compared)}) {distinct} "
        f"({', '.join(f'{excluded}.{qn(c)}' for c in compared)})"
    )
    if len(compared) == 1:  # a one-element row value is not a row value in SQLite
        changed = changed.replace("(", "").replace(")", "")
    if keep_if_set:
        empty_kept = " OR ".join(
            f"({qn(table)}.{qn(c)} = '' AND {excluded}.{qn(c)} <> '')" for c in keep_if_set
        )
        changed = f"({changed}) OR {empty_kept}"
    conflict = f"ON CONFLICT ({keys}) DO UPDATE SET {sets} WHERE {changed}" if update_columns else (
        f"ON CONFLICT ({keys}) DO NOTHING")

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            return _upsert_postgresql(cursor, table, columns, cols, conflict, rows, on_batch, batch_size)
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({placeholders}) {conflict}"
        affected = 0
        for chunk in chunked(rows, batch_size):
            cursor.executemany(sql, chunk)
            affected += max(cursor.rowcount, 0)
            if on_batch:
                on_batch(len(chunk))
        return affected


def _upsert_postgresql(cursor, table, columns, cols, conflict, rows, on_batch, batch_size) -> int:
    qn = cursor.db.ops.quote_name
    staging = f"fupin_staging_{table}"
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {qn(staging)} "
        f"(LIKE {qn(table)} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    cursor.execute(f"TRUNCATE {qn(staging)}")
    raw = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
    sent = 0
    with raw.copy(f"COPY {qn(staging)} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            sent += 1
            if on_batch and sent % batch_size == 0:
                on_batch(batch_size)
    if on_batch and sent % batch_size:
        on_batch(sent % batch_size)
    cursor.execute(f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {qn(staging)} {conflict}")
    return cursor.rowcount


def _column_converter(field, connection, now):
    """How one field's Python value becomes a parameter, decided once per field instead of once per value."""
    from django.db import models

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return _same_as_last(lambda value: field.get_db_prep_save(now if value is None else value, connection))
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField) \
            and connection.vendor != "postgresql":
        # What Django's SQLite adapter stores for a date, without its per-value field machinery.
        return lambda value: value.isoformat() if type(value) is datetime.date else (
            None if value is None else field.get_db_prep_save(value, connection))
    if isinstance(field, models.DateTimeField):
        return _same_as_last(lambda value: None if value is None else field.get_db_prep_save(value, connection))
    if isinstance(field, models.JSONField):
        # What JSONField.get_db_prep_save ends with for a plain value, without its checks for expressions.
        return lambda value: None if value is None else connection.ops.adapt_json_value(value, field.encoder)
    if isinstance(field, models.DateField) and connection.vendor != "postgresql":
        return lambda value: None if value is None else field.get_db_prep_save(value, connection)
    return None  # str, int, bool, Decimal, and dates on PostgreSQL go to the driver as they are


def _same_as_last(convert):
    """`convert`, reusing the previous result when handed the same object again: the rows of one insert mostly
    share one timestamp (a refresh's `computed_at`), and Django's per-value conversion of an aware datetime
    was most of the time of writing rollups. Immutable values only (datetimes), compared by identity."""
    last_value, last_result = object(), None

    def converted(value):
        nonlocal last_value, last_result
        if value is not last_value:
            last_value, last_result = value, convert(value)
        return last_result

    return converted


def insert_rows(model, rows: Iterable, *, columns: Sequence[str] | None = None, typed: bool = False,
                connection=None, batch_size: int = 20000) -> int:
    """Insert rows on the database's fast path (no model instances, no per-row SQL building): `executemany` on
    SQLite, `COPY` on PostgreSQL. Rows are {attname: value} dicts, or with `columns` tuples in that order (what a
    bulk job builds and sends cheapest). Missing fields take their defaults and auto timestamps the current time,
    so rows read back exactly as `bulk_create` would have stored them. The primary key is written only if given
    (ids from `reserve_ids`); otherwise the database assigns it and it is not returned. `typed` promises each
    value is of its field's Python type (no float for a decimal, no text for a date): PostgreSQL then takes the
    rows in binary, a third less work per row for both sides. A generator of rows must not query the database
    while it is consumed: on PostgreSQL the COPY holds the connection."""
    from django.db.models import NOT_PROVIDED
    from django.utils import timezone

    connection = connection or default_connection
    pk = model._meta.pk.attname
    given = [pk] if columns is not None and pk in columns else []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
    now = timezone.now()
    defaults = {f.attname: f.get_default() if f.default is not NOT_PROVIDED else (None if f.null else f.get_default())
                for f in fields}
    attnames = [f.attname for f in fields]
    if columns is None:
        base = defaults
        pick = _items(attnames)

        def picked(row: dict) -> list:  # defaults overlaid by the row, picked in column order in C
            return list(pick({**base, **row}))
    else:
        missing = tuple(name for name in attnames if name not in columns)
        fill = tuple(defaults[name] for name in missing)
        position = {name: index for index, name in enumerate([*columns, *missing])}
        pick = _items([position[name] for name in attnames])

        def picked(row: Sequence) -> list:  # the row and the missing fields' defaults, picked in column order
            return list(pick(tuple(row) + fill))
    converted = [(index, convert) for index, convert in enumerate(_column_converter(f, connection, now)
                                                                  for f in fields) if convert]

    def prepared(row) -> list:
        # Only the few columns that need a conversion (dates on SQLite, JSON, timestamps) go through Python per value.
        values = picked(row)
        for index, convert in converted:
            values[index] = convert(values[index])
        return values

    qn = connection.ops.quote_name
    table, cols = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Asked before the COPY starts: while it runs the connection takes nothing else.
            types = _column_types(cursor, model._meta.db_table, [f.column for f in fields]) if typed else None
            binary = " (FORMAT BINARY)" if typed else ""
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN{binary}") as copy:
                if typed:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"
        for chunk in chunked((prepared(row) for row in rows), batch_size):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _column_types(cursor, table: str, columns: list[str]) -> list[int]:
    """The type OIDs of `table`'s columns, in `columns` order (what a binary COPY must be told)."""
    cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                   [cursor.db.ops.quote_name(table)])
    type_of = dict(cursor.fetchall())
    return [type_of[column] for column in columns]


def _items(keys: list):
    """operator.itemgetter that always returns a tuple (with one key it returns the bare item)."""
    return operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)


def reserve_ids(model, count: int, *, connection=None) -> list[int]:
    """`count` new primary keys of `model`, taken now so that rows can be inserted with their ids (and their
    children with those ids) instead of being looked up after the insert. On PostgreSQL from the table's
    sequence (safe under concurrency; ids of rows never inserted are gaps); on SQLite after the largest id ever
    used, which needs the write lock the inserting transaction holds (`transaction_mode` IMMEDIATE)."""
    if count <= 0:
        return []
    connection = connection or default_connection
    table, column = model._meta.db_table, model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [qn(table), column, count])
            return [row[0] for row in cursor.fetchall()]
        # AUTOINCREMENT never reuses an id: start after the larger of the table's largest and its sequence.
        cursor.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                       f"coalesce((SELECT max({qn(column)}) FROM {qn(table)}), 0))", [table])
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


def update_rows(model, objects: Sequence, fields: Sequence[str], *, connection=None, batch_size: int = 5000) -> int:
    """Write `fields` of existing model instances with one parameterised UPDATE per row sent by `executemany`
    (Django's `bulk_update` builds a CASE per field and row, which is slower by an order of magnitude on wide
    rows). `auto_now` fields are set to the current time as `save()` would."""
    from django.utils import timezone

    if not objects:
        return 0
    connection = connection or default_connection
    now = timezone.now()
    meta = model._meta
    chosen = [meta.get_field(name) for name in fields]
    chosen += [f for f in meta.concrete_fields if getattr(f, "auto_now", False) and f not in chosen]
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in chosen)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"

    def values(obj) -> list:
        row = []
        for field in chosen:
            value = now if getattr(field, "auto_now", False) else getattr(obj, field.attname)
            row.append(field.get_db_prep_save(value, connection))
        row.append(obj.pk)
        return row

    with connection.cursor() as cursor:
        for chunk in chunked((values(obj) for obj in objects), batch_size):
            cursor.executemany(sql, chunk)
    return len(objects)
