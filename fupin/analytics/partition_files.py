"""Writing a partition's Parquet file, and reading a SQLite file's fact rows for it in a worker process.

Row groups: DuckDB reads a file one row group at a time, and small groups cost it time (a snapshot written in
1,024-row groups was read 3× more slowly than the same rows in one group per county), so every partition is
written in groups of ROW_GROUP_ROWS whatever the size of the batches it arrives in.

The SQLite reader runs in a worker process because the ADBC SQLite driver carries its own copy of SQLite. Two
copies of SQLite in one process corrupt a database they both open (POSIX locks belong to the process, so one copy
closing the file drops the other's locks — https://www.sqlite.org/howtocorrupt.html §2.2.1); a benchmark database
was corrupted that way when the driver ran in threads beside Django's connection. Worker processes are ordinary
concurrent readers, which SQLite supports, and read without the GIL on every core. This module imports neither
Django nor sqlite3 for the same reason.
"""

import os

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 131_072  # a little above DuckDB's own row group (122,880 rows)


class RowGroupWriter:
    """A Parquet file written in row groups of ROW_GROUP_ROWS from batches of any size (memory: one group)."""

    def __init__(self, path, schema: pa.Schema):
        self.path, self.schema = path, schema
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.pending_rows += batch.num_rows
        self.rows += batch.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.Table.from_batches(self.pending, schema=self.schema),
                                    row_group_size=ROW_GROUP_ROWS)
            self.pending, self.pending_rows = [], 0

    def close(self) -> None:
        """Write what is left and sync the file to disk."""
        self._flush()
        self.writer.close()
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())


def typed_row(schema: pa.Schema) -> str:
    """A first row of typed values (text '' for strings, -1 for numbers and flags). The driver infers each
    column's type from the first rows it reads and refuses text in a column it took for integers (a first batch
    that was NULL throughout); this row fixes every type and is dropped again on reading."""
    return "SELECT " + ", ".join(
        f"{chr(39) * 2 if pa.types.is_string(field.type) else -1} AS {field.name}" for field in schema)


def write_partition(path: str, sql: str, schema: pa.Schema, target: str) -> int:
    """Run `sql` on the SQLite file `path` and write its rows to the Parquet file `target` (synced to disk);
    returns the number of rows (0: no file written). Runs in a worker process."""
    try:
        return _write_partition(path, sql, schema, target)
    except Exception as error:
        # The driver's errors cannot be pickled back to the parent (which would see only a broken pool).
        raise RuntimeError(f"{type(error).__name__}: {error}") from None


def _write_partition(path: str, sql: str, schema: pa.Schema, target: str) -> int:
    import adbc_driver_sqlite
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    writer = None
    with adbc_sqlite.connect(f"file:{path}?mode=ro") as connection, connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 30000")  # the parent records each partition as it is written
        cursor.adbc_statement.set_options(**{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: "65536"})
        cursor.execute(f"{typed_row(schema)} UNION ALL SELECT * FROM ({sql})")
        first = True
        for batch in cursor.fetch_record_batch():
            if first:
                if batch.num_rows == 0 or batch.column(schema.get_field_index("member_id"))[0].as_py() != -1:
                    raise RuntimeError("SQLite did not return the typed row first")
                batch, first = batch.slice(1), False
            if batch.num_rows:
                writer = writer or RowGroupWriter(target, schema)
                writer.write(batch.rename_columns(schema.names).cast(schema))
    if writer is None:
        return 0
    writer.close()
    return writer.rows
