"""``ido-analysis run``: execute the notebooks, render HTML/PDF chapters, combined report, index.

Contract (details in docs/notebooks.md):
- ``pipeline.yaml`` lists the notebooks (name, title, depends_on, outputs, parameters) and the
  common parameters; command-line options override them (``--set`` keeps YAML types, but a
  leading-zero number such as ``0363`` stays a string).
- Notebooks run with papermill (cwd = the notebook's directory) in dependency order; independent
  ones in parallel worker processes. Kernel starts are serialised by a lock (papermill/jupyter
  port race, nteract/papermill#511): a worker holds it until its kernel is ready.
- Each chapter is two jobs in one pool of ``jobs`` workers: execute + HTML, then the chapter
  PDF (plus its pages without page numbers). When the chapters are in place, the site
  (``report.site``: pages in publication order, generated Samenvatting and questionnaire,
  index) is written and the combined PDF is assembled from the chapters' already laid-out
  pages (``report.combined``), never laid out again.
- Incremental: ``<output>/.pipeline-state.json`` stores a key per notebook (hash of notebook
  file, parameters, input files, package source, its config entry and its dependencies'
  outputs). A notebook whose key and outputs are unchanged is skipped.
- Outputs are written to temporary names and moved in place (by the main process) only when
  all of a chapter succeeded, so a failing notebook keeps its last good outputs; its dependents
  are not run (they start when all outputs of their dependencies are in place); exit code 1.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import glob
import hashlib
import heapq
import itertools
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

import yaml

from ido_analysis.paths import ROOT

DEFAULT_CONFIG = ROOT / "pipeline.yaml"
PROJECT_KERNEL = "ido-enquete"
STATE_FILE = ".pipeline-state.json"
CACHE_DIR = ".pipeline"
COMBINED_NAME = "rapport_compleet.pdf"
_COMBINED_KEY = "__combined__"
_LEADING_ZERO = re.compile(r"^[+-]?0\d+$")


class PipelineError(Exception):
    """Invalid configuration or command-line input (exit code 2)."""


# --------------------------------------------------------------------------- configuration

@dataclass(frozen=True)
class NotebookSpec:
    """One entry of ``notebooks:`` in the config."""

    name: str
    title: str
    depends_on: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineConfig:
    """Resolved pipeline configuration (all paths absolute)."""

    path: Path
    root: Path
    notebooks_dir: Path
    output_dir: Path
    parameters: dict[str, Any]
    path_parameters: tuple[str, ...]
    input_parameters: tuple[str, ...]
    package_sources: tuple[str, ...]
    notebooks: tuple[NotebookSpec, ...]
    report: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)

    def spec(self, name: str) -> NotebookSpec:
        for spec in self.notebooks:
            if spec.name == name:
                return spec
        raise PipelineError(f"unknown notebook {name!r}; known: "
                            + ", ".join(s.name for s in self.notebooks))

    def notebook_path(self, name: str) -> Path:
        return self.notebooks_dir / f"{name}.ipynb"


def _spec(entry: dict[str, Any]) -> NotebookSpec:
    name = str(entry["name"])
    return NotebookSpec(name=name, title=str(entry.get("title") or name),
                        depends_on=tuple(entry.get("depends_on") or ()),
                        outputs=tuple(entry.get("outputs") or ()),
                        parameters=dict(entry.get("parameters") or {}))


def _check_graph(specs: tuple[NotebookSpec, ...]) -> None:
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise PipelineError("duplicate notebook names in config")
    for spec in specs:
        for dep in spec.depends_on:
            if dep not in names:
                raise PipelineError(f"{spec.name} depends on unknown notebook {dep!r}")
    topological_order(specs)


def load_config(path: str | Path | None = None,
                notebooks_dir: str | Path | None = None) -> PipelineConfig:
    """Read ``pipeline.yaml`` (default: repository root). Relative paths are relative to it."""
    cfg_path = Path(path or DEFAULT_CONFIG).resolve()
    raw = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    root = cfg_path.parent
    specs = tuple(_spec(e) for e in raw.get("notebooks") or ())
    _check_graph(specs)
    return PipelineConfig(
        path=cfg_path, root=root,
        notebooks_dir=(root / (notebooks_dir or raw.get("notebooks_dir", "notebooks"))).resolve(),
        output_dir=(root / raw.get("output_dir", "reports")).resolve(),
        parameters=dict(raw.get("parameters") or {}),
        path_parameters=tuple(raw.get("path_parameters") or ()),
        input_parameters=tuple(raw.get("input_parameters") or ()),
        package_sources=tuple(raw.get("package_sources") or ()),
        notebooks=specs,
        report={k: [str(x) for x in v] if isinstance(v, list) else str(v)
                for k, v in (raw.get("report") or {}).items()},
    )


def parse_value(text: str) -> Any:
    """YAML scalar semantics (``5`` int, ``0.9`` float, ``true`` bool, ``null`` None), except
    that a number with a leading zero (``0363``, a municipality code) stays a string."""
    if _LEADING_ZERO.match(text.strip()):
        return text.strip()
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_override(text: str) -> tuple[str, Any]:
    """``"key=value"`` -> ``(key, parse_value(value))``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise PipelineError(f"--set expects KEY=VALUE, got {text!r}")
    return key.strip(), parse_value(value)


