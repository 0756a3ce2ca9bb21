"""Put tagged PDFs together without laying them out again; stamp page numbers.

WeasyPrint lays out every chapter once (its chapter PDF, without page numbers). This module
builds the combined report from those already laid-out pages and numbers pages afterwards:

- ``stamp_page_numbers(pdf, first, total)``: "Pagina i van n" in the bottom margin of every
  page, drawn from a small WeasyPrint document (same fonts and style as the report) and marked
  as a pagination artefact, so the structure tree stays complete.
- ``merge_tagged(parts, front)``: one PDF from a front matter PDF and the chapter PDFs, keeping
  each part's structure tree (one ``Document`` element holding every part's elements, a
  renumbered parent tree), its bookmarks (under a bookmark per part), its internal links and
  named destinations (renamed per part), the front's title, language and metadata.

Inputs are PDFs written by WeasyPrint with tags (``render.PDF_OPTIONS``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

FRONT_PREFIX = "voorwerk-"
STAMP_CSS = """
@page { size: A4; margin: 22mm 18mm 20mm 18mm;
  @bottom-center { content: "Pagina " counter(page) " van " NUMBERS_TOTAL;
                   font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
                   font-size: 8pt; color: #595959; } }
html, body { margin: 0; }
div { height: 1px; break-after: page; }
div:last-child { break-after: auto; }
"""


def _stamp_pages(first: int, count: int, total: int) -> list:
    """``count`` pages carrying only "Pagina i van total", i counting from ``first``."""
    from weasyprint import HTML

    css = STAMP_CSS.replace("NUMBERS_TOTAL", f'"{total}"')
    css = f"@page :first {{ counter-reset: page {first}; }}" + css
    document = f"<html><head><style>{css}</style></head><body>{'<div></div>' * count}</body></html>"
    data = HTML(string=document).write_pdf()
    pages = PdfWriter(clone_from=PdfReader(io.BytesIO(data))).pages
    if len(pages) != count:
        raise RuntimeError(f"page-number stamp has {len(pages)} pages, expected {count}")
    return list(pages)


def _as_artifact(page) -> None:
    """Wrap a stamp page's content in a pagination artefact (not part of the structure)."""
    data = page.get_contents().get_data()
    stream = DecodedStreamObject()
    stream.set_data(b"/Artifact <</Type /Pagination>> BDC\n" + data + b"\nEMC\n")
    page.replace_contents(stream)


def stamp_page_numbers(writer: PdfWriter, first: int = 1, total: int | None = None,
                       skip: int = 0) -> None:
    """Number every page of ``writer`` after the first ``skip`` ones (the title page carries no
    number): "Pagina i van total", i = ``first`` for page ``skip``."""
    pages = writer.pages[skip:]
    if not pages:
        return
    total = total if total is not None else first + len(pages) - 1
    for page, stamp in zip(pages, _stamp_pages(first, len(pages), total), strict=True):
        _as_artifact(stamp)
        page.merge_page(stamp)


def _nums(tree: DictionaryObject) -> list[tuple[int, object]]:
    """Flat ``(key, value)`` pairs of a number tree (``Nums`` and ``Kids``)."""
    pairs = []
    nums = tree.get("/Nums")
    if nums is not None:
        nums = nums.get_object()
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for kid in tree.get("/Kids", []):
        pairs += _nums(kid.get_object())
    return pairs


def _names(tree: DictionaryObject) -> list[tuple[str, object]]:
    """Flat ``(name, value)`` pairs of a name tree."""
    pairs = []
    names = tree.get("/Names")
    if names is not None:
        names = names.get_object()
        pairs += [(str(names[i]), names[i + 1]) for i in range(0, len(names), 2)]
    for kid in tree.get("/Kids", []):
        pairs += _names(kid.get_object())
    return pairs


class _Merger:
    """State of one merge: the writer, the new structure root and the counters."""

    def __init__(self, front: PdfReader) -> None:
        self.writer = PdfWriter()
        self.document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"),
                                          NameObject("/S"): NameObject("/Document"),
                                          NameObject("/K"): ArrayObject()})
        self.root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
        self.parent_tree: list[tuple[int, object]] = []
        self.destinations: list[tuple[str, object]] = []
        self.next_page_key = 0
        self.annotation_keys: list[tuple[DictionaryObject, object]] = []
        self.document_ref = self.writer._add_object(self.document)
        self.root_ref = self.writer._add_object(self.root)
        self.document[NameObject("/P")] = self.root_ref

    def add(self, reader: PdfReader, prefix: str, title: str | None) -> None:
        """Append every page of ``reader`` with its structure, links and bookmarks."""
        first_page = len(self.writer.pages)
        catalog = reader.trailer["/Root"]
        tree = catalog.get("/StructTreeRoot")
        translated = self.writer._id_translated.setdefault(id(reader), {})
        source_root = tree.indirect_reference if tree is not None else None
        if tree is not None:
            tree = tree.get_object()
            translated[source_root.idnum] = self.root_ref.idnum
            for element in tree.get("/K", []) if isinstance(tree.get("/K"), ArrayObject) \
                    else [tree["/K"]]:
                translated[element.idnum] = self.document_ref.idnum
        for page in reader.pages:
            self.writer.add_page(page)
        self._rename_links(first_page, prefix)
        if tree is not None:
            self._add_structure(reader, tree, first_page)
        names = catalog.get("/Names")
        if names is not None and "/Dests" in names.get_object():
            for name, value in _names(names.get_object()["/Dests"].get_object()):
                self.destinations.append((prefix + name, value.clone(self.writer)))
        self._add_outline(reader, first_page, title)

    def _rename_links(self, first_page: int, prefix: str) -> None:
        for page in self.writer.pages[first_page:]:
            for annotation in page.get("/Annots", []) or []:
                annotation = annotation.get_object()
                dest = annotation.get("/Dest")
                if isinstance(dest, (TextStringObject, str)):
                    annotation[NameObject("/Dest")] = TextStringObject(prefix + str(dest))
                action = annotation.get("/A")
                if action is not None:
                    action = action.get_object()
                    target = action.get("/D")
                    if action.get("/S") == "/GoTo" and isinstance(target, (TextStringObject,
                                                                           str)):
                        action[NameObject("/D")] = TextStringObject(prefix + str(target))

    def _add_structure(self, reader: PdfReader, tree: DictionaryObject,
                       first_page: int) -> None:
        source_document = tree["/K"]
        source_document = (source_document[0] if isinstance(source_document, ArrayObject)
                           else source_document).get_object()
        for child in source_document.get("/K", []):
            self.document["/K"].append(child.clone(self.writer).indirect_reference
                                       if isinstance(child, IndirectObject)
                                       else child.clone(self.writer))
        page_count = len(reader.pages)
        for key, value in _nums(tree["/ParentTree"].get_object()):
            cloned = value.clone(self.writer)
            if key < page_count:
                page = self.writer.pages[first_page + key]
                new_key = self.next_page_key + key
                page[NameObject("/StructParents")] = NumberObject(new_key)
                self.parent_tree.append((new_key, cloned))
            else:
                self.annotation_keys.append((self._annotation(first_page, page_count, key),
                                             cloned))
        self.next_page_key += page_count

    def _annotation(self, first_page: int, count: int, key: int) -> DictionaryObject | None:
        for page in self.writer.pages[first_page:first_page + count]:
            for annotation in page.get("/Annots", []) or []:
                annotation = annotation.get_object()
                if annotation.get("/StructParent") == key:
                    return annotation
        return None

    def _add_outline(self, reader: PdfReader, first_page: int, title: str | None) -> None:
        # A part whose PDF has bookmarks (its headings) keeps them at the top level;
        # otherwise it gets one bookmark with its title.
        if title and not reader.outline:
            self.writer.add_outline_item(title=title, page_number=first_page)

        def walk(items: list, under) -> None:
            last = under
            for item in items:
                if isinstance(item, list):
                    walk(item, last)
                    continue
                number = reader.get_destination_page_number(item)
                last = self.writer.add_outline_item(title=item.title,
                                                    page_number=first_page + number,
                                                    parent=under)
        walk(reader.outline, None)

    def point(self, name: str, page_index: int) -> None:
        """Make named destination ``name`` open page ``page_index`` (replaces any other)."""
        page = self.writer.pages[page_index]
        self.destinations = [(n, v) for n, v in self.destinations if n != name]
        self.destinations.append((name, ArrayObject([page.indirect_reference,
                                                     NameObject("/Fit")])))

    def finish(self, front: PdfReader, title: str) -> PdfWriter:
        """Structure root, parent tree, destinations and catalogue entries; the writer."""
        nums = ArrayObject()
        for key, value in sorted(self.parent_tree, key=lambda kv: kv[0]):
            nums += [NumberObject(key), value]
        key = self.next_page_key
        for annotation, value in self.annotation_keys:
            if annotation is None:
                continue
            annotation[NameObject("/StructParent")] = NumberObject(key)
            nums += [NumberObject(key), value]
            key += 1
        parent_tree = DictionaryObject({NameObject("/Nums"): nums})
        self.root[NameObject("/ParentTree")] = self.writer._add_object(parent_tree)
        self.root[NameObject("/ParentTreeNextKey")] = NumberObject(key)
        self.root[NameObject("/K")] = ArrayObject([self.document_ref])
        catalog = self.writer._root_object
        catalog[NameObject("/StructTreeRoot")] = self.root_ref
        catalog[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)})
        source = front.trailer["/Root"]
        for entry in ("/Lang", "/ViewerPreferences"):
            if entry in source:
                catalog[NameObject(entry)] = source[entry].clone(self.writer)
        if self.destinations:
            names = ArrayObject()
            for name, value in sorted(self.destinations, key=lambda kv: kv[0]):
                names += [TextStringObject(name), value]
            catalog[NameObject("/Names")] = DictionaryObject({NameObject("/Dests"):
                self.writer._add_object(DictionaryObject({NameObject("/Names"): names}))})
        metadata = dict(front.metadata or {})
        metadata["/Title"] = title
        self.writer.add_metadata(metadata)
        return self.writer


def merge_tagged(front: Path | bytes, parts: Sequence[tuple[str, Path, str]], title: str
                 ) -> PdfWriter:
    """The front matter followed by every part ``(prefix, pdf, bookmark title)``; see the
    module docstring. A link of the front to ``#<prefix without its final '-'>`` (an anchor
    the front must hold) opens the part's first page. Returns the writer (pages can still be
    stamped before writing)."""
    front_reader = PdfReader(io.BytesIO(front) if isinstance(front, bytes) else front)
    merger = _Merger(front_reader)
    merger.add(front_reader, FRONT_PREFIX, None)
    for prefix, path, bookmark in parts:
        start = len(merger.writer.pages)
        merger.add(PdfReader(path), prefix, bookmark)
        merger.point(FRONT_PREFIX + prefix.rstrip("-"), start)
    return merger.finish(front_reader, title)


def page_count(path: Path) -> int:
    """Number of pages of a PDF file."""
    return len(PdfReader(path).pages)
