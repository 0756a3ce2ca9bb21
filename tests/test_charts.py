"""Tests of the chart layer (report.charts) on hand-built tables in the contract schemas."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from ido_analysis.core.formatting import fmt_count, fmt_percent
from ido_analysis.report import charts
from ido_analysis.report.charts import SUPPRESSED_HATCH
from ido_analysis.spec.codebook import Option, Question, Routing

SATISFACTION = ["Zeer tevreden", "Enigszins tevreden", "Neutraal", "Enigszins ontevreden",
                "Zeer ontevreden", "Weet ik niet"]
QUALITY = ["Zeer goed", "Goed", "Neutraal", "Slecht", "Zeer slecht", "Weet ik niet"]
ROLES = ["Financier van IDO's", "Promotor van IDO's", "Regievoerder op het netwerk",
         "Warme doorverwijzer van burgers", "Digitale dienstverlener", "Anders, namelijk: ..."]


def make_question(qid: str, qtype: str, labels: list[str], *, nonsub: str = "", other: str = "",
                  text: str | None = None, label: str | None = None,
                  asked_if: Routing | None = None) -> Question:
    options = tuple(
        Option(code=chr(97 + i), label=lab, nonsubstantive=chr(97 + i) in nonsub,
               other=chr(97 + i) in other)
        for i, lab in enumerate(labels)
    )
    return Question(id=qid, number=int(qid[1:]), text=text or f"Vraagtekst van {qid}?",
                    label=label or f"Label {qid}", type=qtype, chapter="h2", section="2.2",
                    asked_if=asked_if, options=options)


def make_table(question: Question, counts: list[int], base: int) -> pd.DataFrame:
    """Frequency table in the ido_analysis.analysis.tables schema (CI = percent -/+ 10, clipped)."""
    pct = [100 * c / base for c in counts]
    table = pd.DataFrame({
        "question": question.id,
        "option": list(question.codes),
        "label": list(question.labels),
        "count": counts,
        "base": base,
        "percent": pct,
        "ci_low": [max(0.0, p - 10) for p in pct],
        "ci_high": [min(100.0, p + 10) for p in pct],
        "mentions": counts,
        "percent_mentions": np.nan,
        "n_eff": float(base),
    })
    table.attrs.update(question_text=question.text, question_label=question.label,
                       type=question.type, confidence=0.95, weighted=False)
    return table


@pytest.fixture()
def scale_q() -> Question:
    return make_question("q07", "scale", SATISFACTION, nonsub="f",
                         text="In welke mate bent u tevreden over de wijze waarop uw gemeente "
                              "deze rollen momenteel invult?")


@pytest.fixture()
def multi_q() -> Question:
    return make_question("q06", "multiple", ROLES, other="f")


def value_texts(ax) -> list[str]:
    """Texts drawn in the plot area (not the subtitle annotation)."""
    return [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]


def subtitle(ax) -> str:
    (note,) = [t for t in ax.texts if isinstance(t, Annotation)]
    return note.get_text()


def tick_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (42.5, 0, "43%"), (42.49, 0, "42%"), (0.5, 0, "1%"), (4.55, 1, "4,6%"), (100.0, 0, "100%"),
    (100 * 20 / 47, 0, "43%"),
])
def test_format_percent_is_dutch_and_rounds_half_up(value, decimals, expected) -> None:
    assert fmt_percent(value, decimals) == expected


def test_value_label_and_count_format() -> None:
    assert charts.value_label(100 * 20 / 47, 20) == "43% (20)"
    assert fmt_count(1234) == "1.234"


# --------------------------------------------------------------------------- bar_chart


def test_bar_chart_scale_keeps_questionnaire_order(scale_q: Question) -> None:
    fig = charts.bar_chart(make_table(scale_q, [7, 20, 8, 4, 1, 7], 47), scale_q)
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert len(ax.patches) == 6
    assert tick_labels(ax) == ["Zeer tevreden", "Enigszins tevreden", "Neutraal",
                               "Enigszins ontevreden", "Zeer ontevreden", "Weet ik niet"]
    assert [round(p.get_width(), 3) for p in ax.patches] == [
        round(100 * c / 47, 3) for c in [7, 20, 8, 4, 1, 7]]
    assert value_texts(ax) == ["15% (7)", "43% (20)", "17% (8)", "9% (4)", "2% (1)", "15% (7)"]
    assert ax.get_xlim() == (0.0, 100.0)
    assert [mpl.colors.to_hex(p.get_facecolor()) for p in ax.patches] == (
        [charts.BAR_COLOUR.lower()] * 5 + [charts.NONSUBSTANTIVE_COLOUR.lower()])
    assert fig.get_suptitle() == textwrap.fill(scale_q.text, charts.TITLE_WIDTH)
    assert subtitle(ax) == "n = 47"


def test_bar_chart_multiple_sorted_by_frequency_with_other_last(multi_q: Question) -> None:
    fig = charts.bar_chart(make_table(multi_q, [28, 26, 22, 42, 12, 30], 47), multi_q)
    ax = fig.axes[0]
    assert tick_labels(ax) == ["Warme doorverwijzer van burgers", "Financier van IDO's",
                               "Promotor van IDO's", "Regievoerder op het netwerk",
                               "Digitale dienstverlener", "Anders, namelijk: ..."]
    assert value_texts(ax)[0] == "89% (42)"
    assert subtitle(ax) == "n = 47 (meerdere antwoorden mogelijk)"


def test_bar_chart_sort_override_and_invalid_sort(multi_q: Question) -> None:
    table = make_table(multi_q, [28, 26, 22, 42, 12, 30], 47)
    ax = charts.bar_chart(table, multi_q, sort="questionnaire").axes[0]
    assert tick_labels(ax) == ROLES
    with pytest.raises(ValueError, match="sort must be one of"):
        charts.bar_chart(table, multi_q, sort="alphabet")


def test_bar_chart_routed_question_subtitle() -> None:
    question = make_question("q18", "multiple", ["Welzijnsorganisaties", "Sociale partners"],
                             asked_if=Routing("q17", ("a", "b", "c")))
    table = make_table(question, [26, 20], 30)
    ax = charts.bar_chart(table, question).axes[0]
    assert subtitle(ax) == ("n = 30 (alleen gevraagd bij antwoord a, b of c op vraag 17; "
                            "meerdere antwoorden mogelijk)")
    ax = charts.bar_chart(table, question, base_note="alleen gevraagd aan netwerkgemeenten").axes[0]
    assert subtitle(ax) == ("n = 30 (alleen gevraagd aan netwerkgemeenten; "
                            "meerdere antwoorden mogelijk)")


def test_bar_chart_ci_whiskers(scale_q: Question) -> None:
    table = make_table(scale_q, [7, 20, 8, 4, 1, 7], 47)
    ax = charts.bar_chart(table, scale_q, show_ci=True).axes[0]
    (whiskers,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    spans = [(round(seg[0][0], 6), round(seg[1][0], 6)) for seg in whiskers.get_segments()]
    assert spans == [(round(lo, 6), round(hi, 6))
                     for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)]
    assert "lijnen: 95%-betrouwbaarheidsinterval" in subtitle(ax)
    # label sits right of the whisker, not on it
    assert [t.get_position()[0] for t in ax.texts if not isinstance(t, Annotation)] == [
        pytest.approx(hi + 1.2) for hi in table["ci_high"]]


def test_bar_chart_draws_into_given_axes(scale_q: Question) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert charts.bar_chart(make_table(scale_q, [7, 20, 8, 4, 1, 7], 47), scale_q, ax=ax) is fig
    assert len(ax.patches) == 6
    assert ax.get_title(loc="left").endswith("invult?\nn = 47")


def test_bar_chart_rejects_mismatched_table_and_open_question(scale_q: Question) -> None:
    table = make_table(scale_q, [7, 20, 8, 4, 1, 7], 47)
    with pytest.raises(ValueError, match=r"q07 do not match its options: unknown \[\], "
                                         r"missing \['f'\]"):
        charts.bar_chart(table.iloc[:5], scale_q)
    open_q = Question(id="q09", number=9, text="Open?", label="Open", type="open",
                      chapter="h2", section="2.2")
    with pytest.raises(ValueError, match="bar_chart needs a .* question; q09 is open"):
        charts.bar_chart(table, open_q)


def test_charts_ignore_callers_rcparams(scale_q: Question) -> None:
    table = make_table(scale_q, [7, 20, 8, 4, 1, 7], 47)
    with mpl.rc_context({"font.family": "serif", "font.size": 20}):
        ax = charts.bar_chart(table, scale_q).axes[0]
    text = [t for t in ax.texts if not isinstance(t, Annotation)][0]
    assert text.get_fontfamily() == ["sans-serif"]
    assert text.get_fontsize() == 8


# --------------------------------------------------------------------------- scales


def test_split_scale_odd_even_and_non_scale() -> None:
    split = charts.split_scale(make_question("q26", "scale", QUALITY, nonsub="f"))
    assert [o.code for o in split.positive] == ["a", "b"]
    assert split.neutral is not None and split.neutral.code == "c"
    assert [o.code for o in split.negative] == ["d", "e"]
    assert [o.code for o in split.nonsubstantive] == ["f"]
    even = charts.split_scale(make_question("q12", "scale", ["Ja", "Eerder ja", "Eerder nee",
                                                             "Nee"]))
    assert ([o.code for o in even.positive], even.neutral, [o.code for o in even.negative]) == (
        ["a", "b"], None, ["c", "d"])
    with pytest.raises(ValueError, match="split_scale needs a scale question; q06 is multiple"):
        charts.split_scale(make_question("q06", "multiple", ROLES))


def test_diverging_one_question_geometry(scale_q: Question) -> None:
    fig = charts.diverging_scale_chart(make_table(scale_q, [7, 20, 8, 4, 1, 7], 47), scale_q)
    main, side = fig.axes
    pct = {c: 100 * n / 47 for c, n in zip("abcdef", [7, 20, 8, 4, 1, 7], strict=True)}
    lefts = [(round(p.get_x(), 6), round(p.get_width(), 6)) for p in main.patches]
    half = pct["c"] / 2
    assert lefts == [(round(v, 6), round(w, 6)) for v, w in [
        (-half, pct["c"]),                               # neutral straddles 0
        (half, pct["b"]), (half + pct["b"], pct["a"]),   # positive: mild, then strong
        (-half - pct["d"], pct["d"]),                    # negative: mild next to centre
        (-half - pct["d"] - pct["e"], pct["e"]),
    ]]
    assert [round(p.get_width(), 6) for p in side.patches] == [round(pct["f"], 6)]
    # labels only on segments of at least 5 %; "Weet ik niet" labelled in its own panel
    assert value_texts(main) == ["17%", "43%", "15%", "9%"]
    assert side.texts[0].get_text() == "15%"
    assert side.get_title(loc="left") == "Weet ik niet"
    assert tick_labels(main) == ["Label q07\n(n = 47)"]
    assert fig.get_suptitle() == textwrap.fill(scale_q.text, charts.TITLE_WIDTH)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == SATISFACTION


def test_diverging_several_questions() -> None:
    questions = [make_question(qid, "scale", QUALITY, nonsub="f") for qid in ("q26", "q37", "q40")]
    tables = [make_table(q, counts, 47) for q, counts in zip(
        questions, [[1, 6, 16, 8, 2, 14], [0, 4, 15, 9, 3, 16], [0, 3, 12, 8, 4, 20]],
        strict=True)]
    fig = charts.diverging_scale_chart(tables, questions, title="Geboden ondersteuning")
    main, side = fig.axes
    assert len(main.patches) == 15 and len(side.patches) == 3
    assert tick_labels(main) == ["Label q26\n(n = 47)", "Label q37\n(n = 47)",
                                 "Label q40\n(n = 47)"]
    assert [t.get_text() for t in side.texts] == ["30%", "34%", "43%"]
    # one combined table works as well
    fig2 = charts.diverging_scale_chart(pd.concat(tables), questions)
    assert len(fig2.axes[0].patches) == 15
    assert fig2.get_suptitle() == ""


def test_diverging_rejects_mixed_shapes_and_counts(scale_q: Question) -> None:
    four = make_question("q12", "scale", ["Ja", "Eerder ja", "Eerder nee", "Nee"])
    tables = [make_table(scale_q, [7, 20, 8, 4, 1, 7], 47), make_table(four, [1, 2, 3, 4], 10)]
    with pytest.raises(ValueError, match="same shape: q07, q12"):
        charts.diverging_scale_chart(tables, [scale_q, four])
    with pytest.raises(ValueError, match="got 2 tables for 3 questions"):
        charts.diverging_scale_chart(tables, [scale_q, four, four])


# --------------------------------------------------------------------------- cross-tab


def make_crosstab(question: Question, groups: dict[str, list[int]], min_cell: int = 2,
                  blank_suppressed: bool = False) -> pd.DataFrame:
    rows = []
    for group, counts in groups.items():
        base = sum(counts)
        for opt, count in zip(question.options, counts, strict=True):
            suppressed = 0 < count < min_cell
            rows.append({
                "group_var": "grootteklasse_grof", "group": group, "question": question.id,
                "option": opt.code, "label": opt.label, "count": count, "base": base,
                "col_percent": np.nan if suppressed and blank_suppressed else 100 * count / base,
                "row_percent": np.nan, "suppressed": suppressed,
            })
    return pd.DataFrame(rows)


def test_stacked_group_chart_segments_and_tick_labels(scale_q: Question) -> None:
    crosstab = make_crosstab(scale_q, {"klein": [2, 6, 2, 0, 0, 2],
                                       "groot": [4, 10, 4, 3, 2, 2]})
    fig = charts.stacked_group_chart(crosstab, scale_q)
    ax = fig.axes[0]
    assert tick_labels(ax) == ["klein (n = 12)", "groot (n = 25)"]
    assert len(ax.patches) == 4 + 6  # zero-count options draw nothing
    assert [round(p.get_x() + p.get_width(), 6) for p in ax.patches if p.get_y() < 0.5][-1] == 100
    assert "17%" in value_texts(ax) and "40%" in value_texts(ax)
    assert subtitle(ax) == "Naar grootteklasse grof; percentage per groep"
    assert not any(p.get_hatch() for p in ax.patches)


@pytest.mark.parametrize("blank", [False, True])
def test_stacked_group_chart_never_shows_suppressed_values(scale_q: Question, blank) -> None:
    # klein (n = 20): c, d (2 each = 10 %) and e (1 = 5 %) are under min_cell 3
    crosstab = make_crosstab(scale_q, {"klein": [4, 8, 2, 2, 1, 3], "groot": [4, 10, 4, 3, 3, 3]},
                             min_cell=3, blank_suppressed=blank)
    fig = charts.stacked_group_chart(crosstab, scale_q, group_label="grootteklasse")
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    assert (hatched[0].get_x(), hatched[0].get_width()) == pytest.approx((75.0, 25.0))
    klein = [t.get_text() for t in ax.texts
             if not isinstance(t, Annotation) and t.get_position()[1] == 0]
    assert klein == ["20%", "40%", "15%", "onderdrukt"]
    assert subtitle(ax) == "Naar grootteklasse; percentage per groep"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-1] == "onderdrukt (te weinig waarnemingen)"


def test_stacked_group_chart_rejects_multiple_choice(multi_q: Question) -> None:
    crosstab = make_crosstab(multi_q, {"klein": [1, 2, 3, 4, 5, 6]})
    with pytest.raises(ValueError, match="stacked_group_chart needs a single or scale question"):
        charts.stacked_group_chart(crosstab, multi_q)


# --------------------------------------------------------------------------- save_figure


@pytest.fixture()
def small_fig(scale_q: Question) -> Figure:
    return charts.bar_chart(make_table(scale_q, [7, 20, 8, 4, 1, 7], 47), scale_q)


def test_save_figure_is_byte_deterministic(tmp_path: Path, small_fig: Figure,
                                           scale_q: Question) -> None:
    first = charts.save_figure(small_fig, tmp_path / "a.png", dpi=60)
    again = charts.bar_chart(make_table(scale_q, [7, 20, 8, 4, 1, 7], 47), scale_q)
    second = charts.save_figure(again, tmp_path / "sub" / "b.png", dpi=60)
    assert first == tmp_path / "a.png"
    data = first.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data == second.read_bytes()
    assert b"Software" not in data and b"matplotlib" not in data.lower()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.png", "b.png"]


def test_save_figure_print_resolution(tmp_path: Path, small_fig: Figure) -> None:
    path = charts.save_figure(small_fig, tmp_path / "print.png")
    data = path.read_bytes()
    # pHYs chunk: pixels per metre for 300 dpi = 11811
    phys = data.index(b"pHYs")
    assert int.from_bytes(data[phys + 4:phys + 8], "big") == 11811
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"


def test_save_figure_failure_leaves_nothing_behind(tmp_path: Path, small_fig: Figure,
                                                   monkeypatch) -> None:
    target = tmp_path / "chart.png"
    target.write_bytes(b"old")

    def broken_savefig(tmp, **kwargs):
        Path(tmp).write_bytes(b"partial")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(small_fig, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        charts.save_figure(small_fig, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_save_figure_requires_png(tmp_path: Path, small_fig: Figure) -> None:
    with pytest.raises(ValueError, match=r"does not end in \.png"):
        charts.save_figure(small_fig, tmp_path / "chart.pdf")
    assert list(tmp_path.iterdir()) == []


def test_bar_chart_grid_and_weighted_subtitle() -> None:
    question = make_question("q21", "grid", ["Partners aandragen", "Overleg organiseren",
                                             "Aanwezig bij overleg"])
    table = make_table(question, [25, 10, 18], 30)
    table.attrs["weighted"] = True
    ax = charts.bar_chart(table, question).axes[0]
    assert tick_labels(ax) == ["Partners aandragen", "Aanwezig bij overleg", "Overleg organiseren"]
    assert subtitle(ax) == "n = 30 (percentage 'ja' per onderdeel; gewogen percentages)"


def test_stacked_group_chart_missing_flag_counts_as_suppressed(scale_q: Question) -> None:
    crosstab = make_crosstab(scale_q, {"klein": [4, 8, 3, 2, 1, 2]}, min_cell=0)
    crosstab["suppressed"] = pd.array([False, False, None, False, False, False], dtype="boolean")
    ax = charts.stacked_group_chart(crosstab, scale_q).axes[0]
    hatched = [p for p in ax.patches if p.get_hatch() == SUPPRESSED_HATCH]
    assert [(p.get_x(), p.get_width()) for p in hatched] == [pytest.approx((85.0, 15.0))]
    assert value_texts(ax) == ["20%", "40%", "10%", "5%", "10%", "onderdrukt"]


# --------------------------------------------------------------------------- alt text


def test_bar_chart_alt_text_names_every_bar_with_its_figures(multi_q: Question) -> None:
    table = make_table(multi_q, [42, 30, 10, 5, 2, 3], 47)
    alt = charts.alt_text(charts.bar_chart(table, multi_q, show_ci=True))
    assert alt.startswith("Staafdiagram, n = 47 (meerdere antwoorden mogelijk")
    assert "Vraagtekst van q06?" in alt
    # every bar in chart order (by count, 'Anders' last), with its label and figures
    positions = [alt.index(f"{label} ") for label in ROLES]
    assert positions == sorted(positions)
    assert "Financier van IDO's 89% (42), interval 79% tot 99%" in alt
    assert "Anders, namelijk: ... 6% (3)" in alt
    assert "\n" not in alt


def test_bar_chart_in_given_axes_leaves_no_alt_text(scale_q: Question) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    charts.bar_chart(make_table(scale_q, [1, 2, 3, 4, 5, 6], 21), scale_q, ax=ax)
    assert charts.alt_text(fig) is None


def test_diverging_and_stacked_alt_text(scale_q: Question) -> None:
    alt = charts.alt_text(charts.diverging_scale_chart(
        make_table(scale_q, [4, 8, 2, 2, 1, 3], 20), scale_q))
    assert alt.startswith("Divergerend gestapeld staafdiagram")
    assert "(n = 20): " in alt and f"{SATISFACTION[0]} 20%" in alt
    assert f"{SATISFACTION[-1]} 15%" in alt
    crosstab = make_crosstab(scale_q, {"klein": [4, 8, 2, 2, 1, 3], "groot": [4, 10, 4, 3, 3, 3]},
                             min_cell=3)
    alt = charts.alt_text(charts.stacked_group_chart(crosstab, scale_q,
                                                     group_label="grootteklasse"))
    assert alt.startswith("Gestapeld staafdiagram naar grootteklasse")
    klein = alt.split("klein (n = 20): ")[1].split(";")[0]
    # suppressed cells are named as such, never with their value
    assert "onderdrukt" in klein and not re.search(r"(?<!\d)(10|5)%", klein)
    assert f"{SATISFACTION[0]} 20%" in klein


def test_house_style_base_is_seaborn_whitegrid_paper():
    """The copied seaborn values (seaborn is not imported by the package: it costs a second
    per kernel) still equal seaborn's own."""
    import seaborn as sns

    expected = {**sns.axes_style("whitegrid"), **sns.plotting_context("paper")}
    expected.pop("image.cmap")
    assert expected == charts.SEABORN_WHITEGRID_PAPER