def apply_overrides(config: PipelineConfig, data: str | None = None, output: str | None = None,
                    overrides: Iterable[str] = ()) -> PipelineConfig:
    """Command-line options on top of the config. Paths given on the command line are relative
    to the current directory; ``--set`` values win over every notebook's own parameters."""
    values = dict(parse_override(o) for o in overrides)
    if data is not None:
        values["raw_path"] = data
    out_dir = config.output_dir
    if output is not None:
        out_dir = Path(output).resolve()
        values["output_dir"] = str(out_dir)
    for key in config.path_parameters:
        if isinstance(values.get(key), str):
            values[key] = str(Path(values[key]).resolve())
    return replace(config, output_dir=out_dir, overrides={**config.overrides, **values})


def notebook_parameters(config: PipelineConfig, spec: NotebookSpec) -> dict[str, Any]:
    """Parameters injected into one notebook: common < notebook's own < overrides."""
    params = {**config.parameters, **spec.parameters, **config.overrides}
    if "output_dir" in params and "output_dir" not in config.overrides:
        params["output_dir"] = str(config.output_dir)
    for key in config.path_parameters:
        value = params.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            params[key] = str((config.root / value).resolve())
    return params


def topological_order(specs: Iterable[NotebookSpec]) -> list[str]:
    """Names in dependency order, stable with respect to config order."""
    specs = list(specs)
    done: list[str] = []
    remaining = {s.name: set(s.depends_on) for s in specs}
    while remaining:
        ready = [s.name for s in specs if s.name in remaining and remaining[s.name] <= set(done)]
        if not ready:
            raise PipelineError("dependency cycle among: " + ", ".join(sorted(remaining)))
        for name in ready:
            done.append(name)
            del remaining[name]
    return done


# --------------------------------------------------------------------------- hashing

def _hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_path(path: Path) -> str:
    """Content hash of a file or a directory tree ('missing' when absent)."""
    if path.is_file():
        return _hash_bytes(path.read_bytes())
    if not path.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode() + b"\0")
        digest.update(_hash_bytes(file.read_bytes()).encode())
    return digest.hexdigest()


def _hash_json(value: Any) -> str:
    return _hash_bytes(json.dumps(value, sort_keys=True, default=str).encode())


def package_hash(config: PipelineConfig) -> str:
    """Hash of the files matched by ``package_sources``."""
    files = sorted({Path(f) for pattern in config.package_sources
                    for f in glob.glob(str(config.root / pattern)) if Path(f).is_file()})
    return _hash_json({str(f.relative_to(config.root)): hash_path(f) for f in files})


def _output_paths(config: PipelineConfig, spec: NotebookSpec) -> list[Path]:
    params = notebook_parameters(config, spec)
    return [Path(params[o]) if o in params else (config.root / o) for o in spec.outputs]


def declared_outputs_hash(config: PipelineConfig, spec: NotebookSpec) -> str:
    """Hash of the files a notebook declares in ``outputs`` (what its dependents read)."""
    return _hash_json([hash_path(p) for p in _output_paths(config, spec)])


