"""Reproduction audit: every figure of the published-figures register beside its recomputation.

``audit(register, df, codebook)`` returns one row per register entry (``AUDIT_COLUMNS``), in
register order. Each figure is recomputed from the processed dataset with the package's generic
functions, driven only by the register's ``question``/``option``/``kind`` columns:

- ``option_count``: ``tables.question_table``; several options joined by ``;`` count the
  respondents who chose any of them. Base: respondents with ``<qid>_status == 'beantwoord'``.
- ``base``: that same answered count.
- ``n_selected`` / ``mean_selected``: the derived ``n_<qid>`` column (else the sum of the option
  columns) of answering respondents.
- ``ranking``: the most/least chosen substantive option (not "Anders", not "Weet ik niet").
- ``coded_open``: ``analysis.codeframe.coded_counts``; not checkable while it is missing.
- ``other``: a total without a question (respondents, population; a count/base pair is the
  response rate); anything else is not checkable.

Status (``STATUSES``): ``afwijking`` when a recomputed count, base, ranking or mean differs from
what the register expects; else ``inconsistentie in rapport`` when ``register.consistency`` is
False (the printed percentage or caption does not fit the printed counts; the expectation is then
the count/base the reconstruction follows, ``register.inconsistencies``); else
``gereproduceerd``. Approximate figures ("circa tweederde": a percentage no count can produce)
reproduce within ``APPROX_TOLERANCE`` percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from ido_analysis.analysis.recount import any_of, n_chosen
from ido_analysis.analysis.tables import answered_mask, question_table
from ido_analysis.core.files import write_text_atomic
from ido_analysis.core.formatting import fmt_number, is_missing, round_half_up
from ido_analysis.spec.codebook import Codebook, Question
from ido_analysis.spec.register import consistency, implied_count, inconsistencies

REPRODUCED = "gereproduceerd"
INCONSISTENT = "inconsistentie in rapport"
UNCHECKABLE = "niet controleerbaar"
DEVIATION = "afwijking"
STATUSES = (REPRODUCED, INCONSISTENT, UNCHECKABLE, DEVIATION)
APPROX_TOLERANCE = 5.0  # percentage points, for approximate figures only

AUDIT_COLUMNS = [
    "id", "section", "question", "option", "kind", "theme", "quote", "published", "recomputed",
    "status", "explanation", "count_published", "percent_published", "base_published",
    "count_recomputed", "base_recomputed", "percent_recomputed", "consistent",
]


@dataclass(frozen=True)
class Recomputed:
    """A figure recomputed from the data; ``reason`` set means it cannot be checked."""

    count: int | None = None
    base: int | None = None
    text: str = ""
    matches: bool | None = None  # ranking/mean/total: the kind's own comparison
    reason: str | None = None
    remark: str = ""


class _Context:
    """What every recomputation needs: data, codebook, totals, coded counts."""

    def __init__(self, df: pd.DataFrame, codebook: Codebook, population: int,
                 coded: dict[tuple[str, str], int] | None, coded_reason: str | None) -> None:
        self.df, self.codebook, self.population = df, codebook, population
        self.coded, self.coded_reason = coded, coded_reason
        self._tables: dict[str, pd.DataFrame] = {}

    def table(self, question: Question) -> pd.DataFrame:
        if question.id not in self._tables:
            self._tables[question.id] = question_table(self.df, question, population=None)
        return self._tables[question.id]

    def answered(self, question: Question) -> pd.Series:
        return answered_mask(self.df, question)


# ------------------------------------------------------------------------------ text helpers

def _pct(count: int, base: int, decimals: int = 0) -> str:
    return f"{fmt_number(100 * count / base, decimals)}%" if base else "–"


def _fraction_text(count: Any, base: Any, decimals: int = 1) -> str:
    """Recomputed figure: ``"12 van 47 (25,5%)"``."""
    if is_missing(base):
        return str(int(count))
    return f"{int(count)} van {int(base)} ({_pct(int(count), int(base), decimals)})"


def _printed_text(count: Any, base: Any, percent: Any) -> str:
    """Printed figure, only what the report prints: ``"12 van 47 (25%)"``, ``"38% van 47"``,
    ``"24 van 47"``."""
    if is_missing(count):
        return f"{fmt_number(percent)}% van {base}" if not is_missing(base) else ""
    text = str(int(count)) if is_missing(base) else f"{int(count)} van {int(base)}"
    return text if is_missing(percent) else f"{text} ({fmt_number(percent)}%)"


def _options_text(codes: list[str]) -> str:
    return " of ".join(codes)


def published_text(row: dict) -> str:
    """The register's figure as printed, in Dutch (``"12 van 47 (25%)"``, ``"n = 30"``)."""
    kind = row["kind"]
    if kind == "base":
        return f"n = {row['base']}"
    if kind == "ranking":
        word = "meest" if row["measure"] == "most" else "minst"
        return f"{word} gekozen: {_options_text(str(row['option']).split(';'))}"
    if kind == "mean_selected":
        return f"gemiddeld {fmt_number(row['value'], _decimals(row['value']))} gekozen"
    text = _printed_text(row["count"], row["base"], row["percent"])
    if kind == "n_selected":
        text += f"; {row['low']} t/m {row['high']} gekozen"
    if kind == "coded_open":
        text += f"; thema: {_theme_text(row['theme'])}"
    return text


