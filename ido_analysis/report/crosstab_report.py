"""Glue for the cross-tab chapter: run cross-tabs, write them as CSV, representativeness.

Nothing here knows a question id; the notebook chooses the questions and groupings.

- ``derived_question``: a codebook-like ``Question`` for a grouped variable of
  ``references/derived.yaml`` (e.g. a collapsed scale), so ``crosstab.crosstab`` can use it.
  Its options are the groups in order, coded a, b, c, ...; a group marked
  ``nonsubstantive: true`` is kept out of the ordered part (rank test, diverging colours).
- ``run_crosstabs`` / ``write_crosstab``: every cross-tab lands in
  ``<output_dir>/tables/kruistabel_<question>_<group_var>.csv`` with ``CSV_COLUMNS``; hidden
  cells keep their row with ``suppressed`` True and empty ``count`` and ``col_percent``.
- ``representativeness_table`` / ``write_representativeness``: respondents against all
  municipalities per stratum (``weights.representativeness``) with a total row, written to
  ``<output_dir>/tables/representativiteit_<by>.csv``. Each respondent counts once, in the
  stratum of the municipalities it answered for (size class of their summed population,
  province of the largest; the cleaning rule).
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ido_analysis.analysis.crosstab import (
    SUPPRESSED_MARK,
    CrosstabResult,
    apply_families,
    crosstab,
    display_crosstab,
)
from ido_analysis.analysis.disclosure import MIN_CELL, hidden_group_sizes
from ido_analysis.analysis.exact import EXACT_TABLE_LIMIT
from ido_analysis.analysis.release import protect_crosstabs, source_frame
from ido_analysis.analysis.stats import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    TestResult,
    interpret,
    p_clause,
)
from ido_analysis.analysis.tables import Weights, frequencies, question_table
from ido_analysis.analysis.weights import (
    representativeness,
    representativeness_sampling_test,
    representativeness_test,
)
from ido_analysis.core.formatting import fmt_count, fmt_number, fmt_p, fmt_percent
from ido_analysis.report import alt_text
from ido_analysis.report.charts import (
    BAR_COLOUR,
    FIG_WIDTH,
    NEUTRAL_COLOUR,
    house_style,
    stacked_group_chart,
)
from ido_analysis.report.notebook import show_figure
from ido_analysis.report.release_audit import write_disclosure_report
from ido_analysis.spec.codebook import Codebook, Option, Question
from ido_analysis.spec.derived import Derived, load_derived
from ido_analysis.spec.families import TestFamily, load_families

CSV_COLUMNS = ["group_var", "group", "question", "option", "label", "count", "base",
               "col_percent", "suppressed"]
TOTAL_LABEL = "Totaal"
# Dutch names of the municipality traits used as groupings (not question-specific).
GROUP_VAR_LABELS = {
    "grootteklasse": "gemeentegrootte (CBS, 8 klassen)",
    "grootteklasse_grof": "gemeentegrootte (grof)",
    "provincie": "provincie",
    "provinciegroep": "landsdeel",
}


# --- derived variables as questions ----------------------------------------------------------

def derived_question(definition: Mapping, codebook: Codebook) -> Question:
    """A ``Question`` for one grouped variable of ``derived.yaml`` (keys name, from, label,
    groups[label, options, nonsubstantive]).

    Type, text, chapter and routing come from the source question; options are the groups in
    order with codes a, b, c, ... ValueError when a nonsubstantive group is followed by a
    substantive one (the ordered part of a scale comes first).
    """
    source = codebook[definition["from"]]
    groups = definition["groups"]
    flags = [bool(g.get("nonsubstantive", False)) for g in groups]
    if any(a and not b for a, b in zip(flags, flags[1:], strict=False)):
        raise ValueError(f"{definition['name']}: nonsubstantive groups must come last")
    options = tuple(Option(code=string.ascii_lowercase[i], label=str(g["label"]),
                           nonsubstantive=flag)
                    for i, (g, flag) in enumerate(zip(groups, flags, strict=True)))
    return replace(source, id=str(definition["name"]), number=None,
                   label=str(definition.get("label", definition["name"])), options=options,
                   followups=(), fields=(), defects=())


def derived_questions(codebook: Codebook, derived: Derived | None = None) -> dict[str, Question]:
    """Every grouped variable of ``derived.yaml`` as a ``Question``, by variable name."""
    derived = derived or load_derived(codebook)
    return {str(g["name"]): derived_question(g, codebook) for g in derived.groups}


def lookup(name: str, codebook: Codebook, derived: Mapping[str, Question]) -> Question:
    """The codebook question or derived variable called ``name``; KeyError otherwise."""
    if name in codebook.ids:
        return codebook[name]
    if name in derived:
        return derived[name]
    raise KeyError(f"{name!r} is neither a codebook question nor a derived variable")


# --- running and writing cross-tabs ----------------------------------------------------------

def run_crosstabs(
    df: pd.DataFrame,
    questions: Sequence[Question],
    group_vars: Sequence[str],
    *,
    min_cell: int = MIN_CELL,
    seed: int | None = DEFAULT_SEED,
    weights: Weights = None,
    n_resamples: int = DEFAULT_RESAMPLES,
    families: Sequence[TestFamily] | None = None,
) -> dict[tuple[str, str], CrosstabResult]:
    """Cross-tab every question by every group variable; keys (question id, group_var).

    Tests of a declared family (``families``; None: those of ``references/derived.yaml``)
    are Holm-adjusted within each grouping (``crosstab.apply_families``).
    """
    results = {(q.id, g): crosstab(df, q, g, min_cell=min_cell, seed=seed, weights=weights,
                                   n_resamples=n_resamples)
               for q in questions for g in group_vars}
    families = load_families() if families is None else families
    return apply_families(results, families, {q.id: q for q in questions})


def csv_frame(result: CrosstabResult) -> pd.DataFrame:
    """The cross-tab in ``CSV_COLUMNS``; count and col_percent are empty in suppressed rows.

    A weighted cross-tab adds ``weighted`` (true) and ``n_eff``: Kish's effective n of the
    whole table's base (per group it could tell the size-class mix of a small group).
    """
    table = result.table
    hidden = table["suppressed"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    out = table[CSV_COLUMNS].copy()
    out["count"] = out["count"].astype("Int64").mask(hidden)
    out["col_percent"] = out["col_percent"].astype("Float64").round(2).mask(hidden)
    if "base_suppressed" in table:
        hidden_base = table["base_suppressed"].astype(bool).to_numpy()
        out["base"] = out["base"].astype("Int64").mask(hidden_base)
        out["col_percent"] = out["col_percent"].mask(hidden_base)
    out["suppressed"] = hidden
    if table.attrs.get("weighted"):
        out["weighted"] = True
        out["n_eff"] = round(float(table.attrs["n_eff"]), 1)
    return out


def crosstab_path(output_dir: str | Path, question_id: str, group_var: str) -> Path:
    """``<output_dir>/tables/kruistabel_<question>_<group_var>.csv``."""
    return Path(output_dir) / "tables" / f"kruistabel_{question_id}_{group_var}.csv"


def write_crosstab(result: CrosstabResult, output_dir: str | Path) -> Path:
    """Write one cross-tab as UTF-8 CSV (see ``csv_frame``); returns the path."""
    frame = csv_frame(result)
    path = crosstab_path(output_dir, str(frame["question"].iloc[0]),
                         str(frame["group_var"].iloc[0]))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def write_crosstabs(results: Mapping[tuple[str, str], CrosstabResult],
                    output_dir: str | Path) -> list[Path]:
    """Write every cross-tab of ``run_crosstabs``; returns the paths in order."""
    return [write_crosstab(r, output_dir) for r in results.values()]


def protect_chapter(results: Mapping[tuple[str, str], CrosstabResult], df: pd.DataFrame,
                    reference: pd.DataFrame, codebook: Codebook,
                    questions: Mapping[str, Question], output_dir: str | Path,
                    min_cell: int = MIN_CELL) -> dict[tuple[str, str], CrosstabResult]:
    """Protect every cross-tab the chapter publishes as one release (``analysis.release``).

    The attacker sees the cross-tabs, the group sizes of the representativeness tables (as
    masked by ``representativeness_table``), the overall frequency table and the derived
    variables, with the source questions of the derived variables as unpublished cells
    (their true counts come from ``df``). Cells (and, for non-answer counts, bases) are
    hidden until nothing is recovered; ``<output_dir>/tables/onthulling.csv`` lists every
    hidden cell with its reason. Pass only the cross-tabs that are published.
    """
    groupings = sorted({gv for _, gv in results} | {
        by for by in GROUP_VAR_LABELS if by in df.columns and by in reference.columns})
    sizes = {gv: representativeness_table(df, reference, gv, min_cell) for gv in groupings}
    freq = frequencies(df, codebook)
    definitions = {str(g["name"]): g for g in load_derived(codebook).groups}
    sources = {}
    for (name, gv), result in results.items():
        source = definitions.get(name, {}).get("from")
        if source is not None and source in questions and (source, gv) not in results:
            groups = list(dict.fromkeys(result.table["group"].astype(str)))
            sources[(source, gv)] = source_frame(df, questions[source], gv, groups,
                                                 result.groups)
    protected, ledger = protect_crosstabs(results, questions, sizes, freq, definitions,
                                          min_cell, sources)
    write_disclosure_report(ledger, output_dir)
    return protected


def write_release_tables(df: pd.DataFrame, reference: pd.DataFrame, codebook: Codebook,
                         questions: Sequence[Question], group_vars: Sequence[str],
                         output_dir: str | Path, min_cell: int = MIN_CELL) -> list[Path]:
    """A release as a run writes it, for ``questions`` by ``group_vars``: the cross-tabs
    protected together (``protect_chapter``, with ``tables/onthulling.csv``), the
    representativeness tables of every grouping and ``frequencies.csv``, all under
    ``<output_dir>/tables``. For tests and benchmarks that need a published release without a
    whole run (the chapters write these files themselves)."""
    from ido_analysis.report.outputs import write_frequencies

    by_id = {**{q.id: q for q in codebook}, **{q.id: q for q in questions}}
    results = run_crosstabs(df, list(questions), list(group_vars), min_cell=min_cell,
                            n_resamples=99)
    results = protect_chapter(results, df, reference, codebook, by_id, output_dir, min_cell)
    paths = write_crosstabs(results, output_dir)
    paths += [write_representativeness(representativeness_table(df, reference, by, min_cell),
                                       output_dir)
              for by in GROUP_VAR_LABELS if by in df.columns and by in reference.columns]
    paths.append(write_frequencies(df, codebook, output_dir))
    return paths


# --- test summaries ---------------------------------------------------------------------------

def _overview_row(label: str, group_var: str, test: TestResult | None,
                  rank: TestResult | None = None) -> dict[str, str]:
    def value(t: TestResult | None, attr: str) -> str:
        if t is None or math.isnan(t.p_value):
            return "–"
        v = getattr(t, attr)
        return fmt_p(v) if attr == "p_value" else fmt_number(v, 2)

    adjusted = "–" if test is None or math.isnan(test.p_adjusted) else fmt_p(test.p_adjusted)
    return {"Vraag": label, "Indeling": GROUP_VAR_LABELS.get(group_var, group_var),
            "n": fmt_count(test.n) if test is not None else "–",
            "Toets": test.method_nl if test is not None else "–",
            "p": value(test, "p_value"), "p (Holm)": adjusted,
            "Cramérs V": value(test, "cramers_v"),
            "Rangtoets": rank.method_nl if rank is not None else "–",
            "p (rang)": value(rank, "p_value")}


def overview_of_tests(results: Mapping[tuple[str, str], CrosstabResult],
                      questions: Mapping[str, Question],
                      group_var: str | None = None) -> pd.DataFrame:
    """One row per test (per option for multiple/grid questions), Dutch column names.

    "p (Holm)" is the Holm-adjusted p-value within the test's declared family ("–" outside
    a family). With ``group_var``: only that grouping, indexed by question label, without
    the grouping and method-name columns (a narrow table for display).
    """
    rows = []
    for (qid, gv), res in results.items():
        if group_var is not None and gv != group_var:
            continue
        q = questions[qid]
        if res.test is not None:
            rows.append(_overview_row(q.label, gv, res.test, res.rank))
        for code, t in res.option_tests.items():
            rows.append(_overview_row(f"{q.label}: {q.option(code).label}", gv, t))
    table = pd.DataFrame(rows)
    if group_var is None:
        return table
    return table.drop(columns=["Indeling", "Rangtoets"]).set_index("Vraag")


def tables_label(n_tables: int | None) -> str:
    """Dutch count of the tables with the observed margins; beyond the enumeration budget
    only "more than the budget" is known (``exact.count_tables`` stops counting there)."""
    if n_tables is None:
        return "–"
    if n_tables > EXACT_TABLE_LIMIT:
        return f"meer dan {fmt_count(EXACT_TABLE_LIMIT)}"
    return fmt_count(n_tables)


def details_of_tests(result: CrosstabResult) -> pd.DataFrame:
    """The tests of one single/scale cross-tab as a small Dutch table (method, seed, ...)."""
    rows = []
    for name, t in (("Onafhankelijkheid", result.test), ("Rangorde", result.rank)):
        if t is None:
            continue
        rows.append({"Toets": name, "Methode": t.method_nl,
                     "Toetsgrootheid": fmt_number(t.statistic, 2),
                     "p": fmt_p(t.p_value), "Cramérs V": fmt_number(t.cramers_v, 2),
                     "n": fmt_count(t.n),
                     "Tabellen met dezelfde totalen": tables_label(t.n_tables),
                     "Startwaarde": "–" if t.seed is None else str(t.seed),
                     "Trekkingen": "–" if t.n_resamples is None else fmt_count(t.n_resamples),
                     "Standaardfout p": "–" if not t.se else fmt_number(t.se, 4)})
    return pd.DataFrame(rows).set_index("Toets")


# --- representativeness ---------------------------------------------------------------------

def representativeness_table(df: pd.DataFrame, reference: pd.DataFrame, by: str,
                             min_cell: int = MIN_CELL) -> pd.DataFrame:
    """``weights.representativeness`` plus a final total row (stratum ``TOTAL_LABEL``).

    Respondent counts that may not be shown (``disclosure.hidden_group_sizes``: 1 to
    ``min_cell - 1``, plus what protects them from subtraction) are NA, with their share
    and response rate, and ``suppressed`` True. ``min_cell=1`` shows everything.
    """
    table = representativeness(df, reference, by)
    total = {"stratum": TOTAL_LABEL, "population": int(table["population"].sum()),
             "population_share": 100.0, "respondents": int(table["respondents"].sum()),
             "response_share": 100.0}
    total["response_rate"] = 100 * total["respondents"] / total["population"]
    hidden = hidden_group_sizes(table["respondents"], min_cell)
    table["respondents"] = table["respondents"].astype("Int64").mask(hidden)
    for col in ("response_share", "response_rate"):
        table[col] = table[col].astype("Float64").mask(hidden)
    table["suppressed"] = hidden.to_numpy()
    out = pd.concat([table, pd.DataFrame([{**total, "suppressed": False}])],
                    ignore_index=True)
    out.attrs = dict(table.attrs)
    return out


def display_representativeness(table: pd.DataFrame, stratum_label: str) -> pd.DataFrame:
    """Dutch display of ``representativeness_table``: counts and rounded percentages."""
    return pd.DataFrame({
        stratum_label: table["stratum"].to_numpy(),
        "Gemeenten": table["population"].map(fmt_count),
        "Aandeel gemeenten": table["population_share"].map(fmt_percent),
        "Respondenten": [SUPPRESSED_MARK if h else fmt_count(v) for v, h in
                         zip(table["respondents"], _hidden(table), strict=True)],
        "Aandeel respondenten": table["response_share"].map(fmt_percent),
        "Respons": table["response_rate"].map(fmt_percent),
    }).set_index(stratum_label)


def _hidden(table: pd.DataFrame) -> list[bool]:
    if "suppressed" not in table:
        return [False] * len(table)
    return [bool(v) for v in table["suppressed"].fillna(False)]


def write_representativeness(table: pd.DataFrame, output_dir: str | Path) -> Path:
    """Write to ``<output_dir>/tables/representativiteit_<by>.csv``; returns the path."""
    path = Path(output_dir) / "tables" / f"representativiteit_{table.attrs['by']}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.round(2).to_csv(path, index=False, lineterminator="\n")
    return path


def representativeness_chart(table: pd.DataFrame, title: str, group_label: str) -> Figure:
    """Paired horizontal bars per stratum: share of all municipalities vs share of respondents.

    ``table`` as from ``representativeness`` (a ``TOTAL_LABEL`` row is ignored).
    """
    rows = table[table["stratum"] != TOTAL_LABEL]
    y = np.arange(len(rows))
    with house_style():
        fig = Figure(figsize=(FIG_WIDTH, round(1.4 + 0.42 * len(rows), 2)), layout="constrained")
        ax = fig.add_subplot()
        for offset, col, colour in ((-0.2, "population_share", NEUTRAL_COLOUR),
                                    (0.2, "response_share", BAR_COLOUR)):
            values = rows[col].astype("Float64").fillna(0).to_numpy(dtype=float)
            masked = _hidden(rows) if col == "response_share" else [False] * len(rows)
            ax.barh(y + offset, values, height=0.38, color=colour)
            for yy, v, h in zip(y + offset, values, masked, strict=True):
                ax.text(v + 0.5, yy, SUPPRESSED_MARK if h else fmt_percent(v), va="center",
                        fontsize=7.5)
        ax.set_yticks(y, [f"{s} ({SUPPRESSED_MARK if h else fmt_count(n)} van {fmt_count(p)})"
                          for s, n, p, h in zip(rows["stratum"], rows["respondents"],
                                                rows["population"], _hidden(rows),
                                                strict=True)])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.tick_params(length=0)
        ax.grid(False, axis="y")
        ax.set_xlim(0, max(10.0, float(rows[["population_share", "response_share"]].max().max())
                          * 1.15))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: fmt_percent(x)))
        fig.suptitle(title, x=0.01, ha="left")
        ax.annotate(f"Naar {group_label}; tussen haakjes: respondenten van gemeenten",
                    xy=(0.01, 1.0), xycoords=("figure fraction", "axes fraction"),
                    xytext=(0, 10), textcoords="offset points", ha="left", va="bottom",
                    color="#555555", fontsize=8.5)
        everyone = f"alle {fmt_count(int(rows['population'].sum()))} gemeenten"
        fig.legend(handles=[Patch(facecolor=NEUTRAL_COLOUR, label=everyone),
                            Patch(facecolor=BAR_COLOUR, label="respondenten")],
                   loc="outside lower center", ncols=2)
    setattr(fig, alt_text.ATTRIBUTE, alt_text.paired_bar_text(
        title, group_label,
        [(f"{s} ({fmt_count(n)} van {fmt_count(p)})", a, b) for s, n, p, a, b in
         zip(rows["stratum"], rows["respondents"], rows["population"],
             rows["population_share"], rows["response_share"], strict=True)],
        "alle gemeenten", "respondenten"))
    return fig


# --- weighting ------------------------------------------------------------------------------

def weighting_effect(df: pd.DataFrame, items: Sequence[tuple[Question, str]],
                     weights: pd.Series) -> pd.DataFrame:
    """Unweighted vs weighted percentage of (question, option code) pairs, with n_eff."""
    rows = []
    for q, code in items:
        plain = question_table(df, q).set_index("option").loc[code]
        weighted = question_table(df, q, weights=weights).set_index("option").loc[code]
        rows.append({"Vraag": q.label, "Antwoord": plain["label"],
                     "Basis": fmt_count(plain["base"]),
                     "Ongewogen": fmt_percent(plain["percent"]),
                     "Gewogen": fmt_percent(weighted["percent"]),
                     "Effectieve n (gewogen)": fmt_number(weighted["n_eff"], 1)})
    return pd.DataFrame(rows).set_index("Vraag")


def weights_by_stratum(df: pd.DataFrame, stratum_col: str, weights: pd.Series) -> pd.DataFrame:
    """Respondents and post-stratification weight per stratum (Dutch display)."""
    frame = pd.DataFrame({"stratum": df[stratum_col], "w": weights.reindex(df.index)})
    per = frame.groupby("stratum", observed=True, sort=True)["w"].agg(["size", "first"])
    return pd.DataFrame({"Groep": [str(s) for s in per.index],
                         "Respondenten": [fmt_count(n) for n in per["size"]],
                         "Gewicht": [fmt_number(w, 2) for w in per["first"]]}
                        ).set_index("Groep")


# --- presenting in a notebook ----------------------------------------------------------------

def present(result: CrosstabResult, question: Question, output_dir: str | Path) -> None:
    """Display a cross-tab in a notebook: wide table, 100 % chart (single/scale) or the
    per-option tests (multiple/grid), and the Dutch interpretation with merge notes.

    Writes the CSV (``write_crosstab``) and the chart to
    ``<output_dir>/figures/kruistabel_<question>_<group_var>.png``.
    """
    path = write_crosstab(result, output_dir)
    group_var = str(result.table["group_var"].iloc[0])
    group_label = GROUP_VAR_LABELS.get(group_var, group_var)
    display(display_crosstab(result.table))
    if question.type in ("single", "scale"):
        fig = stacked_group_chart(result.table, question, group_label=group_label)
        show_figure(fig, Path(output_dir) / "figures" / f"{path.stem}.png")
    else:
        tests = overview_of_tests({(question.id, group_var): result}, {question.id: question},
                                  group_var).drop(columns=["p (rang)"])
        tests.index = [question.option(c).label for c in result.option_tests]
        display(tests.rename_axis("Antwoord"))
    display(Markdown(_notes(result)))


def _notes(result: CrosstabResult) -> str:
    notes = [result.sentence]
    merged = sorted({new for old, new in result.groups.items() if old != new})
    if merged:
        notes.append("Samengevoegd wegens te weinig respondenten: "
                     + "; ".join(f"'{m}'" for m in merged) + ".")
    if result.table["suppressed"].any():
        notes.append("x = onderdrukt: de cel telt 1 tot 4 respondenten, de hele groep gaf "
                     "hetzelfde antwoord, of de cel is uit andere gepubliceerde cijfers (ook "
                     "andere tabellen) terug te rekenen.")
    if "base_suppressed" in result.table and result.table["base_suppressed"].any():
        notes.append("Een basis x is verborgen omdat basis en groepsgrootte samen het "
                     "aantal respondenten zonder antwoord zouden verraden; de percentages "
                     "van die groep staan er dan ook niet.")
    if result.excluded:
        notes.append(f"{fmt_count(result.excluded)} respondent(en) zonder groepsgegeven "
                     "zijn niet meegeteld.")
    return " ".join(notes)


def present_representativeness(df: pd.DataFrame, reference: pd.DataFrame, by: str,
                               output_dir: str | Path,
                               seed: int | None = DEFAULT_SEED,
                               min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Display table, chart and goodness-of-fit sentences for ``by``; write the CSV and PNG.

    Returns the (masked) table (``representativeness_table``); the tests use the true
    counts (a p-value does not reveal a cell).
    """
    label = GROUP_VAR_LABELS.get(by, by)
    table = representativeness_table(df, reference, by, min_cell)
    write_representativeness(table, output_dir)
    display(display_representativeness(table, label[:1].upper() + label[1:]))
    fig = representativeness_chart(table, "Respondenten en alle gemeenten", label)
    show_figure(fig, Path(output_dir) / "figures" / f"representativiteit_{by}.png")
    strata = representativeness(df, reference, by)
    test = representativeness_test(strata, seed=seed)
    sampling = representativeness_sampling_test(strata, seed=seed)
    display(Markdown(representativeness_sentences(test, sampling)))
    return table


def representativeness_sentences(multinomial: TestResult, sampling: TestResult) -> str:
    """Dutch: the multinomial verdict, then the test without replacement and one sentence on
    what it can and cannot show."""
    return (f"{interpret(multinomial)} Zonder teruglegging, zoals het werkelijk ging (elke "
            f"gemeente kon maar één keer antwoorden): {p_clause(sampling)} "
            f"({sampling.method_nl}). Deze toets kan alleen laten zien of de verdeling naar "
            "deze indeling door toeval zo kan uitvallen; of de respondenten op andere punten, "
            "zoals betrokkenheid bij het onderwerp, op alle gemeenten lijken, kan hij niet "
            "laten zien.")
