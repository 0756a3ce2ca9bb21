"""Staging: every output is written under a temporary name and moved in place together."""

from __future__ import annotations

from pathlib import Path

from ido_analysis.pipeline.config import PipelineConfig

CACHE_DIR = ".pipeline"
STAGE_DIR = "stage"              # <output>/.pipeline/stage/<chapter>/: its tables and figures
OUTPUT_PARAMETER = "output_dir"  # the parameter a chapter writes its tables and figures under



def staging_path(path: Path) -> Path:
    """Temporary name beside ``path`` (same folder, so ``os.replace`` is atomic)."""
    return path.with_name(f".{path.stem}.tmp{path.suffix}")



def pages_pdf(cache: Path, name: str) -> Path:
    """A page's PDF without page numbers (``render.write_pdf(unnumbered=...)``): what the
    combined report is assembled from."""
    return cache / f"{name}.pages.pdf"


def notebook_page(executed: Path) -> Path:
    """The executed notebook's own page (code and outputs): ``notebooks/<name>.html``."""
    return executed.with_suffix(".html")


def chapter_files(config: PipelineConfig, name: str) -> list[Path]:
    """Everything a chapter puts in place besides its tables and figures (the order of
    ``execute._chapter_pairs``)."""
    out = config.output_dir
    executed = out / "notebooks" / f"{name}.ipynb"
    return [executed, out / f"{name}.html", out / f"{name}.pdf",
            out / CACHE_DIR / f"{name}.body.html", out / CACHE_DIR / f"{name}.json",
            pages_pdf(out / CACHE_DIR, name), notebook_page(executed)]
