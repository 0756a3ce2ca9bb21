"""Make nbconvert/pandas HTML fragments accessible: tables with real headers, no raw markdown.

Contract of ``tidy_tables`` (applied to every rendered chapter body):
- pandas' two header rows (column labels, then the index name over empty cells) become one
  row with the index name in the corner cell; a corner with neither label becomes a ``td``
  (no empty ``th``: screen readers announce empty header cells as headers of nothing).
- ``th`` cells get ``scope="col"`` (in ``thead``) or ``scope="row"`` (in ``tbody``).
- Cells whose text is a number, percentage, interval or suppression mark get class ``num``
  (right-aligned); all other text stays left-aligned.
- ``*text*`` and ``**text**`` left in cells by markdown-looking data become ``em``/``strong``.
- Every table sits in a focusable, labelled ``div.tabel`` that scrolls sideways on its own
  when the table is wider than the screen.
The text content of cells is never changed otherwise.
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
    for cell in table.find_all(["td", "th"]):
        text = _text(cell)
        if text and _NUMERIC.match(text):
            cell["class"] = [*cell.get("class", []), "num"]
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
