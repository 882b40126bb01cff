"""Where metrics run. Each engine hands out the fact table as an Ibis table and executes Ibis expressions:

- `duckdb` (default): the Parquet snapshot, in-process; only the partitions of the asked years and counties are
  opened. A frozen year (年度台账) is read from its frozen copy.
- `sql`: the operational database itself (SQLite or PostgreSQL) through Django's own connection, so it sees
  exactly what the caller's transaction sees. For small installs; no snapshot needed.
- `spark`: PySpark over the same Parquet files, for deployments that outgrow one machine: in this process's JVM
  (`local[N]`, the default) or on a cluster (`FUPIN_SPARK_MASTER=spark://…`). Executors on other machines read the
  snapshot at `ANALYTICS_SNAPSHOT_URL` (a shared mount or an object store naming the same files), never the
  driver's own folder. See docs/spark.md.
"""

import contextlib
import itertools
import os
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _
from ibis.backends.sqlite import Backend as SQLiteBackend
from ibis.backends.sqlite.udf import register_all

from fupin.core.changes import database_identity
from fupin.core.errors import Conflict

from .facts import FACT_SCHEMA, facts_expression
from .models import FrozenSnapshot, SnapshotPartition

ENGINES = ("duckdb", "sql", "spark")


def snapshot_root() -> Path:
    """This database's snapshot folder: under its identity, so databases never read each other's files."""
    return Path(settings.ANALYTICS_DIR) / "snapshots" / database_identity()


def executor_url(path: str | Path) -> str:
    """The address under which Spark's executors read a snapshot file: `ANALYTICS_SNAPSHOT_URL` in place of
    `ANALYTICS_DIR` (a shared path or an object store holding the same files), or, without it, the file's absolute
    path (file://), which only executors on this machine or on a shared mount at the same path can read."""
    path = Path(path).absolute()
    base = settings.ANALYTICS_SNAPSHOT_URL.rstrip("/")
    if not base:
        return f"file://{path.as_posix()}"
    try:
        inside = path.relative_to(Path(settings.ANALYTICS_DIR).absolute())
    except ValueError:
        raise ValueError(f"{path} is not under ANALYTICS_DIR ({settings.ANALYTICS_DIR})") from None
    return f"{base}/{inside.as_posix()}"


def live_path(year: int, file: str) -> Path:
    """Where the live partition file `file` (SnapshotPartition.file) of `year` lives."""
    return snapshot_root() / "live" / f"year={year}" / file


def frozen_dir(year: int) -> Path:
    return snapshot_root() / "frozen" / f"year={year}"


@dataclass(frozen=True)
class Source:
    """What a figure was computed from, carried into report cards."""

    engine: str
    snapshot: str  # "live" (brought up to date before it is read), "frozen" or "operational"
    filled_at: str | None = None

    def as_dict(self) -> dict:
        return {"engine": self.engine, "snapshot": self.snapshot, "filled_at": self.filled_at}


def county_matches(county_code: str, prefixes: list[str] | None) -> bool:
    """Whether a county's partition can hold rows of the subtrees (a prefix may be shorter or longer)."""
    if prefixes is None:
        return True
    return any(county_code[:min(len(p), 6)] == p[:6] for p in prefixes)


class Engine(ABC):
    name = ""

    def facts(self, years: list[int], *, prefixes: list[str] | None = None) -> ibis.Table:
        """The fact rows of `years`, limited to the subtrees whose codes start with `prefixes` (None: all)."""
        table = self._facts(years, prefixes)
        if prefixes is not None:
            condition = ibis.literal(False)
            for prefix in prefixes:
                condition |= table.village.between(prefix.ljust(12, "0"), prefix.ljust(12, "9"))
            table = table.filter(condition)
        return table

    @abstractmethod
    def _facts(self, years, prefixes) -> ibis.Table:
        """The engine's own fact table for these years (the filter by prefixes is applied by facts())."""

    def run(self, expr) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def records(self, expr) -> list[dict]:
        return self.run(expr).to_pylist()

    def source(self, year: int) -> Source:
        return Source(self.name, "operational")