def _theme_text(theme: Any) -> str:
    return str(theme).replace("_", " ")


def _decimals(value: Any) -> int:
    text = repr(float(value))
    return 0 if float(value).is_integer() else len(text.split(".")[1])


# ------------------------------------------------------------------------------ recomputation

def _question(ctx: _Context, row: dict) -> Question:
    return ctx.codebook[str(row["question"])]


def _any_of(ctx: _Context, question: Question, codes: list[str]) -> tuple[int, int]:
    """Respondents (count, base) who chose any of ``codes``."""
    return any_of(ctx.df, question, codes, table=ctx.table(question))


def _option_count(ctx: _Context, row: dict) -> Recomputed:
    count, base = _any_of(ctx, _question(ctx, row), str(row["option"]).split(";"))
    return Recomputed(count, base, _fraction_text(count, base))


def _base(ctx: _Context, row: dict) -> Recomputed:
    base = int(ctx.answered(_question(ctx, row)).sum())
    return Recomputed(None, base, f"n = {base}")


def _n_chosen(ctx: _Context, question: Question) -> pd.Series:
    return n_chosen(ctx.df, question)


def _n_selected(ctx: _Context, row: dict) -> Recomputed:
    n = _n_chosen(ctx, _question(ctx, row))
    count = int(((n >= int(row["low"])) & (n <= int(row["high"]))).sum())
    text = f"{_fraction_text(count, len(n))}; {row['low']} t/m {row['high']} gekozen"
    return Recomputed(count, len(n), text)


def _mean_selected(ctx: _Context, row: dict) -> Recomputed:
    n = _n_chosen(ctx, _question(ctx, row))
    mean = float(n.mean())
    decimals = _decimals(row["value"])
    matches = float(round_half_up(mean, decimals)) == float(row["value"])
    return Recomputed(None, len(n), f"gemiddeld {fmt_number(mean, 2)} gekozen", matches)


def _ranking(ctx: _Context, row: dict) -> Recomputed:
    question = _question(ctx, row)
    # A ranking compares the listed items: "Anders", "Weet ik niet" and exclusive
    # "none of these" options are not items.
    substantive = {o.code for o in question.options
                   if not (o.other or o.nonsubstantive or o.exclusive)}
    table = ctx.table(question)
    table = table[table["option"].isin(substantive)]
    listed = set(str(row["option"]).split(";"))
    inside = table[table["option"].isin(listed)]["count"]
    outside = table[~table["option"].isin(listed)]["count"]
    # every listed option must beat every other item (the register's meaning of a ranking)
    if row["measure"] == "most":
        matches = outside.empty or inside.min() > outside.max()
        extreme = table["count"].max()
    else:
        matches = outside.empty or inside.max() < outside.min()
        extreme = table["count"].min()
    codes = table.loc[table["count"] == extreme, "option"].tolist()
    word = "meest" if row["measure"] == "most" else "minst"
    text = f"{word} gekozen: {_options_text(codes)} ({int(extreme)} keer)"
    if not outside.empty:
        bound = (f"overige hoogstens {int(outside.max())}" if row["measure"] == "most"
                 else f"overige minstens {int(outside.min())}")
        low, high = int(inside.min()), int(inside.max())
        text += f"; genoemd {low if low == high else f'{low}–{high}'} keer, {bound}"
    return Recomputed(None, None, text, bool(matches))


