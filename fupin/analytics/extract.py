"""Extraction: the fact table → Parquet, one file per year and county, refilled only where the registry changed.

Every write to the registry increments the change counter of the county-years it touched (core.changes). The fill
state (SnapshotPartition) records the counter each file was filled from, so a fill compares two integers per
county-year and re-extracts only the partitions whose counter moved — one query per county and year (an index
range; memory stays at one batch) — writes each under a name of its own, renames it into place and only then
records it with the counter it was read after. A fill killed at any point therefore leaves every record naming
the file filled for it, and the next fill redoes exactly what is missing. Engines read only the files the state
lists, and bring the partitions they are about to read up to date first (`snapshot_refresh_stale`).

PostgreSQL is read with `COPY (…) TO STDOUT` through Django's own connection (no second driver, and the fill sees
exactly what the caller's transaction sees); SQLite through its cursor in Arrow batches — or, for a fill of many
counties from a SQLite file outside a transaction, by worker processes reading the file with the ADBC driver
straight into Arrow (partition_files.py).
"""

import contextlib
import io
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count

from fupin.core.changes import change_versions, in_counties
from fupin.core.models import ChangeMark
from fupin.registry.models import HouseholdYear

from .engines import SqlEngine, county_matches, live_path, snapshot_root
from .facts import FACT_COLUMNS, FACT_SCHEMA, FACT_SCHEMA_VERSION, facts_expression
from .models import SnapshotPartition
from .partition_files import RowGroupWriter, write_partition

BATCH_ROWS = 65_536
# Starting worker processes costs about a second, the time Django's cursor takes for some 100,000 household-years:
# smaller fills (an import's refresh touches one county) read through the cursor.
PROCESS_FILL_MIN_HOUSEHOLD_YEARS = 100_000
COPY_BLOCK_BYTES = 16 << 20
ARROW_SCHEMA = FACT_SCHEMA.to_pyarrow()


@dataclass
class FillReport:
    partitions_checked: int = 0
    partitions_written: int = 0
    partitions_removed: int = 0
    rows_written: int = 0
    years: list[int] = field(default_factory=list)
    removed_years: set[int] = field(default_factory=set)  # years that lost a partition (their rollups are redone)

    def as_dict(self) -> dict:
        return {"partitions_checked": self.partitions_checked, "partitions_written": self.partitions_written,
                "partitions_removed": self.partitions_removed, "rows_written": self.rows_written,
                "years": self.years}


SCHEMA_SIGNATURE = f"v{FACT_SCHEMA_VERSION}"


class Recorded(NamedTuple):
    """A partition's fill state as the freshness check reads it (tuples, not model instances: a national read
    checks thousands of partitions)."""

    year: int
    county_code: str
    mark: int
    signature: str
    rows: int
    file: str


def _stale(marks: dict[tuple[int, str], int], recorded: dict[tuple[int, str], Recorded],
           full: bool = False) -> dict[tuple[int, str], int]:
    """The county-years of `marks` whose partition must be (re)filled: never filled, filled before the last change
    counted in `marks`, written under another fact schema, or whose file is missing."""
    stale = {}
    for key, version in marks.items():
        known = recorded.get(key)
        if (full or known is None or known.mark < version or known.signature != SCHEMA_SIGNATURE
                or (known.rows and not live_path(known.year, known.file).exists())):
            stale[key] = version
    return stale


def _marks(years: list[int] | None, prefixes: list[str] | None = None) -> dict[tuple[int, str], int]:
    """{(year, county): change counter} of the county-years in `years` (all if None) under `prefixes`."""
    return {(year, county): version
            for (county, year), version in change_versions(years=years, prefixes=prefixes).items()}


def _recorded(years: list[int] | None, prefixes: list[str] | None = None) -> dict[tuple[int, str], Recorded]:
    """The fill state of the partitions of `years` under `prefixes`: the recorded rows, overlaid by this process's
    fills that are not recorded yet (`pending_records`)."""
    recorded = SnapshotPartition.objects.all()
    if years:
        recorded = recorded.filter(year__in=years)
    if prefixes is not None:
        recorded = recorded.filter(in_counties(prefixes))
    state = {(row[0], row[1]): Recorded(*row) for row in recorded.values_list(*Recorded._fields)}
    _overlay_pending(state, years, prefixes)
    return state


