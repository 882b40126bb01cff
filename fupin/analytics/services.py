"""Writes of the statistics side: filling snapshots, freezing a year-end ledger, refreshing rollups.

These are nationwide operations (they read and write every area), so they need a nationwide grant; the refresh
that imports and decisions trigger runs as the system account.
"""

import hashlib
import shutil
from dataclasses import replace

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH, Level, code_range, level_of
from fupin.core.errors import Conflict, PermissionDenied
from fupin.core.sql import chunked, insert_rows

from .engines import frozen_dir, get_engine, live_path
from .extract import snapshot_fill
from .metrics import StatsQuery, get_metric
from .metrics.base import BREAKDOWNS, area_rows, area_sums
from .metrics.counts import ROLLUP_COUNTS
from .metrics.incidence import populations
from .models import FrozenSnapshot, Rollup, RollupYear, SnapshotPartition

SNAPSHOT_FROZEN = audit_registry.register("analytics.frozen", _("froze a year-end snapshot"))
ROLLUPS_REFRESHED = audit_registry.register("analytics.refreshed", _("refreshed statistics"))

# What a refresh precomputes: the counts of metrics/counts.py (ROLLUP_COUNTS) with totals at every level;
# breakdowns down to townships (village × category rows would outnumber the registry itself and no dashboard shows
# them).
BREAKDOWN_LEVELS = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP]


def _require_nationwide(actor) -> None:
    if not everywhere(actor, Action.ADMINISTER):
        raise PermissionDenied()


def snapshot_extract(*, actor, years: list[int] | None = None, full: bool = False, on_progress=None):
    _require_nationwide(actor)
    return snapshot_fill(years=years, full=full, on_progress=on_progress)


def rollup_rows(engine, year: int, counties: list[str] | None = None) -> list[dict]:
    """Every rollup row of one year, computed on `engine`: all counts in one query per breakdown. With `counties`
    (6-digit codes), only the rows of the areas inside them — the counties, their townships and villages — from
    those counties' partitions alone; their ancestors are re-summed in SQL (`_ancestors_resum`)."""
    now = timezone.now()
    rows = []

    def add(code, level, metric, value, breakdown=""):
        if value is not None:
            rows.append({"area_code": code, "level": level, "year": year, "metric": metric,
                         "breakdown": breakdown, "value": value, "computed_at": now})

    if counties is None:
        scope = StatsQuery(year=year)
        facts = engine.facts([year])
    else:
        scope = StatsQuery(year=year, prefixes=tuple(sorted(counties)), shallowest=Level.COUNTY)
        facts = engine.facts([year], prefixes=sorted(counties))
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
    for item in area_rows(engine, scope, area_sums(households, scope, totals)):
        poor[item["code"]] = item["poor.persons"] or 0
        for metric in totals:
            if item[metric]:  # absent means zero: most areas have no returns
                add(item["code"], item["level"], metric, item[metric])
    # Incidence from the same totals: poor persons over the rural population (incidence.py's rule).
    for code, population in _populations(year, counties).items():
        add(code, level_of(code), "population", population)
        if population:
            add(code, level_of(code), "incidence", poor.get(code, 0) / population)
    for by in BREAKDOWNS:
        query = replace(scope, by=by, deepest=BREAKDOWN_LEVELS[-1])
        for item in area_rows(engine, query, area_sums(facts, query, persons_only)):
            for metric in persons_only:
                if item[metric]:  # categories with nobody in them are not stored
                    add(item["code"], item["level"], metric, item[metric], f"{by}:{item['by']}")
    return rows


def _populations(year: int, counties: list[str] | None) -> dict[str, int]:
    """Rural populations of every area (None), or of the areas inside `counties`: each county's own figure, or the
    sum of the nearest recorded below it, lies wholly inside it."""
    if counties is None:
        return populations(year, StatsQuery(year=year))
    inside = {}
    for county in counties:
        inside.update((code, value) for code, value in populations(year, StatsQuery(year=year, area=county)).items()
                      if code.startswith(county) and level_of(code) >= Level.COUNTY)
    return inside


# Rollup metrics that are not sums of their parts: an area's rural population is its own recorded figure when
# it has one (incidence.py), and incidence is a ratio. Ancestors get them from the population records and from
# their re-summed poor persons, never by adding up their counties' values.
NOT_ADDITIVE = ("population", "incidence")
ADDITIVE = tuple(f"{name}.{unit}" for name in ROLLUP_COUNTS for unit in ("persons", "households"))


