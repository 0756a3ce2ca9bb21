"""End to end: `ido-analysis run` on the bundled export renders every chapter.

One cold run into a temporary output directory (the slowest test of the suite), then checks on
what a reviewer receives: an HTML and a PDF per notebook whose text carries the chapter title
and the report's key figures, a combined PDF, an index, no network references, no personal data.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from ido_analysis.cli import main
from ido_analysis.core.paths import PROCESSED, ROOT
from ido_analysis.ingest.generate import load_assumptions
from ido_analysis.pipeline import load_config
from ido_analysis.spec.register import load_register

pytestmark = pytest.mark.slow

CONFIG = load_config(ROOT / "pipeline.yaml")
# Which report sections each chapter notebook reproduces (the codebook's chapter ids).
SECTION_PREFIX = {"03_h2_brede_regierol": "2.", "04_h3_lokaal_netwerk": "3.",
                  "05_h4_dienstverlening": "4.", "06_h5_financiering": "5."}


@pytest.fixture(scope="module")
def output(rendered_site) -> Path:
    return rendered_site


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("spec", CONFIG.notebooks, ids=lambda s: s.name)
def test_each_notebook_renders_html_and_pdf(output, spec):
    html = (output / f"{spec.name}.html").read_text(encoding="utf-8")
    pdf = pdf_text(output / f"{spec.name}.pdf")
    assert spec.title in html
    assert spec.title.split(". ")[-1] in pdf
    assert not re.search(r"""(src|href)=["']https?://""", html.split("<body", 1)[0])
    assert not re.search(r"<script[^>]+src=", html)


@pytest.mark.parametrize("name,prefix", SECTION_PREFIX.items())
def test_chapter_pdf_carries_the_published_counts(output, name, prefix):
    """Every count the register prints for the chapter's sections appears in its PDF."""
    text = pdf_text(output / f"{name}.pdf")
    register = load_register()
    rows = register[register["section"].str.startswith(prefix)
                    & (register["kind"] == "option_count") & register["count"].notna()]
    assert len(rows) >= 3
    missing = [r.id for r in rows.itertuples() if not re.search(rf"\b{r.count}\b", text)]
    assert not missing, missing


def test_combined_report_and_index(output):
    combined = output / "rapport_compleet.pdf"
    reader = PdfReader(combined)
    assert len(reader.pages) > len(CONFIG.notebooks)
    index = (output / "index.html").read_text(encoding="utf-8")
    for spec in CONFIG.notebooks:
        assert f"{spec.name}.pdf" in index and f"{spec.name}.html" in index


def test_no_planted_personal_data_in_outputs(output):
    planted = list(load_assumptions()["planted_pii"])
    assert planted
    for folder in (output, PROCESSED):
        for path in folder.rglob("*"):
            if path.suffix in {".html", ".csv", ".md", ".json", ".ipynb"}:
                content = path.read_text(encoding="utf-8", errors="ignore")
            elif path.suffix == ".pdf":
                content = pdf_text(path)
            else:
                continue
            leaked = [p for p in planted if p in content]
            assert not leaked, (path, leaked)


def test_figures_are_byte_identical_to_the_pinned_ones(output):
    """Figures are deterministic: same data and parameters, same bytes (re-pin after an
    intended change with `make pin-figures`)."""
    import json

    from figure_hashes import PINNED, figure_hashes

    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    actual = figure_hashes(output)
    assert len(actual) >= 40
    changed = sorted(k for k in pinned.keys() | actual.keys() if pinned.get(k) != actual.get(k))
    assert not changed, f"figures differ from tests/figure_hashes.json: {changed}"


def test_second_run_is_a_no_op(output):
    start = time.perf_counter()
    assert main(["run", "--output", str(output)]) == 0
    assert time.perf_counter() - start <= 2.0



def test_attacker_reading_every_published_csv_recovers_nothing(output):
    """Issue 12: from every CSV the run publishes (cross-tabs, group sizes, frequencies) and
    the derived-variable definitions, integer programs pin or bound no group count inside
    1 .. 4; the disclosure report is written and linked from the index."""
    import yaml

    from ido_analysis.report.crosstab_report import derived_questions
    from ido_analysis.report.release_audit import attack_release
    from ido_analysis.spec.codebook import load_codebook
    from ido_analysis.spec.derived import DERIVED_PATH

    cb = load_codebook()
    definitions = {g["name"]: g for g in yaml.safe_load(DERIVED_PATH.read_text())["groups"]}
    assert attack_release(output, cb, derived_questions(cb), definitions) == []
    assert (output / "tables" / "onthulling.csv").exists()
    assert "tables/onthulling.csv" in (output / "index.html").read_text(encoding="utf-8")
