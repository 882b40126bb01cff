"""Writes of the statistics side: filling snapshots, freezing a year-end ledger, refreshing rollups.

These are nationwide operations (they read and write every area), so they need a nationwide grant; the refresh
that imports and decisions trigger runs as the system account.
"""

import hashlib
import shutil

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import EVERYWHERE, granted_prefixes
from fupin.areas.codes import Level, level_of
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.bulk import chunked, insert_rows
from fupin.core.errors import Conflict, PermissionDenied

from .engines import frozen_dir, get_engine, live_path
from .extract import snapshot_fill
from .metrics import StatsQuery, get_metric
from .metrics.base import BREAKDOWNS, area_rows, area_sums
from .metrics.incidence import populations
from .models import FrozenSnapshot, Rollup, SnapshotPartition

SNAPSHOT_FROZEN = audit_registry.register("analytics.frozen", _("froze a year-end snapshot"))
ROLLUPS_REFRESHED = audit_registry.register("analytics.refreshed", _("refreshed statistics"))

# What a refresh precomputes. Totals at every level; breakdowns down to townships (village × category rows would
# outnumber the registry itself and no dashboard shows them).
ROLLUP_COUNTS = ("poor", "registered", "exits", "returns", "new", "monitored")
BREAKDOWN_LEVELS = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP]


def _require_nationwide(actor) -> None:
    if granted_prefixes(actor, Action.ADMINISTER) is not EVERYWHERE:
        raise PermissionDenied()


def snapshot_extract(*, actor, years: list[int] | None = None, full: bool = False, on_progress=None):
    _require_nationwide(actor)
    return snapshot_fill(years=years, full=full, on_progress=on_progress)


def rollup_rows(engine, year: int) -> list[dict]:
    """Every rollup row of one year, computed on `engine`: all counts in one query per breakdown."""
    now = timezone.now()
    rows = []

    def add(code, level, metric, value, breakdown=""):
        if value is not None:
            rows.append({"area_code": code, "level": level, "year": year, "metric": metric,
                         "breakdown": breakdown, "value": value, "computed_at": now})

    facts = engine.facts([year])
    # Totals: collapse members into households first (every count condition is a household fact), so both
    # persons and households are plain conditional sums — no distinct counts over millions of rows.
    household_keys = ["village", "household_id", "status", "exit_year", "return_year",
                      "identified_year", "monitoring_category"]
    households = facts.group_by(household_keys).aggregate(persons=facts.count())
    totals, persons_only = {}, {}
    for name in ROLLUP_COUNTS:
        condition = get_metric(name).condition
        totals[f"{name}.persons"] = lambda t, c=condition: t.persons.sum(where=c(t, year))
        totals[f"{name}.households"] = lambda t, c=condition: t.count(where=c(t, year))
        persons_only[f"{name}.persons"] = lambda t, c=condition: t.count(where=c(t, year))
    poor: dict[str, int] = {}
    for item in area_rows(engine, StatsQuery(year=year), area_sums(households, StatsQuery(year=year), totals)):
        poor[item["code"]] = item["poor.persons"] or 0
        for metric in totals:
            if item[metric]:  # absent means zero: most areas have no returns
                add(item["code"], item["level"], metric, item[metric])
    # Incidence from the same totals: poor persons over the rural population (incidence.py's rule).
    for code, population in populations(year, StatsQuery(year=year)).items():
        add(code, level_of(code), "population", population)
        if population:
            add(code, level_of(code), "incidence", poor.get(code, 0) / population)
    for by in BREAKDOWNS:
        query = StatsQuery(year=year, by=by, deepest=BREAKDOWN_LEVELS[-1])
        for item in area_rows(engine, query, area_sums(facts, query, persons_only)):
            for metric in persons_only:
                if item[metric]:  # categories with nobody in them are not stored
                    add(item["code"], item["level"], metric, item[metric], f"{by}:{item['by']}")
    return rows