class SnapshotEngine(Engine):
    """An engine that reads Parquet partitions listed in the fill state (never a directory listing, so stray
    files of an interrupted fill are never read). Before it reads live partitions it refills, in this process,
    those whose county-year changed since they were filled or whose file is missing: a snapshot read is never
    stale. Frozen years are read from their copies and never move."""

    def __init__(self, *, use_frozen: bool = True):
        self.use_frozen = use_frozen

    def _frozen_years(self, years) -> set[int]:
        if not self.use_frozen:
            return set()
        return set(FrozenSnapshot.objects.filter(year__in=years).values_list("year", flat=True))

    def paths(self, years: list[int], prefixes: list[str] | None) -> list[str]:
        frozen = self._frozen_years(years)
        paths = []
        for snapshot in FrozenSnapshot.objects.filter(year__in=frozen):
            files = [frozen_dir(snapshot.year) / entry["file"] for entry in snapshot.manifest
                     if entry["rows"] and county_matches(entry["county"], prefixes)]
            if not all(path.exists() for path in files):
                # A frozen year cannot be refilled (it is what the records said then): its files come from backups.
                raise Conflict(_("The year-end ledger of %(year)s is missing files in %(folder)s: restore that "
                                 "folder from the backup it was saved with."),
                               year=snapshot.year, folder=str(frozen_dir(snapshot.year)))
            paths += [str(path) for path in files]
        live = sorted(set(years) - frozen)
        if live:
            from .extract import fresh_partitions  # extract builds on this module

            paths += [str(live_path(p.year, p.file)) for p in fresh_partitions(live, prefixes)]
        return paths

    def _facts(self, years, prefixes) -> ibis.Table:
        paths = self.paths(years, prefixes)
        return self._read_parquet(paths or [str(_empty_parquet())])

    def _read_parquet(self, paths: list[str]) -> ibis.Table:
        return self.con.read_parquet(paths)

    def source(self, year: int) -> Source:
        frozen = self._frozen_years([year])
        if frozen:
            snapshot = FrozenSnapshot.objects.get(year=year)
            return Source(self.name, "frozen", snapshot.frozen_at.isoformat())
        latest = SnapshotPartition.objects.filter(year=year).order_by("-filled_at").first()
        return Source(self.name, "live", latest.filled_at.isoformat() if latest else None)


class DuckDBEngine(SnapshotEngine):
    name = "duckdb"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.con = ibis.duckdb.connect()



class _SharedSQLite(SQLiteBackend):
    """Ibis's SQLite backend on Django's own connection. Ibis would commit after each statement and switch on
    case-sensitive LIKE for the whole connection; on a borrowed connection it must do neither (the caller's
    transaction stays the caller's, and Django's icontains stays case-insensitive)."""

    def _post_connect(self, type_map=None) -> None:
        self._type_map = {k.lower(): ibis.dtype(v) for k, v in (type_map or {}).items()}
        register_all(self.con)

    @contextlib.contextmanager
    def begin(self):
        cursor = self.con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


class SqlEngine(Engine):
    name = "sql"

    def __init__(self):
        connection.ensure_connection()
        raw = connection.connection
        if connection.vendor == "postgresql":
            # psycopg nests Ibis's transaction blocks as savepoints inside the caller's transaction.
            self.con = ibis.postgres.from_connection(raw)
        else:
            self.con = _SharedSQLite.from_connection(raw)

    def _facts(self, years, prefixes):
        return facts_expression(self.con, years=years)


class SparkEngine(SnapshotEngine):
    name = "spark"
    _session = None
    _session_key = None
    _lock = threading.Lock()
    _names = itertools.count()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.spark = self.session()
        self.con = ibis.pyspark.connect(self.spark)

    @classmethod
    def session(cls):
        """One Spark session per process (starting one takes seconds), on `ANALYTICS_SPARK_MASTER` with
        `ANALYTICS_SPARK_CONF`. When either has changed since the session was started (a test pointing the engine
        at a cluster, then back), the session is stopped and a new one started on the new master."""
        key = (settings.ANALYTICS_SPARK_MASTER, tuple(sorted(settings.ANALYTICS_SPARK_CONF.items())))
        with cls._lock:
            if cls._session is not None and cls._session_key != key:
                cls._stop_locked()
            if cls._session is None:
                from pyspark.sql import SparkSession

                master = settings.ANALYTICS_SPARK_MASTER
                if master.startswith("local"):
                    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local mode needs no outside address

                builder = (SparkSession.builder.appName("fupin")
                           .master(master)
                           .config("spark.ui.enabled", "false")
                           .config("spark.ui.showConsoleProgress", "false")
                           .config("spark.sql.shuffle.partitions", "4")
                           .config("spark.sql.session.timeZone", "UTC"))
                for name, value in settings.ANALYTICS_SPARK_CONF.items():
                    builder = builder.config(name, str(value))
                cls._session = builder.getOrCreate()
                cls._session_key = key
                cls._session.sparkContext.setLogLevel("ERROR")
            return cls._session

    @classmethod
    def stop(cls, master: str | None = None) -> None:
        """Stop this process's session (its executors on a cluster are released), or only if it runs on `master`;
        the next read starts another."""
        with cls._lock:
            if master is None or (cls._session_key and cls._session_key[0] == master):
                cls._stop_locked()

    @classmethod
    def _stop_locked(cls) -> None:
        if cls._session is not None:
            cls._session.stop()
        cls._session = cls._session_key = None

    def _read_parquet(self, paths):
        # Ibis's PySpark backend reads one path; Spark itself reads a list. Executors open the files at their
        # shared address (executor_url), never this process's own folder.
        name = f"facts_{next(self._names)}"
        self.spark.read.parquet(*[executor_url(path) for path in paths]).createOrReplaceTempView(name)
        return self.con.table(name)


def _empty_parquet() -> Path:
    import pyarrow.parquet as pq

    path = snapshot_root() / "empty.parquet"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(FACT_SCHEMA.to_pyarrow().empty_table(), path)
    return path


def get_engine(name: str = "duckdb", **kwargs) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(**kwargs)
    if name == "sql":
        return SqlEngine()
    if name == "spark":
        return SparkEngine(**kwargs)
    raise ValueError(name)
