"""Poverty measures at their edges, against values worked out by hand: Watts when poor persons have no positive
income (the World Bank PIP convention: left out of the sum, kept in the population, counted), and both Sen
indices — Sen (1976) by its rank formula, and its large-sample form — on small cases and through the metric on
the hand-built registry, on every engine."""

import math
from fractions import Fraction

import ibis
import pytest

from fupin.analytics.engines import DuckDBEngine, get_engine
from fupin.analytics.extract import snapshot_fill
from fupin.analytics.measures import income_measures, sen_index
from fupin.analytics.metrics import StatsQuery, get_metric
from fupin.analytics.metrics.income import income_distribution
from fupin.registry.models import HouseholdYear
from fupin.testing.factories import system_user

from . import scenario


def exact(value, expected) -> bool:
    """Equal up to the last bits of a double (the measures are finished in floating point)."""
    return math.isclose(value, float(expected), rel_tol=1e-12, abs_tol=1e-15)


def test_watts_leaves_out_the_poor_without_positive_income():
    # Line 125; poor: −50, 0, 100, 110. Only 100 and 110 have a logarithm; all six persons stay in n.
    result = income_measures([110, -50, 150, 0, 100, 160], 125)
    assert exact(result.Watts, (math.log(125 / 100) + math.log(125 / 110)) / 6)
    assert result.WattsExcluded == 2
    assert result.H == 4 / 6
    assert result.as_dict()["Watts_excluded"] == 2


def test_watts_with_weights_counts_persons_left_out():
    # 3 persons at 0, 2 at 100, 1 at 200: Watts = 2·ln(1.25) / 6, 3 persons left out.
    result = income_measures([0, 100, 200], 125, [3, 2, 1])
    assert exact(result.Watts, 2 * math.log(1.25) / 6)
    assert result.WattsExcluded == 3
    everybody_left_out = income_measures([0, -10, 200], 125)
    assert (everybody_left_out.Watts, everybody_left_out.WattsExcluded) == (0.0, 2)
    nobody_left_out = income_measures([100, 200], 125)
    assert nobody_left_out.WattsExcluded == 0


def test_sen_1976_and_its_large_sample_form():
    # Line 125, incomes 100, 110, 150, 160: q = 2, n = 4.
    # Sen 1976: 2 / ((q + 1)·n·z) · Σ (z − y_i)(q + 1 − i) = 2·(25·2 + 15·1) / (3·4·125) = 13/150.
    # Large sample: H·(I + (1 − I)·Gp), H = 1/2, I = 20/125 = 0.16, Gp = 10·2 / (2·4·105) = 1/42 → 0.09.
    result = income_measures([160, 100, 150, 110], 125)
    assert exact(result.Sen, Fraction(13, 150))
    assert exact(result.SenLargeSample, Fraction(9, 100))
    assert exact(sen_index([100, 110, 150, 160], 125), Fraction(13, 150))
    keys = result.as_dict()
    assert (keys["Sen"], keys["Sen_large_sample"]) == (result.Sen, result.SenLargeSample)
    assert "Sen_rank" not in keys


def test_sen_with_weights_ranks_every_person():
    # 2 persons at 50, 1 at 100, 1 at 200, line 125: the poor 50, 50, 100 have ranks 1, 2, 3 and rank weights
    # 3, 2, 1: Σ = 75·3 + 75·2 + 25·1 = 400; S = 2·400 / (4·4·125) = 2/5.
    # Large sample: H = 3/4, I = 175 / (3·125) = 7/15, Gp = 4·50 / (2·9·200/3) = 1/6 → 3/4·(7/15 + 8/90) = 5/12.
    result = income_measures([50, 100, 200], 125, [2, 1, 1])
    assert exact(result.Sen, Fraction(2, 5))
    assert exact(result.SenLargeSample, Fraction(5, 12))
    expanded = income_measures([50, 50, 100, 200], 125)
    assert (expanded.Sen, expanded.SenLargeSample) == (result.Sen, result.SenLargeSample)


def test_sen_of_nobody_poor_and_of_nobody():
    assert income_measures([125, 200], 125).Sen == 0.0
    empty = income_measures([], 125)
    assert (empty.Sen, empty.SenLargeSample, empty.Watts, empty.WattsExcluded, empty.n) == (0.0, 0.0, 0.0, 0, 0)


def test_the_engine_path_gives_the_same_measures(db):
    table = ibis.memtable({"income": [0, 100, 200, -5], "w": [3, 2, 1, 1]})
    incomes, weights = income_distribution(DuckDBEngine(), table, income="income", weight="w")
    assert income_measures(incomes, 125, weights) == income_measures([0, 0, 0, 100, 100, 200, -5], 125)


@pytest.fixture
def registry(db, settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    households = scenario.build()
    # 双奎地's one-person household H4 reports no income in 2019.
    HouseholdYear.objects.filter(household=households["h4"], year=2019).update(net_income_per_capita=0)
    snapshot_fill()
    return households


@pytest.mark.parametrize("engine_name", ["duckdb", "sql"])
def test_measures_metric_with_a_zero_income(registry, engine_name):
    # 云南 2019, line 3000: 13 persons; poor: H3's 4 at 2900 and H4's 1 at 0 (q = 5).
    query = StatsQuery(year=2019, area="53", line=3000, actor=system_user())
    result = get_metric("measures").compute(get_engine(engine_name), query)
    assert (result["n"], result["line"], result["H"]) == (13, 3000, 5 / 13)
    assert exact(result["Watts"], 4 * math.log(3000 / 2900) / 13)
    assert result["Watts_excluded"] == 1
    # Sen 1976: ranks 1 (income 0) … 5, weights 5, 4, 3, 2, 1: Σ = 3000·5 + 100·(4+3+2+1) = 16000;
    # S = 2·16000 / (6·13·3000) = 16/117. Large sample: I = 3400 / (5·3000) = 17/75, Gp = 2·4·2900 / (2·25·2320)
    # = 1/5 → 5/13·(17/75 + 58/75·1/5) = 11/75.
    assert exact(result["Sen"], Fraction(16, 117))
    assert exact(result["Sen_large_sample"], Fraction(11, 75))
    assert list(result) == ["H", "PG", "FGT2", "Watts", "Watts_excluded", "Sen", "Sen_large_sample", "Gini", "n",
                            "line"]
