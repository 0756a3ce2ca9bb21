"""Report charts: one house style, Dutch text, deterministic PNG output.

Every chart function takes frames in the schemas of ``docs/data-contracts.md`` (frequency
tables from ``analysis.tables``, cross-tabs from ``analysis.crosstab``) plus the codebook
``Question`` for titles and option order, and returns a ``matplotlib.figure.Figure``. Figures
are built without pyplot (no global figure registry, any backend) and inside
``house_style()``, so they look the same whatever the caller's matplotlib settings are.
Nothing here knows a question id: titles, option order and the positive/negative split of
scales all come from the codebook.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from ido_analysis.core.files import write_atomic
from ido_analysis.core.formatting import fmt_count, fmt_percent
from ido_analysis.report import alt_text as _alt
from ido_analysis.spec.codebook import Option, Question

FONT = "DejaVu Sans"
FIG_WIDTH = 6.5  # inches: the text width of an A4 report page
# Okabe-Ito: distinguishable with every common form of colour blindness.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#999999")
BAR_COLOUR = "#0072B2"
POSITIVE_COLOUR = "#0072B2"
NEGATIVE_COLOUR = "#D55E00"
NEUTRAL_COLOUR = "#D9D9D9"
NONSUBSTANTIVE_COLOUR = "#A6A6A6"
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
SUPPRESSED_LABEL = "onderdrukt"
SUPPRESSED_HATCH = "////"
TITLE_WIDTH = 64  # characters per line of a wrapped title
SUBTITLE_WIDTH = 90
LEGEND_ROW_CHARS = 95
MIN_SEGMENT_LABEL = 5.0  # percent; narrower segments get no value label
MIN_SUPPRESSED_LABEL = 12.0  # percent; room for the word "onderdrukt"
SORT_ORDERS = ("questionnaire", "frequency")
DEFAULT_SORT = {"single": "questionnaire", "scale": "questionnaire",
                "multiple": "frequency", "grid": "frequency"}

_OVERRIDES = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "figure.titlesize": 10.5,
    "figure.titleweight": "bold",
    "text.color": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": MUTED_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "axes.edgecolor": "#BBBBBB",
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#E6E6E6",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.spines.left": False,
    "axes.axisbelow": True,
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "hatch.color": "#8C8C8C",
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "ido-enquete",
}


# seaborn 0.13's style "whitegrid" with context "paper" as values (without its colour map,
# which charts never use): importing seaborn costs about a second per kernel, scipy.stats
# included. tests/test_charts.py checks them against seaborn itself.
SEABORN_WHITEGRID_PAPER = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
    "axes.linewidth": 1.0,
    "grid.linewidth": 0.8,
    "lines.linewidth": 1.2000000000000002,
    "lines.markersize": 4.800000000000001,
    "patch.linewidth": 0.8,
    "xtick.major.width": 1.0,
    "ytick.major.width": 1.0,
    "xtick.minor.width": 0.8,
    "ytick.minor.width": 0.8,
    "xtick.major.size": 4.800000000000001,
    "ytick.major.size": 4.800000000000001,
    "xtick.minor.size": 3.2,
    "ytick.minor.size": 3.2,
    "font.size": 9.600000000000001,
    "axes.labelsize": 9.600000000000001,
    "axes.titlesize": 9.600000000000001,
    "xtick.labelsize": 8.8,
    "ytick.labelsize": 8.8,
    "legend.fontsize": 8.8,
    "legend.title_fontsize": 9.600000000000001,
}


def house_rc() -> dict:
    """The house style as rcParams: seaborn 'whitegrid'/'paper' plus the overrides above."""
    return {**SEABORN_WHITEGRID_PAPER, **_OVERRIDES}


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Temporarily reset matplotlib to its defaults plus the house style."""
    with mpl.rc_context():
        mpl.rcdefaults()  # keeps the backend; ignores the caller's matplotlibrc
        mpl.rcParams.update(house_rc())
        yield


# --- Dutch number formatting -------------------------------------------------------------