def _parent(codebook: Codebook, column: str) -> Question | None:
    for question in codebook:
        if column == question.id or column in question.text_columns() + question.extra_columns():
            return question
    return None


def _coded_open(ctx: _Context, row: dict) -> Recomputed:
    if ctx.coded is None:
        return Recomputed(reason=f"Gecodeerde open antwoorden: {ctx.coded_reason}")
    count = ctx.coded.get((str(row["question"]), str(row["theme"])), 0)
    parent = _parent(ctx.codebook, str(row["question"]))
    base = None
    if parent is not None and parent.is_closed:
        base = int(ctx.answered(parent).sum())
    elif parent is not None and parent.asked_if is None:
        base = len(ctx.df)
    text = _fraction_text(count, base) if base is not None else str(count)
    return Recomputed(count, base, f"{text}; thema: {_theme_text(row['theme'])}")


def _other(ctx: _Context, row: dict) -> Recomputed:
    if not is_missing(row["question"]) or is_missing(row["count"]):
        return Recomputed(reason="Geen enkelvoudige telling (bijv. een bovengrens over "
                          "meerdere opties); niet automatisch te controleren.")
    respondents = len(ctx.df)
    if not is_missing(row["base"]):
        return Recomputed(respondents, ctx.population,
                          _fraction_text(respondents, ctx.population),
                          remark="respons: respondenten van de uitgenodigde gemeenten")
    totals = {respondents: "aantal respondenten", ctx.population: "aantal uitgenodigde gemeenten"}
    if int(row["count"]) in totals:
        return Recomputed(int(row["count"]), None, str(int(row["count"])), True,
                          remark=totals[int(row["count"])])
    return Recomputed(reason="Geen enquêtecijfer (bijv. het aantal interviews); niet uit de "
                      "data te herleiden.")


_RECOMPUTE = {
    "option_count": _option_count, "base": _base, "n_selected": _n_selected,
    "mean_selected": _mean_selected, "ranking": _ranking, "coded_open": _coded_open,
    "other": _other,
}


# ------------------------------------------------------------------------------ judgement

def _expected(row: dict, implied: Any, flaw: dict | None) -> tuple[Any, Any]:
    """(count, base) the recomputation should give; for a report inconsistency the figures
    the reconstruction follows (counts win over percentages, routing over captions)."""
    if flaw is None:
        return implied, row["base"]
    if row["kind"] == "base":
        return None, int(flaw["other_bases"]) if ";" not in str(flaw["other_bases"]) else None
    return flaw["count_used"], row["base"]


def _mismatches(row: dict, rec: Recomputed, implied: Any, flaw: dict | None) -> list[str]:
    count, base = _expected(row, implied, flaw)
    out = []
    if rec.matches is False:
        out.append(f"verwacht {published_text(row)}, herberekend {rec.text}")
    if not is_missing(count) and rec.count is not None and rec.count != int(count):
        out.append(f"telling {rec.count} in plaats van {int(count)}")
    if not is_missing(base) and rec.base is not None and rec.base != int(base):
        out.append(f"basis {rec.base} in plaats van {int(base)}")
    return out


