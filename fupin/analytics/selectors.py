"""Statistics as the CLI, the API and the web pages ask for them, scoped to the areas the actor may see."""

from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can, reach
from fupin.areas.selectors import area_by_code
from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH, code_range, level_of, normalise_code
from fupin.core.errors import PermissionDenied, ValidationFailed

from .engines import get_engine
from .metrics import REGISTRY, StatsQuery, get_metric
from .metrics.base import BREAKDOWNS

METRICS_WITHOUT_BREAKDOWN = {"measures", "mpi", "diff", "east_west"}


def significant_prefix(code: str) -> str:
    padded = normalise_code(code)
    return padded[: PREFIX_LENGTH[level_of(padded)]]


def stats_query(*, actor, year: int, area_code: str | None = None, level: int | None = None,
                by: str | None = None, line=None, k=None) -> StatsQuery:
    """A StatsQuery the actor may ask: the area must lie in their grants; without one, their grants are the scope."""
    granted = reach(actor, Action.VIEW)
    prefix = None
    if area_code:
        try:
            prefix = significant_prefix(area_code)
        except ValueError:
            raise ValidationFailed(_("%(code)s is not an area code."), field="area", code=area_code) from None
        area_by_code(prefix.ljust(CODE_LENGTH, "0"))  # NotFound for an unknown code
        if not can(actor, Action.VIEW, prefix.ljust(CODE_LENGTH, "0")):
            raise PermissionDenied()
    elif granted.nowhere:
        raise PermissionDenied()
    if by is not None and by not in BREAKDOWNS:
        raise ValidationFailed(_("Unknown breakdown %(by)s."), field="by", by=by)
    return StatsQuery(year=year, area=prefix, level=level, by=by, line=line, k=k,
                      prefixes=granted.code_prefixes(), actor=actor)


def stats(*, actor, metric: str, year: int, engine: str = "duckdb", area_code: str | None = None,
          level: int | None = None, by: str | None = None, line=None, k=None):
    """The result of a metric: a list of area rows, or one dict for whole-area measures."""
    return stats_answer(actor=actor, metric=metric, year=year, engine=engine, area_code=area_code, level=level,
                        by=by, line=line, k=k)[0]


def stats_answer(*, actor, metric: str, year: int, engine: str = "duckdb", area_code: str | None = None,
                 level: int | None = None, by: str | None = None, line=None, k=None) -> tuple[object, str]:
    """The result of a metric and what answered it. `engine="rollups"` reads the refresh's precomputed rows when
    they hold the answer and are fresh for the asked areas and year (no change since they were computed), and
    computes on the snapshot (`duckdb`) otherwise: a rollup is never passed off as current after a change."""
    if metric not in REGISTRY:
        raise ValidationFailed(_("Unknown metric %(metric)s."), field="metric", metric=metric)
    if by and metric in METRICS_WITHOUT_BREAKDOWN:
        raise ValidationFailed(_("%(metric)s has no breakdowns."), field="by", metric=metric)
    query = stats_query(actor=actor, year=year, area_code=area_code, level=level, by=by, line=line, k=k)
    if engine == ROLLUPS:
        rows = _stats_from_rollups(metric, query)
        if rows is not None:
            return rows, ROLLUPS
        engine = "duckdb"
    return get_metric(metric).compute(get_engine(engine), query), engine


ROLLUPS = "rollups"


