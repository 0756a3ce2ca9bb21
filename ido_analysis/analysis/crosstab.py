"""Cross-tabulation of a closed question by a respondent group, with tests and disclosure control.

Steps (``crosstab``):

1. Respondents who answered the question and have a group value are kept; the number
   without a group value is kept in ``CrosstabResult.excluded``.
2. Groups with fewer than ``min_cell`` answering respondents are merged
   (``disclosure.merge_small_groups``).
3. The long table (``CROSSTAB_COLUMNS``): per group and option the count, the group base,
   ``col_percent`` (share within the group; weighted when weights are given) and
   ``row_percent`` (the group's share of the option's total). With a ``Weighting`` the
   weights are computed on the table's base (``weights.Weighting``).
4. Tests on the unweighted counts, exact where the enumeration fits its budget
   (``analysis.exact``): single/scale one r x k independence test over all options
   (nonsubstantive ones included: "Weet ik niet" may differ between groups too); scale also a
   rank test on the ordered options only, when there are at least three (with two ordered
   options the rank test is the same comparison as the independence test and adds no
   evidence); multiple/grid one 2 x k test per option (chosen or not, ja or nee). Each test
   has its own seed, derived from (seed, question, grouping, option or 'rank'), used only when
   a p-value has to be simulated. ``apply_families`` Holm-adjusts the tests of a declared
   family (``spec.families``) and rewrites the sentences with the adjusted values.
5. Small cells are hidden (``disclosure.suppress_small_cells``). Tests are computed before
   hiding; a p-value does not reveal a cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ido_analysis.analysis.disclosure import MIN_CELL, merge_small_groups, suppress_small_cells
from ido_analysis.analysis.exact import holm, seed_for
from ido_analysis.analysis.stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    TestResult,
    effective_sample_size,
    independence_test,
    interpret,
    p_clause,
    rank_test,
)
from ido_analysis.analysis.tables import Weights, _weight_array, answered_mask, question_table
from ido_analysis.analysis.weights import Weighting
from ido_analysis.core.formatting import fmt_count, fmt_percent
from ido_analysis.spec.codebook import Codebook, Question
from ido_analysis.spec.families import TestFamily
from ido_analysis.spec.survey import POPULATION

NO_GROUP = "Totaal"  # the one group of a cross-tab nobody answered (base 0)
CROSSTAB_COLUMNS = [
    "group_var", "group", "question", "option", "label", "count", "base", "col_percent",
    "row_percent", "suppressed",
]


@dataclass(frozen=True)
class CrosstabResult:
    """A cross-tab with its tests.

    ``test``: the r x k independence test (single/scale), None for multiple/grid, whose tests
    are in ``option_tests`` (option code -> 2 x k test). ``rank``: rank test for scales, else
    None. ``sentence``: plain Dutch interpretation. ``groups``: original group label -> label
    after merging. ``excluded``: answering respondents without a group value. ``n``:
    respondents in the table. ``counts``: the long table before suppression (true counts;
    for the release-level disclosure step, never published).
    """

    table: pd.DataFrame
    test: TestResult | None
    option_tests: dict[str, TestResult] = field(default_factory=dict)
    rank: TestResult | None = None
    sentence: str = ""
    groups: dict[str, str] = field(default_factory=dict)
    excluded: int = 0
    n: int = 0
    counts: pd.DataFrame | None = None


def crosstab(
    df: pd.DataFrame,
    question: Question,
    group_var: str,
    *,
    codebook: Codebook | None = None,
    min_cell: int = MIN_CELL,
    seed: int | None = DEFAULT_SEED,
    weights: Weights = None,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> CrosstabResult:
    """Cross-tab ``question`` by the respondent column ``group_var`` (see module docstring).

    ``codebook`` is accepted for a uniform call signature (and to check that the question
    belongs to it); everything needed is on ``question``.
    """
    if codebook is not None and question.id not in codebook.ids:
        raise KeyError(f"{question.id} is not in the codebook")
    if not question.is_closed:
        raise ValueError(f"{question.id} is an open question; it cannot be cross-tabulated")
    if group_var not in df.columns:
        raise KeyError(f"group variable {group_var!r} is not a column of the data")
    answered = answered_mask(df, question)
    has_group = df[group_var].notna()
    keep = (answered & has_group).to_numpy()
    excluded = int((answered & ~has_group).sum())
    sub = df.loc[keep]
    w = _table_weights(df, sub, keep, weights)
    groups = merge_small_groups(sub[group_var], min_cell)
    if not len(groups.cat.categories):  # nobody answered: one empty group, base 0
        groups = pd.Series(pd.Categorical([], categories=[NO_GROUP]), index=sub.index)
    table = _long_table(sub, question, group_var, groups, w)
    test, option_tests, rank = _tests(table, sub, question, groups,
                                      (seed, question.id, group_var), n_resamples)
    full = table
    table = suppress_small_cells(table, min_cell)
    sentence = sentence_for(question, test, option_tests, rank, int(len(sub)))
    return CrosstabResult(table, test, option_tests, rank, sentence,
                          dict(groups.attrs.get("merged", {})), excluded, int(len(sub)), full)


def _table_weights(df: pd.DataFrame, sub: pd.DataFrame, keep: np.ndarray,
                   weights: Weights) -> pd.Series | None:
    """Weights of the table's base ``sub``: a ``Weighting`` is recomputed on it, so the
    weighted strata of the base match the population; fixed weights are taken as given."""
    if weights is None:
        return None
    if isinstance(weights, Weighting):
        return weights.on(sub)
    return pd.Series(_weight_array(df, weights)[keep], index=sub.index)


def _long_table(sub: pd.DataFrame, question: Question, group_var: str, groups: pd.Series,
                w: pd.Series | None) -> pd.DataFrame:
    parts = []
    for label in groups.cat.categories:
        mask = (groups == label).to_numpy()
        part = question_table(sub.loc[mask], question, population=POPULATION,
                              weights=None if w is None else w.loc[mask])
        parts.append(part.assign(group_var=group_var, group=str(label)))
    long = pd.concat(parts, ignore_index=True)
    # With weights, row_percent is the group's share of the option's weighted total.
    weighted_count = (long["count"].astype(float) if w is None else
                      long["percent"].fillna(0) / 100 * _weight_totals(sub, question, groups, w))
    totals = weighted_count.groupby(long["option"]).transform("sum")
    long["row_percent"] = np.where(totals > 0, 100 * weighted_count / totals.where(totals > 0),
                                   np.nan)
    long["col_percent"] = long["percent"]
    out = long[CROSSTAB_COLUMNS[:-1]].assign(suppressed=False)
    out["count"] = out["count"].astype("Int64")
    out["base"] = out["base"].astype("Int64")
    out.attrs.update(type=question.type, question_text=question.text,
                     question_label=question.label, group_var=group_var,
                     weighted=w is not None,
                     n_eff=None if w is None else effective_sample_size(w.to_numpy()))
    return out


def _weight_totals(sub: pd.DataFrame, question: Question, groups: pd.Series,
                   w: pd.Series) -> pd.Series:
    """Sum of weights over each long-table row's base, in long-table row order."""
    totals = []
    for label in groups.cat.categories:
        mask = (groups == label).to_numpy()
        rows, ww = sub.loc[mask], w.loc[mask]
        if question.type == "grid":
            totals += [float(ww[rows[c].notna()].sum()) for c in question.option_columns()]
        else:
            totals += [float(ww.sum())] * len(question.options)
    return pd.Series(totals)


