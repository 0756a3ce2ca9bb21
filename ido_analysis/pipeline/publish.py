"""Publishing a run: the site (``report.site``) and the combined PDF (``report.combined``) from
the chapters in place, when any of them changed.

The generated pages (Samenvatting, questionnaire) and their PDFs are written first; the combined
PDF is then assembled from every page's unnumbered PDF (``staging.pages_pdf``), never laid out
again. This module only gathers what the run knows (config, chapters in place, run facts); the
pages and the PDF are made in ``ido_analysis.report``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any, TextIO

from ido_analysis.pipeline.cache import hash_json, hash_path, save_state
from ido_analysis.pipeline.config import PipelineConfig
from ido_analysis.pipeline.progress import say
from ido_analysis.pipeline.staging import CACHE_DIR, pages_pdf, staging_path

COMBINED_NAME = "rapport_compleet.pdf"
COMBINED_STATE_KEY = "__combined__"


def combined_chapters(config: PipelineConfig) -> list[tuple[str, dict[str, Any], Path]]:
    """``(name, metadata, body file)`` of every chapter in place, in pipeline order."""
    cache = config.output_dir / CACHE_DIR
    found = []
    for spec in config.notebooks:
        meta_path, body_path = cache / f"{spec.name}.json", cache / f"{spec.name}.body.html"
        if meta_path.exists() and body_path.exists():
            found.append((spec.name, json.loads(meta_path.read_text(encoding="utf-8")),
                          body_path))
    return found


def combined_key(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]]
                 ) -> str:
    return hash_json({"report": config.report,
                      "chapters": [(n, m, hash_path(b)) for n, m, b in chapters]})


def combined_up_to_date(config: PipelineConfig, state: dict[str, Any], key: str) -> bool:
    out = config.output_dir
    return (state.get(COMBINED_STATE_KEY) == key
            and all(p.exists() for p in (out / COMBINED_NAME, out / "index.html")))


def _processed_dir(config: PipelineConfig) -> Path | None:
    processed = config.parameters.get("processed_dir")
    return Path(processed) if processed else None


def site_pages(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]]
               ) -> list[Any]:
    """The chapters plus the generated pages, in publication order (``report.site``)."""
    from ido_analysis.report import site
    from ido_analysis.spec.codebook import load_codebook

    processed = _processed_dir(config)
    bodies = [(n, m, b.read_text(encoding="utf-8")) for n, m, b in chapters]
    return site.build_pages(bodies, config.report.get("order"), load_codebook(),
                            config.output_dir / "tables", site.respondent_count(processed),
                            dt.date.today(), site.data_is_synthetic(processed))


def run_facts(config: PipelineConfig) -> list[tuple[str, str]]:
    """Data file, n, parameters and date of the run (title page and index)."""
    from ido_analysis.report import site
    from ido_analysis.spec.codebook import load_codebook

    return site.run_facts(config.parameters, config.path_parameters,
                          site.respondent_count(_processed_dir(config)),
                          load_codebook().survey.get("population"), dt.date.today())


def publish(config: PipelineConfig, state: dict[str, Any], state_path: Path,
            stream: TextIO) -> bool:
    """Site pages, index and combined PDF, when any chapter changed. Returns True when rebuilt."""
    chapters = combined_chapters(config)
    key = combined_key(config, chapters)
    if not chapters or combined_up_to_date(config, state, key):
        return False
    from ido_analysis.report import combined, render, site
    from ido_analysis.spec.codebook import load_codebook

    out, cache = config.output_dir, config.output_dir / CACHE_DIR
    started = time.perf_counter()
    say(stream, f"  run   {COMBINED_NAME} + index.html")
    report = render.ChapterMeta(title=config.report.get("title", "Rapport"),
                                subtitle=config.report.get("subtitle", ""),
                                source=config.report.get("source", ""))
    pages, facts, today = site_pages(config, chapters), run_facts(config), dt.date.today()
    site.write_site(out, pages, report, facts, COMBINED_NAME, today, _processed_dir(config),
                    load_codebook(), cache)
    target = out / COMBINED_NAME
    combined.write_combined_pdf(report, [(p.name, p.meta, pages_pdf(cache, p.name))
                                         for p in pages], today, facts, staging_path(target))
    os.replace(staging_path(target), target)
    state[COMBINED_STATE_KEY] = key
    save_state(state_path, state)
    say(stream, f"  done  {COMBINED_NAME} + index.html ({time.perf_counter() - started:.1f} s)")
    return True
