"""Executed notebook -> self-contained HTML chapter -> PDF (WeasyPrint); combined report; index.

Contract:
- Code cell inputs, prompts, stderr output and cells tagged ``injected-parameters``,
  ``parameters`` or ``remove-cell`` are left out; markdown and outputs are kept.
- Title, subtitle, source and the synthetic-data flag come from ``nb.metadata["ido"]``
  (keys ``title``, ``subtitle``, ``source``, ``synthetic``); ``title`` falls back to the
  pipeline config, then the first markdown heading, then the file name.
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

SYNTHETIC_BANNER = (
    "Let op: deze cijfers komen uit synthetische data, gereconstrueerd uit het "
    "gepubliceerde rapport."
)
HIDDEN_TAGS = frozenset({"injected-parameters", "parameters", "remove-cell"})
_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")
_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:")

CSS = """
@page { size: A4; margin: 22mm 18mm 20mm 18mm;
  @top-right { content: string(chapter); font-size: 8pt; color: #666; }
  @bottom-center { content: "Pagina " counter(page) " van " counter(pages);
                   font-size: 8pt; color: #666; } }
@page :first { @top-right { content: none; } }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  font-size: 10pt; line-height: 1.45; color: #1a1a1a; }
body { margin: 0 auto; max-width: 62em; padding: 1em; }
h1, h2, h3, h4 { color: #00345f; line-height: 1.25; break-after: avoid; }
h1 { font-size: 20pt; string-set: chapter content(); margin: 0 0 .2em; }
h2 { font-size: 14pt; margin-top: 1.4em; }
h3 { font-size: 11.5pt; }
.anchor-link { display: none; }
header.ido-titel { border-bottom: 3px solid #00345f; margin-bottom: 1.2em; padding-bottom: .6em; }
header.ido-titel .ondertitel { font-size: 12pt; color: #333; margin: .2em 0; }
header.ido-titel .meta { font-size: 8.5pt; color: #555; margin: .2em 0; }
.ido-banner { border: 2px solid #b35900; background: #fff3e0; color: #5c2e00; padding: .5em .8em;
  margin: 0 0 1em; font-weight: bold; break-inside: avoid; }
table { border-collapse: collapse; max-width: 100%; margin: .6em 0; font-size: 8.5pt;
  table-layout: auto; }
th, td { border-bottom: 1px solid #ccd6e0; padding: 2px 6px; text-align: right;
  vertical-align: top; overflow-wrap: break-word; hyphens: auto; }
th { background: #e8eef4; text-align: left; hyphens: manual; }
td:first-child, th:first-child { text-align: left; }
tr { break-inside: avoid; }
tbody tr:nth-child(-n+2) { break-after: avoid; }
tbody tr:nth-last-child(-n+3) { break-before: avoid; }
thead { display: table-header-group; }
img, svg { max-width: 100%; height: auto; break-inside: avoid; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 8pt;
  font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; margin: .3em 0; }
.output_area, .output_subarea { break-inside: auto; }
.ido-chapter { break-before: page; }
.titelpagina { break-after: page; padding-top: 70mm; }
.titelpagina h1 { font-size: 26pt; string-set: none; }
.titelpagina .ondertitel { font-size: 14pt; color: #333; }
nav.inhoud ol { list-style: none; padding: 0; }
nav.inhoud li { margin: .35em 0; }
nav.inhoud a { color: inherit; text-decoration: none; }
nav.inhoud a::after { content: leader('.') target-counter(attr(href), page); }
table.index td, table.index th { text-align: left; font-size: 10pt; }
@media print { body { max-width: none; padding: 0; } }
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
    title = ido.get("title") or fallback_title or _first_heading(nb) or name
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
    """Drop a first-markdown ``# title`` line that repeats the title block."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        if lines and lines[0].lstrip("# ").strip() == title and lines[0].startswith("# "):
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
    return _hide_default_index(_strip_scripts(body))


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


def page(title: str, content: str) -> str:
    """A complete, self-contained HTML document (Dutch, print CSS, strict CSP)."""
    return (
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{content}\n</body>\n</html>\n"
    )


def chapter_section(body: str, meta: ChapterMeta, day: dt.date) -> str:
    """Title block, banner (if needed) and body of one chapter."""
    return _title_block(meta, day) + _banner(meta, body) + body


def chapter_html(body: str, meta: ChapterMeta, day: dt.date) -> str:
    """Standalone HTML page of one chapter."""
    return page(meta.title, chapter_section(body, meta, day))


def run_block(lines: Sequence[str]) -> str:
    """The run's identity (data file and hash, n, parameters, date) as a small list."""
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<ul class="uitvoering">{items}</ul>'


def combined_html(chapters: list[tuple[str, ChapterMeta, str]], report: ChapterMeta,
                  day: dt.date, run_lines: Sequence[str] = ()) -> str:
    """One document: title page, table of contents with page numbers, then every chapter.

    ``chapters`` holds ``(anchor_id, meta, body)`` in report order; ``run_lines`` describe
    the run (``pipeline.identity.RunInfo.lines``) on the title page.
    """
    title_page = (
        f'<section class="titelpagina"><h1>{html.escape(report.title)}</h1>'
        + (f'<p class="ondertitel">{html.escape(report.subtitle)}</p>' if report.subtitle else "")
        + f"<p>{dutch_date(day)}</p>"
        + (f"<p>Bron: {html.escape(report.source)}</p>" if report.source else "")
        + (f'<div class="ido-banner">{html.escape(SYNTHETIC_BANNER)}</div>'
           if any(m.synthetic for _, m, _ in chapters) else "")
        + run_block(run_lines)
        + "</section>"
    )
    toc = "".join(f'<li><a href="#{cid}">{html.escape(m.title)}</a></li>'
                  for cid, m, _ in chapters)
    nav = f'<nav class="inhoud"><h2>Inhoud</h2><ol>{toc}</ol></nav>'
    sections = "".join(f'<section class="ido-chapter" id="{cid}">'
                       f"{chapter_section(body, meta, day)}</section>"
                       for cid, meta, body in chapters)
    return page(report.title, title_page + nav + sections)


def index_html(report: ChapterMeta, rows: list[tuple[str, str, str]], day: dt.date,
               run_lines: Sequence[str] = ()) -> str:
    """Index page; ``rows`` holds ``(description, relative_href, date_text)`` (an empty href:
    no link); ``run_lines`` describe the run under the title."""
    body = "".join(
        f"<tr><td>{html.escape(desc)}</td><td>"
        + (f'<a href="{html.escape(href)}">{html.escape(href)}</a>' if href else "")
        + f"</td><td>{html.escape(when)}</td></tr>"
        for desc, href, when in rows)
    meta = ChapterMeta(title=report.title, subtitle=report.subtitle, source=report.source)
    table = ('<table class="index"><thead><tr><th>Onderdeel</th><th>Bestand</th>'
             f"<th>Datum</th></tr></thead><tbody>{body}</tbody></table>")
    return page(report.title, _title_block(meta, day) + run_block(run_lines) + table)


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


def write_pdf(document: str, path: Path) -> None:
    """Render an HTML document to PDF with WeasyPrint (no network access). Duplicate style
    blocks are dropped first (``drop_duplicate_styles``: same look, less CSS matching)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    HTML(string=drop_duplicate_styles(document), url_fetcher=fetcher).write_pdf(str(path))


def render_notebook(nb_path: Path, fallback_title: str | None = None,
                    day: dt.date | None = None) -> tuple[ChapterMeta, str, str]:
    """Read an executed notebook; return ``(meta, body_fragment, standalone_html)``."""
    nb = nbformat.read(nb_path, as_version=4)
    meta = notebook_meta(nb, fallback_title, name=nb_path.stem)
    body = render_body(nb, meta.title)
    return meta, body, chapter_html(body, meta, day or dt.date.today())
