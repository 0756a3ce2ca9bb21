"""Tests of report.crosstab_report: derived questions, CSV output, representativeness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE_CSV
from helpers_stats import single_frame, small_codebook

from ido_analysis.analysis.crosstab import crosstab
from ido_analysis.ingest.clean import _group, load_derived
from ido_analysis.report.chapter import composition
from ido_analysis.report.crosstab_report import (
    CSV_COLUMNS,
    TOTAL_LABEL,
    csv_frame,
    derived_question,
    derived_questions,
    lookup,
    representativeness_table,
    run_crosstabs,
    weighting_effect,
    write_crosstab,
    write_crosstabs,
)
from ido_analysis.spec.codebook import load_codebook
from ido_analysis.spec.reference import load_municipalities

CB = small_codebook()
Q_SCALE = CB["q02"]  # Zeer tevreden, Tevreden, Ontevreden, Weet ik niet (nonsubstantive)
SIZES = pd.CategoricalDtype(["klein", "groot"], ordered=True)
COLLAPSED = ("q07_kort", "q26_kort", "q31_kort", "q37_kort", "q40_kort")
# Single-choice questions collapsed to two substantive groups plus "weet ik niet".
COLLAPSED_SINGLE = ("q12_kort", "q24_kort")
R = 199


def _scale_frame() -> pd.DataFrame:
    # klein: 6 x Zeer tevreden, 2 x Tevreden; groot: 1 x Tevreden, 7 x Ontevreden.
    answers = ["Zeer tevreden"] * 6 + ["Tevreden"] * 2 + ["Tevreden"] + ["Ontevreden"] * 7
    frame = single_frame(Q_SCALE, answers)
    groups = ["klein"] * 8 + ["groot"] * 8
    return frame.assign(grootte=pd.Series(groups, dtype="object").astype(SIZES))


# --- collapsed scales --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    codebook = load_codebook()
    return codebook, load_derived(codebook)


def _collapsed(real, name):
    """The derived question and the grouped labels of its source's options."""
    codebook, derived = real
    definition = next(g for g in derived.groups if g["name"] == name)
    source = codebook[definition["from"]]
    listed = [c for g in definition["groups"] for c in g["options"]]
    assert sorted(listed) == sorted(source.codes)  # every option, none twice
    grouped = _group(pd.Series(list(source.labels)), source, definition)
    assert grouped.notna().all()
    return derived_question(definition, codebook), grouped


@pytest.mark.parametrize("name", COLLAPSED)
def test_collapsed_scale_maps_every_option_once(real, name) -> None:
    question, grouped = _collapsed(real, name)
    assert question.type == "scale" and question.id == name
    assert [o.nonsubstantive for o in question.options] == [False, False, False, True]
    # The source's "Weet ik niet" lands in the nonsubstantive group, the poles in the ends.
    assert grouped.iloc[-1] == question.options[-1].label
    assert grouped.iloc[0] == question.options[0].label
    assert grouped.iloc[4] == question.options[2].label


@pytest.mark.parametrize("name", COLLAPSED_SINGLE)
def test_collapsed_single_choice_maps_every_option_once(real, name) -> None:
    question, _ = _collapsed(real, name)
    assert question.type == "single"
    assert [o.nonsubstantive for o in question.options] == [False, False, True]


def test_derived_questions_cover_every_group(real) -> None:
    codebook, derived = real
    questions = derived_questions(codebook, derived)
    assert set(COLLAPSED) | set(COLLAPSED_SINGLE) | {"netwerkfase"} == set(questions)
    assert [o.label for o in questions["q07_kort"].options] == [
        "tevreden", "neutraal", "ontevreden", "weet ik niet"]
    assert lookup("q07", codebook, questions) is codebook["q07"]
    assert lookup("q07_kort", codebook, questions) is questions["q07_kort"]
    with pytest.raises(KeyError, match="'q99' is neither a codebook question"):
        lookup("q99", codebook, questions)


def test_derived_question_rejects_nonsubstantive_before_ordered() -> None:
    definition = {"name": "x", "from": "q02", "groups": [
        {"label": "weet niet", "options": ["d"], "nonsubstantive": True},
        {"label": "tevreden", "options": ["a", "b"]}]}
    with pytest.raises(ValueError, match="x: nonsubstantive groups must come last"):
        derived_question(definition, CB)


def test_crosstab_runs_on_a_derived_variable() -> None:
    definition = {"name": "q02_kort", "from": "q02", "label": "Kort", "groups": [
        {"label": "tevreden", "options": ["a", "b"]},
        {"label": "ontevreden", "options": ["c"]},
        {"label": "weet niet", "options": ["d"], "nonsubstantive": True}]}
    question = derived_question(definition, CB)
    frame = _scale_frame()
    frame["q02_kort"] = _group(frame["q02"], Q_SCALE, definition)  # no status column
    res = crosstab(frame, question, "grootte", n_resamples=R, min_cell=1)
    counts = res.table.set_index(["group", "option"])["count"]
    assert counts.loc[("klein", "a")] == 8 and counts.loc[("groot", "b")] == 7
    # two ordered classes: a rank test would repeat the independence test
    assert res.rank is None and "geen extra bewijs" in res.sentence


# --- CSV output --------------------------------------------------------------------------------

