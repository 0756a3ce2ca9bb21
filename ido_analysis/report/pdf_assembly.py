"""Put tagged PDFs together without laying them out again; stamp page numbers (pikepdf/qpdf).

WeasyPrint lays out every chapter once (its chapter PDF, without page numbers). This module
builds the combined report from those already laid-out pages and numbers pages afterwards:

- ``stamp_page_numbers(pdf, first, total, skip)``: "Pagina i van n" in the bottom margin of
  every page after the first ``skip``, drawn by WeasyPrint (same font and style as the report)
  and overlaid as a pagination artefact, so the structure tree stays complete.
- ``merge_tagged(front, parts, title)``: one PDF from a front matter PDF and the parts' PDFs,
  keeping each part's structure tree (one ``Document`` element holding every part's elements,
  a renumbered parent tree), bookmarks, internal links and named destinations (renamed per
  part), and the front's language, viewer preferences and XMP metadata; the title is set.

Inputs are PDFs written by WeasyPrint with tags (``render.PDF_OPTIONS``).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, NameTree, OutlineItem, Pdf, String

from ido_analysis.core.stamps import Stamps, digest

FRONT_PREFIX = "voorwerk-"
# One A4 page per number, the text where the report's bottom margin box would put it. Plain
# blocks, not @page margin boxes: laying out a hundred of them takes a fraction of a second.
STAMP_CSS = """
@page { size: A4; margin: 0; }
html, body { margin: 0; }
p { height: 297mm; margin: 0; padding-top: 284.2mm; box-sizing: border-box; break-after: page;
    text-align: center; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
    font-size: 8pt; line-height: 1; color: #595959; }
p:last-child { break-after: auto; }
"""


def _stamps(first: int, count: int, total: int, stamps: Stamps) -> Pdf:
    """``count`` pages carrying only "Pagina i van total", i counting from ``first``."""
    from weasyprint import HTML
    from weasyprint import __version__ as engine

    numbers = "".join(f"<p>Pagina {i} van {total}</p>" for i in range(first, first + count))
    document = f"<html><head><style>{STAMP_CSS}</style></head><body>{numbers}</body></html>"
    data = stamps.cached_bytes("page-numbers.pdf", digest(document, engine),
                               lambda: HTML(string=document).write_pdf())
    pdf = Pdf.open(io.BytesIO(data))
    if len(pdf.pages) != count:
        raise RuntimeError(f"page-number stamp has {len(pdf.pages)} pages, expected {count}")
    for page in pdf.pages:
        page.contents_coalesce()
        page.obj.Contents = pdf.make_stream(b"/Artifact <</Type /Pagination>> BDC\n"
                                            + page.obj.Contents.read_bytes() + b"\nEMC\n")
    return pdf


def stamp_page_numbers(pdf: Pdf, first: int = 1, total: int | None = None,
                       skip: int = 0, stamps: Stamps | None = None) -> None:
    """Number every page of ``pdf`` after the first ``skip`` ones: "Pagina i van total",
    i = ``first`` on page ``skip``; ``total`` defaults to the last number. ``stamps``: keep
    the laid-out numbers for the next time the same numbers are needed."""
    count = len(pdf.pages) - skip
    if count <= 0:
        return
    total = total if total is not None else first + count - 1
    numbers = _stamps(first, count, total, stamps or Stamps(None))
    for page, stamp in zip(pdf.pages[skip:], numbers.pages, strict=True):
        page.add_overlay(stamp)


def _copy(target: Pdf, value):
    """``value`` of a foreign PDF in ``target`` (indirect objects copied once, by qpdf)."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return target.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copy(target, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: _copy(target, item) for key, item in value.items()})
    return value


def _nums(tree) -> list[tuple[int, object]]:
    """Flat ``(key, value)`` pairs of a number tree (``Nums`` and ``Kids``)."""
    pairs = []
    if "/Nums" in tree:
        nums = tree.Nums
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for kid in tree.get("/Kids", []):
        pairs += _nums(kid)
    return pairs


def _prefixed(value, prefix: str):
    return String(prefix + str(value)) if isinstance(value, (String, str)) else value


class _Merger:
    """State of one merge: the output PDF, its structure root and the counters."""

    def __init__(self) -> None:
        self.pdf = Pdf.new()
        self.root = self.pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.document = self.pdf.make_indirect(Dictionary(
            Type=Name.StructElem, S=Name.Document, K=Array(), P=self.root))
        self.parent_tree: list[tuple[int, object]] = []
        self.annotations: list[tuple[pikepdf.Object, object]] = []
        self.destinations: dict[str, object] = {}
        self.next_page_key = 0
        self.outline: list[OutlineItem] = []

    def add(self, source: Pdf, prefix: str, title: str | None) -> None:
        """Append every page of ``source`` with its structure, links and bookmarks."""
        first = len(self.pdf.pages)
        index = {page.obj.objgen: first + i for i, page in enumerate(source.pages)}
        with warnings.catch_warnings():  # named destinations are copied below
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            self.pdf.pages.extend(source.pages)
        tree = source.Root.get("/StructTreeRoot")
        if tree is not None:
            self._add_structure(tree, first, len(source.pages))
        self._rename_links(first, prefix)
        names = source.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, value in NameTree(names.Dests).items():
                self.destinations[prefix + name] = _copy(self.pdf, value)
        self._add_outline(source, index, first, title)

    def _add_structure(self, tree, first: int, count: int) -> None:
        source_document = tree.K[0] if isinstance(tree.K, Array) else tree.K
        for element in source_document.get("/K", []):
            copied = _copy(self.pdf, element)
            if isinstance(copied, Dictionary) and "/P" in copied:
                copied.P = self.document
            self.document.K.append(copied)
        for key, value in _nums(tree.ParentTree):
            copied = _copy(self.pdf, value)
            if key < count:
                page = self.pdf.pages[first + key].obj
                page.StructParents = self.next_page_key + key
                self.parent_tree.append((self.next_page_key + key, copied))
            else:
                annotation = self._annotation(first, count, key)
                if annotation is not None:
                    self.annotations.append((annotation, copied))
        self.next_page_key += count

    def _annotation(self, first: int, count: int, key: int):
        for page in self.pdf.pages[first:first + count]:
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/StructParent") == key:
                    return annotation
        return None

    def _rename_links(self, first: int, prefix: str) -> None:
        for page in self.pdf.pages[first:]:
            for annotation in page.obj.get("/Annots", []):
                if "/Dest" in annotation:
                    annotation.Dest = _prefixed(annotation.Dest, prefix)
                action = annotation.get("/A")
                if action is not None and action.get("/S") == Name.GoTo and "/D" in action:
                    action.D = _prefixed(action.D, prefix)

    def _add_outline(self, source: Pdf, index: dict, first: int, title: str | None) -> None:
        def convert(item: OutlineItem) -> OutlineItem:
            destination = item.destination
            page = first
            if isinstance(destination, Array) and len(destination):
                page = index.get(destination[0].objgen, first)
            new = OutlineItem(item.title, page)
            new.children.extend(convert(child) for child in item.children)
            return new

        with source.open_outline() as outline:
            items = [convert(item) for item in outline.root]
        if not items and title:
            items = [OutlineItem(title, first)]
        self.outline.extend(items)

    def point(self, name: str, page_index: int) -> None:
        """Make named destination ``name`` open page ``page_index`` (replaces any other)."""
        self.destinations[name] = Array([self.pdf.pages[page_index].obj, Name.Fit])

    def finish(self, front: Pdf, title: str) -> Pdf:
        """Structure root, parent tree, destinations, outline and catalogue entries."""
        nums = Array()
        for key, value in sorted(self.parent_tree, key=lambda kv: kv[0]):
            nums.extend([key, value])
        key = self.next_page_key
        for annotation, value in self.annotations:
            annotation.StructParent = key
            nums.extend([key, value])
            key += 1
        self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=nums))
        self.root.ParentTreeNextKey = key
        self.root.K = Array([self.document])
        catalog = self.pdf.Root
        catalog.StructTreeRoot = self.root
        catalog.MarkInfo = Dictionary(Marked=True)
        for entry in ("/Lang", "/ViewerPreferences", "/Metadata"):
            if entry in front.Root:
                catalog[entry] = _copy(self.pdf, front.Root[entry])
        tree = NameTree.new(self.pdf)
        for name in sorted(self.destinations):
            tree[name] = self.destinations[name]
        catalog.Names = Dictionary(Dests=tree.obj)
        with self.pdf.open_outline() as outline:
            outline.root.extend(self.outline)
        self.pdf.docinfo[Name.Title] = title
        if "/Producer" in front.docinfo:
            self.pdf.docinfo[Name.Producer] = front.docinfo.Producer
        return self.pdf