def notebook_key(config: PipelineConfig, spec: NotebookSpec, package: str,
                 dep_fingerprints: dict[str, str]) -> str:
    """Cache key of one notebook; any change in what it reads changes the key."""
    params = notebook_parameters(config, spec)
    inputs = {k: hash_path(Path(params[k])) for k in config.input_parameters
              if isinstance(params.get(k), str)}
    return _hash_json({
        "notebook": hash_path(config.notebook_path(spec.name)),
        "parameters": params, "inputs": inputs, "package": package,
        "spec": [spec.title, list(spec.depends_on), list(spec.outputs)],
        "dependencies": dep_fingerprints,
    })


# --------------------------------------------------------------------------- notebooks

def kernel_name() -> str:
    """The project kernel when installed (``make setup``), else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    installed = KernelSpecManager().find_kernel_specs()
    return PROJECT_KERNEL if PROJECT_KERNEL in installed else "python3"


def strip_volatile_metadata(nb: Any) -> Any:
    """Remove what differs between two identical runs: papermill's notebook and cell metadata
    (paths, timestamps, durations), cell execution timings and widget state. Execution counts
    stay: nbval skips cells whose ``execution_count`` is None. Returns ``nb`` (changed)."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for key in ("papermill", "execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    return nb


@dataclass(frozen=True)
class Task:
    """Work for one notebook, run in a worker process (picklable)."""

    name: str
    source: Path
    target: Path                      # executed notebook
    parameters: dict[str, Any]
    kernel: str
    title: str
    day: str                          # ISO date shown in the chapter
    html: Path | None = None          # None: do not render (update mode)
    pdf: Path | None = None
    cache: Path | None = None         # directory for body fragment and metadata
    strip: bool = False               # strip volatile metadata (update mode)


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    seconds: float
    message: str = ""


_START_LOCK: Any = None


def _init_worker(lock: Any) -> None:
    global _START_LOCK
    _START_LOCK = lock


