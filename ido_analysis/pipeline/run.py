"""``ido-analysis run``: execute what is out of date, render, publish."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from ido_analysis.core.files import write_text_atomic
from ido_analysis.ingest.tool_import import SUGGESTION_NAME
from ido_analysis.pipeline.cache import (
    STATE_FILE,
    declared_outputs_hash,
    execution_key,
    load_state,
    notebook_key,
    package_hash,
    save_state,
)
from ido_analysis.pipeline.config import (
    PipelineConfig,
    PipelineError,
    apply_overrides,
    load_config,
    notebook_parameters,
    selection,
)
from ido_analysis.pipeline.execute import Outcome, Task, kernel_name
from ido_analysis.pipeline.identity import run_info
from ido_analysis.pipeline.parameters import check_paths
from ido_analysis.pipeline.progress import say
from ido_analysis.pipeline.publish import (
    FAILED_KEY,
    background_jobs,
    chapter_meta,
    derived_stamps,
    preload_publishing,
    publish,
    record_failures,
)
from ido_analysis.pipeline.reuse import ReuseError, with_outputs
from ido_analysis.pipeline.schedule import RunResult, Scheduler
from ido_analysis.pipeline.staging import CACHE_DIR, OUTPUT_PARAMETER, STAGE_DIR, chapter_files


def run_pipeline(config: PipelineConfig, only: Iterable[str] | None = None, force: bool = False,
                 jobs: int | None = None, stream: TextIO = sys.stderr) -> RunResult:
    """Execute and render what is out of date; then the combined PDF and the index."""
    start = time.perf_counter()
    preloading: list[Any] = []
    result = RunResult()
    order = selection(config, only)
    forced = set(only or order) if force else set()
    state_path = config.output_dir / STATE_FILE
    state = load_state(state_path)
    package = package_hash(config)
    identity = run_info(config)
    keys: dict[str, str] = {}
    executions: dict[str, str] = {}
    today = dt.date.today().isoformat()
    kernel: list[str] = []

    def fingerprint(name: str) -> str:
        """What a dependent sees of ``name``: its declared outputs, else its execution."""
        spec = config.spec(name)
        return declared_outputs_hash(config, spec) if spec.outputs else executions.get(
            name, state.get(name, {}).get("execution", "missing"))

    def in_place(name: str) -> bool:
        """Every output of the chapter's last good run is where it was published."""
        entry, spec = state.get(name, {}), config.spec(name)
        return (all(p.exists() for p in chapter_files(config, name))
                and all((config.output_dir / f).exists() for f in entry.get("files", []))
                and entry.get("outputs") == declared_outputs_hash(config, spec))

    def narrative_only(name: str) -> bool:
        """Only the narrative changed since the last good run: its executed notebook holds
        the outputs of the current code cells (``reuse``)."""
        if state.get(name, {}).get("execution") != executions[name]:
            return False
        try:
            with_outputs(config.notebook_path(name), chapter_files(config, name)[0])
        except (ReuseError, OSError, ValueError):
            return False
        return True

    def prepare(name: str) -> Task | None:
        spec = config.spec(name)
        executions[name] = execution_key(config, spec, package,
                                         {d: fingerprint(d) for d in spec.depends_on})
        keys[name] = notebook_key(config, spec, executions[name])
        entry = state.get(name, {})
        placed = name not in forced and in_place(name)
        if placed and entry.get("key") == keys[name]:
            entry.pop(FAILED_KEY, None)   # back to a configuration that had succeeded
            return None
        reuse = placed and narrative_only(name)
        if not kernel and not reuse:
            kernel.append(kernel_name())
        nb_file, html_file, pdf_file, *_ = chapter_files(config, name)
        params = notebook_parameters(config, spec)
        stage = None if reuse else config.output_dir / CACHE_DIR / STAGE_DIR / name
        if stage is not None and OUTPUT_PARAMETER in params:
            params[OUTPUT_PARAMETER] = str(stage)
        return Task(name=name, source=config.notebook_path(name), target=nb_file,
                    parameters=params, kernel=kernel[0] if kernel else "",
                    title=spec.title, day=today, html=html_file, pdf=pdf_file,
                    cache=config.output_dir / CACHE_DIR, stage=stage,
                    publish_to=None if reuse else config.output_dir, run_key=identity.key,
                    reuse=reuse)

    def finish(outcome: Outcome) -> None:
        if not outcome.ok:
            return
        spec = config.spec(outcome.name)
        meta = chapter_meta(config, outcome.name)
        state[outcome.name] = {"key": keys[outcome.name], "date": today,
                               "execution": executions[outcome.name],
                               "outputs": declared_outputs_hash(config, spec),
                               "files": list(meta.get("files", [])),
                               "seconds": round(outcome.seconds, 2)}
        save_state(state_path, state)

    n_jobs = max(1, jobs or os.cpu_count() or 1)
    say(stream, f"ido-analysis run: {len(order)} notebook(s), {n_jobs} job(s), "
                 f"output {config.output_dir}")
    # The combined report is assembled from the chapters' PDFs, so it is put together (in a
    # few seconds) once they are all in place, not during the run.
    stamps = derived_stamps(config.output_dir / CACHE_DIR, state, package)
    Scheduler(order, {n: config.spec(n).depends_on for n in order}, prepare, finish,
              result, stream, background_jobs(config),
              on_tail=lambda: preloading.append(preload_publishing())).run(n_jobs)
    record_failures(config, state, result.failed)
    save_state(state_path, state)
    for thread in preloading:
        thread.join()
    result.combined = publish(config, state, state_path, stream, run_info(config), stamps)
    result.seconds = time.perf_counter() - start
    say(stream, f"total {result.seconds:.1f} s: {len(result.ran)} run, "
                 f"{len(result.up_to_date)} up to date, {len(result.failed)} failed, "
                 f"{len(result.blocked)} not run")
    return result



