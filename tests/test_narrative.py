"""Narrative from data: no number of the bundled data or default parameters is written into
chapter text, except in sentences that quote the report (``narrative.REPORT_QUOTE``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from ido_analysis.core.paths import ROOT
from ido_analysis.pipeline import load_config
from ido_analysis.report import narrative
from ido_analysis.spec.codebook import load_codebook

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z*#\-(])|\n\s*\n|\n(?=[-#*] )")


def forbidden_patterns() -> list[re.Pattern]:
    """Literals that must come from the data or the parameters: n and population of the
    bundled data, the default confidence level and the default disclosure threshold."""
    cb, params = load_codebook(), load_config().parameters
    n, population = cb.survey["respondents_published"], cb.survey["population"]
    conf = round(100 * float(params["confidence"]))
    cell = int(params["min_cell"])
    number = r"(?<![\d.,]){}(?![\d]|[.,]\d)"
    return [re.compile(number.format(n)), re.compile(number.format(population)),
            re.compile(rf"(?<![\d.,]){conf}\s*%"),
            re.compile(rf"(drempel van|<|minder dan)\s*\**\s*{cell}(?!\d)"),
            re.compile(rf"(één|1) tot (vier|{cell - 1})\b")]


def quotes_report(sentence: str) -> bool:
    return narrative.REPORT_QUOTE in sentence.lower()


def offending(text: str, patterns: list[re.Pattern]) -> list[str]:
    """Sentences of ``text`` with a forbidden literal that do not quote the report."""
    sentences = _SENTENCE_END.split(text)
    return [s.strip() for s in sentences
            if not quotes_report(s) and any(p.search(s) for p in patterns)]


def _strings(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def narrative_texts(path: Path) -> list[str]:
    """Markdown cells and string literals of code cells (printed sentences)."""
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            texts.append(cell.source)
        elif cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            texts += _strings(cell.source)
    return texts


def test_checker_catches_literals_and_allows_quotes():
    patterns = forbidden_patterns()
    assert offending("De cijfers beschrijven de 47 gemeenten.", patterns)
    assert offending("Van de 342 gemeenten deden er veel mee.", patterns)
    assert offending("Een 95%-interval.", patterns)
    assert offending("Er geldt een drempel van **5**.", patterns)
    assert offending("Cellen van één tot vier worden verborgen.", patterns)
    assert not offending("Het rapport noemt 47 gemeenten (14%).", patterns)
    assert not offending("Vraag 4.7 en paragraaf 3.42 en 2025.", patterns)
    assert not offending("In het rapport staat n = 30, maar 47 kregen de vraag.", patterns)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_data_literals_in_narrative(path):
    patterns = forbidden_patterns()
    found = [s for text in narrative_texts(path) for s in offending(text, patterns)]
    assert not found, f"{path.name}: numbers that must come from the data:\n" + "\n".join(found)


def test_scope_follows_n_population_and_confidence():
    text = narrative.scope(37, 342, 0.9)
    assert "de 37 gemeenten die de enquête invulden" in text
    assert "90%-betrouwbaarheidsinterval" in text and "37 van de 342" in text
    one = narrative.scope(1, 342, 0.95)
    assert "de 1 gemeente die de enquête invulde" in one and "(minder dan 1%)" in one
    assert "1 van de 342 gemeenten meedeed," in one
    assert "(14%)" in narrative.scope(47, 342, 0.95)
    assert "kleiner dan 5 en" in narrative.reading_guide(5)


def test_threshold_sentences_follow_min_cell():
    text = narrative.disclosure_rule(3)
    assert "drempel van **3**" in text and "cel van één tot twee respondenten" in text
    assert "minder dan drie respondenten" in text
    assert "'x'" in narrative.small_counts(3) and "één tot twee" in narrative.small_counts(3)
    assert "'x'" in narrative.small_counts(10) and "één tot negen" in narrative.small_counts(10)


def test_group_sizes_and_crosstab_scope():
    import pandas as pd

    groups = pd.Series(pd.Categorical(["a", "b", "b", "c"], categories=["a", "b", "c", "d"],
                                      ordered=True))
    assert narrative.group_sizes(groups, min_cell=1) == "a 1, b 2 en c 1"
    # group sizes below the threshold are never printed, in text either (issue 12)
    assert narrative.group_sizes(groups) == "a x, b x en c x"
    big = pd.Series(["a"] * 9 + ["b"] * 2 + ["c"] * 6)
    assert narrative.group_sizes(big) == "a 9, b x en c x"  # c hidden too: 17 - 9 - 6
    text = narrative.crosstab_scope(4, 342, groups, min_cell=1)
    assert "4 van de 342" in text and "drie groepen (a 1, b 2 en c 1)" in text
    merged = narrative.crosstab_scope(4, 342, groups, min_cell=2)  # a and c (1 each) merge
    assert "in één groep" in merged and "a 1" not in merged
    assert "in één groep" in narrative.crosstab_scope(4, 342, groups)  # default threshold
    assert "in één groep" in narrative.crosstab_scope(2, 342, pd.Series(["a", "a"]), 5)
    assert "weging aan" in narrative.weighting_intro(30, True)
    assert "weging uit" in narrative.weighting_intro(30, False)
