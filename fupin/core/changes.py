"""Change marks: the one mechanism by which every write tells the statistics what it changed.

Statistics are computed from the registry (households, members, yearly records) and the areas' populations. Every
service and bulk path that writes them calls `mark_changed` with the (county, year) pairs it touched, inside its
own transaction. That increments a counter per pair (`ChangeMark`); a snapshot partition or a rollup records the
counter it was computed from, so "stale" is a comparison of two integers, and what must be recomputed after a
change is exactly the pairs whose counter moved — the cost of a refresh follows the change, not the registry.

Why a counter incremented in place and not a timestamp or a sequence: the increment takes the row's lock until the
writer commits, so a reader that saw version V and then read the records has seen every write counted in V; a
later writer makes the version V+1, visible only with its rows. With timestamps, a transaction that started
earlier but committed later could hide behind a newer fill.

After the transaction commits, `changes_committed` is sent once per call so that listeners (the statistics app)
can queue a refresh; nothing that is correct depends on the signal (readers compare counters).
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import ChangeMark
from .signals import changes_committed
from .sql import chunked


def mark_changed(pairs: Iterable[tuple[str, int]]) -> int:
    """Increment the change counter of each (county code, year) pair; returns how many pairs were marked."""
    keys = sorted({(str(county)[:6], int(year)) for county, year in pairs if county and year})
    if not keys:
        return 0
    table = connection.ops.quote_name(ChangeMark._meta.db_table)
    now = timezone.now()
    # In key order, so two writers that mark overlapping counties take the row locks in the same order.
    with connection.cursor() as cursor:
        for chunk in chunked(keys, 500):
            rows = ", ".join(["(%s, %s, 1, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (county_code, year, version, changed_at) VALUES {rows} "
                f"ON CONFLICT (county_code, year) DO UPDATE SET version = {table}.version + 1, "
                f"changed_at = excluded.changed_at",
                [value for county, year in chunk for value in (county, year, now)])
    years = sorted({year for _, year in keys})
    counties = sorted({county for county, _ in keys})
    transaction.on_commit(lambda: changes_committed.send(sender=ChangeMark, years=years, counties=counties))
    return len(keys)


def change_versions(*, years: Iterable[int] | None = None,
                    prefixes: Iterable[str] | None = None) -> dict[tuple[str, int], int]:
    """{(county, year): version} of every mark in `years` (all years if None) whose county starts with one of
    `prefixes` (codes of any length; all counties if None)."""
    marks = ChangeMark.objects.all()
    if years is not None:
        marks = marks.filter(year__in=list(years))
    if prefixes is not None:
        marks = marks.filter(in_counties(prefixes))
    return {(c, y): v for c, y, v in marks.values_list("county_code", "year", "version")}


def in_counties(prefixes: Iterable[str]) -> Q:
    """The rows keyed by a `county_code` that lies under one of the area codes `prefixes` (of any length)."""
    condition = Q(pk__in=[])
    for prefix in {p[:6] for p in prefixes}:
        condition |= Q(county_code__startswith=prefix)
    return condition


def database_identity() -> str:
    """This database's identity (made by its migration; made again if a flush removed it). Kept on the connection
    once read, unless it was only just made inside a transaction that may yet be rolled back."""
    import uuid

    from .models import DatabaseIdentity

    cached = getattr(connection, "_fupin_identity", None)
    if cached is not None:
        return cached
    row = DatabaseIdentity.objects.order_by("pk").first()
    made = row is None
    if made:
        row, made = DatabaseIdentity.objects.get_or_create(pk=1, defaults={"uuid": uuid.uuid4()})
    if not (made and connection.in_atomic_block):
        connection._fupin_identity = str(row.uuid)
    return str(row.uuid)
