"""A real database shared by several processes, for tests that kill them: the kind the test suite runs on (SQLite
in a file, or a new PostgreSQL database on the server of DATABASE_URL), migrated once per session and copied for
each test. Processes run `python -c` snippets with Django set up (development settings, files in the test's
folder); the test reads the tables directly."""

import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
SETUP = "import django; django.setup()\n"


def _server_url() -> str | None:
    """The PostgreSQL server of the suite's database, or None when the suite runs on SQLite."""
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        return None
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"


@dataclass
class LiveDatabase:
    url: str
    folder: Path

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgres")

    def env(self, **extra) -> dict:
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("FUPIN_") and name not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
        env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": self.url, "FUPIN_DEBUG": "0",
                    "FUPIN_MEDIA_DIR": str(self.folder / "media"),
                    "FUPIN_ANALYTICS_DIR": str(self.folder / "analytics"),
                    "FUPIN_AUDIT_CHECKPOINT_DIR": str(self.folder / "audit"), "PYTHONUNBUFFERED": "1"})
        env.update(extra)
        return env

    def start(self, code: str, *, log: str = "process.log", **extra) -> subprocess.Popen:
        output = open(self.folder / log, "ab")  # noqa: SIM115 (the process writes to it until it ends)
        return subprocess.Popen([sys.executable, "-c", SETUP + code], cwd=ROOT, env=self.env(**extra),
                                stdout=output, stderr=subprocess.STDOUT)

    def run(self, code: str, *, timeout: float = 300, **extra) -> str:
        """Run a snippet to its end; its standard output (an error shows its output)."""
        result = subprocess.run([sys.executable, "-c", SETUP + code], cwd=ROOT, env=self.env(**extra),
                                capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def fupin(self, *arguments: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "fupin.cli", *arguments], cwd=ROOT, env=self.env(),
                                capture_output=True, text=True, timeout=timeout)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a query written with %s placeholders, read outside Django."""
        if self.is_postgres:
            import psycopg

            with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1)) as connection:
                return connection.execute(sql, params).fetchall()
        connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
        try:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            connection.close()


def _admin_connection():
    import psycopg

    return psycopg.connect(_server_url().replace("postgres://", "postgresql://", 1) + "/postgres",
                           autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def live_template(tmp_path_factory):
    """A migrated database to copy (made once per session)."""
    folder = tmp_path_factory.mktemp("live-template")
    server = _server_url()
    if server is None:
        template = LiveDatabase(f"sqlite:///{folder / 'template.sqlite3'}", folder)
    else:
        name = f"fupin_hjobs_tpl_{secrets.token_hex(4)}"
        try:
            with _admin_connection() as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
        except Exception as error:
            pytest.skip(f"PostgreSQL is not reachable: {error}")
        template = LiveDatabase(f"{server}/{name}", folder)
    template.fupin("migrate", "-v0", timeout=900)
    yield template
    if server is not None:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template.url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture
def live_database(live_template, tmp_path):
    """A fresh copy of the migrated database for one test, with its own folder for files."""
    if live_template.is_postgres:
        name = f"fupin_hjobs_{secrets.token_hex(4)}"
        with _admin_connection() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{live_template.url.rsplit("/", 1)[1]}"')
        database = LiveDatabase(f"{live_template.url.rsplit('/', 1)[0]}/{name}", tmp_path)
    else:
        target = tmp_path / "live.sqlite3"
        shutil.copyfile(live_template.url.removeprefix("sqlite:///"), target)
        database = LiveDatabase(f"sqlite:///{target}", tmp_path)
    yield database
    if database.is_postgres:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database.url.rsplit("/", 1)[1]}" WITH (FORCE)')


def wait_until(condition, *, timeout: float = 60, every: float = 0.2, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
