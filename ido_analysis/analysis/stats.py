"""Small-sample statistics: intervals, tests and plain-Dutch interpretation.

All tests are seeded and return a ``TestResult``; ``interpret`` turns one into a Dutch sentence
that says what the result can and cannot support at the given number of respondents.

Confidence interval for a proportion (``wilson_interval``)
    Wilson's score interval is the set of p for which |p̂ - p| <= z * sqrt(Var(p̂)) (Wilson, 1927,
    JASA 22:209-212). Sampling n of N municipalities without replacement multiplies the variance
    of p̂ by the finite-population correction (N - n) / (N - 1) (Cochran, 1977, *Sampling
    Techniques*, 3rd ed., eq. 3.4). Inverting the score test with that variance gives the
    ordinary Wilson formula with z replaced by z' = z * sqrt((N - n) / (N - 1)):

        centre = (p̂ + z'^2 / (2n)) / (1 + z'^2 / n)
        half   = z' / (1 + z'^2 / n) * sqrt(p̂ (1 - p̂) / n + z'^2 / (4 n^2))

    With n = N the interval collapses onto p̂ (a census has no sampling error). The correction
    only describes sampling error under random response; it says nothing about self-selection.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy import stats as sps

from ido_analysis.core.formatting import fmt_count, fmt_number, fmt_p_clause

DEFAULT_SEED = 20251010
DEFAULT_RESAMPLES = 9999
ALPHA = 0.05
_EXACT_GOF_LIMIT = 100_000  # largest number of possible tables enumerated exactly

METHOD_NAMES_NL = {
    "fisher": "exacte toets van Fisher",
    "montecarlo": "permutatietoets",
    "permutation": "permutatietoets",
    "asymptotic": "chi-kwadraattoets",
    "mann-whitney": "Mann-Whitneytoets met permutaties",
    "kruskal-wallis": "Kruskal-Wallistoets met permutaties",
    "exact-multinomial": "exacte multinomiale toets",
    "montecarlo-gof": "chi-kwadraattoets met simulatie",
    "none": "geen toets",
}


@dataclass(frozen=True)
class TestResult:
    """Outcome of one hypothesis test.

    ``kind`` is 'independence', 'rank' or 'goodness_of_fit'. ``statistic`` is the odds ratio
    (Fisher), Pearson's chi-square (independence, goodness of fit), U of the first group
    (Mann-Whitney) or H (Kruskal-Wallis). ``cramers_v`` is the plain (not bias-corrected) V of
    the table, NaN for rank and goodness-of-fit tests. ``p_value`` is NaN when no test was
    possible; ``note`` then says why (in Dutch).
    """

    __test__ = False  # not a pytest test class

    kind: str
    method: str
    method_nl: str
    statistic: float
    p_value: float
    n: int
    cramers_v: float = math.nan
    seed: int | None = None
    n_resamples: int | None = None
    note: str = ""

    @property
    def significant(self) -> bool:
        """p < 0.05 (False when no test was possible)."""
        return bool(self.p_value < ALPHA)


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return float(sps.norm.ppf(0.5 + confidence / 2))


def fpc_factor(n: float, population: int | None) -> float:
    """sqrt((N - n) / (N - 1)); 1 without a population. ValueError when n > N."""
    if population is None:
        return 1.0
    if n > population:
        raise ValueError(f"sample size {n} exceeds the population {population}")
    if population <= 1:
        return 0.0
    return math.sqrt((population - n) / (population - 1))


def wilson_interval(
    count: float, base: float, confidence: float = 0.95, population: int | None = None
) -> tuple[float, float]:
    """Wilson score interval (proportions 0-1) for ``count`` of ``base``, optionally with FPC.

    ``count`` and ``base`` may be non-integer (weighted share times effective n). Base 0 gives
    ``(nan, nan)``. See the module docstring for the formula and its sources.
    """
    if base < 0 or count < 0 or count > base + 1e-9:
        raise ValueError(f"need 0 <= count <= base, got count={count}, base={base}")
    if base == 0:
        return (math.nan, math.nan)
    z = _z(confidence) * fpc_factor(base, population)
    p = min(count / base, 1.0)
    denom = 1 + z * z / base
    centre = (p + z * z / (2 * base)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base))
    return (max(0.0, centre - half), min(1.0, centre + half))


def effective_sample_size(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2; 0 for no weights."""
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        return 0.0
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    total_sq = float(np.sum(w * w))
    return 0.0 if total_sq == 0 else float(np.sum(w) ** 2 / total_sq)


