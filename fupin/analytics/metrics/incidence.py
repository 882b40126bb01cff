"""贫困发生率: registered poor persons at year end over the rural registered population of the area (AreaYear).

An area's population is its own AreaYear figure when one is recorded; otherwise the sum of the nearest recorded
figures below it (so a province without its own figure adds up its counties, and a county with one is not
counted again through its villages)."""

from django.utils.translation import gettext_lazy as _

from fupin.areas.codes import ancestor_codes, level_of
from fupin.areas.models import AreaYear

from .base import Metric, StatsQuery, area_names, area_rows, area_sums, register, sort_rows
from .counts import Poor


def populations(year: int, query: StatsQuery) -> dict[str, int]:
    recorded = AreaYear.objects.filter(year=year)
    if query.area:
        recorded = recorded.filter(area__code__startswith=query.area)
    explicit = dict(recorded.values_list("area_id", "rural_population").iterator(chunk_size=50000))
    total = dict(explicit)
    derived: dict[str, int] = {}
    chains: dict[str, list[str]] = {}  # a village's ancestors, nearest first, shared by its neighbours
    for code, value in explicit.items():
        parent = code[:9] if code[9:] != "000" else None
        chain = chains.get(parent) if parent else None
        if chain is None:
            chain = list(reversed(ancestor_codes(code, level_of(code))))
            if parent:
                chains[parent] = chain
        for ancestor in chain:
            if ancestor in explicit:
                break
            derived[ancestor] = derived.get(ancestor, 0) + value
    total.update(derived)
    return total


@register
class Incidence(Metric):
    name = "incidence"
    label = _("poverty incidence (贫困发生率)")
    columns = ("code", "name", "level", "year", "population", "poor", "incidence")

    def compute(self, engine, query: StatsQuery) -> list[dict]:
        table = self.facts(engine, query)
        table = table.filter(Poor().condition(table, query.year))
        counted = area_rows(engine, query, area_sums(table, query, {"persons": lambda t: t.count()}))
        poor = {row["code"]: (row["level"], int(row["persons"])) for row in counted}
        population = populations(query.year, query)
        if query.level is not None or query.prefixes is not None or (query.area and len(query.levels) < 5):
            levels = set(query.levels)
            population = {code: value for code, value in population.items()
                          if level_of(code) in levels and query.visible(code)}
        codes = set(poor) | set(population)
        names = area_names(codes)
        rows = []
        for code in codes:
            level, persons = poor.get(code) or (level_of(code), 0)
            denominator = population.get(code)
            rows.append({"code": code, "name": names.get(code, ""), "level": level, "year": query.year,
                         "population": denominator, "poor": persons,
                         "incidence": persons / denominator if denominator else None})
        return sort_rows(rows)
