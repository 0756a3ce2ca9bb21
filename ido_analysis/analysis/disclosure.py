"""Disclosure control for cross-tabulations: merge small groups, suppress small cells.

Why: the respondents are municipalities, and they are few. The Netherlands has 342
municipalities, some size classes hold only a handful (four of 250 000 inhabitants or more),
and 47 responded. A reader who knows a group's traits (size class, province) can often name
the municipalities in a group of fewer than five respondents, and a cell of one to four
respondents tells what those named municipalities answered. The default threshold is therefore
``MIN_CELL = 5``: no published group has fewer than five respondents and no published cell
counts one to four respondents.

Rules:

1. ``merge_small_groups``: a group with fewer than ``min_size`` respondents is merged before
   anything is counted. Ordered groups (size classes) merge with the smaller of their
   neighbours, smallest group first, so merged groups stay contiguous ranges (label
   "A + B"). Unordered groups (provinces) merge into one group "Overig"; when "Overig" is
   itself too small the smallest remaining group joins it. Missing values stay missing.
2. ``suppress_small_cells`` (primary): a cell is hidden when its count is 1 to
   ``min_cell - 1``. For yes/no cells (multiple choice, grid items) the complement
   ``base - count`` is implied by the published base, so a cell is also hidden when the
   complement is 1 to ``min_cell - 1``.
3. Secondary: a hidden cell must not be recoverable by subtraction. Within a group the
   option counts of a single/scale question add up to the published group base, so a group
   with exactly one hidden cell gets a second one hidden (the smallest remaining non-zero
   cell; a zero only when nothing else is left). Across groups each option's total is
   published in the overall frequency table, so the same holds for every option row. Both
   are repeated until no group and no option has exactly one hidden cell.
4. Audit: a linear-programming check bounds every primary cell given all published cells
   and totals. A primary cell that is still determined (e.g. hidden complements that are
   themselves forced to zero) gets another cell of its group (or option row) hidden, and the
   steps repeat. This protects against subtraction and any other linear derivation from the
   published table plus the overall frequency table.

Hidden cells keep their row with ``count``, ``col_percent`` and ``row_percent`` set to NA and
``suppressed`` True.

These rules protect one table against itself. The release as a whole (a full and a collapsed
table of the same groups, group sizes beside bases, totals in other chapters) is protected by
``analysis.release.protect_crosstabs`` on top of them, with the attacker of
``analysis.ledger``. Group sizes (respondents per stratum, with their total shown) follow
``hidden_group_sizes`` in every chapter and chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_CELL = 5
OTHER_GROUP = "Overig"
_HIDDEN = ("count", "col_percent", "row_percent")


def merge_small_groups(
    series: pd.Series, min_size: int = MIN_CELL, other_label: str = OTHER_GROUP
) -> pd.Series:
    """Relabel ``series`` so that every non-empty group has at least ``min_size`` members.

    Returns a categorical Series (ordered when the input is) of the merged labels with the
    same index; ``result.attrs['merged']`` maps each original label to its new label.
    Empty categories are dropped. When all values together are fewer than ``min_size``,
    everything ends in one group.
    """
    cat = series.astype("category") if not isinstance(series.dtype, pd.CategoricalDtype) \
        else series
    ordered = bool(cat.cat.ordered)
    sizes = cat.value_counts(sort=False)
    sizes = sizes[sizes > 0]
    groups = [([str(lab)], int(n)) for lab, n in sizes.items()]
    groups = _merge_ordered(groups, min_size) if ordered else _merge_unordered(
        groups, min_size, other_label)
    mapping = {member: label for members, _, label in groups for member in members}
    labels = [label for _, _, label in groups]
    out = cat.astype("object").map(lambda v: mapping.get(str(v)) if pd.notna(v) else v)
    out = out.astype(pd.CategoricalDtype(labels, ordered=ordered))
    out.attrs["merged"] = mapping
    return out


def _merge_ordered(groups: list[tuple[list[str], int]], min_size: int):
    groups = [list(g) for g in groups]
    while len(groups) > 1:
        small = [i for i, (_, n) in enumerate(groups) if n < min_size]
        if not small:
            break
        i = min(small, key=lambda j: groups[j][1])
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(groups)]
        j = min(neighbours, key=lambda k: groups[k][1])  # ties: the preceding group
        lo, hi = sorted((i, j))
        groups[lo] = [groups[lo][0] + groups[hi][0], groups[lo][1] + groups[hi][1]]
        del groups[hi]
    return [(members, n, " + ".join(members)) for members, n in groups]


def _merge_unordered(groups: list[tuple[list[str], int]], min_size: int, other_label: str):
    keep = [(m, n) for m, n in groups if n >= min_size]
    other = [(m, n) for m, n in groups if n < min_size]
    if not other:
        return [(m, n, m[0]) for m, n in keep]
    other_members = [x for m, _ in other for x in m]
    other_n = sum(n for _, n in other)
    while other_n < min_size and keep:
        m, n = min(keep, key=lambda g: g[1])
        keep.remove((m, n))
        other_members, other_n = other_members + m, other_n + n
    if not keep:  # everything in one group: no need to call it "Overig"
        return [(other_members, other_n, " + ".join(other_members))]
    return [(m, n, m[0]) for m, n in keep] + [(other_members, other_n, other_label)]


def suppress_small_cells(
    table: pd.DataFrame, min_cell: int = MIN_CELL, *, binary: bool | None = None
) -> pd.DataFrame:
    """Hide small cells of a long cross-tab (columns group, option, count, base, ...).

    ``binary``: True when each row is a yes/no cell (multiple choice, grid), False when the
    options of a group are mutually exclusive (single, scale); None reads ``table.attrs
    ['type']``. Returns a copy with ``suppressed`` set and hidden values NA (rules in the
    module docstring). Rows that are already suppressed stay suppressed. Primary cells that
    remain derivable even with every cell hidden are listed in ``attrs['exposed']`` as
    (group, option) pairs (normally empty).
    """
    if binary is None:
        binary = table.attrs.get("type") in ("multiple", "grid")
    out = table.copy()
    count = out["count"].astype("Int64")
    base = out["base"].astype("Int64")
    primary = (count >= 1) & (count < min_cell)
    if binary:
        rest = base - count
        primary |= (rest >= 1) & (rest < min_cell)
    primary = primary.fillna(False).astype(bool)
    if "suppressed" in out.columns:
        primary |= out["suppressed"].fillna(False).astype(bool)
    frame = out.assign(_c=count.fillna(0).astype(int), _b=base.fillna(0).astype(int))
    hidden, exposed = _protect(frame, primary, _margins(frame, binary), binary)
    out["count"] = count.mask(hidden)
    for col in _HIDDEN[1:]:
        if col in out.columns:
            out[col] = out[col].astype("Float64").mask(hidden)
    out["suppressed"] = hidden.to_numpy()
    out.attrs = dict(table.attrs)
    out.attrs["exposed"] = [tuple(frame.loc[i, ["group", "option"]]) for i in exposed]
    return out


def _margins(frame: pd.DataFrame, binary: bool) -> list[list[str]]:
    """Cell sets whose totals are published: option rows across groups (overall frequency
    table) and, for mutually exclusive options, each group (its base)."""
    margins = [["option"]] if binary else [["option"], ["group"]]
    if "question" in frame.columns:
        margins = [[*m, "question"] for m in margins]
    return margins


def _margin_cells(frame: pd.DataFrame, keys: list[str]) -> list[pd.Index]:
    """Row labels of the cells of each margin."""
    by = keys[0] if len(keys) == 1 else keys
    return list(frame.groupby(by, sort=False, observed=True).groups.values())


def _protect(frame: pd.DataFrame, primary: pd.Series, margins: list[list[str]],
             binary: bool) -> tuple[pd.Series, list]:
    hidden = primary.copy()
    while True:
        hidden = _secondary(frame, hidden, margins)
        exposed = _exposed(frame, hidden, primary, margins)
        if not exposed:
            return hidden, []
        pick = _escalate(frame, hidden, exposed[0], binary)
        if pick is None:
            return hidden, exposed
        hidden.loc[pick] = True


def _smallest(frame: pd.DataFrame, candidates: pd.Index):
    """Index of the smallest non-zero cell among ``candidates`` (a zero only as last resort)."""
    if candidates.empty:
        return None
    counts = frame.loc[candidates, "_c"]
    nonzero = counts[counts > 0]
    return (nonzero if not nonzero.empty else counts).idxmin()


def _secondary(frame: pd.DataFrame, hidden: pd.Series, margins: list[list[str]]) -> pd.Series:
    """Add complementary suppressions until no margin has exactly one hidden cell."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for keys in margins:
            for idx in _margin_cells(frame, keys):
                members = hidden.loc[idx]
                if int(members.sum()) != 1:
                    continue
                pick = _smallest(frame, members.index[~members.to_numpy()])
                if pick is not None:
                    hidden.loc[pick] = True
                    changed = True
    return hidden


