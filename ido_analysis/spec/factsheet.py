"""What a municipality factsheet shows: ``references/factsheet.yaml``, checked against the codebook.

Contract: ``load_factsheet_spec(codebook)`` returns a ``FactsheetSpec`` with the title, the
comparison column (a column of the processed dataset), its Dutch label and column header, and
the themes in order, each with a Dutch heading, an introduction and closed question ids of the
codebook.
An unknown or open question, an empty theme or a missing key raises ``ValueError`` naming
every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES
from ido_analysis.spec.codebook import Codebook

FACTSHEET_PATH = REFERENCES / "factsheet.yaml"


@dataclass(frozen=True)
class Theme:
    """One heading of the factsheet and the closed questions under it."""

    title: str
    intro: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class FactsheetSpec:
    """The factsheet definition (``references/factsheet.yaml``)."""

    title: str
    comparison_column: str
    comparison_label: str
    column_header: str
    themes: tuple[Theme, ...]

    @property
    def questions(self) -> tuple[str, ...]:
        """Every question id, in factsheet order."""
        return tuple(q for theme in self.themes for q in theme.questions)


def load_factsheet_spec(codebook: Codebook, path: str | Path | None = None,
                        raw: dict[str, Any] | None = None) -> FactsheetSpec:
    """Read the factsheet definition and check it against ``codebook``."""
    if raw is None:
        raw = read_yaml(path or FACTSHEET_PATH) or {}
    problems: list[str] = []
    comparison = raw.get("comparison") or {}
    if not comparison.get("column"):
        problems.append("comparison.column is missing")
    themes = []
    for index, entry in enumerate(raw.get("factsheet") or [], start=1):
        title = str(entry.get("theme") or "").strip()
        questions = tuple(entry.get("questions") or ())
        if not title or not questions:
            problems.append(f"theme {index}: needs 'theme' and at least one question")
        for qid in questions:
            if qid not in codebook.ids:
                problems.append(f"{title or index}: {qid!r} is not in the codebook")
            elif not codebook[qid].is_closed:
                problems.append(f"{title or index}: {qid} is an open question")
        themes.append(Theme(title, " ".join(str(entry.get("intro") or "").split()), questions))
    if not themes:
        problems.append("factsheet: no themes")
    if problems:
        raise ValueError("factsheet.yaml: " + "; ".join(problems))
    return FactsheetSpec(title=str(raw.get("title") or "Factsheet"),
                         comparison_column=str(comparison["column"]),
                         comparison_label=str(comparison.get("label") or comparison["column"]),
                         column_header=str(comparison.get("header") or "Vergelijkingsgroep"),
                         themes=tuple(themes))
