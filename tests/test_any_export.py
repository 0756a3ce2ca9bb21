"""The whole chain on random valid exports: cleaning, every chapter, HTML and PDF, exit 0, no
warnings in the outputs, and the right n in every sentence that states it.

Exports come from ``tests/exports.py`` (seeded, valid by the codebook's rules). Each case is a
full ``ido-analysis run`` into its own output folder (minutes on two cores): the cases marked
only ``slow`` run in ``make test`` (CI); those also marked ``exhaustive`` run on request
(``pytest -m exhaustive``). Timings are printed (``pytest -s``).
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from ido_analysis.cli import main
from ido_analysis.core.paths import PROCESSED
from ido_analysis.pipeline import load_config
from ido_analysis.pipeline.cache import hash_path
from ido_analysis.spec.codebook import load_codebook
from ido_analysis.spec.reference import COARSE_LABELS
from tests.exports import bundled_minus, codes_by_size, random_export, write_export

CONFIG = load_config()
POPULATION = load_codebook().survey["population"]
SLOW, EXHAUSTIVE = pytest.mark.slow, [pytest.mark.slow, pytest.mark.exhaustive]


def _skewed(n_small: int) -> pd.DataFrame:
    """An option nobody chose, one everybody chose, a routed question nobody reached, a size
    group with one respondent, one respondent for three municipalities."""
    codes = codes_by_size({COARSE_LABELS[0]: n_small, COARSE_LABELS[2]: 1},
                          np.random.default_rng(5), several=3)
    return random_export(len(codes), 5, never=[("q03", "a"), ("q10", "b")],
                         always=[("q03", "b"), ("q06", "a")], unreached=["q18"],
                         municipalities=codes)


# name: (export builder, marks, extra command-line arguments)
CASES: dict[str, tuple[Callable[[], pd.DataFrame], list, list[str]]] = {
    "n1": (lambda: random_export(1, 1), [SLOW], []),
    "skewed5": (lambda: _skewed(3), [SLOW], []),
    "bundled_minus_10": (lambda: bundled_minus(10, 1), [SLOW], []),
    "n2": (lambda: random_export(2, 2), EXHAUSTIVE, []),
    "n30": (lambda: random_export(30, 30), EXHAUSTIVE, []),
    "n47": (lambda: random_export(47, 47), EXHAUSTIVE, []),
    "n342": (lambda: random_export(342, 342), EXHAUSTIVE, []),
    "weet_ik_niet30": (lambda: random_export(30, 31, dont_know=True), EXHAUSTIVE, []),
    "skewed5_gewogen_drempel3": (lambda: _skewed(3), EXHAUSTIVE,
                                 ["--set", "weighting=ja", "--set", "min_cell=3"]),
}


def _text(path: Path) -> str:
    """Visible text of an HTML file, whitespace collapsed."""
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"),
                 flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def _warnings(notebook: Path) -> list[str]:
    """stderr streams, warnings and errors among a notebook's outputs."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) if out.get("output_type") == "stream" else ""
            if out.get("output_type") == "error" or out.get("name") == "stderr" \
                    or "Warning" in text:
                found.append(text or out.get("ename", "error"))
    return found


def stated_counts(text: str) -> list[int]:
    """Every respondent count the narrative states about the whole dataset."""
    patterns = [rf"(?:Het gaat om|omdat) (\d[\d.]*) van de {POPULATION}\b",
                r"beschrijven de (\d[\d.]*) gemeenten?",
                r"alleen de (\d[\d.]*) gemeenten? die", r"tellen de respondenten op tot (\d[\d.]*)",
                r"Respondenten:? (\d[\d.]*)"]
    return [int(m.replace(".", "")) for p in patterns for m in re.findall(p, text)]


@pytest.mark.parametrize("case", [pytest.param(name, marks=marks)
                                  for name, (_, marks, _) in CASES.items()])
def test_whole_chain(case, tmp_path):
    build, _, extra = CASES[case]
    frame = build()
    n = len(frame)
    export = write_export(frame, tmp_path / f"{case}.csv")
    out = tmp_path / "rapport"
    processed_before = hash_path(PROCESSED)
    start = time.perf_counter()
    assert main(["run", "--data", str(export), "--output", str(out), "--jobs", "2",
                 *extra]) == 0
    print(f"\n{case}: n = {n}, {time.perf_counter() - start:.0f} s")

    assert hash_path(PROCESSED) == processed_before, "the repository's data/processed changed"
    assert len(pd.read_parquet(out / "data" / "processed" / "respondents.parquet")) == n
    index = _text(out / "index.html")
    assert "MISLUKT" not in index and "andere uitvoering" not in index
    stated = rf"Respondenten:? {n}\b"
    assert f"{export.name} (sha256 " in index and re.search(stated, index)
    title_page = re.sub(r"\s+", " ", PdfReader(out / "rapport_compleet.pdf").pages[0]
                        .extract_text())
    assert f"{export.name} (sha256" in title_page and re.search(stated, title_page)
    for spec in CONFIG.notebooks:
        assert PdfReader(out / f"{spec.name}.pdf").pages, spec.name
        assert not _warnings(out / "notebooks" / f"{spec.name}.ipynb"), spec.name
        text = _text(out / f"{spec.name}.html")
        counts = stated_counts(text)
        assert all(c == n for c in counts), (spec.name, counts)
        if spec.name != "01_opschonen":
            assert counts, f"{spec.name} states no n"
    if "min_cell=3" in extra:
        assert "drempel van 3" in _text(out / "07_kruistabellen.html")
        assert "van één tot twee staan als 'x'" in _text(out / "02_respondenten.html")
        assert "min_cell = 3" in index and "weighting = ja" in index
