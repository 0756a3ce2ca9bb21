"""Recounts of published figures: one rule for "respondents who chose any of these options"
and for "respondents who chose between ``low`` and ``high`` options", used by the chapters'
comparisons with the report and by the audit alike.

Bases: a single/scale question's base is everyone who answered it; a multiple-choice question's
base is everyone who answered it (ticked anything, including an exclusive option); a grid's base
for one item is the item's own base (``question_table``), and for several items together the
respondents who answered at least one of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ido_analysis.analysis.tables import answered_mask, question_table
from ido_analysis.spec.codebook import Question


def any_of(df: pd.DataFrame, question: Question, codes: Sequence[str],
           table: pd.DataFrame | None = None) -> tuple[int, int]:
    """(respondents choosing any of ``codes``, base). ``table`` is ``question_table(df,
    question, population=None)`` when the caller already has it."""
    codes = list(codes)
    if len(codes) == 1 or question.type in ("single", "scale"):
        table = table if table is not None else question_table(df, question, population=None)
        chosen = table[table["option"].isin(codes)]
        return int(chosen["count"].sum()), int(table["base"].max())
    answered = answered_mask(df, question)
    columns = dict(zip(question.codes, question.option_columns(), strict=True))
    block = df.loc[answered, [columns[c] for c in codes]]
    hit = int(block.fillna(False).astype(bool).any(axis=1).sum())
    if question.type == "grid":
        return hit, int(block.notna().any(axis=1).sum())
    return hit, int(answered.sum())


def n_chosen(df: pd.DataFrame, question: Question, count_prefix: str = "n_") -> pd.Series:
    """Number of options chosen (grid: "ja" items) by each respondent who answered; the derived
    count column ``<prefix><id>`` when the processed data have it."""
    answered = answered_mask(df, question)
    derived = f"{count_prefix}{question.id}"
    if derived in df.columns:
        values = df.loc[answered, derived]
    else:
        values = df.loc[answered, question.option_columns()].fillna(False).astype(bool).sum(
            axis=1)
    return values.astype("Int64")


def n_selected(df: pd.DataFrame, question: Question, low: int, high: int) -> tuple[int, int]:
    """(respondents who chose ``low`` to ``high`` options, respondents who answered)."""
    n = n_chosen(df, question)
    return int(((n >= low) & (n <= high)).sum()), len(n)