def _source_position(executed: Path | None, cell_index: int) -> str:
    """1-based position of a failing cell in the source notebook (without papermill's
    injected-parameters cell), e.g. ``cell 3 of 7``."""
    try:
        import nbformat

        cells = nbformat.read(executed, as_version=4).cells if executed else []
    except (OSError, ValueError):
        cells = []
    cells = [c for c in cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    if not cells:
        return f"cell index {cell_index}"
    injected = [i for i, c in enumerate(cells)
                if "injected-parameters" in c.metadata.get("tags", [])]
    position = cell_index + 1 - sum(1 for i in injected if i < cell_index)
    return f"cell {position} of {len(cells) - len(injected)}"


def describe_failure(name: str, exc: BaseException, executed: Path | None = None) -> str:
    """Message naming the notebook and, for a cell error, the failing cell (position in the
    source notebook, counting markdown cells too) and the exception."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        where = _source_position(executed, exc.cell_index)
        return f"{name}.ipynb, {where}: {exc.ename}: {exc.evalue}"
    return f"{name}: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send file descriptor 2 (inherited by the kernel process) to ``path``: kernel start-up
    chatter goes to a log file instead of the progress display."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _execute(task: Task, out_path: Path) -> None:
    """Run papermill; inject only the parameters the notebook declares (no warnings)."""
    import papermill as pm

    declared = pm.inspect_notebook(str(task.source))
    parameters = {k: v for k, v in task.parameters.items() if k in declared}
    log = (task.cache or Path(tempfile.gettempdir())) / f"{task.name}.kernel.log"
    lock, held = _START_LOCK, [False]
    if lock is not None:
        lock.acquire()
        held[0] = True

    def release(**_: Any) -> None:
        if held[0]:
            held[0] = False
            lock.release()

    try:
        with _stderr_to(log):
            pm.execute_notebook(str(task.source), str(out_path), parameters=parameters or None,
                                kernel_name=task.kernel, cwd=str(task.source.parent),
                                progress_bar=False, log_output=False,
                                request_save_on_cell_execute=False, on_notebook_start=release)
    finally:
        release()


def _pages_pdf(cache: Path, name: str) -> Path:
    """The chapter's pages without page numbers (``render.write_pdf(unnumbered=...)``)."""
    return cache / f"{name}.pages.pdf"


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


def _chapter_pairs(task: Task) -> list[tuple[Path, Path]]:
    """(temporary, final) name of every output of a task: notebook, then (when rendering)
    chapter HTML, chapter PDF, body fragment, metadata and the unnumbered chapter pages (what
    the combined report is assembled from)."""
    finals = [task.target]
    if task.html and task.pdf and task.cache:
        finals += [task.html, task.pdf, task.cache / f"{task.name}.body.html",
                   task.cache / f"{task.name}.json", _pages_pdf(task.cache, task.name)]
    return [(_tmp(p), p) for p in finals]


def _render_html(task: Task, executed: Path) -> None:
    """Chapter HTML, body fragment and metadata, under their temporary names."""
    from ido_analysis import render

    day = dt.date.fromisoformat(task.day)
    meta, body, page = render.render_notebook(executed, task.title, day)
    _, html_tmp, _, body_tmp, meta_tmp, _ = (tmp for tmp, _ in _chapter_pairs(task))
    html_tmp.write_text(page, encoding="utf-8")
    body_tmp.write_text(body, encoding="utf-8")
    meta_tmp.write_text(json.dumps({**meta.__dict__, "date": task.day}), encoding="utf-8")


def execute_task(task: Task) -> Outcome:
    """Execute one notebook (stripped in update mode) and render its HTML, all to temporary
    names; ``commit_task`` moves them in place once the chapter's PDF exists too. On failure
    nothing of the last good outputs is touched (see ``discard_task``)."""
    start = time.perf_counter()
    tmp_nb = _tmp(task.target)
    for path in (task.target, task.html, task.pdf, task.cache):
        if path is not None:
            (path if path == task.cache else path.parent).mkdir(parents=True, exist_ok=True)
    try:
        _execute(task, tmp_nb)
        if task.strip:
            _strip_file(tmp_nb)
        if task.html:
            _render_html(task, tmp_nb)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        message = describe_failure(task.name, exc, tmp_nb if tmp_nb.exists() else None)
        discard_task(task)
        return Outcome(task.name, False, time.perf_counter() - start, message)
    return Outcome(task.name, True, time.perf_counter() - start)


def pdf_task(task: Task) -> Outcome:
    """Render the chapter PDF from the temporary HTML of ``execute_task``, to a temporary name."""
    from ido_analysis import render

    start = time.perf_counter()
    _, (html_tmp, _), (pdf_tmp, _), _, _, (pages_tmp, _) = _chapter_pairs(task)
    try:
        render.write_pdf(html_tmp.read_text(encoding="utf-8"), pdf_tmp, unnumbered=pages_tmp)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        return Outcome(task.name, False, time.perf_counter() - start,
                       f"{task.name}: PDF: {type(exc).__name__}: {exc}")
    return Outcome(task.name, True, time.perf_counter() - start)


def commit_task(task: Task) -> None:
    """Move every output of a task in place (the chapter succeeded)."""
    for tmp, final in _chapter_pairs(task):
        os.replace(tmp, final)
    task.target.with_name(f"{task.name}.failed.ipynb").unlink(missing_ok=True)


def discard_task(task: Task) -> None:
    """Drop a failed task's temporary outputs; the executed notebook is kept as
    ``<name>.failed.ipynb`` for inspection (not in update mode). Last good outputs stay."""
    (tmp_nb, _), *rendered = _chapter_pairs(task)
    for tmp, _ in rendered:
        tmp.unlink(missing_ok=True)
    if tmp_nb.exists() and task.strip:
        tmp_nb.unlink()
    elif tmp_nb.exists():
        os.replace(tmp_nb, task.target.with_name(f"{task.name}.failed.ipynb"))


def _strip_file(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.write(strip_volatile_metadata(nb), path)


# --------------------------------------------------------------------------- scheduling

class _InlineExecutor:
    """Runs tasks in this process, one at a time (``--jobs 1``)."""

    def submit(self, fn: Callable[[Any], Outcome], arg: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_result(fn(arg))
        return future

    def shutdown(self) -> None:
        pass


def _executor(jobs: int) -> Any:
    if jobs <= 1:
        return _InlineExecutor()
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # no fork of a process that may hold threads/zmq sockets
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                  initargs=(ctx.Lock(),))


def _say(stream: TextIO, text: str) -> None:
    print(text, file=stream, flush=True)


@dataclass
class RunResult:
    """What a pipeline run did. ``exit_code`` is 1 when anything failed or was blocked."""

    ran: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    combined: bool = False
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.blocked else 0


# Job kinds in priority order: notebooks first (they gate their dependents), chapter PDFs fill
# idle slots. The combined report is assembled after the run from the chapter PDFs.
_EXECUTE, _PDF = 0, 1
_JOB_FUNCTIONS: dict[int, Callable[[Any], Outcome]] = {_EXECUTE: execute_task, _PDF: pdf_task}


class _Scheduler:
    """Runs notebook tasks as soon as their dependencies succeeded, each as two jobs (execute
    + HTML, then the chapter PDF). At most ``jobs`` jobs run at once; a ready job of a lower
    kind number goes first. A chapter counts as done (dependents may start) when all its
    outputs are in place."""

    def __init__(self, order: list[str], deps: dict[str, tuple[str, ...]],
                 prepare: Callable[[str], Task | None], finish: Callable[[Outcome], None],
                 result: RunResult, stream: TextIO) -> None:
        self.order, self.deps, self.prepare, self.finish = order, deps, prepare, finish
        self.result, self.stream = result, stream
        self.pending, self.ok = list(order), set[str]()
        self.executing: set[str] = set()     # queued or running execute jobs
        self.tasks: dict[str, Task] = {}
        self.seconds: dict[str, float] = {}
        self.queue: list[tuple[int, int, Any]] = []   # heap (kind, sequence, argument)
        self.sequence = itertools.count()

    def run(self, jobs: int) -> None:
        """Run everything."""
        executor, running = _executor(jobs), {}
        try:
            while True:
                self._release()
                while self.queue and len(running) < jobs:
                    kind, _, arg = heapq.heappop(self.queue)
                    running[executor.submit(_JOB_FUNCTIONS[kind], arg)] = (kind, arg)
                if not running:
                    return
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    kind, arg = running.pop(future)
                    self._handle(kind, arg, future.result())
        finally:
            executor.shutdown()

    def _push(self, kind: int, arg: Any) -> None:
        heapq.heappush(self.queue, (kind, next(self.sequence), arg))

    def _release(self) -> None:
        """Queue every pending task whose dependencies are done; block those of a failure."""
        progressed = True
        while progressed:
            progressed = False
            for name in list(self.pending):
                if not all(d in self.ok or d not in self.order for d in self.deps[name]):
                    if any(d in self.result.failed or d in self.result.blocked
                           for d in self.deps[name]):
                        self.pending.remove(name)
                        self.result.blocked.append(name)
                        _say(self.stream, f"  skip  {name}: a dependency failed")
                        progressed = True
                    continue
                self.pending.remove(name)
                progressed = True
                task = self.prepare(name)
                if task is None:
                    self.ok.add(name)
                    self.result.up_to_date.append(name)
                    continue
                _say(self.stream, f"  run   {name}")
                self.tasks[name] = task
                self.executing.add(name)
                self._push(_EXECUTE, task)

    def _handle(self, kind: int, arg: Any, outcome: Outcome) -> None:
        task = self.tasks[outcome.name]
        self.seconds[task.name] = self.seconds.get(task.name, 0.0) + outcome.seconds
        if kind == _EXECUTE:
            self.executing.discard(task.name)
        if not outcome.ok:
            if kind == _PDF:
                discard_task(task)
            self.result.failed[task.name] = outcome.message
            _say(self.stream, f"  FAIL  {outcome.message} ({self.seconds[task.name]:.1f} s)")
        elif kind == _EXECUTE and task.html:
            self._push(_PDF, task)
        else:
            commit_task(task)
            self.ok.add(task.name)
            self.result.ran.append(task.name)
            self.finish(replace(outcome, seconds=self.seconds[task.name]))
            _say(self.stream, f"  done  {task.name} ({self.seconds[task.name]:.1f} s)")



def _selection(config: PipelineConfig, only: Iterable[str] | None) -> list[str]:
    """``only`` plus everything it depends on, in dependency order."""
    order = topological_order(config.notebooks)
    if not only:
        return order
    wanted: set[str] = set()
    stack = [config.spec(n).name for n in only]
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(config.spec(name).depends_on)
    return [n for n in order if n in wanted]


# --------------------------------------------------------------------------- state

def _load_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _chapter_files(config: PipelineConfig, name: str) -> list[Path]:
    out = config.output_dir
    return [out / "notebooks" / f"{name}.ipynb", out / f"{name}.html", out / f"{name}.pdf",
            out / CACHE_DIR / f"{name}.body.html", out / CACHE_DIR / f"{name}.json",
            _pages_pdf(out / CACHE_DIR, name)]


# --------------------------------------------------------------------------- run

def run_pipeline(config: PipelineConfig, only: Iterable[str] | None = None, force: bool = False,
                 jobs: int | None = None, stream: TextIO = sys.stderr) -> RunResult:
    """Execute and render what is out of date; then the combined PDF and the index."""
    start = time.perf_counter()
    result = RunResult()
    order = _selection(config, only)
    forced = set(only or order) if force else set()
    state_path = config.output_dir / STATE_FILE
    state = _load_state(state_path)
    package = package_hash(config)
    keys: dict[str, str] = {}
    today = dt.date.today().isoformat()
    kernel: list[str] = []

    def fingerprint(name: str) -> str:
        spec = config.spec(name)
        return declared_outputs_hash(config, spec) if spec.outputs else keys.get(
            name, state.get(name, {}).get("key", "missing"))

    def prepare(name: str) -> Task | None:
        spec = config.spec(name)
        keys[name] = notebook_key(config, spec, package,
                                  {d: fingerprint(d) for d in spec.depends_on})
        entry = state.get(name, {})
        fresh = (name not in forced and entry.get("key") == keys[name]
                 and all(p.exists() for p in _chapter_files(config, name))
                 and entry.get("outputs") == declared_outputs_hash(config, spec))
        if fresh:
            return None
        if not kernel:
            kernel.append(kernel_name())
        nb_file, html_file, pdf_file, *_ = _chapter_files(config, name)
        return Task(name=name, source=config.notebook_path(name), target=nb_file,
                    parameters=notebook_parameters(config, spec), kernel=kernel[0],
                    title=spec.title, day=today, html=html_file, pdf=pdf_file,
                    cache=config.output_dir / CACHE_DIR)

    def finish(outcome: Outcome) -> None:
        if not outcome.ok:
            return
        spec = config.spec(outcome.name)
        state[outcome.name] = {"key": keys[outcome.name], "date": today,
                               "outputs": declared_outputs_hash(config, spec),
                               "seconds": round(outcome.seconds, 2)}
        _save_state(state_path, state)

    n_jobs = max(1, jobs or os.cpu_count() or 1)
    _say(stream, f"ido-analysis run: {len(order)} notebook(s), {n_jobs} job(s), "
                 f"output {config.output_dir}")
    # No early combined job: the combined report is assembled from the chapters' PDFs, so it
    # is put together (in a few seconds) once they are all in place.
    scheduler = _Scheduler(order, {n: config.spec(n).depends_on for n in order}, prepare, finish,
                           result, stream)
    scheduler.run(n_jobs)
    result.combined = _publish(config, state, state_path, stream)
    result.seconds = time.perf_counter() - start
    _say(stream, f"total {result.seconds:.1f} s: {len(result.ran)} run, "
                 f"{len(result.up_to_date)} up to date, {len(result.failed)} failed, "
                 f"{len(result.blocked)} not run")
    return result


def _combined_chapters(config: PipelineConfig) -> list[tuple[str, dict[str, Any], Path]]:
    """``(name, metadata, body file)`` of every chapter in place, in pipeline order."""
    cache = config.output_dir / CACHE_DIR
    found = []
    for spec in config.notebooks:
        meta_path, body_path = cache / f"{spec.name}.json", cache / f"{spec.name}.body.html"
        if meta_path.exists() and body_path.exists():
            found.append((spec.name, json.loads(meta_path.read_text(encoding="utf-8")),
                          body_path))
    return found


def _combined_key(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]]
                  ) -> str:
    return _hash_json({"report": config.report,
                       "chapters": [(n, m, hash_path(b)) for n, m, b in chapters]})


