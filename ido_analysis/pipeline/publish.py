"""Publishing a run: the site (``report.site``) and the combined PDF (``report.combined``) from
the chapters in place, when any of them changed.

The generated pages (Samenvatting, questionnaire) and their PDFs are written first; the combined
PDF is then assembled from every page's unnumbered PDF (``staging.pages_pdf``), never laid out
again. This module only gathers what the run knows (config, chapters in place, run facts); the
pages and the PDF are made in ``ido_analysis.report``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ido_analysis.core.stamps import Stamps
from ido_analysis.pipeline.cache import hash_json, hash_path, save_state
from ido_analysis.pipeline.config import PipelineConfig
from ido_analysis.pipeline.execute import Outcome
from ido_analysis.pipeline.identity import RunInfo
from ido_analysis.pipeline.progress import say
from ido_analysis.pipeline.staging import CACHE_DIR, pages_pdf, staging_path

COMBINED_NAME = "rapport_compleet.pdf"
COMBINED_STATE_KEY = "__combined__"
COMBINED_RUN_KEY = "__combined_run__"   # identity of the run the combined PDF shows
FAILED_KEY = "failed"                   # in a chapter's state entry: its last failure
PACKAGE_KEY = "__package__"             # package hash the derived pages were made with
DERIVED_DIR = "derived"                 # <output>/.pipeline/derived/: stamps, front matter


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


def chapter_meta(config: PipelineConfig, name: str) -> dict[str, Any]:
    """Metadata of the chapter in place ({} when it has none)."""
    try:
        return json.loads((config.output_dir / CACHE_DIR / f"{name}.json").read_text(
            encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def complete(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
             run_key: str, failed: dict[str, Any]) -> bool:
    """Every chapter of the config is in place, made by the run ``run_key``, none failed."""
    made = {name for name, meta, _ in chapters if meta.get("run") == run_key}
    return not failed and made == {spec.name for spec in config.notebooks}


def record_failures(config: PipelineConfig, state: dict[str, Any],
                    failed: dict[str, str]) -> None:
    """Remember each failure (message, failed notebook) in the chapter's state entry until the
    chapter succeeds again (a success rewrites the entry)."""
    for name, message in failed.items():
        failed_nb = config.output_dir / "notebooks" / f"{name}.failed.ipynb"
        entry = state.setdefault(name, {})
        entry[FAILED_KEY] = {"message": message, "date": dt.date.today().isoformat(),
                             "notebook": str(failed_nb) if failed_nb.exists() else ""}


def failures(config: PipelineConfig, state: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Chapters whose last run failed, in report order."""
    return {s.name: state[s.name][FAILED_KEY] for s in config.notebooks
            if FAILED_KEY in state.get(s.name, {})}


def combined_key(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]]
                 ) -> str:
    return hash_json({"report": config.report,
                      "chapters": [(n, m, hash_path(b)) for n, m, b in chapters]})


def combined_up_to_date(config: PipelineConfig, state: dict[str, Any], key: str) -> bool:
    out = config.output_dir
    return (state.get(COMBINED_STATE_KEY) == key
            and all(p.exists() for p in (out / COMBINED_NAME, out / "index.html")))


def _processed_dir(config: PipelineConfig) -> Path | None:
    """The cleaned data of this run (per output folder, see ``config.apply_overrides``)."""
    from ido_analysis.pipeline.config import notebook_parameters

    if not config.notebooks:
        return None
    processed = notebook_parameters(config, config.notebooks[0]).get("processed_dir")
    return Path(processed) if processed else None


def site_pages(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
               info: RunInfo, codebook: Any) -> list[Any]:
    """The chapters plus the generated pages, in publication order (``report.site``)."""
    from ido_analysis.report import site

    bodies = [(n, m, b.read_text(encoding="utf-8")) for n, m, b in chapters]
    return site.build_pages(bodies, config.report.get("order"), codebook,
                            config.output_dir / "tables", info.n, dt.date.today(),
                            site.data_is_synthetic(_processed_dir(config)))


def run_facts(info: RunInfo) -> list[tuple[str, str]]:
    """Data file (name and short sha256), n, parameters and date of the run: the title page
    and the index show them (``report.site.run_facts``)."""
    from ido_analysis.report import site
    from ido_analysis.spec.survey import POPULATION

    day = dt.date.fromisoformat(info.run_date) if info.run_date else dt.date.today()
    return site.run_facts({"raw_path": info.data_name, **dict(sorted(info.parameters.items()))},
                          ["raw_path"], info.n, POPULATION, day, data_sha256=info.short_sha)


def index_notes(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
                failed: dict[str, dict[str, str]], info: RunInfo
                ) -> list[tuple[str, str]]:
    """``(text, href)`` of what the index must say before anything else: failed chapters
    (error, failed notebook) and chapters made by another run (other data or parameters)."""
    notes = []
    in_place = {name: meta for name, meta, _ in chapters}
    for spec in config.notebooks:
        if spec.name in failed:
            fail = failed[spec.name]
            notebook = (Path(fail["notebook"]).relative_to(config.output_dir).as_posix()
                        if fail.get("notebook") else "")
            notes.append((f"{spec.title}: MISLUKT. {fail['message']}", notebook))
        if spec.name in in_place and in_place[spec.name].get("run") != info.key:
            notes.append((f"{spec.title}: uit een andere uitvoering (andere data of "
                          "parameters); hoort niet bij dit rapport en staat er niet in", ""))
        elif spec.name not in in_place and spec.name not in failed:
            notes.append((f"{spec.title}: (nog) niet uitgevoerd", ""))
    return notes