def update_notebooks(config: PipelineConfig, only: Iterable[str] | None = None,
                     jobs: int | None = None, stream: TextIO = sys.stderr) -> RunResult:
    """Re-execute the committed notebooks in place with their default parameters (no
    injection, cwd = notebooks/, as nbval runs them) and strip volatile metadata."""
    start = time.perf_counter()
    result = RunResult()
    order = selection(config, only)
    kernel = kernel_name()

    def prepare(name: str) -> Task:
        path = config.notebook_path(name)
        return Task(name=name, source=path, target=path, parameters={}, kernel=kernel,
                    title=config.spec(name).title, day=dt.date.today().isoformat(), strip=True)

    Scheduler(order, {n: config.spec(n).depends_on for n in order}, prepare, lambda _: None,
              result, stream).run(max(1, jobs or os.cpu_count() or 1))
    result.seconds = time.perf_counter() - start
    say(stream, f"total {result.seconds:.1f} s: {len(result.ran)} updated, "
                 f"{len(result.failed)} failed, {len(result.blocked)} not run")
    return result



def _mapping_settled(config: Any) -> bool:
    """Stop before any notebook runs when a survey-tool export cannot be mapped unambiguously:
    print the open points and write the suggested mapping into ``processed_dir``."""
    from ido_analysis.ingest.reader import ExportError
    from ido_analysis.ingest.tool_import import mapping_preflight

    params = notebook_parameters(config, config.spec(config.notebooks[0].name))
    try:
        error = mapping_preflight(params["raw_path"], params.get("mapping_path"))
    except ExportError as exc:
        print(f"ido-analysis run: {exc}", file=sys.stderr)
        return False
    if error is None:
        return True
    path = Path(params["processed_dir"]) / SUGGESTION_NAME
    write_text_atomic(path, error.suggestion)
    print(f"{error}\nVoorstel geschreven: {path}", file=sys.stderr)
    return False


def check_inputs(config: PipelineConfig, names: Iterable[str]) -> None:
    """Every path parameter the schema says must exist does, for every notebook in ``names``
    (an unknown name raises PipelineError). Called before any notebook runs."""
    for name in names:
        check_paths(notebook_parameters(config, config.spec(name)), config.parameter_schema)



def cli_run(args: Any) -> int:
    """Entry point of ``ido-analysis run`` (arguments: see ido_analysis/cli.py)."""
    try:
        config = load_config(getattr(args, "config", None))
        config = apply_overrides(config, data=getattr(args, "data", None),
                                 output=getattr(args, "output", None),
                                 overrides=getattr(args, "overrides", None) or (),
                                 mapping=getattr(args, "mapping", None))
        only = getattr(args, "only", None)
        check_inputs(config, selection(config, only))
        if not getattr(args, "update_notebooks", False) and not _mapping_settled(config):
            return 1
        if getattr(args, "update_notebooks", False):
            result = update_notebooks(config, only=only, jobs=getattr(args, "jobs", None))
        else:
            result = run_pipeline(config, only=only, force=bool(getattr(args, "force", False)),
                                  jobs=getattr(args, "jobs", None))
    except PipelineError as exc:
        print(f"ido-analysis run: {exc}", file=sys.stderr)
        return 2
    for message in result.failed.values():
        print(f"FAILED {message}", file=sys.stderr)
    return result.exit_code
