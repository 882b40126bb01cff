"""The thresholds of the categories' tests for a year and a county, from the Parameter rows (amounts or formulas)
with the most local row winning (county, then province, then national) and each value's provenance: the row's
place, formula, source and certainty flag. The monitoring range falls back to the rules' 监测范围
(rules.MonitoringThreshold) where no parameter sets it, so one range serves the warnings and this register."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ValidationFailed
from fupin.rules.models import MonitoringThreshold

from . import formulas
from .models import Parameter

PREVIOUS_YEAR = "_prev_year"  # `<code>_prev_year` in a formula reads last year's value of <code>
# The thresholds the tests read (reevaluation.RULES says how).
THRESHOLDS = ("dibao_line", "edge_line", "rigid_income_line", "rigid_spending_share", "monitoring_line")


@dataclass(frozen=True)
class Value:
    code: str
    year: int
    amount: Decimal
    place: str  # the county, the province code or "" (national) whose row gave it
    formula: str = ""
    certainty: str = ""
    source: str = ""
    inputs: tuple = field(default=())  # the Values a formula read

    def provenance(self) -> dict:
        return {"code": self.code, "year": self.year, "amount": str(self.amount), "place": self.place or "CN",
                "formula": self.formula, "certainty": self.certainty, "source": self.source,
                "inputs": [value.provenance() for value in self.inputs]}


def _rank(row: Parameter) -> int:
    return 2 if row.county_code else 1 if row.province_code else 0


class Resolver:
    """Values for one county and year, evaluated on demand from rows read once."""

    def __init__(self, rows: Iterable[Parameter], monitoring: dict, *, year: int, county_code: str):
        self.year, self.county = year, county_code
        self.rows: dict[tuple[str, int], Parameter] = {}
        for row in rows:
            if row.county_code not in ("", county_code) or row.province_code not in ("", county_code[:2]):
                continue
            key = (row.code, row.year)
            if key not in self.rows or _rank(row) > _rank(self.rows[key]):
                self.rows[key] = row
        self.monitoring = monitoring  # (year, province code) → MonitoringThreshold
        self.values: dict[tuple[str, int], Value] = {}

    def value(self, code: str, year: int | None = None, _stack: tuple = ()) -> Value:
        year = self.year if year is None else year
        if code.endswith(PREVIOUS_YEAR):
            code, year = code[: -len(PREVIOUS_YEAR)], year - 1
        key = (code, year)
        if key in self.values:
            return self.values[key]
        if key in _stack:
            raise ValidationFailed(_("The parameters %(code)s refer to each other in a circle."), field="formula",
                                   code=" → ".join(f"{name}/{when}" for name, when in (*_stack, key)))
        row = self.rows.get(key)
        if row is None:
            found = self._monitoring_range(code, year)
        elif row.formula:
            inputs = tuple(self.value(name, year, (*_stack, key)) for name in formulas.names(row.formula))
            by_name = dict(zip(formulas.names(row.formula), inputs, strict=True))
            amount = formulas.evaluate(row.formula, lambda name: by_name[name].amount)
            found = Value(code, year, amount, row.county_code or row.province_code, row.formula, row.certainty,
                          row.source, inputs)
        else:
            found = Value(code, year, row.amount, row.county_code or row.province_code, "", row.certainty,
                          row.source)
        self.values[key] = found
        return found

    def _monitoring_range(self, code: str, year: int) -> Value:
        threshold = None
        if code == "monitoring_line":
            threshold = self.monitoring.get((year, self.county[:2])) or self.monitoring.get((year, ""))
        if threshold is None:
            raise ValidationFailed(_("No value of the parameter %(code)s is set for %(year)s in county %(county)s."),
                                   field="code", code=code, year=year, county=self.county)
        return Value(code, year, threshold.amount, threshold.province_code, "", threshold.certainty,
                     f"rules.MonitoringThreshold: {threshold.source}")


def resolvers(year: int, county_codes: Iterable[str]) -> dict[str, Resolver]:
    """A Resolver per county, from two queries whatever the number of counties."""
    counties = sorted(set(county_codes))
    provinces = {code[:2] for code in counties}
    rows = list(Parameter.objects.filter(
        Q(county_code="") | Q(county_code__in=counties), Q(province_code="") | Q(province_code__in=provinces),
        year__in=[year, year - 1, year - 2]))
    monitoring = {(row.year, row.province_code): row for row in MonitoringThreshold.objects.filter(
        year__in=[year, year - 1], province_code__in=["", *provinces])}
    return {county: Resolver(rows, monitoring, year=year, county_code=county) for county in counties}


def thresholds(year: int, county_code: str) -> dict[str, Value]:
    """Every threshold of the tests for the county and year (refused, naming it, when one is not set)."""
    resolver = resolvers(year, [county_code])[county_code]
    return {code: resolver.value(code) for code in THRESHOLDS}
