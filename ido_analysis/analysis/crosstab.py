"""Cross-tabulation of a closed question by a respondent group, with tests and disclosure control.

Steps (``crosstab``):

1. Respondents who answered the question and have a group value are kept; the number
   without a group value is kept in ``CrosstabResult.excluded``.
2. Groups with fewer than ``min_cell`` answering respondents are merged
   (``disclosure.merge_small_groups``).
3. The long table (``CROSSTAB_COLUMNS``): per group and option the count, the group base,
   ``col_percent`` (share within the group; weighted when weights are given) and
   ``row_percent`` (the group's share of the option's total).
4. Tests on the unweighted counts: single/scale one r x k independence test over all options
   (nonsubstantive ones included: "Weet ik niet" may differ between groups too); scale also a
   rank test on the ordered options only; multiple/grid one 2 x k test per option (chosen or
   not, ja or nee).
5. Small cells are hidden (``disclosure.suppress_small_cells``). Tests are computed before
   hiding; a p-value does not reveal a cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ido_analysis.analysis.disclosure import MIN_CELL, merge_small_groups, suppress_small_cells
from ido_analysis.analysis.stats import (
    ALPHA,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    TestResult,
    independence_test,
    interpret,
    rank_test,
)
from ido_analysis.analysis.tables import Weights, _weight_array, answered_mask, question_table
from ido_analysis.core.formatting import fmt_count, fmt_p_clause, fmt_percent
from ido_analysis.spec.codebook import Codebook, Question
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
    after merging. ``excluded``: answering respondents without a group value.
    """

    table: pd.DataFrame
    test: TestResult | None
    option_tests: dict[str, TestResult] = field(default_factory=dict)
    rank: TestResult | None = None
    sentence: str = ""
    groups: dict[str, str] = field(default_factory=dict)
    excluded: int = 0


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
    w_all = _weight_array(df, weights)
    answered = answered_mask(df, question)
    has_group = df[group_var].notna()
    keep = (answered & has_group).to_numpy()
    excluded = int((answered & ~has_group).sum())
    sub = df.loc[keep]
    w = None if w_all is None else pd.Series(w_all[keep], index=sub.index)
    groups = merge_small_groups(sub[group_var], min_cell)
    if not len(groups.cat.categories):  # nobody answered: one empty group, base 0
        groups = pd.Series(pd.Categorical([], categories=[NO_GROUP]), index=sub.index)
    table = _long_table(sub, question, group_var, groups, w)
    test, option_tests, rank = _tests(table, sub, question, groups, seed, n_resamples)
    table = suppress_small_cells(table, min_cell)
    sentence = _sentence(question, test, option_tests, rank, int(len(sub)))
    return CrosstabResult(table, test, option_tests, rank, sentence,
                          dict(groups.attrs.get("merged", {})), excluded)


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
                     weighted=w is not None)
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


def _tests(table, sub, question, groups, seed, n_resamples):
    counts = _count_matrix(table, question)
    if question.type in ("single", "scale"):
        test = independence_test(counts.to_numpy(), seed=seed, n_resamples=n_resamples)
        rank = _rank(sub, question, groups, seed, n_resamples) if question.is_ordered else None
        return test, {}, rank
    bases = table.pivot(index="option", columns="group", values="base").reindex_like(counts)
    option_tests = {}
    for code in question.codes:
        chosen = counts.loc[code].to_numpy()
        not_chosen = bases.loc[code].to_numpy().astype(int) - chosen
        option_tests[code] = independence_test(np.vstack([chosen, not_chosen]), seed=seed,
                                               n_resamples=n_resamples)
    return None, option_tests, None


def _rank(sub, question, groups, seed, n_resamples) -> TestResult:
    ordered = [o.label for o in question.options if not o.nonsubstantive]
    codes = sub[question.id].astype("object").map({lab: i for i, lab in enumerate(ordered)})
    samples = [codes[(groups == g).to_numpy()].dropna().to_numpy(dtype=float)
               for g in groups.cat.categories]
    return rank_test(samples, seed=seed, n_resamples=n_resamples)


def _sentence(question, test, option_tests, rank, n) -> str:
    if n == 0:
        return "Geen respondent gaf een inhoudelijk antwoord op deze vraag; er is niets te toetsen."
    if test is not None:
        sentence = interpret(test, n)
        if rank is not None and not math.isnan(rank.p_value):
            verdict = "wel" if rank.p_value < ALPHA else "niet"
            sentence += (f" Naar rangorde van de antwoorden (zonder 'weet niet'-opties) "
                         f"verschillen de groepen {verdict} aantoonbaar "
                         f"({fmt_p_clause(rank.p_value)}, {rank.method_nl}).")
        return sentence
    tested = {c: t for c, t in option_tests.items() if not math.isnan(t.p_value)}
    if not tested:
        return f"Bij {fmt_count(n)} respondenten is geen toets mogelijk."
    hits = [c for c, t in tested.items() if t.p_value < ALPHA]
    k = len(tested)
    if not hits:
        return (f"Bij {fmt_count(n)} respondenten verschilt geen van de {k} antwoordopties "
                "statistisch aantoonbaar tussen de groepen (een toets per optie); dat betekent "
                "niet dat er geen verschillen zijn.")
    labels = ", ".join(f"'{question.option(c).label}'" for c in hits)
    return (f"Bij {fmt_count(n)} respondenten verschil{'t' if len(hits) == 1 else 'len'} "
            f"{len(hits)} van de {k} antwoordopties statistisch aantoonbaar tussen de groepen "
            f"({labels}); bij {k} afzonderlijke toetsen kan een enkele uitkomst ook toeval zijn.")


SUPPRESSED_MARK = "x"  # CBS convention for a value kept secret ("geheim")


def display_crosstab(table: pd.DataFrame) -> pd.DataFrame:
    """Wide Dutch display: one row per answer, one column per group, "43% (9)" per cell.

    Hidden cells show ``SUPPRESSED_MARK``; the last row gives each group's base ("Basis
    (n)"; for grids the largest item base).
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
    wide.loc["Basis (n)"] = [fmt_count(b) for b in bases]
    wide.index.name, wide.columns.name = "Antwoord", None
    return wide