def merge_tagged(front: Path | bytes, parts: Sequence[tuple[str, Path, str]], title: str
                 ) -> Pdf:
    """The front matter followed by every part ``(prefix, pdf, bookmark title)``; see the
    module docstring. A link of the front to ``#<prefix without its final '-'>`` (an anchor
    the front must hold) opens the part's first page. Returns the PDF (pages can still be
    stamped before saving); the sources stay open until it is saved."""
    front_pdf = Pdf.open(io.BytesIO(front) if isinstance(front, bytes) else front)
    merger = _Merger()
    merger.add(front_pdf, FRONT_PREFIX, None)
    for prefix, path, bookmark in parts:
        start = len(merger.pdf.pages)
        merger.add(Pdf.open(path), prefix, bookmark)
        merger.point(FRONT_PREFIX + prefix.rstrip("-"), start)
    return merger.finish(front_pdf, title)


def page_count(path: Path) -> int:
    """Number of pages of a PDF file."""
    with Pdf.open(path) as pdf:
        return len(pdf.pages)


def number_pages(data: bytes, target: Path) -> None:
    """Write the PDF ``data`` to ``target`` with "Pagina i van n" on every page."""
    with Pdf.open(io.BytesIO(data)) as pdf:
        stamp_page_numbers(pdf)
        pdf.save(target)