def _combined_up_to_date(config: PipelineConfig, state: dict[str, Any], key: str) -> bool:
    out = config.output_dir
    return (state.get(_COMBINED_KEY) == key
            and all(p.exists() for p in (out / COMBINED_NAME, out / "index.html")))


def _site_pages(config: PipelineConfig, chapters: list[tuple[str, dict[str, Any], Path]]
                ) -> list[Any]:
    """The chapters plus the generated pages, in publication order (``report.site``)."""
    from ido_analysis.codebook import load_codebook
    from ido_analysis.report import site

    processed = config.parameters.get("processed_dir")
    respondents = site.respondent_count(Path(processed) if processed else None)
    bodies = [(n, m, b.read_text(encoding="utf-8")) for n, m, b in chapters]
    return site.build_pages(bodies, config.report.get("order"), load_codebook(),
                            config.output_dir / "tables", respondents, dt.date.today(),
                            site.data_is_synthetic(Path(processed) if processed else None))


def _run_facts(config: PipelineConfig) -> list[tuple[str, str]]:
    from ido_analysis.codebook import load_codebook
    from ido_analysis.report import site

    processed = config.parameters.get("processed_dir")
    return site.run_facts(config.parameters, config.path_parameters,
                          site.respondent_count(Path(processed) if processed else None),
                          load_codebook().survey.get("population"), dt.date.today())


