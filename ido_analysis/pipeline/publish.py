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
from ido_analysis.pipeline.identity import RunInfo
from ido_analysis.pipeline.progress import say
from ido_analysis.pipeline.staging import CACHE_DIR, staging_path

if TYPE_CHECKING:
    from ido_analysis.report.render import ChapterMeta


COMBINED_NAME = "rapport_compleet.pdf"



COMBINED_STATE_KEY = "__combined__"
COMBINED_RUN_KEY = "__combined_run__"   # identity of the run the combined PDF shows
FAILED_KEY = "failed"                   # in a chapter's state entry: its last failure



@dataclass(frozen=True)
class CombinedJob:
    """The combined report, rendered in a worker process (picklable)."""

    key: str                                      # cache key of the chapters it contains
    report: dict[str, str]
    chapters: tuple[tuple[str, dict[str, Any], str], ...]  # (name, metadata, body) in order
    day: str
    target: Path                                  # temporary PDF path
    run_lines: tuple[str, ...] = ()               # RunInfo.lines(), on the title page



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
                                    report, dt.date.fromisoformat(job.day),
                                    run_lines=job.run_lines)
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



def combined_job(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
                  key: str, info: RunInfo) -> CombinedJob:
    """The bodies are read now: a staged chapter's files move while the job runs."""
    return CombinedJob(key=key, report=dict(config.report),
                       chapters=tuple((n, m, b.read_text(encoding="utf-8"))
                                      for n, m, b in chapters),
                       day=dt.date.today().isoformat(),
                       target=staging_path(config.output_dir / COMBINED_NAME),
                       run_lines=tuple(info.lines()))



def publish(config: PipelineConfig, state: dict[str, Any], state_path: Path, stream: TextIO,
            early: tuple[CombinedJob, Outcome] | None, info: RunInfo) -> bool:
    """Combined PDF (when every chapter is in place from this run's data and parameters and
    none failed) and index.html (always: it shows the run, failed chapters and chapters of
    another run). Returns True when the combined PDF was rebuilt.

    ``early`` is the combined report rendered during the run from the chapters as they were
    when the last notebook finished; it is used only when its key equals the key of the
    chapters now in place (else, e.g. after a failed chapter PDF, the report is rendered
    again here). A combined PDF of another run is removed: it would not match the chapters."""
    chapters = combined_chapters(config)
    failed = failures(config, state)
    key = combined_key(config, chapters)
    usable = bool(early and early[1].ok and early[0].key == key)
    if early and not usable:
        early[0].target.unlink(missing_ok=True)
    out = config.output_dir
    target = out / COMBINED_NAME
    rebuilt = False
    if not complete(config, chapters, info.key, failed):
        if state.get(COMBINED_RUN_KEY) != info.key:
            target.unlink(missing_ok=True)
            state.pop(COMBINED_STATE_KEY, None)
    elif not combined_up_to_date(config, state, key):
        started = time.perf_counter()
        seconds = early[1].seconds if usable and early else 0.0
        if usable and early:
            os.replace(early[0].target, target)
        else:
            say(stream, f"  run   {COMBINED_NAME} ({len(chapters)} chapters)")
            job = combined_job(config, chapters, key, info)
            write_combined(job)
            os.replace(job.target, target)
        state[COMBINED_STATE_KEY], state[COMBINED_RUN_KEY] = key, info.key
        seconds += time.perf_counter() - started
        say(stream, f"  done  {COMBINED_NAME} ({seconds:.1f} s)")
        rebuilt = True
    if early:  # not used (a used one was moved in place)
        early[0].target.unlink(missing_ok=True)
    write_index(config, chapters, failed, info, state.get(COMBINED_RUN_KEY) == info.key
                and target.exists())
    save_state(state_path, state)
    return rebuilt



def index_rows(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
               failed: dict[str, dict[str, str]], info: RunInfo, combined_ok: bool
               ) -> list[tuple[str, str, str]]:
    """``(description, href, date)`` rows of the index: the combined report (or why there is
    none), then per chapter its outputs, its failure, or that it comes from another run."""
    from ido_analysis.report import render

    def when(iso: str) -> str:
        return render.dutch_date(dt.date.fromisoformat(iso)) if iso else ""

    in_place = {name: meta for name, meta, _ in chapters}
    current = [n for n, m in in_place.items() if m.get("run") == info.key]
    if combined_ok:
        rows = [(f"Volledig rapport ({len(current)} hoofdstukken)", COMBINED_NAME,
                 when(info.run_date))]
    else:
        rows = [("Volledig rapport: niet gemaakt, onvolledig (niet alle hoofdstukken zijn met "
                 "deze data en parameters gelukt; zie hieronder)", "", "")]
    for spec in config.notebooks:
        meta = in_place.get(spec.name)
        if spec.name in failed:
            fail = failed[spec.name]
            notebook = Path(fail["notebook"]).relative_to(config.output_dir).as_posix() \
                if fail.get("notebook") else ""
            rows.append((f"{spec.title}: MISLUKT. {fail['message']}", notebook,
                         when(fail.get("date", ""))))
        if meta is None:
            continue
        if meta.get("run") != info.key:
            rows.append((f"{meta['title']}: uit een andere uitvoering (andere data of "
                         "parameters), hoort niet bij dit rapport", f"{spec.name}.html",
                         when(meta.get("date", ""))))
            continue
        if spec.name in failed:
            continue
        rows += [(f"{meta['title']} (HTML)", f"{spec.name}.html", when(meta["date"])),
                 (f"{meta['title']} (PDF)", f"{spec.name}.pdf", when(meta["date"])),
                 (f"{meta['title']} (uitgevoerde notebook)", f"notebooks/{spec.name}.ipynb",
                  when(meta["date"]))]
    if (config.output_dir / "tables" / "onthulling.csv").exists():
        rows.append(("Geheimhouding: elke onderdrukte cel met de reden", "tables/onthulling.csv",
                     when(info.run_date)))
    return rows



def write_index(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]],
                failed: dict[str, dict[str, str]], info: RunInfo, combined_ok: bool) -> Path:
    """``index.html`` with the run's identity and every chapter's state."""
    from ido_analysis.report import render

    report = render.ChapterMeta(title=config.report.get("title", "Rapport"),
                                subtitle=config.report.get("subtitle", ""),
                                source=config.report.get("source", ""))
    rows = index_rows(config, chapters, failed, info, combined_ok)
    path = config.output_dir / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render.index_html(report, rows, dt.date.fromisoformat(info.run_date),
                                      run_lines=info.lines()), encoding="utf-8")
    return path
