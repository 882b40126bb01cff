"""Poverty measures against the published worked examples of DATA_SOURCES.md, through the same Ibis code paths
the metrics use (a DuckDB in-memory table stands in for the fact table)."""

import math

import ibis
import pytest

from fupin.analytics.engines import DuckDBEngine
from fupin.analytics.measures import alkire_foster, gini, income_measures
from fupin.analytics.metrics.income import income_distribution
from fupin.analytics.metrics.mpi import Dimension, af_measures, af_sums


def exact(value, expected) -> bool:
    """Equal up to the last bits of a double (the measures are finished in floating point)."""
    return math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-15)


@pytest.fixture
def engine(db):
    return DuckDBEngine()


def measures_of(engine, incomes, weights=None, line=125):
    data = {"income": incomes, "w": weights or [1] * len(incomes)}
    incomes, totals = income_distribution(engine, ibis.memtable(data), income="income", weight="w")
    return income_measures(incomes, line, totals)


def test_fgt_small_case(engine):
    result = measures_of(engine, [100, 110, 150, 160])
    assert result.H == 0.5
    assert exact(result.PG, 0.08)
    assert exact(result.FGT2, 0.0136)
    assert exact(result.Watts, (math.log(125 / 100) + math.log(125 / 110)) / 4)
    assert result.Watts == pytest.approx(0.0877442307, abs=5e-11)
    assert exact(result.Sen, 13 / 150)  # Sen 1976: 2·(25·2 + 15·1) / (3·4·125)
    assert exact(result.SenLargeSample, 0.09)
    assert result.n == 4


def test_fgt_with_weights(engine):
    result = measures_of(engine, [100, 110, 150, 160], [3, 1, 2, 2])
    assert result.H == 0.5
    assert exact(result.PG, 0.09)
    assert result.n == 8


def test_weights_equal_repeated_rows(engine):
    weighted = measures_of(engine, [100, 110, 150, 160], [3, 1, 2, 2])
    expanded = measures_of(engine, [100, 100, 100, 110, 150, 150, 160, 160])
    assert weighted == expanded


def test_line_is_strict_and_nobody_poor():
    result = income_measures([125, 200], 125)
    assert (result.H, result.PG, result.Sen, result.Watts) == (0.0, 0.0, 0.0, 0.0)


def test_watts_leaves_out_zero_income():
    result = income_measures([0, 200], 125)
    assert (result.Watts, result.WattsExcluded) == (0.0, 1)


def test_gini_hand_computed():
    # Two incomes 100 and 110: Σ|xi − xj| / (2 n² μ) = 20 / 840.
    assert exact(gini([100, 110]), 20 / 840)
    assert gini([1, 1, 1, 1]) == 0.0
    assert exact(gini([0, 0, 0, 10]), 0.75)
    assert exact(gini([5, 7, 3], [2, 1, 1]), gini([5, 5, 7, 3]))


AF_Y = [[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20.0, 11, 3, 1]]
AF_Z = [13, 12, 3, 1]
AF_EXPECTED = {
    1: {"H": 0.75, "A": 7 / 12, "M0": 7 / 16},
    2: {"H": 0.5, "A": 0.75, "M0": 0.375, "M1": 171 / 832, "M2": 21475 / 129792},
    3: {"H": 0.25, "A": 1.0, "M0": 0.25},
    4: {"H": 0.25, "A": 1.0, "M0": 0.25},
}
AF_DIMENSIONS = [Dimension(f"d{i}", f"d{i}", "below", 1, AF_Z[i]) for i in range(4)]


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_alkire_foster_example(engine, k):
    table = ibis.memtable({f"d{i}": [row[i] for row in AF_Y] for i in range(4)})
    result = af_measures(af_sums(engine, table, AF_DIMENSIONS, k), AF_DIMENSIONS, k)
    reference = alkire_foster(AF_Y, AF_Z, k).as_dict()
    for key, value in AF_EXPECTED[k].items():
        assert exact(result[key], value), key
        assert exact(reference[key], value), key
    assert exact(result["M1"], reference["M1"])
    assert exact(result["M2"], reference["M2"])


def test_alkire_foster_deprivation_counts():
    # c = (0, 2, 4, 1): only person 3 is poor at k = 3, with every dimension deprived.
    assert alkire_foster(AF_Y, AF_Z, 3).q == 1
    assert alkire_foster(AF_Y, AF_Z, 5).q == 0


def test_alkire_foster_flag_dimensions(engine):
    flags = [Dimension("food", "food", "false"), Dimension("sick", "sick", "true", 2)]
    table = ibis.memtable({"food": [True, False, None], "sick": [True, False, False]})
    result = af_measures(af_sums(engine, table, flags, 2), flags, 2)
    # Weights normalised to 2/3 and 4/3; person 1 (sick) has c = 4/3 < 2, person 2 (no food) 2/3; person 3 has
    # no food value and is left out.
    assert (result["n"], result["q"], result["incomplete"]) == (2, 0, 1)
    result = af_measures(af_sums(engine, table, flags, 1), flags, 1)
    assert (result["q"], result["H"]) == (1, 0.5)
    assert exact(result["A"], 4 / 6)