def _publish(config: PipelineConfig, state: dict[str, Any], state_path: Path,
             stream: TextIO) -> bool:
    """Site pages, index and combined PDF, when any chapter changed. Returns True when rebuilt.

    The generated pages (Samenvatting, questionnaire) and their PDFs are written first; the
    combined PDF is then assembled from every page's unnumbered PDF (``report.combined``)."""
    chapters = _combined_chapters(config)
    key = _combined_key(config, chapters)
    if not chapters or _combined_up_to_date(config, state, key):
        return False
    from ido_analysis import render
    from ido_analysis.codebook import load_codebook
    from ido_analysis.report import combined, site

    out, cache = config.output_dir, config.output_dir / CACHE_DIR
    started = time.perf_counter()
    _say(stream, f"  run   {COMBINED_NAME} + index.html")
    report = render.ChapterMeta(title=config.report.get("title", "Rapport"),
                                subtitle=config.report.get("subtitle", ""),
                                source=config.report.get("source", ""))
    processed = config.parameters.get("processed_dir")
    pages, facts, today = _site_pages(config, chapters), _run_facts(config), dt.date.today()
    site.write_site(out, pages, report, facts, COMBINED_NAME, today,
                    Path(processed) if processed else None, load_codebook(), cache)
    target = out / COMBINED_NAME
    combined.write_combined_pdf(report, [(p.name, p.meta, _pages_pdf(cache, p.name))
                                         for p in pages], today, facts, _tmp(target))
    os.replace(_tmp(target), target)
    state[_COMBINED_KEY] = key
    _save_state(state_path, state)
    _say(stream, f"  done  {COMBINED_NAME} + index.html ({time.perf_counter() - started:.1f} s)")
    return True


