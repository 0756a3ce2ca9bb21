"""Post-stratification weights and a representativeness table against the CBS reference.

With 47 respondents, weighting can only correct a known imbalance on a coarse grouping (e.g.
``grootteklasse_grof``); every stratum needs respondents, and the weights cost effective sample
size (``stats.effective_sample_size``). Weighted results are a sensitivity check, not a fix
for self-selection within strata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ido_analysis.analysis.exact import seed_for
from ido_analysis.analysis.stats import DEFAULT_SEED, TestResult, goodness_of_fit, sampling_test

REPRESENTATIVENESS_COLUMNS = [
    "stratum", "population", "population_share", "respondents", "response_share",
    "response_rate",
]


def population_counts(reference: pd.DataFrame, by: str) -> dict[str, int]:
    """Municipalities per category of ``reference[by]`` (categorical order when categorical)."""
    counts = reference[by].value_counts(sort=False)
    return {str(k): int(v) for k, v in counts.items()}


def poststratification_weights(
    df: pd.DataFrame, stratum_col: str, population_counts: Mapping[str, int]
) -> pd.Series:
    """Weight w_h = (N_h / N) / (n_h / n) per respondent; the weights average exactly 1.

    Raises ``ValueError`` naming the strata when a respondent has no stratum, when a stratum
    has respondents but no (or zero) population count, or when a stratum with population has
    no respondents (merge strata first: such a stratum cannot be represented).
    """
    strata = df[stratum_col].astype("object")
    if strata.isna().any():
        raise ValueError(f"{int(strata.isna().sum())} respondent(s) have no {stratum_col}")
    strata = strata.astype(str)
    n_h = strata.value_counts()
    pop = {str(k): int(v) for k, v in population_counts.items()}
    no_population = sorted(s for s in n_h.index if pop.get(s, 0) <= 0)
    if no_population:
        raise ValueError(f"{stratum_col}: respondents but no population count for "
                         f"{no_population}")
    no_respondents = sorted(s for s, v in pop.items() if v > 0 and s not in n_h.index)
    if no_respondents:
        raise ValueError(f"{stratum_col}: population but no respondents in {no_respondents}; "
                         "merge these strata before weighting")
    n, big_n = len(strata), sum(pop.values())
    factor = {s: (pop[s] / big_n) / (n_h[s] / n) for s in n_h.index}
    return strata.map(factor).astype(float).rename("weight")


@dataclass(frozen=True)
class Weighting:
    """Post-stratification recomputed on every analysis base.

    Weights computed once on all respondents and applied to a subset (e.g. the 39 with a
    network stage) no longer reproduce the population's stratum shares there. ``on`` computes
    the weights on exactly the respondents it is given, so the weighted stratum shares of
    every table's base equal the population shares of the strata present in that base. A
    stratum with population but no respondent in the base cannot be represented: it is left
    out and the remaining strata are scaled to their population shares among themselves
    (``on(...).attrs['missing_strata']`` lists them).
    """

    stratum: str
    population: Mapping[str, int]

    def on(self, df: pd.DataFrame) -> pd.Series:
        """Weights (mean 1) for the rows of ``df``, indexed like ``df``."""
        if df.empty:
            return pd.Series(dtype=float, name="weight")
        present = set(df[self.stratum].dropna().astype(str))
        missing = sorted(s for s, n in self.population.items() if n > 0 and s not in present)
        pop = {s: n for s, n in self.population.items() if s in present}
        weights = poststratification_weights(df, self.stratum, pop)
        weights.attrs["missing_strata"] = missing
        return weights


def representativeness(df: pd.DataFrame, reference: pd.DataFrame, by: str) -> pd.DataFrame:
    """Population and respondents per category of ``by`` (a column of both frames).

    Columns ``REPRESENTATIVENESS_COLUMNS``; shares and the response rate in percent (0-100).
    One row per category of the reference, in categorical order, including categories
    without respondents. The population column adds up to the number of municipalities in
    ``reference`` (342 for the CBS table). ValueError when respondents fall in a category the
    reference does not have, or lack a value.
    """
    pop = population_counts(reference, by)
    resp = df[by].astype("object")
    if resp.isna().any():
        raise ValueError(f"{int(resp.isna().sum())} respondent(s) have no {by}")
    resp_counts = resp.astype(str).value_counts()
    unknown = sorted(set(resp_counts.index) - set(pop))
    if unknown:
        raise ValueError(f"{by}: respondent categories not in the reference: {unknown}")
    table = pd.DataFrame({"stratum": list(pop), "population": list(pop.values())})
    table["respondents"] = [int(resp_counts.get(s, 0)) for s in pop]
    total_pop, total_resp = table["population"].sum(), table["respondents"].sum()
    table["population_share"] = 100 * table["population"] / total_pop
    table["response_share"] = 100 * table["respondents"] / total_resp if total_resp else np.nan
    table["response_rate"] = 100 * table["respondents"] / table["population"].where(
        table["population"] > 0)
    table = table[REPRESENTATIVENESS_COLUMNS]
    table.attrs.update(by=by, population=int(total_pop), respondents=int(total_resp))
    return table


def representativeness_test(table: pd.DataFrame, seed: int | None = DEFAULT_SEED) -> TestResult:
    """Goodness-of-fit of the respondents per stratum to the population shares (multinomial:
    as if respondents were drawn with replacement)."""
    present = table[table["population"] > 0]
    return goodness_of_fit(present["respondents"].to_numpy(),
                           (present["population"] / present["population"].sum()).to_numpy(),
                           seed=seed_for(seed, "multinomial", table.attrs.get("by", "")))


def representativeness_sampling_test(table: pd.DataFrame,
                                     seed: int | None = DEFAULT_SEED) -> TestResult:
    """The same question under sampling without replacement: n distinct municipalities out
    of N (multivariate hypergeometric, ``stats.sampling_test``).

    Respondents are counted once each in their stratum; a respondent answering for several
    municipalities is one draw, so the test treats respondents as if they were
    municipalities.
    """
    present = table[table["population"] > 0]
    return sampling_test(present["respondents"].to_numpy(), present["population"].to_numpy(),
                         seed=seed_for(seed, "hypergeometric", table.attrs.get("by", "")))