def _overlay_pending(state: dict[tuple[int, str], Recorded], years, prefixes) -> None:
    if not pending_records:
        return
    root = str(snapshot_root())
    with pending_records_lock:
        for (where, year, county), waiting in pending_records.items():
            key = (year, county)
            if (where == root and (not years or year in years) and county_matches(county, prefixes)
                    and (key not in state or state[key].mark <= waiting.mark)):
                state[key] = waiting


def _checked(years: list[int], prefixes: list[str] | None) -> tuple[dict[tuple[int, str], int],
                                                                     dict[tuple[int, str], Recorded]]:
    """The change counters and the fill state of the county-years a read of `years` under `prefixes` opens, in
    one query: the marks joined to their partitions, counties as index ranges (a read pays one round trip for
    its freshness, not two). Partitions without a mark hold nothing (every write marks) and are not read."""
    if not years or (prefixes is not None and not prefixes):
        return {}, {}
    qn = connection.ops.quote_name
    conditions = [f"m.year IN ({', '.join(['%s'] * len(years))})"]
    params: list = list(years)
    if prefixes is not None:
        counties = sorted({prefix[:6] for prefix in prefixes})
        conditions.append("(" + " OR ".join(["m.county_code BETWEEN %s AND %s"] * len(counties)) + ")")
        params += [bound for county in counties for bound in (county.ljust(6, "0"), county.ljust(6, "9"))]
    sql = (f"SELECT m.year, m.county_code, m.version, p.mark, p.signature, p.rows, p.file "
           f"FROM {qn(ChangeMark._meta.db_table)} m LEFT JOIN {qn(SnapshotPartition._meta.db_table)} p "
           f"ON p.year = m.year AND p.county_code = m.county_code WHERE {' AND '.join(conditions)}")
    marks, state = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for year, county, version, mark, signature, rows, file in cursor.fetchall():
            marks[(year, county)] = version
            if mark is not None:
                state[(year, county)] = Recorded(year, county, mark, signature, rows, file)
    _overlay_pending(state, years, prefixes)
    return marks, state


def fresh_partitions(years: list[int], prefixes: list[str] | None = None) -> list[Recorded]:
    """The live partitions with rows that a read of `years` under `prefixes` opens (year and county order),
    after refilling those that are stale (a county's import: one county's partitions, seconds). When nothing is
    stale, the check is two indexed queries and a file check per partition. A read never waits for SQLite's write
    lock (a long import holds it for minutes): a partition it cannot record at once is read from its new file all
    the same and recorded by a later read or fill."""
    _record_pending(wait=False)
    marks, state = _checked(years, prefixes)
    stale = _stale(marks, state)
    if stale:
        _fill(stale, None, wait=False)
        marks, state = _checked(years, prefixes)
    return sorted((p for p in state.values()
                   if p.rows and p.year in years and county_matches(p.county_code, prefixes)),
                  key=lambda p: (p.year, p.county_code))


def snapshot_refresh_stale(years: list[int], prefixes: list[str] | None = None) -> FillReport:
    """Refill the stale partitions of these years under `prefixes` as a read would (never waiting for SQLite's
    write lock)."""
    _record_pending(wait=False)
    stale = _stale(_marks(years, prefixes), _recorded(years, prefixes))
    return _fill(stale, None, wait=False) if stale else FillReport()


def snapshot_fill(*, years: list[int] | None = None, full: bool = False,
                  on_progress: Callable[[int], None] | None = None) -> FillReport:
    """Bring the live snapshot up to date with the registry: the partitions whose county-year changed since they
    were filled (every one if `full`); partitions of county-years that hold no change mark are removed."""
    _record_pending(wait=True)
    marks = _marks(years)
    recorded = _recorded(years)
    gone = set(recorded) - set(marks)
    for key in gone:
        _remove(recorded[key])
    report = _fill(_stale(marks, recorded, full), on_progress)
    sweep_retired()
    report.partitions_checked, report.partitions_removed = len(marks), len(gone)
    report.removed_years = {year for year, _ in gone}
    return report