def update_notebooks(config: PipelineConfig, only: Iterable[str] | None = None,
                     jobs: int | None = None, stream: TextIO = sys.stderr) -> RunResult:
    """Re-execute the committed notebooks in place with their default parameters (no
    injection, cwd = notebooks/, as nbval runs them) and strip volatile metadata."""
    start = time.perf_counter()
    result = RunResult()
    order = _selection(config, only)
    kernel = kernel_name()

    def prepare(name: str) -> Task:
        path = config.notebook_path(name)
        return Task(name=name, source=path, target=path, parameters={}, kernel=kernel,
                    title=config.spec(name).title, day=dt.date.today().isoformat(), strip=True)

    _Scheduler(order, {n: config.spec(n).depends_on for n in order}, prepare, lambda _: None,
               result, stream).run(max(1, jobs or os.cpu_count() or 1))
    result.seconds = time.perf_counter() - start
    _say(stream, f"total {result.seconds:.1f} s: {len(result.ran)} updated, "
                 f"{len(result.failed)} failed, {len(result.blocked)} not run")
    return result


def cli_run(args: Any) -> int:
    """Entry point of ``ido-analysis run`` (arguments: see ido_analysis/cli.py)."""
    try:
        config = load_config(getattr(args, "config", None))
        config = apply_overrides(config, data=getattr(args, "data", None),
                                 output=getattr(args, "output", None),
                                 overrides=getattr(args, "overrides", None) or ())
        only = getattr(args, "only", None)
        if only:
            for name in only:
                config.spec(name)
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
