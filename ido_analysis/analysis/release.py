"""A release as one disclosure ledger, and the protection of a chapter's cross-tabs.

``build_ledger`` registers (keys are tuples, first element the kind):

- cross-tabs: cells ``("ct", q, gv, group, option)``, bases ``("base", q, gv, group[, option
  for grids])``; single/scale: options sum to the base; multiple/grid: the implicit
  "not chosen" cell ``("not", ...)`` = base - count.
- group sizes (representativeness tables): ``("size", by, stratum)`` and their total; a
  cross-tab group that is a stratum or "A + B" of strata gets the implicit non-answer cell
  ``("nonresp", q, gv, group)`` = size - base.
- the overall frequency table: option totals and bases; the groups of every cross-tab of a
  question plus the respondents without a group value add up to them.
- ``references/derived.yaml``: a collapsed category equals the sum of its source options in
  every group both tables share. When the source question is not cross-tabbed by the same
  grouping, its cross-tab is registered anyway as *implicit* cells (never published; the
  true counts when protecting, unknown when the attacker reads the files): the groups of a
  derived table and of its source share their respondents, so a left-out option (netwerkfase
  leaves out q17 "Weet ik niet") is what separates the two bases, and per group
  ``size - base(derived) = left-out options of the source + non-answers of the source``;
  over groups the source options add up to the overall ``frequencies.csv`` counts.
- respondents without a group value: per option they add up to those of the base (single
  and scale), or are at most those of the base (multiple).
- grids: per item, a group's size is the item's base plus the item's non-answers.

Only counts of groups are sensitive; the overall totals are the report's own figures.
``protect_crosstabs`` builds the ledger from the true counts of a set of cross-tabs, lets
``Ledger.protect`` hide cells (and, for non-answer cells, bases) until the attacker recovers
nothing, and returns the cross-tabs with the extra suppression applied. A hidden base hides
every percentage of its group (a count and its percentage give the base back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from ido_analysis.analysis.crosstab import CrosstabResult
from ido_analysis.analysis.ledger import Ledger
from ido_analysis.spec.codebook import Question

TOTAL = "Totaal"


@dataclass(frozen=True)
class ReleaseTables:
    """What a run publishes, as ``build_ledger`` reads it: cross-tabs by (question id,
    group_var), representativeness tables by grouping, the overall frequency table and the
    ``derived.yaml`` definitions by variable name (``report.release_audit.read_tables``)."""

    crosstabs: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    sizes: dict[str, pd.DataFrame] = field(default_factory=dict)
    frequencies: pd.DataFrame | None = None
    definitions: dict[str, Mapping] = field(default_factory=dict)


def _bool(v) -> bool:
    return str(v).strip().lower() in ("true", "1")


def _int(v) -> int | None:
    return None if pd.isna(v) or str(v).strip() == "" else int(float(v))


def build_ledger(crosstabs: Mapping[tuple[str, str], pd.DataFrame],
                 questions: Mapping[str, Question],
                 sizes: Mapping[str, pd.DataFrame],
                 frequencies: pd.DataFrame | None = None,
                 definitions: Mapping[str, Mapping] | None = None,
                 threshold: int = 5,
                 sources: Mapping[tuple[str, str], pd.DataFrame] | None = None) -> Ledger:
    """A ledger of a release (see the module docstring).

    ``crosstabs``: (question id, group_var) -> long table with group, option, count, base,
    suppressed (count may be the true value of a hidden cell, or missing when unknown; a
    missing base is a hidden base). ``sizes``: grouping -> representativeness table
    (stratum, respondents, optional suppressed; a 'Totaal' row). ``frequencies``: the
    overall table (question, option, count, base). ``definitions``: ``derived.yaml``
    entries by variable name. ``threshold`` only names the reason of cells hidden in the
    tables (primary when the known value is 1 to threshold - 1). ``sources``: (source
    question id, group_var) -> true counts (group, option, count, base) of the implicit
    cross-tab of a derived variable's source (``source_frame``); without it those cells
    are unknown, as to a reader of the files.
    """
    led = Ledger()
    size_keys = {by: _register_sizes(led, by, frame) for by, frame in sizes.items()}
    freq = _register_frequencies(led, frequencies)
    for (qid, gv), frame in crosstabs.items():
        if qid in questions:
            _register_crosstab(led, frame, questions[qid], qid, gv, size_keys.get(gv, {}),
                               threshold)
    known = {k: v for k, v in crosstabs.items() if k[0] in questions}
    for key, frame in implicit_sources(known, questions, definitions or {}, sources).items():
        _register_crosstab(led, frame, questions[key[0]], *key, size_keys.get(key[1], {}),
                           threshold, implicit=True)
        known[key] = frame
    _link_totals(led, known, freq, size_keys, questions)
    for name, definition in (definitions or {}).items():
        _link_derived(led, known, name, definition)
        _link_derived_totals(led, known, freq, name, definition)
    return led


def implicit_sources(crosstabs: Mapping[tuple[str, str], pd.DataFrame],
                     questions: Mapping[str, Question], definitions: Mapping[str, Mapping],
                     sources: Mapping[tuple[str, str], pd.DataFrame] | None = None,
                     ) -> dict[tuple[str, str], pd.DataFrame]:
    """The unpublished cross-tabs behind derived variables: for every published cross-tab
    of a derived variable whose source question is not published by the same grouping, the
    source by that grouping over the same groups, with the true counts of ``sources`` when
    given (protection) or unknown counts (a reader of the files)."""
    out: dict[tuple[str, str], pd.DataFrame] = {}
    for (name, gv), frame in crosstabs.items():
        definition = definitions.get(name)
        source = None if definition is None else str(definition["from"])
        if source is None or source not in questions or (source, gv) in crosstabs:
            continue
        groups = list(dict.fromkeys(frame["group"].astype(str)))
        true = (sources or {}).get((source, gv))
        if true is not None:
            part = true.loc[true["group"].astype(str).isin(groups)]
            out[(source, gv)] = part[["group", "option", "count", "base"]].assign(
                suppressed=True, base_suppressed=True)
            continue
        codes = questions[source].codes
        out[(source, gv)] = pd.DataFrame(
            [(g, o, None, None, True, True) for g in groups for o in codes],
            columns=["group", "option", "count", "base", "suppressed", "base_suppressed"])
    return out


def source_frame(df: pd.DataFrame, question: Question, group_var: str,
                 groups: list[str], merged: Mapping[str, str] | None = None) -> pd.DataFrame:
    """True counts of a single/scale ``question`` in each of ``groups`` of ``group_var``:
    group, option, count, base. A respondent belongs to the group its ``group_var`` value was
    merged into (``merged``: value -> group label, ``CrosstabResult.merged`` of the cross-tab
    the groups come from, so "A + B" and "Overig" are the same respondents there and here);
    a value not in ``merged`` is a group of its own."""
    from ido_analysis.analysis.tables import answered_mask

    answered = answered_mask(df, question).to_numpy()
    values = df[question.id].astype("object")
    mapping = dict(merged or {})
    labels = df[group_var].astype("object").map(
        lambda v: mapping.get(str(v), str(v)) if pd.notna(v) else None)
    rows = []
    for g in groups:
        members = (labels == g).to_numpy() & answered
        base = int(members.sum())
        for option in question.options:
            count = int((values[members] == option.label).sum())
            rows.append((g, option.code, count, base))
    return pd.DataFrame(rows, columns=["group", "option", "count", "base"])


def _register_sizes(led: Ledger, by: str, frame: pd.DataFrame) -> dict[str, tuple]:
    """Group sizes per stratum and their total; hidden sizes are unknown."""
    hidden = (frame["suppressed"].map(_bool) if "suppressed" in frame
              else [False] * len(frame))
    keys = {}
    total = None
    for (_, row), hide in zip(frame.iterrows(), hidden, strict=True):
        value = _int(row["respondents"])
        if row["stratum"] == TOTAL:
            total = led.cell(("size", by, "Totaal"), value, value is not None,
                             sensitive=False)
        else:
            shown = value is not None and not bool(hide)
            keys[row["stratum"]] = led.cell(
                ("size", by, row["stratum"]), value, shown,
                reason="" if shown else "groepsgrootte 1 tot drempel of terug te rekenen uit "
                "het totaal (zelfde regel in elk hoofdstuk)")
    if total is not None:
        led.relate({**{k: 1.0 for k in keys.values()}, total: -1.0})
        keys["Totaal"] = total
    return keys


def _register_frequencies(led: Ledger, frame: pd.DataFrame | None) -> dict[str, dict]:
    out: dict[str, dict[str, tuple]] = {}
    if frame is None:
        return out
    for q, part in frame.groupby("question", sort=False):
        keys = {row["option"]: led.cell(("freq", q, row["option"]), int(row["count"]), True,
                                        sensitive=False) for _, row in part.iterrows()}
        keys["_base"] = led.cell(("freqbase", q), int(part["base"].max()), True,
                                 sensitive=False)
        out[str(q)] = keys
    return out


def _hidden_base(part: pd.DataFrame) -> bool:
    return "base_suppressed" in part and bool(part["base_suppressed"].map(_bool).any())


def _group_size(sizes: Mapping[str, tuple], group: str) -> list[tuple] | None:
    parts = group.split(" + ")
    return [sizes[p] for p in parts] if all(p in sizes for p in parts) else None


def _reason(value: int | None, base: int | None, binary: bool, threshold: int) -> str:
    if value is None:
        return "onderdrukt in de tabel"
    if 1 <= value < threshold:
        return "primair: 1 tot drempel"
    if binary and base is not None and 1 <= base - value < threshold:
        return "primair: niet gekozen 1 tot drempel"
    return "secundair: terug te rekenen binnen de tabel"


def _register_crosstab(led: Ledger, frame: pd.DataFrame, question: Question, qid: str,
                       gv: str, sizes: Mapping[str, tuple], threshold: int = 5,
                       implicit: bool = False) -> None:
    """Cells, bases and their relations of one cross-tab; ``implicit``: no table prints it
    (the source of a derived variable), so nothing is published and nothing is a
    suppression of the disclosure report."""
    binary = question.type in ("multiple", "grid")
    for group, part in frame.groupby("group", sort=False):
        group_base = ("base", qid, gv, group)
        shown_base = not implicit and not _hidden_base(part)
        if question.type != "grid":
            value = _int(part["base"].max())
            led.cell(group_base, value, value is not None and shown_base)
        cells = []
        for _, row in part.iterrows():
            item = _int(row["base"]) if question.type == "grid" else None
            base = (group_base if question.type != "grid"
                    else led.cell((*group_base, row["option"]), item,
                                  item is not None and shown_base))
            hidden = implicit or _bool(row["suppressed"])
            value = _int(row["count"])
            key = led.cell(("ct", qid, gv, group, row["option"]), value, not hidden, base=base,
                           reason=_reason(value, _int(row["base"]), binary, threshold)
                           if hidden and not implicit else "")
            cells.append(key)
            if binary:
                # "not chosen" is not an answer: no group-disclosure rule for it
                other = led.cell(("not", qid, gv, group, row["option"]), None, False)
                led.relate({key: 1.0, other: 1.0, base: -1.0})
        if not binary:
            led.relate({**{k: 1.0 for k in cells}, group_base: -1.0})
        members = _group_size(sizes, str(group))
        if members is None:
            continue
        if question.type != "grid":
            nonresp = led.cell(("nonresp", qid, gv, group), None, False)
            led.relate({**{m: 1.0 for m in members}, group_base: -1.0, nonresp: -1.0})
            continue
        for option in dict.fromkeys(part["option"]):
            # a grid item answered by fewer than the group: the rest left that item open
            nonresp = led.cell(("nonresp", qid, gv, group, option), None, False)
            led.relate({**{m: 1.0 for m in members}, (*group_base, option): -1.0,
                        nonresp: -1.0})


def _link_totals(led: Ledger, crosstabs: Mapping, freq: Mapping, sizes: Mapping,
                 questions: Mapping[str, Question]) -> None:
    """Groups plus respondents without a group value add up to the overall figures; the
    respondents without a group value who chose an option are among those who answered."""
    for (qid, gv), frame in crosstabs.items():
        if qid not in freq or gv not in sizes or "Totaal" not in sizes[gv]:
            continue
        total = sizes[gv]["Totaal"]
        groups = list(dict.fromkeys(frame["group"]))
        bases = [("base", qid, gv, g) for g in groups if ("base", qid, gv, g) in led.cells]
        if len(bases) != len(groups):
            continue  # grid: item bases differ, left out
        excl = led.cell(("excl", qid, gv), None, False, sensitive=False)
        led.relate({**{b: 1.0 for b in bases}, excl: 1.0, freq[qid]["_base"]: -1.0})
        extras = []
        for option in dict.fromkeys(frame["option"]):
            if option not in freq[qid]:
                continue
            extra = led.cell(("excl", qid, gv, option), None, False, sensitive=False)
            extras.append(extra)
            led.relate({**{("ct", qid, gv, g, option): 1.0 for g in groups}, extra: 1.0,
                        freq[qid][option]: -1.0})
            if questions[qid].type == "multiple":
                rest = led.cell(("excl_not", qid, gv, option), None, False, sensitive=False)
                led.relate({extra: 1.0, rest: 1.0, excl: -1.0})
        if questions[qid].type != "multiple" and len(extras) == len(questions[qid].codes):
            led.relate({**{e: 1.0 for e in extras}, excl: -1.0})
        # respondents: answered + not answered = all; groups + no group value = all
        unanswered = led.cell(("unanswered", qid), None, False, sensitive=False)
        led.relate({freq[qid]["_base"]: 1.0, unanswered: 1.0, total: -1.0})
        nonresp = [("nonresp", qid, gv, g) for g in groups
                   if ("nonresp", qid, gv, g) in led.cells]
        if len(nonresp) == len(groups):
            rest = led.cell(("excl_nonresp", qid, gv), None, False, sensitive=False)
            led.relate({**{k: 1.0 for k in nonresp}, rest: 1.0, unanswered: -1.0})


def _link_derived(led: Ledger, crosstabs: Mapping, name: str, definition: Mapping) -> None:
    """A collapsed category = the sum of its source options, per shared group."""
    source = str(definition["from"])
    codes = "abcdefghijklmnopqrstuvwxyz"
    for (qid, gv), frame in crosstabs.items():
        if qid != name or (source, gv) not in crosstabs:
            continue
        source_groups = set(crosstabs[(source, gv)]["group"])
        for group in dict.fromkeys(frame["group"]):
            if group not in source_groups:
                continue
            for i, g in enumerate(definition["groups"]):
                terms = {("ct", source, gv, group, o): 1.0 for o in g["options"]}
                target = ("ct", name, gv, group, codes[i])
                if target in led.cells and all(t in led.cells for t in terms):
                    led.relate({**terms, target: -1.0})


def _link_derived_totals(led: Ledger, crosstabs: Mapping, freq: Mapping, name: str,
                         definition: Mapping) -> None:
    """The groups of a collapsed variable add up (with respondents without a group value)
    to the overall totals of its source options, which the frequency table publishes."""
    source = str(definition["from"])
    if source not in freq:
        return
    codes = "abcdefghijklmnopqrstuvwxyz"
    for (qid, gv), frame in crosstabs.items():
        if qid != name:
            continue
        groups = list(dict.fromkeys(frame["group"]))
        for i, g in enumerate(definition["groups"]):
            cells = [("ct", name, gv, group, codes[i]) for group in groups]
            sources = [freq[source][o] for o in g["options"] if o in freq[source]]
            if not all(c in led.cells for c in cells) or len(sources) != len(g["options"]):
                continue
            extra = led.cell(("excl", name, gv, codes[i]), None, False, sensitive=False)
            led.relate({**{c: 1.0 for c in cells}, extra: 1.0, **{k: -1.0 for k in sources}})

UNPROTECTABLE = ("niet te beschermen: volgt uit de aantallen van alle respondenten samen; "
                 "in de kruistabel verborgen")


def protect_crosstabs(results: Mapping[tuple[str, str], CrosstabResult],
                      questions: Mapping[str, Question],
                      sizes: Mapping[str, pd.DataFrame],
                      frequencies: pd.DataFrame | None = None,
                      definitions: Mapping[str, Mapping] | None = None,
                      threshold: int = 5,
                      sources: Mapping[tuple[str, str], pd.DataFrame] | None = None,
                      ) -> tuple[dict, Ledger]:
    """Secondary suppression over all ``results`` together (see the module docstring).

    ``sources``: the true counts of the implicit source cross-tabs of derived variables
    (``source_frame``; ``build_ledger``). Without them those cells are unknown to the
    protection as well, which still hides enough but checks nothing against the data.

    Returns the protected results (same keys) and the ledger (``ledger.suppressed()`` lists
    every hidden cell with its reason). A cell that no suppression in the cross-tabs can
    protect follows from numbers published for all respondents together (with very few
    respondents a cross-tab group can be all of them): it is hidden in the cross-tab as well,
    with that reason in the disclosure report, and ``ledger.unprotectable`` lists it.
    """
    frames = {key: _true_frame(r) for key, r in results.items()}
    led = build_ledger(frames, questions, sizes, frequencies, definitions, threshold, sources)
    left = led.protect(threshold, hideable=lambda k: k[0] in ("ct", "base")
                       and (k[1], k[2]) in results)
    led.unprotectable = [e.key for e in left]
    for exposure in left:
        if led.cells[exposure.key].published:
            led.hide(exposure.key, UNPROTECTABLE)
    return {key: _apply(r, led, key) for key, r in results.items()}, led


def _true_frame(result: CrosstabResult) -> pd.DataFrame:
    counts = result.counts if result.counts is not None else result.table
    out = result.table[["group", "option", "base", "suppressed"]].copy()
    out["count"] = counts["count"].to_numpy()
    return out


def _apply(result: CrosstabResult, led: Ledger, key: tuple[str, str]) -> CrosstabResult:
    table = result.table.copy()
    counts = result.counts if result.counts is not None else result.table
    hide, hide_base = [], []
    for _, row in table.iterrows():
        cell = led.cells.get(("ct", *key, row["group"], row["option"]))
        hide.append(bool(row["suppressed"]) or (cell is not None and not cell.published))
        base = led.cells.get(("base", *key, row["group"]))
        hide_base.append(base is not None and not base.published)
    hide_s, base_s = pd.Series(hide, index=table.index), pd.Series(hide_base, index=table.index)
    table["count"] = counts["count"].astype("Int64").mask(hide_s)
    for col in ("col_percent", "row_percent"):
        table[col] = counts[col].astype("Float64").mask(hide_s | base_s)
    table["suppressed"] = hide_s.to_numpy()
    table["base_suppressed"] = base_s.to_numpy()
    table.attrs = dict(result.table.attrs)
    return replace(result, table=table)
