"""Income poverty measures (FGT family, Watts, Sen) and the Gini coefficient over the persons of an area.

Persons weighted: every member counts once with the per-capita net income of their household. The engine
reduces the area to its income distribution (distinct incomes in fen with the number of persons at each), an exact
integer table; measures.py finishes the arithmetic identically for every engine."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ValidationFailed
from fupin.rules.policy import YearPolicy

from ..measures import income_measures
from .base import Metric, StatsQuery, register


def income_distribution(engine, table, *, income="income_pc_fen", weight=None) -> tuple[list, list]:
    """(incomes, weights) of a table, grouped by income inside the engine."""
    total = table[weight].sum() if weight else table.count()
    expr = table.group_by(table[income].name("income")).aggregate(weight=total).order_by("income")
    result = engine.run(expr)
    return result.column("income").to_pylist(), result.column("weight").to_pylist()


def query_line(query: StatsQuery) -> Decimal:
    """The line asked for, else the year's poverty line for the area's province (the national line where the
    province sets none)."""
    if query.line is not None:
        return Decimal(str(query.line))
    line = YearPolicy.load(query.year).line((query.area or "")[:2])
    if line is None:
        raise ValidationFailed(_("No poverty line is set for %(year)s here; give one."), field="line",
                               year=query.year)
    return line


@register
class IncomeMeasures(Metric):
    name = "measures"
    label = _("income poverty measures")
    columns = ("H", "PG", "FGT2", "Watts", "Watts_excluded", "Sen", "Sen_large_sample", "Gini", "n", "line")
    area_rows = False

    def compute(self, engine, query: StatsQuery) -> dict:
        line = query_line(query)
        table = self.facts(engine, query)
        table = table.filter(table.income_pc_fen.notnull())
        incomes, weights = income_distribution(engine, table)
        result = income_measures(incomes, float(line * 100), weights).as_dict()
        result["line"] = float(line)
        return result
