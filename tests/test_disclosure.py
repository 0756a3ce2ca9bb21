"""Tests of ido_analysis.analysis.disclosure: merging small groups and suppressing small cells."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ido_analysis.analysis.disclosure import MIN_CELL, merge_small_groups, suppress_small_cells


def _series(sizes: dict[str, int], ordered: bool) -> pd.Series:
    values = [k for k, n in sizes.items() for _ in range(n)]
    return pd.Series(values).astype(pd.CategoricalDtype(list(sizes), ordered=ordered))


# ------------------------------------------------------------------------------------ merge


def test_default_threshold_is_five() -> None:
    assert MIN_CELL == 5


def test_ordered_groups_merge_with_smaller_neighbour() -> None:
    merged = merge_small_groups(_series({"A": 2, "B": 10, "C": 3, "D": 8}, ordered=True))
    assert list(merged.cat.categories) == ["A + B", "C + D"]
    assert merged.cat.ordered
    assert merged.value_counts(sort=False).tolist() == [12, 11]
    assert merged.attrs["merged"] == {"A": "A + B", "B": "A + B", "C": "C + D", "D": "C + D"}


def test_ordered_tie_merges_with_preceding_group_and_empty_groups_drop() -> None:
    merged = merge_small_groups(_series({"A": 6, "B": 2, "C": 6, "E": 0}, ordered=True))
    assert list(merged.cat.categories) == ["A + B", "C"]


def test_unordered_small_groups_become_overig_and_grow_when_too_small() -> None:
    merged = merge_small_groups(_series({"A": 10, "B": 7, "C": 2, "D": 1}, ordered=False))
    assert list(merged.cat.categories) == ["A", "Overig"]
    assert merged.attrs["merged"] == {"A": "A", "B": "Overig", "C": "Overig", "D": "Overig"}
    assert merged.value_counts(sort=False).tolist() == [10, 10]


def test_unordered_overig_large_enough_stays_alone() -> None:
    merged = merge_small_groups(_series({"A": 6, "B": 3, "C": 4}, ordered=False))
    assert list(merged.cat.categories) == ["A", "Overig"]
    assert merged.value_counts(sort=False).tolist() == [6, 7]


def test_everything_too_small_ends_in_one_group_and_na_stays_na() -> None:
    s = pd.Series(["A", "B", None, "A"]).astype(pd.CategoricalDtype(["A", "B"]))
    merged = merge_small_groups(s)
    assert list(merged.cat.categories) == ["A + B"]
    assert merged.isna().tolist() == [False, False, True, False]


# --------------------------------------------------------------------------------- suppress


def _long(counts: dict[str, list[int]], options: list[str], bases=None) -> pd.DataFrame:
    rows = []
    for group, values in counts.items():
        base = sum(values) if bases is None else bases[group]
        for opt, c in zip(options, values, strict=True):
            rows.append({"group": group, "option": opt, "count": c, "base": base,
                         "col_percent": 100 * c / base, "row_percent": 0.0})
    return pd.DataFrame(rows)


def _hidden(table: pd.DataFrame) -> set[tuple[str, str]]:
    return set(map(tuple, table.loc[table["suppressed"], ["group", "option"]].to_numpy()))


def _feasible_values(original: pd.DataFrame, published: pd.DataFrame) -> dict:
    """Every value each hidden cell can take given the published cells, the group bases and
    the option totals (brute force; small tables only)."""
    group_base = original.groupby("group")["base"].first().to_dict()
    option_total = original.groupby("option")["count"].sum().to_dict()
    cells = list(zip(published["group"], published["option"], published["count"],
                     published["suppressed"], strict=True))
    hidden = [(g, o) for g, o, _, h in cells if h]
    known_g = {g: sum(int(c) for gg, _, c, h in cells if gg == g and not h) for g in group_base}
    known_o = {o: sum(int(c) for _, oo, c, h in cells if oo == o and not h)
               for o in option_total}
    values: dict[tuple, set[int]] = {cell: set() for cell in hidden}
    for combo in itertools.product(*[range(group_base[g] + 1) for g, _ in hidden]):
        sum_g, sum_o = dict(known_g), dict(known_o)
        for (g, o), v in zip(hidden, combo, strict=True):
            sum_g[g] += v
            sum_o[o] += v
        if sum_g == group_base and sum_o == option_total:
            for cell, v in zip(hidden, combo, strict=True):
                values[cell].add(v)
    return values


def test_primary_and_secondary_suppression_exclusive_options() -> None:
    table = _long({"X": [10, 3, 7], "Y": [8, 6, 6]}, ["a", "b", "c"])
    out = suppress_small_cells(table, binary=False)
    assert _hidden(out) == {("X", "b"), ("X", "c"), ("Y", "b"), ("Y", "c")}
    assert out.loc[out["suppressed"], "count"].isna().all()
    assert out.loc[out["suppressed"], "col_percent"].isna().all()
    assert out.loc[~out["suppressed"], "count"].tolist() == [10, 8]
    # No hidden cell can be recovered from the group bases and option totals.
    feasible = _feasible_values(table, out)
    assert all(len(v) > 1 for v in feasible.values()), feasible


def test_without_secondary_the_cell_would_be_recoverable() -> None:
    # Sanity check of the recovery checker: only the primary cell hidden -> recoverable.
    table = _long({"X": [10, 3, 7], "Y": [8, 6, 6]}, ["a", "b", "c"])
    naive = table.assign(suppressed=(table["count"] < 5))
    naive.loc[naive["suppressed"], "count"] = pd.NA
    assert _feasible_values(table, naive) == {("X", "b"): {3}}


def test_zero_cells_are_not_primary_and_are_last_resort_complements() -> None:
    table = _long({"X": [0, 2, 10], "Y": [0, 9, 9]}, ["a", "b", "c"])
    out = suppress_small_cells(table, binary=False)
    assert ("X", "a") not in _hidden(out)
    assert {("X", "b"), ("X", "c")} <= _hidden(out)


def test_binary_cells_hide_small_complements() -> None:
    # Option a: 9 of 10 chose it in X, so the 1 who did not is identifiable.
    table = _long({"X": [9, 0, 5], "Y": [5, 10, 5]}, ["a", "b", "c"],
                  bases={"X": 10, "Y": 10})
    out = suppress_small_cells(table, binary=True)
    assert _hidden(out) == {("X", "a"), ("Y", "a")}  # Y.a hidden so the total cannot reveal X.a


def test_binary_read_from_attrs() -> None:
    table = _long({"X": [9, 6], "Y": [6, 6]}, ["a", "b"], bases={"X": 10, "Y": 10})
    table.attrs["type"] = "grid"
    assert ("X", "a") in _hidden(suppress_small_cells(table))
    table.attrs["type"] = "single"
    assert _hidden(suppress_small_cells(table)) == set()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=2, max_size=4))
def test_property_no_margin_has_exactly_one_hidden_cell(matrix: list[list[int]]) -> None:
    counts = {f"G{i}": row for i, row in enumerate(matrix) if sum(row) > 0}
    if not counts:
        return
    out = suppress_small_cells(_long(counts, ["a", "b", "c"]), binary=False)
    small = out["suppressed"] | ~out["count"].between(1, MIN_CELL - 1)
    assert small.all()  # every cell of 1-4 is hidden
    for key in ("group", "option"):
        per_margin = out.groupby(key)["suppressed"].agg(["sum", "size"])
        # one hidden cell in a margin only when the margin has no other cell to hide
        lone = per_margin[per_margin["sum"] == 1]
        assert (lone["size"] == 1).all(), per_margin


def test_zero_complements_that_protect_nothing_trigger_escalation() -> None:
    # Hiding X.c (1) with complements X.a and the zeros Y.a, Y.c would still reveal X.c:
    # Y's hidden cells must sum to 0, so the option total of c falls entirely on X.
    table = _long({"X": [5, 0, 1], "Y": [0, 5, 0]}, ["a", "b", "c"])
    out = suppress_small_cells(table, binary=False)
    assert out.attrs["exposed"] == []
    assert out["suppressed"].all()
    assert _feasible_values(table, out)[("X", "c")] == {0, 1}


def test_unprotectable_cell_is_reported() -> None:
    # One group only: its cells equal the option totals, so nothing can protect them.
    out = suppress_small_cells(_long({"X": [1, 9]}, ["a", "b"]), binary=False)
    assert out.attrs["exposed"] == [("X", "a")]


def test_suppression_keeps_rows_and_attrs() -> None:
    table = _long({"X": [1, 9], "Y": [8, 9]}, ["a", "b"])
    table.attrs["type"] = "single"
    out = suppress_small_cells(table)
    assert len(out) == len(table) and out.attrs["type"] == "single"
    assert out["suppressed"].dtype == bool
    with pytest.raises(KeyError):
        suppress_small_cells(table.drop(columns="base"))
