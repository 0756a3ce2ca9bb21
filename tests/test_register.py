"""Tests of the published-figures register and its validation and consistency checks."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from ido_analysis.core.formatting import round_half_up
from ido_analysis.core.paths import REFERENCES
from ido_analysis.spec.codebook import Codebook, load_codebook, parse_codebook
from ido_analysis.spec.register import (
    COLUMNS,
    RegisterError,
    consistency,
    implied_count,
    inconsistencies,
    load_register,
)

REPORT_NAME = "rapport_behoeftesonderzoek_regierol_ido.txt"
REPORT_CANDIDATES = (REFERENCES / REPORT_NAME, Path("/work/shared/sources") / REPORT_NAME)


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return load_codebook()


@pytest.fixture(scope="module")
def reg(cb: Codebook) -> pd.DataFrame:
    return load_register(codebook=cb)


# --------------------------------------------------------------------------- bundled register


def test_loads_with_typed_columns(reg: pd.DataFrame) -> None:
    assert tuple(reg.columns) == COLUMNS
    for col in ("count", "base", "low", "high"):
        assert reg[col].dtype == "Int64", col
    for col in ("percent", "value"):
        assert reg[col].dtype == "Float64", col
    for col in ("id", "section", "question", "option", "kind", "theme", "quote", "note"):
        assert isinstance(reg[col].dtype, pd.StringDtype), col
    assert reg["id"].tolist() == [f"F{n:03d}" for n in range(1, len(reg) + 1)]


def test_size_and_kinds(reg: pd.DataFrame) -> None:
    # 133 statements carry a number, a number word or a superlative in the report text.
    assert len(reg) >= 130
    kinds = reg["kind"].value_counts().to_dict()
    assert set(kinds) == {
        "option_count", "base", "n_selected", "mean_selected", "coded_open", "ranking", "other"
    }
    assert kinds["base"] == 10  # the ten "(n = ...)" captions of the text


def test_captions_bases(reg: pd.DataFrame) -> None:
    captions = reg[reg["kind"] == "base"]
    assert dict(zip(captions["question"], captions["base"], strict=True)) == {
        "q12": 47, "q17": 47, "q18": 30, "q19": 30, "q20": 30, "q24": 30, "q25": 47,
        "q27": 47, "q35": 47, "q38": 47,
    }


def test_routed_questions_are_on_base_30(reg: pd.DataFrame, cb: Codebook) -> None:
    closed = reg[reg["question"].isin(cb.ids) & reg["base"].notna() & (reg["kind"] != "base")]
    for row in closed.itertuples():
        expected = 30 if cb[row.question].asked_if is not None else 47
        assert row.base == expected, row.id


def test_sections_match_the_codebook(reg: pd.DataFrame, cb: Codebook) -> None:
    """Every figure sits in the report section of its question (summary and 1.2 excepted)."""
    owner = {col: q.id for q in cb for col in (q.id, *q.raw_columns())}
    rows = reg[reg["question"].notna() & ~reg["section"].isin(["samenvatting", "1.2"])]
    for row in rows.itertuples():
        assert cb[owner[row.question]].section == row.section, row.id


def test_quotes_are_verbatim(reg: pd.DataFrame) -> None:
    report = next((p for p in REPORT_CANDIDATES if p.exists()), None)
    if report is None:
        pytest.skip("report text not available")
    text = re.sub(r"\s+", " ", report.read_text(encoding="utf-8"))
    missing = [r.id for r in reg.itertuples() if re.sub(r"\s+", " ", r.quote) not in text]
    assert missing == []


NUMBER_WORDS = {
    "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "dertien": 13, "veertien": 14, "vijftien": 15,
    "negentien": 19, "vierentwintig": 24, "veertig": 40, "eenenveertig": 41, "vierenveertig": 44,
}


def test_figures_are_printed_in_their_quote(reg: pd.DataFrame) -> None:
    """A transcription check: each count and percentage appears in the row's own quote."""
    wrong = []
    for row in reg.itertuples():
        quote = row.quote.lower()
        percents = {int(x) for x in re.findall(r"(\d+)%", quote)}
        numbers = {int(x) for x in re.findall(r"(?<!\d)(\d+)(?![\d%])", quote)}
        numbers |= {NUMBER_WORDS[w] for w in re.findall(r"[a-zé]+", quote) if w in NUMBER_WORDS}
        if pd.notna(row.percent) and int(row.percent) not in percents:
            wrong.append((row.id, "percent"))
        if pd.notna(row.count) and row.count > 0 and row.count not in numbers:
            wrong.append((row.id, "count"))
    # the three approximate figures ("tweederde", "de helft", "een derde") print no number
    assert wrong == [("F022", "percent"), ("F096", "percent"), ("F117", "percent")]


