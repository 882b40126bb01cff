"""Design-based estimators of the two-stage stratified sample (pure: no database). The formulas are written out in
docs/adr/0009-third-party-evaluation.md; in short:

* Stage 1: n of N villages by simple random sampling without replacement (SRSWOR).
* Stage 2, within sampled village h, stratum g (planned-exit or ordinary): m_hg interviewed of M_hg households,
  treated as SRSWOR (non-response absorbed in the stratum, so the weight is M_hg / m_hg).
* A total is estimated by Ŷ = (N/n) Σ_h Ŷ_h with Ŷ_h = Σ_g M_hg · ȳ_hg, and its variance by the unbiased two-stage
  formula  V̂(Ŷ) = N²(1 − n/N) s₁²/n + (N/n) Σ_h Σ_g M_hg²(1 − m_hg/M_hg) s²_hg/m_hg,
  s₁² the variance of the Ŷ_h between sampled villages, s²_hg the variance of y within the stratum.
* A rate is a ratio R̂ = Ŷ/X̂; its variance is that of the total of the linearised residual e = y − R̂x, over X̂².
* A stratum (or the first stage) with a single unit has no variance estimate; its one value is taken as the
  deviation from zero, the mean of a linearised residual (all variances here are of such residuals).
* The 95 % interval is the normal approximation R̂ ± 1.96 · SE, cut to [0, 1].

Point estimates are exact fractions, so a rate of exactly 2 % is judged exactly against a threshold of 2 %.
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Z95 = Fraction(196, 100)


@dataclass(frozen=True)
class Design:
    villages_total: int  # N
    villages: tuple[str, ...]  # the n sampled villages (those without any interview still count)
    sizes: dict  # (village, stratum) -> M_hg, households of the stratum in the frame


@dataclass(frozen=True)
class Unit:
    """An interviewed household: where it was drawn."""

    village: str
    stratum: str


@dataclass(frozen=True)
class Estimate:
    value: Fraction | None
    variance: Fraction | None
    low: float | None
    high: float | None

    @property
    def standard_error(self) -> float | None:
        return math.sqrt(self.variance) if self.variance is not None else None


def weights(design: Design, units: Sequence[Unit]) -> list[Fraction]:
    """Each interviewed household's weight: N/n · M_hg/m_hg."""
    responding = _counts(units)
    first = Fraction(design.villages_total, len(design.villages))
    return [first * Fraction(design.sizes[(u.village, u.stratum)], responding[(u.village, u.stratum)])
            for u in units]


def _counts(units: Sequence[Unit]) -> dict:
    counts: dict = defaultdict(int)
    for unit in units:
        counts[(unit.village, unit.stratum)] += 1
    return counts


def total(design: Design, units: Sequence[Unit], values: Sequence[Fraction]) -> Fraction:
    return sum((w * v for w, v in zip(weights(design, units), values, strict=True)), Fraction(0))


def _sample_variance(values: list[Fraction]) -> Fraction:
    """s² with divisor m − 1; a single value: its square (deviation from zero, see the module note)."""
    if len(values) == 1:
        return values[0] ** 2
    mean = sum(values, Fraction(0)) / len(values)
    return sum(((v - mean) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def total_variance(design: Design, units: Sequence[Unit], values: Sequence[Fraction]) -> Fraction:
    """V̂ of the estimated total of `values` under the two-stage design (see the module note)."""
    cells: dict = defaultdict(list)
    for unit, value in zip(units, values, strict=True):
        cells[(unit.village, unit.stratum)].append(Fraction(value))
    village_totals: dict = defaultdict(lambda: Fraction(0))
    within: dict = defaultdict(lambda: Fraction(0))
    for (village, stratum), ys in cells.items():
        big_m, m = design.sizes[(village, stratum)], len(ys)
        village_totals[village] += big_m * sum(ys, Fraction(0)) / m
        if m < big_m:
            within[village] += Fraction(big_m) ** 2 * (1 - Fraction(m, big_m)) * _sample_variance(ys) / m
    n, big_n = len(design.villages), design.villages_total
    variance = Fraction(big_n, n) * sum(within.values(), Fraction(0))
    if n < big_n:
        between = _sample_variance([village_totals[v] for v in design.villages])
        variance += Fraction(big_n) ** 2 * (1 - Fraction(n, big_n)) * between / n
    return variance


def interval(value: Fraction, variance: Fraction) -> tuple[float, float]:
    half = float(Z95) * math.sqrt(variance)
    return max(0.0, float(value) - half), min(1.0, float(value) + half)


def residuals(design: Design, units: Sequence[Unit], ys: Sequence[Fraction],
              xs: Sequence[Fraction]) -> tuple[Fraction | None, Fraction, list[Fraction]]:
    """(R̂, X̂, e) of the ratio Σwy / Σwx: e = y − R̂x, the linearised residual."""
    x_hat = total(design, units, xs)
    if not x_hat:
        return None, x_hat, [Fraction(0)] * len(units)
    rate = total(design, units, ys) / x_hat
    return rate, x_hat, [Fraction(y) - rate * Fraction(x) for y, x in zip(ys, xs, strict=True)]


def ratio(design: Design, units: Sequence[Unit], ys: Sequence[Fraction], xs: Sequence[Fraction]) -> Estimate:
    """The design-weighted ratio Σwy / Σwx with its linearised variance and 95 % interval."""
    rate, x_hat, e = residuals(design, units, ys, xs)
    if rate is None:
        return Estimate(None, None, None, None)
    variance = total_variance(design, units, e) / x_hat ** 2
    return Estimate(rate, variance, *interval(rate, variance))


def comprehensive_incidence(design: Design, units: Sequence[Unit], *, remaining: int, population: int,
                            exit_persons: int, unregistered: int, wrong: tuple, missed: tuple) -> Estimate:
    """综合贫困发生率 = (remaining registered poor + R̂_wrong · persons exiting + R̂_missed · unregistered rural
    persons) / rural population. `wrong` and `missed` are the (ys, xs) of the two ratios; a ratio without data
    adds nothing. The variance is that of the total of the combined residual
    z = (exit_persons · e_wrong / X̂_wrong + unregistered · e_missed / X̂_missed) / population."""
    if not population:
        return Estimate(None, None, None, None)
    numerator = Fraction(remaining)
    z = [Fraction(0)] * len(units)
    for (ys, xs), persons in ((wrong, exit_persons), (missed, unregistered)):
        rate, x_hat, e = residuals(design, units, ys, xs)
        if rate is None:
            continue
        numerator += rate * persons
        z = [a + Fraction(persons) * b / x_hat for a, b in zip(z, e, strict=True)]
    value = numerator / population
    variance = total_variance(design, units, z) / Fraction(population) ** 2
    return Estimate(value, variance, *interval(value, variance))