def value_label(percent: float, count: int) -> str:
    """Bar label: ``43% (20)``."""
    return f"{fmt_percent(percent)} ({fmt_count(count)})"


def alt_text(fig: Figure) -> str | None:
    """The Dutch text alternative a chart function of this module left on ``fig`` (or None)."""
    return getattr(fig, _alt.ATTRIBUTE, None)


def _set_alt_text(fig: Figure, text: str) -> None:
    setattr(fig, _alt.ATTRIBUTE, text)


def _percent_tick(x: float, _pos: int | None = None) -> str:
    return fmt_percent(abs(x))


def _confidence_text(confidence: float) -> str:
    pct = fmt_percent(100 * confidence, 1).replace(",0%", "%")
    return f"lijnen: {pct}-betrouwbaarheidsinterval"


# --- Checks and reshaping ----------------------------------------------------------------

def _require_type(question: Question, types: Sequence[str], what: str) -> None:
    if question.type not in types:
        raise ValueError(
            f"{what} needs a {' or '.join(types)} question; {question.id} is {question.type}"
        )


def _question_rows(table: pd.DataFrame, question: Question) -> pd.DataFrame:
    """The table's rows for ``question``, one per option, in questionnaire order."""
    rows = table
    if "question" in rows.columns:
        rows = rows[rows["question"] == question.id]
    if rows.empty:
        raise ValueError(f"table has no rows for {question.id}")
    codes = list(rows["option"])
    unknown = sorted(set(codes) - set(question.codes))
    missing = [c for c in question.codes if c not in codes]
    if unknown or missing or len(set(codes)) != len(codes):
        raise ValueError(
            f"table rows of {question.id} do not match its options: "
            f"unknown {unknown}, missing {missing}, duplicated {len(codes) - len(set(codes))}"
        )
    return rows.set_index("option").loc[list(question.codes)].reset_index()


def _sorted_rows(rows: pd.DataFrame, question: Question, order: str) -> pd.DataFrame:
    """Questionnaire order, or descending count with 'Anders'/'Weet ik niet' kept last."""
    if order == "questionnaire":
        return rows
    trailing = {o.code for o in question.options if o.other or o.nonsubstantive}
    is_trailing = rows["option"].isin(trailing)
    ranked = rows[~is_trailing].sort_values("count", ascending=False, kind="stable")
    return pd.concat([ranked, rows[is_trailing]], ignore_index=True)


def _base_text(bases: Sequence[int]) -> str:
    lo, hi = int(min(bases)), int(max(bases))
    return f"n = {lo}" if lo == hi else f"n = {lo}–{hi}"


def _or_list(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} of {items[-1]}"


def routing_note(question: Question) -> str | None:
    """Dutch note for a routed question, e.g. 'alleen gevraagd bij antwoord a of b op vraag 17'."""
    if question.asked_if is None:
        return None
    source = int(question.asked_if.question[1:])
    return f"alleen gevraagd bij antwoord {_or_list(question.asked_if.options)} op vraag {source}"


def _subtitle(question: Question, bases: Sequence[int], base_note: str | None,
              extra: Sequence[str] = ()) -> str:
    notes = [base_note or routing_note(question)]
    if question.type == "multiple":
        notes.append("meerdere antwoorden mogelijk")
    if question.type == "grid":
        notes.append("percentage 'ja' per onderdeel")
    notes.extend(extra)
    notes = [n for n in notes if n]
    return _base_text(bases) + (f" ({'; '.join(notes)})" if notes else "")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


# --- Figure scaffolding --------------------------------------------------------------------

def _new_figure(height: float) -> Figure:
    return Figure(figsize=(FIG_WIDTH, height), layout="constrained")


def _height(labels: Sequence[str], title: str | None, extra: float = 0.0) -> float:
    lines = sum(max(1, label.count("\n") + 1) for label in labels)
    title_lines = title.count("\n") + 1 if title else 0
    return round(0.9 + 0.2 * lines + 0.18 * len(labels) + 0.2 * title_lines + extra, 2)


