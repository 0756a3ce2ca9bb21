"""Publishing a run: the combined PDF and ``index.html`` from the chapters in place."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ido_analysis.pipeline.cache import hash_json, hash_path, save_state
from ido_analysis.pipeline.config import PipelineConfig
from ido_analysis.pipeline.execute import Outcome
from ido_analysis.pipeline.progress import say
from ido_analysis.pipeline.staging import CACHE_DIR, staging_path

if TYPE_CHECKING:
    from ido_analysis.report.render import ChapterMeta


COMBINED_NAME = "rapport_compleet.pdf"



COMBINED_STATE_KEY = "__combined__"



@dataclass(frozen=True)
class CombinedJob:
    """The combined report, rendered in a worker process (picklable)."""

    key: str                                      # cache key of the chapters it contains
    report: dict[str, str]
    chapters: tuple[tuple[str, dict[str, Any], str], ...]  # (name, metadata, body) in order
    day: str
    target: Path                                  # temporary PDF path



def combined_task(job: CombinedJob) -> Outcome:
    """Render the combined PDF to ``job.target``; failures are reported, not raised."""
    start = time.perf_counter()
    try:
        write_combined(job)
    except Exception as exc:  # noqa: BLE001 - the caller falls back to a serial render
        return Outcome(COMBINED_NAME, False, time.perf_counter() - start,
                       f"{COMBINED_NAME}: {type(exc).__name__}: {exc}")
    return Outcome(COMBINED_NAME, True, time.perf_counter() - start)



def _chapter_meta(meta: dict[str, Any]) -> ChapterMeta:
    from ido_analysis.report import render

    return render.ChapterMeta(meta["title"], meta["subtitle"], meta["source"],
                              bool(meta["synthetic"]))



def write_combined(job: CombinedJob) -> None:
    from ido_analysis.report import render

    report = render.ChapterMeta(title=job.report.get("title", "Rapport"),
                                subtitle=job.report.get("subtitle", ""),
                                source=job.report.get("source", ""))
    document = render.combined_html([(f"h-{n}", _chapter_meta(m), b) for n, m, b in job.chapters],
                                    report, dt.date.fromisoformat(job.day))
    render.write_pdf(document, job.target)



def combined_chapters(config: PipelineConfig, staged: Iterable[str] = ()
                       ) -> list[tuple[str, dict[str, Any], Path]]:
    """``(name, metadata, body file)`` of every chapter with a rendered body, in report order.
    Chapters in ``staged`` are read from their temporary names (PDF not yet in place)."""
    cache, staged = config.output_dir / CACHE_DIR, set(staged)
    found = []
    for spec in config.notebooks:
        meta_path, body_path = cache / f"{spec.name}.json", cache / f"{spec.name}.body.html"
        if spec.name in staged:
            meta_path, body_path = staging_path(meta_path), staging_path(body_path)
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



def combined_job(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
                  key: str) -> CombinedJob:
    """The bodies are read now: a staged chapter's files move while the job runs."""
    return CombinedJob(key=key, report=dict(config.report),
                       chapters=tuple((n, m, b.read_text(encoding="utf-8"))
                                      for n, m, b in chapters),
                       day=dt.date.today().isoformat(),
                       target=staging_path(config.output_dir / COMBINED_NAME))



def publish(config: PipelineConfig, state: dict[str, Any], state_path: Path, stream: TextIO,
             early: tuple[CombinedJob, Outcome] | None = None) -> bool:
    """Combined PDF and index.html, when any chapter changed. Returns True when rebuilt.

    ``early`` is the combined report rendered during the run from the chapters as they were
    when the last notebook finished; it is used only when its key equals the key of the
    chapters now in place (else, e.g. after a failed chapter PDF, the report is rendered
    again here)."""
    chapters = combined_chapters(config)
    key = combined_key(config, chapters)
    if early and not (early[1].ok and early[0].key == key):
        early[0].target.unlink(missing_ok=True)
        early = None
    if not chapters or combined_up_to_date(config, state, key):
        return False
    out = config.output_dir
    target = out / COMBINED_NAME
    started = time.perf_counter()
    seconds = early[1].seconds if early else 0.0
    if early:
        os.replace(early[0].target, target)
    else:
        say(stream, f"  run   {COMBINED_NAME} ({len(chapters)} chapters)")
        job = combined_job(config, chapters, key)
        write_combined(job)
        os.replace(job.target, target)
    from ido_analysis.report import render

    today = dt.date.today()
    report = render.ChapterMeta(title=config.report.get("title", "Rapport"),
                                subtitle=config.report.get("subtitle", ""),
                                source=config.report.get("source", ""))
    rows = [(f"Volledig rapport ({len(chapters)} hoofdstukken)", COMBINED_NAME,
             render.dutch_date(today))]
    for name, meta, _body in chapters:
        when = render.dutch_date(dt.date.fromisoformat(meta["date"]))
        rows += [(f"{meta['title']} (HTML)", f"{name}.html", when),
                 (f"{meta['title']} (PDF)", f"{name}.pdf", when),
                 (f"{meta['title']} (uitgevoerde notebook)", f"notebooks/{name}.ipynb", when)]
    disclosure = out / "tables" / "onthulling.csv"
    if disclosure.exists():
        rows.append(("Geheimhouding: elke onderdrukte cel met de reden", "tables/onthulling.csv",
                     render.dutch_date(today)))
    (out / "index.html").write_text(render.index_html(report, rows, today), encoding="utf-8")
    state[COMBINED_STATE_KEY] = key
    save_state(state_path, state)
    seconds += time.perf_counter() - started
    say(stream, f"  done  {COMBINED_NAME} + index.html ({seconds:.1f} s)")
    return True
