"""Exact conditional tests on contingency tables with both margins fixed.

Under independence (or: group labels exchangeable), given the row and column totals, a table
``x`` has the multivariate hypergeometric probability

    P(x) = prod_i r_i! prod_j c_j! / (n! prod_ij x_ij!)

(Fisher, 1935; Freeman and Halton, 1951, Biometrika 38:141-149). The Fisher-Freeman-Halton
p-value is the total probability of all tables with the same margins that are no more likely
than the observed one (``ffh_test``); for a 2 x 2 table it is the two-sided Fisher exact test
(same ordering and the same relative tolerance 1e-7 as ``scipy.stats.fisher_exact``). A rank
test (Kruskal-Wallis, Mann-Whitney for two groups) on an ordinal variable with ties is a
function of the groups x categories table, and its permutation distribution is the same
hypergeometric distribution, so ``rank_table_test`` enumerates the same tables and sums P(x)
over tables whose statistic is at least the observed one.

Budget. ``count_tables`` counts the tables cheaply (dynamic programming over columns with
merged states), and stops once more than the budget is certain (``n_tables`` is then the
budget + 1: "more than"). Up to ``EXACT_TABLE_LIMIT`` tables are enumerated, which takes at
most a few seconds on one core; every table of the cross-tab chapter (n = 47) fits. Beyond it the
p-value is estimated from ``MC_DRAWS`` random tables with the same margins (Patefield's
algorithm, ``scipy.stats.random_table``), p = (b + 1) / (R + 1), with its Monte Carlo standard
error sqrt(p (1 - p) / R). Seeds come from the test's identity (``seed_for``), so two tests
never share a random stream and a rerun gives the same estimate.

``hypergeometric_gof`` tests whether n respondents drawn without replacement from strata of
N_h units (e.g. 47 of 342 municipalities) could have fallen as observed: the multivariate
hypergeometric probability P(x) = prod_h C(N_h, x_h) / C(N, n), summed over all outcomes no
more likely than the observed one. The outcomes are enumerated in two halves of the strata
(meet in the middle: for each split of n, one half is sorted by probability and the other
half looks up the cumulative probability), within the same budget; beyond it, random draws
(``numpy.random.Generator.multivariate_hypergeometric``) with a standard error.

``holm`` adjusts a family of p-values (Holm, 1979, Scand. J. Statist. 6:65-70).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

EXACT_TABLE_LIMIT = 3_000_000  # tables enumerated at most (about 2 s and 250 MB at the limit)
MC_DRAWS = 200_000  # random tables when the enumeration exceeds the budget
_REL_TOL = 1e-7  # same as scipy.stats.fisher_exact: P(x) <= P(obs) * (1 + 1e-7)
_CHUNK = 4_000_000  # (states x fills) pairs checked at once


@dataclass(frozen=True)
class ExactP:
    """A conditional p-value: ``exact`` (all ``n_tables`` tables with these margins
    enumerated) or Monte Carlo with ``draws`` random tables and standard error ``se`` (0 when
    exact)."""

    p_value: float
    exact: bool
    n_tables: int
    draws: int = 0
    se: float = 0.0
    seed: int | None = None


def seed_for(*identity: object) -> int:
    """A 63-bit seed derived from the test's identity (e.g. base seed, question, grouping).

    Stable across runs and platforms (SHA-256 of the joined parts).
    """
    text = "|".join(str(part) for part in identity)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values, in input order; NaN stays NaN and is not counted."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    order = valid[np.argsort(p[valid], kind="stable")]
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[idx]))
        out[idx] = running
    return out


# --- counting and enumerating tables -------------------------------------------------------

def _fills(total: int, caps: np.ndarray) -> np.ndarray:
    """All vectors of len(caps) non-negative integers with sum ``total`` and x_i <= caps_i,
    in lexicographic order. Built entry by entry, keeping only prefixes whose rest still fits
    the later entries' caps, so the work is proportional to the result (a grid of every
    combination first would not fit in memory for large totals)."""
    caps = np.asarray(caps, dtype=np.int64)
    later = np.concatenate([np.cumsum(caps[::-1])[::-1][1:], [0]])  # caps after entry i
    prefix = np.zeros((1, 0), dtype=np.int64)
    used = np.zeros(1, dtype=np.int64)
    for i in range(len(caps) - 1):
        rest = total - used
        low = np.maximum(0, rest - later[i])
        n = np.maximum(np.minimum(caps[i], rest) - low + 1, 0)
        source = np.repeat(np.arange(len(used)), n)
        step = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        x = low[source] + step
        prefix = np.column_stack([prefix[source], x])
        used = used[source] + x
    last = total - used
    keep = (last >= 0) & (last <= caps[-1])
    return np.column_stack([prefix[keep], last[keep]]).astype(np.int64)


def _count_fills(total: int, caps: np.ndarray) -> int:
    """How many vectors ``_fills(total, caps)`` has, without making them."""
    ways = np.zeros(total + 1, dtype=np.int64)  # at most C(total + k - 1, k - 1): fits
    ways[0] = 1
    for cap in caps:
        cum = np.concatenate([[0], np.cumsum(ways)])
        hi = np.arange(total + 1)
        ways = cum[hi + 1] - cum[np.maximum(hi - int(cap), 0)]
    return int(ways[total])


def _orient(table: np.ndarray) -> tuple[np.ndarray, bool, np.ndarray]:
    """Rows = the shorter side; columns sorted by total (largest last, it is implied).

    Returns the reoriented table, whether it was transposed, and the column order used.
    """
    transposed = table.shape[0] > table.shape[1]
    t = table.T if transposed else table
    order = np.argsort(t.sum(axis=0), kind="stable")
    return t[:, order], transposed, order


def count_tables(rows: Sequence[int], cols: Sequence[int], limit: int | None = None) -> int:
    """Number of non-negative integer tables with these row and column totals.

    With ``limit``: counting stops, returning ``limit + 1``, as soon as more than ``limit``
    tables are certain. Every partial table (columns filled so far) extends to at least one
    full table (remaining rows and columns have equal sums), so the partial tables, and the
    fills of any single column, are lower bounds of the count; for large n the exact count
    would take far longer than the Monte Carlo test it only decides on.
    """
    rows_a, cols_a = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if rows_a.sum() != cols_a.sum():
        raise ValueError("row and column totals differ")
    if len(rows_a) > len(cols_a):
        rows_a, cols_a = cols_a, rows_a
    cols_a = np.sort(cols_a)
    if limit is not None and any(_count_fills(int(c), rows_a) > limit for c in cols_a):
        return limit + 1
    states, ways = rows_a[None, :], np.ones(1, dtype=np.int64)
    for c in cols_a[:-1]:
        keys, weights, partial = [], [], 0
        for state, w in zip(states, ways, strict=True):
            fills = _fills(int(c), state)
            partial += int(w) * len(fills)
            if limit is not None and partial > limit:
                return limit + 1
            keys.append(state - fills)
            weights.append(np.full(len(fills), w, dtype=np.int64))
        states, inverse = _merge(np.concatenate(keys), rows_a)
        ways = np.zeros(len(states), dtype=np.int64)
        np.add.at(ways, inverse, np.concatenate(weights))
    return int(ways.sum())


def _merge(states: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``states`` (each entry between 0 and ``rows``) and the index of each
    row among them: one integer per row (mixed radix) when it fits in 63 bits, which sorts
    far faster than rows."""
    if float(np.prod(rows.astype(float) + 1)) < 2.0 ** 62:
        radix = np.cumprod(np.concatenate([[1], rows[:-1] + 1])).astype(np.int64)
        _, first, inverse = np.unique(states @ radix, return_index=True,
                                          return_inverse=True)
        return states[first], inverse.ravel()
    distinct, inverse = np.unique(states, axis=0, return_inverse=True)
    return distinct, inverse.ravel()