def _percent_problem(row: dict, rec: Recomputed, implied: Any) -> tuple[str | None, str]:
    """(problem, remark) of the printed percentage against the recomputed count and base."""
    if is_missing(row["percent"]) or rec.count is None or not rec.base:
        return None, ""
    exact = 100 * rec.count / rec.base
    printed = float(row["percent"])
    if is_missing(implied) and is_missing(row["count"]):
        text = (f"benaderend cijfer: herberekend {fmt_number(exact, 1)}%, gedrukt "
                f"{fmt_number(printed)}%")
        if abs(exact - printed) <= APPROX_TOLERANCE:
            return None, f"{text} (binnen {fmt_number(APPROX_TOLERANCE)} procentpunt)"
        return text, ""
    if round_half_up(Fraction(100 * rec.count, rec.base)) != printed:
        return f"percentage {fmt_number(exact, 1)}% in plaats van {fmt_number(printed)}%", ""
    if is_missing(row["count"]):
        return None, (f"alleen percentage gedrukt; {fmt_number(printed)}% van {rec.base} = "
                      f"{rec.count}")
    return None, ""


def inconsistency_text(flaw: dict, recomputed_base: int | None = None) -> str:
    """Dutch explanation of a report inconsistency (a row of ``register.inconsistencies``)."""
    if flaw["kind"] == "base":
        text = (f"Het bijschrift noemt n = {flaw['base']}, maar de overige cijfers van deze vraag "
                f"hebben basis {flaw['other_bases']}")
        if recomputed_base is not None:
            text += f"; de vraag is door {recomputed_base} respondenten beantwoord"
        return text + "."
    used, base = int(flaw["count_used"]), int(flaw["base"])
    claim = (f"{used} van {base} is {fmt_number(flaw['computed_percent'], 1)}% en wordt "
             f"{flaw['rounded_percent']}%, niet {fmt_number(flaw['percent'])}%")
    if is_missing(flaw["count"]):
        return (f"Hetzelfde cijfer staat elders als {used} van {base}; dat is "
                f"{fmt_number(flaw['computed_percent'], 1)}% en wordt {flaw['rounded_percent']}%, "
                f"niet {fmt_number(flaw['percent'])}%.")
    return claim[0].upper() + claim[1:] + "."


def _judge(row: dict, rec: Recomputed, flag: Any, implied: Any,
           flaw: dict | None) -> tuple[str, str]:
    if rec.reason is not None:
        return UNCHECKABLE, rec.reason
    problems = _mismatches(row, rec, implied, flaw)
    remark = rec.remark
    if flaw is None:
        problem, remark_pct = _percent_problem(row, rec, implied)
        problems += [problem] if problem else []
        remark = "; ".join(r for r in (remark, remark_pct) if r)
    if problems:
        return DEVIATION, "Herberekend wijkt af: " + "; ".join(problems) + "."
    if flag is False:
        return INCONSISTENT, inconsistency_text(flaw, rec.base)
    return REPRODUCED, (remark[0].upper() + remark[1:] + ".") if remark else ""


# ------------------------------------------------------------------------------ coded counts

def _coded_counts(df: pd.DataFrame, codeframe: Any) -> tuple[dict | None, str | None]:
    """{(text column, theme): count} from ``analysis.codeframe``, or (None, reason)."""
    try:
        from ido_analysis.analysis import codeframe as cf_module
    except ImportError:
        return None, "de module ido_analysis.analysis.codeframe ontbreekt nog."
    try:
        frame = codeframe if codeframe is not None else cf_module.load_codeframe()
        counts = cf_module.coded_counts(df, frame)
    except (AttributeError, FileNotFoundError, ValueError) as exc:
        return None, f"het codeerschema is niet beschikbaar ({type(exc).__name__})."
    mapping = _as_mapping(counts)
    columns = {column for column, _ in mapping}
    if columns and not any(_has_text(df[c]) for c in columns if c in df.columns):
        return None, "de dataset bevat in geen van de gecodeerde kolommen open antwoorden."
    return mapping, None


def _has_text(texts: pd.Series) -> bool:
    return bool(texts.astype("string").str.strip().fillna("").ne("").any())


def _as_mapping(counts: Any) -> dict[tuple[str, str], int]:
    if isinstance(counts, pd.Series):
        return {tuple(map(str, k)): int(v) for k, v in counts.items()}
    if isinstance(counts, pd.DataFrame):
        col = next(c for c in ("column", "text_column", "question", "source")
                   if c in counts.columns)
        return {(str(r[col]), str(r["theme"])): int(r["count"])
                for r in counts.to_dict("records")}
    return {tuple(map(str, k)): int(v) for k, v in dict(counts).items()}