def _ancestors(counties: list[str]) -> dict[str, int]:
    """{code: level} of the prefectures and provinces above `counties`. A code whose prefecture digits are zero
    (a province's own population mark) has no prefecture; a prefecture-level city without counties (东莞) has
    its townships straight under its prefecture."""
    found = {}
    for county in counties:
        found[county[:2].ljust(CODE_LENGTH, "0")] = Level.PROVINCE
        if county[2:4] != "00":
            found[county[:4].ljust(CODE_LENGTH, "0")] = Level.PREFECTURE
    return found


def _ancestors_resum(year: int, ancestors: dict[str, int], now) -> int:
    """Replace the rows of `ancestors` by sums, in SQL, of the county-level rows below them (and of the townships
    of prefecture-level cities without counties, whose county row is the city's own): exactly what a full
    recompute sums, since each is a sum over the same villages. Population and incidence are derived afterwards.
    Every condition is a code range on the rollup index (year, metric, level, area_code)."""
    table = connection.ops.quote_name(Rollup._meta.db_table)
    # Counties whose own digits are zero (东莞 441900): their rows are townships. Few, read from the fill state.
    cityless = sorted(county for county in SnapshotPartition.objects.filter(year=year).values_list(
        "county_code", flat=True) if county[4:6] == "00" and county[2:4] != "00")
    written = 0
    for level in (Level.PREFECTURE, Level.PROVINCE):
        codes = sorted(code for code, each in ancestors.items() if each == level)
        length = PREFIX_LENGTH[level]
        for chunk in chunked(codes, 200):
            prefixes = {code[:length] for code in chunk}
            counties = [code_range(prefix) for prefix in sorted(prefixes)]
            townships = [code_range(county) for county in cityless if county[:length] in prefixes]

            def ranges(bounds):
                return " OR ".join(["area_code BETWEEN %s AND %s"] * len(bounds)) or "FALSE"

            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (area_code, level, year, metric, breakdown, value, computed_at) "
                    f"SELECT substr(area_code, 1, {length}) || %s, %s, year, metric, breakdown, SUM(value), %s "
                    f"FROM {table} WHERE year = %s AND metric IN ({', '.join(['%s'] * len(ADDITIVE))}) "
                    f"AND ((level = %s AND ({ranges(counties)})) OR (level = %s AND ({ranges(townships)}))) "
                    f"GROUP BY substr(area_code, 1, {length}), year, metric, breakdown",
                    ["0" * (CODE_LENGTH - length), level, connection.ops.adapt_datetimefield_value(now), year,
                     *ADDITIVE, Level.COUNTY, *[b for pair in counties for b in pair], Level.TOWNSHIP,
                     *[b for pair in townships for b in pair]])
                written += cursor.rowcount
    # Population from the records (an ancestor's own figure wins over its parts), incidence from the re-summed
    # poor persons over it: the same arithmetic as the full recompute, on the same integers.
    poor = {code: int(value) for code, value in Rollup.objects.filter(
        year=year, area_code__in=list(ancestors), metric="poor.persons", breakdown="").values_list(
        "area_code", "value")}
    derived = []
    for province in sorted({code[:2] for code in ancestors}):
        for code, population in populations(year, StatsQuery(year=year, area=province)).items():
            if code not in ancestors or population is None:
                continue
            derived.append({"area_code": code, "level": ancestors[code], "year": year, "metric": "population",
                            "breakdown": "", "value": population, "computed_at": now})
            if population:
                derived.append({"area_code": code, "level": ancestors[code], "year": year, "metric": "incidence",
                                "breakdown": "", "value": poor.get(code, 0) / population, "computed_at": now})
    return written + insert_rows(Rollup, derived)


