"""Building blocks of the municipality factsheet notebook (``notebooks/gemeente_factsheet.ipynb``).

The notebook holds the parameters and the Dutch narrative; this module loads the data, finds the
respondent and renders the themes of ``references/factsheet.yaml``:

- ``prepare``: processed data, codebook, factsheet definition, the respondent of the requested
  municipality (linked in memory from the raw export, ``ingest.linkage``), its comparison
  group (``analysis.factsheet.comparison_groups``) and the protection of the comparison cells
  (``protection_path``: the file ``ido-analysis factsheets`` computes once per run, see
  ``analysis.factsheet_release``; without it the comparison column is hidden). Loaded inputs
  are kept per kernel, keyed by path and modification time, so a warm kernel renders the next
  factsheet without reloading.
- ``show_intro``, ``show_themes``: Dutch HTML with headings (h2 per theme, h3 per question) and
  tables with a caption and header cells (``scope``), no charts.
- ``factsheet_title``: the title the renderer puts above the factsheet.

Only the respondent's own closed answers and aggregates that pass ``analysis.factsheet``'s
disclosure rules are shown; no open answer, no other municipality.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown, display

from ido_analysis.analysis.disclosure import MIN_CELL
from ido_analysis.analysis.factsheet import comparison_groups, comparison_table
from ido_analysis.analysis.factsheet_release import FactsheetProtection
from ido_analysis.core.formatting import fmt_count, fmt_percent
from ido_analysis.ingest.linkage import Link, find_links, municipality_links
from ido_analysis.spec.codebook import Codebook, Question, load_codebook
from ido_analysis.spec.factsheet import FactsheetSpec, load_factsheet_spec

HIDDEN = "–"
_CACHE: dict[tuple, Any] = {}


@dataclass(frozen=True)
class Factsheet:
    """Everything one factsheet shows, for one respondent."""

    df: pd.DataFrame
    codebook: Codebook
    spec: FactsheetSpec
    link: Link
    groups: pd.Series
    min_cell: int
    protection: FactsheetProtection | None = None

    @property
    def respondent_id(self) -> int:
        return self.link.respondent_id

    @property
    def group_label(self) -> str:
        row = self.df.index[self.df["respondent_id"] == self.respondent_id][0]
        return str(self.groups.loc[row])

    @property
    def group_size(self) -> int:
        return int((self.groups.astype("object") == self.group_label).sum())


def _cached(key: str, path: str | Path, loader):
    """``loader()`` once per (key, path, modification time) in this process."""
    stamp = (key, str(path), os.stat(path).st_mtime_ns) if path else (key, None, None)
    if stamp not in _CACHE:
        _CACHE[stamp] = loader()
    return _CACHE[stamp]


def prepare(processed_dir: str | Path, raw_path: str | Path, gemeente: str,
            reference_path: str | Path | None = None, respondent: int | None = None,
            min_cell: int = MIN_CELL, mapping_path: str | Path | None = None,
            protection_path: str | Path | None = None) -> Factsheet:
    """The factsheet of ``gemeente`` (CBS code or name). ``respondent`` picks one when several
    respondents answered for the same municipality. Raises ``LookupError`` in Dutch when the
    municipality did not respond (or is ambiguous). ``mapping_path``: column mapping of a
    survey-tool export, as for the cleaning step. ``protection_path``: the protection of the
    comparison cells (``FactsheetProtection`` as JSON); ``ValueError`` when it was computed
    for another comparison grouping or threshold."""
    parquet = Path(processed_dir) / "respondents.parquet"
    df = _cached("processed", parquet, lambda: pd.read_parquet(parquet))
    codebook = _cached("codebook", "", load_codebook)
    spec = _cached("spec", "", lambda: load_factsheet_spec(codebook))
    links = _cached("links", raw_path,
                    lambda: municipality_links(raw_path, reference_path, codebook,
                                               mapping_path))
    found = [lk for lk in find_links(links, gemeente)
             if respondent is None or lk.respondent_id == int(respondent)]
    if len(found) != 1:
        reason = "heeft niet gerespondeerd" if not found else "heeft meer respondenten"
        raise LookupError(f"gemeente {gemeente!r} {reason}; geef een andere gemeente op"
                          + ("" if not found else " of kies een respondent"))
    groups = _cached(f"groups-{spec.comparison_column}-{min_cell}", parquet,
                     lambda: comparison_groups(df, spec.comparison_column, min_cell))
    protection = None
    if protection_path:
        protection = _cached("protection", protection_path,
                             lambda: FactsheetProtection.read(protection_path))
        if (protection.column, protection.min_cell) != (spec.comparison_column, int(min_cell)):
            raise ValueError(f"{protection_path}: computed for {protection.column}, "
                             f"min_cell {protection.min_cell}")
    return Factsheet(df, codebook, spec, found[0], groups, int(min_cell), protection)


def factsheet_title(spec: FactsheetSpec, link: Link) -> str:
    """``Terugkoppeling ...: gemeente Veere`` (several municipalities: all of them)."""
    noun = "gemeente" if len(link.names) == 1 else "gemeenten"
    return f"{spec.title}: {noun} {link.label}"


def show_intro(fs: Factsheet) -> None:
    """Who the factsheet is for and what it compares with (a Dutch paragraph)."""
    many = len(fs.link.names) > 1
    who = (f"de gemeenten **{fs.link.label}**, waarvoor één gezamenlijke vragenlijst is "
           "ingevuld" if many else f"de gemeente **{fs.link.label}**")
    size = ("" if fs.protection is None or fs.protection.size_hidden(fs.group_label)
            else f"{fmt_count(fs.group_size)} ")
    text = (f"Deze terugkoppeling is bestemd voor {who}. Per vraag staat het antwoord van uw "
            f"gemeente naast dat van alle {fmt_count(len(fs.df))} respondenten en naast dat "
            f"van de {size}respondenten in uw vergelijkingsgroep (kolom "
            f"*{fs.spec.column_header}*): {fs.spec.comparison_label}, hier de groep "
            f"‘{fs.group_label}’. Uw eigen antwoord telt in beide vergelijkingen mee.")
    if fs.protection is None:
        text += (" De cijfers van de vergelijkingsgroep staan hier niet: ze worden pas "
                 "getoond als ze samen met alle andere terugkoppelingen en het gepubliceerde "
                 "rapport zijn gecontroleerd, en dat gebeurt alleen bij het maken van alle "
                 "terugkoppelingen tegelijk.")
    display(Markdown(text))


def _own_text(question: Question, value: Any) -> str:
    if pd.isna(value):
        return ""
    if question.type == "grid":
        return "ja" if value else "nee"
    if question.type == "multiple":
        return "gekozen" if value else ""
    return "uw antwoord" if value else ""


def _percent(value: Any, hidden: bool) -> str:
    return HIDDEN if hidden else fmt_percent(value)


def _base_text(bases: pd.Series) -> str:
    low, high = int(bases.min()), int(bases.max())
    return fmt_count(low) if low == high else f"{fmt_count(low)}–{fmt_count(high)}"


def _status_note(fs: Factsheet, question: Question, status: str) -> str:
    if status == "niet gevraagd":
        return "Deze vraag is uw gemeente niet gesteld (de vraag volgde op een ander antwoord)."
    if status != "beantwoord":
        return "Uw gemeente heeft deze vraag niet beantwoord."
    return ""


def comparison_html(table: pd.DataFrame, question: Question, group_header: str) -> str:
    """An accessible HTML table (caption, column and row headers) of a comparison table;
    ``group_header`` heads the comparison-group column."""
    e = html.escape
    head = ("<thead><tr><th scope=\"col\">Antwoord</th><th scope=\"col\">Uw gemeente</th>"
            "<th scope=\"col\">Alle respondenten</th>"
            f"<th scope=\"col\">{e(group_header)}</th></tr></thead>")
    rows = [f"<tr><th scope=\"row\">{e(r.label)}</th>"
            f"<td class=\"eigen\">{e(_own_text(question, r.own))}</td>"
            f"<td>{_percent(r.all_percent, r.all_hidden)}</td>"
            f"<td>{_percent(r.group_percent, r.group_hidden)}</td></tr>"
            for r in table.itertuples(index=False)]
    group_n = (HIDDEN if table["group_base_hidden"].any()
               else _base_text(table["group_base"]))
    rows.append("<tr class=\"basis\"><th scope=\"row\">Aantal antwoorden (n)</th><td></td>"
                f"<td>{_base_text(table['all_base'])}</td><td>{group_n}</td></tr>")
    kind = {"multiple": "meer antwoorden mogelijk", "grid": "ja of nee per onderdeel"}
    caption = e(question.text) + (f" ({kind[question.type]})" if question.type in kind else "")
    cols = "<colgroup><col class=\"label\"><col span=\"3\"></colgroup>"
    return (f"<table class=\"ido-factsheet\"><caption>{caption}</caption>{cols}{head}<tbody>"
            + "".join(rows) + "</tbody></table>")


STYLE = """<style>
.fs-vraag { margin: 0 0 .4em; }
.fs-vraag h2 { font-size: 12.5pt; margin: .9em 0 .2em; }
.fs-vraag h2 + p { margin: 0 0 .3em; }
.fs-vraag h3 { margin: .6em 0 .1em; }
.fs-vraag h2 + p, .fs-vraag h3, table.ido-factsheet caption { break-after: avoid; }
table.ido-factsheet { width: 100%; table-layout: fixed; font-size: 8pt; margin: .2em 0; }
table.ido-factsheet caption { caption-side: top; text-align: left; font-size: 8pt;
  color: #333; padding-bottom: .2em; }
table.ido-factsheet th, table.ido-factsheet td { padding: 1px 5px; }
table.ido-factsheet col { width: 16%; }
table.ido-factsheet col.label { width: 52%; }
table.ido-factsheet th[scope=col] { text-align: right; }
table.ido-factsheet th[scope=col]:first-child { text-align: left; }
table.ido-factsheet th[scope=col]:nth-child(2) { text-align: center; }
table.ido-factsheet th[scope=row] { font-weight: normal; background: none; }
table.ido-factsheet td.eigen { font-weight: bold; text-align: center; }
table.ido-factsheet tr.basis th, table.ido-factsheet tr.basis td { color: #555;
  border-bottom: none; }
p.toelichting { font-size: 8pt; color: #555; margin: .1em 0; }
</style>"""


def question_html(fs: Factsheet, question: Question, lead: str = "") -> tuple[str, pd.DataFrame]:
    """One question as a section kept on one page: ``lead`` (the theme heading before the
    first question), h3, table, a note on the own answer."""
    table = comparison_table(fs.df, question, fs.respondent_id, fs.groups, fs.min_cell,
                             protection=fs.protection)
    note = _status_note(fs, question, table.attrs["status"])
    return (f"<section class=\"fs-vraag\">{lead}<h3>{html.escape(question.label)}</h3>"
            + comparison_html(table, question, fs.spec.column_header)
            + (f"<p class=\"toelichting\">{html.escape(note)}</p>" if note else "")
            + "</section>"), table


def show_themes(fs: Factsheet) -> dict[str, pd.DataFrame]:
    """Every theme of the factsheet definition (h2 + introduction) and its questions; returns
    the comparison tables by question id."""
    tables: dict[str, pd.DataFrame] = {}
    for number, theme in enumerate(fs.spec.themes):
        parts = [STYLE] if number == 0 else []
        lead = f"<h2>{html.escape(theme.title)}</h2><p>{html.escape(theme.intro)}</p>"
        for qid in theme.questions:
            part, tables[qid] = question_html(fs, fs.codebook[qid], lead)
            parts.append(part)
            lead = ""
        display(HTML("".join(parts)))
    return tables


INDEX_TITLE = "Terugkoppeling per gemeente"
INDEX_NOTICE = (
    "Vertrouwelijk: elke factsheet noemt een gemeente en toont haar antwoorden. Publiceer deze "
    "map nooit als geheel; stuur elke gemeente alleen haar eigen factsheet.")


def index_html(rows: list[tuple[str, str, str]], day: Any) -> str:
    """Index page of the factsheets folder; ``rows`` holds ``(title, slug, iso_date)``."""
    from ido_analysis.report import render

    e = html.escape
    body = "".join(
        f"<tr><th scope=\"row\">{e(title)}</th>"
        f"<td><a href=\"{e(slug)}.html\">HTML</a></td>"
        f"<td><a href=\"{e(slug)}.pdf\">PDF</a></td><td>{e(when)}</td></tr>"
        for title, slug, when in rows)
    content = (
        f"<header class=\"ido-titel\"><h1>{e(INDEX_TITLE)}</h1>"
        f"<p class=\"meta\">Gegenereerd op {render.dutch_date(day)}; "
        f"{fmt_count(len(rows))} factsheets</p></header>"
        f"<div class=\"ido-banner\" role=\"note\">{e(INDEX_NOTICE)}</div>"
        "<table class=\"index\"><caption>Factsheets per responderende gemeente</caption>"
        "<thead><tr><th scope=\"col\">Factsheet</th><th scope=\"col\">Webpagina</th>"
        "<th scope=\"col\">PDF</th><th scope=\"col\">Datum</th></tr></thead>"
        f"<tbody>{body}</tbody></table>")
    return render.page(INDEX_TITLE, content)
