"""Executed notebook -> self-contained HTML chapter -> PDF (WeasyPrint); combined report; index.

Contract:
- Code cell inputs, prompts, stderr output and cells tagged ``injected-parameters``,
  ``parameters`` or ``remove-cell`` are left out; markdown and outputs are kept.
- Title, subtitle, source and the synthetic-data flag come from ``nb.metadata["ido"]``
  (keys ``title``, ``subtitle``, ``source``, ``synthetic``); the title of the pipeline config
  (the publication's numbering, e.g. "Bijlage 3. ...") wins over ``title``, which falls back to
  the first markdown heading, then the file name.
- Accessibility (WCAG 2.1 AA): ``lang="nl"``; a site navigation (index, previous, next) and one
  ``main`` landmark holding the title block, a contents list of the chapter's sections and the
  body; tables tidied by ``report.html_tidy``; images keep the ``alt`` text of their output
  (``charts.alt_text``); wide tables scroll in their own box, never the page.
- The HTML makes no network request: no scripts, images as data URIs, local fonts only, and a
  Content-Security-Policy that forbids anything else. WeasyPrint gets a URL fetcher that refuses
  every non-``data:`` URL, so the PDF cannot fetch anything either.
- When ``synthetic`` is true and the chapter does not already show the notebook's own banner
  (text containing ``synthetische data``), a banner is added at the top.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ido_analysis.report.html_tidy import mark_captions, tidy_tables
from ido_analysis.report.navigation import contents_list, prefix_ids

SYNTHETIC_BANNER = (
    "Let op: deze cijfers komen uit synthetische data, gereconstrueerd uit het "
    "gepubliceerde rapport."
)
HIDDEN_TAGS = frozenset({"injected-parameters", "parameters", "remove-cell"})
_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")
# WeasyPrint's PDF/UA-1 variant: tagged structure (headings, tables with TH, figures with their
# alt text), document title and language in the catalogue, bookmarks from the headings.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}
_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:")

CSS = """
@page { size: A4; margin: 22mm 18mm 20mm 18mm;
  @top-right { content: string(chapter); font-size: 8pt; color: #595959; } }
@page :first { @top-right { content: none; } }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  font-size: 10pt; line-height: 1.45; color: #1a1a1a; }
body { margin: 0 auto; max-width: 62em; padding: 1em; overflow-wrap: break-word; }
a { color: #00345f; text-decoration: underline; }
h1, h2, h3, h4 { color: #00345f; line-height: 1.25; break-after: avoid; }
h1 { font-size: 20pt; string-set: chapter content(); margin: 0 0 .2em; }
h2 { font-size: 14pt; margin-top: 1.4em; }
h3 { font-size: 11.5pt; }
h2, h3, h4, .bijschrift { break-inside: avoid; }
.bijschrift, .met-bijschrift, .met-kop-onderaan { break-after: avoid; }
p, li { orphans: 3; widows: 3; }
li { break-inside: avoid; }
li:nth-last-child(-n+2) { break-before: avoid; }
header.ido-titel { border-bottom: 3px solid #00345f; margin-bottom: 1.2em; padding-bottom: .6em; }
header.ido-titel .ondertitel { font-size: 12pt; color: #333; margin: .2em 0; }
header.ido-titel .meta { font-size: 8.5pt; color: #555; margin: .2em 0; }
.ido-banner { border: 2px solid #b35900; background: #fff3e0; color: #5c2e00; padding: .5em .8em;
  margin: 0 0 1em; font-weight: bold; break-inside: avoid; }
nav.sitenav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .3em 1.2em; padding: 0;
  margin: 0 0 1em; font-size: 9pt; }
nav.hoofdstukinhoud { border-left: 3px solid #ccd6e0; padding: .1em .8em; margin: 0 0 1.2em;
  break-inside: avoid; }
nav.hoofdstukinhoud .navkop { font-weight: bold; margin: .2em 0; }
nav.hoofdstukinhoud ul { margin: .2em 0; padding-left: 1.2em; }
.tabel { max-width: 100%; margin: .6em 0; }
table { border-collapse: collapse; margin: 0; font-size: 8.5pt; table-layout: auto; }
th, td { border-bottom: 1px solid #ccd6e0; padding: 2px 6px; text-align: left;
  vertical-align: top; overflow-wrap: break-word; hyphens: auto; }
th { background: #e8eef4; hyphens: manual; }
.tabel th:not(.num), .tabel td:not(.num) { text-align: left; }
.tabel th.num, .tabel td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
tbody tr:nth-child(-n+2) { break-after: avoid; }
tbody tr:nth-last-child(-n+3) { break-before: avoid; }
thead { display: table-header-group; }
img, svg { max-width: 100%; height: auto; break-inside: avoid; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 8pt;
  font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; margin: .3em 0; }
.output_area, .output_subarea { break-inside: auto; }
.ido-chapter { break-before: page; }
.titelpagina { break-after: page; padding-top: 60mm; }
.titelpagina h1 { font-size: 26pt; string-set: none; }
.titelpagina .ondertitel { font-size: 14pt; color: #333; }
.titelpagina dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
.titelpagina dt { font-weight: bold; }
.titelpagina dd { margin: 0; }
ul.opties { list-style: none; padding-left: 1.2em; }
.vraag { break-inside: avoid-page; }
nav.inhoud ol { list-style: none; padding: 0; }
nav.inhoud li { margin: .35em 0; }
nav.inhoud a { color: inherit; text-decoration: none; }
nav.inhoud a::after { content: leader('.') target-counter(attr(href), page); }
@media print { body { max-width: none; padding: 0; } nav.sitenav { display: none; } }
"""
# Screen only (a separate style element with media="screen": WeasyPrint skips it whole).
SCREEN_CSS = """
.tabel { overflow-x: auto; }
.tabel:focus { outline: 2px solid #00345f; }
@media (max-width: 40em) { body { padding: .5em; } h1 { font-size: 16pt; } }
"""


@dataclass(frozen=True)
class ChapterMeta:
    """What the title block of a chapter shows."""

    title: str
    subtitle: str = ""
    source: str = ""
    synthetic: bool = False


def dutch_date(day: dt.date) -> str:
    """``22 november 2025``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _first_heading(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return None


def notebook_meta(nb: nbformat.NotebookNode, fallback_title: str | None = None,
                  name: str = "notebook") -> ChapterMeta:
    """Read ``nb.metadata["ido"]``; see the module docstring for the fallbacks."""
    ido: dict[str, Any] = dict(nb.metadata.get("ido", {}))
    title = fallback_title or ido.get("title") or _first_heading(nb) or name
    return ChapterMeta(title=str(title), subtitle=str(ido.get("subtitle") or ""),
                       source=str(ido.get("source") or ""),
                       synthetic=bool(ido.get("synthetic", False)))


def _report_view(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` without hidden cells and stderr streams (warnings are not for readers)."""
    view = nbformat.from_dict(nb)
    view.cells = [c for c in view.cells if not HIDDEN_TAGS & set(c.metadata.get("tags", []))]
    for cell in view.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
    return view


def _drop_leading_title(nb: nbformat.NotebookNode, title: str) -> None:
    """Drop a first-markdown ``# heading`` line that repeats the title block (the title may
    add the publication's numbering: "Bijlage 3. Opschonen" repeats "Opschonen")."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        heading = lines[0].lstrip("# ").strip() if lines else ""
        if lines and lines[0].startswith("# ") and heading and title.endswith(heading):
            cell.source = "\n".join(lines[1:])
        return


def render_body(nb: nbformat.NotebookNode, title: str | None = None) -> str:
    """HTML fragment with the chapter's markdown and outputs (no code, no prompts)."""
    from nbconvert import HTMLExporter

    view = _report_view(nb)
    if title:
        _drop_leading_title(view, title)
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True, anchor_link_text="")
    body, _ = exporter.from_notebook_node(view)
    return mark_captions(tidy_tables(_hide_default_index(_strip_anchor_links(
        _strip_scripts(body)))))


def _strip_anchor_links(fragment: str) -> str:
    """Remove nbconvert's empty pilcrow links after headings (links without a name)."""
    return re.sub(r'<a class="anchor-link"[^>]*>\s*</a>', "", fragment)


def _hide_default_index(fragment: str) -> str:
    """Drop pandas' default 0, 1, 2, ... row labels: an artefact of display, not content.

    Only tables whose body rows are labelled exactly 0..n-1 and whose header starts with an
    empty cell are changed; named or meaningful indexes (groups, answers) stay.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(fragment, "html.parser")
    for table in soup.find_all("table", class_="dataframe"):
        rows = table.find("tbody").find_all("tr") if table.find("tbody") else []
        labels = [r.find("th") for r in rows]
        head = table.find("thead")
        header_rows = head.find_all("tr") if head else []
        if (not rows or any(th is None for th in labels) or len(header_rows) != 1
                or [th.get_text() for th in labels] != [str(i) for i in range(len(rows))]):
            continue
        first = header_rows[0].find("th")
        if first is None or first.get_text(strip=True):
            continue
        first.decompose()
        for th in labels:
            th.decompose()
    return str(soup)


def _strip_scripts(fragment: str) -> str:
    """Remove <script> elements (widget state, JS outputs): a report runs no code."""
    return re.sub(r"<script\b.*?</script\s*>", "", fragment, flags=re.DOTALL | re.IGNORECASE)


def _title_block(meta: ChapterMeta, day: dt.date, level: str = "h1") -> str:
    parts = [f'<header class="ido-titel"><{level}>{html.escape(meta.title)}</{level}>']
    if meta.subtitle:
        parts.append(f'<p class="ondertitel">{html.escape(meta.subtitle)}</p>')
    parts.append(f'<p class="meta">Gegenereerd op {dutch_date(day)}</p>')
    if meta.source:
        parts.append(f'<p class="meta">Bron: {html.escape(meta.source)}</p>')
    parts.append("</header>")
    return "".join(parts)


def _banner(meta: ChapterMeta, body: str) -> str:
    if not meta.synthetic or "synthetische data" in body:
        return ""
    return f'<div class="ido-banner" role="note">{html.escape(SYNTHETIC_BANNER)}</div>'


def page(title: str, content: str, nav: str = "") -> str:
    """A complete, self-contained HTML document (Dutch, print CSS, strict CSP): ``nav`` (site
    navigation, outside the main content) and ``content`` inside the one ``main`` landmark."""
    return (
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n"
        f'<style media="screen">{SCREEN_CSS}</style>\n</head>\n'
        f'<body>\n{nav}<main id="inhoud">\n{content}\n</main>\n</body>\n</html>\n'
    )


def chapter_section(body: str, meta: ChapterMeta, day: dt.date, prefix: str = "") -> str:
    """Title block, banner (if needed), contents list and body of one chapter. ``prefix`` is
    put before every id of the body (see ``navigation.prefix_ids``)."""
    if prefix:
        body = prefix_ids(body, prefix)
    return (_title_block(meta, day) + _banner(meta, body)
            + contents_list(body) + body)


def chapter_html(body: str, meta: ChapterMeta, day: dt.date, nav: str = "") -> str:
    """Standalone HTML page of one chapter; ``nav`` is the site navigation (may be empty)."""
    return page(meta.title, chapter_section(body, meta, day), nav)


def title_page(report: ChapterMeta, day: dt.date, facts: Sequence[tuple[str, str]] = (),
               synthetic: bool = False) -> str:
    """Title page of the combined report: title, date, source, run facts, synthetic warning."""
    facts_html = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    return (
        f'<section class="titelpagina"><h1>{html.escape(report.title)}</h1>'
        + (f'<p class="ondertitel">{html.escape(report.subtitle)}</p>' if report.subtitle else "")
        + f"<p>{dutch_date(day)}</p>"
        + (f"<p>Bron: {html.escape(report.source)}</p>" if report.source else "")
        + (f'<div class="ido-banner" role="note">{html.escape(SYNTHETIC_BANNER)}</div>'
           if synthetic else "")
        + (f"<dl>{facts_html}</dl>" if facts else "")
        + "</section>"
    )


_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", flags=re.DOTALL | re.IGNORECASE)


def drop_duplicate_styles(document: str) -> str:
    """Empty every ``<style>`` element whose text reappears in a later one.

    pandas puts the same ``<style scoped>`` block before every DataFrame; WeasyPrint applies
    each copy to the whole document, so matching cost grows with the number of tables. Keeping
    the last copy gives the same cascade (identical rules, and the last copy still comes after
    every rule the earlier ones followed); the emptied elements stay, so selectors that count
    siblings match as before.
    """
    matches = list(_STYLE.finditer(document))
    last = {m.group(2): i for i, m in enumerate(matches)}
    parts, pos = [], 0
    for i, match in enumerate(matches):
        if last[match.group(2)] != i:
            parts.append(document[pos:match.start(2)])
            pos = match.end(2)
    parts.append(document[pos:])
    return "".join(parts)


def layout_pdf(document: str) -> bytes:
    """Lay out an HTML document with WeasyPrint as a tagged PDF without page numbers
    (``PDF_OPTIONS``; no network access; duplicate style blocks dropped first)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=drop_duplicate_styles(document), url_fetcher=fetcher).write_pdf(
        **PDF_OPTIONS)


def write_pdf(document: str, path: Path, unnumbered: Path | None = None) -> None:
    """Render an HTML document to a tagged PDF (PDF/UA-1: structure tags, title, language,
    bookmarks, figure alt text) with "Pagina i van n" in the bottom margin of every page.

    ``unnumbered``: also write the same pages without numbers there (what the combined report
    is assembled from, ``report.combined``). Duplicate style blocks are dropped first
    (``drop_duplicate_styles``: same look, less CSS matching)."""
    from ido_analysis.report.pdf_assembly import number_pages

    data = layout_pdf(document)
    if unnumbered is not None:
        Path(unnumbered).write_bytes(data)
    number_pages(data, Path(path))


def render_notebook(nb_path: Path, fallback_title: str | None = None,
                    day: dt.date | None = None) -> tuple[ChapterMeta, str, str]:
    """Read an executed notebook; return ``(meta, body_fragment, standalone_html)``."""
    nb = nbformat.read(nb_path, as_version=4)
    meta = notebook_meta(nb, fallback_title, name=nb_path.stem)
    body = render_body(nb, meta.title)
    return meta, body, chapter_html(body, meta, day or dt.date.today())