def _stats_from_rollups(metric: str, query: StatsQuery) -> list[dict] | None:
    """The rows a count metric or incidence would compute, read from the rollups; None when they cannot answer:
    a breakdown (rollups keep persons only, and only down to townships), a measure's own line or cutoff, a year
    never refreshed, or a change since the refresh in the asked areas."""
    from .metrics.counts import ROLLUP_COUNTS

    if query.by or query.line is not None or query.k is not None:
        return None
    if metric == "incidence":
        wanted = ("poor.persons", "population")
    elif metric in ROLLUP_COUNTS:
        wanted = (f"{metric}.persons", f"{metric}.households")
    else:
        return None
    freshness = rollups_freshness(prefixes=[query.area] if query.area else query.prefixes, years=[query.year])
    if freshness["as_of"] is None or freshness["refreshing"]:
        return None
    found = [row for row in _paired_rollups(query, wanted) if query.visible(row[0])]
    rows = []
    for code, level, first, second, name in found:
        if metric == "incidence":
            poor = first or 0
            population = second
            rows.append({"code": code, "name": name or "", "level": level, "year": query.year,
                         "population": population, "poor": poor,
                         "incidence": poor / population if population else None})
        else:
            rows.append({"code": code, "name": name or "", "level": level, "year": query.year,
                         "households": second or 0, "persons": first or 0})
    return rows


def _paired_rollups(query: StatsQuery, wanted: tuple[str, str]) -> list[tuple]:
    """(code, level, first, second, name) of every area the query asks, by level and code (as `sort_rows` orders a
    metric's rows), its two `wanted` figures (whole numbers) paired and its name joined by the database: a country
    down to its villages is 1.3 M rollup rows, which become 665,000 tuples without a Python conversion of each value
    or a second read for the names."""
    from fupin.areas.models import Area

    from .models import Rollup

    levels = list(query.levels)
    if not levels:
        return []
    conditions = [f"r.level IN ({', '.join(['%s'] * len(levels))})"]
    params = [wanted[0], wanted[1], query.year, *wanted, *levels]
    if query.area:
        conditions.append("r.area_code BETWEEN %s AND %s")
        params += code_range(query.area)
    qn = connection.ops.quote_name
    sql = (f"SELECT r.area_code, r.level, CAST(MAX(CASE WHEN r.metric = %s THEN r.value END) AS BIGINT), "
           f"CAST(MAX(CASE WHEN r.metric = %s THEN r.value END) AS BIGINT), a.name "
           f"FROM {qn(Rollup._meta.db_table)} r LEFT JOIN {qn(Area._meta.db_table)} a ON a.code = r.area_code "
           f"WHERE r.year = %s AND r.breakdown = '' AND r.metric IN (%s, %s) AND {' AND '.join(conditions)} "
           f"GROUP BY r.area_code, r.level, a.name ORDER BY r.level, r.area_code")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


HEADLINE_METRICS = ("poor.persons", "poor.households", "registered.persons", "exits.persons", "returns.persons",
                    "new.persons", "monitored.persons", "population", "incidence")
DASHBOARD_BREAKDOWNS = ("cause", "attribute", "ethnicity", "age_band")