def _exposed(frame: pd.DataFrame, hidden: pd.Series, primary: pd.Series,
             margins: list[list[str]]) -> list:
    """Primary cells whose value is fixed by the published cells and margin totals.

    Audit by linear programming: each hidden cell is a variable in [0, base]; every margin
    fixes the sum of its hidden cells. A primary cell whose minimum equals its maximum can be
    derived by subtraction (the LP range contains the integer range, so no false alarms).
    """
    from scipy.optimize import linprog  # 0.45 s to import: only when auditing

    idx = list(hidden.index[hidden.to_numpy()])
    if not idx:
        return []
    pos = {i: k for k, i in enumerate(idx)}
    rows, rhs = [], []
    for keys in margins:
        for members in _margin_cells(frame, keys):
            inside = [pos[i] for i in members if i in pos]
            if inside:
                row = np.zeros(len(idx))
                row[inside] = 1
                rows.append(row)
                rhs.append(float(frame.loc[[idx[k] for k in inside], "_c"].sum()))
    bounds = [(0, float(frame.loc[i, "_b"])) for i in idx]
    exposed = []
    for i in idx:
        if not primary.loc[i]:
            continue
        c = np.zeros(len(idx))
        c[pos[i]] = 1
        low = linprog(c, A_eq=rows, b_eq=rhs, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=rows, b_eq=rhs, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and (-high.fun - low.fun) < 0.5:
            exposed.append(i)
    return exposed


def _escalate(frame: pd.DataFrame, hidden: pd.Series, cell, binary: bool):
    """Another cell to hide for an exposed cell: in its group, else in its option row."""
    same_group = frame["group"] == frame.loc[cell, "group"]
    same_option = frame["option"] == frame.loc[cell, "option"]
    if "question" in frame.columns:
        same_question = frame["question"] == frame.loc[cell, "question"]
        same_group &= same_question
        same_option &= same_question
    for scope in ([same_option] if binary else [same_group, same_option]):
        pick = _smallest(frame, frame.index[(scope & ~hidden).to_numpy()])
        if pick is not None:
            return pick
    return None


def hidden_group_sizes(counts: pd.Series, min_cell: int = MIN_CELL) -> pd.Series:
    """Which group sizes (respondents per stratum) a table may not show, given that their
    total is shown: the same rule in every chapter (composition, representativeness table,
    its chart).

    Primary: a size of 1 to ``min_cell - 1``. Secondary: the hidden sizes must not be
    recoverable from the total, so at least two are hidden and their sum is at least
    ``min_cell`` (otherwise each would be bounded inside 1 .. min_cell - 1): the smallest
    shown non-zero sizes are added until both hold. Zeros are shown. Returns a boolean
    Series aligned on ``counts``.
    """
    values = counts.astype(int)
    hidden = (values >= 1) & (values < min_cell)
    while hidden.any() and (hidden.sum() < 2 or values[hidden].sum() < min_cell
                            or _pinned(values, hidden, min_cell)):
        rest = values[~hidden & (values > 0)]
        if rest.empty:
            break
        hidden[rest.idxmin()] = True
    return hidden


def _pinned(values: pd.Series, hidden: pd.Series, min_cell: int) -> bool:
    """A hidden size bounded inside [1, min_cell - 1]: the others (each >= 0) leave it at
    least total - sum(others' upper bounds); with only the sum known each hidden value lies
    in [0, sum], so it is bounded inside only when the sum itself is below ``min_cell``."""
    return bool(values[hidden].sum() < min_cell)
