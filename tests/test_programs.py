"""``analysis.programs.ranges`` (HiGHS, one model per system) agrees with scipy's linprog and
milp, solved one problem at a time, on random systems of the ledger's kind."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ido_analysis.analysis.programs import ranges


def reference(a: np.ndarray, b: np.ndarray, column: int, integer: bool) -> tuple:
    def optimum(c: np.ndarray) -> float:
        if integer:
            res = milp(c, constraints=[LinearConstraint(a, b, b)] if len(a) else [],
                       integrality=np.ones(len(c)), bounds=Bounds(0, np.inf))
        else:
            res = linprog(c, A_eq=a if len(a) else None, b_eq=b if len(a) else None,
                          bounds=[(0, None)] * len(c), method="highs")
        if res.status != 0:
            return -math.inf if res.status == 3 else math.nan
        return round(res.fun) if integer else math.ceil(res.fun - 1e-6)

    c = np.zeros(a.shape[1])
    c[column] = 1.0
    low, high = optimum(c), -optimum(-c)
    if integer and math.isnan(high) and math.isinf(reference(a, b, column, False)[1]):
        high = math.inf  # scipy's milp reports some unbounded programs as status 4
    return low, high


@st.composite
def systems(draw):
    """Sums of 0/1 (and -1) coefficients over non-negative integer cells, right-hand sides
    from a true solution: always feasible, like the ledger's relations."""
    n = draw(st.integers(1, 7))
    m = draw(st.integers(0, 5))
    truth = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=float)
    rows = [draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, -1.0]), min_size=n, max_size=n))
            for _ in range(m)]
    a = np.array(rows, dtype=float).reshape(m, n)
    return a, a @ truth


@settings(max_examples=150, deadline=None)
@given(systems(), st.booleans())
def test_ranges_equal_scipy_one_problem_at_a_time(system, integer):
    a, b = system
    columns = list(range(a.shape[1]))
    got = ranges(a, b, columns, integer)
    assert got == [reference(a, b, c, integer) for c in columns]


def test_pinned_bounded_and_unbounded_cells():
    # x0 + x1 = 3, x1 - x2 = 0: x0 in [0, 3]; x2 = x1 in [0, 3]; x3 free above.
    a = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.0]])
    assert ranges(a, np.array([3.0, 0.0]), [0, 2, 3], integer=True) == [
        (0, 3), (0, 3), (0, math.inf)]
    pinned = np.array([[1.0, 1.0], [1.0, 0.0]])
    assert ranges(pinned, np.array([5.0, 2.0]), [1], integer=False) == [(3, 3)]


def test_an_infeasible_system_gives_nan():
    low, high = ranges(np.array([[1.0], [1.0]]), np.array([1.0, 2.0]), [0], integer=True)[0]
    assert math.isnan(low) and math.isnan(high)
    with pytest.raises(AssertionError):
        assert low == low
