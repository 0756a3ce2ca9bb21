"""The comparison cells of all factsheets of a run, protected together with the published
release in one disclosure ledger (``analysis.ledger``).

Why: each factsheet shows one comparison group's column; all factsheets together show every
group's column. A reader who holds every factsheet and every published CSV of the run could
otherwise subtract a factsheet cell from a published cross-tab or from the overall totals and
recover a cell the release hides, or a small cell.

Contract of ``protect_factsheets(df, questions, groups, column, tables, all_questions,
min_cell)``:

- ``tables`` (``release.ReleaseTables``) is what the run publishes, as the attacker reads it
  (``report.release_audit.read_tables``): cross-tabs with hidden counts missing, group sizes,
  the overall frequency table, the derived-variable definitions.
- Every factsheet question is registered by the comparison grouping ``column`` with the true
  counts of every (merged) comparison group (``group_table``):

  * when the run publishes the same question by ``column`` with the same groups, the
    factsheet cells *are* that cross-tab's cells (same ledger keys): a cell or base hidden
    there is hidden in every factsheet (reason ``VERBORGEN_IN_RELEASE``), a published one is
    what the release already shows;
  * otherwise the factsheet table is registered as a cross-tab of its own (options sum to the
    base, groups plus respondents without a group value sum to the overall totals, a merged
    group's size is the sum of its strata, a collapsed variable of ``derived.yaml`` equals its
    source options in every group both share);
  * a comparison group that is not a group of a published cross-tab of the same question or
    of one of its collapsed variables by ``column`` (the cross-tab merged differently) is
    hidden for that question as a whole (``ANDERE_INDELING``): relating two different merges
    would need the strata below the threshold.

- The comparison group's size (the factsheet states it) is registered as
  ``("size", column, group)``: the representativeness table's cell for a single stratum, the
  sum of its strata for a merged group.
- ``Ledger.protect`` then hides further factsheet cells (never a cell of the release) until
  the attacker recovers nothing. The result (``FactsheetProtection``) lists every hidden
  factsheet cell, base and group size with its Dutch reason, and what cannot be protected
  (``exposures``; empty unless the protection failed) and what the release alone already
  gives away (``release_exposures``: no factsheet cell can change it; reported, not fixed).

The own-answer rule (a recipient knows its own row) stays in ``factsheet.comparison_table``,
on top of this: it only hides more, per factsheet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ido_analysis.analysis.ledger import Exposure, Ledger, describe
from ido_analysis.analysis.release import TOTAL, ReleaseTables, build_ledger
from ido_analysis.analysis.tables import question_table
from ido_analysis.spec.codebook import Question

VERBORGEN_IN_RELEASE = "verborgen in de gepubliceerde kruistabel"
ANDERE_INDELING = ("groep komt niet voor in de gepubliceerde kruistabel van deze vraag "
                   "(andere samenvoeging): hele kolom verborgen")
HELE_BASIS = "basis verborgen: de percentages van de groep staan er ook niet"
FORMAT = 1


def group_table(df: pd.DataFrame, question: Question, groups: pd.Series) -> pd.DataFrame:
    """True counts of ``question`` per comparison group (``groups``: categorical labels per
    row of ``df``): long table with group, option, count, base (per item for grids)."""
    parts = [question_table(df.loc[(groups == label).to_numpy()], question, population=None)
             .assign(group=str(label)) for label in groups.cat.categories]
    table = pd.concat(parts, ignore_index=True)[["group", "option", "count", "base"]]
    table["count"] = table["count"].astype("Int64")
    table["base"] = table["base"].astype("Int64")
    table.attrs["type"] = question.type
    return table


@dataclass
class FactsheetProtection:
    """Which comparison cells no factsheet of the run may show, with reasons.

    ``cells``: (question, group, option) -> reason; ``bases``: (question, group) -> reason
    (grids: (question, group, option)); ``sizes``: group -> reason. ``exposures``: what the
    attacker still recovers because of the factsheets (Dutch descriptions; empty when
    protected); ``release_exposures``: what the published release alone gives away. ``column`` and
    ``min_cell`` are the comparison grouping and threshold it was computed for.
    """

    column: str
    min_cell: int
    cells: dict[tuple[str, str, str], str] = field(default_factory=dict)
    bases: dict[tuple[str, ...], str] = field(default_factory=dict)
    sizes: dict[str, str] = field(default_factory=dict)
    exposures: list[str] = field(default_factory=list)
    release_exposures: list[str] = field(default_factory=list)
    shown: int = 0          # comparison cells the factsheets show (all groups, all questions)

    def cell_hidden(self, question: str, group: str, option: str) -> bool:
        return (question, group, option) in self.cells or self.base_hidden(question, group,
                                                                           option)

    def base_hidden(self, question: str, group: str, option: str | None = None) -> bool:
        return (question, group) in self.bases or (
            option is not None and (question, group, option) in self.bases)

    def size_hidden(self, group: str) -> bool:
        return group in self.sizes

    def to_json(self) -> str:
        """Deterministic JSON (same protection, same bytes: part of the cache key)."""
        return json.dumps({
            "format": FORMAT, "column": self.column, "min_cell": self.min_cell,
            "shown": self.shown,
            "cells": sorted([*k, r] for k, r in self.cells.items()),
            "bases": sorted([*k, r] for k, r in self.bases.items()),
            "sizes": sorted([g, r] for g, r in self.sizes.items()),
            "exposures": list(self.exposures),
            "release_exposures": list(self.release_exposures)},
            ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> FactsheetProtection:
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError("factsheet protection: unknown format")
        return cls(column=raw["column"], min_cell=int(raw["min_cell"]),
                   cells={tuple(r[:3]): r[3] for r in raw["cells"]},
                   bases={tuple(r[:-1]): r[-1] for r in raw["bases"]},
                   sizes={g: r for g, r in raw["sizes"]},
                   exposures=list(raw["exposures"]),
                   release_exposures=list(raw.get("release_exposures", [])),
                   shown=int(raw.get("shown", 0)))

    @classmethod
    def read(cls, path: str | Path) -> FactsheetProtection:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def report(self) -> pd.DataFrame:
        """Every hidden factsheet cell with its reason (Dutch columns), for the disclosure
        report in the restricted factsheets folder."""
        rows = [{"vraag": q, "groep": g, "optie": o, "wat": "cel", "reden": r}
                for (q, g, o), r in sorted(self.cells.items())]
        rows += [{"vraag": k[0], "groep": k[1], "optie": k[2] if len(k) > 2 else "",
                  "wat": "basis", "reden": r} for k, r in sorted(self.bases.items())]
        rows += [{"vraag": "", "groep": g, "optie": "", "wat": "groepsgrootte", "reden": r}
                 for g, r in sorted(self.sizes.items())]
        rows += [{"vraag": "", "groep": "", "optie": "", "wat": "niet te beschermen",
                  "reden": e} for e in self.exposures]
        rows += [{"vraag": "", "groep": "", "optie": "", "wat": "al af te leiden uit de "
                  "gepubliceerde tabellen", "reden": e} for e in self.release_exposures]
        return pd.DataFrame(rows, columns=["vraag", "groep", "optie", "wat", "reden"])


def _related(tables: ReleaseTables, qid: str, column: str) -> list[pd.DataFrame]:
    """Published cross-tabs by ``column`` of ``qid`` and of its collapsed variables."""
    return [frame for (q, gv), frame in tables.crosstabs.items() if gv == column and (
        q == qid or str((tables.definitions.get(q) or {}).get("from", "")) == qid)]


def _fill(published: pd.DataFrame, true: pd.DataFrame) -> pd.DataFrame:
    """The published cross-tab with the true values of its hidden counts and bases (a hidden
    base stays hidden: ``base_suppressed``)."""
    out = published.copy()
    truth = true.set_index(["group", "option"])
    index = pd.MultiIndex.from_frame(out[["group", "option"]].astype(str))
    true_count = truth["count"].reindex(index).to_numpy()
    true_base = truth["base"].reindex(index).to_numpy()
    hidden_base = out["base"].isna().to_numpy()
    if "base_suppressed" in out:
        hidden_base |= out["base_suppressed"].astype(str).str.lower().isin(["true", "1"])
    out["count"] = out["count"].astype("Float64").fillna(pd.Series(true_count, index=out.index,
                                                                   dtype="Float64"))
    out["base"] = out["base"].astype("Float64").fillna(pd.Series(true_base, index=out.index,
                                                                 dtype="Float64"))
    out["base_suppressed"] = hidden_base
    return out


def protect_factsheets(df: pd.DataFrame, questions: Sequence[Question], groups: pd.Series,
                       column: str, tables: ReleaseTables,
                       all_questions: Mapping[str, Question], min_cell: int = 5
                       ) -> tuple[FactsheetProtection, Ledger]:
    """Protect the comparison cells of every factsheet together with the release (see the
    module docstring). ``groups``: the merged comparison group of every row of ``df``
    (``factsheet.comparison_groups``); ``all_questions``: codebook questions and derived
    variables by id (to read the release's cross-tabs). Returns the protection and the
    combined ledger (the attacker's view of release plus factsheets)."""
    crosstabs = dict(tables.crosstabs)
    sizes = dict(tables.sizes)
    out = FactsheetProtection(column=column, min_cell=int(min_cell))
    factsheet_keys: set[tuple] = set()
    for q in questions:
        true = group_table(df, q, groups)
        labels = list(dict.fromkeys(true["group"]))
        related = _related(tables, q.id, column)
        compatible = [g for g in labels if all(g in set(f["group"].astype(str))
                                               for f in related)]
        for g in labels:
            if g not in compatible:
                out.bases[(q.id, g)] = ANDERE_INDELING
        own = crosstabs.get((q.id, column))
        if own is not None:
            crosstabs[(q.id, column)] = _fill(own, true)
            continue
        frame = true.loc[true["group"].isin(compatible)].assign(suppressed=False)
        crosstabs[(q.id, column)] = frame
        for row in frame.itertuples(index=False):
            factsheet_keys.add(("ct", q.id, column, row.group, row.option))
            factsheet_keys.add(("base", q.id, column, row.group)
                               + ((row.option,) if q.type == "grid" else ()))
    led = build_ledger(crosstabs, all_questions, sizes, tables.frequencies,
                       tables.definitions, min_cell)
    factsheet_keys |= _register_group_sizes(led, groups, column, sizes)
    factsheet_keys = {k for k in factsheet_keys if led.cells[k].published}
    # Cells the release already hides stay hidden; the release's own cells are not ours to hide.
    left = led.protect(int(min_cell), hideable=lambda k: k in factsheet_keys)
    if left:
        release_only = _release_only(led, factsheet_keys, int(min_cell))
        out.exposures = [_text(e) for e in left if e.key not in release_only]
        out.release_exposures = [_text(e) for e in left if e.key in release_only]
    _collect(out, led, questions, groups, column, tables)
    return out, led


def _text(e: Exposure) -> str:
    return f"{describe(e.key)}: {e.how} ({e.low:g}-{e.high:g})"


def _release_only(led: Ledger, factsheet_keys: set, threshold: int) -> set:
    """Keys the attacker recovers even when no factsheet shows anything: the release's own."""
    shown = [k for k in factsheet_keys if led.cells[k].published]
    for k in shown:
        led.cells[k].published = False
    try:
        return {e.key for e in led.attack(threshold)}
    finally:
        for k in shown:
            led.cells[k].published = True


def _register_group_sizes(led: Ledger, groups: pd.Series, column: str,
                          sizes: Mapping[str, pd.DataFrame]) -> set[tuple]:
    """The size of every comparison group, as the factsheets state it; a merged group is the
    sum of its strata. Returns the keys the factsheets publish beyond the release."""
    new = set()
    counts = groups.astype("object").value_counts()
    total_key = ("size", column, TOTAL)
    if column not in sizes:   # no representativeness table: strata sum to all respondents
        led.cell(total_key, int(groups.notna().sum()), True, sensitive=False)
    for label in groups.cat.categories:
        key = ("size", column, str(label))
        value = int(counts.get(label, 0))
        if key in led.cells and not led.cells[key].published:
            led.cell(key, value, False)   # hidden in the representativeness table: stays so
            continue
        if key not in led.cells:
            new.add(key)
        led.cell(key, value, True)
        members = str(label).split(" + ")
        if len(members) > 1:
            for m in members:
                if ("size", column, m) not in led.cells:
                    led.cell(("size", column, m), None, False)
            led.relate({**{("size", column, m): 1.0 for m in members}, key: -1.0})
    if column not in sizes:
        rest = led.cell(("size", column, "(geen)"), None, False, sensitive=False)
        led.relate({**{("size", column, str(g)): 1.0 for g in groups.cat.categories},
                    rest: 1.0, total_key: -1.0})
    return new


def _collect(out: FactsheetProtection, led: Ledger, questions: Sequence[Question],
             groups: pd.Series, column: str, tables: ReleaseTables) -> None:
    """Everything a factsheet may not show, from the protected ledger."""
    released = set(tables.crosstabs)
    released_sizes = set()
    if column in tables.sizes:
        released_sizes = set(tables.sizes[column]["stratum"].astype(str))
    shown = 0
    for q in questions:
        from_release = (q.id, column) in released
        for label in map(str, groups.cat.categories):
            if (q.id, label) in out.bases:
                continue
            base = led.cells.get(("base", q.id, column, label))
            if base is not None and not base.published:
                out.bases[(q.id, label)] = _why(base.reason or HELE_BASIS, from_release)
            for o in q.codes:
                if q.type == "grid":
                    item = led.cells.get(("base", q.id, column, label, o))
                    if item is not None and not item.published:
                        out.bases[(q.id, label, o)] = _why(item.reason or HELE_BASIS,
                                                           from_release)
                cell = led.cells.get(("ct", q.id, column, label, o))
                if cell is None or cell.published:
                    shown += cell is not None
                    continue
                out.cells[(q.id, label, o)] = _why(cell.reason, from_release)
    for label in map(str, groups.cat.categories):
        cell = led.cells.get(("size", column, label))
        if cell is not None and not cell.published:
            out.sizes[label] = _why(cell.reason, key_released=label in released_sizes)
    out.shown = shown


def _why(reason: str, from_release: bool = False, key_released: bool = False) -> str:
    """A hidden cell's reason; cells the release hides say so first."""
    if from_release or key_released:
        return f"{VERBORGEN_IN_RELEASE} ({reason})" if reason else VERBORGEN_IN_RELEASE
    return reason or "onderdrukt"

