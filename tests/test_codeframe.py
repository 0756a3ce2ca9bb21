"""The codeframe: loading and validation, coding, and the coded counts of the bundled export.

The register checks read the bundled raw CSV as strings (empty cell = ''), so they test the
codeframe against the file a user gets, not against the cleaning code.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from ido_analysis.analysis.codeframe import (
    COUNT_COLUMNS,
    CodeframeError,
    code_column,
    code_text,
    coded_counts,
    load_codeframe,
    parse_codeframe,
    theme_counts,
)
from ido_analysis.ingest.generate import DEFAULT_OUTPUT, load_assumptions
from ido_analysis.spec.codebook import load_codebook
from ido_analysis.spec.register import load_register

CODEFRAME = load_codeframe()
ASSUMPTIONS = load_assumptions()
REGISTER = load_register()
CODED = REGISTER[REGISTER["kind"] == "coded_open"]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(DEFAULT_OUTPUT, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def counts(raw: pd.DataFrame) -> pd.DataFrame:
    return coded_counts(raw, CODEFRAME).set_index(["column", "theme"])


# --------------------------------------------------------------------------------------------
# The bundled export against the register.


@pytest.mark.parametrize("row", [r for _, r in CODED.iterrows()], ids=list(CODED["id"]))
def test_coded_counts_reproduce_register(row: pd.Series, counts: pd.DataFrame) -> None:
    assert (row["question"], row["theme"]) in counts.index, "theme not coded on this column"
    assert counts.loc[(row["question"], row["theme"]), "count"] == int(row["count"])


def test_register_has_the_expected_coded_rows() -> None:
    # guards the parametrised test above against silently running on nothing
    assert len(CODED) == 19


def test_coded_counts_shape(raw: pd.DataFrame) -> None:
    out = coded_counts(raw, CODEFRAME)
    assert list(out.columns) == COUNT_COLUMNS
    assert out["count"].dtype == "int64"
    pairs = {(c, t.id) for t in CODEFRAME for c in t.columns}
    assert set(zip(out["column"], out["theme"], strict=True)) == pairs
    assert out.loc[out["theme"] == "zelfde_pand", "label"].item() == "Bibliotheek in hetzelfde pand"


def test_every_assumed_text_gets_exactly_its_listed_themes() -> None:
    mismatches = []
    for column, items in ASSUMPTIONS["open_answers"].items():
        texts = pd.Series([item["text"] for item in items])
        coded = code_column(texts, column, CODEFRAME)
        for pos, item in enumerate(items):
            got = sorted(t for t in coded.columns if coded.iloc[pos][t])
            if got != sorted(item["themes"]):
                mismatches.append(f"{column}: {item['text']!r} coded {got}, "
                                  f"listed {item['themes']}")
    assert not mismatches, "\n".join(mismatches)


def test_listed_themes_apply_to_their_column() -> None:
    for column, items in ASSUMPTIONS["open_answers"].items():
        allowed = {t.id for t in CODEFRAME.for_column(column)}
        for item in items:
            assert set(item["themes"]) <= allowed, (column, item["text"])


def test_codeframe_columns_are_open_text_columns_of_the_codebook() -> None:
    codebook = load_codebook()
    closed = {c for q in codebook.closed() for c in q.option_columns()}
    raw_columns = set(codebook.raw_columns())
    for column in CODEFRAME.columns:
        assert column in raw_columns and column not in closed, column


def test_register_themes_exist_in_codeframe() -> None:
    ids = {t.id for t in CODEFRAME}
    assert set(CODED["theme"]) <= ids
    assert len(ids) == len(list(CODEFRAME))


def test_open_answers_are_placed_in_the_export(raw: pd.DataFrame) -> None:
    for column, items in ASSUMPTIONS["open_answers"].items():
        assert (raw[column] != "").sum() == len(items), column


def test_planted_personal_data_sits_in_open_answers(raw: pd.DataFrame) -> None:
    planted = ASSUMPTIONS["planted_pii"]
    assert len(planted) == 7
    text = DEFAULT_OUTPUT.read_text(encoding="utf-8")
    open_cells = [v for c in ASSUMPTIONS["open_answers"] for v in raw[c] if v]
    for value in planted:
        assert value in text, value
        assert any(value in cell for cell in open_cells), f"{value} not in an open answer"
    assert sum("@" in p for p in planted) == 3


# --------------------------------------------------------------------------------------------
# Validation.


def _frame(**theme) -> dict:
    base = {"id": "capaciteit", "label": "Capaciteit", "columns": ["q11"],
            "patterns": ["capaciteit"]}
    return {"version": 1, "themes": [{**base, **theme}]}


def test_bad_regex_is_reported_with_theme_and_pattern() -> None:
    with pytest.raises(CodeframeError, match=r"theme 'capaciteit': bad regex '\(capaciteit'"):
        parse_codeframe(_frame(patterns=["(capaciteit"]))


def test_unknown_theme_key_is_reported() -> None:
    raw = _frame()
    raw["themes"][0]["pattern"] = "x"
    with pytest.raises(CodeframeError, match=r"theme 'capaciteit': unknown key 'pattern'"):
        parse_codeframe(raw)


def test_unknown_top_level_key_is_reported() -> None:
    raw = {**_frame(), "thema": []}
    with pytest.raises(CodeframeError, match=r"unknown top-level key 'thema'"):
        parse_codeframe(raw)


def test_missing_key_duplicate_id_and_empty_patterns_are_all_listed() -> None:
    raw = _frame()
    raw["themes"] += [dict(raw["themes"][0]), {"id": "x", "label": "X", "columns": ["q11"]},
                      {"id": "y", "label": "Y", "columns": ["q11"], "patterns": []}]
    with pytest.raises(CodeframeError) as err:
        parse_codeframe(raw, "cf.yaml")
    message = str(err.value)
    assert message.startswith("cf.yaml: ")
    assert "theme 'capaciteit': duplicate id" in message
    assert "theme 'x': missing key 'patterns'" in message
    assert "theme 'y': patterns must be a non-empty list of strings" in message


def test_load_codeframe_names_the_file(tmp_path) -> None:
    path = tmp_path / "codeframe.yaml"
    path.write_text(yaml.safe_dump(_frame(patterns=["[a-"])), encoding="utf-8")
    expected = rf"^{re.escape(str(path))}: theme 'capaciteit': bad regex"
    with pytest.raises(CodeframeError, match=expected):
        load_codeframe(path)


# --------------------------------------------------------------------------------------------
# Coding.

SMALL = parse_codeframe({"themes": [
    {"id": "capaciteit", "label": "Capaciteit", "columns": ["q11", "q33"],
     "patterns": ["capaciteit", r"\bfte\b"]},
    {"id": "bieb", "label": "Bibliotheek", "columns": ["q11"], "patterns": ["bibliotheek"]},
    {"id": "elders", "label": "Elders", "columns": ["q41"], "patterns": ["."]},
]})


def test_code_text_is_case_insensitive_and_false_for_empty() -> None:
    theme = SMALL["capaciteit"]
    assert code_text("Te weinig CAPACITEIT", theme)
    assert code_text("0,2 FTE", theme)
    assert not code_text("fteam", theme)
    for empty in ("", "   ", None, pd.NA, float("nan")):
        assert not code_text(empty, theme)


def test_code_column_handmade_series() -> None:
    texts = pd.Series(["Geen capaciteit bij de Bibliotheek", "", pd.NA, "bibliotheek", "nee"],
                      index=[10, 11, 12, 13, 14], dtype="string")
    out = code_column(texts, "q11", SMALL)
    expected = pd.DataFrame({"capaciteit": [True, False, False, False, False],
                             "bieb": [True, False, False, True, False]},
                            index=[10, 11, 12, 13, 14])
    pd.testing.assert_frame_equal(out, expected)


def test_code_column_without_applicable_themes_is_empty() -> None:
    out = code_column(pd.Series(["capaciteit"]), "q99", SMALL)
    assert out.shape == (1, 0)


def test_coded_counts_on_processed_frame_keeps_zero_rows_and_skips_absent_columns() -> None:
    frame = pd.DataFrame({
        "respondent_id": pd.array([1, 2, 3], dtype="Int64"),
        "q33": pd.array(["capaciteit", pd.NA, "tijd"], dtype="string"),
        "q11": pd.array([pd.NA, "bibliotheek", "[naam] zegt: capaciteit"], dtype="string"),
    })
    out = coded_counts(frame, SMALL)
    assert out.to_dict("records") == [
        {"column": "q33", "theme": "capaciteit", "label": "Capaciteit", "count": 1},
        {"column": "q11", "theme": "capaciteit", "label": "Capaciteit", "count": 1},
        {"column": "q11", "theme": "bieb", "label": "Bibliotheek", "count": 1},
    ]


def test_coded_counts_of_frame_without_open_columns_is_empty() -> None:
    out = coded_counts(pd.DataFrame({"q07": ["Neutraal"]}), SMALL)
    assert list(out.columns) == COUNT_COLUMNS and out.empty


def test_theme_counts_report_table() -> None:
    frame = pd.DataFrame({"q11": pd.array(["capaciteit en bibliotheek", "", pd.NA, "fte"],
                                          dtype="string")})
    out = theme_counts(frame, "q11", SMALL)
    assert out.to_dict("records") == [{"Thema": "Capaciteit", "Aantal": 2},
                                      {"Thema": "Bibliotheek", "Aantal": 1}]
    assert out.attrs["n_texts"] == 2
    frame["q41x"] = ["a", "b", "", ""]
    assert theme_counts(frame, "q41x", SMALL).empty
