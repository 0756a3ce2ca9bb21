"""Navigation blocks of the report site: contents list of a chapter, links between pages.

Contract: pure functions from HTML fragments and page references to HTML fragments (Dutch
labels). ``contents_list`` lists the ``h2`` sections of a chapter body (by their ``id``);
``site_nav`` links a page to the index and to the previous and next page in publication order.
The site navigation is marked ``sitenav`` so print CSS can leave it out of PDFs.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_H2 = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h2\s*>', flags=re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class PageRef:
    """A page of the site: ``href`` relative to the page that links to it, and its title."""

    href: str
    title: str


def sections(body: str) -> list[tuple[str, str]]:
    """``(id, text)`` of every ``h2`` with an ``id`` in ``body``, in order."""
    found = []
    for anchor, inner in _H2.findall(body):
        text = html.unescape(" ".join(_TAG.sub("", inner).split()))
        if text:
            found.append((html.unescape(anchor), text))
    return found


def contents_list(body: str, prefix: str = "") -> str:
    """``nav`` listing the chapter's sections (empty string when it has fewer than two).

    ``prefix`` is put before every target id (the combined report prefixes ids per chapter).
    """
    found = sections(body)
    if len(found) < 2:
        return ""
    items = "".join(f'<li><a href="#{html.escape(prefix + anchor)}">{html.escape(text)}</a></li>'
                    for anchor, text in found)
    return (f'<nav class="hoofdstukinhoud" aria-label="Inhoud van dit hoofdstuk">'
            f'<p class="navkop">In dit hoofdstuk</p><ul>{items}</ul></nav>')


def site_nav(index: PageRef | None, previous: PageRef | None, following: PageRef | None
             ) -> str:
    """``nav`` with links to the index and the neighbouring pages (absent ones left out; the
    index itself passes no index link)."""
    links = ([f'<li><a href="{html.escape(index.href)}">{html.escape(index.title)}</a></li>']
             if index is not None else [])
    if previous is not None:
        links.append(f'<li><a href="{html.escape(previous.href)}" rel="prev">Vorige: '
                     f"{html.escape(previous.title)}</a></li>")
    if following is not None:
        links.append(f'<li><a href="{html.escape(following.href)}" rel="next">Volgende: '
                     f"{html.escape(following.title)}</a></li>")
    return f'<nav class="sitenav" aria-label="Rapportnavigatie"><ul>{"".join(links)}</ul></nav>'


def prefix_ids(fragment: str, prefix: str) -> str:
    """Prefix every ``id`` and every in-page ``href="#..."`` of ``fragment`` with ``prefix``
    (chapters put together in one document keep unique anchors)."""
    fragment = re.sub(r'(\sid=")([^"]+")', lambda m: m.group(1) + prefix + m.group(2), fragment)
    return re.sub(r'(\shref="#)([^"]+")', lambda m: m.group(1) + prefix + m.group(2), fragment)