def test_approximate_figures_are_noted(reg: pd.DataFrame) -> None:
    approx = reg[reg["percent"].notna() & implied_count(reg).isna()]
    assert approx["percent"].tolist() == [67.0, 50.0, 33.0]
    assert approx["note"].str.startswith("approximate").all()


def test_flagged_inconsistencies(reg: pd.DataFrame) -> None:
    found = inconsistencies(reg)
    got = {
        tuple(None if pd.isna(v) else v for v in
              (r.section, r.question, r.option, r.kind, r.count_used, r.percent, r.base))
        for r in found.itertuples()
    }
    assert got == {
        ("samenvatting", "q12", "b", "option_count", 17, 38.0, 47),  # 38% vs 17 in 2.4
        ("2.2", "q06", "e", "option_count", 12, 25.0, 47),  # 12/47 = 25.5 -> 26
        ("2.4", "q12", "b", "option_count", 17, 38.0, 47),  # 36.2 -> 36
        ("2.5", "q15", "c", "option_count", 26, 57.0, 47),  # 55.3 -> 55
        ("3.2", "q24", None, "base", None, None, 30),  # caption n = 30, counts fit 47
        ("4.2", "q27", "b", "option_count", 35, 75.0, 47),  # 74.47 -> 74
        ("5.2", "q38", "a", "option_count", 10, 22.0, 47),  # 21.3 -> 21
    }
    assert dict(zip(found["percent"].dropna(), found["rounded_percent"].dropna(), strict=True)) == {
        38.0: 36, 25.0: 26, 57.0: 55, 75.0: 74, 22.0: 21,
    }
    assert found.loc[found["kind"] == "base", "other_bases"].tolist() == ["47"]
    assert found["note"].str.contains("follows").all()


def test_every_checkable_row_agrees_otherwise(reg: pd.DataFrame) -> None:
    flags = consistency(reg)
    assert flags.dtype == "boolean"
    assert int(flags.eq(False).sum()) == 7
    assert int(flags.eq(True).sum()) >= 70


def test_implied_count(reg: pd.DataFrame) -> None:
    implied = implied_count(reg)
    by_quote = dict(zip(reg["quote"], implied, strict=True))
    assert by_quote["17% van de respondenten heeft geen zicht op voortgang van de gemeente"] == 8
    assert by_quote["welzijnsorganisaties (87%)"] == 26
    assert by_quote["Slechts 12 gemeenten (25%) geven aan vanuit deze rol actief te communiceren "
                    "met IDO's."] == 12



def test_ranking_rows_name_the_whole_group(reg: pd.DataFrame) -> None:
    """Second check: a ranking lists every option the sentence ranks ("de drie grootste")."""
    rankings = reg[reg["kind"] == "ranking"]
    got = {(r.question, r.measure): r.option for r in rankings.itertuples()}
    assert got == {
        ("q06", "most"): "a", ("q06", "least"): "e", ("q10", "most"): "a;c;d",
        ("q13", "most"): "a", ("q13", "least"): "b;c;f", ("q15", "least"): "e",
        ("q15", "most"): "c", ("q18", "most"): "a;b;e", ("q27", "most"): "a",
        ("q31", "most"): "c", ("q32", "most"): "a;b", ("q35", "most"): "b",
        ("q39", "most"): "b", ("q03", "most"): "a",
    }


