"""Executing one chapter in a worker process: papermill, chapter HTML and PDF, staged."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ido_analysis.pipeline.staging import notebook_page, pages_pdf, staging_path

PROJECT_KERNEL = "ido-enquete"


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


# Binary outputs kept out of committed notebooks: strict nbval does not compare them, they make
# diffs unreadable, and the figure files they show are pinned by hash in the tests instead.
BINARY_MIME_TYPES = ("image/png", "image/jpeg")


def drop_binary_outputs(nb: Any) -> Any:
    """Remove embedded images from every output (their text/plain stand-in stays, so nbval
    still checks that the cell displayed something). Returns ``nb`` (changed)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in BINARY_MIME_TYPES:
                data.pop(mime, None)
            if "data" in output:
                output.get("metadata", {}).clear()
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
    stage: Path | None = None         # the notebook's output_dir while it runs (tables, figures)
    publish_to: Path | None = None    # where the staged files go when the chapter succeeded
    run_key: str = ""                 # identity of the run (data + parameters), in metadata
    reuse: bool = False               # narrative edit: outputs of ``target`` kept (pipeline.reuse)



@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    seconds: float
    message: str = ""



START_LOCK: Any = None  # kernel-start lock of this worker process (set by init_worker)


def init_worker(lock: Any) -> None:
    global START_LOCK
    START_LOCK = lock


# What every job of a worker needs (about 2 s to import): see ``warm_up``.
WORKER_MODULES = ("papermill", "nbclient", "ido_analysis.report.render",
                  "ido_analysis.report.site", "weasyprint")


def warm_up() -> None:
    """Import ``WORKER_MODULES`` (a job of its own: the scheduler gives one to every other
    worker when the first notebook starts, so they import while it runs alone)."""
    import importlib

    for name in WORKER_MODULES:
        importlib.import_module(name)


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
def stderr_to(path: Path) -> Iterator[None]:
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
    lock, held = START_LOCK, [False]
    if lock is not None:
        lock.acquire()
        held[0] = True

    def release(**_: Any) -> None:
        if held[0]:
            held[0] = False
            lock.release()

    try:
        with stderr_to(log):
            pm.execute_notebook(str(task.source), str(out_path), parameters=parameters or None,
                                kernel_name=task.kernel, cwd=str(task.source.parent),
                                progress_bar=False, log_output=False,
                                request_save_on_cell_execute=False, on_notebook_start=release)
    finally:
        release()


def _reuse(task: Task, out_path: Path) -> None:
    """The edited notebook with the outputs of the executed notebook in place."""
    import nbformat

    from ido_analysis.pipeline.reuse import with_outputs

    nbformat.write(with_outputs(task.source, task.target), out_path)


def _chapter_pairs(task: Task) -> list[tuple[Path, Path]]:
    """(temporary, final) name of every output of a task: notebook, then (when rendering)
    chapter HTML, chapter PDF, body fragment, metadata, the unnumbered chapter pages (what
    the combined report is assembled from) and the notebook's own page (code and outputs)."""
    finals = [task.target]
    if task.html and task.pdf and task.cache:
        finals += [task.html, task.pdf, task.cache / f"{task.name}.body.html",
                   task.cache / f"{task.name}.json", pages_pdf(task.cache, task.name),
                   notebook_page(task.target)]
    return [(staging_path(p), p) for p in finals]


def _render_html(task: Task, executed: Path) -> None:
    """Chapter HTML, body fragment, metadata and notebook page, under their temporary
    names."""
    from ido_analysis.report import render, site

    day = dt.date.fromisoformat(task.day)
    meta, body, page = render.render_notebook(executed, task.title, day)
    _, html_tmp, _, body_tmp, meta_tmp, _, notebook_tmp = (t for t, _ in _chapter_pairs(task))
    html_tmp.write_text(page, encoding="utf-8")
    body_tmp.write_text(body, encoding="utf-8")
    meta_tmp.write_text(json.dumps({**meta.__dict__, "date": task.day, "run": task.run_key,
                                    "files": _published_files(task) if task.reuse
                                    else staged_files(task)}), encoding="utf-8")
    notebook_tmp.write_text(site.notebook_html(executed, f"Notebook: {meta.title}"),
                            encoding="utf-8")