def _lock_rollups(year: int) -> None:
    """One rollup writer per year at a time on PostgreSQL (two would re-sum the same ancestors); SQLite's write
    lock already serialises them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, year])


ROLLUP_LOCK = 0x0F0B_0006  # the advisory lock class of rollup writers
# Above this share of a year's counties moved, recomputing the whole year is cheaper than county by county.
INCREMENTAL_MAX_SHARE = 0.5


def _year_recompute(runner, year: int) -> int:
    # The counters the rollups are computed from, read before their rows (a change meanwhile stays stale).
    marks = dict(SnapshotPartition.objects.filter(year=year).values_list("county_code", "mark"))
    rows = rollup_rows(runner, year)
    with transaction.atomic():
        _lock_rollups(year)
        Rollup.objects.filter(year=year).delete()
        written = insert_rows(Rollup, rows)
        _record_rollup_marks(year, marks)
        _record_rollup_year(year, rows[0]["computed_at"] if rows else None)
    return written


def _counties_recompute(runner, year: int, counties: list[str]) -> int:
    """The rollups of `counties` (their own areas) recomputed from their partitions, and their prefectures' and
    provinces' rows re-summed from county rows in SQL, in one transaction: the same rows as a full recompute."""
    marks = dict(SnapshotPartition.objects.filter(year=year, county_code__in=counties)
                 .values_list("county_code", "mark"))
    rows = rollup_rows(runner, year, counties)
    ancestors = _ancestors(counties)
    with transaction.atomic():
        _lock_rollups(year)
        inside = Rollup.objects.filter(year=year, level__gte=Level.COUNTY)
        for chunk in chunked(counties, 200):
            inside.filter(in_areas(chunk)).delete()
        written = insert_rows(Rollup, rows)
        Rollup.objects.filter(year=year, area_code__in=list(ancestors)).delete()
        now = rows[0]["computed_at"] if rows else timezone.now()
        written += _ancestors_resum(year, ancestors, now)
        _record_rollup_marks(year, marks)
        _record_rollup_year(year, now if Rollup.objects.filter(year=year).exists() else None)
    return written


def _record_rollup_marks(year: int, marks: dict[str, int]) -> None:
    by_mark: dict[int, list[str]] = {}
    for county, mark in marks.items():
        by_mark.setdefault(mark, []).append(county)
    for mark, counties in by_mark.items():
        for chunk in chunked(counties, 500):
            SnapshotPartition.objects.filter(year=year, county_code__in=chunk).update(rollup_mark=mark)


def _record_rollup_year(year: int, computed_at) -> None:
    """The year's entry in the list of rollup years: written at `computed_at`, or removed (None) when the year has
    no rollup rows left."""
    if computed_at is None:
        RollupYear.objects.filter(year=year).delete()
    else:
        RollupYear.objects.update_or_create(year=year, defaults={"computed_at": computed_at})


def in_areas(codes) -> Q:
    """The rollup rows of the areas inside `codes` (area-code prefixes), as code ranges: `area_code LIKE 'p%'`
    uses no index under PostgreSQL's usual non-C collations, a range does."""
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(area_code__range=code_range(code))
    return condition


def rollups_refresh(*, actor, full: bool = False, years: list[int] | None = None, engine: str | None = None,
                    on_progress=None) -> dict:
    """Fill the snapshot, then bring the rollups up to date: in a year where some county-years changed since their
    rollups were computed, only those counties' rows are recomputed and their ancestors re-summed; a year without
    rollups, with partitions removed, with most of its counties moved, or every year if `full`, is recomputed
    whole. Each year is written in one transaction. The rollups are computed on `engine`, by default
    `ANALYTICS_REFRESH_ENGINE` (spark: on the cluster of `ANALYTICS_SPARK_MASTER`)."""
    _require_nationwide(actor)
    started = timezone.now()
    fill = snapshot_fill(years=years, full=full, on_progress=on_progress)
    filled = timezone.now()
    partitions = SnapshotPartition.objects.all()
    if years:
        partitions = partitions.filter(year__in=years)
    known = set(SnapshotPartition.objects.values_list("year", flat=True))
    missing = known - set(RollupYear.objects.values_list("year", flat=True))
    moved: dict[int, list[str]] = {}
    if full:
        targets = set(years) if years else known
    else:
        frozen = set(FrozenSnapshot.objects.values_list("year", flat=True))
        for year, county in partitions.filter(rollup_mark__lt=F("mark")).values_list("year", "county_code"):
            if year not in frozen:
                moved.setdefault(year, []).append(county)
        targets = set(moved) | (missing & set(years or known))
    whole = targets if full else (missing | set(fill.removed_years))
    stale = set(RollupYear.objects.exclude(year__in=known).values_list("year", flat=True))
    runner = get_engine(engine or settings.ANALYTICS_REFRESH_ENGINE)
    written, by_county = 0, {}
    for year in sorted(targets):
        counties = sorted(moved.get(year, []))
        share = len(counties) / max(SnapshotPartition.objects.filter(year=year).count(), 1)
        if year in whole or not counties or share > INCREMENTAL_MAX_SHARE:
            written += _year_recompute(runner, year)
        else:
            written += _counties_recompute(runner, year, counties)
            by_county[str(year)] = len(counties)
    with transaction.atomic():
        Rollup.objects.filter(year__in=stale).delete()
        RollupYear.objects.filter(year__in=stale).delete()
        summary = {**fill.as_dict(), "rollup_years": sorted(targets), "rollup_rows": written,
                   "rollup_counties": by_county,
                   "snapshot_seconds": round((filled - started).total_seconds(), 3),
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
