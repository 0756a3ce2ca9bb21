"""The release-level attacker and protection on constructed data: every attack of issue 12
succeeds on tables suppressed one at a time and fails after release-level protection."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers_stats import single_frame, small_codebook

from ido_analysis.analysis.crosstab import crosstab
from ido_analysis.analysis.disclosure import hidden_group_sizes
from ido_analysis.analysis.ledger import Ledger
from ido_analysis.analysis.release import build_ledger, protect_crosstabs, source_frame
from ido_analysis.report.crosstab_report import (
    derived_question,
    representativeness_chart,
    write_crosstab,
)
from ido_analysis.report.release_audit import attack_release, read_release

CB = small_codebook()
Q = CB["q02"]  # scale: a Zeer tevreden, b Tevreden, c Ontevreden, d Weet ik niet
KORT = {"name": "q02_kort", "from": "q02", "label": "Kort", "groups": [
    {"label": "tevreden", "options": ["a", "b"]},
    {"label": "ontevreden", "options": ["c"]},
    {"label": "weet niet", "options": ["d"], "nonsubstantive": True}]}
Q_KORT = derived_question(KORT, CB)
QUESTIONS = {"q02": Q, "q02_kort": Q_KORT}
GV = "grootteklasse_grof"


def frame(rows: list[tuple[str, str, int | None, int, bool]]) -> pd.DataFrame:
    """Long cross-tab: (group, option, count or None when hidden, base, suppressed)."""
    return pd.DataFrame(rows, columns=["group", "option", "count", "base", "suppressed"])


def sizes(**groups: int) -> dict[str, pd.DataFrame]:
    rows = [{"stratum": g, "respondents": n} for g, n in groups.items()]
    rows.append({"stratum": "Totaal", "respondents": sum(groups.values())})
    return {GV: pd.DataFrame(rows)}


def with_derived(df: pd.DataFrame, definition: dict, derived) -> pd.DataFrame:
    """``df`` with the column of a ``derived.yaml``-style collapse of q02."""
    labels = {o.label: g["label"] for g in definition["groups"] for o in Q.options
              if o.code in g["options"]}
    df[definition["name"]] = df["q02"].astype("object").map(labels).astype(
        pd.CategoricalDtype([o.label for o in derived.options], ordered=True))
    return df


# --- the attacks, one by one ---------------------------------------------------------------

def test_differencing_a_collapsed_and_a_full_table() -> None:
    # Full table protected on its own: a and c hidden in both groups (rows and groups
    # each have two hidden cells). The collapsed table shows a + b and c: a comes back.
    full = frame([("klein", "a", None, 15, True), ("klein", "b", 8, 15, False),
                  ("klein", "c", None, 15, True), ("klein", "d", 0, 15, False),
                  ("groot", "a", None, 15, True), ("groot", "b", 5, 15, False),
                  ("groot", "c", None, 15, True), ("groot", "d", 0, 15, False)])
    kort = frame([("klein", "a", 10, 15, False), ("klein", "b", 5, 15, False),
                  ("klein", "c", 0, 15, False), ("groot", "a", 10, 15, False),
                  ("groot", "b", 5, 15, False), ("groot", "c", 0, 15, False)])
    alone = build_ledger({("q02", GV): full}, QUESTIONS, {})
    assert alone.attack(5) == []
    both = build_ledger({("q02", GV): full, ("q02_kort", GV): kort}, QUESTIONS, {},
                        definitions={"q02_kort": KORT})
    recovered = {e.key: (e.low, e.how) for e in both.attack(5)}
    assert recovered[("ct", "q02", GV, "klein", "a")] == (2, "afleidbaar")


def test_non_answers_behind_a_base() -> None:
    # klein has 17 respondents, 15 answered: the 2 non-answers are pinned.
    table = frame([("klein", "a", 5, 15, False), ("klein", "b", 10, 15, False),
                   ("klein", "c", 0, 15, False), ("klein", "d", 0, 15, False),
                   ("groot", "a", 7, 15, False), ("groot", "b", 8, 15, False),
                   ("groot", "c", 0, 15, False), ("groot", "d", 0, 15, False)])
    led = build_ledger({("q02", GV): table}, QUESTIONS, sizes(klein=17, groot=15))
    recovered = {e.key: (e.low, e.how) for e in led.attack(5)}
    assert recovered == {("nonresp", "q02", GV, "klein"): (2, "afleidbaar")}
    assert led.protect(5) == [] and led.attack(5) == []
    assert not led.cells[("base", "q02", GV, "klein")].published


def test_subtraction_from_totals_and_the_masking_rule() -> None:
    counts = pd.Series({"Drenthe": 1, "Flevoland": 0, "Fryslân": 7, "Groningen": 6,
                        "Overig": 33})
    naive = counts.between(1, 4)
    led = Ledger()
    keys = {g: led.cell(("size", GV, g), int(v), not naive[g]) for g, v in counts.items()}
    total = led.cell(("size", GV, "Totaal"), int(counts.sum()), True, sensitive=False)
    led.relate({**{k: 1.0 for k in keys.values()}, total: -1.0})
    assert [e.how for e in led.attack(5)] == ["afleidbaar"]  # 47 - 0 - 7 - 6 - 33 = 1
    hidden = hidden_group_sizes(counts)
    assert hidden.sum() >= 2 and counts[hidden].sum() >= 5 and not hidden["Flevoland"]
    for g, key in keys.items():
        led.cells[key].published = not hidden[g]
    assert led.attack(5) == []


def test_a_group_that_answered_alike_is_not_shown() -> None:
    table = frame([("klein", "a", 0, 10, False), ("klein", "b", 10, 10, False),
                   ("klein", "c", 0, 10, False), ("klein", "d", 0, 10, False),
                   ("groot", "a", 6, 12, False), ("groot", "b", 6, 12, False),
                   ("groot", "c", 0, 12, False), ("groot", "d", 0, 12, False)])
    led = build_ledger({("q02", GV): table}, QUESTIONS, {})
    assert [(e.key[3], e.how) for e in led.attack(5)] == [("klein", "groepsonthulling")]
    assert led.protect(5) == [] and led.attack(5) == []


def test_chart_labels_do_not_show_hidden_group_sizes() -> None:
    table = pd.DataFrame({"stratum": ["klein", "middel", "groot"], "population": [60, 180, 100],
                          "population_share": [17.6, 52.9, 29.4],
                          "respondents": pd.array([None, 30, None], dtype="Int64"),
                          "response_share": pd.array([None, 63.8, None], dtype="Float64"),
                          "response_rate": [None, 16.7, None], "suppressed": [True, False, True]})
    fig = representativeness_chart(table, "t", "grootte")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert labels[0] == "klein (x van 60)" and "middel (30 van 180)" in labels
    assert texts.count("x") == 2


# --- release level: the cross-tab chapter protected as a whole ------------------------------

def _scale_frame() -> pd.DataFrame:
    answers = (["Zeer tevreden"] * 2 + ["Tevreden"] * 8 + ["Ontevreden"] * 6
               + ["Zeer tevreden"] * 6 + ["Tevreden"] * 4 + ["Ontevreden"] * 5
               + ["Weet ik niet"] * 1)
    frame_ = single_frame(Q, answers)
    frame_[GV] = pd.Categorical(["klein"] * 16 + ["groot"] * 16,
                                categories=["klein", "groot"], ordered=True)
    return with_derived(frame_, KORT, Q_KORT)


def test_attacker_reading_every_csv_recovers_nothing_after_protection(tmp_path) -> None:
    df = _scale_frame()
    results = {(q, GV): crosstab(df, QUESTIONS[q], GV) for q in QUESTIONS}
    group_sizes = sizes(klein=16, groot=16)
    naive_dir, safe_dir = tmp_path / "naive", tmp_path / "safe"
    for out, res in ((naive_dir, results),
                     (safe_dir, protect_crosstabs(results, QUESTIONS, group_sizes,
                                                  definitions={"q02_kort": KORT})[0])):
        for r in res.values():
            write_crosstab(r, out)
        group_sizes[GV].to_csv(out / "tables" / f"representativiteit_{GV}.csv", index=False)
    before = attack_release(naive_dir, CB, {"q02_kort": Q_KORT}, {"q02_kort": KORT})
    assert before, "tables suppressed one at a time leak through the collapsed table"
    after = attack_release(safe_dir, CB, {"q02_kort": Q_KORT}, {"q02_kort": KORT})
    assert after == []
    led = read_release(safe_dir, CB, {"q02_kort": Q_KORT}, {"q02_kort": KORT})
    assert not led.cells[("ct", "q02", GV, "klein", "a")].published


def test_protect_keeps_every_true_value_consistent() -> None:
    df = _scale_frame()
    results = {(q, GV): crosstab(df, QUESTIONS[q], GV) for q in QUESTIONS}
    protected, led = protect_crosstabs(results, QUESTIONS, sizes(klein=16, groot=16),
                                       definitions={"q02_kort": KORT})
    for key, r in protected.items():
        shown = r.table[~r.table["suppressed"]]
        truth = results[key].counts.set_index(["group", "option"])["count"]
        for _, row in shown.iterrows():
            assert row["count"] == truth[(row["group"], row["option"])]
    assert all(c.reason for _, c in led.suppressed())
    with pytest.raises(KeyError):
        led.relate({("nope",): 1.0})



def test_hidden_base_is_masked_in_display_csv_and_chart(tmp_path) -> None:
    from ido_analysis.analysis.crosstab import display_crosstab
    from ido_analysis.report.charts import stacked_group_chart
    from ido_analysis.report.crosstab_report import csv_frame

    df = _scale_frame()
    result = crosstab(df, Q, GV, min_cell=1)
    table = result.table.assign(base_suppressed=result.table["group"] == "groot")
    result = type(result)(**{**result.__dict__, "table": table})
    wide = display_crosstab(table)
    assert wide.loc["Basis (n)", "groot"] == "x" and wide.loc["Basis (n)", "klein"] == "16"
    csv = csv_frame(result)
    groot = csv[csv["group"] == "groot"]
    assert groot["base"].isna().all() and groot["col_percent"].isna().all()
    fig = stacked_group_chart(table, Q, group_label="grootte")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "groot (n = x)" in labels and "klein (n = 16)" in labels


# --- derived variables that leave options out: the source behind the bases -----------------

FASE = {"name": "q02_fase", "from": "q02", "label": "Fase", "groups": [
    {"label": "tevreden", "options": ["a", "b"]},
    {"label": "ontevreden", "options": ["c"]}]}  # d "Weet ik niet" left out
Q_FASE = derived_question(FASE, CB)
# per group: q02 a, b, c, d (all 47 answered q02)
FASE_TRUTH = {"klein": (3, 4, 3, 0), "middel": (5, 4, 6, 6), "groot": (6, 2, 6, 2)}


def _fase_frequencies() -> pd.DataFrame:
    totals = [sum(v[i] for v in FASE_TRUTH.values()) for i in range(4)]
    return pd.DataFrame({"question": "q02", "option": list("abcd"), "count": totals,
                         "base": sum(totals)})


def test_left_out_option_of_a_derived_variable_is_recovered_from_the_bases() -> None:
    # What the report published (the q17 / netwerkfase case): q02 d = 8 overall, the fase
    # table's bases klein 10 and middel 15, group sizes 10 / 21 / 16. Then d in middel is
    # 21 - 15 = 6, in klein 0, so 2 of the 16 large municipalities answered "Weet ik niet".
    fase = frame([("klein", "a", None, 10, True), ("klein", "b", None, 10, True),
                  ("middel", "a", 9, 15, False), ("middel", "b", 6, 15, False),
                  ("groot", "a", None, None, True), ("groot", "b", None, None, True)])
    fase["base_suppressed"] = fase["group"] == "groot"
    questions = {"q02": Q, "q02_fase": Q_FASE}
    group_sizes = sizes(klein=10, middel=21, groot=16)
    without = build_ledger({("q02_fase", GV): fase}, questions, group_sizes,
                           _fase_frequencies())
    assert without.attack(5) == []  # the link to the source is what gives it away
    led = build_ledger({("q02_fase", GV): fase}, questions, group_sizes, _fase_frequencies(),
                       {"q02_fase": FASE})
    recovered = {e.key: (e.low, e.high, e.how) for e in led.attack(5)}
    assert recovered[("ct", "q02", GV, "groot", "d")] == (2, 2, "afleidbaar")
    assert recovered[("nonresp", "q02_fase", GV, "groot")] == (2, 2, "afleidbaar")
    # the implicit source cells are never published and never listed as suppressions
    assert not led.cells[("ct", "q02", GV, "middel", "d")].published
    assert not any(k[1] == "q02" for k, _ in led.suppressed())


def _fase_frame() -> pd.DataFrame:
    labels = [o.label for o in Q.options]
    answers, groups = [], []
    for g, counts in FASE_TRUTH.items():
        for label, n in zip(labels, counts, strict=True):
            answers += [label] * n
            groups += [g] * n
    df = single_frame(Q, answers)
    df[GV] = pd.Categorical(groups, categories=list(FASE_TRUTH), ordered=True)
    return with_derived(df, FASE, Q_FASE)


def test_protection_hides_what_the_left_out_option_gives_away(tmp_path) -> None:
    df = _fase_frame()
    questions = {"q02": Q, "q02_fase": Q_FASE}
    results = {("q02_fase", GV): crosstab(df, Q_FASE, GV)}
    group_sizes = sizes(klein=10, middel=21, groot=16)
    groups = list(FASE_TRUTH)
    true_source = {("q02", GV): source_frame(df, Q, GV, groups)}
    assert true_source[("q02", GV)].set_index(["group", "option"]).loc[
        ("groot", "d"), "count"] == 2
    protected, led = protect_crosstabs(results, questions, group_sizes, _fase_frequencies(),
                                       {"q02_fase": FASE}, 5, true_source)
    assert led.cells[("ct", "q02", GV, "groot", "d")].value == 2  # checked against the data
    derived = {"q02_fase": Q_FASE}
    for name, res in (("naive", results), ("safe", protected)):
        for r in res.values():
            write_crosstab(r, tmp_path / name)
        group_sizes[GV].to_csv(tmp_path / name / "tables" / f"representativiteit_{GV}.csv",
                               index=False)
        _fase_frequencies().to_csv(tmp_path / name / "tables" / "frequencies.csv",
                                   index=False)
    before = {e.key for e in attack_release(tmp_path / "naive", CB, derived,
                                            {"q02_fase": FASE})}
    assert ("ct", "q02", GV, "groot", "d") in before
    assert attack_release(tmp_path / "safe", CB, derived, {"q02_fase": FASE}) == []
    hidden = [k for k, _ in led.suppressed()]
    assert any(k[0] == "base" for k in hidden)
    assert all(k[1] == "q02_fase" for k in hidden)


def test_grid_item_non_answers_behind_an_item_base() -> None:
    grid = CB["q04"]
    table = frame([(g, o, 6, base, False) for g, base in (("klein", 15), ("groot", 17))
                   for o in ("a", "b", "c")])
    table.loc[(table["group"] == "klein") & (table["option"] == "b"), "base"] = 13
    led = build_ledger({("q04", GV): table}, {"q04": grid}, sizes(klein=15, groot=17))
    recovered = {e.key: (e.low, e.how) for e in led.attack(5)}
    assert recovered == {("nonresp", "q04", GV, "klein", "b"): (2, "afleidbaar")}


def test_source_counts_follow_the_crosstab_merge_of_small_groups() -> None:
    """Groups merged into "Overig" (unordered grouping) hold the same respondents in the
    derived cross-tab and in the true source counts: protection runs (the relations hold on
    the values) instead of failing."""
    df = _fase_frame()
    df[GV] = pd.Categorical(df[GV].astype(str).replace({"klein": "eiland"}).where(
        df.index % 16 != 0, "wad"), categories=["eiland", "middel", "groot", "wad"])
    questions = {"q02": Q, "q02_fase": Q_FASE}
    result = crosstab(df, Q_FASE, GV)
    groups = list(dict.fromkeys(result.table["group"].astype(str)))
    assert "Overig" in groups
    source = source_frame(df, Q, GV, groups, result.groups)
    members = df[GV].astype(str).map(result.groups) == "Overig"
    assert source.loc[source["group"] == "Overig", "base"].iloc[0] == int(members.sum())
    protect_crosstabs({("q02_fase", GV): result}, questions, {}, _fase_frequencies(),
                      {"q02_fase": FASE}, 5, {("q02", GV): source})