def _fill(stale: dict[tuple[int, str], int], on_progress, *, wait: bool = True) -> FillReport:
    """Fill the partitions `stale` ({(year, county): the change counter read before their rows are}); `wait`:
    whether recording them may wait for SQLite's write lock (`record_partition`)."""
    report = FillReport(partitions_checked=len(stale))
    dirty: dict[int, set[str]] = {}
    for year, county in stale:
        dirty.setdefault(year, set()).add(county)
    path = _sqlite_file() if connection.vendor == "sqlite" else None
    if path is not None and len(stale) > 1 and _household_years(stale) >= PROCESS_FILL_MIN_HOUSEHOLD_YEARS:
        for year, written in _fill_in_processes(dirty, stale, path, on_progress, wait=wait):
            report.partitions_written += len(dirty[year])
            report.rows_written += written
            report.years.append(year)
        return report
    for year in sorted(dirty):
        counties = dirty[year]
        written = _fill_year(year, counties, {c: stale[(year, c)] for c in counties}, on_progress, wait=wait)
        report.partitions_written += len(counties)
        report.rows_written += written
        report.years.append(year)
    return report


def _household_years(stale: dict[tuple[int, str], int]) -> int:
    """How many household-years the partitions to fill hold (what decides whether worker processes pay off)."""
    years = {year for year, _ in stale}
    counties = {county for _, county in stale}
    counts = (HouseholdYear.objects.filter(year__in=years, household__county_code__in=counties)
              .values_list("year", "household__county_code").annotate(n=Count("id")))
    return sum(n for year, county, n in counts if (year, county) in stale)


def _remove(partition: Recorded) -> None:
    SnapshotPartition.objects.filter(year=partition.year, county_code=partition.county_code).delete()
    if partition.file:
        retire_file(partition.year, partition.file)


def retire_file(year: int, file: str) -> None:
    """A recorded file that has just been replaced or removed. It is not deleted at once: a read in another
    process may have listed it and not opened it yet (DuckDB lists a read's files, then opens them), and would fail
    with "No files found". Its time is set to now, and `sweep_retired` deletes it once the grace period has run."""
    path = live_path(year, file)
    if settings.ANALYTICS_RETIRED_FILE_SECONDS <= 0:
        path.unlink(missing_ok=True)
        return
    with contextlib.suppress(FileNotFoundError):
        os.utime(path)


def sweep_retired() -> int:
    """Delete the live files that no partition record or pending fill names and that were retired (or written by a
    fill that never recorded them) longer ago than the grace period; returns how many."""
    live = snapshot_root() / "live"
    if not live.exists():
        return 0
    named = {(year, file) for year, file in SnapshotPartition.objects.values_list("year", "file")}
    with pending_records_lock:
        named |= {(state.year, state.file) for state in pending_records.values()}
    cutoff = time.time() - max(settings.ANALYTICS_RETIRED_FILE_SECONDS, 0)
    deleted = 0
    for path in live.glob("year=*/*.parquet"):
        year = int(path.parent.name.removeprefix("year="))
        with contextlib.suppress(FileNotFoundError):
            if (year, path.name) not in named and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
    return deleted


def _fill_year(year: int, counties: set[str], marks: dict[str, int], on_progress, *, wait: bool = True) -> int:
    """One query per county: each is an index range on the operational tables, and memory stays at one batch
    whatever the size of the province. On PostgreSQL, outside a transaction, the counties are filled by
    `ANALYTICS_FILL_WORKERS` threads, each on its own connection (the database, Arrow's CSV parser and the
    Parquet writer all work without the GIL); inside one (a test, or a caller that has not committed yet) they
    are filled in order on the caller's connection, which alone sees its uncommitted rows."""
    lock = threading.Lock()

    def progress(rows: int) -> None:
        if on_progress:
            with lock:
                on_progress(rows)

    workers = settings.ANALYTICS_FILL_WORKERS
    # SQLite serialises writers anyway (and an in-memory database locks whole tables): threads only on PostgreSQL.
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block or len(counties) < 2:
        return sum(_fill_county(year, county, marks[county], progress, wait=wait) for county in sorted(counties))

    def in_thread(county: str) -> int:
        try:
            return _fill_county(year, county, marks[county], progress, wait=wait)
        finally:
            connection.close()  # the thread's own connection

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(in_thread, sorted(counties)))


def _sqlite_file() -> str | None:
    """The SQLite file other processes may read instead of this connection: None inside a transaction (its rows
    are not committed) or for an in-memory database (no other process reaches it)."""
    name = str(connection.settings_dict["NAME"])
    if connection.in_atomic_block or name == ":memory:" or "mode=memory" in name:
        return None
    return name


