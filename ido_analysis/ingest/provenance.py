"""Where the rows of a dataset come from: the marker of the reconstructed (synthetic) export."""

from __future__ import annotations

import pandas as pd

SYNTHETIC_MARKER = "synthetisch"


def is_synthetic(df: pd.DataFrame) -> bool:
    """True when the rows carry the provenance marker of the reconstructed export in their
    ``herkomst`` column."""
    if "herkomst" not in df.columns:
        return False
    return bool(df["herkomst"].astype("string").str.contains(SYNTHETIC_MARKER, na=False).any())
