"""The factsheets' comparison cells protected together with the published release.

An attacker holds every published CSV of a run and every factsheet. These tests build that
attacker's ledger from what the factsheets actually show (``comparison_table`` for every
respondent) plus the run's tables (``report.release_audit.read_tables``), independently of the
protection's own ledger, and check that nothing is recovered; that no cell a published
cross-tab hides appears in a factsheet; and, on a small constructed example, that the old
per-table rule leaks by differencing against a published table while the new one does not.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ido_analysis.analysis.disclosure import hidden_group_sizes
from ido_analysis.analysis.factsheet import comparison_groups, comparison_table
from ido_analysis.analysis.factsheet_release import FactsheetProtection, protect_factsheets
from ido_analysis.analysis.ledger import Ledger
from ido_analysis.analysis.release import ReleaseTables, build_ledger
from ido_analysis.analysis.tables import frequencies
from ido_analysis.ingest.generate import DEFAULT_OUTPUT
from ido_analysis.report.crosstab_report import derived_questions, write_release_tables
from ido_analysis.report.release_audit import read_tables
from ido_analysis.spec.codebook import load_codebook
from ido_analysis.spec.derived import load_derived
from ido_analysis.spec.factsheet import load_factsheet_spec
from ido_analysis.spec.reference import load_municipalities

MIN_CELL = 5
# What chapter 07 publishes by default (its notebook chooses): the same questions by the
# comparison grouping and by province group.
CHAPTER_07 = ["q07", "q07_kort", "netwerkfase", "q12_kort", "q10", "q24_kort", "q26_kort",
              "q31_kort"]


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """Bundled data cleaned, a published release of it under tmp/tables, the protection."""
    from ido_analysis.ingest.clean import clean_export

    folder = tmp_path_factory.mktemp("fsr")
    clean_export(DEFAULT_OUTPUT, folder / "processed")
    df = pd.read_parquet(folder / "processed" / "respondents.parquet")
    cb = load_codebook()
    derived = derived_questions(cb)
    questions = {**{q.id: q for q in cb}, **derived}
    definitions = {str(g["name"]): g for g in load_derived(cb).groups}
    spec = load_factsheet_spec(cb)
    write_release_tables(df, load_municipalities(), cb, [questions[n] for n in CHAPTER_07],
                         [spec.comparison_column, "provinciegroep"], folder / "run", MIN_CELL)
    tables = read_tables(folder / "run", cb, derived, definitions)
    groups = comparison_groups(df, spec.comparison_column, MIN_CELL)
    fs_questions = [cb[q] for q in spec.questions]
    protection, _ = protect_factsheets(df, fs_questions, groups, spec.comparison_column, tables,
                                       questions, MIN_CELL)
    protection = FactsheetProtection.from_json(protection.to_json())   # as the notebooks read it
    return df, questions, fs_questions, groups, spec.comparison_column, tables, protection


def _shown(df, fs_questions, groups, protection) -> dict[str, pd.DataFrame]:
    """Per question: what the factsheets of all respondents show together (group, option,
    count or NA, base or NA)."""
    out = {}
    for q in fs_questions:
        seen: dict[tuple[str, str], tuple] = {}
        for rid in df["respondent_id"].astype(int):
            t = comparison_table(df, q, rid, groups, MIN_CELL, protection=protection)
            g = t.attrs["group"]
            for r in t.itertuples(index=False):
                count = None if r.group_hidden else int(r.group_count)
                base = None if r.group_base_hidden else int(r.group_base)
                old = seen.get((g, r.option), (None, None))
                seen[(g, r.option)] = (old[0] if count is None else count,
                                       old[1] if base is None else base)
        out[q.id] = pd.DataFrame([{"group": g, "option": o, "count": c, "base": b,
                                   "suppressed": c is None}
                                  for (g, o), (c, b) in seen.items()])
    return out


def _attacker(tables: ReleaseTables, shown: dict[str, pd.DataFrame], column: str,
              questions, sizes_shown: dict[str, int]) -> Ledger:
    """Every published CSV plus every factsheet, in one ledger (values only where shown)."""
    crosstabs = dict(tables.crosstabs)
    for qid, frame in shown.items():
        published = crosstabs.get((qid, column))
        if published is not None:   # same cells: what either shows
            merged = published.copy()
            lookup = frame.set_index(["group", "option"])
            for i, row in merged.iterrows():
                if pd.isna(row["count"]) and (row["group"], row["option"]) in lookup.index:
                    value = lookup.loc[(row["group"], row["option"]), "count"]
                    if value is not None and not pd.isna(value):
                        merged.loc[i, ["count", "suppressed"]] = [value, False]
            crosstabs[(qid, column)] = merged
        else:
            crosstabs[(qid, column)] = frame
    led = build_ledger(crosstabs, questions, tables.sizes, tables.frequencies,
                       tables.definitions, MIN_CELL)
    for label, value in sizes_shown.items():
        key = ("size", column, label)
        led.cell(key, value, True)
        members = label.split(" + ")
        if len(members) > 1:
            for m in members:
                led.cell(("size", column, m), None, False)
            led.relate({**{("size", column, m): 1.0 for m in members}, key: -1.0})
    return led


def _permitted(df, fs_questions, groups, protection) -> dict[str, pd.DataFrame]:
    """Per question: every comparison cell and base the protection lets a factsheet show, with
    its true value: a superset of what all factsheets together show (the own-answer rule
    hides more per factsheet), so an attacker holding it knows at least as much."""
    from ido_analysis.analysis.factsheet_release import group_table

    out = {}
    for q in fs_questions:
        t = group_table(df, q, groups)
        cell = [protection.cell_hidden(q.id, g, o) for g, o in zip(t["group"], t["option"],
                                                                   strict=True)]
        base = [protection.base_hidden(q.id, g, o) for g, o in zip(t["group"], t["option"],
                                                                   strict=True)]
        out[q.id] = pd.DataFrame({
            "group": t["group"], "option": t["option"],
            "count": [None if h else int(v) for v, h in zip(t["count"], cell, strict=True)],
            "base": [None if h else int(v) for v, h in zip(t["base"], base, strict=True)],
            "suppressed": cell})
    return out


def _sizes_shown(groups, protection) -> dict[str, int]:
    counts = groups.astype("object").value_counts()
    return {str(g): int(counts[g]) for g in groups.cat.categories
            if protection is None or not protection.size_hidden(str(g))}


def test_attacker_with_every_csv_and_every_factsheet_recovers_nothing_new(setting) -> None:
    df, questions, fs_questions, groups, column, tables, protection = setting
    assert protection.exposures == []
    shown = _permitted(df, fs_questions, groups, protection)
    led = _attacker(tables, shown, column, questions, _sizes_shown(groups, protection))
    found = {e.key for e in led.attack(MIN_CELL)}
    # what the published release alone gives away (factsheets showing nothing) is not theirs
    nothing = {q: f.assign(count=None, base=None, suppressed=True) for q, f in shown.items()}
    baseline = {e.key for e in _attacker(tables, nothing, column, questions, {})
                .attack(MIN_CELL)}
    assert found <= baseline, sorted(map(str, found - baseline))
    assert sum(f["count"].notna().sum() for f in shown.values()) > 0   # not all hidden


def test_no_cell_hidden_in_a_published_crosstab_is_visible_in_any_factsheet(setting) -> None:
    df, _, fs_questions, groups, column, tables, protection = setting
    fs_questions = [q for q in fs_questions if (q.id, column) in tables.crosstabs]
    assert fs_questions
    shown = _shown(df, fs_questions, groups, protection)
    checked = 0
    for q in fs_questions:
        published = tables.crosstabs.get((q.id, column))
        if published is None:
            continue
        lookup = shown[q.id].set_index(["group", "option"])
        for row in published.itertuples(index=False):
            if pd.isna(row.count):
                assert pd.isna(lookup.loc[(row.group, row.option), "count"]), (q.id, row)
                checked += 1
            if pd.isna(row.base):
                assert pd.isna(lookup.loc[(row.group, row.option), "base"]), (q.id, row)
    assert checked > 0


def test_protection_is_applied_on_top_of_the_own_answer_rule(setting) -> None:
    df, _, fs_questions, groups, _, _, protection = setting
    hidden_by_ledger = 0
    for q in fs_questions:
        for rid in df["respondent_id"].astype(int)[::12]:
            old = comparison_table(df, q, rid, groups, MIN_CELL)
            new = comparison_table(df, q, rid, groups, MIN_CELL, protection=protection)
            assert (new["group_hidden"] | ~old["group_hidden"]).all(), q.id   # only more
            hidden_by_ledger += int((new["group_hidden"] & ~old["group_hidden"]).sum())
    assert hidden_by_ledger > 0


def test_without_protection_the_comparison_column_is_hidden(setting) -> None:
    df, _, fs_questions, groups, _, _, _ = setting
    t = comparison_table(df, fs_questions[0], int(df["respondent_id"].iloc[0]), groups,
                         MIN_CELL, protection=None)
    assert t["group_hidden"].all() and t["group_base_hidden"].all()


# --- a constructed leak of the old rule -----------------------------------------------------

def test_old_rule_leaks_a_small_stratum_by_differencing_and_the_new_one_does_not(
        setting) -> None:
    """Strata A (3 respondents), B (30), C (6), ordered. The factsheets merge A into 'A + B'
    and state its size, 33. The published representativeness table hides A and, so that it
    cannot be subtracted, C, and shows B = 30 and the total 39. Old rule: 33 - 30 = 3, the
    hidden stratum A. New rule: every published CSV plus every factsheet gives nothing."""
    df, questions, _, _, _, _, _ = setting
    cb = load_codebook()
    small = df.iloc[:39].copy()
    labels = ["A"] * 3 + ["B"] * 30 + ["C"] * 6
    small["klasse"] = pd.Categorical(labels, categories=["A", "B", "C"], ordered=True)
    counts = small["klasse"].value_counts(sort=False)
    hidden = hidden_group_sizes(counts.reset_index(drop=True), MIN_CELL).to_numpy()
    assert list(hidden) == [True, False, True]
    sizes = pd.DataFrame({"stratum": ["A", "B", "C", "Totaal"],
                          "respondents": [pd.NA if h else int(v) for v, h in
                                          zip(counts, hidden, strict=True)] + [39],
                          "suppressed": [*hidden, False]})
    tables = ReleaseTables({}, {"klasse": sizes}, frequencies(small, cb), {})
    groups = comparison_groups(small, "klasse", MIN_CELL)
    assert list(groups.cat.categories) == ["A + B", "C"]
    fs_questions = [cb["q12"], cb["q10"]]

    # old rule: the factsheets state every group size and show what the per-table rule allows
    old_shown = {
        q.id: pd.DataFrame([
            {"group": t.attrs["group"], "option": r.option,
             "count": None if r.group_hidden else int(r.group_count), "base": int(r.group_base),
             "suppressed": bool(r.group_hidden)}
            for rid in (small["respondent_id"].iloc[0], small["respondent_id"].iloc[-1])
            for t in [comparison_table(small, q, int(rid), groups, MIN_CELL)]
            for r in t.itertuples(index=False)])
        for q in fs_questions}
    old = _attacker(tables, old_shown, "klasse", questions, _sizes_shown(groups, None))
    leaked = {e.key: e for e in old.attack(MIN_CELL)}
    assert ("size", "klasse", "A") in leaked and leaked[("size", "klasse", "A")].low == 3

    protection, combined = protect_factsheets(small, fs_questions, groups, "klasse", tables,
                                              questions, MIN_CELL)
    assert combined.attack(MIN_CELL) == [] and protection.exposures == []
    assert protection.release_exposures == []
    assert protection.size_hidden("A + B")
    new_shown = _shown(small, fs_questions, groups, protection)   # every factsheet
    new = _attacker(tables, new_shown, "klasse", questions, _sizes_shown(groups, protection))
    assert new.attack(MIN_CELL) == []
