"""The statistics behind ``qualcode report --compare``: is a share different between groups?

Per code, the question is whether the share of in-scope segments carrying the code differs between
groups (cities, roles…). The data are counts, coded and not coded, per group: a k × 2 table.

- Two groups: Fisher's exact test (two-sided), which needs no large-sample approximation, and as
  effect size the **difference in proportions** (first group minus second, in the groups' order)
  with Newcombe's hybrid score interval (method 10 of Newcombe 1998, built from two Wilson
  intervals): it stays inside [-1, 1] and behaves at 0 % and 100 %, where the Wald interval fails.
- More groups: Pearson's chi-square test of independence (no continuity correction), and as effect
  size Cramér's V with a confidence interval from the noncentral chi-square distribution (the
  noncentrality parameters whose distributions put the observed statistic at the 97.5th and 2.5th
  percentiles, turned into V as the point estimate is).
- Across codes, p-values are adjusted with Benjamini–Hochberg (false discovery rate).

The same test is run on interview counts (interviews mentioning the code among the group's
interviews). Segments within one interview are not independent, since one person's turns share a
topic, so the segment-level test overstates the evidence; the interview-level test is the
conservative one.

Functions take and return plain numbers so that the tests can check them against hand-computed
values; :mod:`qualcode.report` applies them to the report's counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as scipy_stats

ALPHA = 0.05
CONFIDENCE = 0.95

FISHER = "fisher"
CHI_SQUARE = "chi-square"
NOT_TESTED = ""
DIFFERENCE = "difference in proportions"
CRAMERS_V = "Cramér's V"


@dataclass(frozen=True)
class TestResult:
    """One test on a k × 2 table of counts.

    ``statistic`` is the sample odds ratio for Fisher's test and Pearson's χ² for the chi-square
    test. ``p_adjusted`` is filled in by :func:`adjust` across codes. A code no group has (or
    every segment has) is not testable: ``test`` is empty and the p-values are NaN.
    """

    test: str
    statistic: float
    p_value: float
    p_adjusted: float = math.nan

    @property
    def significant(self) -> bool:
        return not math.isnan(self.p_adjusted) and self.p_adjusted < ALPHA


@dataclass(frozen=True)
class Effect:
    """An effect size with its 95 % confidence interval (NaN when it cannot be computed)."""

    name: str
    value: float
    ci_low: float
    ci_high: float


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion (the interval Newcombe's method is built from)."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(scipy_stats.norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not 1 - 1e-16
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE
) -> Effect:
    """p1 − p2 with Newcombe's hybrid score interval (Newcombe 1998, method 10)."""
    if n1 <= 0 or n2 <= 0:
        return Effect(DIFFERENCE, math.nan, math.nan, math.nan)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Effect(DIFFERENCE, difference, low, high)


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> TestResult:
    """Two-sided Fisher's exact test of x1/n1 against x2/n2."""
    if x1 + x2 == 0 or x1 + x2 == n1 + n2:
        return TestResult(NOT_TESTED, math.nan, math.nan)
    result = scipy_stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
    return TestResult(FISHER, float(result.statistic), float(result.pvalue))


def chi_square(coded: Sequence[int], totals: Sequence[int]) -> TestResult:
    """Pearson's chi-square test of independence on the k × 2 table (coded, not coded)."""
    table = np.array([[x, n - x] for x, n in zip(coded, totals, strict=True)], dtype=float)
    if table[:, 0].sum() == 0 or table[:, 1].sum() == 0:
        return TestResult(NOT_TESTED, math.nan, math.nan)
    statistic, p_value, _, _ = scipy_stats.chi2_contingency(table, correction=False)
    return TestResult(CHI_SQUARE, float(statistic), float(p_value))


def cramers_v(statistic: float, n: int, groups: int) -> Effect:
    """Cramér's V of a k × 2 table (equal to |φ| for two groups) with its 95 % CI.

    The interval inverts the noncentral chi-square distribution: the population V of a table with
    noncentrality λ is sqrt(λ / (n · (min(k, 2) − 1))).
    """
    if math.isnan(statistic) or n <= 0 or groups < 2:
        return Effect(CRAMERS_V, math.nan, math.nan, math.nan)
    df = groups - 1
    scale = n * (min(groups, 2) - 1)
    value = math.sqrt(statistic / scale)
    tail = (1 - CONFIDENCE) / 2
    low = _noncentrality(statistic, df, 1 - tail)
    high = _noncentrality(statistic, df, tail)
    return Effect(
        CRAMERS_V, value, min(1.0, math.sqrt(low / scale)), min(1.0, math.sqrt(high / scale))
    )


def _noncentrality(statistic: float, df: int, quantile: float) -> float:
    """λ ≥ 0 such that P(χ²(df, λ) ≤ statistic) = quantile (0 when even λ = 0 is below it)."""

    def gap(ncp: float) -> float:
        cdf = (
            scipy_stats.chi2.cdf(statistic, df)
            if ncp == 0
            else scipy_stats.ncx2.cdf(statistic, df, ncp)
        )
        return float(cdf) - quantile

    if gap(0.0) <= 0:
        return 0.0
    upper = max(1.0, statistic)
    while gap(upper) > 0:
        upper *= 2
    return float(optimize.brentq(gap, 0.0, upper, xtol=1e-10))


def compare_counts(coded: Sequence[int], totals: Sequence[int]) -> tuple[TestResult, Effect]:
    """Test and effect size for counts per group, skipping groups with nothing in scope.

    Fisher's exact test and the difference in proportions for two groups; chi-square and
    Cramér's V for more.
    """
    kept = [(x, n) for x, n in zip(coded, totals, strict=True) if n > 0]
    if len(kept) < 2:
        return TestResult(NOT_TESTED, math.nan, math.nan), Effect("", math.nan, math.nan, math.nan)
    if len(kept) == 2:
        (x1, n1), (x2, n2) = kept
        return fisher_exact(x1, n1, x2, n2), newcombe_difference(x1, n1, x2, n2)
    result = chi_square([x for x, _ in kept], [n for _, n in kept])
    return result, cramers_v(result.statistic, sum(n for _, n in kept), len(kept))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values; NaN (untested) stays NaN and is not counted."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, math.nan)
    tested = ~np.isnan(values)
    if tested.any():
        adjusted[tested] = scipy_stats.false_discovery_control(values[tested], method="bh")
    return [float(v) for v in adjusted]


def adjust(results: Sequence[TestResult]) -> list[TestResult]:
    """The same results with Benjamini–Hochberg adjusted p-values across them."""
    adjusted = benjamini_hochberg([r.p_value for r in results])
    return [
        TestResult(r.test, r.statistic, r.p_value, p)
        for r, p in zip(results, adjusted, strict=True)
    ]
