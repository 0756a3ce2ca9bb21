"""The range of single variables over a system of equalities: min and max of x_i subject to
A x = b, x >= 0 (optionally integer), for many i over the same system.

One HiGHS model per system (the ``highspy`` binding of the solver scipy's ``linprog`` and
``milp`` use), with only the objective changed between solves: the disclosure ledger asks
thousands of these small questions per release, and scipy's per-call set-up cost several
times the solve itself.

Contract of ``ranges(a, b, columns, integer)``: for each column index, ``(low, high)``:
integer programs give the exact optimum; the linear relaxation is rounded inwards (low up,
high down, with a 1e-6 tolerance). An unbounded maximum is ``inf``; an infeasible system gives
``nan``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import highspy
import numpy as np

_TOLERANCE = 1e-6


def _model(a: np.ndarray, b: np.ndarray, integer: bool) -> highspy.Highs:
    rows, cols = a.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = cols, rows
    lp.col_cost_ = np.zeros(cols)
    lp.col_lower_ = np.zeros(cols)
    lp.col_upper_ = np.full(cols, highspy.kHighsInf)
    lp.row_lower_ = np.asarray(b, dtype=float)
    lp.row_upper_ = np.asarray(b, dtype=float)
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.num_col_, matrix.num_row_ = cols, rows
    nonzero = [np.flatnonzero(a[:, j]) for j in range(cols)]
    matrix.start_ = np.cumsum([0] + [len(n) for n in nonzero]).astype(np.int32)
    matrix.index_ = (np.concatenate(nonzero) if nonzero else np.zeros(0)).astype(np.int32)
    matrix.value_ = np.concatenate([a[n, j] for j, n in enumerate(nonzero)]) if nonzero \
        else np.zeros(0)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * cols
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("threads", 1)  # pipeline workers run in parallel already
    solver.passModel(lp)
    return solver


def _optimum(solver: highspy.Highs, sense: highspy.ObjSense) -> float:
    solver.changeObjectiveSense(sense)
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(solver.getInfo().objective_function_value)
    if status in (highspy.HighsModelStatus.kUnbounded,
                  highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return math.inf if sense == highspy.ObjSense.kMaximize else -math.inf
    return math.nan


def ranges(a: np.ndarray, b: np.ndarray, columns: Sequence[int],
           integer: bool) -> list[tuple[float, float]]:
    """``(low, high)`` of each column in ``columns`` (see the module contract). ``a`` is a
    2-D array (possibly with no rows) with one column per variable."""
    solver = _model(np.asarray(a, dtype=float), b, integer)
    out = []
    for column in columns:
        solver.changeColCost(column, 1.0)
        low = _optimum(solver, highspy.ObjSense.kMinimize)
        high = _optimum(solver, highspy.ObjSense.kMaximize)
        solver.changeColCost(column, 0.0)
        out.append(_rounded(low, high, integer))
    return out


def _rounded(low: float, high: float, integer: bool) -> tuple[float, float]:
    if math.isnan(low) or math.isnan(high):
        return low, high
    if integer:
        return (round(low) if math.isfinite(low) else low,
                round(high) if math.isfinite(high) else high)
    return (math.ceil(low - _TOLERANCE) if math.isfinite(low) else low,
            math.floor(high + _TOLERANCE) if math.isfinite(high) else high)
