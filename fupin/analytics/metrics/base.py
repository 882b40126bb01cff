"""What every metric shares: the question asked (StatsQuery), the registry, and the area rollup.

Area figures are computed in two stages inside the engine: the fact rows are grouped once by the village code
(one pass over the big table), and that small village-level result is summed up to each asked level, whose code
is a prefix of the village's. Both stages
are one Ibis expression, so every engine runs the same plan.
"""

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass

import ibis

from fupin.areas.models import Area
from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH, Level, level_of
from fupin.core.codelists import ETHNICITY
from fupin.core.sql import chunked
from fupin.registry import codelists as cl

REGISTRY: dict[str, "Metric"] = {}
AGE_BANDS = (("0-15", 16), ("16-29", 30), ("30-44", 45), ("45-59", 60), ("60-69", 70))


def _age_band(t):
    """Age at the end of the year in bands; "" when the birth date is unknown."""
    return ibis.cases((t.age.isnull(), ""), *[(t.age < upper, label) for label, upper in AGE_BANDS], else_="70+")


# Breakdown dimensions: how to read each from the fact table, and its code list for labels.
BREAKDOWNS = {
    "ethnicity": (lambda t: t.ethnicity, ETHNICITY),
    "attribute": (lambda t: t.attribute, cl.HOUSEHOLD_ATTRIBUTE),
    "cause": (lambda t: t.main_cause, cl.CAUSE),
    "sex": (lambda t: t.sex, cl.SEX),
    "age_band": (_age_band, None),
    "labour": (lambda t: t.labour, cl.LABOUR),
    "health": (lambda t: t.health, cl.HEALTH),
    "status": (lambda t: t.status, cl.STATUS),
}


@dataclass(frozen=True)
class StatsQuery:
    year: int
    area: str | None = None  # the area's significant prefix (2–12 digits); None: everything the actor sees
    level: int | None = None  # only this level; None: the area's own level and every level below
    by: str | None = None  # a key of BREAKDOWNS
    line: float | None = None  # poverty line in yuan (measures); None: the year's line
    k: float | None = None  # Alkire–Foster cutoff
    prefixes: tuple[str, ...] | None = None  # granted subtrees; None: nationwide
    start: datetime.date | None = None  # period metrics (cooperation): default the whole year
    end: datetime.date | None = None
    actor: object = None  # for metrics that read scoped records themselves
    deepest: int | None = None  # stop at this level (rollups keep breakdowns down to townships only)
    shallowest: int | None = None  # start at this level without an area (a county's own rollups start at counties)

    @property
    def levels(self) -> list[int]:
        top = level_of(self.area.ljust(CODE_LENGTH, "0")) if self.area else (self.shallowest or Level.PROVINCE)
        if self.level:
            return [self.level] if self.level >= top else []
        return list(range(top, (self.deepest or Level.VILLAGE) + 1))

    def visible(self, code: str) -> bool:
        """Whether a result row for this area may be shown (whole areas only: a county user does not get a
        partial province total)."""
        if self.area and not code.startswith(self.area):
            return False
        return self.prefixes is None or any(code.startswith(prefix) for prefix in self.prefixes)


class Metric(ABC):
    name = ""
    label = ""
    # The keys of each result row, in order (the CLI's csv/table columns).
    columns: tuple[str, ...] = ()
    area_rows = True  # rows per area (rollups store them); False: one result for the asked area

    @abstractmethod
    def compute(self, engine, query: StatsQuery):
        """The metric's result for the query: a list of area rows, or one dict."""

    def facts(self, engine, query: StatsQuery, years: list[int] | None = None):
        return engine.facts(years or [query.year], prefixes=_scan_prefixes(query))


def _scan_prefixes(query: StatsQuery) -> list[str] | None:
    if query.area:
        return [query.area]
    return list(query.prefixes) if query.prefixes is not None else None


def register(cls):
    REGISTRY[cls.name] = cls()
    return cls


def get_metric(name: str) -> Metric:
    return REGISTRY[name]


def breakdown_expression(table, by: str | None):
    if by is None:
        return None
    return BREAKDOWNS[by][0](table).name("by")


def area_sums(table, query: StatsQuery, measures: dict) -> ibis.Table:
    """`measures` (name → aggregate over the fact rows of one village) summed up to every asked level.

    The result has columns code, level, [by], and one column per measure.
    """
    by = breakdown_expression(table, query.by)
    # Stage 1 groups the big table by the village code alone (one short key hashes fastest); stage 2 derives
    # every other level's code from it on the small result.
    keys = [table.village] + ([by] if by is not None else [])
    villages = table.group_by(keys).aggregate(**{name: make(table) for name, make in measures.items()})
    parts = []
    for level in query.levels:
        length = PREFIX_LENGTH[level]
        code = villages.village if level == Level.VILLAGE else (
            villages.village.substr(0, length) + ibis.literal("0" * (CODE_LENGTH - length)))
        group = [code.name("code")] + ([villages.by] if by is not None else [])
        part = villages.group_by(group).aggregate(**{name: villages[name].sum() for name in measures})
        parts.append(part.mutate(level=ibis.literal(level, type="int32")))
    if not parts:
        return None
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


PERSONS_AND_HOUSEHOLDS = {"persons": lambda t: t.count(), "households": lambda t: t.household_id.nunique()}


def area_rows(engine, query: StatsQuery, expr) -> list[dict]:
    """Execute an `area_sums` expression and keep the rows the query may show (whole, visible areas)."""
    if expr is None:
        return []
    rows = []
    for row in engine.records(expr):
        code, level = row["code"], row["level"]
        # A prefecture-level city without counties (东莞 4419) pads to its own code at county level: one row.
        if level > Level.PROVINCE and not code[PREFIX_LENGTH[level - 1]:PREFIX_LENGTH[level]].strip("0"):
            continue
        if query.visible(code):
            rows.append(row)
    return rows


def area_names(codes) -> dict[str, str]:
    """Names of the areas with these codes. Many codes (a province down to its villages) are read as the code
    ranges they span — one index range scan instead of thousands of IN parameters."""
    wanted = set(codes)
    if len(wanted) <= 2000:
        names = {}
        for chunk in chunked(sorted(wanted), 1000):
            names.update(Area.objects.filter(code__in=chunk).values_list("code", "name"))
        return names
    provinces = sorted({code[:2] for code in wanted})
    names = {}
    for province in provinces:
        rows = Area.objects.filter(code__gte=province.ljust(12, "0"), code__lte=province.ljust(12, "9"))
        names.update((code, name) for code, name in rows.values_list("code", "name").iterator(chunk_size=50000)
                     if code in wanted)
    return names


def breakdown_label(by: str, value: str) -> str:
    codes = BREAKDOWNS[by][1]
    if codes is None or not value:
        return value
    return codes.label(value) if value in codes.values else value


def sort_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["level"], r["code"], str(r.get("by", ""))))



class CardMetric(Metric):
    """A card of operational records (assistance, funds, projects, personnel) as a metric: the query's year and
    area go to the app's figures function, whose figures come back as key/value rows with their provenance."""

    columns = ("key", "value")
    area_rows = False

    @staticmethod
    @abstractmethod
    def figures(*, actor, area_code: str, year: int) -> list[dict]:
        """The app's figures for the area and year."""

    def compute(self, engine, query: StatsQuery) -> dict:
        return {"area": query.area or "", "year": query.year,
                "figures": self.figures(actor=query.actor, area_code=query.area or "", year=query.year)}
