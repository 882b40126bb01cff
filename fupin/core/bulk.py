"""Set-based upserts on each database's fast path: `executemany` on SQLite, `COPY` + one INSERT on PostgreSQL.

Used by loaders and imports instead of one ORM object per row. The caller owns the transaction.
"""

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from django.db import connection as default_connection


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


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
