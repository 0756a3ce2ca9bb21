"""``ido-analysis factsheets``: one feedback factsheet per responding municipality.

Contract (details in README, "Factsheets"):

- The raw export is cleaned first (``ingest.clean``: ``processed_dir`` stays free of
  municipality codes), then the respondent -> municipality link is made in memory from the raw
  export (``ingest.linkage``). One task per respondent: a respondent who answered for several
  municipalities gets one factsheet naming all of them.
- Each task runs ``notebooks/gemeente_factsheet.ipynb`` with the municipality injected (papermill
  parameters), renders its HTML and PDF like a chapter (``report.render``) and moves the three
  files in place together (``staging``). Tasks run in the pipeline's pool of worker processes
  (``schedule``); every worker keeps one warm kernel for all its tasks (started under the
  pipeline's kernel-start lock), so the per-factsheet cost is the notebook's own work plus the
  rendering, not a kernel start and imports.
- Protection (``analysis.factsheet_release``), computed once per run in this process before
  any factsheet renders: the comparison cells of *all* factsheets (every question, every
  comparison group) in one disclosure ledger with everything the run publishes, read from the
  run's ``tables/`` (``report.release_audit.read_tables``, the attacker's own reading). The run
  must be of the same data and parameters: every chapter in place carries the run identity
  (``identity.run_info``) of this configuration, otherwise the command stops and asks for
  ``ido-analysis run`` first. The result is written to ``<output>/.bescherming/`` (mode 0700):
  ``bescherming.json`` (passed to every notebook as ``protection_path``) and
  ``onthulling_factsheets.csv`` (every hidden factsheet cell with its reason).
- Incremental: a task's cache key hashes the notebook, its parameters, the input files (raw
  export, reference table, processed dataset), the protection file, the package source and
  reference data and the title; a factsheet whose key is unchanged and whose files exist is
  skipped.
  ``<output>/.factsheets-state.json`` stores the keys.
- Output folder (default ``reports/factsheets``) is created with mode 0700, holds ``README.md``
  (it must not be published as a whole), ``index.html``, ``<slug>.html``, ``<slug>.pdf`` and
  ``notebooks/<slug>.ipynb``. Factsheets of respondents no longer in the export are removed.
  Nothing else in the repository writes or reads this folder; ``ido-analysis run`` and
  ``make report`` never call this module.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ido_analysis.pipeline.cache import hash_json, hash_path, load_state, package_hash, save_state
from ido_analysis.pipeline.config import (
    PipelineConfig,
    PipelineError,
    apply_overrides,
    load_config,
)
from ido_analysis.pipeline.execute import Outcome, kernel_name, stderr_to
from ido_analysis.pipeline.progress import say
from ido_analysis.pipeline.schedule import executor_for
from ido_analysis.pipeline.staging import staging_path

NOTEBOOK = "gemeente_factsheet"
DEFAULT_SUBDIR = "factsheets"
PROTECTION_DIR = ".bescherming"
PROTECTION_FILE = "bescherming.json"
PROTECTION_REPORT = "onthulling_factsheets.csv"
STATE_FILE = ".factsheets-state.json"
CELL_TIMEOUT = 600
NOTICE = """# Factsheets per gemeente: vertrouwelijk

Elke factsheet in deze map toont de antwoorden van één gemeente (of van de gemeenten waarvoor één
respondent antwoordde) en noemt die gemeente. **Publiceer deze map nooit als geheel** en zet haar
niet in `reports/` van een openbare site: stuur elke gemeente alleen haar eigen factsheet.

- `index.html`: lijst van alle factsheets (noemt alle responderende gemeenten: vertrouwelijk).
- `<gemeente>.html`, `<gemeente>.pdf`: de factsheet; `notebooks/`: de uitgevoerde notebooks.
- `.bescherming/`: welke cijfers van de vergelijkingsgroepen geen enkele factsheet toont en
  waarom (`onthulling_factsheets.csv`), berekend over alle factsheets samen met alle
  gepubliceerde tabellen van het rapport.
- Gemaakt met `ido-analysis factsheets`; de koppeling respondent-gemeente wordt daarbij uit de
  ruwe export gemaakt en alleen in het geheugen gehouden.