def test_csv_has_required_columns_and_no_suppressed_values(tmp_path) -> None:
    res = run_crosstabs(_scale_frame(), [Q_SCALE], ["grootte"], n_resamples=R)
    [path] = write_crosstabs(res, tmp_path)
    assert path == tmp_path / "tables" / "kruistabel_q02_grootte.csv"
    out = pd.read_csv(path, keep_default_na=True)
    assert list(out.columns) == CSV_COLUMNS
    hidden = out[out["suppressed"]]
    # klein: Tevreden 2 (primary) + Zeer tevreden 6 (secondary); groot: Tevreden 1 + ...
    assert {("klein", "b"), ("groot", "b")} <= set(zip(hidden["group"], hidden["option"],
                                                       strict=True))
    assert hidden["count"].isna().all() and hidden["col_percent"].isna().all()
    shown = out[~out["suppressed"]]
    assert shown["count"].notna().all()
    assert not ((shown["count"] >= 1) & (shown["count"] < 5)).any()
    assert (out["base"] == 8).all()
    raw_text = path.read_text(encoding="utf-8")
    assert ",2," not in raw_text and ",1," not in raw_text  # small counts never written


def test_write_crosstab_names_file_by_question_and_group(tmp_path) -> None:
    res = crosstab(_scale_frame(), Q_SCALE, "grootte", n_resamples=R, min_cell=1)
    path = write_crosstab(res, tmp_path / "rep")
    assert path.name == "kruistabel_q02_grootte.csv"
    out = pd.read_csv(path).set_index(["group", "option"])
    assert out.loc[("groot", "c"), "count"] == 7
    assert out.loc[("groot", "c"), "col_percent"] == pytest.approx(87.5)
    assert not out["suppressed"].any()


# --- representativeness ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return load_municipalities(REFERENCE_CSV)


@pytest.mark.parametrize("by", ["grootteklasse", "grootteklasse_grof", "provincie",
                                "provinciegroep"])
def test_representativeness_totals_on_the_cbs_table(reference, by) -> None:
    rng = np.random.default_rng(5)
    respondents = reference.iloc[np.sort(rng.choice(len(reference), 47, replace=False))]
    table = representativeness_table(respondents, reference, by, min_cell=1)
    body, total = table.iloc[:-1], table.iloc[-1]
    assert total["stratum"] == TOTAL_LABEL
    assert body["population"].sum() == total["population"] == 342
    assert body["respondents"].sum() == total["respondents"] == 47
    assert body["population_share"].sum() == pytest.approx(100.0)
    assert total["response_rate"] == pytest.approx(100 * 47 / 342)
    expected = reference[by].value_counts()
    assert dict(zip(body["stratum"], body["population"], strict=True)) == {
        str(k): int(v) for k, v in expected.items()}


@pytest.mark.parametrize("by", ["grootteklasse", "provincie"])
def test_representativeness_masks_small_groups_like_chapter_02(reference, by) -> None:
    rng = np.random.default_rng(5)
    respondents = reference.iloc[np.sort(rng.choice(len(reference), 47, replace=False))]
    table = representativeness_table(respondents, reference, by).iloc[:-1]
    raw = representativeness_table(respondents, reference, by, min_cell=1).iloc[:-1]
    hidden = table["suppressed"].astype(bool)
    assert hidden.any() and hidden.sum() >= 2 and raw["respondents"][hidden].sum() >= 5
    assert not raw["respondents"][~hidden].between(1, 4).any()
    assert table["respondents"][hidden].isna().all()
    assert table["response_share"][hidden].isna().all()
    shown = composition(respondents, reference, by, min_cell=5).iloc[:-1]
    assert list(shown["Respondenten"] == "x") == list(hidden)


def test_largest_size_class_has_four_municipalities(reference) -> None:
    table = representativeness_table(reference.iloc[:47], reference, "grootteklasse")
    row = table.set_index("stratum").loc["250 000 inwoners of meer"]
    assert row["population"] == 4


# --- weighting -----------------------------------------------------------------------------------

def test_weighting_effect_with_equal_weights_changes_nothing() -> None:
    frame = _scale_frame()
    out = weighting_effect(frame, [(Q_SCALE, "c")], pd.Series(1.0, index=frame.index))
    assert out.reset_index().to_dict("records") == [{
        "Vraag": "Tevredenheid", "Antwoord": "Ontevreden", "Basis": "16", "Ongewogen": "44%",
        "Gewogen": "44%", "Effectieve n (gewogen)": "16,0"}]


def test_weighting_effect_reports_weighted_share_and_n_eff() -> None:
    frame = _scale_frame()
    weights = pd.Series(np.where(frame["grootte"] == "klein", 1.5, 0.5), index=frame.index)
    out = weighting_effect(frame, [(Q_SCALE, "c")], weights).iloc[0]
    # 7 of the 8 groot respondents (weight 0.5) answer c: 3.5 / 16 = 22%.
    assert out["Gewogen"] == "22%"
    assert out["Effectieve n (gewogen)"] == "12,8"  # 16^2 / (8 * 2.25 + 8 * 0.25)


def test_weighted_crosstab_csv_says_so_with_effective_n(tmp_path) -> None:
    from ido_analysis.analysis.weights import Weighting

    frame = _scale_frame()
    frame["stratum"] = ["a"] * 6 + ["b"] * (len(frame) - 6)
    res = crosstab(frame, Q_SCALE, "grootte", n_resamples=R, min_cell=1,
                   weights=Weighting("stratum", {"a": 50, "b": 50}))
    csv = csv_frame(res)
    assert csv["weighted"].all()
    assert 0 < csv["n_eff"].iloc[0] < len(frame)
    assert "weighted" not in csv_frame(crosstab(frame, Q_SCALE, "grootte", n_resamples=R))
