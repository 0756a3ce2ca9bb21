"""Derived variables (``references/derived.yaml``): the municipality question, the count
prefix and collapsed groupings of single/scale questions, checked against the codebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES
from ido_analysis.spec.codebook import Codebook

DERIVED_PATH = REFERENCES / "derived.yaml"


@dataclass(frozen=True)
class Derived:
    """Derived-variable definitions (``references/derived.yaml``)."""

    municipality_question: str | None
    count_prefix: str = "n_"
    groups: tuple[dict[str, Any], ...] = ()


def load_derived(codebook: Codebook, path: str | Path | None = None,
                 raw: dict | None = None) -> Derived:
    """Read derived-variable definitions and check them against ``codebook``."""
    if raw is None:
        raw = read_yaml(path or DERIVED_PATH)
    muni = (raw.get("municipality") or {}).get("question")
    problems = []
    if muni is not None and muni not in codebook.ids:
        problems.append(f"municipality question {muni!r} is not in the codebook")
    for group in raw.get("groups") or []:
        q = codebook[group["from"]] if group.get("from") in codebook.ids else None
        if q is None or q.type not in ("single", "scale"):
            problems.append(f"{group.get('name')}: 'from' must be a single/scale question")
            continue
        for g in group["groups"]:
            problems += [f"{group['name']}: {q.id} has no option {c!r}"
                         for c in g["options"] if c not in q.codes]
    if problems:
        raise ValueError("derived.yaml: " + "; ".join(problems))
    return Derived(muni, (raw.get("counts") or {}).get("prefix", "n_"),
                   tuple(raw.get("groups") or []))
