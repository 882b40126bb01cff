"""Pinned query counts: what a page or a list costs, measured, compared with a committed number, never growing.

A route is requested with `measure(send)`; its cost is the number of SQL statements it ran, less the savepoints
(`SAVEPOINT`, `RELEASE SAVEPOINT`, `ROLLBACK TO SAVEPOINT`): they are transaction bookkeeping, not reads, and exist
only because a test runs inside a transaction (in production an atomic block begins and commits one). What remains
is the same on SQLite and PostgreSQL. `growth(before, after)` names the statements that ran more often once more
rows existed (an N+1), each reduced to its shape (literals and parameters as `?`). `Pins` reads and rewrites the
committed file of numbers.
"""

import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.test.utils import CaptureQueriesContext

PIN_ENV = "FUPIN_PIN_QUERY_COUNTS"
_NOT_COUNTED = re.compile(r"^\s*(SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO\s+SAVEPOINT)\b", re.IGNORECASE)
_LITERALS = [
    (re.compile(r"'(?:[^']|'')*'"), "?"),                       # quoted strings
    (re.compile(r"%s|\$\d+"), "?"),                             # driver placeholders
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "?"),                    # numbers
    (re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)"), "(?)"),         # IN lists of any length
    (re.compile(r"\s+"), " "),
]


def counted(statements) -> list[str]:
    """The statements that count (the SQL of each captured query, savepoints left out)."""
    return [sql for sql in statements if not _NOT_COUNTED.match(sql)]


def shape(sql: str) -> str:
    """A statement with its literals and parameters as `?`: two runs of the same query look alike."""
    for pattern, replacement in _LITERALS:
        sql = pattern.sub(replacement, sql)
    return sql.strip()


@dataclass
class Measured:
    status: int
    statements: list[str]
    response: object = None

    @property
    def count(self) -> int:
        return len(self.statements)


def measure(send, using: str = "default") -> Measured:
    """Run `send()` (a test client's request) and return its status and the statements that count."""
    with CaptureQueriesContext(connections[using]) as captured:
        response = send()
    return Measured(response.status_code, counted(query["sql"] for query in captured.captured_queries), response)


def growth(before: Measured, after: Measured, limit: int = 6) -> str:
    """Why `after` ran another number of statements than `before`: the shapes that ran more often, most repeated
    first (or, when none did, those that ran less often)."""
    more = Counter(map(shape, after.statements))
    more.subtract(Counter(map(shape, before.statements)))
    changed = [(times, sql) for sql, times in more.items() if times > 0] or [
        (times, sql) for sql, times in more.items() if times < 0]
    changed.sort(key=lambda item: (-abs(item[0]), item[1]))
    return "\n".join(f"  {times:+d}× {sql[:400]}" for times, sql in changed[:limit])


class Pins:
    """The committed counts: a JSON object of route name → number of statements, sorted."""

    def __init__(self, path: Path, command: str):
        self.path = Path(path)
        self.command = command  # how to re-pin, quoted in every failure
        self.pinned: dict[str, int] = json.loads(self.path.read_text()) if self.path.exists() else {}

    @staticmethod
    def repinning() -> bool:
        return os.environ.get(PIN_ENV, "") not in {"", "0"}

    def write(self, measured: dict[str, int]) -> None:
        self.path.write_text(json.dumps(dict(sorted(measured.items())), indent=2, ensure_ascii=False) + "\n")
        self.pinned = dict(measured)

    def differences(self, measured: dict[str, int]) -> list[str]:
        """Each way `measured` disagrees with the file: a new route, a route gone, a count changed."""
        problems = [f"{name}: {count} queries, not pinned" for name, count in sorted(measured.items())
                    if name not in self.pinned]
        problems += [f"{name}: pinned but no longer in the URL map" for name in sorted(self.pinned)
                     if name not in measured]
        problems += [f"{name}: {measured[name]} queries, pinned {self.pinned[name]}" for name in sorted(measured)
                     if name in self.pinned and self.pinned[name] != measured[name]]
        return problems

    def explain(self, problems: list[str]) -> str:
        return (f"{len(problems)} route(s) disagree with {self.path.name}:\n  " + "\n  ".join(problems)
                + f"\nIf the change is meant, re-pin: {self.command}")
