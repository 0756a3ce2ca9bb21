"""Cold full run of ``run_pipeline`` versus the naive way, in one go.

Naive: per notebook, one after another, the ``papermill`` CLI, ``jupyter nbconvert --to html``
CLI and ``weasyprint`` CLI. Both write into fresh temporary directories (the notebooks' shared
``processed_dir`` is written by both, as in normal use). Prints both times and the ratio
pipeline / naive (target: <= 0.35). Then a one-chapter narrative edit: one markdown cell of
``--edit`` (a copy of the notebooks is edited) and an incremental run, combined report
included (target: <= 8 s), once in this process and once in a new one (as the command line
after an edit, imports included). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from naive import render_naively

from ido_analysis import pipeline


def naive_run(config: pipeline.PipelineConfig, out: Path) -> float:
    """papermill + nbconvert + weasyprint command lines per notebook, sequentially."""
    config = pipeline.apply_overrides(config, output=str(out))
    out.mkdir(parents=True, exist_ok=True)
    kernel = pipeline.kernel_name()
    start = time.perf_counter()
    for name in pipeline.topological_order(config.notebooks):
        params = pipeline.notebook_parameters(config, config.spec(name))
        render_naively(config.notebook_path(name), name, out, params, kernel)
    return time.perf_counter() - start


def pipeline_run(config: pipeline.PipelineConfig, out: Path, jobs: int | None,
                 force: bool = True) -> float:
    config = pipeline.apply_overrides(config, output=str(out))
    start = time.perf_counter()
    result = pipeline.run_pipeline(config, force=force, jobs=jobs, stream=io.StringIO())
    seconds = time.perf_counter() - start
    if result.exit_code:
        raise SystemExit(f"pipeline run failed: {result.failed or result.blocked}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="pipeline config (default: pipeline.yaml)")
    parser.add_argument("--jobs", type=int, default=None, help="pipeline jobs (default: cores)")
    parser.add_argument("--edit", default="05_h4_dienstverlening",
                        help="chapter whose narrative is edited for the incremental run")
    args = parser.parse_args()
    config = pipeline.load_config(args.config)
    missing = [s.name for s in config.notebooks if not config.notebook_path(s.name).exists()]
    if missing:
        print("missing notebooks: " + ", ".join(missing), file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    try:
        naive = naive_run(config, work / "naive")
        copy = work / "notebooks"
        shutil.copytree(config.notebooks_dir, copy)
        edited = pipeline.load_config(args.config, notebooks_dir=copy)
        fast = pipeline_run(edited, work / "pipeline", args.jobs)
        edit_narrative(edited.notebook_path(args.edit))
        edit = pipeline_run(edited, work / "pipeline", args.jobs, force=False)
        edit_narrative(edited.notebook_path(args.edit))
        fresh = fresh_process_run(copy, work / "pipeline", args.config)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"notebooks:          {len(config.notebooks)}")
    print(f"naive (CLI per nb): {naive:7.1f} s")
    print(f"run_pipeline:       {fast:7.1f} s  (includes combined PDF and index)")
    print(f"ratio:              {fast / naive:7.2f}  (target <= 0.35)")
    print(f"narrative edit:     {edit:7.1f} s  ({args.edit} rendered again, combined PDF "
          "included; target <= 8 s)")
    print(f"  same, new process:{fresh:7.1f} s  (as `ido-analysis run` after an edit: imports "
          "included)")
    return 0


def fresh_process_run(notebooks: Path, out: Path, config: str | None) -> float:
    """An incremental run in a new Python process, as the command line does it."""
    code = ("import io, sys\n"
            "from pathlib import Path\n"
            "from ido_analysis import pipeline\n"
            "if __name__ == '__main__':\n"
            f"    c = pipeline.load_config({config!r}, notebooks_dir=Path({str(notebooks)!r}))\n"
            f"    c = pipeline.apply_overrides(c, output={str(out)!r})\n"
            "    sys.exit(pipeline.run_pipeline(c, stream=io.StringIO()).exit_code)\n")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def edit_narrative(path: Path) -> None:
    """Append a sentence to the notebook's last markdown cell (an analyst's narrative edit)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cell = [c for c in nb.cells if c.cell_type == "markdown"][-1]
    cell.source += "\n\nEen extra zin van de analist."
    nbformat.write(nb, path)


if __name__ == "__main__":
    sys.exit(main())
