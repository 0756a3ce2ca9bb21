"""Tests of ido_analysis.report.chapter (the building blocks of the chapter notebooks)."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers_stats import multi_frame, single_frame, small_codebook
from IPython.display import Image

from ido_analysis.analysis.tables import TABLE_COLUMNS, question_table
from ido_analysis.report import chapter, notebook

CB = small_codebook()
Q_SINGLE, Q_SCALE, Q_MULTI, Q_GRID = CB["q01"], CB["q02"], CB["q03"], CB["q04"]
ANSWERS = ["Trekker"] * 20 + ["Deelnemer"] * 20 + ["Geen rol"] * 7  # 47 respondents


@pytest.fixture
def shown(monkeypatch) -> list:
    """Collect what the chapter helpers display instead of rendering it."""
    items: list = []
    monkeypatch.setattr(chapter, "display", items.append)
    monkeypatch.setattr(notebook, "display", items.append)  # figures: notebook.show_figure
    return items


def _texts(items: list) -> list[str]:
    return [item.data for item in items if hasattr(item, "data") and isinstance(item.data, str)]


def _full_frame() -> pd.DataFrame:
    """47 respondents answering the four closed questions of the small codebook."""
    frame = single_frame(Q_SINGLE, ANSWERS)
    scale = single_frame(Q_SCALE, ["Tevreden"] * 30 + ["Ontevreden"] * 10 + ["Weet ik niet"] * 7)
    multi = multi_frame(Q_MULTI, [(True, False, False, False, False)] * 30
                        + [(True, True, False, False, False)] * 17)
    grid = multi_frame(Q_GRID, [(True, False, True)] * 40 + [(False, False, True)] * 7)
    for part in (scale, multi, grid):
        frame = frame.merge(part, on="respondent_id")
    return frame


# ------------------------------------------------------------------------------- weights


def test_weights_for_returns_none_when_weighting_is_off() -> None:
    assert chapter.weights_for(pd.DataFrame({"grootteklasse_grof": ["klein"]}), False) is None


def test_weights_for_poststratifies_to_the_reference() -> None:
    df = pd.DataFrame({"grootteklasse_grof": ["klein"] * 5 + ["groot"] * 5},
                      index=range(10, 20))
    reference = pd.DataFrame({"grootteklasse_grof": ["klein"] * 10 + ["groot"] * 30})
    weights = chapter.weights_for(df, True, reference).on(df)
    assert list(weights.index) == list(range(10, 20))
    assert weights.mean() == pytest.approx(1.0)
    assert weights.iloc[0] == pytest.approx(0.5)  # (10/40) / (5/10)
    assert weights.iloc[-1] == pytest.approx(1.5)  # (30/40) / (5/10)


# ----------------------------------------------------------------------------- reading aid


def test_reading_aid_reads_the_largest_row_with_interval_and_fpc() -> None:
    table = question_table(single_frame(Q_SINGLE, ANSWERS), Q_SINGLE)
    first = ("Van de 47 respondenten kozen 20 voor ‘Trekker’ (43%; 95%-interval 30%–56%). "
             "Bij n = 47 is het interval 25 procentpunten breed")
    assert chapter.reading_aid(table) == first + "."
    assert chapter.reading_aid(table, compare_fpc=True) == (
        first + "; zonder de eindige-populatiecorrectie (47 van de 342 gemeenten in de basis) "
        "zou het 2 procentpunten breder zijn.")


def test_reading_aid_for_a_chosen_grid_item_and_singular_verb() -> None:
    frame = multi_frame(Q_GRID, [(True, False, True)] + [(False, False, True)] * 9)
    table = question_table(frame, Q_GRID)
    text = chapter.reading_aid(table, "a")
    assert text.startswith("Van de 10 respondenten antwoordde 1 ‘ja’ op ‘Overleg’ (10%;")
    with pytest.raises(KeyError, match="no option 'z'"):
        chapter.reading_aid(table, "z")


def test_reading_aid_says_weighted_and_effective_n() -> None:
    frame = single_frame(Q_SINGLE, ANSWERS)
    weights = pd.Series([2.0] * 20 + [1.0] * 27, index=frame.index)
    text = chapter.reading_aid(question_table(frame, Q_SINGLE, weights=weights), "a")
    assert "kozen 20 voor ‘Trekker’ (gewogen 60%;" in text
    assert "Bij een effectieve steekproefomvang van 42,0 is het interval" in text  # 67² / 107


# ---------------------------------------------------------------------------- show_question


def test_show_question_writes_png_and_csv_and_returns_the_table(tmp_path, shown) -> None:
    frame = single_frame(Q_SINGLE, ANSWERS)
    table = chapter.show_question(frame, Q_SINGLE, output_dir=tmp_path)
    assert list(table["count"]) == [20, 20, 7]
    png = tmp_path / "figures" / "q01.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = pd.read_csv(tmp_path / "tables" / "q01.csv", dtype={"option": str})
    assert list(written.columns) == TABLE_COLUMNS
    assert list(written["count"]) == [20, 20, 7]
    assert "**Vraag 1. Welke rol?**" in _texts(shown)
    images = [item for item in shown if isinstance(item, Image)]
    assert len(images) == 1 and images[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    display_tables = [item for item in shown if isinstance(item, pd.DataFrame)]
    assert list(display_tables[0]["Percentage"]) == ["43%", "43%", "15%"]


def test_show_question_leaves_out_the_chart_below_min_base(tmp_path, shown) -> None:
    frame = single_frame(Q_SINGLE, ANSWERS[:4])
    chapter.show_question(frame, Q_SINGLE, output_dir=tmp_path, min_base=5)
    assert not (tmp_path / "figures" / "q01.png").exists()
    assert (tmp_path / "tables" / "q01.csv").exists()
    assert any("minder dan 5 respondenten" in text for text in _texts(shown))


def test_show_question_rejects_an_unknown_chart_kind(tmp_path, shown) -> None:
    with pytest.raises(ValueError, match="chart must be one of"):
        chapter.show_question(single_frame(Q_SINGLE, ANSWERS), Q_SINGLE,
                              output_dir=tmp_path, chart="pie")


def test_show_section_shows_every_closed_question_except_excluded(tmp_path, shown) -> None:
    result = chapter.show_section(_full_frame(), CB, "h1", "1.1", exclude=["q03"],
                                  output_dir=tmp_path)
    assert list(result) == ["q01", "q02", "q04"]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "q01.png", "q02.png", "q04.png"]


def test_show_scales_writes_one_figure_and_a_long_table(tmp_path, shown) -> None:
    long = chapter.show_scales(_full_frame(), [Q_SCALE, Q_SCALE], name="oordelen",
                               output_dir=tmp_path)
    assert len(long) == 8
    assert (tmp_path / "figures" / "oordelen.png").exists()
    assert (tmp_path / "tables" / "oordelen.csv").exists()


# ------------------------------------------------------------------------ published figures


def _register(rows: list[dict]) -> pd.DataFrame:
    base = {"option": pd.NA, "count": pd.NA, "percent": pd.NA, "base": 47, "low": pd.NA,
            "high": pd.NA}
    return pd.DataFrame([{**base, **row} for row in rows])


def test_published_comparison_sentences() -> None:
    frame = _full_frame()
    register = _register([
        {"id": "F001", "question": "q01", "option": "a", "kind": "option_count",
         "count": 20, "percent": 42.0},
        {"id": "F002", "question": "q01", "option": "a;b", "kind": "option_count",
         "count": 40, "percent": 85.0},
        {"id": "F003", "question": "q01", "option": "c", "kind": "option_count",
         "percent": 17.0},
        {"id": "F004", "question": "q03", "kind": "n_selected", "count": 17, "low": 2,
         "high": 5},
        {"id": "F005", "question": "q01", "option": "c", "kind": "option_count", "count": 1},
        {"id": "F006", "question": "q01", "option": "c", "kind": "option_count",
         "percent": 14.0},
    ])
    lines = chapter.published_comparison(frame, CB, register,
                                         ["F001", "F002", "F003", "F004", "F005", "F006"]
                                         ).split("\n")
    assert lines == [
        "- Het rapport (F001) noemt 20 gemeenten (42%); herberekend: 20 van 47 = 43% — "
        "het rapport rondt 42,6% af op 42% (gebruikelijk afgerond: 43%).",
        "- Het rapport (F002) noemt 40 gemeenten (85%); herberekend: 40 van 47 = 85% — "
        "komt overeen.",
        "- Het rapport (F003) noemt 17%; herberekend: 7 van 47 = 15% — het gedrukte "
        "percentage past niet bij dit aantal (17% van 47 zou 8 gemeenten zijn).",
        "- Het rapport (F004) noemt 17 gemeenten; herberekend: 17 van 47 = 36% — "
        "komt overeen.",
        "- Het rapport (F005) noemt 1 gemeente; herberekend: 7 van 47 = 15% — het "
        "herberekende aantal wijkt af (7 in plaats van 1).",
        "- Het rapport (F006) noemt 14%; herberekend: 7 van 47 = 15% — het rapport rondt "
        "14,9% af op 14% (gebruikelijk afgerond: 15%).",
    ]


def test_published_comparison_refuses_other_kinds_and_unknown_ids() -> None:
    register = _register([{"id": "F001", "question": "q01", "option": "a", "kind": "ranking"}])
    with pytest.raises(ValueError, match="kind 'ranking' is not compared here"):
        chapter.published_comparison(_full_frame(), CB, register, ["F001"])
    with pytest.raises(KeyError, match="no figure 'F999'"):
        chapter.published_comparison(_full_frame(), CB, register, ["F999"])


# ------------------------------------------------------------------------------ composition


def test_composition_hides_small_respondent_counts() -> None:
    reference = pd.DataFrame({"provincie": ["A"] * 30 + ["B"] * 10})
    df = pd.DataFrame({"provincie": ["A"] * 8 + ["B"] * 2})
    table = chapter.composition(df, reference, "provincie", min_cell=5)
    # B (2) is hidden; A must be hidden too, or 10 - 8 gives B back (secondary).
    assert table.to_dict("records") == [
        {"Groep": "A", "Gemeenten": "30", "Aandeel gemeenten": "75%", "Respondenten": "x",
         "Aandeel respondenten": "–"},
        {"Groep": "B", "Gemeenten": "10", "Aandeel gemeenten": "25%", "Respondenten": "x",
         "Aandeel respondenten": "–"},
        {"Groep": "Totaal", "Gemeenten": "40", "Aandeel gemeenten": "100%",
         "Respondenten": "10", "Aandeel respondenten": "100%"},
    ]


# ---------------------------------------------------------------------------- coded answers


def test_show_coded_notes_a_column_without_themes(shown) -> None:
    frame = pd.DataFrame({"q05": pd.array(["iets", "", None], dtype="string")})
    counts = chapter.show_coded(frame, "q05")
    assert counts.empty
    assert _texts(shown) == ["*1 open antwoord bij vraag 5; het codeerschema heeft voor deze "
                             "vraag geen thema's.*"]
