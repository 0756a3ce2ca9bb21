"""Small helpers every chapter notebook starts with: load the data, say where it comes from.

Notebooks stay thin: a ``parameters`` cell, Dutch narrative, and calls such as
``df, cb = load_processed(processed_dir)`` and ``banner(df)``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, display
from matplotlib.figure import Figure

from ido_analysis.ingest.provenance import is_synthetic
from ido_analysis.report import charts
from ido_analysis.spec.codebook import Codebook, load_codebook

# Tables show every answer text in full: pandas would cut cells at 50 characters with "...",
# and the rendered report is where readers (and screen readers) get the full labels.
pd.set_option("display.max_colwidth", None)

SCREEN_DPI = 150  # notebook/HTML/PDF display
PRINT_DPI = 300   # the saved PNG; a multiple of SCREEN_DPI (the display is scaled down)
SYNTHETIC_TEXT = (
    "Let op: deze cijfers komen uit synthetische data, gereconstrueerd uit het gepubliceerde "
    "rapport. Ze reproduceren de gepubliceerde cijfers, maar het zijn geen echte antwoorden "
    "van gemeenten; verbanden tussen vragen zijn niet betekenisvol."
)


def load_processed(processed_dir: str | Path) -> tuple[pd.DataFrame, Codebook]:
    """Read ``respondents.parquet`` from the cleaning step and the codebook.

    Raises ``FileNotFoundError`` with the command to run when the cleaning step has not run.
    """
    path = Path(processed_dir) / "respondents.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} bestaat niet: draai eerst de opschoning "
            "(notebooks/01_opschonen.ipynb of `ido-analysis clean --data ...`)."
        )
    return pd.read_parquet(path), load_codebook()


def banner_html(df: pd.DataFrame) -> str:
    """The warning banner as HTML (empty string for real data)."""
    if not is_synthetic(df):
        return ""
    return (
        '<div class="ido-banner ido-synthetic" style="border:2px solid #D55E00;'
        'background:#FFF3E8;padding:0.6em 0.9em;margin:0.5em 0 1em 0;font-weight:bold">'
        f"{SYNTHETIC_TEXT}</div>"
    )


def banner(df: pd.DataFrame) -> None:
    """Display the synthetic-data banner in a notebook (nothing for real data)."""
    html = banner_html(df)
    if html:
        display(HTML(html))


def show_figure(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` at print resolution (``charts.save_figure``) and display a lighter PNG.

    The displayed image is the saved one scaled down to ``SCREEN_DPI`` (not drawn a second
    time: drawing is most of a chart's cost), embedded as PNG bytes so it appears the same
    whatever the notebook's matplotlib backend; it carries the chart's Dutch text alternative
    (``charts.alt_text``) as the ``alt`` of the rendered image. Returns the saved path.
    """
    saved = charts.save_figure(fig, path, dpi=PRINT_DPI)
    description = charts.alt_text(fig)
    display(Image(data=screen_png(saved), format="png",
                  metadata={"alt": description} if description else None))
    return saved


def screen_png(saved: Path) -> bytes:
    """The print-resolution PNG at ``saved`` as PNG bytes at ``SCREEN_DPI``."""
    from PIL import Image as PILImage

    with PILImage.open(saved) as image:
        factor = PRINT_DPI // SCREEN_DPI
        small = image.reduce(factor)  # box filter over factor x factor pixels
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", dpi=(SCREEN_DPI, SCREEN_DPI))
    return buffer.getvalue()