def _fill_in_processes(dirty: dict[int, set[str]], marks: dict[tuple[int, str], int], path: str,
                       on_progress, *, wait: bool = True) -> Iterator[tuple[int, int]]:
    """(year, rows written) for each year of `dirty`: every county-year read and written to its temporary file by
    a worker process (`ANALYTICS_FILL_WORKERS`, at least one; one pool for the whole fill); this process renames
    each finished file into place and records it, in the order they finish."""
    # Spawned, not forked: a forked child would inherit this process's open SQLite connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(settings.ANALYTICS_FILL_WORKERS, 1), mp_context=context) as pool:
        for year in sorted(dirty):
            futures = {}
            for county in sorted(dirty[year]):
                target = _new_file(year, county)
                temporary = target.with_suffix(".parquet.filling")
                futures[pool.submit(write_partition, path, _partition_sql(year, county), ARROW_SCHEMA,
                                    str(temporary))] = (county, target, temporary)
            written = 0
            try:
                for future in as_completed(futures):
                    county, target, temporary = futures[future]
                    rows = future.result()
                    if rows:
                        os.replace(temporary, target)
                    record_partition(year, county, marks[(year, county)], rows, target.name if rows else "", wait=wait)
                    written += rows
                    if on_progress:
                        on_progress(rows)
            except BaseException:
                # A failed county (or an interrupt) stops the fill without reading the counties still queued; what
                # was recorded stays valid and the next fill redoes the rest.
                pool.shutdown(cancel_futures=True)
                raise
            yield year, written


# Building the fact expression and compiling it to SQL takes about half a second, far longer than a small
# county's query: the SQL is compiled once per dialect and year around a placeholder county, which each partition
# replaces with its own (6 digits, checked, so the literal is safe).
COUNTY_PLACEHOLDER = "CCCCCC"


@lru_cache(maxsize=32)
def _year_sql(vendor: str, year: int) -> str:
    import ibis

    expr = facts_expression(SqlEngine().con, years=[year], county_codes=[COUNTY_PLACEHOLDER])
    sql = ibis.to_sql(expr, dialect="postgres" if vendor == "postgresql" else "sqlite")
    if sql.count(f"'{COUNTY_PLACEHOLDER}'") != 1:
        raise RuntimeError("the fact query must name the county exactly once")
    return sql


def _partition_sql(year: int, county: str) -> str:
    if not (len(county) == 6 and county.isdigit()):
        raise ValueError(f"not a county code: {county!r}")
    # No ORDER BY: the rows come in index order (household by household) and a county file is read whole.
    return _year_sql(connection.vendor, year).replace(f"'{COUNTY_PLACEHOLDER}'", f"'{county}'")


def _fill_county(year: int, county: str, mark: int, progress, *, wait: bool = True) -> int:
    sql = _partition_sql(year, county)
    target = writer = None
    for batch in _batches(sql):
        if writer is None:
            target = _new_file(year, county)
            writer = RowGroupWriter(target.with_suffix(".parquet.filling"), ARROW_SCHEMA)
        writer.write(batch)
        progress(batch.num_rows)
    if writer is None:  # household-years without anyone in them at year end
        record_partition(year, county, mark, 0, "", wait=wait)
        return 0
    writer.close()
    os.replace(writer.path, target)
    record_partition(year, county, mark, writer.rows, target.name, wait=wait)
    return writer.rows


def _new_file(year: int, county: str):
    """A name of its own for each fill of a partition: the file a record names is always the one filled for it."""
    target = live_path(year, f"county={county}.{uuid.uuid4().hex[:12]}.parquet")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def record_partition(year: int, county: str, mark: int, rows: int, file: str, *, wait: bool = True) -> bool:
    """Record a partition's new file (already in place), then remove the file it replaces; a record of a later
    counter already there is kept (and this file removed). Without `wait`, on SQLite, a write lock held by another
    connection leaves the fill pending in this process instead (read from its file, recorded later); returns
    whether it was recorded."""
    try:
        with write_lock(wait), transaction.atomic():
            current = (SnapshotPartition.objects.select_for_update().filter(year=year, county_code=county)
                       .values_list("file", "mark").first())
            if current is not None and current[1] > mark:
                # A fill of a later change was recorded meanwhile: it stays, and this file goes — retired, not
                # deleted: a read in another thread may be reading it (a fill made for that read).
                if file:
                    retire_file(year, file)
                return True
            else:
                old = current[0] if current else ""
                SnapshotPartition.objects.update_or_create(year=year, county_code=county, defaults={
                    "signature": SCHEMA_SIGNATURE, "rows": rows, "mark": mark, "file": file})
    except WriteLockBusy:
        key = (str(snapshot_root()), year, county)
        with pending_records_lock:
            earlier = pending_records.get(key)
            pending_records[key] = Recorded(year, county, mark, SCHEMA_SIGNATURE, rows, file)
        if earlier and earlier.file and earlier.file != file:
            retire_file(year, earlier.file)  # another thread's read may still be reading the earlier fill
        return False
    if old and old != file:
        retire_file(year, old)
    return True


