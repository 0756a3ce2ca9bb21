"""Dutch text alternatives for the report charts, built from the rows each chart draws.

Contract: every function takes the same rows the chart function plots (after its sorting and
checks) and returns one Dutch sentence group naming the kind of chart, what it shows, the base
and every bar's or segment's figure, in the order the chart shows them. Screen readers read it
as the image's ``alt`` text; the PDF carries it on the figure. Nothing here knows a question.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ido_analysis.core.formatting import fmt_count, fmt_percent

ATTRIBUTE = "ido_alt_text"  # where a chart function leaves the text on its Figure


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _sentence(text: str) -> str:
    """``text`` on one line, ending in a full stop unless it ends in punctuation already."""
    text = _one_line(text)
    return text if text[-1:] in ".?!:" else f"{text}."


def _value(percent: object, count: object | None = None) -> str:
    value = fmt_percent(float(percent)) if pd.notna(percent) else "geen percentage"
    return f"{value} ({fmt_count(count)})" if count is not None and pd.notna(count) else value


def bar_text(rows: pd.DataFrame, title: str, subtitle: str) -> str:
    """``Staafdiagram, n = 47: <title>. Financier van IDO's 89% (42); ...``.

    ``rows``: frequency-table rows in chart order (``label``, ``percent``, ``count``; with
    ``ci_low``/``ci_high`` the interval is named too).
    """
    items = []
    for row in rows.itertuples(index=False):
        item = f"{_one_line(row.label)} {_value(row.percent, row.count)}"
        low, high = getattr(row, "ci_low", None), getattr(row, "ci_high", None)
        if low is not None and high is not None and pd.notna(low) and pd.notna(high):
            item += f", interval {fmt_percent(float(low))} tot {fmt_percent(float(high))}"
        items.append(item)
    return f"Staafdiagram, {_one_line(subtitle)}: {_sentence(title)} " + "; ".join(items) + "."


def diverging_text(labels: Sequence[str], bases: Sequence[str],
                   segments: Sequence[Sequence[tuple[str, float]]], title: str | None) -> str:
    """``Divergerend gestapeld staafdiagram: <title>. <bar> (n = 47): Zeer goed 20%, ...``.

    ``segments`` holds per bar ``(option label, percent)`` in questionnaire order.
    """
    bars = []
    for label, base, parts in zip(labels, bases, segments, strict=True):
        values = ", ".join(f"{_one_line(name)} {_value(pct)}" for name, pct in parts)
        bars.append(f"{_one_line(label)} ({base}): {values}")
    head = "Divergerend gestapeld staafdiagram, percentage van wie de vraag beantwoordde"
    return f"{head}: {_sentence(title) + ' ' if title else ''}" + "; ".join(bars) + "."


def stacked_group_text(title: str, group_label: str,
                       groups: Sequence[tuple[str, int, Sequence[tuple[str, float]], bool]]
                       ) -> str:
    """``Gestapeld staafdiagram naar <group_label>: <title>. klein (n = 12): ...``.

    ``groups`` holds ``(group, base, [(option label, percent)], has_suppressed_cells)``;
    suppressed cells are named as such, never with a value.
    """
    bars = []
    for group, base, parts, suppressed in groups:
        values = [f"{_one_line(name)} {_value(pct)}" for name, pct in parts]
        if suppressed:
            values.append("overige cellen onderdrukt (te weinig waarnemingen)")
        bars.append(f"{_one_line(group)} (n = {fmt_count(base)}): {', '.join(values)}")
    return (f"Gestapeld staafdiagram naar {group_label}, percentage per groep: "
            f"{_sentence(title)} " + "; ".join(bars) + ".")


def paired_bar_text(title: str, group_label: str,
                    rows: Sequence[tuple[str, float, float]], first: str, second: str) -> str:
    """``Staafdiagram met paren, naar <group_label>: <title>. klein: alle gemeenten 40%,
    respondenten 30%; ...``; ``rows`` holds ``(group, first share, second share)``."""
    bars = [f"{_one_line(g)}: {first} {_value(a)}, {second} {_value(b)}" for g, a, b in rows]
    return (f"Staafdiagram met paren naar {group_label}: {_sentence(title)} "
            + "; ".join(bars) + ".")
