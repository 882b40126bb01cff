"""Extraction: the fact table → Parquet, one file per year and county, refilled only where the registry changed.

The fill state (SnapshotPartition) holds a signature of the operational rows behind each file: how many
household-years and members there are and when each was last changed. A fill compares signatures, re-extracts
the moved partitions one query per county and year (an index range; memory stays at one batch), writes each
file under a temporary name, renames it into place and only then records its new signature. A fill
killed at any point therefore leaves every file either old-and-recorded-as-old or new-and-recorded-as-new, and
the next fill redoes exactly what is missing. Engines read only the files the state lists.

PostgreSQL is read with `COPY (…) TO STDOUT` through Django's own connection (no second driver, and the fill sees
exactly what the caller's transaction sees); SQLite through its cursor in Arrow batches — or, for a fill of many
counties from a SQLite file outside a transaction, by worker processes reading the file with the ADBC driver
straight into Arrow (partition_files.py).
"""

import io
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max

from fupin.registry.models import HouseholdYear, Member

from .engines import SqlEngine, live_path
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

    def as_dict(self) -> dict:
        return {"partitions_checked": self.partitions_checked, "partitions_written": self.partitions_written,
                "partitions_removed": self.partitions_removed, "rows_written": self.rows_written,
                "years": self.years}


def partition_signatures(years: list[int] | None = None) -> dict[tuple[int, str], str]:
    """{(year, county code): signature} for every county-year the registry has household-years in."""
    household_years = HouseholdYear.objects.all()
    if years:
        household_years = household_years.filter(year__in=years)
    by_year = household_years.values_list("year", "household__county_code").annotate(
        n=Count("id"), changed=Max("updated_at"), household_changed=Max("household__updated_at"))
    members = dict(
        (county, f"{n}|{changed.isoformat() if changed else ''}")
        for county, n, changed in Member.objects.values_list("household__county_code").annotate(
            n=Count("id"), changed=Max("updated_at"))
    )
    return {
        (year, county): (f"v{FACT_SCHEMA_VERSION}|{n}|{changed.isoformat()}|{household_changed.isoformat()}|"
                         f"{members.get(county, '')}")
        for year, county, n, changed, household_changed in by_year
    }


def _household_years(signature: str) -> int:
    """The number of household-years a partition's signature counts (its second field)."""
    return int(signature.split("|")[1])


def snapshot_fill(*, years: list[int] | None = None, full: bool = False,
                  on_progress: Callable[[int], None] | None = None) -> FillReport:
    """Bring the live snapshot up to date with the registry (only moved partitions unless `full`)."""
    report = FillReport()
    signatures = partition_signatures(years)
    recorded = SnapshotPartition.objects.all()
    if years:
        recorded = recorded.filter(year__in=years)
    state = {(p.year, p.county_code): p for p in recorded}
    report.partitions_checked = len(signatures)

    for key in set(state) - set(signatures):  # counties or years that no longer have rows
        _remove(state[key])
        report.partitions_removed += 1

    dirty: dict[int, set[str]] = {}
    for (year, county), signature in signatures.items():
        known = state.get((year, county))
        if full or known is None or known.signature != signature or (
                known.rows and not live_path(year, county).exists()):
            dirty.setdefault(year, set()).add(county)

    path = _sqlite_file() if connection.vendor == "sqlite" else None
    size = sum(_household_years(signatures[(year, county)]) for year, counties in dirty.items() for county in counties)
    if path is not None and size >= PROCESS_FILL_MIN_HOUSEHOLD_YEARS:
        for year, written in _fill_in_processes(dirty, signatures, path, on_progress):
            report.partitions_written += len(dirty[year])
            report.rows_written += written
            report.years.append(year)
        return report
    for year in sorted(dirty):
        counties = dirty[year]
        written = _fill_year(year, counties, {c: signatures[(year, c)] for c in counties}, on_progress)
        report.partitions_written += len(counties)
        report.rows_written += written
        report.years.append(year)
    return report


def _remove(partition: SnapshotPartition) -> None:
    live_path(partition.year, partition.county_code).unlink(missing_ok=True)
    partition.delete()


def _fill_year(year: int, counties: set[str], signatures: dict[str, str], on_progress) -> int:
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
        return sum(_fill_county(year, county, signatures[county], progress) for county in sorted(counties))

    def in_thread(county: str) -> int:
        try:
            return _fill_county(year, county, signatures[county], progress)
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


def _fill_in_processes(dirty: dict[int, set[str]], signatures: dict, path: str,
                       on_progress) -> Iterator[tuple[int, int]]:
    """(year, rows written) for each year of `dirty`: every county-year read and written to its temporary file by
    a worker process (`ANALYTICS_FILL_WORKERS`, at least one; one pool for the whole fill); this process renames
    each finished file into place and records it, in the order they finish."""
    # Spawned, not forked: a forked child would inherit this process's open SQLite connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(settings.ANALYTICS_FILL_WORKERS, 1), mp_context=context) as pool:
        for year in sorted(dirty):
            futures = {}
            for county in sorted(dirty[year]):
                target = live_path(year, county)
                target.parent.mkdir(parents=True, exist_ok=True)
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
                    else:  # household-years without anyone in them at year end
                        target.unlink(missing_ok=True)
                    _record(year, county, signatures[(year, county)], rows)
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


def _fill_county(year: int, county: str, signature: str, progress) -> int:
    sql = _partition_sql(year, county)
    writer = _PartitionWriter(year)
    written = 0
    for batch in _batches(sql):
        if writer.county is None:
            writer.open(county)
        writer.write(batch)
        written += batch.num_rows
        progress(batch.num_rows)
    if writer.county is None:  # household-years without anyone in them at year end
        _record(year, county, signature, 0)
        live_path(year, county).unlink(missing_ok=True)
    else:
        writer.finish({county: signature})
    return written


class _PartitionWriter:
    def __init__(self, year: int):
        self.year = year
        self.county: str | None = None
        self.writer: RowGroupWriter | None = None

    def open(self, county: str) -> None:
        self.county = county
        target = live_path(self.year, county)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = target.with_suffix(".parquet.filling")
        self.writer = RowGroupWriter(self.temporary, ARROW_SCHEMA)

    def write(self, batch: pa.RecordBatch) -> None:
        self.writer.write(batch)

    def finish(self, signatures: dict[str, str]) -> None:
        if self.writer is None:
            return
        self.writer.close()
        os.replace(self.temporary, live_path(self.year, self.county))
        _record(self.year, self.county, signatures[self.county], self.writer.rows)
        self.writer = None
        self.county = None


def _record(year: int, county: str, signature: str, rows: int) -> None:
    with transaction.atomic():
        SnapshotPartition.objects.update_or_create(year=year, county_code=county,
                                                   defaults={"signature": signature, "rows": rows})


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
