"""Make nbconvert/pandas HTML fragments accessible: tables with real headers, no raw markdown.

Contract of ``tidy_tables`` (applied to every rendered chapter body):
- pandas' two header rows (column labels, then the index name over empty cells) become one
  row with the index name in the corner cell; a corner with neither label becomes a ``td``
  (no empty ``th``: screen readers announce empty header cells as headers of nothing).
- ``th`` cells get ``scope="col"`` (in ``thead``) or ``scope="row"`` (in ``tbody``).
- Columns whose body cells are all numbers, percentages, intervals or suppression marks get
  class ``num`` (right-aligned, header included); all other text stays left-aligned.
- ``*text*`` and ``**text**`` left in cells by markdown-looking data become ``em``/``strong``.
- Every table sits in a focusable, labelled ``div.tabel`` that scrolls sideways on its own
  when the table is wider than the screen.
The text content of cells is never changed otherwise.

``mark_captions`` gives a paragraph that is only a bold "Vraag N. ..." (the caption the
chapters print above a question's table) class ``bijschrift``, and its output block class
``met-bijschrift``; a markdown cell that ends with a heading gets ``met-kop-onderaan``. Print
CSS keeps these on the page of what follows them.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

_NUMERIC = re.compile(r"^(?=.*\d|^[x–-]$)[\d\s.,%–\-+()x<>=≤≥]+$")
_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1")


def _text(cell: Tag) -> str:
    return cell.get_text(" ", strip=True)


def _merge_index_row(thead: Tag) -> None:
    """Fold pandas' index-name row into the column-label row above it."""
    rows = thead.find_all("tr", recursive=False)
    if len(rows) != 2:
        return
    top, names = (r.find_all(["th", "td"], recursive=False) for r in rows)
    if len(top) != len(names):
        return
    labelled = [i for i, c in enumerate(names) if _text(c)]
    if not labelled or labelled != list(range(len(labelled))):
        return  # the second row carries column labels, not just index names
    for i in labelled:
        corner, name = _text(top[i]), _text(names[i])
        top[i].string = f"{name} / {corner}" if corner else name
    rows[1].decompose()


def _fix_header_cells(soup: BeautifulSoup, table: Tag) -> None:
    for tr in table.find_all("tr"):
        tr.attrs.pop("style", None)
    for th in table.find_all("th"):
        in_head = th.find_parent("thead") is not None
        if not _text(th):
            th.name = "td"
            th.attrs.pop("scope", None)
            continue
        th["scope"] = "col" if in_head else "row"


def _mark_cells(soup: BeautifulSoup, table: Tag) -> None:
    """Class ``num`` on every cell of a column whose body cells are all numeric (or empty)."""
    body = table.find("tbody") or table
    rows = [tr.find_all(["td", "th"], recursive=False) for tr in body.find_all("tr")]
    width = max((len(r) for r in rows), default=0)
    for j in range(width):
        texts = [_text(r[j]) for r in rows if j < len(r)]
        if any(texts) and all(_NUMERIC.match(t) for t in texts if t):
            for row in rows:
                if j < len(row):
                    row[j]["class"] = [*row[j].get("class", []), "num"]
            head = table.find("thead")
            header_rows = head.find_all("tr") if head else []
            for tr in header_rows:
                cells = tr.find_all(["td", "th"], recursive=False)
                if len(cells) == width:
                    cells[j]["class"] = [*cells[j].get("class", []), "num"]
    for cell in table.find_all(["td", "th"]):
        for string in list(cell.find_all(string=True)):
            if isinstance(string, NavigableString) and _EMPHASIS.search(string):
                _emphasise(soup, string)


def _emphasise(soup: BeautifulSoup, string: NavigableString) -> None:
    parts: list[NavigableString | Tag] = []
    pos = 0
    for match in _EMPHASIS.finditer(string):
        parts.append(NavigableString(string[pos:match.start()]))
        tag = soup.new_tag("strong" if match.group(1) == "**" else "em")
        tag.string = match.group(2)
        parts.append(tag)
        pos = match.end()
    parts.append(NavigableString(string[pos:]))
    string.replace_with(*parts)


def _wrap(soup: BeautifulSoup, table: Tag, number: int) -> None:
    wrapper = soup.new_tag("div", attrs={"class": "tabel", "role": "region", "tabindex": "0",
                                         "aria-label": f"Tabel {number}"})
    table.wrap(wrapper)


def tidy_tables(fragment: str) -> str:
    """Apply the module contract to every ``table`` of an HTML fragment."""
    soup = BeautifulSoup(fragment, "html.parser")
    for number, table in enumerate(soup.find_all("table"), start=1):
        table.attrs.pop("border", None)
        thead = table.find("thead")
        if thead is not None:
            _merge_index_row(thead)
        _fix_header_cells(soup, table)
        _mark_cells(soup, table)
        _wrap(soup, table, number)
    return str(soup)


_CAPTION = re.compile(r"^Vraag \d+\.")


def mark_captions(fragment: str) -> str:
    """Apply the caption part of the module contract."""
    soup = BeautifulSoup(fragment, "html.parser")
    for strong in soup.find_all("strong"):
        paragraph = strong.parent
        if (paragraph is None or paragraph.name != "p" or not _CAPTION.match(_text(strong))
                or _text(paragraph) != _text(strong)):
            continue
        paragraph["class"] = [*paragraph.get("class", []), "bijschrift"]
        block = paragraph.find_parent("div", class_="output_area")
        if block is not None:
            block["class"] = [*block.get("class", []), "met-bijschrift"]
    for text in soup.find_all("div", class_="text_cell_render"):
        children = text.find_all(True, recursive=False)
        cell = text.find_parent("div", class_="cell")
        if children and children[-1].name in ("h2", "h3", "h4") and cell is not None:
            cell["class"] = [*cell.get("class", []), "met-kop-onderaan"]
    return str(soup)