def _as_table(table) -> np.ndarray:
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"expected a two-way table, got {arr.ndim} dimension(s)")
    if np.any(arr < 0) or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError("a contingency table holds non-negative whole counts")
    return arr.astype(np.int64)


def _drop_empty(arr: np.ndarray) -> np.ndarray:
    return arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0]


def _pearson_chi2(arr: np.ndarray) -> float:
    expected = np.outer(arr.sum(axis=1), arr.sum(axis=0)) / arr.sum()
    return float(np.sum((arr - expected) ** 2 / expected))


def cramers_v(table) -> float:
    """Plain Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))), chi2 without Yates correction.

    Empty rows and columns are dropped first; NaN when fewer than two remain either way.
    Not bias-corrected: at n = 47 it overstates the association somewhat, so read it as an
    upper-side description, not as an estimate for all municipalities.
    """
    arr = _drop_empty(_as_table(table))
    if min(arr.shape) < 2:
        return math.nan
    n = arr.sum()
    return math.sqrt(_pearson_chi2(arr) / (n * (min(arr.shape) - 1)))


def independence_test(
    table,
    method: str = "auto",
    seed: int | None = DEFAULT_SEED,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> TestResult:
    """Test independence of rows and columns of an r x c count table.

    ``method``: 'auto' (Fisher's exact test for 2 x 2, otherwise 'montecarlo'), 'fisher',
    'montecarlo' (chi-square with random tables drawn with both margins fixed, i.e. the
    permutation distribution, via ``scipy.stats.MonteCarloMethod``), 'permutation'
    (``scipy.stats.PermutationMethod``; same null distribution, slower) or 'asymptotic'.
    Rows and columns without observations are dropped first; with fewer than two left no test
    is possible and p is NaN. The same seed gives the same p-value.
    """
    arr = _drop_empty(_as_table(table))
    n = int(arr.sum())
    if min(arr.shape) < 2:
        return TestResult("independence", "none", METHOD_NAMES_NL["none"], math.nan, math.nan,
                          n, seed=seed, note="er is maar één groep of één antwoord")
    if method == "auto":
        method = "fisher" if arr.shape == (2, 2) else "montecarlo"
    v = cramers_v(arr)
    if method == "fisher":
        if arr.shape != (2, 2):
            raise ValueError(f"Fisher's exact test needs a 2 x 2 table, got {arr.shape}")
        res = sps.fisher_exact(arr)
        return TestResult("independence", "fisher", METHOD_NAMES_NL["fisher"],
                          float(res.statistic), float(res.pvalue), n, v)
    if method == "asymptotic":
        res = sps.chi2_contingency(arr, correction=False)
        return TestResult("independence", method, METHOD_NAMES_NL[method],
                          float(res.statistic), float(res.pvalue), n, v)
    rng = np.random.default_rng(seed)
    if method == "montecarlo":
        resampling = sps.MonteCarloMethod(n_resamples=n_resamples, rng=rng)
    elif method == "permutation":
        resampling = sps.PermutationMethod(n_resamples=n_resamples, rng=rng)
    else:
        raise ValueError(f"unknown method {method!r}")
    res = sps.chi2_contingency(arr, correction=False, method=resampling)
    return TestResult("independence", method, METHOD_NAMES_NL[method], float(res.statistic),
                      float(res.pvalue), n, v, seed, n_resamples)


def _group_stat(ranks: np.ndarray, labels: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Sum over groups of R_g^2 / n_g for each row of ``labels`` (monotone in Kruskal's H)."""
    sums = np.stack([(labels == g) @ ranks for g in range(len(sizes))], axis=-1)
    return np.sum(sums**2 / sizes, axis=-1)


def rank_test(
    samples: Sequence[Sequence[float]],
    seed: int | None = DEFAULT_SEED,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> TestResult:
    """Compare an ordinal variable across groups; ``samples`` holds the ordinal codes per group.

    Two groups: Mann-Whitney (statistic U of the first group); more: Kruskal-Wallis (H). The
    p-value comes from ``n_resamples`` seeded random permutations of the group labels (midranks
    for ties), counting the observed arrangement: p = (b + 1) / (R + 1). With two groups this
    is the two-sided Mann-Whitney test, since H is then monotone in |U - n1 n2 / 2|.
    Empty groups are ignored; with fewer than two non-empty groups p is NaN.
    """
    groups = [np.asarray(s, dtype=float) for s in samples]
    groups = [g for g in groups if g.size > 0]
    n = int(sum(g.size for g in groups))
    if len(groups) < 2:
        return TestResult("rank", "none", METHOD_NAMES_NL["none"], math.nan, math.nan, n,
                          seed=seed, note="er is maar één groep met antwoorden")
    pooled = np.concatenate(groups)
    if np.unique(pooled).size < 2:
        return TestResult("rank", "none", METHOD_NAMES_NL["none"], math.nan, math.nan, n,
                          seed=seed, note="alle respondenten gaven hetzelfde antwoord")
    ranks = sps.rankdata(pooled)
    sizes = np.array([g.size for g in groups], dtype=float)
    labels = np.repeat(np.arange(len(groups)), sizes.astype(int))
    observed = _group_stat(ranks, labels, sizes)
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(labels, (n_resamples, 1)), axis=1)
    null = _group_stat(ranks, perms, sizes)
    extreme = int(np.sum(null >= observed * (1 - 1e-12)))
    p = (extreme + 1) / (n_resamples + 1)
    if len(groups) == 2:
        method, stat = "mann-whitney", float(sps.mannwhitneyu(groups[0], groups[1]).statistic)
    else:
        method, stat = "kruskal-wallis", float(sps.kruskal(*groups).statistic)
    return TestResult("rank", method, METHOD_NAMES_NL[method], stat, p, n, seed=seed,
                      n_resamples=n_resamples)


def _chi2_stat(counts: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.sum((counts - expected) ** 2 / expected, axis=-1)


def _compositions(n: int, k: int) -> np.ndarray:
    """All vectors of k non-negative integers summing to n (stars and bars)."""
    bars = np.array(list(itertools.combinations(range(n + k - 1), k - 1)), dtype=int)
    bars = bars.reshape(-1, k - 1)
    edges = np.hstack([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), n + k - 1)])
    return np.diff(edges, axis=1) - 1


def goodness_of_fit(
    observed: Sequence[int],
    expected_props: Sequence[float],
    seed: int | None = DEFAULT_SEED,
    method: str = "auto",
    n_resamples: int = DEFAULT_RESAMPLES,
) -> TestResult:
    """Do the observed counts fit the expected proportions (e.g. population shares)?

    'exact': exact multinomial test, p = total probability of all outcomes no more likely than
    the observed one (feasible while the number of outcomes C(n+k-1, k-1) <= 100 000).
    'montecarlo': Pearson chi-square with the null distribution from ``n_resamples`` seeded
    multinomial draws, p = (b + 1) / (R + 1). 'auto' takes 'exact' when feasible.
    ``statistic`` is Pearson's chi-square in both cases.
    """
    obs = np.asarray(observed, dtype=float)
    props = np.asarray(expected_props, dtype=float)
    if obs.shape != props.shape or obs.ndim != 1:
        raise ValueError("observed and expected_props need the same one-dimensional shape")
    if np.any(props <= 0) or not math.isclose(props.sum(), 1.0, abs_tol=1e-6):
        raise ValueError(f"expected_props must be positive and sum to 1, got {props.sum():.6f}")
    if np.any(obs < 0) or np.any(obs != np.round(obs)):
        raise ValueError("observed must be non-negative whole counts")
    props = props / props.sum()
    n, k = int(obs.sum()), len(obs)
    stat = float(_chi2_stat(obs, n * props)) if n else math.nan
    if n == 0 or k < 2:
        return TestResult("goodness_of_fit", "none", METHOD_NAMES_NL["none"], stat, math.nan,
                          n, seed=seed, note="geen respondenten of maar één categorie")
    if method == "auto":
        method = "exact" if math.comb(n + k - 1, k - 1) <= _EXACT_GOF_LIMIT else "montecarlo"
    if method == "exact":
        tables = _compositions(n, k)
        logp = special.gammaln(n + 1) - special.gammaln(tables + 1).sum(axis=1) + (
            tables * np.log(props)).sum(axis=1)
        obs_logp = (special.gammaln(n + 1) - special.gammaln(obs + 1).sum()
                    + float((obs * np.log(props)).sum()))
        p = float(np.exp(logp[logp <= obs_logp + 1e-9]).sum())
        return TestResult("goodness_of_fit", "exact-multinomial",
                          METHOD_NAMES_NL["exact-multinomial"], stat, min(p, 1.0), n, seed=seed)
    if method != "montecarlo":
        raise ValueError(f"unknown method {method!r}")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, props, size=n_resamples)
    null = _chi2_stat(draws, n * props)
    p = (int(np.sum(null >= stat * (1 - 1e-12))) + 1) / (n_resamples + 1)
    return TestResult("goodness_of_fit", "montecarlo-gof", METHOD_NAMES_NL["montecarlo-gof"],
                      stat, p, n, seed=seed, n_resamples=n_resamples)


def _method_clause(result: TestResult) -> str:
    clause = f"{fmt_p_clause(result.p_value)}, {result.method_nl}"
    if not math.isnan(result.cramers_v):
        clause += f"; Cramérs V = {fmt_number(result.cramers_v, 2)}"
    return clause


def interpret(result: TestResult, n: int | None = None, alpha: float = ALPHA) -> str:
    """One plain Dutch sentence on what ``result`` can and cannot support at ``n`` respondents.

    ``n`` defaults to the number of respondents in the test.
    """
    n = result.n if n is None else n
    who = f"Bij {fmt_count(n)} respondent{'' if n == 1 else 'en'}"
    subject = ("wijkt de samenstelling van de respondenten"
               if result.kind == "goodness_of_fit" else "is dit verschil")
    if math.isnan(result.p_value):
        reason = f": {result.note}" if result.note else ""
        return f"{who} is geen toets mogelijk{reason}."
    if result.kind == "goodness_of_fit":
        if result.p_value < alpha:
            return (f"{who} wijkt de samenstelling van de respondenten statistisch aantoonbaar "
                    f"af van die van alle gemeenten ({_method_clause(result)}); uitkomsten "
                    "voor alle gemeenten samen kunnen daardoor vertekend zijn.")
        return (f"{who} {subject} niet statistisch aantoonbaar af van die van alle gemeenten "
                f"({_method_clause(result)}); dat bewijst niet dat de respondenten "
                "representatief zijn.")
    if result.p_value < alpha:
        return (f"{who} is dit verschil statistisch aantoonbaar ({_method_clause(result)}); "
                "hoe groot het verschil bij alle gemeenten is, blijft met zo weinig "
                "respondenten onzeker.")
    return (f"{who} is dit verschil niet statistisch aantoonbaar ({_method_clause(result)}); "
            "dat betekent niet dat er geen verschil is.")
