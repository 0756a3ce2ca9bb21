"""The report as one site: pages in publication order, navigation, index of every output.

Contract:
- ``publication_order`` puts the pages in the order of ``report.order`` in ``pipeline.yaml``
  (names of notebooks and of the generated pages ``GENERATED``); pages it does not name follow
  in pipeline order, names of pages that do not exist are skipped.
- ``generated_pages`` computes the pages that are not notebooks: the Samenvatting (from the
  run's tables) and Bijlage 2, the questionnaire (from the codebook); a site has them when
  ``report.order`` names them.
- ``write_site`` (re)writes every page's HTML with the site navigation (index, previous, next),
  the executed notebooks as HTML, the data dictionary and cleaning log as HTML, the Dutch
  spreadsheet variant of every CSV table, the PDFs of the generated pages, and ``index.html``
  listing all of it. It never touches the notebook chapters' PDFs or cached bodies.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ido_analysis.core.stamps import Stamps, digest
from ido_analysis.report import dutch_csv, questionnaire, render, summary
from ido_analysis.report.html_tidy import tidy_tables
from ido_analysis.report.navigation import PageRef, site_nav
from ido_analysis.spec.codebook import Codebook

INDEX = "index.html"
GENERATED = ("samenvatting", "vragenlijst")
DATA_PAGES = (("data_dictionary", "Datawoordenboek"), ("cleaning_log", "Opschoonlog"))
DATA_DIR = "gegevens"
KNOWN_TABLES = {
    "tabellen.xlsx": "Werkboek met alle frequentietabellen (een blad per hoofdstuk, toelichting "
                     "op het eerste blad)",
    "frequencies.csv": "Alle gesloten vragen: aantal, basis, percentage, interval",
    "audit.csv": "Reproductie-audit: elk cijfer uit het rapport naast de herberekening",
    "kruistabellen_toetsen.csv": "Toetsen van de kruistabellen",
}


@dataclass(frozen=True)
class SitePage:
    """One page of the report: file stem, title block data, body fragment, date (ISO)."""

    name: str
    meta: render.ChapterMeta
    body: str
    date: str
    notebook: bool = True


def publication_order(order: Sequence[str] | None, available: Sequence[str]) -> list[str]:
    """Names of ``available`` in the configured order (see the module contract)."""
    wanted = [n for n in (order or []) if n in available]
    return wanted + [n for n in available if n not in wanted]


def generated_pages(codebook: Codebook, tables_dir: Path, respondents: int | None,
                    synthetic: bool, day: dt.date) -> list[SitePage]:
    """The Samenvatting and the questionnaire as pages (synthetic flag as the chapters')."""
    return [
        SitePage("samenvatting", render.ChapterMeta(summary.TITLE, synthetic=synthetic),
                 summary.summary_body(codebook, tables_dir, respondents), day.isoformat(),
                 notebook=False),
        questionnaire_page(codebook, day),
    ]


def questionnaire_page(codebook: Codebook, day: dt.date) -> SitePage:
    """Bijlage 2, the questionnaire: from the codebook alone (so it can be laid out while
    the notebooks run)."""
    meta = render.ChapterMeta(questionnaire.TITLE, source=str(codebook.survey.get("source", "")),
                              synthetic=False)
    return SitePage("vragenlijst", meta, questionnaire.questionnaire_body(codebook),
                    day.isoformat(), notebook=False)


def _ref(page: SitePage | None, prefix: str = "") -> PageRef | None:
    return PageRef(f"{prefix}{page.name}.html", page.meta.title) if page else None


def write_chapter_pages(out: Path, pages: Sequence[SitePage]) -> None:
    """Every page's standalone HTML with links to the index and its neighbours."""
    for i, page in enumerate(pages):
        nav = site_nav(PageRef(INDEX, "Overzicht van het rapport"),
                       _ref(pages[i - 1] if i else None),
                       _ref(pages[i + 1] if i + 1 < len(pages) else None))
        document = render.chapter_html(page.body, page.meta, dt.date.fromisoformat(page.date),
                                       nav)
        (out / f"{page.name}.html").write_text(document, encoding="utf-8")


@functools.cache
def _exporter():
    """One nbconvert exporter for all notebooks (loading its templates is the slow part)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", embed_images=True, anchor_link_text="")


def notebook_html(nb_path: Path, title: str) -> str:
    """An executed notebook as an accessible page: code, outputs, prompts; no scripts."""
    nb = nbformat.read(nb_path, as_version=4)
    body, _ = _exporter().from_notebook_node(nb)
    body = tidy_tables(render._strip_anchor_links(render._strip_scripts(body)))
    nav = site_nav(PageRef("../" + INDEX, "Overzicht van het rapport"), None, None)
    header = (f'<header class="ido-titel"><h1>{html.escape(title)}</h1>'
              '<p class="meta">Uitgevoerde notebook met code en uitvoer</p></header>')
    return render.page(title, header + body, nav)


def markdown_page(text: str, title: str) -> str:
    """A markdown file (data dictionary, cleaning log) as an accessible HTML page."""
    import mistune

    body = mistune.create_markdown(plugins=["table"])(text)
    body = tidy_tables(body.replace("<h1>", "<h2>").replace("</h1>", "</h2>"))
    nav = site_nav(PageRef("../" + INDEX, "Overzicht van het rapport"), None, None)
    return render.page(title, f'<header class="ido-titel"><h1>{html.escape(title)}</h1>'
                              f"</header>{body}", nav)


def write_data_pages(out: Path, processed_dir: Path | None,
                     stamps: Stamps | None = None) -> list[tuple[str, str]]:
    """Copy the data dictionary and cleaning log (md, csv, json) and render them as HTML
    (again only when the markdown changed, per ``stamps``); returns ``(title, href)`` of what
    was written."""
    stamps = stamps or Stamps(None)
    written: list[tuple[str, str]] = []
    if processed_dir is None:
        return written
    target = out / DATA_DIR
    for stem, title in DATA_PAGES:
        md = processed_dir / f"{stem}.md"
        if not md.exists():
            continue
        target.mkdir(exist_ok=True)
        text, page = md.read_text(encoding="utf-8"), target / f"{stem}.html"
        key = digest(text, title)
        if not stamps.current(page.name, key, page):
            page.write_text(markdown_page(text, title), encoding="utf-8")
            stamps.mark(page.name, key)
        written.append((title, f"{DATA_DIR}/{stem}.html"))
        for suffix in (".md", ".csv", ".json"):
            source = processed_dir / f"{stem}{suffix}"
            if source.exists():
                shutil.copyfile(source, target / source.name)
                written.append((f"{title} ({suffix[1:].upper()})", f"{DATA_DIR}/{source.name}"))
    return written


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def _describe(path: Path, codebook: Codebook | None) -> str:
    """Dutch description of an output file, from the codebook where the name is a question."""
    if path.name in KNOWN_TABLES:
        return KNOWN_TABLES[path.name]
    stem = path.stem
    if codebook is not None and stem in codebook.ids:
        question = codebook[stem]
        return f"Vraag {question.number}. {question.label}"
    return stem.replace("_", " ").capitalize()


def _file_list(out: Path, folder: str, pattern: str, codebook: Codebook | None,
               extra: dict[str, str] | None = None) -> str:
    files = sorted((out / folder).glob(pattern), key=lambda p: (p.name not in KNOWN_TABLES,
                                                               p.name))
    items = []
    for path in files:
        href = f"{folder}/{path.name}"
        more = f" ({_link(extra[path.name], 'Nederlandse spreadsheetversie')})" \
            if extra and path.name in extra else ""
        items.append(f"<li>{_link(href, _describe(path, codebook))} "
                     f'<span class="bestand">{html.escape(path.name)}</span>{more}</li>')
    return f"<ul>{''.join(items)}</ul>" if items else "<p>Geen bestanden.</p>"


def index_html(out: Path, report: render.ChapterMeta, facts: Sequence[tuple[str, str]],
               pages: Sequence[SitePage], combined: str, day: dt.date,
               data_links: Sequence[tuple[str, str]], dutch: dict[str, str],
               codebook: Codebook | None, synthetic: bool,
               notes: Sequence[tuple[str, str]] = ()) -> str:
    """The index: run facts, what is missing or failed (``notes``: text and an optional link,
    e.g. the failed notebook), pages in publication order, then every other output.
    ``combined`` empty: no combined report for this run."""
    head = render._title_block(report, day)
    banner = (f'<div class="ido-banner" role="note">{html.escape(render.SYNTHETIC_BANNER)}</div>'
              if synthetic else "")
    fact_list = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    rows = []
    for page in pages:
        links = [_link(f"{page.name}.pdf", "PDF")]
        if page.notebook:
            links.append(_link(f"notebooks/{page.name}.html", "notebook"))
        when = render.dutch_date(dt.date.fromisoformat(page.date))
        rows.append(f"<li>{_link(f'{page.name}.html', page.meta.title)} "
                    f"({', '.join(links)}; {html.escape(when)})</li>")
    notebooks = "".join(
        f"<li>{_link(f'notebooks/{p.name}.html', p.meta.title)} "
        f"({_link(f'notebooks/{p.name}.ipynb', 'ipynb')})</li>" for p in pages if p.notebook)
    data = "".join(f"<li>{_link(href, title)}</li>" for title, href in data_links)
    known = {f"{p.name}.{s}" for p in pages for s in ("html", "pdf")} | {INDEX, combined}
    others = sorted(p.name for p in out.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.name not in known)
    other = "".join(f"<li>{_link(n, n)}</li>" for n in others)
    note_items = "".join(
        f"<li>{_link(href, text) if href else html.escape(text)}</li>" for text, href in notes)
    attention = (f'<h2 id="let-op">Let op</h2><ul class="let-op">{note_items}</ul>'
                 if notes else "")
    report_link = (f"<p>{_link(combined, 'Volledig rapport (PDF)')}</p>" if combined
                   else "<p>Er is geen volledig rapport van deze run.</p>")
    content = (
        head + banner
        + f'<h2 id="run">Over deze run</h2><dl class="feiten">{fact_list}</dl>'
        + attention
        + f'<h2 id="rapport">Rapport</h2>{report_link}'
        + f"<ol>{''.join(rows)}</ol>"
        + '<h2 id="tabellen">Tabellen</h2>'
        + "<p>CSV-bestanden zijn UTF-8 met komma als scheidingsteken en punt als decimaalteken; "
          "elke tabel staat ook in een Nederlandse spreadsheetversie (puntkomma, "
          "decimaalkomma, Nederlandse kolomnamen) in de map tables/nl.</p>"
        + _file_list(out, "tables", "*.*", codebook, dutch)
        + '<h2 id="figuren">Figuren</h2>' + _file_list(out, "figures", "*.png", codebook)
        + f'<h2 id="gegevens">Gegevens</h2><ul>{data}</ul>'
        + f'<h2 id="notebooks">Uitgevoerde notebooks</h2><ul>{notebooks}</ul>'
        + (f'<h2 id="overig">Overige bestanden</h2><ul>{other}</ul>' if other else "")
    )
    return render.page(report.title, content,
                       site_nav(None, None, _ref(pages[0] if pages else None)))


def write_generated_pdfs(out: Path, pages: Iterable[SitePage], cache: Path,
                         stamps: Stamps) -> None:
    """PDF of every generated page (``write_generated_pdf``)."""
    for page in pages:
        if not page.notebook:
            write_generated_pdf(out, page, cache, stamps)


def write_generated_pdf(out: Path, page: SitePage, cache: Path, stamps: Stamps) -> bool:
    """The PDF of a generated page (``out/<name>.pdf``, its unnumbered pages in ``cache``),
    made again only when its HTML changed (``stamps``); True when it was written."""
    from weasyprint import __version__ as engine

    cache.mkdir(parents=True, exist_ok=True)
    document = render.chapter_html(page.body, page.meta, dt.date.fromisoformat(page.date))
    key = digest(document, engine)
    target, pages_pdf = out / f"{page.name}.pdf", cache / f"{page.name}.pages.pdf"
    if stamps.current(f"{page.name}.pdf", key, target, pages_pdf):
        return False
    render.write_pdf(document, target, unnumbered=pages_pdf)
    stamps.mark(f"{page.name}.pdf", key)
    return True


def write_site(out: Path, pages: Sequence[SitePage], report: render.ChapterMeta,
               facts: Sequence[tuple[str, str]], combined: str, day: dt.date,
               processed_dir: Path | None, codebook: Codebook | None,
               cache: Path | None = None, notes: Sequence[tuple[str, str]] = (),
               stamps: Stamps | None = None) -> None:
    """Write everything the module contract names, ``index.html`` last. Generated PDFs,
    data pages and Dutch tables whose sources did not change since ``stamps`` recorded them
    are left as they are (default: everything is written)."""
    stamps = stamps or Stamps(None)
    write_chapter_pages(out, pages)
    write_generated_pdfs(out, pages, cache or out / ".pipeline", stamps)
    data_links = write_data_pages(out, processed_dir, stamps)
    dutch = dutch_csv.write_dutch_tables(out / "tables", stamps)
    synthetic = any(p.meta.synthetic for p in pages)
    (out / INDEX).write_text(index_html(out, report, facts, pages, combined, day, data_links,
                                        dutch, codebook, synthetic, notes), encoding="utf-8")


def data_is_synthetic(processed_dir: Path | None) -> bool:
    """True when the cleaned dataset carries the synthetic-data provenance marker."""
    path = processed_dir / "respondents.parquet" if processed_dir else None
    if path is None or not path.exists():
        return False
    import pandas as pd

    from ido_analysis.ingest.provenance import is_synthetic

    try:
        frame = pd.read_parquet(path, columns=["herkomst"])
    except (KeyError, ValueError):
        return False
    return bool(is_synthetic(frame))


def _setting(value: object) -> str:
    """A parameter value as the report shows it: booleans as ja/nee (as they may be given)."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def run_facts(parameters: dict, path_parameters: Sequence[str], respondents: int | None,
              population: int | None, day: dt.date,
              data_sha256: str = "") -> list[tuple[str, str]]:
    """What the title page and the index say about the run: data file (with the start of its
    sha256 when given), n, parameters, date."""
    facts = []
    if parameters.get("raw_path"):
        name = Path(str(parameters["raw_path"])).name
        facts.append(("Databestand", f"{name} (sha256 {data_sha256})" if data_sha256 else name))
    if respondents is not None:
        facts.append(("Respondenten", f"{respondents}" + (f" van {population} gemeenten"
                                                          if population else "")))
    settings = [f"{k} = {_setting(v)}" for k, v in parameters.items()
                if k not in path_parameters]
    if settings:
        facts.append(("Parameters", "; ".join(settings)))
    facts.append(("Datum van de run", render.dutch_date(day)))
    return facts


def build_pages(chapters: Sequence[tuple[str, dict, str]], order: Sequence[str] | None,
                codebook: Codebook, tables_dir: Path, respondents: int | None,
                day: dt.date, synthetic_data: bool = False) -> list[SitePage]:
    """Notebook chapters ``(name, metadata, body)`` plus the generated pages that ``order``
    names, in publication order (``publication_order``). The generated pages carry the
    synthetic-data warning when ``synthetic_data`` or any chapter is marked synthetic."""
    pages = {name: SitePage(name, render.ChapterMeta(meta["title"], meta.get("subtitle", ""),
                                                     meta.get("source", ""),
                                                     bool(meta.get("synthetic"))),
                            body, meta.get("date", day.isoformat()))
             for name, meta, body in chapters}
    synthetic = synthetic_data or any(p.meta.synthetic for p in pages.values())
    for page in generated_pages(codebook, tables_dir, respondents, synthetic, day):
        if page.name in (order or ()):
            pages[page.name] = page
    return [pages[n] for n in publication_order(order, list(pages))]
