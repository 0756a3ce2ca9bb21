"""Comparison tables of a municipality factsheet: own answer beside all respondents and beside
the respondents of its (merged) comparison group, with disclosure control.

Contract of ``comparison_table(df, question, respondent_id, groups, min_cell)``: one row per
option in codebook order with

- ``own``: the respondent's answer (True chosen / ja, False not chosen / nee, NA when the
  respondent did not answer the question or the grid item); ``attrs['status']`` holds the
  respondent's ``<qid>_status`` (``beantwoord``, ``geen antwoord``, ``niet gevraagd``);
- ``all_count``, ``all_base``, ``all_percent``: every respondent who answered (the published
  frequency table, unweighted); hidden (NA, ``all_hidden``) only when fewer than ``min_cell``
  other respondents answered;
- ``group_count``, ``group_base``, ``group_percent``, ``group_hidden``: the respondent's
  comparison group (``groups``: labels per row of ``df``, already merged with
  ``comparison_groups``). Cells are hidden by the repository's rules
  (``disclosure.suppress_small_cells`` over the table of all groups: small cells, their
  complements, secondary and audited suppression) and, in addition, wherever the *other*
  respondents of the group (the cell minus the respondent's own answer) are 1 to
  ``min_cell - 1``, so the reader cannot subtract their own answer to see a few others'.
  When fewer than ``min_cell`` others in the group answered, the whole column is hidden.
- ``protection`` (``factsheet_release.FactsheetProtection``, computed once per factsheets run
  over every factsheet together with the published release): its hidden cells are hidden on
  top of the rules above (every factsheet shows a subset of what the protection checked);
  a hidden base hides the group's percentages and ``group_base_hidden`` is True.
  Without ``protection`` (a notebook run outside ``ido-analysis factsheets``) the whole
  comparison column is hidden: no cell is shown that was not checked against the release.

No open answer, no municipality and no individual answer of another respondent is returned.
"""

from __future__ import annotations

import pandas as pd

from ido_analysis.analysis.disclosure import MIN_CELL, merge_small_groups, suppress_small_cells
from ido_analysis.analysis.factsheet_release import FactsheetProtection, group_table
from ido_analysis.analysis.tables import question_table
from ido_analysis.spec.codebook import Question

BINARY_TYPES = ("multiple", "grid")


def comparison_groups(df: pd.DataFrame, column: str, min_cell: int = MIN_CELL) -> pd.Series:
    """Comparison group of every respondent: ``column`` with groups of fewer than ``min_cell``
    respondents merged (``disclosure.merge_small_groups``); index of ``df``."""
    return merge_small_groups(df[column], min_size=min_cell)


def respondent_row(df: pd.DataFrame, respondent_id: int) -> pd.Series:
    """The processed row of one respondent; ``KeyError`` unless exactly one row matches."""
    rows = df.loc[df["respondent_id"] == respondent_id]
    if len(rows) != 1:
        raise KeyError(f"respondent {respondent_id}: {len(rows)} rows in the processed data")
    return rows.iloc[0]


def own_answers(row: pd.Series, question: Question) -> pd.Series:
    """The respondent's answer per option code (boolean; NA when not answered)."""
    status = str(row.get(f"{question.id}_status", "beantwoord"))
    if question.type in BINARY_TYPES:
        values = [row[f"{question.id}_{o.code}"] for o in question.options]
    else:
        value = row[question.id]
        values = [pd.NA if pd.isna(value) else value == o.label for o in question.options]
    if status != "beantwoord":
        values = [pd.NA] * len(question.options)
    return pd.Series(values, index=list(question.codes), dtype="boolean")


def _others_small(count: pd.Series, base: pd.Series, own: pd.Series, binary: bool,
                  min_cell: int) -> pd.Series:
    """True where the others (cell minus own answer) are 1 to ``min_cell - 1``; for yes/no
    cells also their complement."""
    chosen = own.fillna(False).astype(int).to_numpy()
    answered = own.notna().astype(int).to_numpy()
    others = count.to_numpy() - chosen
    small = (others >= 1) & (others < min_cell)
    if binary:
        rest = base.to_numpy() - answered - others
        small |= (rest >= 1) & (rest < min_cell)
    return pd.Series(small, index=count.index)


UNCHECKED = object()   # default of ``protection``: the per-table rules only (tests, old rule)


def comparison_table(df: pd.DataFrame, question: Question, respondent_id: int,
                     groups: pd.Series, min_cell: int = MIN_CELL,
                     protection: FactsheetProtection | None | object = UNCHECKED
                     ) -> pd.DataFrame:
    """Own answer, all respondents and the comparison group for one closed question (see the
    module docstring)."""
    row = respondent_row(df, respondent_id)
    own = own_answers(row, question)
    binary = question.type in BINARY_TYPES
    overall = question_table(df, question, population=None)
    out = pd.DataFrame({"option": list(question.codes), "label": list(question.labels),
                        "own": own.to_numpy()})
    out["all_count"] = overall["count"].astype("Int64")
    out["all_base"] = overall["base"].astype("Int64")
    out["all_percent"] = overall["percent"].astype("Float64")
    others_base = out["all_base"] - own.notna().astype(int).to_numpy()
    out["all_hidden"] = (others_base < min_cell).to_numpy()

    label = groups.loc[row.name]
    table = group_table(df, question, groups)
    mine = (table["group"] == str(label)).to_numpy()
    extra = pd.Series(False, index=table.index)
    extra[mine] = _others_small(table.loc[mine, "count"], table.loc[mine, "base"],
                                own.reset_index(drop=True).set_axis(table.index[mine]),
                                binary, min_cell)
    table["suppressed"] = extra.to_numpy()
    protected = suppress_small_cells(table, min_cell, binary=binary).loc[mine]
    released = pd.Series(protection is None, index=protected.index)
    base_hidden = pd.Series(protection is None, index=protected.index)
    if isinstance(protection, FactsheetProtection):
        pairs = list(zip(protected["group"], protected["option"], strict=True))
        released[:] = [protection.cell_hidden(question.id, g, o) for g, o in pairs]
        base_hidden[:] = [protection.base_hidden(question.id, g, o) for g, o in pairs]
    protected["suppressed"] = protected["suppressed"].to_numpy() | released.to_numpy()
    group_others = table.loc[mine, "base"].to_numpy() - own.notna().astype(int).to_numpy()
    hide_all = bool((group_others < min_cell).all()) or bool(base_hidden.any())
    out["group_count"] = protected["count"].to_numpy()
    out["group_base"] = table.loc[mine, "base"].to_numpy()
    out["group_hidden"] = protected["suppressed"].to_numpy() | hide_all | (group_others < min_cell)
    out["group_base_hidden"] = base_hidden.to_numpy()
    base = out["group_base"].astype("Float64")
    out["group_percent"] = (100 * out["group_count"].astype("Float64") / base.where(base > 0))
    for prefix in ("all", "group"):
        hidden = out[f"{prefix}_hidden"].to_numpy()
        out[f"{prefix}_count"] = out[f"{prefix}_count"].astype("Int64").mask(hidden)
        out[f"{prefix}_percent"] = out[f"{prefix}_percent"].astype("Float64").mask(hidden)
    out.attrs.update(question=question.id, type=question.type, group=str(label),
                     status=str(row.get(f"{question.id}_status", "beantwoord")),
                     min_cell=min_cell, checked=protection is not None)
    return out