# ------------------------------------------------------------------------------ public API

def audit(register: pd.DataFrame, processed_df: pd.DataFrame, codebook: Codebook,
          codeframe: Any = None, population: int | None = None) -> pd.DataFrame:
    """One row per register entry (``AUDIT_COLUMNS``), status and Dutch explanation.

    ``population`` (default ``codebook.survey['population']``) is the number of municipalities
    invited, for the response rate. ``codeframe`` goes to ``codeframe.coded_counts`` (default:
    ``codeframe.load_codeframe()``); without that module coded rows are 'niet controleerbaar'.
    """
    population = int(population if population is not None else codebook.survey["population"])
    coded, coded_reason = ((None, None) if "coded_open" not in set(register["kind"])
                           else _coded_counts(processed_df, codeframe))
    ctx = _Context(processed_df, codebook, population, coded, coded_reason)
    flags, implied = consistency(register), implied_count(register)
    flaws = {r["id"]: r for r in inconsistencies(register).to_dict("records")}
    rows = []
    for i, row in enumerate(register.to_dict("records")):
        flag = None if pd.isna(flags.iloc[i]) else bool(flags.iloc[i])
        rec = _RECOMPUTE[row["kind"]](ctx, row)
        status, explanation = _judge(row, rec, flag, implied.iloc[i], flaws.get(row["id"]))
        rows.append(_audit_row(row, rec, flag, status, explanation))
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS).astype(
        {"count_published": "Int64", "base_published": "Int64", "count_recomputed": "Int64",
         "base_recomputed": "Int64", "percent_published": "Float64",
         "percent_recomputed": "Float64", "consistent": "boolean"})


def _audit_row(row: dict, rec: Recomputed, flag: bool | None, status: str,
               explanation: str) -> dict:
    percent = (round(100 * rec.count / rec.base, 1)
               if rec.count is not None and rec.base else None)
    return {
        "id": row["id"], "section": row["section"],
        "question": "" if is_missing(row["question"]) else row["question"],
        "option": "" if is_missing(row["option"]) else row["option"],
        "kind": row["kind"], "theme": "" if is_missing(row["theme"]) else row["theme"],
        "quote": row["quote"], "published": published_text(row),
        "recomputed": rec.text, "status": status, "explanation": explanation,
        "count_published": row["count"], "percent_published": row["percent"],
        "base_published": row["base"], "count_recomputed": rec.count,
        "base_recomputed": rec.base, "percent_recomputed": percent, "consistent": flag,
    }