"""


@dataclass(frozen=True)
class FactsheetTask:
    """One factsheet, rendered in a worker process (picklable)."""

    slug: str
    title: str
    source: Path
    parameters: dict[str, Any]
    kernel: str
    day: str
    notebook: Path
    html: Path
    pdf: Path
    log: Path

    def pairs(self) -> list[tuple[Path, Path]]:
        """(temporary, final) path of every output."""
        return [(staging_path(p), p) for p in (self.notebook, self.html, self.pdf)]


@dataclass
class FactsheetResult:
    """What a factsheets run did; ``exit_code`` 1 when any factsheet failed."""

    rendered: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    output_dir: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


# --- worker: one warm kernel per process --------------------------------------------------

_KERNEL: dict[str, Any] = {}


def _warm_kernel(name: str, cwd: Path, log: Path) -> tuple[Any, Any]:
    """The kernel manager and client of this process, started on first use (under the
    pipeline's kernel-start lock when running in a worker of the pool); a dead kernel is
    replaced."""
    if "km" in _KERNEL and not _KERNEL["km"].is_alive():
        shutdown_kernel()
    if "km" not in _KERNEL:
        from jupyter_client.manager import start_new_kernel

        from ido_analysis.pipeline import execute

        lock = execute.START_LOCK
        if lock is not None:
            lock.acquire()
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with stderr_to(log):
                km, kc = start_new_kernel(kernel_name=name, cwd=str(cwd))
        finally:
            if lock is not None:
                lock.release()
        _KERNEL.update(km=km, kc=kc)
        atexit.register(shutdown_kernel)
    return _KERNEL["km"], _KERNEL["kc"]


def shutdown_kernel() -> None:
    """Stop this process's warm kernel (registered with ``atexit``; safe to call twice)."""
    kc, km = _KERNEL.pop("kc", None), _KERNEL.pop("km", None)
    if kc is not None:
        kc.stop_channels()
    if km is not None:
        km.shutdown_kernel(now=True)


def _execute(task: FactsheetTask) -> Any:
    """The parameterised notebook, executed in the warm kernel."""
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(task.source))
    nb = parameterize_notebook(nb, task.parameters, kernel_name=task.kernel, language="python")
    km, kc = _warm_kernel(task.kernel, task.source.parent, task.log)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name=task.kernel,
                            resources={"metadata": {"path": str(task.source.parent)}})
    client.kc = kc
    client.execute()
    return nb


def _failure(task: FactsheetTask, exc: BaseException) -> str:
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError):
        return f"{task.slug}: {NOTEBOOK}.ipynb: {exc.ename}: {exc.evalue}"
    return f"{task.slug}: {type(exc).__name__}: {exc}"


def render_factsheet(task: FactsheetTask) -> Outcome:
    """Execute, render HTML and PDF to temporary names, then move all three in place. On
    failure the temporary files are removed and the last good factsheet stays."""
    import nbformat

    from ido_analysis.report import render

    start = time.perf_counter()
    pairs = task.pairs()
    try:
        nb = _execute(task)
        for tmp, _ in pairs:
            tmp.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, pairs[0][0])
        meta = render.notebook_meta(nb, task.title, name=task.slug)
        body = render.render_body(nb, meta.title)
        page = render.chapter_html(body, meta, dt.date.fromisoformat(task.day))
        pairs[1][0].write_text(page, encoding="utf-8")
        render.write_pdf(page, pairs[2][0])
        for tmp, final in pairs:
            os.replace(tmp, final)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        for tmp, _ in pairs:
            tmp.unlink(missing_ok=True)
        return Outcome(task.slug, False, time.perf_counter() - start, _failure(task, exc))
    return Outcome(task.slug, True, time.perf_counter() - start)


# --- planning -------------------------------------------------------------------------------