def staged_files(task: Task) -> list[str]:
    """Files the notebook wrote into its staging folder, relative to it (sorted)."""
    if task.stage is None or not task.stage.is_dir():
        return []
    return sorted(str(p.relative_to(task.stage)) for p in task.stage.rglob("*") if p.is_file())


def execute_task(task: Task) -> Outcome:
    """Execute one notebook (stripped in update mode; for a narrative edit, ``reuse``, take
    the outputs of its executed notebook in place instead) and render its HTML, all to
    temporary names; ``commit_task`` moves them in place once the chapter's PDF exists too.
    On failure nothing of the last good outputs is touched (see ``discard_task``)."""
    start = time.perf_counter()
    tmp_nb = staging_path(task.target)
    for path in (task.target, task.html, task.pdf, task.cache):
        if path is not None:
            (path if path == task.cache else path.parent).mkdir(parents=True, exist_ok=True)
    if task.stage is not None:
        shutil.rmtree(task.stage, ignore_errors=True)
        task.stage.mkdir(parents=True)
    try:
        if task.reuse:
            _reuse(task, tmp_nb)
        else:
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


def pdf_weight(task: Task) -> float:
    """How long the chapter PDF will take, roughly: what WeasyPrint lays out, its HTML
    without embedded images plus a weight per table row (0 when there is no HTML)."""
    import re

    html = staging_path(task.html) if task.html else None
    if html is None or not html.exists():
        return 0.0
    text = html.read_text(encoding="utf-8")
    return len(re.sub(r"data:[^\"')]+", "", text)) + 200.0 * text.count("<tr")


def pdf_task(task: Task) -> Outcome:
    """Render the chapter PDF (and its unnumbered pages) from the temporary HTML of
    ``execute_task``, to temporary names."""
    from ido_analysis.report import render

    start = time.perf_counter()
    _, (html_tmp, _), (pdf_tmp, _), _, _, (pages_tmp, _), _ = _chapter_pairs(task)
    try:
        render.write_pdf(html_tmp.read_text(encoding="utf-8"), pdf_tmp, unnumbered=pages_tmp)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        return Outcome(task.name, False, time.perf_counter() - start,
                       f"{task.name}: PDF: {type(exc).__name__}: {exc}")
    return Outcome(task.name, True, time.perf_counter() - start)



def _published_files(task: Task) -> list[str]:
    """Files the chapter's last good run published (from its metadata in place)."""
    if task.cache is None:
        return []
    try:
        meta = json.loads((task.cache / f"{task.name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(f) for f in meta.get("files", [])]



def commit_task(task: Task) -> None:
    """Move every output of a task in place (the chapter succeeded): the staged tables and
    figures first, then notebook, HTML, PDF, body and metadata."""
    if task.stage is not None and task.publish_to is not None:
        new = staged_files(task)
        for rel in sorted(set(_published_files(task)) - set(new)):  # no longer written
            (task.publish_to / rel).unlink(missing_ok=True)
        for rel in new:
            final = task.publish_to / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(task.stage / rel, final)
        shutil.rmtree(task.stage, ignore_errors=True)
    for tmp, final in _chapter_pairs(task):
        os.replace(tmp, final)
    task.target.with_name(f"{task.name}.failed.ipynb").unlink(missing_ok=True)


def discard_task(task: Task) -> None:
    """Drop a failed task's temporary outputs; the executed notebook is kept as
    ``<name>.failed.ipynb`` for inspection (not in update mode). Last good outputs stay."""
    (tmp_nb, _), *rendered = _chapter_pairs(task)
    for tmp, _ in rendered:
        tmp.unlink(missing_ok=True)
    if task.stage is not None:
        shutil.rmtree(task.stage, ignore_errors=True)
    if tmp_nb.exists() and task.strip:
        tmp_nb.unlink()
    elif tmp_nb.exists():
        os.replace(tmp_nb, task.target.with_name(f"{task.name}.failed.ipynb"))


def _strip_file(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.write(drop_binary_outputs(strip_volatile_metadata(nb)), path)
