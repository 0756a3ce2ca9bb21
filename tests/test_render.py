"""Rendering of executed notebooks to self-contained HTML and PDF (ido_analysis.report.render)."""

from __future__ import annotations

import base64
import datetime as dt
import re

import nbformat
import pandas as pd
import pytest

from ido_analysis.report import render

# 1x1 transparent PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157d4c2a70000000049454e44ae426082"
)).decode()
DAY = dt.date(2025, 11, 22)


def executed_notebook(synthetic: bool = False, own_banner: bool = False) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("raw_path = 'geheim_pad.csv'", execution_count=1)
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("raw_path = '/tmp/ingespoten.csv'", execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    injected.outputs = [nbformat.v4.new_output("stream", name="stdout", text="INGESPOTEN\n")]
    code = nbformat.v4.new_code_cell("tabel = maak_tabel()\ntabel", execution_count=3)
    code.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="FutureWarning: iets\n"),
        nbformat.v4.new_output("execute_result", execution_count=3, data={
            "text/html": "<table class='dataframe'><tr><th>Optie</th><td>61%</td></tr></table>",
            "text/plain": "Optie 61%"}),
        nbformat.v4.new_output("display_data", data={"image/png": PNG,
                                                     "text/plain": "<Figure size 1x1>"}),
    ]
    if own_banner:
        code.outputs.append(nbformat.v4.new_output(
            "display_data", data={"text/html": "<p>Let op: synthetische data.</p>"}))
    nb.cells = [nbformat.v4.new_markdown_cell("# Invulling brede regierol\n\n## Huidige rol\n"
                                              "Zie [de bron](https://www.vng.nl)."),
                params, injected, code]
    nb.metadata["ido"] = {"title": "2. Invulling brede regierol", "subtitle": "Enquête 2025",
                          "source": "VNG-enquête", "synthetic": synthetic}
    return nb


def resource_urls(document: str) -> list[str]:
    """src/href of elements that load resources (script, link, img, iframe, object...)."""
    tags = re.findall(r"<(?:script|link|img|iframe|object|embed|source|video|audio)\b[^>]*>",
                      document, flags=re.IGNORECASE)
    return [u for t in tags for u in re.findall(r'(?:src|href|data)\s*=\s*["\']([^"\']*)', t)]


def test_body_hides_code_parameters_and_stderr():
    body = render.render_body(executed_notebook(), "2. Invulling brede regierol")
    assert "maak_tabel" not in body and "geheim_pad" not in body
    assert "INGESPOTEN" not in body and "FutureWarning" not in body
    assert "In&nbsp;[" not in body and "Out[" not in body
    assert "61%" in body and "Huidige rol" in body
    assert f"data:image/png;base64,{PNG[:20]}" in body


def test_html_is_self_contained_with_title_and_date():
    meta = render.notebook_meta(executed_notebook())
    body = render.render_body(executed_notebook(), meta.title)
    document = render.chapter_html(body, meta, DAY)
    assert "<title>2. Invulling brede regierol</title>" in document
    assert "Gegenereerd op 22 november 2025" in document and "Bron: VNG-enquête" in document
    assert "<script" not in document.lower()
    urls = resource_urls(document)
    assert urls and all(u.startswith("data:") for u in urls)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", document)
    # the only external address is the plain hyperlink written in the markdown text
    assert re.findall(r"https?://[^\s\"'<)]+", document) == ["https://www.vng.nl"]
    assert "default-src 'none'" in document


def test_synthetic_banner_once():
    nb = executed_notebook(synthetic=True)
    meta = render.notebook_meta(nb)
    document = render.chapter_html(render.render_body(nb, meta.title), meta, DAY)
    assert document.count(render.SYNTHETIC_BANNER) == 1
    nb = executed_notebook(synthetic=True, own_banner=True)
    document = render.chapter_html(render.render_body(nb, meta.title), meta, DAY)
    assert render.SYNTHETIC_BANNER not in document
    plain = executed_notebook()
    meta = render.notebook_meta(plain)
    document = render.chapter_html(render.render_body(plain, meta.title), meta, DAY)
    assert render.SYNTHETIC_BANNER not in document


