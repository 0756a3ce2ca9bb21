"""The naive way of rendering one notebook, shared by the benchmarks: the ``papermill`` CLI,
then ``jupyter nbconvert --to html --no-input``, then the ``weasyprint`` CLI, each a new
process (what an analyst would type)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml


def render_naively(source: Path, stem: str, out: Path, params: dict[str, Any],
                   kernel: str) -> None:
    """Execute ``source`` with ``params`` into ``out/<stem>.ipynb``, then HTML and PDF."""
    bin_dir = Path(sys.executable).parent
    executed = out / f"{stem}.ipynb"
    subprocess.run([str(bin_dir / "papermill"), str(source), str(executed), "-k", kernel,
                    "--cwd", str(source.parent), "-y", yaml.safe_dump(params),
                    "--no-progress-bar"], check=True, capture_output=True)
    subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                    str(executed), "--output-dir", str(out)], check=True, capture_output=True)
    subprocess.run([str(bin_dir / "weasyprint"), str(out / f"{stem}.html"),
                    str(out / f"{stem}.pdf")], check=True, capture_output=True)