def slugify(text: str) -> str:
    """File-name part: ``Bergen (NH.)`` -> ``bergen-nh``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def slugs(links: list[Any]) -> list[str]:
    """One unique file name per link (names joined; a repeated one gets ``-2``, ``-3``)."""
    seen: dict[str, int] = {}
    out = []
    for link in links:
        base = "-".join(slugify(n) for n in link.names)[:80].strip("-") or "gemeente"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def factsheet_parameters(config: PipelineConfig) -> dict[str, Any]:
    """Common parameters (absolute paths) of every factsheet, from the config and overrides."""
    from ido_analysis.pipeline.config import NotebookSpec, notebook_parameters

    params = notebook_parameters(config, NotebookSpec(name=NOTEBOOK, title=NOTEBOOK))
    return {k: params[k] for k in ("processed_dir", "raw_path", "reference_path", "min_cell",
                                   "mapping_path") if k in params}


def wanted_respondents(links: list[Any], only: Iterable[str] | None) -> set[int] | None:
    """Respondent ids of the links covering ``only`` (codes or names); None for all.
    PipelineError when none of them responded."""
    from ido_analysis.ingest.linkage import find_links

    if not only:
        return None
    wanted = {lk.respondent_id for name in only for lk in find_links(links, name)}
    if not wanted:
        raise PipelineError("none of " + ", ".join(only) + " responded")
    return wanted


def plan(config: PipelineConfig, output_dir: Path, links: list[Any],
         kernel: str, only: Iterable[str] | None = None,
         protection: Path | None = None) -> list[tuple[FactsheetTask, str]]:
    """One (task, cache key) per link; ``only`` keeps the links covering those
    municipalities (codes or names); ``protection``: the file of ``write_protection``."""
    from ido_analysis.report.factsheet import factsheet_title
    from ido_analysis.spec.codebook import load_codebook
    from ido_analysis.spec.factsheet import load_factsheet_spec

    spec = load_factsheet_spec(load_codebook())
    common = factsheet_parameters(config)
    if protection is not None:
        common["protection_path"] = str(protection)
    processed = Path(common["processed_dir"]) / "respondents.parquet"
    shared = hash_json({
        "notebook": hash_path(config.notebook_path(NOTEBOOK)), "common": common,
        "inputs": [hash_path(Path(common[k])) for k in ("raw_path", "reference_path")
                   if k in common] + [hash_path(processed)]
        + ([hash_path(protection)] if protection is not None else []),
        "package": package_hash(config)})
    duplicated = {c for c in (lk.codes[0] for lk in links)
                  if sum(lk.codes[0] == c for lk in links) > 1}
    wanted = wanted_respondents(links, only)
    day = dt.date.today().isoformat()
    tasks = []
    for link, slug in zip(links, slugs(links), strict=True):
        if wanted is not None and link.respondent_id not in wanted:
            continue
        params = {**common, "gemeente": link.codes[0],
                  "respondent": link.respondent_id if link.codes[0] in duplicated else None}
        title = factsheet_title(spec, link)
        task = FactsheetTask(
            slug=slug, title=title, source=config.notebook_path(NOTEBOOK), parameters=params,
            kernel=kernel, day=day, notebook=output_dir / "notebooks" / f"{slug}.ipynb",
            html=output_dir / f"{slug}.html", pdf=output_dir / f"{slug}.pdf",
            log=output_dir / ".kernel.log")
        tasks.append((task, hash_json({"shared": shared, "parameters": params,
                                       "title": title})))
    return tasks


# --- protection of the comparison cells, once per run ------------------------------------------

def check_release(config: PipelineConfig) -> Path:
    """The output folder of the run these factsheets are published beside; PipelineError
    unless every chapter in it was made by a run of this data and these parameters."""
    from ido_analysis.pipeline.identity import run_info
    from ido_analysis.pipeline.publish import combined_chapters

    key = run_info(config).key
    made = {name for name, meta, _ in combined_chapters(config) if meta.get("run") == key}
    missing = [spec.name for spec in config.notebooks if spec.name not in made]
    if missing or not (config.output_dir / "tables").is_dir():
        raise PipelineError(
            f"no complete run of this data and these parameters in {config.output_dir} "
            f"(not in place: {', '.join(missing) or 'tables/'}); the factsheets are protected "
            "together with the published tables of that run: run `ido-analysis run` with the "
            "same --data/--set first (or pass its folder with --run)")
    return config.output_dir


def write_protection(config: PipelineConfig, output_dir: Path, release_dir: Path,
                     stream: TextIO = sys.stderr) -> Path:
    """Protect the comparison cells of every factsheet together with the tables published in
    ``release_dir/tables`` (``analysis.factsheet_release``); write ``bescherming.json`` and
    the disclosure report into ``<output_dir>/.bescherming`` (mode 0700). The file is
    rewritten only when its content changes (its hash is in every task's cache key).
    PipelineError when a cell cannot be protected."""
    import pandas as pd

    from ido_analysis.analysis.factsheet import comparison_groups
    from ido_analysis.analysis.factsheet_release import protect_factsheets
    from ido_analysis.core.files import write_text_atomic
    from ido_analysis.report.crosstab_report import derived_questions
    from ido_analysis.report.release_audit import read_tables
    from ido_analysis.spec.codebook import load_codebook
    from ido_analysis.spec.derived import load_derived
    from ido_analysis.spec.factsheet import load_factsheet_spec

    start = time.perf_counter()
    params = factsheet_parameters(config)
    min_cell = int(params.get("min_cell", 5))
    codebook = load_codebook()
    spec = load_factsheet_spec(codebook)
    derived = derived_questions(codebook)
    definitions = {str(g["name"]): g for g in load_derived(codebook).groups}
    df = pd.read_parquet(Path(params["processed_dir"]) / "respondents.parquet")
    groups = comparison_groups(df, spec.comparison_column, min_cell)
    tables = read_tables(release_dir, codebook, derived, definitions)
    protection, _ = protect_factsheets(
        df, [codebook[q] for q in spec.questions], groups, spec.comparison_column, tables,
        {**{q.id: q for q in codebook}, **derived}, min_cell)
    folder = output_dir / PROTECTION_DIR
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / PROTECTION_FILE
    text = protection.to_json()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text_atomic(path, text)
    report = protection.report().to_csv(index=False, lineterminator="\n")
    write_text_atomic(folder / PROTECTION_REPORT, report)
    say(stream, f"protection: {len(protection.cells)} comparison cell(s), "
                f"{len(protection.bases)} base(s), {len(protection.sizes)} group size(s) hidden "
                f"over all factsheets with the release in {release_dir / 'tables'} "
                f"({time.perf_counter() - start:.1f} s)")
    for text in protection.release_exposures:
        say(stream, f"  WARNING the published release alone gives away: {text}")
    if protection.exposures:
        raise PipelineError("factsheets: cells that cannot be protected: "
                            + "; ".join(protection.exposures))
    return path


# --- output folder --------------------------------------------------------------------------

def prepare_output(output_dir: Path) -> None:
    """Create the folder with mode 0700 (also when it existed) and write the notice."""
    output_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(output_dir, 0o700)
    readme = output_dir / "README.md"
    if not readme.exists() or readme.read_text(encoding="utf-8") != NOTICE:
        readme.write_text(NOTICE, encoding="utf-8")


def remove_stale(output_dir: Path, state: dict[str, Any], keep: set[str]) -> list[str]:
    """Delete the factsheets of slugs in ``state`` that are not in ``keep``."""
    removed = []
    for slug in sorted(set(state) - keep):
        for path in (output_dir / f"{slug}.html", output_dir / f"{slug}.pdf",
                     output_dir / "notebooks" / f"{slug}.ipynb"):
            path.unlink(missing_ok=True)
        del state[slug]
        removed.append(slug)
    return removed


def write_index(output_dir: Path, tasks: list[FactsheetTask], state: dict[str, Any]) -> Path:
    """``index.html``: every factsheet in place, by title, with its date."""
    from ido_analysis.report.factsheet import index_html

    rows = [(t.title, t.slug, state[t.slug]["date"]) for t in tasks
            if t.slug in state and t.html.exists() and t.pdf.exists()]
    path = output_dir / "index.html"
    path.write_text(index_html(rows, dt.date.today()), encoding="utf-8")
    return path


# --- the run --------------------------------------------------------------------------------

def render_all(config: PipelineConfig, output_dir: Path, links: list[Any],
               jobs: int | None = None, force: bool = False, only: Iterable[str] | None = None,
               stream: TextIO = sys.stderr, release_dir: Path | None = None) -> FactsheetResult:
    """Protect the comparison cells once (``write_protection``, against the tables in
    ``release_dir``; None: the run in the configured output folder, ``check_release``), then
    render the factsheets of ``links`` that are out of date, in parallel; then the index.
    Assumes ``processed_dir`` holds the cleaned version of ``raw_path``."""
    import concurrent.futures as cf

    start = time.perf_counter()
    result = FactsheetResult(output_dir=output_dir)
    wanted_respondents(links, only)   # an unknown municipality first, before any work
    release_dir = Path(release_dir) if release_dir is not None else check_release(config)
    prepare_output(output_dir)
    protection = write_protection(config, output_dir, release_dir, stream)
    state_path = output_dir / STATE_FILE
    state = load_state(state_path)
    planned = plan(config, output_dir, links, kernel_name(), only, protection)
    if not only:
        result.removed = remove_stale(output_dir, state, {t.slug for t, _ in planned})
    todo = []
    for task, key in planned:
        fresh = (not force and state.get(task.slug, {}).get("key") == key
                 and task.html.exists() and task.pdf.exists())
        if fresh:
            result.up_to_date.append(task.slug)
        else:
            todo.append((task, key))
    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    say(stream, f"ido-analysis factsheets: {len(planned)} factsheet(s), {len(todo)} to render, "
                f"{n_jobs} job(s), output {output_dir}")
    executor = executor_for(n_jobs)
    try:
        futures = {executor.submit(render_factsheet, task): (task, key) for task, key in todo}
        for future in cf.as_completed(futures):
            task, key = futures[future]
            outcome = future.result()
            if outcome.ok:
                state[task.slug] = {"key": key, "date": task.day,
                                    "seconds": round(outcome.seconds, 2)}
                save_state(state_path, state)
                result.rendered.append(task.slug)
                say(stream, f"  done  {task.slug} ({outcome.seconds:.1f} s)")
            else:
                result.failed[task.slug] = outcome.message
                say(stream, f"  FAIL  {outcome.message}")
    finally:
        executor.shutdown()
        shutdown_kernel()
    save_state(state_path, state)
    write_index(output_dir, [t for t, _ in planned], state)
    result.seconds = time.perf_counter() - start
    say(stream, f"total {result.seconds:.1f} s: {len(result.rendered)} rendered, "
                f"{len(result.up_to_date)} up to date, {len(result.failed)} failed")
    return result


def run_factsheets(config: PipelineConfig, output_dir: Path | None = None,
                   jobs: int | None = None, force: bool = False,
                   only: Iterable[str] | None = None,
                   stream: TextIO = sys.stderr) -> FactsheetResult:
    """Clean the raw export into ``processed_dir``, link respondents to municipalities in
    memory, render every factsheet (see the module docstring)."""
    from ido_analysis.ingest.clean import clean_export
    from ido_analysis.ingest.linkage import municipality_links

    params = factsheet_parameters(config)
    output_dir = Path(output_dir or config.output_dir / DEFAULT_SUBDIR).resolve()
    raw, reference, mapping = (params["raw_path"], params.get("reference_path"),
                               params.get("mapping_path"))
    cleaned = clean_export(raw, params["processed_dir"], reference, mapping_path=mapping)
    kept = set(cleaned.frame["respondent_id"].astype(int))   # rows without answers are dropped
    links = [lk for lk in municipality_links(raw, reference, mapping_path=mapping)
             if lk.respondent_id in kept]
    return render_all(config, output_dir, links, jobs=jobs, force=force, only=only,
                      stream=stream)


def cli_factsheets(args: Any) -> int:
    """Entry point of ``ido-analysis factsheets`` (arguments: see ido_analysis/cli.py)."""
    from ido_analysis.ingest.clean import CleaningError
    from ido_analysis.ingest.reader import ExportError
    from ido_analysis.ingest.tool_import import MappingError

    try:
        config = load_config(getattr(args, "config", None))
        config = apply_overrides(config, data=getattr(args, "data", None),
                                 output=getattr(args, "run", None),
                                 overrides=getattr(args, "overrides", None) or (),
                                 mapping=getattr(args, "mapping", None))
        output = getattr(args, "output", None)
        result = run_factsheets(config, Path(output) if output else None,
                                jobs=getattr(args, "jobs", None),
                                force=bool(getattr(args, "force", False)),
                                only=getattr(args, "only", None))
    except (PipelineError, ExportError, CleaningError, MappingError) as exc:
        print(f"ido-analysis factsheets: {exc}", file=sys.stderr)
        return 2
    for message in result.failed.values():
        print(f"FAILED {message}", file=sys.stderr)
    return result.exit_code
