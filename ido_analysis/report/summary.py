"""The "Samenvatting": key figures per chapter, what the cross-tabs can support, the audit.

Contract: ``summary_body(codebook, tables_dir)`` returns an HTML chapter body computed from the
output tables of the run (``frequencies.csv``, ``kruistabellen_toetsen.csv``, ``audit.csv``
in ``tables_dir``) and the codebook; a table that is missing (a partial run) is named as such,
never replaced by fixed text. Key figure of a closed question: its most chosen substantive
option (for grids: the item most often answered "ja"), with count, base and interval. Nothing
here knows a question: chapters, labels and option kinds come from the codebook.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ido_analysis.analysis.disclosure import MIN_CELL
from ido_analysis.core.formatting import fmt_count, fmt_interval, fmt_percent
from ido_analysis.spec.codebook import Codebook, Question

TITLE = "Samenvatting"
SIGNIFICANCE = 0.05


def _e(text: object) -> str:
    return html.escape(" ".join(str(text).split()))


def _missing(name: str) -> str:
    return (f'<p class="ontbreekt">{_e(name)} ontbreekt in deze run; draai de volledige '
            "pipeline om dit deel te vullen.</p>")


def key_figure(question: Question, rows: pd.DataFrame) -> str | None:
    """One Dutch sentence with the most chosen substantive option of ``question``."""
    skip = {o.code for o in question.options if o.nonsubstantive or o.other}
    rows = rows[~rows["option"].isin(skip)]
    if rows.empty or rows["count"].max() <= 0:
        return None
    top = rows.sort_values(["count", "option"], ascending=[False, True]).iloc[0]
    verb = "noemt het vaakst" if question.type in ("multiple", "grid") else "kiest het vaakst"
    return (f"Vraag {question.number} ({question.label}): {fmt_percent(top['percent'])} "
            f"({fmt_count(top['count'])} van {fmt_count(top['base'])}) {verb} "
            f"'{top['label']}' (interval {fmt_interval(top['ci_low'], top['ci_high'])}).")


def chapter_figures(codebook: Codebook, frequencies: pd.DataFrame) -> str:
    """``h2`` per codebook chapter with closed questions, a list of their key figures."""
    parts = []
    for chapter in codebook.chapters:
        items = []
        for question in codebook.questions:
            if question.chapter != chapter.id or not question.is_closed or question.personal:
                continue
            sentence = key_figure(question, frequencies[frequencies["question"] == question.id])
            if sentence:
                items.append(f"<li>{_e(sentence)}</li>")
        if items:
            parts.append(f'<h3>{_e(chapter.title)}</h3><ul>{"".join(items)}</ul>')
    return "".join(parts)


def _p_value(text: object) -> float | None:
    try:
        return float(str(text).replace(",", "."))
    except ValueError:
        return None


def crosstab_findings(tests: pd.DataFrame) -> str:
    """What the cross-tab tests show and what they cannot support."""
    p_values = [p for p in (_p_value(v) for v in tests["p"]) if p is not None]
    low = sum(p < SIGNIFICANCE for p in p_values)
    bases = pd.to_numeric(tests["n"], errors="coerce").dropna()
    base = (f"n = {fmt_count(bases.min())}" if bases.min() == bases.max()
            else f"n = {fmt_count(bases.min())} tot {fmt_count(bases.max())}")
    expected = str(round(len(p_values) * SIGNIFICANCE, 1)).replace(".", ",")
    return (
        f"<p>Er zijn {fmt_count(len(tests))} kruistabellen getoetst ({base} per toets); "
        f"{fmt_count(low)} daarvan {'geeft' if low == 1 else 'geven'} p &lt; 0,05. Bij "
        f"{fmt_count(len(p_values))} toetsen verwacht je door toeval alleen al ongeveer "
        f"{expected} zulke uitkomsten.</p>"
        "<p>Wat de kruistabellen wel kunnen dragen: grote verschillen tussen brede groepen, "
        "als aanwijzing. Wat ze niet kunnen dragen: uitspraken over kleine groepen, "
        "oorzakelijke verklaringen en kleine verschillen; cellen met minder dan "
        f"{fmt_count(MIN_CELL)} respondenten zijn onderdrukt.</p>")


def audit_findings(audit: pd.DataFrame) -> str:
    """Counts per audit status and the report's own inconsistencies."""
    counts = audit["status"].value_counts()
    listed = "; ".join(f"{fmt_count(n)} {status}" for status, n in counts.items())
    parts = [f"<p>Van de {fmt_count(len(audit))} cijfers uit het rapport: {_e(listed)}.</p>"]
    problems = audit[audit["status"].str.contains("inconsistent", case=False, na=False)]
    if not problems.empty:
        items = "".join(f"<li>{_e(r.id)} ({_e(r.section)}): {_e(r.explanation)}</li>"
                        for r in problems.itertuples(index=False))
        parts.append(f"<p>Inconsistenties in het rapport zelf:</p><ul>{items}</ul>")
    return "".join(parts)


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, keep_default_na=True) if path.exists() else None


def summary_body(codebook: Codebook, tables_dir: str | Path, respondents: int | None = None
                 ) -> str:
    """The Samenvatting as an HTML chapter body (see the module contract)."""
    tables_dir = Path(tables_dir)
    frequencies = _read(tables_dir / "frequencies.csv")
    tests = _read(tables_dir / "kruistabellen_toetsen.csv")
    audit = _read(tables_dir / "audit.csv")
    population = codebook.survey.get("population")
    parts = []
    if respondents is not None and population:
        parts.append(f"<p>{fmt_count(respondents)} van de {fmt_count(population)} gemeenten "
                     f"deden mee ({fmt_percent(100 * respondents / population)}). Alle "
                     "percentages hieronder zijn van wie de vraag beantwoordde, met het "
                     "95%-betrouwbaarheidsinterval.</p>")
    parts.append('<h2 id="samenvatting-kerncijfers">Kerncijfers per hoofdstuk</h2>')
    parts.append(chapter_figures(codebook, frequencies) if frequencies is not None
                 else _missing("frequencies.csv"))
    parts.append('<h2 id="samenvatting-kruistabellen">Wat de kruistabellen kunnen dragen</h2>')
    parts.append(crosstab_findings(tests) if tests is not None and not tests.empty
                 else _missing("kruistabellen_toetsen.csv"))
    parts.append('<h2 id="samenvatting-audit">Wat de audit van het rapport vond</h2>')
    parts.append(audit_findings(audit) if audit is not None and not audit.empty
                 else _missing("audit.csv"))
    return "".join(parts)
