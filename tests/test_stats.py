"""The comparison's statistics against values computed by hand or published with the method."""

from __future__ import annotations

import math
from math import comb

import pytest
from scipy import stats as scipy_stats

from qualcode import stats


def hypergeometric_two_sided(x1: int, n1: int, x2: int, n2: int) -> float:
    """Fisher's two-sided p by hand: the tables at most as likely as the observed one."""
    coded, total = x1 + x2, n1 + n2

    def probability(k: int) -> float:
        return comb(coded, k) * comb(total - coded, n1 - k) / comb(total, n1)

    observed = probability(x1)
    low, high = max(0, n1 - (total - coded)), min(coded, n1)
    return sum(
        probability(k) for k in range(low, high + 1) if probability(k) <= observed * (1 + 1e-7)
    )


def test_wilson_interval_matches_newcombe_1998_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263 -> 0.2553 to 0.3662.
    low, high = stats.wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-5)
    assert high == pytest.approx(0.3662, abs=5e-5)


def test_wilson_interval_by_the_formula() -> None:
    z = 1.959963984540054
    x, n = 3, 10
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert stats.wilson_interval(x, n) == pytest.approx((centre - half, centre + half))
    assert stats.wilson_interval(0, 10)[0] == 0.0
    assert stats.wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10.
        ((56, 70, 48, 80), (0.2, 0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.6, 0.1705, 0.8090)),
        ((5, 56, 0, 29), (0.0893, -0.0381, 0.1926)),
        ((10, 10, 0, 20), (1.0, 0.6791, 1.0)),
    ],
)
def test_newcombe_difference_matches_published_intervals(
    counts: tuple[int, int, int, int], expected: tuple[float, float, float]
) -> None:
    effect = stats.newcombe_difference(*counts)
    assert effect.name == stats.DIFFERENCE
    assert (effect.value, effect.ci_low, effect.ci_high) == pytest.approx(expected, abs=5e-5)


def test_fisher_exact_is_the_hypergeometric_sum() -> None:
    # The fixture's housing code: Barcelona 2 of 7, Birmingham 3 of 6. By hand, with
    # C(13,7) = 1716 tables: P(k) * 1716 = 8, 140, 560, 700, 280, 28 for k = 0..5, and the
    # tables no more likely than k = 2 sum to 8 + 140 + 560 + 280 + 28 = 1016.
    result = stats.fisher_exact(2, 7, 3, 6)
    assert result.test == stats.FISHER
    assert result.p_value == pytest.approx(1016 / 1716)
    assert result.p_value == pytest.approx(hypergeometric_two_sided(2, 7, 3, 6))
    assert result.statistic == pytest.approx((2 * 3) / (5 * 3))  # sample odds ratio ad/bc


def test_fisher_exact_lady_tasting_tea() -> None:
    # Fisher's own example: 3 of 4 right in each direction, p = 34/70.
    assert stats.fisher_exact(3, 4, 1, 4).p_value == pytest.approx(34 / 70)


def test_a_code_without_variation_is_not_tested() -> None:
    assert stats.fisher_exact(0, 10, 0, 12).test == stats.NOT_TESTED
    assert math.isnan(stats.fisher_exact(5, 5, 7, 7).p_value)
    assert stats.chi_square([0, 0, 0], [3, 4, 5]).test == stats.NOT_TESTED


def test_chi_square_by_hand() -> None:
    # Coded 10, 20, 30 of 50 each: expected 20 coded and 30 not per row.
    # chi2 = (100 + 0 + 100)/20 + (100 + 0 + 100)/30 = 10 + 6.667 = 16.667, df = 2,
    # p = exp(-chi2 / 2) for two degrees of freedom.
    result = stats.chi_square([10, 20, 30], [50, 50, 50])
    assert result.test == stats.CHI_SQUARE
    assert result.statistic == pytest.approx(50 / 3)
    assert result.p_value == pytest.approx(math.exp(-50 / 6))


def test_cramers_v_point_and_interval() -> None:
    effect = stats.cramers_v(50 / 3, 150, 3)
    assert effect.name == stats.CRAMERS_V
    assert effect.value == pytest.approx(math.sqrt((50 / 3) / 150))  # = 1/3
    assert 0 < effect.ci_low < effect.value < effect.ci_high < 1
    # The bounds are the noncentralities that put the observed statistic at the 97.5th and
    # 2.5th percentiles: check the definition directly.
    low_ncp, high_ncp = 150 * effect.ci_low**2, 150 * effect.ci_high**2
    assert scipy_stats.ncx2.cdf(50 / 3, 2, low_ncp) == pytest.approx(0.975, abs=1e-6)
    assert scipy_stats.ncx2.cdf(50 / 3, 2, high_ncp) == pytest.approx(0.025, abs=1e-6)


def test_cramers_v_lower_bound_is_zero_when_the_statistic_is_small() -> None:
    effect = stats.cramers_v(0.5, 100, 3)
    assert effect.ci_low == 0.0
    assert effect.ci_high > effect.value


def test_benjamini_hochberg_by_hand() -> None:
    # Sorted 0.01, 0.03, 0.04, 0.2 with m = 4: p * m / rank = 0.04, 0.06, 0.0533, 0.2, then the
    # running minimum from the largest: 0.04, 0.0533, 0.0533, 0.2 (back in the input order).
    adjusted = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    assert adjusted == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])


def test_benjamini_hochberg_leaves_untested_codes_out_of_the_count() -> None:
    adjusted = stats.benjamini_hochberg([0.01, math.nan, 0.04])
    assert adjusted[0] == pytest.approx(0.02)  # m = 2, not 3
    assert math.isnan(adjusted[1])
    assert adjusted[2] == pytest.approx(0.04)


def test_compare_counts_chooses_the_test_by_the_number_of_groups() -> None:
    two = stats.compare_counts([2, 3], [7, 6])
    assert two[0].test == stats.FISHER and two[1].name == stats.DIFFERENCE
    three = stats.compare_counts([10, 20, 30], [50, 50, 50])
    assert three[0].test == stats.CHI_SQUARE and three[1].name == stats.CRAMERS_V
    # A group with nothing in scope takes no part: this is a two-group comparison.
    skipped = stats.compare_counts([2, 0, 3], [7, 0, 6])
    assert skipped[0].p_value == pytest.approx(two[0].p_value)
    alone = stats.compare_counts([2, 0], [7, 0])
    assert alone[0].test == stats.NOT_TESTED


def test_adjust_marks_significance_on_the_adjusted_p() -> None:
    results = [
        stats.TestResult(stats.FISHER, 1.0, 0.01),
        stats.TestResult(stats.FISHER, 1.0, 0.04),
        stats.TestResult(stats.FISHER, 1.0, 0.03),
        stats.TestResult(stats.FISHER, 1.0, 0.2),
    ]
    adjusted = stats.adjust(results)
    assert [r.significant for r in adjusted] == [True, False, False, False]
    assert [r.p_value for r in adjusted] == [0.01, 0.04, 0.03, 0.2]
