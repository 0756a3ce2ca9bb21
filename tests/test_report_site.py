"""Site building blocks (ido_analysis.report): tidy tables, navigation, generated pages,
Dutch CSV variant, publication order."""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd

from ido_analysis.report import dutch_csv, html_tidy, navigation, questionnaire, site, summary
from ido_analysis.spec.codebook import load_codebook

PANDAS_TWO_ROW_HEADER = (
    '<table class="dataframe"><thead><tr style="text-align: right;"><th></th>'
    "<th>Paragraaf</th><th>Citaat uit het rapport</th></tr>"
    "<tr><th>Nr.</th><th></th><th></th></tr></thead><tbody>"
    "<tr><th>F003</th><td>samenvatting</td><td>38% maakt *incidenteel* gebruik</td></tr>"
    "<tr><th>F004</th><td>2.2</td><td>12</td></tr></tbody></table>")


def test_two_header_rows_become_one_without_empty_header_cells():
    tidy = html_tidy.tidy_tables(PANDAS_TWO_ROW_HEADER)
    head = re.search(r"<thead>.*</thead>", tidy, flags=re.DOTALL).group(0)
    assert head.count("<tr") == 1
    assert '<th scope="col">Nr.</th>' in head and "<th></th>" not in tidy
    assert '<th scope="row">F003</th>' in tidy
    assert "<em>incidenteel</em>" in tidy and "*" not in tidy
    # numbers right-aligned per column: the section column holds text, so none of it is
    assert '<td>2.2</td>' in tidy and '<td class="num">' not in tidy
    assert tidy.startswith('<div aria-label="Tabel 1" class="tabel" role="region" tabindex="0">')
    assert "text-align: right" not in tidy


def test_corner_cell_without_any_label_becomes_a_data_cell():
    frame = pd.DataFrame({"Aantal": [3, 4]}, index=["klein", "groot"])
    tidy = html_tidy.tidy_tables(frame.to_html())
    assert "<th></th>" not in tidy and "<td></td>" in tidy
    assert '<th class="num" scope="col">Aantal</th>' in tidy


def test_captions_and_trailing_headings_are_marked_for_print():
    fragment = ('<div class="cell"><div class="text_cell_render"><p>x</p><h3>Kop</h3></div>'
                '</div><div class="output_area"><p><strong>Vraag 6. Welke rol?</strong></p>'
                "</div><p><strong>Vraag</strong> los</p>")
    marked = html_tidy.mark_captions(fragment)
    assert 'class="cell met-kop-onderaan"' in marked
    assert 'class="output_area met-bijschrift"' in marked
    assert '<p class="bijschrift"><strong>Vraag 6.' in marked
    assert marked.count("bijschrift") == 2


def test_contents_list_and_site_nav():
    body = '<h2 id="2.2-Huidige">2.2 Huidige <em>invulling</em></h2><p>x</p><h2 id="b">B</h2>'
    contents = navigation.contents_list(body)
    assert '<a href="#2.2-Huidige">2.2 Huidige invulling</a>' in contents
    assert navigation.contents_list('<h2 id="a">A</h2>') == ""
    nav = navigation.site_nav(navigation.PageRef("index.html", "Overzicht"), None,
                              navigation.PageRef("b.html", "Hoofdstuk B"))
    assert 'href="index.html"' in nav and 'href="b.html" rel="next"' in nav
    assert "prev" not in nav
    assert navigation.prefix_ids('<h2 id="a"><a href="#a">x</a></h2>', "h3-") == \
        '<h2 id="h3-a"><a href="#h3-a">x</a></h2>'


def test_questionnaire_lists_every_question_with_options_routing_and_defects():
    codebook = load_codebook()
    body = questionnaire.questionnaire_body(codebook)
    for question in codebook.questions:
        assert f'id="vraag-{question.id}"' in body
        for option in question.options:
            assert f"{option.code}.</span> {option.label}" in body.replace("&#x27;", "'")
        for defect in question.defects:
            assert " ".join(defect.interpretation.split())[:40] in html.unescape(body)
    routed = next(q for q in codebook.questions if q.asked_if is not None)
    assert questionnaire.routing_text(routed, codebook) in body.replace("&#x27;", "'")