# What publishing imports (WeasyPrint, pikepdf, pandas, the site): ~2 s, imported in the
# background once the last jobs run and a core is free, instead of after them
# (``preload_publishing``; earlier, every core is busy with notebooks).
PUBLISHING_MODULES = ("ido_analysis.report.site", "ido_analysis.report.combined",
                      "ido_analysis.report.dutch_csv", "weasyprint", "mistune")


def preload_publishing() -> threading.Thread:
    """Start importing ``PUBLISHING_MODULES`` in a daemon thread; join it before publishing
    (an import error surfaces there, when the module is imported again)."""

    def load() -> None:
        for name in PUBLISHING_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                return

    thread = threading.Thread(target=load, name="preload-publishing", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class QuestionnaireJob:
    """Lay out the questionnaire page's PDF in a worker while the notebooks run (picklable):
    it needs only the codebook, and publishing then finds it current (``stamps``)."""

    out: Path
    cache: Path
    stamps: Path
    day: str


def render_questionnaire(job: QuestionnaireJob) -> Outcome:
    """``site.write_generated_pdf`` of the questionnaire page (a background job)."""
    from ido_analysis.report import site
    from ido_analysis.spec.codebook import load_codebook

    start = time.perf_counter()
    try:
        page = site.questionnaire_page(load_codebook(), dt.date.fromisoformat(job.day))
        site.write_generated_pdf(job.out, page, job.cache, Stamps(job.stamps))
    except Exception as exc:  # noqa: BLE001 - publishing makes the page again and reports
        return Outcome("vragenlijst", False, time.perf_counter() - start, str(exc))
    return Outcome("vragenlijst", True, time.perf_counter() - start)


def background_jobs(config: PipelineConfig) -> list[tuple[Any, Any]]:
    """Publishing work that can start with the first notebook: the questionnaire page when
    the publication has one. Call after ``derived_stamps`` (which may clear its stamp)."""
    if "vragenlijst" not in (config.report.get("order") or []):
        return []
    cache = config.output_dir / CACHE_DIR
    return [(render_questionnaire, QuestionnaireJob(config.output_dir, cache,
                                                    cache / DERIVED_DIR,
                                                    dt.date.today().isoformat()))]


def derived_stamps(cache: Path, state: dict[str, Any], package: str) -> Stamps:
    """The stamps of the pages, tables and PDF parts publishing derives from the chapters
    (``core.stamps``); all are dropped when the package changed since they were made."""
    import shutil

    folder = cache / DERIVED_DIR
    if state.get(PACKAGE_KEY) != package:
        shutil.rmtree(folder, ignore_errors=True)
        state[PACKAGE_KEY] = package
    return Stamps(folder)


def publish(config: PipelineConfig, state: dict[str, Any], state_path: Path, stream: TextIO,
            info: RunInfo, stamps: Stamps | None = None) -> bool:
    """Site pages and ``index.html`` (always: they show the run, failed chapters and chapters
    of another run) and the combined PDF, only when every chapter is in place from this run's
    data and parameters and none failed; a combined PDF of another run is removed. The site
    holds only this run's chapters. Returns True when the combined PDF was rebuilt."""
    from ido_analysis.report import combined, render, site
    from ido_analysis.spec.codebook import load_codebook

    chapters = combined_chapters(config)
    failed = failures(config, state)
    current = [c for c in chapters if c[1].get("run") == info.key and c[0] not in failed]
    key = combined_key(config, current)
    out, cache = config.output_dir, config.output_dir / CACHE_DIR
    target = out / COMBINED_NAME
    whole = complete(config, chapters, info.key, failed)
    if not whole and state.get(COMBINED_RUN_KEY) != info.key:
        target.unlink(missing_ok=True)
        state.pop(COMBINED_STATE_KEY, None)
    if whole and combined_up_to_date(config, state, key):
        return False
    started = time.perf_counter()
    what = f"{COMBINED_NAME} + index.html" if whole else "index.html"
    say(stream, f"  run   {what}")
    report = render.ChapterMeta(title=config.report.get("title", "Rapport"),
                                subtitle=config.report.get("subtitle", ""),
                                source=config.report.get("source", ""))
    codebook = load_codebook()
    stamps = stamps or Stamps(None)  # without the run's stamps: everything is made
    pages, facts = site_pages(config, current, info, codebook), run_facts(info)
    today = dt.date.today()
    notes = index_notes(config, chapters, failed, info)
    if not whole:
        notes.insert(0, ("Volledig rapport: niet gemaakt, onvolledig (niet alle hoofdstukken "
                         "zijn met deze data en parameters gelukt)", ""))
    site.write_site(out, pages, report, facts, COMBINED_NAME if whole else "", today,
                    _processed_dir(config), codebook, cache, notes=notes, stamps=stamps)
    rebuilt = False
    if whole:
        combined.write_combined_pdf(report, [(p.name, p.meta, pages_pdf(cache, p.name))
                                             for p in pages], today, facts, staging_path(target),
                                    stamps)
        os.replace(staging_path(target), target)
        state[COMBINED_STATE_KEY], state[COMBINED_RUN_KEY] = key, info.key
        rebuilt = True
    save_state(state_path, state)
    say(stream, f"  done  {what} ({time.perf_counter() - started:.1f} s)")
    return rebuilt
