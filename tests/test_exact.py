"""Tests of ido_analysis.analysis.exact against scipy and against brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.special import gammaln

from ido_analysis.analysis.exact import (
    count_tables,
    enumerate_tables,
    ffh_test,
    holm,
    rank_statistic,
    rank_table_test,
    seed_for,
)
from ido_analysis.analysis.stats import TestResult, interpret


def brute_tables(rows: list[int], cols: list[int]) -> list[np.ndarray]:
    """Every table with these margins: try every value of the free (r-1) x (c-1) cells,
    complete the last row and column from the margins, keep the non-negative ones."""
    r, c = len(rows), len(cols)
    out = []
    for cells in itertools.product(range(max(rows) + 1), repeat=(r - 1) * (c - 1)):
        t = np.zeros((r, c), dtype=int)
        t[:-1, :-1] = np.array(cells).reshape(r - 1, c - 1)
        t[:-1, -1] = np.array(rows[:-1]) - t[:-1, :-1].sum(axis=1)
        t[-1, :] = np.array(cols) - t[:-1, :].sum(axis=0)
        if (t >= 0).all() and list(t.sum(axis=1)) == rows:
            out.append(t)
    return out


def brute_log_p(t: np.ndarray) -> float:
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    return float(gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(t.sum() + 1)
                 - gammaln(t + 1).sum())


SMALL = [
    [[2, 1, 0], [0, 1, 3]],
    [[1, 2], [2, 0], [0, 2]],
    [[2, 0, 1], [0, 2, 0], [1, 0, 1]],
    [[3, 0, 0, 1], [0, 2, 1, 0]],
]


@pytest.mark.parametrize("table", SMALL)
def test_enumeration_and_p_value_match_brute_force(table) -> None:
    t = np.array(table)
    rows, cols = list(t.sum(axis=1)), list(t.sum(axis=0))
    brute = brute_tables(rows, cols)
    assert count_tables(rows, cols) == len(brute)
    tables, logp = enumerate_tables(t)
    assert sorted(map(lambda x: x.tobytes(), tables.astype(np.int64))) == sorted(
        map(lambda x: x.tobytes(), [b.astype(np.int64) for b in brute]))
    assert np.exp(logp).sum() == pytest.approx(1.0)
    obs = brute_log_p(t)
    expected = sum(math.exp(brute_log_p(b)) for b in brute
                   if brute_log_p(b) <= obs + 1e-7)
    assert ffh_test(t).p_value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("table", [[[5, 1], [2, 7]], [[0, 6], [4, 3]], [[10, 2], [3, 9]],
                                   [[3, 3], [3, 3]], [[1, 9], [11, 3]]])
def test_two_by_two_is_fishers_exact_test(table) -> None:
    assert ffh_test(table).p_value == pytest.approx(sps.fisher_exact(table).pvalue, rel=1e-9)


def test_monte_carlo_beyond_budget_agrees_and_reports_its_error() -> None:
    table = [[4, 1, 5, 2], [1, 6, 2, 5], [3, 3, 1, 4]]
    exact = ffh_test(table)
    sim = ffh_test(table, limit=10, seed=seed_for("x"), draws=40_000)
    assert exact.exact and not sim.exact and sim.draws == 40_000
    assert sim.se == pytest.approx(math.sqrt(sim.p_value * (1 - sim.p_value) / 40_000))
    assert abs(sim.p_value - exact.p_value) < 4 * sim.se
    assert sim == ffh_test(table, limit=10, seed=seed_for("x"), draws=40_000)


def test_seed_follows_the_test_identity() -> None:
    a = seed_for(20251010, "q07", "grootteklasse_grof")
    assert a == seed_for(20251010, "q07", "grootteklasse_grof")
    assert a != seed_for(20251010, "q07", "provinciegroep")
    assert 0 <= a < 2**63


def test_exact_rank_test_matches_all_relabellings() -> None:
    # groups of 3 and 4 on ordered codes with ties: enumerate all C(7, 3) labellings
    values = np.array([0, 0, 1, 1, 1, 2, 2])
    first = (0, 2, 5)
    ranks = sps.rankdata(values)

    def stat(idx: tuple[int, ...]) -> float:
        mask = np.isin(np.arange(7), idx)
        return ranks[mask].sum() ** 2 / 3 + ranks[~mask].sum() ** 2 / 4

    obs = stat(first)
    combos = list(itertools.combinations(range(7), 3))
    expected = sum(stat(c) >= obs - 1e-9 for c in combos) / len(combos)
    table = np.array([[int(np.sum(values[list(first)] == v)) for v in range(3)],
                      [int(np.sum(np.delete(values, first) == v)) for v in range(3)]])
    assert rank_statistic(table)[0] == pytest.approx(obs)
    assert rank_table_test(table).p_value == pytest.approx(expected)


def test_holm_step_down_by_hand() -> None:
    adjusted = holm([0.01, 0.04, 0.03, math.nan, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 with m = 4: 0.04, 0.09, max(0.09, 0.08), 0.5
    assert adjusted[[0, 2, 1, 4]] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert math.isnan(adjusted[3])


def test_simulated_p_near_alpha_gets_no_verdict() -> None:
    near = TestResult("independence", "montecarlo", "toets met simulatie", 1.0, 0.049, 40,
                      se=0.001, seed=1, n_resamples=1000)
    assert near.undecided and not near.significant
    assert "te dicht bij 0,05" in interpret(near)
    far = TestResult("independence", "montecarlo", "toets met simulatie", 1.0, 0.01, 40,
                     se=0.001)
    assert far.significant and not far.undecided


def test_holm_adjusted_p_decides_the_sentence() -> None:
    raw = TestResult("independence", "fisher", "exacte toets van Fisher", 1.0, 0.021, 47,
                     p_adjusted=0.126, family="q10", family_size=6)
    assert not raw.significant
    sentence = interpret(raw)
    assert "niet statistisch aantoonbaar" in sentence
    assert "p = 0,021" in sentence and "na Holm-correctie voor 6 toetsen p = 0,13" in sentence


def _fills_by_grid(total: int, caps) -> np.ndarray:
    """The earlier construction (every combination, then filtered): the reference order."""
    grids = [np.arange(min(total, int(c)) + 1) for c in caps[:-1]]
    if not grids:
        return np.array([[total]]) if total <= caps[0] else np.empty((0, 1), dtype=np.int64)
    mesh = np.stack(np.meshgrid(*grids, indexing="ij"), axis=-1).reshape(-1, len(caps) - 1)
    last = total - mesh.sum(axis=1)
    keep = (last >= 0) & (last <= caps[-1])
    return np.column_stack([mesh[keep], last[keep]]).astype(np.int64)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 12), st.lists(st.integers(0, 6), min_size=1, max_size=5))
def test_fills_are_the_filtered_grid_in_the_same_order(total, caps):
    from ido_analysis.analysis.exact import _count_fills, _fills

    caps = np.array(caps)
    expected = _fills_by_grid(total, caps)
    got = _fills(total, caps)
    assert got.shape == expected.shape and (got == expected).all()
    assert _count_fills(total, caps) == len(expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=2, max_size=3),
       st.lists(st.integers(0, 6), min_size=2, max_size=4), st.integers(0, 60))
def test_capped_count_is_exact_up_to_the_limit_and_says_more_beyond(rows, cols, limit):
    diff = sum(rows) - sum(cols)
    cols = cols + [diff] if diff > 0 else cols
    rows = rows + [-diff] if diff < 0 else rows
    exact = count_tables(rows, cols)
    assert count_tables(rows, cols, limit) == (exact if exact <= limit else limit + 1)


def test_large_margins_are_decided_quickly():
    """n = 342 by eight groups: far beyond the budget, decided without counting it all."""
    import time

    start = time.perf_counter()
    rows, cols = [60, 50, 45, 40, 40, 40, 35, 32], [120, 90, 60, 40, 32]
    assert count_tables(rows, cols, 3_000_000) == 3_000_001
    assert time.perf_counter() - start < 5