def _frequencies() -> pd.DataFrame:
    return pd.DataFrame({
        "question": ["q06"] * 3, "option": ["a", "b", "c"],
        "label": ["Financier van IDO's", "Promotor van IDO's", "Regievoerder op het netwerk"],
        "count": [42, 30, 10], "base": [47] * 3, "percent": [89.4, 63.8, 21.3],
        "ci_low": [77.4, 49.5, 12.0], "ci_high": [95.4, 76.0, 34.9]})


def test_summary_is_computed_from_the_tables(tmp_path):
    codebook = load_codebook()
    _frequencies().to_csv(tmp_path / "frequencies.csv", index=False)
    pd.DataFrame({"Vraag": ["a", "b", "c"], "n": [47, 39, 47], "p": ["0,047", "0,33", "0,5"]}
                 ).to_csv(tmp_path / "kruistabellen_toetsen.csv", index=False)
    pd.DataFrame({"id": ["F1", "F2", "F3"], "section": ["2.2", "2.3", "2.3"],
                  "status": ["gereproduceerd", "inconsistentie in rapport", "gereproduceerd"],
                  "explanation": ["", "17 van 47 is 36%, niet 38%.", ""]}
                 ).to_csv(tmp_path / "audit.csv", index=False)
    body = summary.summary_body(codebook, tmp_path, respondents=47)
    assert "47 van de 342 gemeenten" in body
    assert "Vraag 6 (Rollen die de gemeente invult): 89% (42 van 47) noemt het vaakst " \
           "&#x27;Financier van IDO&#x27;s&#x27;" in body
    assert "3 kruistabellen getoetst (n = 39 tot 47 per toets); 1 daarvan geeft p" in body
    assert "2 gereproduceerd; 1 inconsistentie in rapport" in body
    assert "17 van 47 is 36%, niet 38%." in body


def test_summary_names_missing_tables(tmp_path):
    body = summary.summary_body(load_codebook(), tmp_path)
    assert body.count("ontbreekt in deze run") == 3


def test_dutch_csv_variant(tmp_path):
    frame = pd.DataFrame({"question": ["q02", "q02"], "percent": [93.6, 6.4],
                          "suppressed": [True, False]})
    frame.to_csv(tmp_path / "x.csv", index=False)
    links = dutch_csv.write_dutch_tables(tmp_path)
    assert links == {"x.csv": f"{tmp_path.name}/nl/x.csv"}
    text = (tmp_path / "nl" / "x.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["vraag;percentage;onderdrukt", "q02;93,6;ja", "q02;6,4;nee"]


def test_publication_order_and_generated_pages_only_when_named(tmp_path):
    assert site.publication_order(["c", "x", "a"], ["a", "b", "c"]) == ["c", "a", "b"]
    chapters = [("a", {"title": "A", "synthetic": True, "date": "2025-11-22"}, "<p>A</p>")]
    day = dt.date(2025, 11, 22)
    pages = site.build_pages(chapters, ["samenvatting", "a"], load_codebook(), tmp_path, 47, day)
    assert [p.name for p in pages] == ["samenvatting", "a"]
    assert pages[0].meta.synthetic and not pages[0].notebook
    assert [p.name for p in site.build_pages(chapters, None, load_codebook(), tmp_path, 47,
                                             day)] == ["a"]
    real = [("a", {"title": "A", "date": "2025-11-22"}, "<p>A</p>")]
    flags = [p.meta.synthetic for p in site.build_pages(real, ["vragenlijst", "samenvatting"],
                                                        load_codebook(), tmp_path, 47, day,
                                                        synthetic_data=True)]
    assert flags == [False, True, False]  # the questionnaire holds no data


def test_synthetic_data_is_detected_from_the_cleaned_data(tmp_path):
    assert not site.data_is_synthetic(tmp_path)
    pd.DataFrame({"herkomst": ["synthetisch (gereconstrueerd)"]}).to_parquet(
        tmp_path / "respondents.parquet")
    assert site.data_is_synthetic(tmp_path)
    pd.DataFrame({"herkomst": ["export 2025"]}).to_parquet(tmp_path / "respondents.parquet")
    assert not site.data_is_synthetic(tmp_path)


def test_run_facts():
    facts = dict(site.run_facts({"raw_path": "/x/export.csv", "confidence": 0.95,
                                 "output_dir": "/out"}, ["raw_path", "output_dir"], 47, 342,
                                dt.date(2025, 11, 22)))
    assert facts == {"Databestand": "export.csv", "Respondenten": "47 van 342 gemeenten",
                     "Parameters": "confidence = 0.95", "Datum van de run": "22 november 2025"}
