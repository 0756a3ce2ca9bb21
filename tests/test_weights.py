"""Tests of ido_analysis.analysis.weights: post-stratification and representativeness."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from helpers_stats import single_frame, small_codebook
from scipy import stats as sps

from ido_analysis.analysis.exact import hypergeometric_gof
from ido_analysis.analysis.tables import question_table
from ido_analysis.analysis.weights import (
    REPRESENTATIVENESS_COLUMNS,
    Weighting,
    population_counts,
    poststratification_weights,
    representativeness,
    representativeness_sampling_test,
    representativeness_test,
)
from ido_analysis.spec.reference import COARSE_LABELS, load_municipalities

POP = {"klein": 100, "groot": 242}


def _respondents(strata: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"stratum": strata}, index=range(10, 10 + len(strata)))


def test_weights_exact_values_and_mean_one() -> None:
    df = _respondents(["klein"] * 2 + ["groot"] * 8)
    w = poststratification_weights(df, "stratum", POP)
    assert w.index.tolist() == df.index.tolist()
    assert w.iloc[0] == pytest.approx((100 / 342) / (2 / 10))
    assert w.iloc[-1] == pytest.approx((242 / 342) / (8 / 10))
    assert w.mean() == pytest.approx(1.0)
    # Weighted shares reproduce the population shares.
    assert w[df["stratum"] == "klein"].sum() / w.sum() == pytest.approx(100 / 342)


def test_weights_name_strata_without_population_or_respondents() -> None:
    with pytest.raises(ValueError, match=r"respondents but no population count for \['midden'\]"):
        poststratification_weights(_respondents(["klein", "midden", "groot"]), "stratum", POP)
    with pytest.raises(ValueError, match=r"population but no respondents in \['groot'\]"):
        poststratification_weights(_respondents(["klein", "klein"]), "stratum", POP)
    with pytest.raises(ValueError, match="1 respondent\\(s\\) have no stratum"):
        poststratification_weights(_respondents(["klein", None, "groot"]), "stratum", POP)


def test_weighted_table_uses_poststratification() -> None:
    q = small_codebook()["q01"]
    frame = single_frame(q, ["Trekker", "Trekker", "Deelnemer", "Deelnemer"])
    frame["stratum"] = ["klein", "klein", "groot", "groot"]
    w = poststratification_weights(frame, "stratum", POP)
    table = question_table(frame, q, weights=w)
    assert table["percent"].tolist() == pytest.approx([100 * 100 / 342, 100 * 242 / 342, 0])
    assert table["count"].tolist() == [2, 2, 0]


def test_weighting_is_recomputed_on_each_base() -> None:
    # 10 respondents, but only 6 answered: weights from all 10 would give the base the
    # shares 2*w_klein : 4*w_groot, not the population's 100 : 242.
    q = small_codebook()["q01"]
    answers = ["Trekker", "Trekker", None, None, "Deelnemer", "Deelnemer", "Deelnemer",
               "Deelnemer", None, None]
    frame = single_frame(q, answers)
    frame["stratum"] = ["klein"] * 4 + ["groot"] * 6
    fixed = poststratification_weights(frame, "stratum", POP)
    old = question_table(frame, q, weights=fixed)
    new = question_table(frame, q, weights=Weighting("stratum", POP))
    assert new["percent"].tolist() == pytest.approx([100 * 100 / 342, 100 * 242 / 342, 0])
    assert old["percent"].iloc[0] != pytest.approx(100 * 100 / 342)
    assert new.attrs["weighted"] and new["n_eff"].iloc[0] < 6


def test_weighting_drops_strata_missing_from_the_base_and_says_so() -> None:
    w = Weighting("stratum", {"klein": 100, "groot": 242, "midden": 50}).on(
        _respondents(["klein", "groot", "groot"]))
    assert w.attrs["missing_strata"] == ["midden"]
    assert w.iloc[0] / w.sum() == pytest.approx(100 / 342)


@pytest.fixture(scope="module")
def municipalities() -> pd.DataFrame:
    return load_municipalities()


def test_representativeness_against_cbs_table(municipalities: pd.DataFrame) -> None:
    sample = municipalities.sample(47, random_state=1)
    table = representativeness(sample, municipalities, "grootteklasse_grof")
    assert list(table.columns) == REPRESENTATIVENESS_COLUMNS
    assert table["stratum"].tolist() == list(COARSE_LABELS)
    assert table["population"].sum() == 342
    assert table["respondents"].sum() == 47
    assert table["population_share"].sum() == pytest.approx(100)
    assert table["response_share"].sum() == pytest.approx(100)
    expected_pop = municipalities["grootteklasse_grof"].value_counts(sort=False).tolist()
    assert table["population"].tolist() == expected_pop
    rate = 100 * table["respondents"] / table["population"]
    assert np.allclose(table["response_rate"], rate)
    assert population_counts(municipalities, "grootteklasse_grof") == dict(
        zip(COARSE_LABELS, expected_pop, strict=True))
    result = representativeness_test(table, seed=1)
    assert result.kind == "goodness_of_fit" and result.n == 47
    assert result.method == "exact-multinomial"  # 3 strata: exact enumeration is feasible


def test_representativeness_keeps_empty_strata_and_rejects_unknown(
        municipalities: pd.DataFrame) -> None:
    only_small = municipalities[municipalities["inwoners"] < 20_000].head(5)
    table = representativeness(only_small, municipalities, "grootteklasse_grof")
    assert table["respondents"].tolist() == [5, 0, 0]
    bad = pd.DataFrame({"grootteklasse_grof": ["reus"]})
    with pytest.raises(ValueError, match=r"not in the reference: \['reus'\]"):
        representativeness(bad, municipalities, "grootteklasse_grof")


def test_sampling_without_replacement_is_exact_hypergeometric(municipalities) -> None:
    table = pd.DataFrame({"stratum": ["klein", "groot"], "population": [66, 276],
                          "respondents": [10, 37]})
    res = representativeness_sampling_test(table)
    assert res.method == "exact-hypergeometric" and res.se == 0
    # two strata: the two-sided Fisher test of the 2 x 2 table respondents / others
    assert res.p_value == pytest.approx(sps.fisher_exact([[10, 56], [37, 239]]).pvalue)


def test_hypergeometric_enumeration_matches_brute_force() -> None:
    pop, obs = np.array([3, 4, 2]), np.array([1, 3, 0])
    n = obs.sum()
    outcomes = [np.array(x) for x in itertools.product(*(range(c + 1) for c in pop))
                if sum(x) == n]

    def prob(x):
        ways = np.prod([math.comb(int(N), int(k)) for N, k in zip(pop, x, strict=True)])
        return ways / math.comb(int(pop.sum()), int(n))

    expected = sum(prob(x) for x in outcomes if prob(x) <= prob(obs) * (1 + 1e-7))
    assert hypergeometric_gof(obs, pop).p_value == pytest.approx(expected)
    sim = hypergeometric_gof(obs, pop, limit=1, seed=2, draws=20_000)
    assert not sim.exact and abs(sim.p_value - expected) < 4 * sim.se