# Fills made for a read while SQLite's write lock was held by another connection, not recorded yet:
# {(snapshot root, year, county): state}. Reads in this process use them (`_recorded`); the next read or fill
# records them.
pending_records: dict[tuple[str, int, str], Recorded] = {}
pending_records_lock = threading.Lock()


def _record_pending(*, wait: bool) -> None:
    if not pending_records:
        return
    root = str(snapshot_root())
    with pending_records_lock:
        waiting = [(key, state) for key, state in pending_records.items() if key[0] == root]
    for key, state in waiting:
        try:
            recorded = record_partition(state.year, state.county_code, state.mark, state.rows, state.file, wait=wait)
        except WriteLockBusy:
            recorded = False
        with pending_records_lock:
            if recorded and pending_records.get(key) == state:
                del pending_records[key]
        if not recorded:
            return  # still locked: the others wait too


class WriteLockBusy(Exception):
    """Another connection holds SQLite's write lock and the caller chose not to wait for it."""


@contextlib.contextmanager
def write_lock(wait: bool):
    """Around a write transaction: without `wait`, on SQLite outside a transaction (BEGIN IMMEDIATE takes the
    write lock), fail at once with WriteLockBusy instead of waiting up to the busy timeout. Inside a transaction
    this connection holds the lock already; PostgreSQL has no such lock."""
    if wait or connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    except OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise WriteLockBusy() from error
        raise
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _batches(sql: str) -> Iterator[pa.RecordBatch]:
    if connection.vendor == "postgresql":
        yield from _copy_batches(sql)
    else:
        yield from _sqlite_batches(sql)


BOOLEAN_COLUMNS = {index for index, field in enumerate(ARROW_SCHEMA) if pa.types.is_boolean(field.type)}


def _sqlite_batches(sql: str) -> Iterator[pa.RecordBatch]:
    """Stream the query through the sqlite3 cursor a batch at a time (Ibis's own batches read everything first)."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH_ROWS):
            columns = list(zip(*rows, strict=True))
            arrays = []
            for index, (values, field) in enumerate(zip(columns, ARROW_SCHEMA, strict=True)):
                if index in BOOLEAN_COLUMNS:  # SQLite hands booleans over as 0/1
                    values = [None if v is None else bool(v) for v in values]
                arrays.append(pa.array(values, type=field.type))
            yield pa.RecordBatch.from_arrays(arrays, schema=ARROW_SCHEMA)
    finally:
        cursor.close()


def _copy_batches(sql: str) -> Iterator[pa.RecordBatch]:
    """Stream `COPY (query) TO STDOUT` in CSV, parsed by Arrow a block of whole lines at a time (parsing in
    the reading thread: Arrow's background readers must not call into the connection)."""
    options = {
        "read_options": pacsv.ReadOptions(column_names=list(FACT_COLUMNS)),
        "convert_options": pacsv.ConvertOptions(column_types=ARROW_SCHEMA, true_values=["t"], false_values=["f"],
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
    }
    pending = bytearray()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for chunk in copy:
            pending += chunk
            if len(pending) >= COPY_BLOCK_BYTES:
                cut = pending.rfind(b"\n") + 1  # fact rows hold no free text, so a newline ends a row
                yield from pacsv.read_csv(io.BytesIO(bytes(pending[:cut])), **options).to_batches(BATCH_ROWS)
                del pending[:cut]
    if pending:
        yield from pacsv.read_csv(io.BytesIO(bytes(pending)), **options).to_batches(BATCH_ROWS)
