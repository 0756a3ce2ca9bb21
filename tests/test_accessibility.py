"""Accessibility of the rendered report (issue 13): every page, in a real headless browser.

On the output of one cold run (``rendered_site``):
- every HTML page (chapters, generated pages, index, notebooks, data pages) loaded in Debian's
  headless chromium with axe-core (WCAG 2.1 A + AA and best-practice rules): 0 violations;
  at 375 px width no sideways scroll (``tests/browser/check_pages.mjs``);
- without a browser: alt text of every chart in Dutch with its figures, no labels cut with
  "...", navigation to the index and the neighbouring pages, every output listed in the index;
- the PDFs: tagged (structure tree, language, title, bookmarks) and no "Vraag N." caption
  left alone at the foot of a page.

The browser part needs ``chromium`` and ``npm ci`` in ``tests/browser``; without them it fails
when ``CI=true`` (``.ci/run`` installs both) and is skipped elsewhere with the commands to run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from ido_analysis.core.paths import ROOT
from ido_analysis.pipeline import load_config
from ido_analysis.pipeline.publish import COMBINED_NAME

pytestmark = [pytest.mark.slow, pytest.mark.browser]

BROWSER_DIR = Path(__file__).parent / "browser"
CHROMIUM = os.environ.get("IDO_CHROMIUM", "/usr/bin/chromium")
INSTALL = ("install them with: sudo apt-get install chromium  and  "
           f"(cd {BROWSER_DIR} && npm ci)")
CONFIG = load_config(ROOT / "pipeline.yaml")
NBCONVERT_DEFAULT_ALT = "No description has been provided"


def _missing_browser_tools() -> list[str]:
    missing = []
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        missing.append(f"chromium ({CHROMIUM})")
    if not shutil.which("node"):
        missing.append("node")
    for package in ("axe-core", "playwright-core"):
        if not (BROWSER_DIR / "node_modules" / package / "package.json").exists():
            missing.append(f"npm package {package}")
    return missing


def _require_browser() -> None:
    missing = _missing_browser_tools()
    if not missing:
        return
    message = f"browser checks need {', '.join(missing)}; {INSTALL}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def site_pages(out: Path) -> list[Path]:
    """Every HTML page of the site."""
    return sorted([*out.glob("*.html"), *out.glob("notebooks/*.html"),
                   *out.glob("gegevens/*.html")])


@pytest.fixture(scope="module")
def browser_report(rendered_site) -> dict[str, dict]:
    _require_browser()
    chromium = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    pages = [str(p) for p in site_pages(rendered_site)]
    result = subprocess.run(["node", str(BROWSER_DIR / "check_pages.mjs"), "--chromium",
                             str(chromium), *pages], capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    return {Path(p["file"]).relative_to(rendered_site).as_posix(): p for p in report["pages"]}


def test_site_has_every_page(rendered_site):
    names = {p.relative_to(rendered_site).as_posix() for p in site_pages(rendered_site)}
    expected = {f"{s.name}.html" for s in CONFIG.notebooks} | {
        f"notebooks/{s.name}.html" for s in CONFIG.notebooks} | {
        "index.html", "samenvatting.html", "vragenlijst.html"}
    assert expected <= names


def test_axe_finds_no_violations_on_any_page(browser_report):
    problems = {name: [f"{v['id']} ({len(v['nodes'])}x): {v['nodes'][:2]}"
                       for v in page["violations"]]
                for name, page in browser_report.items() if page["violations"]}
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_no_sideways_scroll_at_375_px(browser_report):
    wide = {name: page["scrollWidth375"] for name, page in browser_report.items()
            if page["scrollWidth375"] > page["clientWidth375"]}
    assert not wide


def test_every_chart_has_dutch_alt_text_with_its_figures(rendered_site):
    checked = 0
    for spec in CONFIG.notebooks:
        document = (rendered_site / f"{spec.name}.html").read_text(encoding="utf-8")
        for alt in re.findall(r'<img [^>]*alt="([^"]*)"', document):
            assert NBCONVERT_DEFAULT_ALT not in alt
            assert re.match(r"(Staafdiagram|Divergerend|Gestapeld)", alt), alt[:80]
            # every figure the chart shows is in the text; a chart whose cells are all
            # suppressed (disclosure control) says so instead of showing a percentage
            assert re.search(r"\d+%", alt) or "onderdrukt" in alt, alt[:80]
            checked += 1
    assert checked >= 30


def test_labels_are_not_cut(rendered_site):
    for spec in CONFIG.notebooks:
        document = (rendered_site / f"{spec.name}.html").read_text(encoding="utf-8")
        assert not re.search(r"\w\.\.\.<", document), spec.name


def test_every_page_links_index_and_neighbours(rendered_site):
    order = CONFIG.report["order"]
    for i, name in enumerate(order):
        document = (rendered_site / f"{name}.html").read_text(encoding="utf-8")
        nav = re.search(r'<nav class="sitenav".*?</nav>', document, flags=re.DOTALL).group(0)
        assert 'href="index.html"' in nav
        if i:
            assert f'href="{order[i - 1]}.html" rel="prev"' in nav
        if i + 1 < len(order):
            assert f'href="{order[i + 1]}.html" rel="next"' in nav
        assert document.count("<main") == 1


def test_index_lists_every_output_and_the_synthetic_warning(rendered_site):
    index = (rendered_site / "index.html").read_text(encoding="utf-8")
    for folder in ("tables", "figures"):
        for path in (rendered_site / folder).glob("*.*"):
            assert f'href="{folder}/{path.name}"' in index, path.name
    assert 'href="gegevens/data_dictionary.html"' in index
    assert 'href="gegevens/cleaning_log.html"' in index
    assert ".ipynb\">" not in index.replace('ipynb">ipynb', "")
    assert "synthetische data" in index
    assert re.search(r'href="tables/nl/frequencies\.csv"', index)


def test_pdfs_are_tagged_with_language_title_and_bookmarks(rendered_site):
    for path in [rendered_site / COMBINED_NAME,
                 *(rendered_site / f"{s.name}.pdf" for s in CONFIG.notebooks)]:
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"], path.name
        assert "/StructTreeRoot" in root, path.name
        assert str(root["/Lang"]).startswith("nl"), path.name
        assert reader.metadata.title, path.name
        assert reader.outline, path.name


def _structure(path: Path) -> tuple[dict[str, int], list[str]]:
    """Counts of structure element types in a PDF, and the alt texts of its figures."""
    import pikepdf

    counts: dict[str, int] = {}
    alts: list[str] = []
    with pikepdf.Pdf.open(path) as pdf:
        stack, seen = [pdf.Root.StructTreeRoot], set()
        while stack:
            element = stack.pop()
            if not isinstance(element, pikepdf.Dictionary):
                continue
            if element.is_indirect:
                if element.objgen in seen:
                    continue
                seen.add(element.objgen)
            kind = str(element.get("/S", ""))
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "/Figure":
                alts.append(str(element.get("/Alt", "")))
            kids = element.get("/K")
            stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
    return counts, alts


def test_combined_pdf_structure_has_figures_with_alt_text_and_header_cells(rendered_site):
    counts, alts = _structure(rendered_site / COMBINED_NAME)
    assert counts["/Document"] == 1
    assert counts["/TH"] > 100 and counts["/H1"] >= len(CONFIG.report["order"])
    assert len(alts) >= 30
    assert all(re.match(r"(Staafdiagram|Divergerend|Gestapeld)", a) for a in alts), alts[:3]


def _content_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [line for line in lines if not re.match(r"^Pagina \d+ van \d+$", line)]


def test_no_caption_stranded_and_no_near_empty_page(rendered_site):
    """No "Vraag N." caption among the last lines of a page (its table would be on the next);
    no page with fewer than three lines of text unless it holds a chart."""
    reader = PdfReader(rendered_site / COMBINED_NAME)
    for number, page in enumerate(reader.pages, start=1):
        lines = _content_lines(page.extract_text() or "")
        running_header = lines[-1:] if number > 2 else []
        body = [line for line in lines if line not in running_header]
        assert not any(re.match(r"^Vraag \d+\.", line) for line in body[-2:]), \
            f"page {number}: {body[-2:]}"
        assert len(body) >= 3 or list(page.images), f"page {number}: {body}"