def _titles(fig: Figure, ax: Axes, title: str | None, subtitle: str, own_figure: bool) -> None:
    """Bold title and grey subtitle, both flush with the figure's left edge.

    The subtitle is an annotation of the axes (x in figure, y in axes coordinates) so that
    constrained layout reserves room for it above the axes.
    """
    subtitle = _wrap(subtitle, SUBTITLE_WIDTH)
    if not own_figure:
        ax.set_title(f"{title}\n{subtitle}" if title else subtitle, loc="left")
        return
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    ax.annotate(subtitle, xy=(0.01, 1.0), xycoords=("figure fraction", "axes fraction"),
                xytext=(0, 10), textcoords="offset points", ha="left", va="bottom",
                color=MUTED_COLOUR, fontsize=8.5)


def _style_category_axis(ax: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    ax.set_yticks(list(positions), list(labels))
    ax.tick_params(axis="y", length=0, pad=6)
    ax.tick_params(axis="x", length=0)
    ax.grid(False, axis="y")
    ax.set_ylim(len(positions) - 0.5, -0.5)  # first category on top


def _text_colour(colour: str) -> str:
    r, g, b = to_rgb(colour)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else TEXT_COLOUR


def _shades(colour: str, n: int) -> list[str]:
    """``n`` shades of ``colour``, strongest first, lightened towards white."""
    rgb = np.array(to_rgb(colour))
    steps = [0.0] if n == 1 else list(np.linspace(0.0, 0.6, n))
    return [mpl.colors.to_hex(rgb + (1.0 - rgb) * t) for t in steps]


def _legend(fig: Figure, handles: list[Patch]) -> None:
    """Legend below the plot, with as many columns as fit the page width."""
    widths = [max(len(line) for line in h.get_label().split("\n")) + 6 for h in handles]
    fig.legend(handles=handles, loc="outside lower center", ncols=_legend_columns(widths),
               handlelength=1.2, columnspacing=1.2)


def _legend_columns(widths: Sequence[int]) -> int:
    """Most columns whose widest entries (legends fill column by column) fit one row."""
    for ncols in range(len(widths), 1, -1):
        nrows = math.ceil(len(widths) / ncols)
        columns = [widths[i:i + nrows] for i in range(0, len(widths), nrows)]
        if sum(max(c) for c in columns) <= LEGEND_ROW_CHARS:
            return len(columns)
    return 1


def _segment_label(ax: Axes, left: float, width: float, y: float, colour: str) -> None:
    if width >= MIN_SEGMENT_LABEL:
        ax.text(left + width / 2, y, fmt_percent(width), ha="center", va="center",
                fontsize=8, color=_text_colour(colour))


# --- Bar chart -----------------------------------------------------------------------------

def bar_chart(table: pd.DataFrame, question: Question, *, ax: Axes | None = None,
              sort: str | None = None, show_ci: bool = False, base_note: str | None = None,
              title: str | None = None) -> Figure:
    """Horizontal bars of a frequency table (schema of ``analysis.tables``).

    One bar per option, x axis 0-100 %, value label ``43% (20)`` on each bar. ``sort`` is
    ``'questionnaire'`` or ``'frequency'``; by default single/scale questions keep questionnaire
    order and multiple/grid questions are sorted by count (descending; options marked ``other``
    or ``nonsubstantive`` stay last; nonsubstantive bars are grey). ``show_ci`` draws
    ``ci_low``-``ci_high`` as whiskers.
    ``title`` defaults to the question text; the subtitle gives the base, ``base_note`` (default:
    the routing of the question) and "meerdere antwoorden mogelijk" for multiple choice.
    Draws into ``ax`` when given and returns its figure.
    """
    _require_type(question, DEFAULT_SORT, "bar_chart")
    order = sort or DEFAULT_SORT[question.type]
    if order not in SORT_ORDERS:
        raise ValueError(f"sort must be one of {SORT_ORDERS}, got {order!r}")
    rows = _sorted_rows(_question_rows(table, question), question, order)
    if int(rows["base"].max()) == 0:
        raise ValueError(f"{question.id}: base is 0, nothing to chart")
    title = _wrap(title or question.text, TITLE_WIDTH)
    labels = [_wrap(label, 38) for label in rows["label"]]
    extra = [_confidence_text(table.attrs.get("confidence", 0.95))] if show_ci else []
    if table.attrs.get("weighted"):
        extra.insert(0, "gewogen percentages")
    subtitle = _subtitle(question, rows["base"], base_note, extra)
    with house_style():
        own = ax is None
        fig = _new_figure(_height(labels, title)) if own else ax.figure
        ax = fig.add_subplot() if own else ax
        nonsub = {o.code for o in question.options if o.nonsubstantive}
        colours = [NONSUBSTANTIVE_COLOUR if c in nonsub else BAR_COLOUR for c in rows["option"]]
        _draw_bars(ax, rows, colours, show_ci)
        _style_category_axis(ax, range(len(rows)), labels)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_locator(MultipleLocator(20))
        ax.xaxis.set_major_formatter(FuncFormatter(_percent_tick))
        _titles(fig, ax, title, subtitle, own)
    if own:
        _set_alt_text(fig, _alt.bar_text(rows, title, subtitle))
    return fig


def _draw_bars(ax: Axes, rows: pd.DataFrame, colours: list[str], show_ci: bool) -> None:
    y = np.arange(len(rows))
    pct = rows["percent"].astype(float).fillna(0.0).to_numpy()
    ax.barh(y, pct, height=0.68, color=colours)
    right = pct
    if show_ci:
        lo = rows["ci_low"].astype(float).to_numpy()
        hi = rows["ci_high"].astype(float).to_numpy()
        ax.errorbar(pct, y, xerr=[pct - lo, hi - pct], fmt="none", ecolor=TEXT_COLOUR,
                    elinewidth=0.7, capsize=2, capthick=0.7)
        right = np.maximum(pct, hi)
    # Labels sit right of the bar (and whisker), if need be beyond 100 %; constrained layout
    # keeps them inside the figure.
    for yi, r, p, n in zip(y, right, pct, rows["count"], strict=True):
        ax.text(r + 1.2, yi, value_label(p, n), va="center", ha="left", fontsize=8)


# --- Diverging scale chart -----------------------------------------------------------------

@dataclass(frozen=True)
class ScaleSplit:
    """The options of a scale split around its neutral centre, each part in questionnaire order.

    The codebook lists a scale from its positive to its negative pole, nonsubstantive options
    ("Weet ik niet") last. Of the ordered (substantive) options the first half is positive,
    the second half negative and, with an odd count, the middle one neutral.
    """

    positive: tuple[Option, ...]
    neutral: Option | None
    negative: tuple[Option, ...]
    nonsubstantive: tuple[Option, ...]


def split_scale(question: Question) -> ScaleSplit:
    """Split a scale question's options; ValueError for other types or < 2 ordered options."""
    _require_type(question, ("scale",), "split_scale")
    ordered = tuple(o for o in question.options if not o.nonsubstantive)
    if len(ordered) < 2:
        raise ValueError(f"{question.id}: a scale needs at least two substantive options")
    half = len(ordered) // 2
    neutral = ordered[half] if len(ordered) % 2 else None
    return ScaleSplit(positive=ordered[:half], neutral=neutral,
                      negative=ordered[len(ordered) - half:],
                      nonsubstantive=tuple(o for o in question.options if o.nonsubstantive))


def scale_colours(split: ScaleSplit) -> dict[str, str]:
    """Colour per option code: blue shades positive, orange shades negative, greys otherwise."""
    colours = dict(zip((o.code for o in split.positive),
                       _shades(POSITIVE_COLOUR, len(split.positive)), strict=True))
    negative = _shades(NEGATIVE_COLOUR, len(split.negative))[::-1]  # strongest at the pole
    colours.update(zip((o.code for o in split.negative), negative, strict=True))
    if split.neutral is not None:
        colours[split.neutral.code] = NEUTRAL_COLOUR
    nonsub = _shades(NONSUBSTANTIVE_COLOUR, len(split.nonsubstantive))
    colours.update(zip((o.code for o in split.nonsubstantive), nonsub, strict=True))
    return colours


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def diverging_scale_chart(tables: pd.DataFrame | Sequence[pd.DataFrame],
                          questions: Question | Sequence[Question], *,
                          title: str | None = None) -> Figure:
    """Diverging stacked bars, one bar per scale question, centred on the neutral option.

    Negative options extend left of zero, positive ones right (strongest pole outermost), the
    neutral option straddles zero. Nonsubstantive options ("Weet ik niet") are drawn in a
    separate grey panel on the right, outside the divergence. Percentages are of all who
    answered (so a bar plus its "Weet ik niet" sums to 100 %). ``tables`` may be one table
    holding all questions or one table per question. All questions need the same number of
    ordered options. ``title`` defaults to the question text for a single question.
    """
    questions = _as_list(questions)
    tables = _as_list(tables)
    if len(tables) == 1:
        tables = tables * len(questions)
    if len(tables) != len(questions):
        raise ValueError(f"got {len(tables)} tables for {len(questions)} questions")
    splits = [split_scale(q) for q in questions]
    shapes = {(len(s.positive), s.neutral is not None, len(s.nonsubstantive)) for s in splits}
    if len(shapes) > 1:
        raise ValueError("questions of one diverging chart need scales of the same shape: "
                         + ", ".join(q.id for q in questions))
    rows = [_question_rows(t, q) for t, q in zip(tables, questions, strict=True)]
    if title is None and len(questions) == 1:
        title = questions[0].text
    title = _wrap(title, TITLE_WIDTH) if title else None
    labels = [f"{_wrap(q.label, 32)}\n({_base_text(r['base'])})"
              for q, r in zip(questions, rows, strict=True)]
    with house_style():
        fig = _new_figure(_height(labels, title, extra=0.5))
        has_nonsub = bool(splits[0].nonsubstantive)
        grid = fig.add_gridspec(1, 2 if has_nonsub else 1,
                                width_ratios=[5, 1] if has_nonsub else None)
        ax = fig.add_subplot(grid[0, 0])
        _draw_diverging(ax, splits, rows)
        _style_category_axis(ax, range(len(rows)), labels)
        if has_nonsub:
            _draw_nonsubstantive(fig.add_subplot(grid[0, 1], sharey=ax), splits, rows)
        _titles(fig, ax, title, "Percentage van wie de vraag beantwoordde", own_figure=True)
        _scale_legend(fig, questions, splits)
    segments = [[(o.label, _percent_by_code(r)[o.code]) for o in q.options]
                for q, r in zip(questions, rows, strict=True)]
    _set_alt_text(fig, _alt.diverging_text([q.label for q in questions],
                                           [_base_text(r["base"]) for r in rows], segments,
                                           title))
    return fig


def _percent_by_code(rows: pd.DataFrame) -> dict[str, float]:
    return dict(zip(rows["option"], rows["percent"].astype(float).fillna(0.0), strict=True))


def _draw_diverging(ax: Axes, splits: list[ScaleSplit], rows: list[pd.DataFrame]) -> None:
    extent = 0.0
    for y, (split, r) in enumerate(zip(splits, rows, strict=True)):
        pct = _percent_by_code(r)
        colours = scale_colours(split)
        half = pct[split.neutral.code] / 2 if split.neutral else 0.0
        segments = []
        if split.neutral:
            segments.append((split.neutral.code, -half, 2 * half))
        left = half
        for opt in reversed(split.positive):  # mildest next to the centre
            segments.append((opt.code, left, pct[opt.code]))
            left += pct[opt.code]
        right = -half
        for opt in split.negative:  # questionnaire order runs mild -> strong
            right -= pct[opt.code]
            segments.append((opt.code, right, pct[opt.code]))
        extent = max(extent, left, -right)
        for code, start, width in segments:
            ax.barh(y, width, left=start, height=0.6, color=colours[code],
                    edgecolor="white", linewidth=0.6)
            _segment_label(ax, start, width, y, colours[code])
    limit = min(100.0, 10 * math.ceil((extent + 2) / 10))
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_locator(MultipleLocator(20 if limit > 50 else 10))
    ax.xaxis.set_major_formatter(FuncFormatter(_percent_tick))
    ax.axvline(0, color=MUTED_COLOUR, linewidth=0.8, zorder=0.9)  # behind the bars


def _draw_nonsubstantive(ax: Axes, splits: list[ScaleSplit], rows: list[pd.DataFrame]) -> None:
    top = 0.0
    for y, (split, r) in enumerate(zip(splits, rows, strict=True)):
        pct = _percent_by_code(r)
        colours = scale_colours(split)
        left = 0.0
        for opt in split.nonsubstantive:
            ax.barh(y, pct[opt.code], left=left, height=0.6, color=colours[opt.code],
                    edgecolor="white", linewidth=0.6)
            left += pct[opt.code]
        ax.text(left + 1, y, fmt_percent(left), va="center", ha="left", fontsize=8)
        top = max(top, left)
    ax.set_xlim(0, max(20.0, top * 1.6))
    ax.set_xticks([])
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.grid(False)
    ax.spines["bottom"].set_visible(False)
    ax.set_title(" / ".join(o.label for o in splits[0].nonsubstantive), loc="left",
                 color=MUTED_COLOUR, pad=8)


def _scale_legend(fig: Figure, questions: list[Question], splits: list[ScaleSplit]) -> None:
    """Legend in questionnaire order; differing labels at one position are joined by ' / '."""
    colours = scale_colours(splits[0])
    position_labels: list[list[str]] = [[] for _ in questions[0].options]
    for q in questions:
        for i, opt in enumerate(q.options):
            if opt.label not in position_labels[i]:
                position_labels[i].append(opt.label)
    handles = [Patch(facecolor=colours[opt.code], label=" / ".join(position_labels[i]))
               for i, opt in enumerate(questions[0].options)]
    _legend(fig, handles)


# --- Stacked bars per group (cross-tab) ------------------------------------------------------

def stacked_group_chart(crosstab: pd.DataFrame, question: Question, *,
                        group_label: str | None = None, title: str | None = None) -> Figure:
    """100 % stacked horizontal bars of a single/scale question per group of a cross-tab.

    ``crosstab`` follows the ``analysis.crosstab`` schema (one group variable). Segments are
    options in questionnaire order with ``col_percent`` as width; tick labels carry the group
    base, "klein (n = 12)", or "n = x" when the disclosure step hid the base
    (``base_suppressed``; the whole bar is then "onderdrukt"). Suppressed cells are never
    drawn or labelled with their value: per group they are merged into one hatched
    "onderdrukt" segment at the end, whose width is what the visible cells leave of 100 %.
    """
    _require_type(question, ("single", "scale"), "stacked_group_chart")
    rows = crosstab[crosstab["question"] == question.id] if "question" in crosstab else crosstab
    if rows.empty:
        raise ValueError(f"cross-tab has no rows for {question.id}")
    group_vars = list(pd.unique(rows["group_var"]))
    if len(group_vars) != 1:
        raise ValueError(f"cross-tab of {question.id} must have one group_var, got {group_vars}")
    colours = _option_colours(question)
    groups = list(pd.unique(rows["group"]))
    if "base_suppressed" in rows:  # a hidden base hides every percentage of its group
        hidden_base = rows["base_suppressed"].astype(bool)
        rows = rows.assign(suppressed=rows["suppressed"].astype(bool) | hidden_base)
    labels = []
    for g in groups:
        group_rows = rows.loc[rows["group"] == g]
        hidden = "base_suppressed" in group_rows and bool(group_rows["base_suppressed"].any())
        base = "x" if hidden else str(int(group_rows["base"].iloc[0]))
        labels.append(f"{_wrap(str(g), 30)} (n = {base})")
    title = _wrap(title or question.text, TITLE_WIDTH)
    group_label = group_label or str(group_vars[0]).replace("_", " ")
    with house_style():
        fig = _new_figure(_height(labels, title, extra=0.5))
        ax = fig.add_subplot()
        any_suppressed = False
        described = []
        for y, g in enumerate(groups):
            group_rows = _question_rows(rows[rows["group"] == g], question)
            has_suppressed = _draw_stack(ax, y, group_rows, colours)
            any_suppressed |= has_suppressed
            described.append((str(g), int(group_rows["base"].iloc[0]),
                               _visible_segments(group_rows, question), has_suppressed))
        _style_category_axis(ax, range(len(groups)), labels)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_locator(MultipleLocator(20))
        ax.xaxis.set_major_formatter(FuncFormatter(_percent_tick))
        _titles(fig, ax, title, f"Naar {group_label}; percentage per groep", own_figure=True)
        _group_legend(fig, question, colours, any_suppressed)
    _set_alt_text(fig, _alt.stacked_group_text(title, group_label, described))
    return fig


def _visible_segments(rows: pd.DataFrame, question: Question) -> list[tuple[str, float]]:
    """(option label, column percent) of a group's cells that are drawn (not suppressed)."""
    labels = {o.code: o.label for o in question.options}
    suppressed = rows["suppressed"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    visible = rows[~suppressed]
    return [(labels[c], float(p)) for c, p in zip(visible["option"],
                                                   visible["col_percent"].astype(float).fillna(0.0),
                                                   strict=True)]


def _option_colours(question: Question) -> dict[str, str]:
    if question.type == "scale":
        return scale_colours(split_scale(question))
    substantive = [o for o in question.options if not o.nonsubstantive]
    colours = {o.code: OKABE_ITO[i % len(OKABE_ITO)] for i, o in enumerate(substantive)}
    colours.update({o.code: NONSUBSTANTIVE_COLOUR for o in question.options if o.nonsubstantive})
    return colours


def _draw_stack(ax: Axes, y: int, rows: pd.DataFrame, colours: dict[str, str]) -> bool:
    """Draw one group's bar; returns whether it has suppressed cells."""
    # A missing flag counts as suppressed: better hide a value than leak it.
    suppressed = rows["suppressed"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    visible = rows[~suppressed]
    left = 0.0
    for code, pct in zip(visible["option"], visible["col_percent"].astype(float).fillna(0.0),
                         strict=True):
        width = float(pct)
        if width > 0:
            ax.barh(y, width, left=left, height=0.6, color=colours[code],
                    edgecolor="white", linewidth=0.6)
            _segment_label(ax, left, width, y, colours[code])
        left += width
    if not suppressed.any():
        return False
    width = max(0.0, 100.0 - left)
    ax.barh(y, width, left=left, height=0.6, facecolor="white", edgecolor="#8C8C8C",
            hatch=SUPPRESSED_HATCH, linewidth=0.6)
    if width >= MIN_SUPPRESSED_LABEL:
        ax.text(left + width / 2, y, SUPPRESSED_LABEL, ha="center", va="center", fontsize=7.5,
                color=TEXT_COLOUR, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    return True


def _group_legend(fig: Figure, question: Question, colours: dict[str, str],
                  suppressed: bool) -> None:
    handles = [Patch(facecolor=colours[o.code], label=_wrap(o.label, 30))
               for o in question.options]
    if suppressed:
        handles.append(Patch(facecolor="white", edgecolor="#8C8C8C", hatch=SUPPRESSED_HATCH,
                             label=f"{SUPPRESSED_LABEL} (te weinig waarnemingen)"))
    _legend(fig, handles)


# --- Saving ----------------------------------------------------------------------------------

def save_figure(fig: Figure, path: str | Path, dpi: int = 300) -> Path:
    """Write ``fig`` as a PNG at print resolution, atomically and byte-reproducibly.

    The PNG carries no software/version metadata, so the same figure gives the same bytes.
    It is written to a temporary file in the target directory and moved into place with
    ``os.replace``; on any error the temporary file is removed and an existing file at
    ``path`` is left untouched. Returns ``path`` as a ``Path``.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"save_figure writes PNG; {path} does not end in .png")

    def draw(tmp: Path) -> None:
        with house_style():
            fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None},
                        facecolor="white")

    write_atomic(path, draw)
    return path
