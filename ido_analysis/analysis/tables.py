"""Frequency tables of closed questions, in the long schema every module shares.

One row per option in codebook order, columns ``TABLE_COLUMNS``:

- ``count``: respondents choosing the option (grid: answering ja); always unweighted.
- ``base``: respondents who answered (``<qid>_status == 'beantwoord'``); for a grid item the
  respondents who answered that item. Options such as "Weet ik niet" stay as rows; nothing is
  dropped silently.
- ``percent``, ``ci_low``, ``ci_high``: 0-100; weighted when weights are given, with a Wilson
  interval with finite-population correction (``analysis.stats.wilson_interval``) on the
  effective sample size ``n_eff`` (Kish; equal to ``base`` without weights).
- ``mentions`` (= count) and ``percent_mentions`` (share of all mentions; multiple choice only,
  NaN otherwise).

A respondent marked 'beantwoord' without an answer value is a contract violation and raises
``ValueError``, as do answer labels that are not in the codebook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ido_analysis.analysis.stats import effective_sample_size, wilson_interval
from ido_analysis.analysis.weights import Weighting
from ido_analysis.core.formatting import (
    fmt_count,
    fmt_interval,
    fmt_number,
    fmt_percent,
    interval_label,
)
from ido_analysis.spec.codebook import Codebook, Question
from ido_analysis.spec.survey import POPULATION

ANSWERED = "beantwoord"
TABLE_COLUMNS = [
    "question", "option", "label", "count", "base", "percent", "ci_low", "ci_high",
    "mentions", "percent_mentions", "n_eff",
]
FREQUENCY_CSV_COLUMNS = [
    "question", "option", "label", "count", "base", "percent", "ci_low", "ci_high",
]

Weights = pd.Series | np.ndarray | Weighting | None


def answered_mask(df: pd.DataFrame, question: Question) -> pd.Series:
    """Boolean Series: the respondent answered ``question`` (status column 'beantwoord').

    Without a ``<qid>_status`` column, a respondent counts as answering when any answer
    column is non-missing (for frames built by hand; processed data always has the column).
    """
    status_col = f"{question.id}_status"
    if status_col in df.columns:
        return (df[status_col].astype("object") == ANSWERED).fillna(False).astype(bool)
    cols = _answer_columns(df, question)
    return df[cols].notna().any(axis=1)


def _answer_columns(df: pd.DataFrame, question: Question) -> list[str]:
    cols = question.option_columns()
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"{question.id}: columns missing from the data: {missing}")
    return cols


def _weight_array(df: pd.DataFrame, weights: Weights) -> np.ndarray | None:
    """Weights in row order of ``df``; a ``Weighting`` is computed on exactly these rows."""
    if weights is None:
        return None
    if isinstance(weights, Weighting):
        return weights.on(df).to_numpy(dtype=float) if len(df) else np.empty(0)
    if isinstance(weights, pd.Series):
        w = weights.reindex(df.index)
    else:
        w = pd.Series(np.asarray(weights, dtype=float), index=df.index)
    arr = w.to_numpy(dtype=float, na_value=np.nan)
    if len(arr) != len(df) or np.any(np.isnan(arr)) or np.any(arr < 0):
        raise ValueError("weights must be non-negative and given for every respondent")
    return arr


def _base_weights(df: pd.DataFrame, mask: pd.Series, weights: Weights) -> np.ndarray | None:
    """Weights of the respondents in ``mask`` (a table's base): a ``Weighting`` is recomputed
    on that base, fixed weights are taken as given."""
    if weights is None:
        return None
    if isinstance(weights, Weighting):
        return _weight_array(df.loc[mask.to_numpy()], weights)
    return _weight_array(df, weights)[mask.to_numpy()]


def fpc_population(question: Question, population: int | None) -> int | None:
    """N for the finite-population correction of ``question``: ``population`` for questions
    asked to everyone, None (no correction) for routed questions.

    A routed question's base stands for the municipalities that would have been routed to it,
    and how many of the 342 those are is unknown; applying N = 342 to a base of 30 would
    overstate the correction. Without it the interval is somewhat wider (conservative).
    """
    return None if question.asked_if is not None else population


def _chosen_single(df: pd.DataFrame, question: Question, answered: pd.Series) -> np.ndarray:
    """Matrix respondents x options (bool) of the single/scale answers of answering rows."""
    values = df.loc[answered, question.id].astype("object")
    if values.isna().any():
        raise ValueError(f"{question.id}: {int(values.isna().sum())} respondent(s) have status "
                         f"'{ANSWERED}' but no answer")
    unknown = sorted(set(values) - set(question.labels))
    if unknown:
        raise ValueError(f"{question.id}: answers not in the codebook: {unknown}")
    vals = values.to_numpy()
    return np.column_stack([vals == label for label in question.labels]).astype(bool)


def _chosen_multiple(df: pd.DataFrame, question: Question, answered: pd.Series) -> np.ndarray:
    cols = _answer_columns(df, question)
    block = df.loc[answered, cols]
    if block.isna().to_numpy().any():
        raise ValueError(f"{question.id}: options without a value for respondents with status "
                         f"'{ANSWERED}'")
    return block.astype(bool).to_numpy()


def _row(question: Question, i: int, x: np.ndarray, w: np.ndarray | None,
         confidence: float, population: int | None) -> dict[str, Any]:
    """Statistics of one option; ``x`` (bool) and ``w`` cover the option's base only."""
    opt = question.options[i]
    count, base = int(x.sum()), len(x)
    if w is None:
        share, n_eff = (count / base if base else math.nan), float(base)
    else:
        total = w.sum()
        share = float((w * x).sum() / total) if total > 0 else math.nan
        n_eff = effective_sample_size(w)
    low, high = (wilson_interval(share * n_eff, n_eff, confidence, population)
                 if n_eff > 0 and not math.isnan(share) else (math.nan, math.nan))
    return {
        "question": question.id, "option": opt.code, "label": opt.label, "count": count,
        "base": base, "percent": 100 * share, "ci_low": 100 * low, "ci_high": 100 * high,
        "mentions": count, "percent_mentions": math.nan, "n_eff": n_eff,
    }


def question_table(
    df: pd.DataFrame,
    question: Question,
    *,
    confidence: float = 0.95,
    population: int | None = POPULATION,
    weights: Weights = None,
) -> pd.DataFrame:
    """Frequency table of one closed question (schema in the module docstring).

    ``weights`` (Series aligned on ``df.index``, an array in row order, or a ``Weighting``
    recomputed on the base: the answering respondents, per item for grids) makes
    ``percent`` and its interval weighted; ``count`` and ``base`` stay raw. ``population`` is
    N of the finite-population correction (None: no correction); routed questions get none
    (``fpc_population``).
    """
    if not question.is_closed:
        raise ValueError(f"{question.id} is an open question; it has no frequency table")
    population = fpc_population(question, population)
    answered = answered_mask(df, question)
    rows = []
    if question.type == "grid":
        for i, col in enumerate(_answer_columns(df, question)):
            item = answered & df[col].notna()
            x = df.loc[item, col].astype(bool).to_numpy()
            w = _base_weights(df, item, weights)
            rows.append(_row(question, i, x, w, confidence, population))
    else:
        chosen = (_chosen_multiple(df, question, answered) if question.type == "multiple"
                  else _chosen_single(df, question, answered))
        w = _base_weights(df, answered, weights)
        rows = [_row(question, i, chosen[:, i], w, confidence, population)
                for i in range(len(question.options))]
        if question.type == "multiple":
            _add_mention_shares(rows, chosen, w)
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table.attrs.update(question_text=question.text, question_label=question.label,
                       type=question.type, confidence=confidence, weighted=weights is not None,
                       population=population)
    return table


def _add_mention_shares(rows: list[dict], chosen: np.ndarray, w: np.ndarray | None) -> None:
    weighted = chosen.astype(float) if w is None else chosen * w[:, None]
    per_option = weighted.sum(axis=0)
    total = per_option.sum()
    for row, value in zip(rows, per_option, strict=True):
        row["percent_mentions"] = 100 * value / total if total > 0 else math.nan


def frequencies(df: pd.DataFrame, codebook: Codebook, **kwargs: Any) -> pd.DataFrame:
    """Long table of every closed, non-personal question, in codebook order.

    Keyword arguments go to ``question_table``. Write ``FREQUENCY_CSV_COLUMNS`` of it to
    ``reports/tables/frequencies.csv``.
    """
    tables = [question_table(df, q, **kwargs) for q in codebook.closed() if not q.personal]
    if not tables:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    out = pd.concat(tables, ignore_index=True)
    out.attrs.update(confidence=kwargs.get("confidence", 0.95),
                     weighted=kwargs.get("weights") is not None)
    return out


def order_for_display(table: pd.DataFrame, question: Question) -> pd.DataFrame:
    """Rows in display order.

    single/scale: questionnaire order. multiple/grid: percent descending, ties in
    questionnaire order; "Anders" (``other``) and nonsubstantive options go last, in
    questionnaire order, since their size is not a finding about a named answer.
    """
    position = {code: i for i, code in enumerate(question.codes)}
    out = table.assign(_pos=table["option"].map(position))
    if question.type in ("single", "scale"):
        out = out.sort_values("_pos", kind="stable")
    else:
        tail = {o.code for o in question.options if o.other or o.nonsubstantive}
        out = out.assign(_tail=out["option"].isin(tail),
                         _neg=-out["percent"].fillna(-1.0).where(~out["option"].isin(tail), 0))
        out = out.sort_values(["_tail", "_neg", "_pos"], kind="stable").drop(
            columns=["_tail", "_neg"])
    out = out.drop(columns="_pos").reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


def display_table(table: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Dutch headers and Dutch-formatted strings, for notebooks and rendered reports.

    Adds a "Vraag" column when the table holds several questions (``labels`` maps question
    ids to the text shown there), "% van vermeldingen" for multiple choice and "Effectieve n"
    for weighted tables.
    """
    conf = float(table.attrs.get("confidence", 0.95))
    out = pd.DataFrame(index=table.index)
    if table["question"].nunique() > 1:
        out["Vraag"] = table["question"].map(lambda q: (labels or {}).get(q, q))
    out["Antwoord"] = table["label"]
    out["Aantal"] = table["count"].map(fmt_count)
    out["Basis (n)"] = table["base"].map(fmt_count)
    out["Percentage"] = table["percent"].map(fmt_percent)
    out[interval_label(conf)] = [
        fmt_interval(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    if table["percent_mentions"].notna().any():
        out["% van vermeldingen"] = table["percent_mentions"].map(fmt_percent)
    if table.attrs.get("weighted"):
        out["Effectieve n"] = table["n_eff"].map(lambda v: fmt_number(v, 1))
    return out.reset_index(drop=True)
