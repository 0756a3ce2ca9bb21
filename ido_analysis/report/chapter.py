"""Building blocks of the chapter notebooks: one call per question, section or figure.

The notebooks choose which questions to show and write the narrative; everything here is
generic and driven by the codebook and the published-figures register:

- ``weights_for``: post-stratification by ``grootteklasse_grof`` when weighting is on,
  recomputed on the base of every table (``analysis.weights.Weighting``).
- ``show_question``: Dutch table, reading aid, chart; PNG and CSV written under ``output_dir``.
- ``show_section``: ``show_question`` for every closed question of a codebook section.
- ``show_scales``: several scale questions side by side in one diverging chart.
- ``reading_aid``: a Dutch sentence that reads one row of a table, its interval and the
  finite-population correction.
- ``published_comparison``: the report's printed figures beside the recomputed ones.
- ``composition``: respondents against the 342 municipalities by a reference grouping.
- ``show_coded``: counts of coded open answers (``ido_analysis.analysis.codeframe``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

from ido_analysis.analysis import tables
from ido_analysis.analysis.codeframe import theme_counts
from ido_analysis.analysis.disclosure import hidden_group_sizes
from ido_analysis.analysis.recount import any_of, n_selected
from ido_analysis.analysis.stats import wilson_interval
from ido_analysis.analysis.weights import Weighting, population_counts
from ido_analysis.core.formatting import (
    fmt_count,
    fmt_interval,
    fmt_number,
    fmt_percent,
    interval_label,
)
from ido_analysis.report import charts
from ido_analysis.report.notebook import show_figure
from ido_analysis.spec.codebook import Codebook, Question
from ido_analysis.spec.reference import load_municipalities
from ido_analysis.spec.survey import WEIGHTING_STRATUM

CHART_KINDS = ("bar", "diverging")
NOBODY_ASKED = ("Geen grafiek en geen percentages: geen enkele respondent kreeg of beantwoordde "
                "deze vraag (basis 0).")


# --- Weights ---------------------------------------------------------------------------------

def weights_for(df: pd.DataFrame, weighting: bool,
                reference: str | Path | pd.DataFrame | None = None) -> Weighting | None:
    """None when ``weighting`` is off, else a ``Weighting`` by ``grootteklasse_grof``.

    The weights are computed on the respondents of each table's base, so the weighted size
    shares of every base equal those of all municipalities. Population counts come from the
    CBS reference (``reference``: a path, an already loaded table, or None for the bundled
    table). ``df`` is checked: every respondent needs a stratum.
    """
    if not weighting:
        return None
    ref = reference if isinstance(reference, pd.DataFrame) else load_municipalities(reference)
    weighting_ = Weighting(WEIGHTING_STRATUM, population_counts(ref, WEIGHTING_STRATUM))
    weighting_.on(df)  # raises when a respondent has no stratum
    return weighting_


# --- Reading aid ----------------------------------------------------------------------------

def _respondents(n: int) -> str:
    return f"{fmt_count(n)} {'respondent' if n == 1 else 'respondenten'}"


def _choice_clause(question_type: str, count: int, label: str) -> str:
    if question_type == "grid":
        verb = "antwoordde" if count == 1 else "antwoordden"
        return f"{verb} {fmt_count(count)} ‘ja’ op ‘{label}’"
    verb = "koos" if count == 1 else "kozen"
    return f"{verb} {fmt_count(count)} voor ‘{label}’"


def reading_aid(table: pd.DataFrame, option: str | None = None,
                compare_fpc: bool = False) -> str:
    """Dutch sentences that read one row of a ``question_table`` result.

    ``option`` (letter) picks the row; by default the row with the highest percentage. States
    count, base, percentage and interval, then the interval's width in percentage points and,
    with ``compare_fpc``, how much wider it would be without the finite-population correction
    (chapters explain the correction once in their introduction). Weighted tables say
    "gewogen" and give the effective sample size.
    """
    if table.empty:
        raise ValueError("empty table: nothing to read")
    if option is None:
        row = table.loc[table["percent"].fillna(-1).idxmax()]
    else:
        match = table[table["option"] == option]
        if match.empty:
            raise KeyError(f"table has no option {option!r}")
        row = match.iloc[0]
    conf = float(table.attrs.get("confidence", 0.95))
    population = table.attrs.get("population")
    weighted = bool(table.attrs.get("weighted"))
    base, count = int(row["base"]), int(row["count"])
    interval = fmt_interval(row["ci_low"], row["ci_high"])
    share = ("gewogen " if weighted else "") + fmt_percent(row["percent"])
    choice = _choice_clause(str(table.attrs.get("type")), count, row["label"])
    first = f"Van de {_respondents(base)} {choice} ({share}; {interval_label(conf)} {interval})."

    if base == 0 or math.isnan(row["ci_low"]):
        return first
    width = row["ci_high"] - row["ci_low"]
    n_eff = float(row["n_eff"])
    size = (f"een effectieve steekproefomvang van {fmt_number(n_eff, 1)}" if weighted
            else f"n = {fmt_count(base)}")
    second = f" Bij {size} is het interval {fmt_number(width, 0)} procentpunten breed"
    if population and compare_fpc:
        low, high = wilson_interval(row["percent"] / 100 * n_eff, n_eff, conf, None)
        extra = 100 * (high - low) - width
        second += (f"; zonder de eindige-populatiecorrectie ({fmt_count(base)} van de "
                   f"{fmt_count(int(population))} gemeenten in de basis) zou het "
                   f"{fmt_number(extra, 0)} procentpunt{'' if round(extra) == 1 else 'en'} "
                   "breder zijn")
    return first + second + "."


# --- One question ---------------------------------------------------------------------------

def question_chart(table: pd.DataFrame, question: Question, chart: str | None = None) -> Figure:
    """Bar chart with interval whiskers, or a diverging chart for scale questions."""
    kind = chart or ("diverging" if question.type == "scale" else "bar")
    if kind not in CHART_KINDS:
        raise ValueError(f"chart must be one of {CHART_KINDS}, got {kind!r}")
    if kind == "diverging":
        return charts.diverging_scale_chart(table, question)
    return charts.bar_chart(table, question, show_ci=True)


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a frequency table as UTF-8 CSV (codebook order, numbers unformatted); a
    weighted table gets a ``weighted`` column (its ``n_eff`` column is always there)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = table.assign(weighted=True) if table.attrs.get("weighted") else table
    out.to_csv(path, index=False, lineterminator="\n")
    return path


def show_question(df: pd.DataFrame, question: Question, *, confidence: float = 0.95,
                  weights: tables.Weights = None, output_dir: str | Path = "../reports",
                  min_base: int | None = None, chart: str | None = None) -> pd.DataFrame:
    """Show one closed question: Dutch table, reading aid and chart; return the table.

    Writes ``<output_dir>/tables/<qid>.csv`` and ``<output_dir>/figures/<qid>.png``. With
    ``min_base`` set and fewer respondents than that, the chart is left out and a note says
    why (the table is still shown and written). ``chart`` overrides the chart kind
    (``'bar'`` or ``'diverging'``). The reading aid reads the codebook's ``reading_aid``
    option of the question (default: the first row).
    """
    table = tables.question_table(df, question, confidence=confidence, weights=weights)
    out = Path(output_dir)
    write_table(table, out / "tables" / f"{question.id}.csv")
    display(Markdown(f"**Vraag {question.number}. {question.text}**"))
    display(tables.display_table(tables.order_for_display(table, question)))
    base = int(table["base"].max())
    if base == 0:
        display(Markdown(f"*{NOBODY_ASKED}*"))
        return table
    display(Markdown(reading_aid(table, question.reading_aid)))
    if min_base is not None and base < min_base:
        display(Markdown(f"*Geen grafiek: minder dan {min_base} respondenten beantwoordden "
                         "deze vraag.*"))
        return table
    show_figure(question_chart(table, question, chart), out / "figures" / f"{question.id}.png")
    return table


def show_section(df: pd.DataFrame, cb: Codebook, chapter: str, section: str,
                 exclude: Sequence[str] = (), **kwargs: Any) -> dict[str, pd.DataFrame]:
    """``show_question`` for each closed, non-personal question of a codebook section.

    Returns the tables by question id. ``exclude`` lists question ids to leave out (shown
    elsewhere in the notebook); other keyword arguments go to ``show_question``.
    """
    shown = {}
    for question in cb.questions_in(chapter, section):
        if question.is_closed and not question.personal and question.id not in exclude:
            shown[question.id] = show_question(df, question, **kwargs)
    return shown


def show_scales(df: pd.DataFrame, questions: Sequence[Question], *, name: str,
                confidence: float = 0.95, weights: tables.Weights = None,
                output_dir: str | Path = "../reports", title: str | None = None) -> pd.DataFrame:
    """Several scale questions of the same shape as one diverging chart, plus one table.

    Saves ``<output_dir>/figures/<name>.png`` and ``<output_dir>/tables/<name>.csv`` and
    returns the long table of all questions.
    """
    tabs = [tables.question_table(df, q, confidence=confidence, weights=weights)
            for q in questions]
    long = pd.concat(tabs, ignore_index=True)
    long.attrs = dict(tabs[0].attrs)
    write_table(long, Path(output_dir) / "tables" / f"{name}.csv")
    labels = {q.id: q.label for q in questions}
    display(tables.display_table(long, labels))
    fig = charts.diverging_scale_chart(tabs, list(questions), title=title)
    show_figure(fig, Path(output_dir) / "figures" / f"{name}.png")
    return long


# --- Published figures ------------------------------------------------------------------------

def _municipalities(n: int) -> str:
    return f"{fmt_count(n)} {'gemeente' if n == 1 else 'gemeenten'}"


def _printed(count: Any, percent: Any) -> str:
    has_count, has_pct = not pd.isna(count), not pd.isna(percent)
    if has_count and has_pct:
        return f"{_municipalities(int(count))} ({fmt_percent(percent)})"
    return _municipalities(int(count)) if has_count else fmt_percent(percent)


def _verdict(count: Any, percent: Any, recount: int, base: int) -> str:
    exact = 100 * recount / base if base else math.nan
    if not pd.isna(count) and int(count) != recount:
        return f"het herberekende aantal wijkt af ({fmt_count(recount)} in plaats van " \
               f"{fmt_count(int(count))})"
    if pd.isna(percent) or fmt_percent(exact) == fmt_percent(percent):
        return "komt overeen"
    implied = round(float(percent) * base / 100)
    if abs(float(percent) - exact) < 1 or implied == recount:
        return (f"het rapport rondt {fmt_percent(exact, 1)} af op {fmt_percent(percent)} "
                f"(gebruikelijk afgerond: {fmt_percent(exact)})")
    return (f"het gedrukte percentage past niet bij dit aantal ({fmt_percent(percent)} van "
            f"{fmt_count(base)} zou {_municipalities(implied)} zijn)")


def published_comparison(df: pd.DataFrame, cb: Codebook, register: pd.DataFrame,
                         ids: Sequence[str]) -> str:
    """Dutch sentences, one per register row, that put the printed figure beside ours.

    Supports the kinds ``option_count`` (options joined by ';' mean "any of these") and
    ``n_selected``; other kinds raise ``ValueError`` (they belong in the audit notebook).
    Example: "Het rapport (F010) noemt 12 gemeenten (25%); herberekend: 12 van 47 = 26% — het
    rapport rondt 25,5% af op 25% (gebruikelijk afgerond: 26%)."
    """
    rows = register.set_index("id")
    lines = []
    for fid in ids:
        if fid not in rows.index:
            raise KeyError(f"register has no figure {fid!r}")
        row = rows.loc[fid]
        question = cb[str(row["question"])]
        if row["kind"] == "option_count":
            recount, base = any_of(df, question, str(row["option"]).split(";"))
        elif row["kind"] == "n_selected":
            recount, base = n_selected(df, question, int(row["low"]), int(row["high"]))
        else:
            raise ValueError(f"{fid}: kind {row['kind']!r} is not compared here")
        pct = 100 * recount / base if base else math.nan
        lines.append(
            f"- Het rapport ({fid}) noemt {_printed(row['count'], row['percent'])}; "
            f"herberekend: {fmt_count(recount)} van {fmt_count(base)} = {fmt_percent(pct)} — "
            f"{_verdict(row['count'], row['percent'], recount, base)}.")
    return "\n".join(lines)


COMPARED_KINDS = ("option_count", "n_selected")


def published_ids(register: pd.DataFrame, question: str) -> list[str]:
    """Register ids of the figures the report prints for ``question`` that a chapter compares
    (kinds ``COMPARED_KINDS``), in register order."""
    rows = register[(register["question"] == question) & register["kind"].isin(COMPARED_KINDS)]
    return [str(i) for i in rows["id"]]


def show_published(df: pd.DataFrame, cb: Codebook, register: pd.DataFrame,
                   question: str) -> None:
    """Display, as Markdown, every figure the report prints for ``question`` beside ours
    (``published_comparison``); says so when the report prints none."""
    ids = published_ids(register, question)
    if not ids:
        display(Markdown(f"*Het rapport noemt geen aantallen bij vraag {cb[question].number}.*"))
        return
    display(Markdown(published_comparison(df, cb, register, ids)))


# --- Respondents ------------------------------------------------------------------------------

def composition(df: pd.DataFrame, reference: pd.DataFrame, by: str,
                min_cell: int = 0) -> pd.DataFrame:
    """Dutch table: municipalities and respondents per category of ``by``.

    Respondent counts that may not be shown (``disclosure.hidden_group_sizes``, the rule of
    every chapter: 1 to ``min_cell - 1`` and what protects them from subtraction from the
    total) are shown as "x" (and their share as "–") so that no small group of respondents
    can be singled out.
    """
    pop = population_counts(reference, by)
    resp = df[by].astype("object").dropna().astype(str).value_counts()
    n_pop, n_resp = sum(pop.values()), int(resp.sum())
    counts = pd.Series({group: int(resp.get(group, 0)) for group in pop})
    masked = hidden_group_sizes(counts, max(min_cell, 1))
    rows = []
    for group, n in pop.items():
        k = int(counts[group])
        hidden = bool(masked[group])
        rows.append({
            "Groep": group,
            "Gemeenten": fmt_count(n),
            "Aandeel gemeenten": fmt_percent(100 * n / n_pop),
            "Respondenten": "x" if hidden else fmt_count(k),
            "Aandeel respondenten": "–" if hidden else fmt_percent(100 * k / n_resp),
        })
    rows.append({"Groep": "Totaal", "Gemeenten": fmt_count(n_pop),
                 "Aandeel gemeenten": "100%", "Respondenten": fmt_count(n_resp),
                 "Aandeel respondenten": "100%"})
    return pd.DataFrame(rows)


# --- Coded open answers -----------------------------------------------------------------------

def show_coded(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Show the codeframe theme counts of one open-answer column and return them.

    A sentence gives the number of non-empty answers; a column for which the codeframe has no
    themes gets a note naming the question (column ``qNN...``) instead of an empty table.
    """
    counts = theme_counts(df, column)
    n = int(counts.attrs.get("n_texts", 0))
    answers = f"{fmt_count(n)} open {'antwoord' if n == 1 else 'antwoorden'}"
    number = re.match(r"q(\d+)", column)
    if counts.empty:
        which = f"vraag {int(number.group(1))}" if number else column
        display(Markdown(f"*{answers} bij {which}; het codeerschema heeft voor deze "
                         "vraag geen thema's.*"))
        return counts
    display(Markdown(f"{answers}, gecodeerd met het codeerschema (een "
                     "antwoord kan onder meer dan één thema vallen):"))
    display(counts)
    return counts
