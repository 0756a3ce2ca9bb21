"""A synthetic full response: every one of the 342 municipalities answering (for scale tests).

``full_response(raw, reference, seed)`` returns a raw export (same columns as ``raw``) with one
respondent per municipality of the reference table, in code order: respondent ids
``first_id, first_id + 1, ...``, the municipality question set to the CBS name, and every other
column copied from a respondent of ``raw`` drawn at random (with replacement, seeded). The
answers therefore respect the codebook's routing and options exactly as ``raw`` does; they
carry no meaning beyond that. The municipality question is read from ``references/derived.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ido_analysis.spec.codebook import Codebook, load_codebook
from ido_analysis.spec.derived import load_derived


def full_response(raw: pd.DataFrame, reference: pd.DataFrame, seed: int = 1,
                  first_id: int = 5001, codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per municipality of ``reference`` (see the module docstring)."""
    question = load_derived(codebook or load_codebook()).municipality_question
    if question is None:
        raise ValueError("derived.yaml names no municipality question")
    rng = np.random.default_rng(seed)
    ref = reference.sort_values("gemeentecode")
    picks = rng.integers(0, len(raw), size=len(ref))
    out = raw.iloc[picks].reset_index(drop=True).copy()
    out["respondent_id"] = np.arange(first_id, first_id + len(ref))
    out[question] = ref["gemeentenaam"].astype(str).to_numpy()
    return out