def test_rankings_agree_with_printed_counts(reg: pd.DataFrame, cb: Codebook) -> None:
    """Each listed option beats every other item whose count the report prints or implies."""
    implied = implied_count(reg)
    single = reg["option"].notna() & ~reg["option"].str.contains(";", regex=False)
    printed = reg[(reg["kind"] == "option_count") & single & implied.notna()]
    counts = {(q, o): int(n) for q, o, n in
              zip(printed["question"], printed["option"], implied[printed.index], strict=True)}
    compared = 0
    for row in reg[reg["kind"] == "ranking"].itertuples():
        listed = row.option.split(";")
        items = {o.code for o in cb[row.question].options
                 if not (o.other or o.nonsubstantive or o.exclusive)} - set(listed)
        for star in listed:
            for other in items:
                pair = counts.get((row.question, star)), counts.get((row.question, other))
                if None in pair:
                    continue
                compared += 1
                wins = pair[0] > pair[1] if row.measure == "most" else pair[0] < pair[1]
                assert wins, (row.id, star, other, pair)
    assert compared == 22  # q06 2, q13 14, q15 2, q27 1, q31 3


# --------------------------------------------------------------------------- round_half_up


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.5, 1), (1.5, 2), (2.5, 3), (0.49, 0), (0, 0), (-0.5, -1), (99.5, 100),
        (Fraction(100 * 1, 8), 13),  # 12.5
        (Fraction(100 * 35, 47), 74),  # 74.47
        (Fraction(100 * 12, 47), 26),  # 25.53
        (Fraction(100 * 15, 30), 50),
    ],
)
def test_round_half_up(x: float | Fraction, expected: int) -> None:
    assert round_half_up(x) == expected


def test_round_half_up_differs_from_builtin_round() -> None:
    assert round(2.5) == 2
    assert round_half_up(2.5) == 3


@pytest.mark.parametrize(("x", "decimals", "expected"), [
    (0.285, 2, "0.29"),          # the printed decimal, not the binary 0.28499...
    (Fraction(1, 8), 2, "0.13"), (12.25, 1, "12.3"), (-12.25, 1, "-12.3"), (0.04, 1, "0.0"),
])
def test_round_half_up_at_decimals(x: float | Fraction, decimals: int, expected: str) -> None:
    assert str(round_half_up(x, decimals)) == expected


# --------------------------------------------------------------------------- validation

MINI = {
    "survey": {"fieldwork_start": "2025-08-28", "fieldwork_end": "2025-10-10", "population": 342},
    "chapters": [{"id": "h2", "title": "H2", "sections": [{"id": "2.2", "title": "x"}]}],
    "questions": [
        {"id": "q06", "number": 6, "text": "Rollen?", "label": "Rollen", "type": "multiple",
         "chapter": "h2", "section": "2.2",
         "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"},
                     {"code": "c", "label": "Anders", "other": True}]},
        {"id": "q07", "number": 7, "text": "Tevreden?", "label": "Tevreden", "type": "scale",
         "chapter": "h2", "section": "2.2",
         "options": [{"code": "a", "label": "Ja"}, {"code": "b", "label": "Nee"}],
         "followups": [{"id": "q07_toelichting_b", "text": "Waarom?", "when": ["b"]}]},
        {"id": "q09", "number": 9, "text": "Open?", "label": "Open", "type": "open",
         "chapter": "h2", "section": "2.2"},
    ],
}
HEADER = ",".join(COLUMNS)


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "register.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _plain(flags: pd.Series) -> list[bool | None]:
    return [None if pd.isna(v) else bool(v) for v in flags]


@pytest.fixture
def mini() -> Codebook:
    return parse_codebook(MINI)


def test_valid_mini_register(tmp_path: Path, mini: Codebook) -> None:
    path = _write(
        tmp_path,
        "F001,2.2,q06,a,option_count,12,25,47,,,,,,twaalf,",
        "F002,2.2,q06,,n_selected,40,85,47,,2,3,,,veertig,",
        "F003,2.2,q06,b,ranking,,,,most,,,,,het meest,",
        "F004,2.2,q06_c_tekst,,coded_open,3,,47,,,,,capaciteit,drie,",
        "F005,2.2,q07_toelichting_b,,coded_open,1,,47,,,,,x,een,",
        "F006,2.2,q09,,coded_open,2,,47,,,,,y,twee,",
        "F007,2.2,q06,,base,,,30,,,,,,(n = 30),",
        "F008,2.2,q07,a;b,option_count,,50,47,,,,,,helft,ca.",
    )
    reg = load_register(path, codebook=mini)
    assert len(reg) == 8
    assert reg.loc[0, "count"] == 12 and pd.isna(reg.loc[2, "count"])
    assert _plain(consistency(reg)) == [False, True, None, None, None, None, False, None]