def enumerate_tables(table) -> tuple[np.ndarray, np.ndarray]:
    """Every table with the margins of ``table`` and its log probability P(x).

    Returns ``(tables, log_p)`` with ``tables`` of shape (N, r, c) in the orientation of the
    input. ``log_p`` sums (in probability) to 1.
    """
    arr = np.asarray(table, dtype=np.int64)
    t, transposed, order = _orient(arr)
    paths, states, logp = _walk(t, keep_paths=True)
    full = np.stack([*paths, states], axis=2)  # (N, r, c) in the sorted orientation
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    full = full[:, :, back]
    return (full.transpose(0, 2, 1) if transposed else full), logp


def enumerate_log_probs(table) -> np.ndarray:
    """log P(x) of every table with the margins of ``table`` (no tables kept: less memory)."""
    t, _, _ = _orient(np.asarray(table, dtype=np.int64))
    return _walk(t, keep_paths=False)[2]


def _walk(t: np.ndarray, keep_paths: bool) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Column-by-column enumeration: every partial table extends to at least one full table,
    so memory stays proportional to the number of tables. Returns the fills of the
    enumerated columns (when kept), the last column and log P."""
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    states = rows[None, :].astype(np.int16)
    logw = np.zeros(1)
    paths: list[np.ndarray] = []
    for c in cols[:-1]:
        fills = _fills(int(c), rows).astype(np.int16)
        fill_logw = special.gammaln(fills + 1).sum(axis=1)
        parent, pick = _expand(states, fills)
        states = states[parent] - fills[pick]
        logw = logw[parent] - fill_logw[pick]
        if keep_paths:
            paths = [p[parent] for p in paths] + [fills[pick]]
        del parent, pick
    logw -= special.gammaln(states + 1).sum(axis=1)
    logw += (special.gammaln(rows + 1).sum() + special.gammaln(cols + 1).sum()
             - special.gammaln(rows.sum() + 1))
    return paths, states, logw


def _expand(states: np.ndarray, fills: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(state index, fill index) of every fill that fits under every state, in chunks."""
    step = max(1, _CHUNK // max(1, len(fills)))
    parents, picks = [], []
    for start in range(0, len(states), step):
        block = states[start:start + step]
        fits = np.all(fills[None, :, :] <= block[:, None, :], axis=2)
        i, k = np.nonzero(fits)
        parents.append((i + start).astype(np.int32))
        picks.append(k.astype(np.int32))
    return np.concatenate(parents), np.concatenate(picks)


def log_prob(table) -> float:
    """log P(x) of one table under the hypergeometric null (margins from the table)."""
    x = np.asarray(table, dtype=np.int64)
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    return float(special.gammaln(rows + 1).sum() + special.gammaln(cols + 1).sum()
                 - special.gammaln(x.sum() + 1) - special.gammaln(x + 1).sum())


# --- tests ----------------------------------------------------------------------------------

def _random_tables(table: np.ndarray, draws: int, seed: int | None) -> np.ndarray:
    from scipy import stats as sps  # ~0.6 s to import: only when used

    dist = sps.random_table(table.sum(axis=1), table.sum(axis=0))
    return dist.rvs(size=draws, random_state=np.random.default_rng(seed))


def _mc(hits: int, draws: int, seed: int | None, n_tables: int) -> ExactP:
    p = (hits + 1) / (draws + 1)
    return ExactP(p, False, n_tables, draws, math.sqrt(p * (1 - p) / draws), seed)


def ffh_test(table, *, seed: int | None = None, limit: int = EXACT_TABLE_LIMIT,
             draws: int = MC_DRAWS) -> ExactP:
    """Fisher-Freeman-Halton p-value of an r x c table (see the module docstring).

    Exact when at most ``limit`` tables share the margins, else Monte Carlo with ``draws``
    random tables seeded by ``seed``.
    """
    arr = np.asarray(table, dtype=np.int64)
    observed = log_prob(arr)
    n_tables = count_tables(arr.sum(axis=1), arr.sum(axis=0), limit)
    if n_tables <= limit:
        logp = enumerate_log_probs(arr)
        return ExactP(min(_sum_no_more_likely(logp, observed), 1.0), True, n_tables)
    sample = _random_tables(arr, draws, seed)
    rows, cols = arr.sum(axis=1), arr.sum(axis=0)
    const = (special.gammaln(rows + 1).sum() + special.gammaln(cols + 1).sum()
             - special.gammaln(arr.sum() + 1))
    logp = const - special.gammaln(sample + 1).sum(axis=(1, 2))
    return _mc(int(np.sum(_no_more_likely(logp, observed))), draws, seed, n_tables)


def _no_more_likely(logp: np.ndarray, observed: float) -> np.ndarray:
    return logp <= observed + math.log1p(_REL_TOL)


def _sum_no_more_likely(logp: np.ndarray, observed: float) -> float:
    return float(np.exp(logp[_no_more_likely(logp, observed)]).sum())


def rank_statistic(tables: np.ndarray) -> np.ndarray:
    """sum_g R_g^2 / n_g for groups x ordered-categories tables (N, g, k), midranks for ties.

    With all margins fixed this is monotone in Kruskal's H (and, for two groups, in
    |U - n1 n2 / 2|), so it orders tables as the rank test does.
    """
    t = np.asarray(tables, dtype=float)
    if t.ndim == 2:
        t = t[None]
    col = t[0].sum(axis=0)
    mid = np.cumsum(col) - col + (col + 1) / 2
    sums = t @ mid
    sizes = t[0].sum(axis=1)
    return np.sum(sums**2 / sizes, axis=-1)


def rank_table_test(table, *, seed: int | None = None, limit: int = EXACT_TABLE_LIMIT,
                    draws: int = MC_DRAWS) -> ExactP:
    """Exact permutation p-value of the rank test on a groups x ordered-categories table.

    Rows are groups (all non-empty), columns the ordered categories. Exact within ``limit``
    tables, Monte Carlo beyond (as ``ffh_test``).
    """
    arr = np.asarray(table, dtype=np.int64)
    observed = float(rank_statistic(arr)[0])
    bound = observed * (1 - 1e-9)
    n_tables = count_tables(arr.sum(axis=1), arr.sum(axis=0), limit)
    if n_tables <= limit:
        tables, logp = enumerate_tables(arr)
        stat = rank_statistic(tables)
        return ExactP(min(1.0, float(np.exp(logp[stat >= bound]).sum())), True, n_tables)
    stat = rank_statistic(_random_tables(arr, draws, seed))
    return _mc(int(np.sum(stat >= bound)), draws, seed, n_tables)


# --- sampling without replacement ----------------------------------------------------------

def _log_comb(big: np.ndarray, small: np.ndarray) -> np.ndarray:
    return special.gammaln(big + 1) - special.gammaln(small + 1) - special.gammaln(
        big - small + 1)


def _half(caps: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of one half of the strata summing to ``total`` and their log prod C(N_h, x_h)."""
    if len(caps) == 0:
        return (np.zeros((1, 0), dtype=np.int64), np.zeros(1)) if total == 0 else (
            np.empty((0, 0), dtype=np.int64), np.empty(0))
    x = _fills(total, caps)
    return x, _log_comb(caps[None, :].astype(float), x.astype(float)).sum(axis=1)


def _half_budget(caps: np.ndarray, n: int) -> int:
    """Upper bound of the vectors one half enumerates over all splits of n."""
    return math.comb(n + len(caps), len(caps))


def hypergeometric_gof(observed: Sequence[int], population: Sequence[int], *,
                       seed: int | None = None, limit: int = EXACT_TABLE_LIMIT,
                       draws: int = MC_DRAWS) -> ExactP:
    """Exact (or, beyond ``limit``, simulated) multivariate hypergeometric test of
    ``observed`` counts per stratum against stratum sizes ``population`` (see the module
    docstring). ValueError when a stratum has more observations than units."""
    obs = np.asarray(observed, dtype=np.int64)
    big = np.asarray(population, dtype=np.int64)
    if obs.shape != big.shape or np.any(obs > big) or np.any(obs < 0):
        raise ValueError("need 0 <= observed <= population per stratum")
    n = int(obs.sum())
    log_total = float(_log_comb(np.array(float(big.sum())), np.array(float(n))))
    observed_lp = float(_log_comb(big.astype(float), obs.astype(float)).sum()) - log_total
    bound = observed_lp + math.log1p(_REL_TOL)
    half = len(big) // 2
    caps_a, caps_b = big[:half], big[half:]
    size = _half_budget(caps_a, n) + _half_budget(caps_b, n)
    if size <= limit:
        p = 0.0
        for s in range(n + 1):
            _, la = _half(caps_a, s)
            _, lb = _half(caps_b, n - s)
            if la.size == 0 or lb.size == 0:
                continue
            lb = np.sort(lb) - log_total
            cum = np.concatenate([[0.0], np.cumsum(np.exp(lb))])
            idx = np.searchsorted(lb, bound - la, side="right")
            p += float(np.sum(np.exp(la) * cum[idx]))
        return ExactP(min(p, 1.0), True, size)
    rng = np.random.default_rng(seed)
    sample = rng.multivariate_hypergeometric(big, n, size=draws)
    lp = _log_comb(big[None, :].astype(float), sample.astype(float)).sum(axis=1) - log_total
    return _mc(int(np.sum(lp <= bound)), draws, seed, size)