def _count_matrix(table: pd.DataFrame, question: Question) -> pd.DataFrame:
    """options x groups matrix of unweighted counts (before suppression)."""
    return table.pivot(index="option", columns="group", values="count").reindex(
        index=list(question.codes), columns=list(dict.fromkeys(table["group"]))).astype(int)


def _ordered_options(question: Question) -> list[str]:
    return [o.label for o in question.options if not o.nonsubstantive]


def _tests(table, sub, question, groups, identity, n_resamples):
    counts = _count_matrix(table, question)
    if question.type in ("single", "scale"):
        test = independence_test(counts.to_numpy(), seed=seed_for(*identity),
                                 n_resamples=n_resamples)
        rank = None
        if question.is_ordered and len(_ordered_options(question)) >= 3:
            rank = _rank(sub, question, groups, seed_for(*identity, "rank"), n_resamples)
        return test, {}, rank
    bases = table.pivot(index="option", columns="group", values="base").reindex_like(counts)
    option_tests = {}
    for code in question.codes:
        chosen = counts.loc[code].to_numpy()
        not_chosen = bases.loc[code].to_numpy().astype(int) - chosen
        option_tests[code] = independence_test(np.vstack([chosen, not_chosen]),
                                               seed=seed_for(*identity, code),
                                               n_resamples=n_resamples)
    return None, option_tests, None


def _rank(sub, question, groups, seed, n_resamples) -> TestResult:
    ordered = _ordered_options(question)
    codes = sub[question.id].astype("object").map({lab: i for i, lab in enumerate(ordered)})
    samples = [codes[(groups == g).to_numpy()].dropna().to_numpy(dtype=float)
               for g in groups.cat.categories]
    return rank_test(samples, seed=seed, n_resamples=n_resamples)


