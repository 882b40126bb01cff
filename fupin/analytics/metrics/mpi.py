"""Multidimensional poverty by Alkire–Foster over dimensions defined as data (data/mpi_dimensions.json).

The engine computes, over the persons whose weighted deprivation count reaches k, exact sums per dimension (the
censored headcount, and for a cardinal dimension the sums of gaps and squared gaps to its cutoff); measures.py
turns them into H, A, M0, M1 and M2. A person whose household lacks any dimension's value is left out (AF needs
complete profiles) and counted as `incomplete`."""

import json
from dataclasses import dataclass
from pathlib import Path

import ibis
from django.utils.translation import gettext_lazy as _

from fupin.core.codelists import localized

from ..measures import alkire_foster_from_sums
from .base import Metric, StatsQuery, register
from .income import query_line

DIMENSIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "mpi_dimensions.json"


@dataclass(frozen=True)
class Dimension:
    id: str
    column: str
    deprived_when: str  # "false", "true", "below" (cutoff) or "below_line" (the year's line, in fen)
    weight: int = 1
    cutoff: float | None = None
    zh: str = ""
    en: str = ""

    @property
    def cardinal(self) -> bool:
        return self.deprived_when in ("below", "below_line")

    def label(self) -> str:
        return localized(self.zh or self.id, self.en or self.id)


def household_dimensions() -> list[Dimension]:
    data = json.loads(DIMENSIONS_FILE.read_text(encoding="utf-8"))
    return [Dimension(**item) for item in data["dimensions"]]


def _deprived(table, dimension: Dimension, cutoff):
    value = table[dimension.column]
    if dimension.deprived_when == "false":
        return value == ibis.literal(False)
    if dimension.deprived_when == "true":
        return value == ibis.literal(True)
    return value < cutoff


def af_sums(engine, table, dimensions: list[Dimension], k: float, *, person_weight: str | None = None) -> dict:
    """Exact AF sums over `table` (one row per person, or per unit with `person_weight`)."""
    cutoffs = {d.id: d.cutoff for d in dimensions}
    complete = ibis.literal(True)
    for dimension in dimensions:
        complete &= table[dimension.column].notnull()

    def total(t, value=None, where=None):
        """Σ person weight × value (value 1 when None) over the rows where `where` holds."""
        weight = t[person_weight].cast("int64") if person_weight else None
        if value is None:
            return weight.sum(where=where) if weight is not None else t.count(where=where)
        return (value * weight if weight is not None else value).sum(where=where)

    missing = table.filter(~complete)
    incomplete = engine.run(missing.aggregate(n=total(missing))).column("n")[0].as_py()
    table = table.filter(complete)
    # (PostgreSQL casts a boolean to int4 only; a CASE gives int64 on every engine.)
    flags = {d.id: ibis.ifelse(_deprived(table, d, cutoffs[d.id]), 1, 0).cast("int64") for d in dimensions}
    count = sum((flags[d.id] * d.weight for d in dimensions), ibis.literal(0, type="int64"))
    total_weight = sum(d.weight for d in dimensions)
    poor = count * len(dimensions) >= ibis.literal(k) * total_weight
    aggregates = {"n": total(table), "q": total(table, where=poor)}
    for d in dimensions:
        aggregates[f"h_{d.id}"] = total(table, flags[d.id], poor)
        if d.cardinal:
            cutoff = cutoffs[d.id]
            # An integral cutoff (a line in fen) keeps the gap sums in integers: exact on every engine.
            cutoff = ibis.literal(int(cutoff)) if float(cutoff).is_integer() else ibis.literal(cutoff)
            gap = (cutoff - table[d.column]) * flags[d.id]
            aggregates[f"g1_{d.id}"] = total(table, gap, poor)
            aggregates[f"g2_{d.id}"] = total(table, gap * gap, poor)
    sums = engine.run(table.aggregate(**aggregates)).to_pylist()[0]
    sums = {key: (value or 0) for key, value in sums.items()}
    sums["incomplete"] = incomplete or 0
    return sums


def af_measures(sums: dict, dimensions: list[Dimension], k: float) -> dict:
    d = len(dimensions)
    scale = d / sum(dim.weight for dim in dimensions)  # weights normalised to sum to the number of dimensions
    deprivation = gaps = squares = 0.0
    for dim in dimensions:
        weight = dim.weight * scale
        headcount = float(sums[f"h_{dim.id}"])
        deprivation += weight * headcount
        if dim.cardinal:
            gaps += weight * float(sums[f"g1_{dim.id}"]) / dim.cutoff
            squares += weight * float(sums[f"g2_{dim.id}"]) / dim.cutoff ** 2
        else:
            gaps += weight * headcount
            squares += weight * headcount
    result = alkire_foster_from_sums(k=k, dimensions=d, n=float(sums["n"]), q=float(sums["q"]),
                                     deprivation_sum=deprivation, gap_sum=gaps, gap_square_sum=squares).as_dict()
    result["incomplete"] = int(sums["incomplete"])
    n = float(sums["n"]) or 1.0
    result["dimensions"] = [{"id": dim.id, "label": dim.label(), "censored_headcount": float(sums[f"h_{dim.id}"]) / n}
                            for dim in dimensions]
    return result


@register
class MultidimensionalPoverty(Metric):
    name = "mpi"
    label = _("multidimensional poverty (Alkire–Foster)")
    columns = ("k", "n", "q", "H", "A", "M0", "M1", "M2", "incomplete")
    area_rows = False

    def compute(self, engine, query: StatsQuery) -> dict:
        dimensions = []
        for dim in household_dimensions():
            if dim.deprived_when == "below_line":
                dim = Dimension(dim.id, dim.column, "below", dim.weight, float(query_line(query) * 100), dim.zh,
                                dim.en)
            dimensions.append(dim)
        k = query.k if query.k is not None else 1
        sums = af_sums(engine, self.facts(engine, query), dimensions, k)
        return af_measures(sums, dimensions, k)