def dashboard(*, actor, area_code: str | None = None, year: int | None = None) -> dict:
    """What an area's dashboard shows, read from the rollups only (milliseconds on either database): headline
    figures of the year, the trend over every year held, the next level's areas and the breakdowns."""
    from fupin.areas.models import Area
    from fupin.core.areacodes import Level

    from .metrics.base import breakdown_label
    from .models import Rollup, RollupYear

    query = stats_query(actor=actor, year=year or 0, area_code=area_code)
    years = list(RollupYear.objects.values_list("year", flat=True))
    if not years:
        return {"years": [], "area": None}
    year = year if year in years else years[-1]
    if query.area:
        area = Area.objects.get(code=query.area.ljust(CODE_LENGTH, "0"))
        codes, child_level = [area.code], area.level + 1
    else:
        area, child_level = None, Level.PROVINCE
        # Through the lookup index (year, metric, level, area_code): every province with figures has these.
        codes = sorted(Rollup.objects.filter(year=year, metric__in=HEADLINE_METRICS, level=Level.PROVINCE,
                                             breakdown="").values_list("area_code", flat=True).distinct())
        codes = [code for code in codes if query.visible(code)]
    rollups = Rollup.objects.filter(area_code__in=codes, breakdown="")

    def total(rows, metric):
        values = [row.value for row in rows if row.metric == metric]
        return sum(values) if values else None

    headline = {}
    this_year = [row for row in rollups if row.year == year]
    for metric in HEADLINE_METRICS:
        headline[metric] = total(this_year, metric)
    if area is None and headline["population"]:  # the country (or the user's provinces) as one total
        headline["incidence"] = headline["poor.persons"] / headline["population"]
    trend = []
    for each in years:
        rows = [row for row in rollups if row.year == each]
        poor, population = total(rows, "poor.persons"), total(rows, "population")
        trend.append({"year": each, "poor": poor, "population": population,
                      "incidence": (poor / population) if poor is not None and population else None,
                      "exits": total(rows, "exits.persons"), "returns": total(rows, "returns.persons")})
    children = []
    if child_level <= Level.VILLAGE:
        rows = Rollup.objects.filter(year=year, level=child_level, breakdown="",
                                     metric__in=("poor.persons", "population", "incidence"))
        if query.area:
            rows = rows.filter(area_code__range=code_range(query.area))
        by_code: dict[str, dict] = {}
        for row in rows:
            if query.visible(row.area_code):
                by_code.setdefault(row.area_code, {})[row.metric] = row.value
        names = dict(Area.objects.filter(code__in=list(by_code)).values_list("code", "name"))
        children = sorted(({"code": code, "name": names.get(code, code), "poor": values.get("poor.persons"),
                            "population": values.get("population"), "incidence": values.get("incidence")}
                           for code, values in by_code.items()), key=lambda item: item["code"])
    freshness = rollups_freshness(prefixes=[query.area] if query.area else query.prefixes, years=[year])
    breakdowns = {}
    for by in DASHBOARD_BREAKDOWNS:
        rows = Rollup.objects.filter(year=year, area_code__in=codes, metric="poor.persons",
                                     breakdown__startswith=f"{by}:")
        counts: dict[str, float] = {}
        for row in rows:
            key = row.breakdown.split(":", 1)[1]
            counts[key] = counts.get(key, 0) + row.value
        breakdowns[by] = sorted(({"key": key, "label": breakdown_label(by, key) or "—", "persons": value}
                                 for key, value in counts.items()), key=lambda item: -item["persons"])
    return {"area": area, "year": year, "years": years, "headline": headline, "trend": trend,
            "children": children, "child_level": child_level, "breakdowns": breakdowns, **freshness}


def rollups_freshness(*, prefixes, years: list[int]) -> dict:
    """When the rollups of these areas and years were computed (`as_of`) and whether a change has come since
    (`refreshing`: a refresh is queued, and pages say the figures are being refreshed instead of passing them off
    as current). A frozen year never moves (`frozen`)."""
    from fupin.core.changes import change_versions, in_counties

    from .extract import WriteLockBusy, write_lock
    from .models import FrozenSnapshot, RollupYear, SnapshotPartition
    from .signals import refresh_queue

    frozen = set(FrozenSnapshot.objects.filter(year__in=years).values_list("year", flat=True))
    live = [year for year in years if year not in frozen]
    partitions = SnapshotPartition.objects.filter(year__in=live)
    if prefixes:
        partitions = partitions.filter(in_counties(prefixes))
    computed = {(county, year): mark for county, year, mark in partitions.values_list(
        "county_code", "year", "rollup_mark")}
    marks = change_versions(years=live, prefixes=list(prefixes) if prefixes else None)
    refreshing = any(computed.get(key, -1) < version for key, version in marks.items())
    if refreshing:
        try:
            with write_lock(wait=False):
                refresh_queue()
        except WriteLockBusy:
            pass  # a page never waits for SQLite's write lock: its holder queues a refresh when it commits
    as_of = RollupYear.objects.filter(year__in=years).aggregate(at=Max("computed_at"))["at"]
    return {"as_of": as_of, "refreshing": refreshing, "frozen": bool(frozen)}