def sentence_for(question: Question, test: TestResult | None,
                 option_tests: Mapping[str, TestResult], rank: TestResult | None,
                 n: int) -> str:
    """The Dutch interpretation of a cross-tab's tests (verdicts on ``TestResult.p_used``)."""
    if n == 0:
        return "Geen respondent gaf een inhoudelijk antwoord op deze vraag; er is niets te toetsen."
    if test is not None:
        sentence = interpret(test, n)
        if rank is not None and not math.isnan(rank.p_value):
            verdict = "wel" if rank.significant else "niet"
            sentence += (f" Naar rangorde van de antwoorden (zonder 'weet niet'-opties) "
                         f"verschillen de groepen {verdict} aantoonbaar "
                         f"({p_clause(rank)}, {rank.method_nl}).")
        elif question.is_ordered and len(_ordered_options(question)) == 2:
            sentence += (" Met twee geordende klassen is een rangtoets dezelfde vergelijking "
                         "als deze toets; hij geeft geen extra bewijs en wordt niet getoond.")
        return sentence
    tested = {c: t for c, t in option_tests.items() if not math.isnan(t.p_value)}
    if not tested:
        return f"Bij {fmt_count(n)} respondenten is geen toets mogelijk."
    hits = [c for c, t in tested.items() if t.significant]
    k = len(tested)
    family = next((t for t in tested.values() if t.family), None)
    per = ("een toets per optie" if family is None else
           f"een toets per optie, p-waarden met Holm gecorrigeerd voor "
           f"{fmt_count(family.family_size)} toetsen")
    if not hits:
        return (f"Bij {fmt_count(n)} respondenten verschilt geen van de {k} antwoordopties "
                f"statistisch aantoonbaar tussen de groepen ({per}); dat betekent "
                "niet dat er geen verschillen zijn.")
    labels = ", ".join(f"'{question.option(c).label}'" for c in hits)
    caveat = ("bij {k} afzonderlijke toetsen kan een enkele uitkomst ook toeval zijn"
              if family is None else "de correctie houdt rekening met het aantal toetsen")
    return (f"Bij {fmt_count(n)} respondenten verschil{'t' if len(hits) == 1 else 'len'} "
            f"{len(hits)} van de {k} antwoordopties statistisch aantoonbaar tussen de groepen "
            f"({labels}; {per}); {caveat.format(k=k)}.")


def apply_families(results: Mapping[tuple[str, str], CrosstabResult],
                   families: Sequence[TestFamily],
                   questions: Mapping[str, Question]) -> dict[tuple[str, str], CrosstabResult]:
    """Holm-adjust the tests of every declared family within each grouping.

    ``results`` as from ``crosstab_report.run_crosstabs`` (keys (question id, group_var));
    ``questions`` maps ids to questions (for the sentences). Returns a new mapping in which
    member tests carry ``p_adjusted``, ``family`` and ``family_size`` and the sentences use
    the adjusted values; results outside any family are passed through unchanged. Rank tests
    are not members (they re-read the same table).
    """
    out = dict(results)
    for family in families:
        for group_var in dict.fromkeys(gv for _, gv in results):
            keys = [(q, group_var) for q in family.members if (q, group_var) in results]
            slots = [(key, code) for key in keys for code in _test_slots(results[key])]
            tests = [_slot_test(results[key], code) for key, code in slots]
            adjusted = holm([t.p_value for t in tests])
            size = int(sum(not math.isnan(t.p_value) for t in tests))
            for (key, code), t, p_adj in zip(slots, tests, adjusted, strict=True):
                new = replace(t, p_adjusted=float(p_adj), family=family.name,
                              family_size=size) if not math.isnan(t.p_value) else t
                out[key] = _with_test(out[key], code, new)
            for key in keys:
                r = out[key]
                out[key] = replace(r, sentence=sentence_for(questions[key[0]], r.test,
                                                            r.option_tests, r.rank, r.n))
    return out


def _test_slots(result: CrosstabResult) -> list[str | None]:
    return [None] if result.test is not None else list(result.option_tests)


def _slot_test(result: CrosstabResult, code: str | None) -> TestResult:
    return result.test if code is None else result.option_tests[code]


def _with_test(result: CrosstabResult, code: str | None, test: TestResult) -> CrosstabResult:
    if code is None:
        return replace(result, test=test)
    return replace(result, option_tests={**result.option_tests, code: test})


SUPPRESSED_MARK = "x"  # CBS convention for a value kept secret ("geheim")


def display_crosstab(table: pd.DataFrame) -> pd.DataFrame:
    """Wide Dutch display: one row per answer, one column per group, "43% (9)" per cell.

    Hidden cells show ``SUPPRESSED_MARK``; the last row gives each group's base ("Basis
    (n)"; for grids the largest item base), ``SUPPRESSED_MARK`` when the release-level
    protection hid it (``base_suppressed``).
    """
    def cell(row) -> str:
        if row["suppressed"]:
            return SUPPRESSED_MARK
        return f"{fmt_percent(row['col_percent'])} ({fmt_count(row['count'])})"

    cells = table.assign(_cell=table.apply(cell, axis=1))
    groups = list(dict.fromkeys(table["group"]))
    wide = cells.pivot(index="label", columns="group", values="_cell")
    wide = wide.reindex(index=list(dict.fromkeys(table["label"])), columns=groups)
    bases = table.groupby("group", sort=False)["base"].max().reindex(groups)
    hidden_base = (table.groupby("group", sort=False)["base_suppressed"].any().reindex(groups)
                   if "base_suppressed" in table else pd.Series(False, index=groups))
    wide.loc["Basis (n)"] = [SUPPRESSED_MARK if h else fmt_count(b)
                             for b, h in zip(bases, hidden_base, strict=True)]
    wide.index.name, wide.columns.name = "Antwoord", None
    return wide