def test_validation_lists_every_bad_row(tmp_path: Path, mini: Codebook) -> None:
    path = _write(
        tmp_path,
        "F001,2.2,q06,a,option_counts,12,25,47,,,,,,x,",
        "F002,2.2,q06,a,option_count,12,,,,,,,,x,",
        "F003,2.2,q06,a;z,option_count,12,25,47,,,,,,x,",
        "F004,2.2,q06,,n_selected,4,,47,,3,2,,,x,",
        "F004,2.2,q99,,coded_open,4,,47,,,,,thema,x,",
        "F006,2.2,q07,c,ranking,,,,best,,,,,x,",
    )
    with pytest.raises(RegisterError) as err:
        load_register(path, codebook=mini)
    msg = str(err.value)
    assert "8 problem(s) in the register" in msg
    for expected in (
        "F001: unknown kind 'option_counts'",
        "F002: base is empty (required for option_count)",
        "F003: option(s) z not in q06 (codes a,b,c)",
        "F004: low 3 > high 2",
        "F004: question 'q99' is not an open, text or follow-up column of the codebook",
        "F004: duplicate id",
        "F006: option(s) c not in q07 (codes a,b)",
        "F006: measure 'best' must be one of most, least",
    ):
        assert expected in msg
    assert msg.count("\n  - ") == 8


def test_validation_of_columns_and_order(tmp_path: Path, mini: Codebook) -> None:
    path = _write(tmp_path, "F002,2.2,q06,a,option_count,1,,47,,,,,,x,")
    with pytest.raises(RegisterError, match="ids must run F001, F002"):
        load_register(path, codebook=mini)
    bad = tmp_path / "cols.csv"
    bad.write_text("id,section,kind\nF001,2.2,other\n", encoding="utf-8")
    with pytest.raises(RegisterError, match=r"missing \['question', 'option'"):
        load_register(bad, codebook=mini)


def test_validation_kind_specific_columns(tmp_path: Path, mini: Codebook) -> None:
    path = _write(
        tmp_path,
        "F001,2.2,q06,a,option_count,12,25,47,most,,,,,x,",
        "F002,2.2,q07,,n_selected,5,,47,,1,2,,,x,",
        "F003,2.2,q06,,n_selected,5,,47,,1,4,,,x,",
        "F004,2.2,q06,,coded_open,5,,47,,,,,Thema,x,",
        "F006,2.2,q06_c_tekst,,coded_open,5,,47,,,,,Thema,x,",
        "F005,2.2,q06,a,option_count,50,,47,,,,,,x,",
    )
    with pytest.raises(RegisterError) as err:
        load_register(path, codebook=mini)
    msg = str(err.value)
    assert "F001: measure is only for kind ranking, not option_count" in msg
    assert "F002: question q07 is scale; n_selected needs multiple or grid" in msg
    assert "F003: high 4 exceeds the 3 options of q06" in msg
    assert "F004: question 'q06' is not an open, text or follow-up column" in msg
    assert "F006: theme 'Thema' is not a snake_case id" in msg
    assert "F005: count 50 exceeds base 47" in msg


def test_consistency_rules_on_a_small_frame(tmp_path: Path, mini: Codebook) -> None:
    path = _write(
        tmp_path,
        "F001,2.2,q06,a,option_count,,38,47,,,,,,38%,",
        "F002,2.2,q06,a,option_count,17,38,47,,,,,,17 (38%),",
        "F003,2.2,q06,b,option_count,,36,47,,,,,,36%,",
        "F004,2.2,q06,b,option_count,17,36,47,,,,,,17 (36%),",
        "F005,2.2,q06,c,option_count,,40,47,,,,,,40%,",
        "F006,2.2,q06,,base,,,47,,,,,,(n = 47),",
        "F007,2.2,q07,,base,,,30,,,,,,(n = 30),",
    )
    reg = load_register(path, codebook=mini)
    assert _plain(consistency(reg)) == [False, False, True, True, None, True, None]
    found = inconsistencies(reg)
    assert found["id"].tolist() == ["F001", "F002"]
    assert found["rounded_percent"].tolist() == [36, 36]
