"""Poverty and inequality measures, finished in Python from exact sufficient statistics computed by an engine.

Engines reduce millions of rows to small exact integer tables (the income distribution as distinct incomes in
fen with their weights; Alkire–Foster sums); these functions turn them into the measures. Doing the last step
once, here, is what makes every engine give the same result to the last bit.

Definitions (poor iff income < line; weights are frequency weights, e.g. persons):
- H = q / n;  FGT(α) = Σ w·((z − y)/z)^α over the poor / n;  PG = FGT(1);  FGT2 = FGT(2)
- Watts = Σ w·ln(z / y) over the poor / n (incomes ≤ 0 have no logarithm: Watts is undefined then)
- Sen (original): H·(I + (1 − I)·Gp), I = mean income gap ratio of the poor, Gp = Gini among the poor
- Sen (rank variant, as Stata's poverty tools compute it): H·(I + (1 − I)·Gp·q/(q + 1))
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
    Watts: float | None
    Sen: float
    SenRank: float
    Gini: float

    def as_dict(self) -> dict:
        return {"H": self.H, "PG": self.PG, "FGT2": self.FGT2, "Watts": self.Watts, "Sen": self.Sen,
                "Sen_rank": self.SenRank, "Gini": self.Gini, "n": self.n, "line": self.line}


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


def income_measures(incomes, line: float, weights=None) -> IncomeMeasures:
    """Every income measure of one distribution; `incomes` in any unit, `line` in the same unit."""
    y, w = _sorted(incomes, weights)
    n = float(w.sum())
    poor = y < line
    q = float(w[poor].sum())
    if n == 0:
        return IncomeMeasures(0, line, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    head = q / n
    gaps = (line - y[poor]) / line
    pg = float(np.sum(w[poor] * gaps) / n)
    fgt2 = float(np.sum(w[poor] * gaps**2) / n)
    watts = None if np.any(y[poor] <= 0) else float(np.sum(w[poor] * np.log(line / y[poor])) / n)
    if q:
        gap_ratio = pg / head  # I: the mean gap of the poor relative to the line
        gini_poor = gini(y[poor], w[poor])
        sen = head * (gap_ratio + (1 - gap_ratio) * gini_poor)
        sen_rank = head * (gap_ratio + (1 - gap_ratio) * gini_poor * q / (q + 1))
    else:
        sen = sen_rank = 0.0
    return IncomeMeasures(round(n), line, head, pg, fgt2, watts, sen, sen_rank, gini(y, w))


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
