"""贫困发生率: registered poor persons at year end over the rural registered population of the area (AreaYear).

An area's population is its own AreaYear figure when one is recorded; otherwise the sum of the nearest recorded
figures below it (so a province without its own figure adds up its counties, and a county with one is not
counted again through its villages).

By a breakdown (`--by`): by ethnic group, each group's poor over that group's own rural population
(AreaEthnicPopulation, summed up the same way; `share_of: "group"`), the incidence the seeds report for 直过民族;
the other breakdowns (sex, age band, cause …) have no population of their own recorded, so each row is the group's
poor over the area's whole population (`share_of: "area"`): its part of the area's incidence, the parts adding up
to the whole. A group without a recorded population has no incidence (null), never a ratio over a guess."""

from collections.abc import Callable, Hashable

from django.utils.translation import gettext_lazy as _

from fupin.areas.models import AreaEthnicPopulation, AreaYear
from fupin.core.areacodes import ancestor_codes, level_of

from .base import Metric, StatsQuery, area_names, area_rows, area_sums, register, sort_rows
from .counts import Poor


def _summed_up(explicit: dict[Hashable, int], code_of: Callable[[Hashable], str],
               with_code: Callable[[Hashable, str], Hashable]) -> dict[Hashable, int]:
    """Recorded figures, and for every ancestor without its own the sum of the nearest recorded ones below it."""
    total = dict(explicit)
    derived: dict[Hashable, int] = {}
    chains: dict[str, list[str]] = {}  # a village's ancestors, nearest first, shared by its neighbours
    for key, value in explicit.items():
        code = code_of(key)
        parent = code[:9] if code[9:] != "000" else None
        chain = chains.get(parent) if parent else None
        if chain is None:
            chain = list(reversed(ancestor_codes(code, level_of(code))))
            if parent:
                chains[parent] = chain
        for ancestor in chain:
            if with_code(key, ancestor) in explicit:
                break
            derived[with_code(key, ancestor)] = derived.get(with_code(key, ancestor), 0) + value
    total.update(derived)
    return total


def populations(year: int, query: StatsQuery) -> dict[str, int]:
    recorded = AreaYear.objects.filter(year=year)
    if query.area:
        recorded = recorded.filter(area__code__startswith=query.area)
    explicit = dict(recorded.values_list("area_id", "rural_population").iterator(chunk_size=50000))
    return _summed_up(explicit, lambda code: code, lambda _key, ancestor: ancestor)


def ethnic_populations(year: int, query: StatsQuery) -> dict[tuple[str, str], int]:
    """(area code, ethnic group) → the group's rural population there."""
    recorded = AreaEthnicPopulation.objects.filter(year=year)
    if query.area:
        recorded = recorded.filter(area__code__startswith=query.area)
    explicit = {(code, group): value for code, group, value in
                recorded.values_list("area_id", "ethnicity", "rural_population").iterator(chunk_size=50000)}
    return _summed_up(explicit, lambda key: key[0], lambda key, ancestor: (ancestor, key[1]))


@register
class Incidence(Metric):
    name = "incidence"
    label = _("poverty incidence (贫困发生率)")
    columns = ("code", "name", "level", "year", "population", "poor", "incidence")

    def compute(self, engine, query: StatsQuery) -> list[dict]:
        table = self.facts(engine, query)
        table = table.filter(Poor().condition(table, query.year))
        counted = area_rows(engine, query, area_sums(table, query, {"persons": lambda t: t.count()}))
        if query.by:
            return self._by_group(query, counted)
        poor = {row["code"]: (row["level"], int(row["persons"])) for row in counted}
        population = self._shown(query, populations(query.year, query), lambda code: code)
        codes = set(poor) | set(population)
        names = area_names(codes)
        rows = []
        for code in codes:
            level, persons = poor.get(code) or (level_of(code), 0)
            rows.append(self._row(code, names, level, query.year, population.get(code), persons))
        return sort_rows(rows)

    @staticmethod
    def _shown(query: StatsQuery, figures: dict, code_of) -> dict:
        """The population figures of the areas the query shows (its levels, the actor's grants)."""
        if query.level is None and query.prefixes is None and not (query.area and len(query.levels) < 5):
            return figures
        levels = set(query.levels)
        return {key: value for key, value in figures.items()
                if level_of(code_of(key)) in levels and query.visible(code_of(key))}

    @staticmethod
    def _row(code: str, names: dict, level: int, year: int, denominator: int | None, persons: int) -> dict:
        return {"code": code, "name": names.get(code, ""), "level": level, "year": year, "population": denominator,
                "poor": persons, "incidence": persons / denominator if denominator else None}

    def _by_group(self, query: StatsQuery, counted: list[dict]) -> list[dict]:
        poor = {(row["code"], row["by"]): (row["level"], int(row["persons"])) for row in counted}
        if query.by == "ethnicity":
            share_of = "group"
            population = self._shown(query, ethnic_populations(query.year, query), lambda key: key[0])
            keys = set(poor) | set(population)
        else:
            share_of = "area"
            areas = populations(query.year, query)
            population = {key: areas.get(key[0]) for key in poor}
            keys = set(poor)
        names = area_names({code for code, _group in keys})
        rows = []
        for code, group in keys:
            level, persons = poor.get((code, group)) or (level_of(code), 0)
            row = self._row(code, names, level, query.year, population.get((code, group)), persons)
            rows.append({**row, "by": group, "share_of": share_of})
        return sort_rows(rows)
