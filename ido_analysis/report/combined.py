"""The combined report assembled from the chapters' already laid-out pages.

Contract: ``write_combined_pdf`` writes one tagged PDF: a title page (title, date, source, run
facts, synthetic-data warning), a contents page with each part's first page number and a
link to it, then the pages of every part's unnumbered PDF (written by ``render.write_pdf``
next to its numbered one) in the given order, with the parts' structure trees, bookmarks (one
per part, the part's own bookmarks under it) and links kept (``pdf_assembly.merge_tagged``).
Every page but the title page is numbered "Pagina i van n" across the whole report. Only the
front matter is laid out here; the parts are never laid out again.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Sequence
from pathlib import Path

from pikepdf import Pdf

from ido_analysis.core.stamps import Stamps, digest
from ido_analysis.report import render
from ido_analysis.report.pdf_assembly import (
    merge_tagged,
    page_count,
    stamp_page_numbers,
)

FRONT_PAGES = 2  # title page and one page of contents, the usual case
FRONT_CSS = """
nav.inhoud a::after { content: none; }
nav.inhoud li .nr::before { content: leader('.') " "; }
nav.inhoud li { display: block; }
.ankers { font-size: 1px; line-height: 0; }
"""


def _front_html(report: render.ChapterMeta, titles: Sequence[tuple[str, str]],
                numbers: Sequence[int], day: dt.date, facts: Sequence[tuple[str, str]],
                synthetic: bool) -> str:
    entries = "".join(f'<li><a href="#{html.escape(name)}">{html.escape(title)}'
                      f'<span class="nr">{number}</span></a></li>'
                      for (name, title), number in zip(titles, numbers, strict=True))
    anchors = "".join(f'<span id="{html.escape(name)}"></span>' for name, _ in titles)
    toc = (f'<nav class="inhoud" aria-label="Inhoud"><h2>Inhoud</h2><ol>{entries}</ol>'
           f'<div class="ankers" aria-hidden="true">{anchors}</div></nav>')
    document = render.page(report.title, render.title_page(report, day, facts, synthetic)
                           + toc)
    return document.replace("</style>", FRONT_CSS + "</style>", 1)


def _front_pdf(document: str, stamps: Stamps) -> bytes:
    from weasyprint import HTML
    from weasyprint import __version__ as engine
    from weasyprint.urls import URLFetcher

    def lay_out() -> bytes:
        fetcher = URLFetcher(allowed_protocols={"data"})
        return HTML(string=document, url_fetcher=fetcher).write_pdf(**render.PDF_OPTIONS)

    return stamps.cached_bytes("front.pdf", digest(document, engine), lay_out)


def write_combined_pdf(report: render.ChapterMeta,
                       parts: Sequence[tuple[str, render.ChapterMeta, Path]], day: dt.date,
                       facts: Sequence[tuple[str, str]], target: Path,
                       stamps: Stamps | None = None) -> None:
    """See the module contract. ``parts`` holds ``(name, meta, unnumbered pdf)`` in order.
    ``stamps``: the front matter and page numbers are laid out again only when they change
    (a narrative edit seldom moves a page)."""
    stamps = stamps or Stamps(None)
    counts = [page_count(path) for _, _, path in parts]
    titles = [(name, meta.title) for name, meta, _ in parts]
    synthetic = any(meta.synthetic for _, meta, _ in parts)
    front_pages, front = FRONT_PAGES, b""
    while True:  # laid out once, unless the contents need more pages than assumed
        starts = [front_pages + 1 + sum(counts[:i]) for i in range(len(counts))]
        front = _front_pdf(_front_html(report, titles, starts, day, facts, synthetic),
                           stamps)
        with Pdf.open(io.BytesIO(front)) as pdf:
            laid_out = len(pdf.pages)
        if laid_out == front_pages:
            break
        front_pages = laid_out
    total = front_pages + sum(counts)
    pdf = merge_tagged(front, [(f"{name}-", path, meta.title) for name, meta, path in parts],
                       report.title)
    stamp_page_numbers(pdf, first=2, total=total, skip=1, stamps=stamps)
    pdf.save(target)