def test_meta_fallbacks():
    nb = executed_notebook()
    nb.metadata.pop("ido")
    assert render.notebook_meta(nb, "Uit config").title == "Uit config"
    assert render.notebook_meta(nb).title == "Invulling brede regierol"
    nb.cells = []
    assert render.notebook_meta(nb, name="03_h2").title == "03_h2"
    assert render.dutch_date(dt.date(2025, 3, 1)) == "1 maart 2025"


@pytest.mark.slow
def test_pdf_contains_title_and_page_numbers(tmp_path):
    from pypdf import PdfReader

    from ido_analysis.report.combined import write_combined_pdf

    nb_path = tmp_path / "h2.ipynb"
    nbformat.write(executed_notebook(synthetic=True), nb_path)
    meta, body, document = render.render_notebook(nb_path, day=DAY)
    render.write_pdf(document, tmp_path / "h2.pdf", unnumbered=tmp_path / "h2.pages.pdf")
    text = PdfReader(tmp_path / "h2.pdf").pages[0].extract_text()
    assert "2. Invulling brede regierol" in text
    assert "Pagina 1 van 1" in text
    assert "synthetische data" in text
    assert "Pagina" not in PdfReader(tmp_path / "h2.pages.pdf").pages[0].extract_text()

    other = render.ChapterMeta("3. Regievoerder over lokale netwerk")
    render.write_pdf(render.chapter_html("<p>Tekst</p>", other, DAY), tmp_path / "h3.pdf",
                     unnumbered=tmp_path / "h3.pages.pdf")
    write_combined_pdf(render.ChapterMeta("Testrapport"),
                       [("h2", meta, tmp_path / "h2.pages.pdf"),
                        ("h3", other, tmp_path / "h3.pages.pdf")],
                       DAY, [("Databestand", "export.csv")], tmp_path / "all.pdf")
    reader = PdfReader(tmp_path / "all.pdf")
    pages = [p.extract_text() for p in reader.pages]
    assert "Testrapport" in pages[0] and "export.csv" in pages[0]
    assert "synthetische data" in pages[0]
    toc = pages[1]
    assert "Inhoud" in toc and re.search(r"2\. Invulling brede regierol[ .]+3\b", toc)
    assert re.search(r"3\. Regievoerder over lokale netwerk[ .]+4\b", toc)
    assert "Pagina 2 van 4" in toc and "Pagina 4 van 4" in pages[-1]
    assert "Pagina" not in pages[0]
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "nl" and reader.metadata.title == "Testrapport"
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "2. Invulling brede regierol" in titles
    assert "3. Regievoerder over lokale netwerk" in titles


def test_default_integer_index_is_hidden_but_named_index_kept():
    from ido_analysis.report.render import _hide_default_index

    default = pd.DataFrame({"Antwoord": ["Ja", "Nee"], "Aantal": ["3", "4"]}).to_html(
        classes="dataframe")
    hidden = _hide_default_index(default)
    assert ">0<" not in hidden and ">1<" not in hidden and "Antwoord" in hidden
    named = pd.DataFrame({"Aantal": ["3", "4"]}, index=["klein", "groot"]).to_html()
    assert "klein" in _hide_default_index(named)


def test_duplicate_style_blocks_are_emptied_except_the_last():
    pandas_style = "<style scoped>\n.dataframe thead th { text-align: right; }\n</style>"
    document = (f"<style>h1 {{ color: red; }}</style><div>{pandas_style}<table></table></div>"
                f"<div>{pandas_style}<table></table></div><STYLE>h1 {{ color: red; }}</STYLE>")
    assert render.drop_duplicate_styles(document) == (
        "<style></style><div><style scoped></style><table></table></div>"
        f"<div>{pandas_style}<table></table></div><STYLE>h1 {{ color: red; }}</STYLE>")
    assert render.drop_duplicate_styles("<p>geen stijl</p>") == "<p>geen stijl</p>"
