"""Tests of ido_analysis.analysis.tables (frequency tables) and ido_analysis.core.formatting."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers_stats import multi_frame, single_frame, small_codebook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ido_analysis.analysis.stats import wilson_interval
from ido_analysis.analysis.tables import (
    FREQUENCY_CSV_COLUMNS,
    TABLE_COLUMNS,
    display_table,
    frequencies,
    order_for_display,
    question_table,
)
from ido_analysis.core.formatting import fmt_interval, fmt_number, fmt_p, fmt_percent

CB = small_codebook()
Q_SINGLE, Q_SCALE, Q_MULTI, Q_GRID = CB["q01"], CB["q02"], CB["q03"], CB["q04"]
HYP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -------------------------------------------------------------------------------- formatting


def test_dutch_number_formatting() -> None:
    assert fmt_percent(43.2) == "43%"
    assert fmt_percent(43.2, decimals=1) == "43,2%"
    assert fmt_percent(42.5) == "43%"  # half up, like the report
    assert fmt_number(1234.5, 1) == "1.234,5"
    assert fmt_number(1234567) == "1.234.567"
    assert fmt_number(-0.2) == "0"
    assert fmt_interval(31.2, 55.8) == "31%–56%"
    assert fmt_p(0.0123) == "0,012"
    assert fmt_p(0.41) == "0,41"
    assert fmt_p(0.0004) == "< 0,001"
    for missing in (None, float("nan"), pd.NA):
        assert fmt_percent(missing) == "–"
        assert fmt_number(missing) == "–"
        assert fmt_p(missing) == "–"
    assert fmt_interval(10, None) == "–"


# ----------------------------------------------------------------------------- single/scale


def test_single_table_exact_values() -> None:
    answers = ["Trekker"] * 5 + ["Deelnemer"] * 3 + [None, None]
    table = question_table(single_frame(Q_SINGLE, answers), Q_SINGLE)
    assert list(table.columns) == TABLE_COLUMNS
    assert table["option"].tolist() == ["a", "b", "c"]
    assert table["count"].tolist() == [5, 3, 0]
    assert table["base"].tolist() == [8, 8, 8]
    assert table["percent"].tolist() == pytest.approx([62.5, 37.5, 0.0])
    low, high = wilson_interval(5, 8, population=342)
    assert table.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx([100 * low, 100 * high])
    assert table["n_eff"].tolist() == [8.0, 8.0, 8.0]
    assert table["percent_mentions"].isna().all()
    assert table.attrs == {"question_text": "Welke rol?", "question_label": "Rol",
                           "type": "single", "confidence": 0.95, "weighted": False,
                           "population": 342}


def test_nonsubstantive_option_stays_a_row() -> None:
    answers = ["Tevreden", "Weet ik niet", "Weet ik niet", "Zeer tevreden"]
    table = question_table(single_frame(Q_SCALE, answers), Q_SCALE)
    assert table["label"].tolist() == list(Q_SCALE.labels)
    assert table.set_index("option")["count"].to_dict() == {"a": 1, "b": 1, "c": 0, "d": 2}


def test_not_asked_is_outside_the_base() -> None:
    frame = single_frame(Q_SINGLE, ["Trekker", None, None],
                         status=["beantwoord", "niet gevraagd", "geen antwoord"])
    assert question_table(frame, Q_SINGLE)["base"].tolist() == [1, 1, 1]


def test_answered_without_value_is_an_error() -> None:
    frame = single_frame(Q_SINGLE, ["Trekker", None], status=["beantwoord", "beantwoord"])
    with pytest.raises(ValueError, match="q01: 1 respondent\\(s\\) have status 'beantwoord'"):
        question_table(frame, Q_SINGLE)


def test_zero_base_gives_nan_percent() -> None:
    table = question_table(single_frame(Q_SINGLE, [None, None]), Q_SINGLE)
    assert table["base"].tolist() == [0, 0, 0]
    assert table["percent"].isna().all() and table["ci_low"].isna().all()


# -------------------------------------------------------------------------- multiple / grid


def test_multiple_table_counts_and_mentions() -> None:
    rows = [
        [True, True, False, False, False],
        [True, False, False, True, False],
        [False, False, False, False, True],
        [True, False, False, False, False],
        None,
    ]
    table = question_table(multi_frame(Q_MULTI, rows), Q_MULTI)
    assert table["count"].tolist() == [3, 1, 0, 1, 1]
    assert table["base"].tolist() == [4] * 5
    assert table["percent"].tolist() == pytest.approx([75, 25, 0, 25, 25])
    assert table["mentions"].tolist() == [3, 1, 0, 1, 1]
    assert table["percent_mentions"].tolist() == pytest.approx([50, 100 / 6, 0, 100 / 6,
                                                                 100 / 6])


def test_grid_base_is_per_item() -> None:
    rows = [[True, False, None], [True, True, True], [False, None, None], None]
    table = question_table(multi_frame(Q_GRID, rows), Q_GRID)
    assert table["count"].tolist() == [2, 1, 1]
    assert table["base"].tolist() == [3, 2, 1]
    assert table["percent_mentions"].isna().all()


def test_open_question_has_no_table() -> None:
    with pytest.raises(ValueError, match="q05 is an open question"):
        question_table(pd.DataFrame({"q05": ["x"]}), CB["q05"])


# ---------------------------------------------------------------------------------- weights


def test_weighted_percent_count_stays_raw() -> None:
    frame = single_frame(Q_SINGLE, ["Trekker", "Trekker", "Deelnemer", "Geen rol"])
    weights = pd.Series([0.5, 0.5, 2.0, 1.0], index=frame.index)
    table = question_table(frame, Q_SINGLE, weights=weights)
    assert table["count"].tolist() == [2, 1, 1]
    assert table["percent"].tolist() == pytest.approx([25.0, 50.0, 25.0])
    n_eff = 16 / (0.25 + 0.25 + 4 + 1)
    assert table["n_eff"].tolist() == pytest.approx([n_eff] * 3)
    low, high = wilson_interval(0.5 * n_eff, n_eff, population=342)
    assert table.loc[1, "ci_low"] == pytest.approx(100 * low)
    assert table.attrs["weighted"] is True


def test_weights_must_cover_every_respondent() -> None:
    frame = single_frame(Q_SINGLE, ["Trekker", "Deelnemer"])
    with pytest.raises(ValueError, match="given for every respondent"):
        question_table(frame, Q_SINGLE, weights=pd.Series([1.0], index=[0]))


# ------------------------------------------------------------------------ property tests

single_answers = st.lists(st.sampled_from([*Q_SCALE.labels, None]), min_size=0, max_size=40)
multi_rows = st.lists(
    st.one_of(st.none(), st.lists(st.booleans(), min_size=5, max_size=5)), max_size=40)


def _check_invariants(table: pd.DataFrame) -> None:
    assert (table["count"] <= table["base"]).all()
    filled = table[table["base"] > 0]
    assert filled["percent"].between(0, 100).all()
    assert (filled["ci_low"] <= filled["percent"] + 1e-9).all()
    assert (filled["percent"] <= filled["ci_high"] + 1e-9).all()
    assert filled["ci_low"].between(0, 100).all() and filled["ci_high"].between(0, 100).all()


@HYP
@given(answers=single_answers, seed=st.integers(0, 1000))
def test_property_scale_table(answers: list, seed: int) -> None:
    frame = single_frame(Q_SCALE, answers)
    table = question_table(frame, Q_SCALE)
    _check_invariants(table)
    assert table["count"].sum() == table["base"].iloc[0] == sum(a is not None for a in answers)
    ones = question_table(frame, Q_SCALE, weights=np.ones(len(frame)))
    pd.testing.assert_frame_equal(table, ones)
    shuffled = frame.sample(frac=1, random_state=seed)
    pd.testing.assert_frame_equal(table, question_table(shuffled, Q_SCALE))


@HYP
@given(rows=multi_rows, seed=st.integers(0, 1000))
def test_property_multiple_table(rows: list, seed: int) -> None:
    frame = multi_frame(Q_MULTI, rows)
    table = question_table(frame, Q_MULTI)
    _check_invariants(table)
    assert (table["base"] == sum(r is not None for r in rows)).all()
    if table["mentions"].sum() > 0:
        assert table["percent_mentions"].sum() == pytest.approx(100)
    ones = question_table(frame, Q_MULTI, weights=pd.Series(1.0, index=frame.index))
    pd.testing.assert_frame_equal(table, ones)
    shuffled = frame.sample(frac=1, random_state=seed)
    pd.testing.assert_frame_equal(table, question_table(shuffled, Q_MULTI))


@HYP
@given(answers=single_answers,
       raw_weights=st.lists(st.floats(0.1, 5), min_size=40, max_size=40))
def test_property_weighted_scale_table(answers: list, raw_weights: list) -> None:
    frame = single_frame(Q_SCALE, answers)
    table = question_table(frame, Q_SCALE, weights=np.array(raw_weights[: len(frame)]))
    _check_invariants(table)
    if table["base"].iloc[0] > 0:
        assert table["percent"].sum() == pytest.approx(100)
        assert (table["n_eff"] <= table["base"] + 1e-9).all()


# ------------------------------------------------------------------ frequencies and display


def _full_frame() -> pd.DataFrame:
    a = single_frame(Q_SINGLE, ["Trekker", "Deelnemer", "Trekker"])
    b = single_frame(Q_SCALE, ["Tevreden", "Weet ik niet", None])
    c = multi_frame(Q_MULTI, [[True, False, False, False, False],
                              [True, True, False, False, False], None])
    d = multi_frame(Q_GRID, [[True, False, True], [False, False, None], None])
    return pd.concat([a, b.drop(columns="respondent_id"), c.drop(columns="respondent_id"),
                      d.drop(columns="respondent_id")], axis=1)


def test_frequencies_covers_every_closed_question_in_order() -> None:
    table = frequencies(_full_frame(), CB)
    assert table["question"].unique().tolist() == ["q01", "q02", "q03", "q04"]
    assert len(table) == 3 + 4 + 5 + 3
    assert set(FREQUENCY_CSV_COLUMNS) <= set(table.columns)


def test_frequencies_names_missing_columns() -> None:
    with pytest.raises(KeyError, match="q03: columns missing from the data"):
        frequencies(_full_frame().drop(columns="q03_b"), CB)


def test_order_for_display() -> None:
    rows = [[False, True, False, True, False], [False, True, True, True, False],
            [True, False, True, True, False]]
    table = question_table(multi_frame(Q_MULTI, rows), Q_MULTI)
    # percents a 33, b 67, c 67, d (Anders) 100, e 0: d is "other" so it goes last
    assert order_for_display(table, Q_MULTI)["option"].tolist() == ["b", "c", "a", "e", "d"]
    single = question_table(single_frame(Q_SINGLE, ["Geen rol"] * 3), Q_SINGLE)
    assert order_for_display(single, Q_SINGLE)["option"].tolist() == ["a", "b", "c"]


def test_display_table_dutch_headers_and_strings() -> None:
    table = question_table(single_frame(Q_SINGLE, ["Trekker"] * 20 + ["Deelnemer"] * 27),
                           Q_SINGLE)
    shown = display_table(table)
    assert shown.columns.tolist() == ["Antwoord", "Aantal", "Basis (n)", "Percentage",
                                      "95%-interval"]
    assert shown.iloc[0].tolist() == ["Trekker", "20", "47", "43%", "30%–56%"]
    assert shown.iloc[2, 3] == "0%"
    weighted = question_table(single_frame(Q_SINGLE, ["Trekker", "Geen rol"]), Q_SINGLE,
                              weights=[1.0, 1.0], confidence=0.9)
    assert display_table(weighted).columns.tolist()[-2:] == ["90%-interval", "Effectieve n"]
    assert math.isclose(weighted["n_eff"].iloc[0], 2.0)


def test_routed_questions_get_no_finite_population_correction(processed) -> None:
    df, cb = processed
    routed = next(q for q in cb.closed() if q.asked_if is not None and not q.personal)
    everyone = next(q for q in cb.closed() if q.asked_if is None and not q.personal)
    assert question_table(df, routed).attrs["population"] is None
    assert question_table(df, everyone).attrs["population"] == 342
