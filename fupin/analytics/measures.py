"""Poverty and inequality measures, finished in Python from exact sufficient statistics computed by an engine.

Engines reduce millions of rows to small exact integer tables (the income distribution as distinct incomes in
fen with their weights; Alkire–Foster sums); these functions turn them into the measures. Doing the last step
once, here, is what makes every engine give the same result to the last bit.

Definitions (poor iff income < line z; weights are frequency weights, e.g. persons; n persons, q of them poor):
- H = q / n;  FGT(α) = Σ w·((z − y)/z)^α over the poor / n;  PG = FGT(1);  FGT2 = FGT(2)
- Watts = Σ w·ln(z / y) over the poor with y > 0, / n. An income ≤ 0 has no logarithm; such a poor person is
  left out of the sum and kept in n, the convention of the World Bank's Poverty and Inequality Platform
  (R package wbpip, `md_compute_watts` in R/md_compute_poverty_stats.R: `keep <- welfare > 0 & welfare <
  povline`, divided by the total weight). The figure is then a lower bound, so the number of persons left out is
  reported with it (Watts_excluded) instead of the whole area's Watts becoming undefined.
- Sen (Sen 1976, "Poverty: an ordinal approach to measurement", Econometrica 44(2): 219–231):
  S = 2 / ((q + 1)·n·z) · Σ_{i=1..q} (z − y_i)·(q + 1 − i), the poor ranked by ascending income (the poorest has
  i = 1 and the greatest weight q); equivalently H·(I + (1 − I)·Gp·q/(q + 1)), I = mean income gap ratio of the
  poor, Gp = Gini among the poor (Σ|y_i − y_j| / (2q²μ_p)).
- Sen, large-sample form (the limit as q grows, which Sen 1976 also gives): H·(I + (1 − I)·Gp)
- Gini over everyone, from the Lorenz curve of the weighted sorted incomes
- Alkire–Foster (Alkire & Foster 2011): H = q/n, A = Σ c_i(k) / (q·d), M0 = H·A, M1 = Σ censored normalised gaps
  / (n·d), M2 = Σ squared censored gaps / (n·d)
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class IncomeMeasures:
    n: int
    line: float
    H: float
    PG: float
    FGT2: float
    Watts: float
    WattsExcluded: int  # poor persons with income ≤ 0, left out of the Watts sum (see the module's docstring)
    Sen: float  # Sen (1976), with the q/(q + 1) factor
    SenLargeSample: float  # its large-sample form H·(I + (1 − I)·Gp)
    Gini: float

    def as_dict(self) -> dict:
        return {"H": self.H, "PG": self.PG, "FGT2": self.FGT2, "Watts": self.Watts,
                "Watts_excluded": self.WattsExcluded, "Sen": self.Sen, "Sen_large_sample": self.SenLargeSample,
                "Gini": self.Gini, "n": self.n, "line": self.line}


def _sorted(incomes, weights) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(incomes, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    order = np.argsort(y, kind="stable")
    return y[order], w[order]


def gini(incomes, weights=None) -> float:
    """Gini coefficient of a weighted distribution (0 when the total income is 0 or there is nobody)."""
    y, w = _sorted(incomes, weights)
    total_weight = w.sum()
    cumulative = np.cumsum(w * y)
    if total_weight == 0 or cumulative.size == 0 or cumulative[-1] == 0:
        return 0.0
    previous = np.concatenate(([0.0], cumulative[:-1]))
    # Twice the area under the Lorenz curve, summed trapezoid by trapezoid; ties need no special order.
    area = float(np.sum(w * (previous + cumulative))) / (total_weight * cumulative[-1])
    return 1.0 - area


def fgt(incomes, line: float, alpha: float, weights=None) -> float:
    y, w = _sorted(incomes, weights)
    n = w.sum()
    poor = y < line
    if n == 0:
        return 0.0
    if alpha == 0:
        return float(w[poor].sum() / n)
    gaps = (line - y[poor]) / line
    return float(np.sum(w[poor] * gaps**alpha) / n)


def sen_index(incomes, line: float, weights=None) -> float:
    """Sen's (1976) index by its rank formula, 2 / ((q + 1)·n·z) · Σ_{i=1..q} (z − y_i)·(q + 1 − i): a weight w at
    one income stands for w persons of consecutive ranks a + 1 … a + w, whose rank weights q + 1 − i sum to
    w·(q + 1 − a) − w·(w + 1)/2."""
    y, w = _sorted(incomes, weights)
    n = float(w.sum())
    poor = y < line
    q = float(w[poor].sum())
    if not q:
        return 0.0
    before = np.concatenate(([0.0], np.cumsum(w[poor])[:-1]))  # a: the poor ranked below each income
    rank_weights = w[poor] * (q + 1 - before) - w[poor] * (w[poor] + 1) / 2
    return float(2 * np.sum((line - y[poor]) * rank_weights) / ((q + 1) * n * line))


def income_measures(incomes, line: float, weights=None) -> IncomeMeasures:
    """Every income measure of one distribution; `incomes` in any unit, `line` in the same unit."""
    y, w = _sorted(incomes, weights)
    n = float(w.sum())
    poor = y < line
    q = float(w[poor].sum())
    if n == 0:
        return IncomeMeasures(0, line, 0.0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 0.0)
    head = q / n
    gaps = (line - y[poor]) / line
    pg = float(np.sum(w[poor] * gaps) / n)
    fgt2 = float(np.sum(w[poor] * gaps**2) / n)
    logged = poor & (y > 0)
    watts = float(np.sum(w[logged] * np.log(line / y[logged])) / n)
    watts_excluded = round(float(w[poor & (y <= 0)].sum()))
    if q:
        gap_ratio = pg / head  # I: the mean gap of the poor relative to the line
        sen_large_sample = head * (gap_ratio + (1 - gap_ratio) * gini(y[poor], w[poor]))
    else:
        sen_large_sample = 0.0
    return IncomeMeasures(round(n), line, head, pg, fgt2, watts, watts_excluded, sen_index(y, line, w),
                          sen_large_sample, gini(y, w))


@dataclass(frozen=True)
class AlkireFoster:
    k: float
    n: int
    q: int
    H: float
    A: float
    M0: float
    M1: float
    M2: float

    def as_dict(self) -> dict:
        return {"k": self.k, "n": self.n, "q": self.q, "H": self.H, "A": self.A, "M0": self.M0, "M1": self.M1,
                "M2": self.M2}


def alkire_foster_from_sums(*, k: float, dimensions: int, n: float, q: float, deprivation_sum: float,
                            gap_sum: float, gap_square_sum: float) -> AlkireFoster:
    """AF measures from the sums over the multidimensionally poor (c_i ≥ k): the weighted deprivation count,
    the censored normalised gaps and their squares (weights normalised to sum to the number of dimensions)."""
    if n == 0:
        return AlkireFoster(k, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
    head = q / n
    intensity = deprivation_sum / (q * dimensions) if q else 0.0
    return AlkireFoster(k, round(n), round(q), head, intensity, deprivation_sum / (n * dimensions),
                        gap_sum / (n * dimensions), gap_square_sum / (n * dimensions))


def alkire_foster(achievements, cutoffs, k: float, *, weights=None, person_weights=None) -> AlkireFoster:
    """AF over a person × dimension matrix of achievements, deprived iff achievement < cutoff."""
    y = np.asarray(achievements, dtype=np.float64)
    z = np.asarray(cutoffs, dtype=np.float64)
    d = y.shape[1]
    dim_weights = np.ones(d) if weights is None else np.asarray(weights, dtype=np.float64) * d / np.sum(weights)
    people = np.ones(y.shape[0]) if person_weights is None else np.asarray(person_weights, dtype=np.float64)
    deprived = y < z
    gaps = np.where(deprived, (z - y) / z, 0.0)
    counts = deprived @ dim_weights
    poor = counts >= k - 1e-12
    return alkire_foster_from_sums(
        k=k, dimensions=d, n=float(people.sum()), q=float(people[poor].sum()),
        deprivation_sum=float(np.sum(people[poor] * counts[poor])),
        gap_sum=float(np.sum(people[poor] * (gaps[poor] @ dim_weights))),
        gap_square_sum=float(np.sum(people[poor] * ((gaps[poor] ** 2) @ dim_weights))),
    )
