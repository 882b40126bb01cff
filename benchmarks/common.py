"""What every benchmark needs: an empty, migrated database of the asked kind, and the `fupin` command."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUPIN = str(Path(sys.executable).with_name("fupin"))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def fresh_database(database: str, name: str = "fupin_bench", code: str | None = None) -> dict:
    """The environment of a new, migrated `sqlite` or `postgres` database (PostgreSQL: `name`) for `fupin`
    subprocesses, running the code of the checkout at `code` first when given (a before/after run)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FUPIN_DEBUG": "0"}
    if code:
        env["PYTHONPATH"] = os.pathsep.join([code, str(ROOT)])
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='fupin-bench-')}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    fupin(["migrate", "-v0"], env)
    return env


def fupin(args: list[str], env: dict) -> None:
    subprocess.run([FUPIN, *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def timed(args: list[str], env: dict) -> tuple[float, str]:
    """Run `fupin ARGS`; its wall time in seconds and its standard output."""
    start = time.perf_counter()
    output = subprocess.run([FUPIN, *args], env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout
    return time.perf_counter() - start, output


def seed_mismatches(values: dict, scale, counts: dict, amounts: dict, fixed: dict) -> dict:
    """The report card's figures that differ from a seed's: counts and amounts scaled (counts rounded half up),
    fixed values (shares, structure) as they are. Returns key → (card value, expected)."""
    from decimal import ROUND_HALF_UP, Decimal

    expected = {**{key: int((Decimal(v) * scale).quantize(Decimal(1), ROUND_HALF_UP)) for key, v in counts.items()},
                **{key: Decimal(v) * scale for key, v in amounts.items()}, **fixed}
    return {key: (values.get(key), str(value)) for key, value in expected.items()
            if Decimal(str(values.get(key))) != Decimal(str(value))}