def rollups_refresh(*, actor, full: bool = False, years: list[int] | None = None, engine: str = "duckdb",
                    on_progress=None) -> dict:
    """Fill the snapshot, then recompute the rollups of every year in which a county-year changed since its
    rollups were computed (all years if `full`), each year replaced in one transaction."""
    _require_nationwide(actor)
    started = timezone.now()
    fill = snapshot_fill(years=years, full=full, on_progress=on_progress)
    partitions = SnapshotPartition.objects.all()
    if years:
        partitions = partitions.filter(year__in=years)
    known = set(SnapshotPartition.objects.values_list("year", flat=True))
    missing = known - set(Rollup.objects.values_list("year", flat=True).distinct())
    if full:
        targets = set(years) if years else known
    else:
        frozen = set(FrozenSnapshot.objects.values_list("year", flat=True))
        moved = set(partitions.filter(rollup_mark__lt=F("mark")).values_list("year", flat=True))
        targets = (moved - frozen) | (missing & set(years or known))
    stale = set(Rollup.objects.exclude(year__in=known).values_list("year", flat=True).distinct())
    runner = get_engine(engine)
    written = 0
    for year in sorted(targets):
        # The counters the rollups are computed from, read before their rows (a change meanwhile stays stale).
        marks = dict(SnapshotPartition.objects.filter(year=year).values_list("county_code", "mark"))
        rows = rollup_rows(runner, year)
        with transaction.atomic():
            Rollup.objects.filter(year=year).delete()
            written += insert_rows(Rollup, rows)
            by_mark: dict[int, list[str]] = {}
            for county, mark in marks.items():
                by_mark.setdefault(mark, []).append(county)
            for mark, counties in by_mark.items():
                for chunk in chunked(counties, 500):
                    SnapshotPartition.objects.filter(year=year, county_code__in=chunk).update(rollup_mark=mark)
    with transaction.atomic():
        Rollup.objects.filter(year__in=stale).delete()
        summary = {**fill.as_dict(), "rollup_years": sorted(targets), "rollup_rows": written,
                   "seconds": round((timezone.now() - started).total_seconds(), 3)}
        audit_record(actor=actor, action=ROLLUPS_REFRESHED, object_type="analytics.rollup", after=summary)
    return summary


def snapshot_freeze(*, actor, year: int) -> FrozenSnapshot:
    """Copy the year's snapshot (brought up to date first) into a read-only year-end ledger."""
    _require_nationwide(actor)
    if FrozenSnapshot.objects.filter(year=year).exists():
        raise Conflict(_("The snapshot of %(year)s is already frozen."), year=year)
    snapshot_fill(years=[year])
    target = frozen_dir(year)
    if target.exists():  # left by a freeze that was interrupted before it was recorded
        shutil.rmtree(target)
    target.mkdir(parents=True)
    manifest = []
    for partition in SnapshotPartition.objects.filter(year=year, rows__gt=0).order_by("county_code"):
        name = f"county={partition.county_code}.parquet"
        shutil.copyfile(live_path(year, partition.file), target / name)
        digest = hashlib.sha256((target / name).read_bytes()).hexdigest()
        manifest.append({"file": name, "county": partition.county_code, "rows": partition.rows, "sha256": digest})
    with transaction.atomic():
        snapshot = FrozenSnapshot.objects.create(year=year, rows=sum(e["rows"] for e in manifest),
                                                 manifest=manifest, frozen_by=actor)
        audit_record(actor=actor, action=SNAPSHOT_FROZEN, obj=snapshot,
                     after={"year": year, "rows": snapshot.rows, "files": len(manifest)})
    return snapshot


def frozen_snapshot_verify(snapshot: FrozenSnapshot) -> list[str]:
    """Files of a frozen snapshot that are missing or no longer match their recorded checksum."""
    problems = []
    for entry in snapshot.manifest:
        path = frozen_dir(snapshot.year) / entry["file"]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(entry["file"])
    return problems