def summary(audit_table: pd.DataFrame) -> pd.DataFrame:
    """Number of register figures per status, every status in ``STATUSES`` order (zeros kept).

    Columns ``status`` and ``count``; a last row ``totaal``.
    """
    counts = audit_table["status"].value_counts()
    rows = [{"status": s, "count": int(counts.get(s, 0))} for s in STATUSES]
    unknown = sorted(set(counts.index) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown audit status(es): {unknown}")
    rows.append({"status": "totaal", "count": len(audit_table)})
    return pd.DataFrame(rows)


def report_inconsistencies(audit_table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose printed figures do not add up (``consistent`` False), whatever the status."""
    flagged = audit_table["consistent"].astype("boolean").eq(False).fillna(False)
    return audit_table[flagged.to_numpy(dtype=bool)].reset_index(drop=True)


def _question_text(table: pd.DataFrame) -> pd.Series:
    return (table["question"] + " " + table["option"]).str.strip()


def display_audit(audit_table: pd.DataFrame) -> pd.DataFrame:
    """The full audit for reading: index 'Nr.'; Paragraaf, Vraag (id and option), Gepubliceerd,
    Herberekend, Status. Explanations are in ``display_explanations``."""
    out = pd.DataFrame({
        "Nr.": audit_table["id"], "Paragraaf": audit_table["section"],
        "Vraag": _question_text(audit_table), "Gepubliceerd": audit_table["published"],
        "Herberekend": audit_table["recomputed"], "Status": audit_table["status"],
    })
    return out.set_index("Nr.")


def display_explanations(audit_table: pd.DataFrame) -> pd.DataFrame:
    """Rows with an explanation: index 'Nr.', columns Status and Toelichting."""
    rows = audit_table[audit_table["explanation"] != ""]
    return pd.DataFrame({"Nr.": rows["id"], "Status": rows["status"],
                         "Toelichting": rows["explanation"]}).set_index("Nr.")


def display_summary(summary_table: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with Dutch headers, indexed by status."""
    out = summary_table.rename(columns={"status": "Status", "count": "Aantal cijfers"})
    return out.set_index("Status")


def display_inconsistencies(audit_table: pd.DataFrame) -> pd.DataFrame:
    """``report_inconsistencies`` for reading: index 'Nr.'; section, quote, explanation."""
    rows = report_inconsistencies(audit_table)
    return pd.DataFrame({"Nr.": rows["id"], "Paragraaf": rows["section"],
                         "Citaat uit het rapport": rows["quote"],
                         "Toelichting": rows["explanation"]}).set_index("Nr.")


def uncheckable_reasons(audit_table: pd.DataFrame) -> pd.DataFrame:
    """Why figures could not be checked: one row per explanation with the count and the ids."""
    rows = audit_table[audit_table["status"] == UNCHECKABLE]
    grouped = rows.groupby("explanation", sort=False)["id"]
    return pd.DataFrame({
        "Reden": list(grouped.groups),
        "Aantal cijfers": [len(ids) for _, ids in grouped],
        "Nrs.": [", ".join(ids) for _, ids in grouped],
    }).set_index("Reden")


def conclusion_text(audit_table: pd.DataFrame, synthetic: bool) -> str:
    """Dutch paragraph (markdown) on what the audit shows, for synthetic or real data."""
    n = summary(audit_table).set_index("status")["count"]
    totals = (f"Van de {n['totaal']} cijfers in het register zijn er **{n[REPRODUCED]} "
              f"gereproduceerd**, bevatten **{n[INCONSISTENT]} een inconsistentie in het "
              f"rapport**, zijn **{n[UNCHECKABLE]} niet controleerbaar** en "
              + ("wijkt er **geen** af." if n[DEVIATION] == 0
                 else f"wijken er **{n[DEVIATION]} af**."))
    if synthetic:
        meaning = (
            "Deze data zijn synthetisch: ze zijn uit het gepubliceerde rapport gereconstrueerd en "
            "reproduceren de gedrukte aantallen dus per constructie. Op deze data controleert de "
            "audit daarom de verwerking (codeboek, opschoning, tabellen en codeerschema), niet "
            "het rapport. "
            + ("Geen enkel herberekend cijfer wijkt af." if n[DEVIATION] == 0 else
               f"{n[DEVIATION]} herberekende cijfers wijken af: dat wijst op een fout in de "
               "pijplijn of in de reconstructie.")
            + " Op de echte export van de enquête controleert dezelfde audit het rapport: een "
            "afwijking is daar een bevinding over een gepubliceerd cijfer."
        )
    else:
        meaning = (
            "Deze data zijn de export van de enquête. Een afwijking betekent dat de antwoorden "
            "een ander cijfer opleveren dan het rapport drukt; zulke cijfers verdienen een "
            "nadere toelichting van de opstellers."
        )
    flaws = ("De inconsistenties staan los van de data: daar passen de gedrukte percentages of "
             "de basis in een bijschrift niet bij de gedrukte aantallen. De reconstructie volgt "
             "dan de aantallen en de routering van de vragenlijst.")
    return "\n\n".join((totals, meaning, flaws))


def audit_csv_text(audit_table: pd.DataFrame) -> str:
    """``audit.csv`` content: every column of ``AUDIT_COLUMNS``, UTF-8 text with LF endings."""
    return audit_table[AUDIT_COLUMNS].to_csv(index=False, lineterminator="\n")


def write_audit(audit_table: pd.DataFrame, output_dir: str | Path) -> Path:
    """Write ``output_dir/tables/audit.csv`` atomically; return its path."""
    return write_text_atomic(Path(output_dir) / "tables" / "audit.csv",
                             audit_csv_text(audit_table))
