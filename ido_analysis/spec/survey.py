"""Survey-wide facts, read from one place: the ``survey:`` block of the codebook.

``POPULATION`` (units invited), ``WEIGHTING_STRATUM`` (the reference grouping that
post-stratification weights use) and the fieldwork period. Only the ``survey:`` block is
read here (the full codebook is validated by ``spec.codebook``), so importing this module stays
cheap; a new wave edits the codebook, not this file.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES

CODEBOOK_PATH = REFERENCES / "codebook.yaml"


@functools.cache
def survey_block(path: Path = CODEBOOK_PATH) -> dict[str, Any]:
    """The ``survey:`` mapping of the codebook at ``path``."""
    return dict(read_yaml(path)["survey"])


POPULATION: int = int(survey_block()["population"])
WEIGHTING_STRATUM: str = str(survey_block()["weighting_stratum"])
