"""Tests of ido_analysis.analysis.stats: intervals, tests, interpretation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from ido_analysis.analysis.stats import (
    TestResult,
    cramers_v,
    effective_sample_size,
    fpc_factor,
    goodness_of_fit,
    independence_test,
    interpret,
    rank_test,
    wilson_interval,
)

FAST = 499  # resamples in tests


def hand_wilson(k: float, n: float, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


# ------------------------------------------------------------------------------------ wilson


def test_wilson_20_of_47_without_fpc_matches_hand_formula() -> None:
    low, high = wilson_interval(20, 47)
    exp_low, exp_high = hand_wilson(20, 47, 1.959963984540054)
    assert low == pytest.approx(exp_low, abs=1e-12)
    assert high == pytest.approx(exp_high, abs=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.2951, 0.5672)


def test_wilson_matches_statsmodels_style_reference_value() -> None:
    # Wilson 95% interval for 0 of 10 is (0, 0.2775) (Newcombe 1998, table I, case 3 style).
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.27753, abs=1e-5)


def test_wilson_with_fpc_uses_scaled_z_and_is_narrower() -> None:
    low, high = wilson_interval(20, 47, population=342)
    z = 1.959963984540054 * math.sqrt((342 - 47) / 341)
    exp_low, exp_high = hand_wilson(20, 47, z)
    assert (low, high) == pytest.approx((exp_low, exp_high), abs=1e-12)
    plain_low, plain_high = wilson_interval(20, 47)
    assert plain_low < low < high < plain_high


def test_wilson_census_collapses_to_point_and_base_zero_is_nan() -> None:
    assert wilson_interval(3, 10, population=10) == pytest.approx((0.3, 0.3))
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_wilson_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="count <= base"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match="exceeds the population 342"):
        wilson_interval(1, 400, population=342)
    assert fpc_factor(47, None) == 1.0


def test_wilson_higher_confidence_is_wider() -> None:
    lo90, hi90 = wilson_interval(20, 47, confidence=0.90)
    lo95, hi95 = wilson_interval(20, 47, confidence=0.95)
    assert lo95 < lo90 and hi90 < hi95


# ------------------------------------------------------------------------------ effective n


def test_kish_effective_sample_size() -> None:
    assert effective_sample_size([1, 1, 1, 1]) == 4.0
    assert effective_sample_size([2, 2, 2]) == 3.0
    # (1 + 3)^2 / (1 + 9) = 1.6
    assert effective_sample_size([1, 3]) == pytest.approx(1.6)
    assert effective_sample_size([]) == 0.0
    with pytest.raises(ValueError, match="non-negative"):
        effective_sample_size([1, -1])


# --------------------------------------------------------------------------------- cramer v


def test_cramers_v_perfect_association_is_one_and_independence_zero() -> None:
    assert cramers_v([[10, 0, 0], [0, 7, 0], [0, 0, 5]]) == pytest.approx(1.0)
    assert cramers_v([[5, 0], [0, 9]]) == pytest.approx(1.0)
    assert cramers_v([[4, 8], [2, 4]]) == pytest.approx(0.0)


def test_cramers_v_matches_scipy_association() -> None:
    table = np.array([[5, 3, 2], [1, 6, 8]])
    expected = sps.contingency.association(table, method="cramer", correction=False)
    assert cramers_v(table) == pytest.approx(expected)


# ------------------------------------------------------------------------- independence test


def test_fisher_for_two_by_two() -> None:
    res = independence_test([[5, 1], [2, 7]])
    assert res.method == "fisher"
    assert res.method_nl == "exacte toets van Fisher"
    assert res.p_value == pytest.approx(sps.fisher_exact([[5, 1], [2, 7]]).pvalue)
    assert res.statistic == pytest.approx(17.5)
    assert res.n == 15


def test_resampled_test_is_reproducible_with_the_same_seed() -> None:
    table = [[5, 3, 2], [1, 6, 8], [4, 4, 4]]
    a = independence_test(table, method="montecarlo", seed=7, n_resamples=FAST)
    b = independence_test(table, method="montecarlo", seed=7, n_resamples=FAST)
    assert a == b
    assert a.method == "montecarlo" and a.seed == 7 and a.n_resamples == FAST
    assert a.statistic == pytest.approx(6.474322344322346)
    # p-values are multiples of 1 / (R + 1), with their Monte Carlo standard error
    assert (a.p_value * (FAST + 1)) == pytest.approx(round(a.p_value * (FAST + 1)))
    assert a.se == pytest.approx(math.sqrt(a.p_value * (1 - a.p_value) / FAST))


def test_r_by_c_is_exact_within_budget_and_simulated_beyond() -> None:
    table = [[5, 3, 2], [1, 6, 8], [4, 4, 4]]
    exact = independence_test(table)
    assert exact.method == "exact" and exact.se == 0 and exact.seed is None
    assert exact.method_nl == "exacte toets van Fisher-Freeman-Halton"
    assert exact.n_tables == 3828
    beyond = independence_test(table, limit=100, seed=3, n_resamples=20_000)
    assert beyond.method == "montecarlo" and beyond.n_resamples == 20_000
    assert abs(beyond.p_value - exact.p_value) < 4 * beyond.se


def test_permutation_method_is_reproducible_and_close_to_asymptotic() -> None:
    table = [[8, 2, 3], [2, 9, 3]]
    a = independence_test(table, method="permutation", seed=1, n_resamples=FAST)
    b = independence_test(table, method="permutation", seed=1, n_resamples=FAST)
    asym = independence_test(table, method="asymptotic")
    assert a.p_value == b.p_value
    assert a.p_value == pytest.approx(asym.p_value, abs=0.04)


def test_empty_rows_are_dropped_and_one_group_gives_no_test() -> None:
    res = independence_test([[3, 0, 2], [0, 0, 0]])
    assert math.isnan(res.p_value) and res.method == "none"
    with_empty = independence_test([[5, 1, 0], [2, 7, 0]])
    assert with_empty.method == "fisher"  # the empty column was dropped


def test_independence_rejects_non_counts() -> None:
    with pytest.raises(ValueError, match="whole counts"):
        independence_test([[1.5, 2], [3, 4]])
    with pytest.raises(ValueError, match="Fisher's exact test needs a 2 x 2"):
        independence_test([[1, 2, 3], [3, 4, 5]], method="fisher")


# -------------------------------------------------------------------------------- rank test


def test_rank_test_two_groups_is_mann_whitney_and_reproducible() -> None:
    a, b = [1, 1, 2, 2, 1, 3], [3, 3, 4, 4, 2, 4]
    res = rank_test([a, b], seed=3, n_resamples=FAST)
    assert res.method == "exact-mann-whitney"
    assert res.statistic == pytest.approx(sps.mannwhitneyu(a, b).statistic)
    assert res == rank_test([a, b], seed=3, n_resamples=FAST)
    assert res.p_value < 0.05


def test_rank_test_permutation_p_close_to_kruskal_asymptotic() -> None:
    rng = np.random.default_rng(0)
    groups = [rng.integers(0, 4, 15), rng.integers(0, 4, 15), rng.integers(1, 5, 15)]
    res = rank_test(groups, seed=5, n_resamples=1999)
    assert res.method == "exact-kruskal-wallis"
    assert res.p_value == pytest.approx(sps.kruskal(*groups).pvalue, abs=0.03)


def test_rank_test_without_variation_or_groups_gives_no_test() -> None:
    assert math.isnan(rank_test([[2, 2], [2, 2, 2]]).p_value)
    assert math.isnan(rank_test([[1, 2], []]).p_value)


# ---------------------------------------------------------------------------- goodness of fit


def test_exact_multinomial_against_binomial() -> None:
    # Two categories: the exact multinomial test is the two-sided exact binomial test
    # (probability-ordering method, as scipy.stats.binomtest uses).
    res = goodness_of_fit([14, 33], [0.4, 0.6])
    assert res.method == "exact-multinomial"
    assert res.p_value == pytest.approx(sps.binomtest(14, 47, 0.4).pvalue, rel=1e-9)


def test_montecarlo_gof_reproducible_and_close_to_chisquare() -> None:
    obs = [6, 10, 9, 12, 10]
    props = [0.1, 0.2, 0.2, 0.3, 0.2]
    a = goodness_of_fit(obs, props, seed=11, method="montecarlo", n_resamples=1999)
    assert a == goodness_of_fit(obs, props, seed=11, method="montecarlo", n_resamples=1999)
    assert a.se == pytest.approx(math.sqrt(a.p_value * (1 - a.p_value) / 1999))
    assert a.p_value == pytest.approx(sps.chisquare(obs, np.array(props) * 47).pvalue, abs=0.05)


def test_gof_validates_proportions() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        goodness_of_fit([1, 2], [0.5, 0.6])


# ------------------------------------------------------------------------------- interpret


def test_interpret_not_significant_sentence() -> None:
    res = TestResult("independence", "permutation", "permutatietoets", 1.0, 0.41, 47)
    assert interpret(res) == (
        "Bij 47 respondenten is dit verschil niet statistisch aantoonbaar "
        "(p = 0,41, permutatietoets); dat betekent niet dat er geen verschil is.")


def test_interpret_significant_with_cramers_v() -> None:
    res = TestResult("independence", "fisher", "exacte toets van Fisher", 17.5, 0.0004, 30,
                     cramers_v=0.612)
    text = interpret(res)
    assert text.startswith("Bij 30 respondenten is dit verschil statistisch aantoonbaar "
                           "(p < 0,001, exacte toets van Fisher; Cramérs V = 0,61)")
    assert "onzeker" in text


def test_interpret_no_test_and_goodness_of_fit() -> None:
    none = independence_test([[3, 2]])
    assert interpret(none) == ("Bij 5 respondenten is geen toets mogelijk: er is maar één "
                               "groep of één antwoord.")
    gof = TestResult("goodness_of_fit", "exact-multinomial", "exacte multinomiale toets",
                     2.0, 0.38, 47)
    assert "niet statistisch aantoonbaar af van die van alle gemeenten" in interpret(gof)
