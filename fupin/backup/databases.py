"""Copying a whole database out and back in, per engine, and reaching a database that is not the configured one.

PostgreSQL: `pg_dump --format=custom` of the database, taken in a snapshot that this process exported (so the
figures the manifest records — row counts, the audit chain's end — are read from exactly what the dump holds), and
`pg_restore --single-transaction` into a database that holds nothing yet (all of it or none of it is restored).
SQLite: the online backup API, which copies a consistent state of a live database page by page while the web
server and the worker keep working (copying the file itself could catch half a transaction, or miss the WAL).

Passwords go to pg_dump and pg_restore in the environment (PGPASSWORD), never on a command line that `ps` shows.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

from config.settings.databases import database_from_url


class DatabaseCopyFailed(Exception):
    """pg_dump, pg_restore or SQLite refused; the message says why."""


def engine_of(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise DatabaseCopyFailed(f"fupin backs up SQLite and PostgreSQL databases, not {engine}.")


def describe(settings_dict: dict) -> str:
    """A database named for people (never with its password)."""
    if engine_of(settings_dict) == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    user = f"{settings_dict['USER']}@" if settings_dict.get("USER") else ""
    return f"postgres://{user}{host}{port}/{settings_dict['NAME']}"


# Reaching another database ----------------------------------------------------------------------------------------
@contextmanager
def database_alias(alias: str, settings_dict: dict):
    """Make `alias` a connection of this thread to the database `settings_dict` for the duration (the ORM's
    `.using(alias)`, transactions and introspection work on it); closed and forgotten afterwards. It is not added
    to the configured databases, so nothing that walks every database (a test's flush, `migrate`) ever sees it."""
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: dict(connections.settings[DEFAULT_DB_ALIAS]),
                                                 alias: dict(settings_dict)})[alias]
    wrapper = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)
    setattr(connections._connections, alias, wrapper)
    try:
        yield wrapper
    finally:
        wrapper.close()
        delattr(connections._connections, alias)


def target_settings(url: str | None) -> dict:
    """The settings of the database a restore writes to: DATABASE_URL's form, or the configured database."""
    if url:
        return database_from_url(url)
    return dict(connections.settings[DEFAULT_DB_ALIAS])


# PostgreSQL -------------------------------------------------------------------------------------------------------
def postgres_environment(settings_dict: dict, database: str | None = None) -> dict:
    """The libpq environment that reaches the database (PGPASSWORD included, so no secret is in argv)."""
    environment = dict(os.environ)
    values = {"PGHOST": settings_dict.get("HOST"), "PGPORT": settings_dict.get("PORT"),
              "PGUSER": settings_dict.get("USER"), "PGPASSWORD": settings_dict.get("PASSWORD"),
              "PGDATABASE": database or settings_dict.get("NAME")}
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        if options.get(option):
            values[variable] = options[option]
    environment.update({name: str(value) for name, value in values.items() if value})
    return environment


def postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DatabaseCopyFailed(f"{name} is not installed: install the PostgreSQL client tools of the server's "
                                 f"major version (Debian: apt-get install postgresql-client).")
    return path


def tool_version(name: str) -> str:
    result = subprocess.run([postgres_tool(name), "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def run_tool(arguments: list[str], environment: dict) -> None:
    result = subprocess.run(arguments, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DatabaseCopyFailed(f"{Path(arguments[0]).name} failed (exit {result.returncode}): "
                                 f"{result.stderr.strip()[-2000:]}")


def export_snapshot(connection) -> str:
    """Start a repeatable-read transaction on `connection` (inside transaction.atomic) and export its snapshot:
    pg_dump started with it sees exactly what this transaction sees."""
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        return cursor.fetchone()[0]


def dump_postgres(settings_dict: dict, target: Path, *, snapshot: str) -> None:
    run_tool([postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", f"--file={target}"], postgres_environment(settings_dict))


def postgres_server_version(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def postgres_database_exists(settings_dict: dict) -> bool:
    import psycopg

    environment = postgres_environment(settings_dict, database="postgres")
    with psycopg.connect(**_libpq_arguments(environment), autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]])
        return found.fetchone() is not None


def create_postgres_database(settings_dict: dict) -> None:
    """CREATE DATABASE (owned by the connecting role), from the server's maintenance database `postgres`."""
    import psycopg
    from psycopg import sql

    environment = postgres_environment(settings_dict, database="postgres")
    with psycopg.connect(**_libpq_arguments(environment), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings_dict["NAME"])))


def drop_postgres_database(settings_dict: dict) -> None:
    import psycopg
    from psycopg import sql

    environment = postgres_environment(settings_dict, database="postgres")
    with psycopg.connect(**_libpq_arguments(environment), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(settings_dict["NAME"])))


def _libpq_arguments(environment: dict) -> dict:
    names = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password",
             "PGDATABASE": "dbname", "PGSSLMODE": "sslmode"}
    return {argument: environment[variable] for variable, argument in names.items() if environment.get(variable)}


def empty_postgres_schema(connection) -> None:
    """Remove every table, view, sequence and function of the public schema (a database being restored over)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def restore_postgres(settings_dict: dict, dump: Path) -> None:
    """All of the dump into the database, in one transaction: an error leaves the database as it was."""
    run_tool([postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={settings_dict['NAME']}", str(dump)],
             postgres_environment(settings_dict))


# SQLite -----------------------------------------------------------------------------------------------------------
def backup_sqlite(connection, target: Path) -> None:
    """A consistent copy of the live database behind `connection` (Django's), by SQLite's online backup API: one
    step, so the copy is one read transaction's view; in WAL mode writers are not held up meanwhile."""
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
        problem = destination.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise DatabaseCopyFailed(f"the copy of the SQLite database does not pass its check: {problem}")
        # A single file: no WAL beside it (the copy is read by hashing and later restored by copying).
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def in_memory(settings_dict: dict) -> bool:
    name = str(settings_dict.get("NAME") or "")
    return not name or name == ":memory:" or "mode=memory" in name


def sqlite_path(settings_dict: dict) -> Path:
    return Path(settings_dict["NAME"])


def remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
