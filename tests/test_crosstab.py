"""Tests of ido_analysis.analysis.crosstab on constructed respondent frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers_stats import multi_frame, single_frame, small_codebook

from ido_analysis.analysis.crosstab import (
    CROSSTAB_COLUMNS,
    apply_families,
    crosstab,
    display_crosstab,
)
from ido_analysis.analysis.exact import holm, seed_for
from ido_analysis.analysis.stats import independence_test
from ido_analysis.spec.families import TestFamily

CB = small_codebook()
Q_SINGLE, Q_SCALE, Q_MULTI, Q_GRID = CB["q01"], CB["q02"], CB["q03"], CB["q04"]
R = 499
SIZES = pd.CategoricalDtype(["klein", "middel", "groot"], ordered=True)


def _with_groups(frame: pd.DataFrame, groups: list[str | None], dtype=SIZES) -> pd.DataFrame:
    return frame.assign(grootte=pd.Series(groups, dtype="object").astype(dtype))


def _scale_frame() -> pd.DataFrame:
    # klein: 10 respondents mostly satisfied; groot: 10 mostly dissatisfied; middel: 2.
    answers = (["Zeer tevreden"] * 5 + ["Tevreden"] * 5
               + ["Tevreden", "Weet ik niet"]
               + ["Ontevreden"] * 5 + ["Tevreden"] * 5)
    groups = ["klein"] * 10 + ["middel"] * 2 + ["groot"] * 10
    return _with_groups(single_frame(Q_SCALE, answers), groups)


def test_schema_and_merge_of_small_ordered_group() -> None:
    res = crosstab(_scale_frame(), Q_SCALE, "grootte", codebook=CB, n_resamples=R)
    table = res.table
    assert list(table.columns) == CROSSTAB_COLUMNS
    # middel (2) merges into its smaller neighbour klein (10 < 10 tie -> preceding).
    assert res.groups == {"klein": "klein + middel", "middel": "klein + middel",
                          "groot": "groot"}
    assert table["group"].unique().tolist() == ["klein + middel", "groot"]
    assert table.groupby("group", sort=False)["base"].first().tolist() == [12, 10]
    assert (table["group_var"] == "grootte").all() and (table["question"] == "q02").all()


def test_counts_percentages_and_suppression() -> None:
    res = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R)
    t = res.table.set_index(["group", "option"])
    # klein + middel: a 5, b 6, c 0, d 1 (of 12); groot: a 0, b 5, c 5, d 0 (of 10).
    assert t.loc[("groot", "c"), "count"] == 5
    assert t.loc[("groot", "c"), "col_percent"] == pytest.approx(50.0)
    assert t.loc[("groot", "c"), "row_percent"] == pytest.approx(100.0)
    assert t.loc[("klein + middel", "c"), "count"] == 0
    # 'Weet ik niet' = 1 in klein + middel is hidden; complements a (group) and the zero cells
    # of groot (option rows) would still let it be derived (groot's hidden cells would sum
    # to 0), so b is hidden in both groups as well.
    hidden = set(res.table.loc[res.table["suppressed"], ["group", "option"]].itertuples(
        index=False, name=None))
    assert hidden == {("klein + middel", o) for o in "abd"} | {("groot", o) for o in "abd"}
    assert res.table.attrs["exposed"] == []
    shown = res.table[res.table["suppressed"]]
    assert shown[["count", "col_percent", "row_percent"]].isna().all().all()


def test_scale_gets_independence_and_rank_test_without_nonsubstantive() -> None:
    res = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R, seed=3)
    assert res.test is not None and res.test.n == 22
    assert res.rank is not None and res.rank.method == "exact-mann-whitney"
    assert res.rank.n == 21  # 'Weet ik niet' left out of the ranking
    assert res.rank.p_value < 0.01
    assert res.option_tests == {}
    assert res.sentence.startswith("Bij 22 respondenten is dit verschil statistisch aantoonbaar")
    assert "rangorde" in res.sentence


def test_tests_are_exact_and_seeds_follow_the_test_identity() -> None:
    frame = _with_groups(multi_frame(Q_MULTI, [[True, False, True, False, False]] * 8
                                     + [[False, True, False, True, False]] * 8),
                         ["klein"] * 8 + ["groot"] * 8)
    res = crosstab(frame, Q_MULTI, "grootte", n_resamples=R, seed=5)
    assert {t.method for t in res.option_tests.values()} == {"fisher", "none"}
    forced = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R, seed=5)
    assert forced.test.method == "exact" and forced.test.se == 0
    sim = [independence_test([[5, 1, 2], [1, 5, 2]], method="montecarlo",
                             seed=seed_for(5, "q02", "grootte", c), n_resamples=R)
           for c in "ab"]
    assert sim[0].seed != sim[1].seed


def test_declared_family_gets_holm_adjusted_values_and_sentence() -> None:
    rows = ([[True, False, True, False, False]] * 7 + [[False, False, True, False, False]]
            + [[False, True, False, True, False]] * 7 + [[True, False, False, False, False]])
    frame = _with_groups(multi_frame(Q_MULTI, rows), ["klein"] * 8 + ["groot"] * 8)
    res = crosstab(frame, Q_MULTI, "grootte", n_resamples=R)
    family = TestFamily("partners", "partners", ("q03",))
    out = apply_families({("q03", "grootte"): res}, [family], {"q03": Q_MULTI})
    adjusted = out[("q03", "grootte")]
    raw = [t.p_value for t in res.option_tests.values()]
    expected = holm(raw)
    got = [t.p_adjusted for t in adjusted.option_tests.values()]
    assert got == pytest.approx(list(expected), nan_ok=True)
    tested = [t for t in adjusted.option_tests.values() if not math.isnan(t.p_value)]
    assert all(t.family == "partners" and t.family_size == len(tested) for t in tested)
    assert "Holm" in adjusted.sentence
    # an option significant on its raw p but not after adjustment is no longer named
    for code, t in adjusted.option_tests.items():
        if t.p_value < 0.05 <= t.p_adjusted:
            assert Q_MULTI.option(code).label not in adjusted.sentence


def test_same_seed_same_result() -> None:
    a = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R, seed=9)
    b = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R, seed=9)
    assert a.test == b.test and a.rank == b.rank
    pd.testing.assert_frame_equal(a.table, b.table)


def test_unordered_groups_merge_into_overig_and_missing_groups_are_counted() -> None:
    answers = ["Trekker"] * 6 + ["Deelnemer"] * 6 + ["Geen rol"] * 3 + ["Trekker"]
    groups = ["Noord"] * 6 + ["Zuid"] * 6 + ["Oost"] * 2 + ["West"] * 1 + [None]
    dtype = pd.CategoricalDtype(["Noord", "Oost", "West", "Zuid"])
    frame = _with_groups(single_frame(Q_SINGLE, answers), groups, dtype)
    res = crosstab(frame, Q_SINGLE, "grootte", n_resamples=R)
    # Oost (2) + West (1) = 3 < 5, so the smallest remaining group (Noord, 6) joins Overig.
    assert res.table["group"].unique().tolist() == ["Zuid", "Overig"]
    assert res.excluded == 1
    assert res.test.n == 15


def test_multiple_choice_gets_one_test_per_option() -> None:
    rng = np.random.default_rng(4)
    rows = [list(rng.random(5) < p) for p in [0.8] * 12 + [0.2] * 12]
    frame = _with_groups(multi_frame(Q_MULTI, rows), ["klein"] * 12 + ["groot"] * 12)
    res = crosstab(frame, Q_MULTI, "grootte", n_resamples=R)
    assert res.test is None and res.rank is None
    assert list(res.option_tests) == ["a", "b", "c", "d", "e"]
    chosen = frame.loc[:11, "q03_a"].sum(), frame.loc[12:, "q03_a"].sum()
    assert all(t.method == "fisher" for t in res.option_tests.values())
    expected = pytest.approx(
        __import__("scipy").stats.fisher_exact([[chosen[0], chosen[1]],
                                                [12 - chosen[0], 12 - chosen[1]]]).pvalue)
    assert res.option_tests["a"].p_value == expected
    assert "antwoordopties" in res.sentence
    assert (res.table["base"] == 12).all()


def test_grid_base_per_item_and_group() -> None:
    rows = [[True, False, None]] * 6 + [[False, True, True]] * 6
    frame = _with_groups(multi_frame(Q_GRID, rows), ["klein"] * 6 + ["groot"] * 6)
    res = crosstab(frame, Q_GRID, "grootte", n_resamples=R)
    t = res.table.set_index(["group", "option"])
    assert t.loc[("klein", "c"), "base"] == 0
    assert t.loc[("groot", "c"), "base"] == 6
    assert t.loc[("klein", "a"), "col_percent"] == pytest.approx(100)
    assert res.option_tests["a"].p_value == pytest.approx(1 / 462)  # Fisher, 6/0 vs 0/6
    assert math.isnan(res.option_tests["c"].p_value)  # one group answered item c


def test_weighted_col_percent_and_raw_counts() -> None:
    answers = ["Trekker"] * 5 + ["Deelnemer"] * 5 + ["Trekker"] * 5 + ["Deelnemer"] * 5
    frame = _with_groups(single_frame(Q_SINGLE, answers), ["klein"] * 10 + ["groot"] * 10)
    weights = np.array([3.0] * 5 + [1.0] * 5 + [1.0] * 10)
    res = crosstab(frame, Q_SINGLE, "grootte", weights=weights, n_resamples=R)
    t = res.table.set_index(["group", "option"])
    assert t.loc[("klein", "a"), "count"] == 5
    assert t.loc[("klein", "a"), "col_percent"] == pytest.approx(75.0)
    # weighted totals of option a: klein 15, groot 5
    assert t.loc[("klein", "a"), "row_percent"] == pytest.approx(75.0)
    assert res.table.attrs["weighted"] is True


def test_errors_name_the_problem() -> None:
    frame = _scale_frame()
    with pytest.raises(KeyError, match="group variable 'regio'"):
        crosstab(frame, Q_SCALE, "regio")
    with pytest.raises(ValueError, match="q05 is an open question"):
        crosstab(frame, CB["q05"], "grootte")


def test_display_crosstab_marks_hidden_cells() -> None:
    res = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R)
    shown = display_crosstab(res.table)
    assert shown.columns.tolist() == ["klein + middel", "groot"]
    assert shown.index.tolist() == [*Q_SCALE.labels, "Basis (n)"]
    assert shown.loc["Ontevreden"].tolist() == ["0% (0)", "50% (5)"]
    assert shown.loc["Weet ik niet", "klein + middel"] == "x"
    assert shown.loc["Basis (n)"].tolist() == ["12", "10"]
