"""Tests of ido_analysis.analysis.weights: post-stratification and representativeness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers_stats import single_frame, small_codebook

from ido_analysis.analysis.tables import question_table
from ido_analysis.analysis.weights import (
    REPRESENTATIVENESS_COLUMNS,
    population_counts,
    poststratification_weights,
    representativeness,
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
