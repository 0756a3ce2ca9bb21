"""Import a survey-tool export: recognise, map by text, decode into the project's own shape.

``import_export(path, codebook, mapping_path)`` returns ``None`` for a file in the project's
own shape (``ido_analysis.reader`` reads those) and otherwise an ``ImportResult`` with the
own-shape frame, the mapping rows and the log. When the mapping has open points (ambiguous or
unmatched columns, two columns for one codebook column, codebook columns without a source) it
raises ``MappingError``, whose ``suggestion`` is the mapping file for the analyst to complete
(``mapping_file.mapping_csv``). A mapping file given by the analyst always wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ido_analysis.ingest.decode import to_own_shape
from ido_analysis.ingest.mapping import MappingRow, build_mapping, lowest_score, open_points
from ido_analysis.ingest.mapping_file import mapping_csv, read_mapping
from ido_analysis.ingest.reader import ExportError
from ido_analysis.ingest.tool_table import OWN, ToolTable, load_tools, read_tool_table
from ido_analysis.spec.codebook import Codebook, load_codebook

MIN_MATCHED_SHARE = 0.25  # below this the file is "an export of another questionnaire"
SUGGESTION_NAME = "kolomkoppeling_voorstel.csv"
MAPPING_NAME = "kolomkoppeling.csv"


class MappingError(ValueError):
    """Columns could not all be mapped; ``rows`` is the suggested mapping."""

    def __init__(self, path: Path, table: ToolTable, rows: list[MappingRow], message: str):
        super().__init__(message)
        self.path, self.table, self.rows = path, table, rows

    @property
    def suggestion(self) -> str:
        return mapping_csv(self.rows)


@dataclass
class ImportResult:
    """A tool export decoded into the project's own shape."""

    table: ToolTable
    rows: list[MappingRow]
    frame: pd.DataFrame
    log: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def lowest_score(self) -> float | None:
        return lowest_score(self.rows)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary for the cleaning log (no cell values)."""
        return {"tool": self.table.title, "familie": self.table.family,
                "kopregels": self.table.header_rows, "kolommen": len(self.table.columns),
                "laagste_score": self.lowest_score, "regels": self.log,
                "aantallen": self.counts, "koppelbestand": MAPPING_NAME}


def inspect_mapping(path: str | Path, codebook: Codebook, mapping_path: str | Path | None = None,
                    tools: dict[str, Any] | None = None
                    ) -> tuple[ToolTable, list[MappingRow] | None]:
    """Read and map without decoding or writing: (table, rows); rows None for the own shape."""
    tools = tools or load_tools()
    table = read_tool_table(path, set(codebook.raw_columns()), tools)
    if table.family == OWN:
        return table, None
    given = read_mapping(mapping_path) if mapping_path else None
    return table, build_mapping(table, codebook, given, tools)


def import_export(path: str | Path, codebook: Codebook, mapping_path: str | Path | None = None,
                  tools: dict[str, Any] | None = None, **rule: Any) -> ImportResult | None:
    """See the module docstring; ``rule`` overrides ``response_rule`` parameters."""
    path = Path(path)
    tools = tools or load_tools()
    table, rows = inspect_mapping(path, codebook, mapping_path, tools)
    if rows is None:
        return None
    _check_questionnaire(path, table, rows)
    problems = open_points(rows)
    if problems:
        raise MappingError(path, table, rows, describe_open_points(path, table, problems))
    decoded = to_own_shape(table, rows, codebook, tools, **rule)
    if decoded.problems:
        raise ExportError(f"{path}: " + "; ".join(decoded.problems))
    return ImportResult(table, rows, decoded.frame, decoded.log, decoded.counts)


def mapping_preflight(path: str | Path, mapping_path: str | Path | None = None,
                      codebook: Codebook | None = None) -> MappingError | None:
    """The ``MappingError`` that cleaning ``path`` would raise, without decoding; None when the
    file is in the own shape or maps unambiguously. ``ExportError`` for unreadable files."""
    path = Path(path)
    codebook = codebook or load_codebook()
    table, rows = inspect_mapping(path, codebook, mapping_path)
    if rows is None:
        return None
    try:
        _check_questionnaire(path, table, rows)
    except MappingError as exc:
        return exc
    problems = open_points(rows)
    return (MappingError(path, table, rows, describe_open_points(path, table, problems))
            if problems else None)


def _check_questionnaire(path: Path, table: ToolTable, rows: list[MappingRow]) -> None:
    question_rows = [r for r in rows if r.position is not None and r.kind != "metadata"]
    matched = [r for r in question_rows if r.target and not r.problem]
    if question_rows and len(matched) / len(question_rows) < MIN_MATCHED_SHARE:
        raise MappingError(path, table, rows, (
            f"{path}: dit lijkt geen export van deze vragenlijst ({table.title} herkend, maar "
            f"slechts {len(matched)} van {len(question_rows)} vraagkolommen lijken op een vraag "
            "uit references/codebook.yaml). Controleer of dit de juiste enquête is."))


def describe_open_points(path: Path, table: ToolTable, problems: list[MappingRow]) -> str:
    """Dutch message listing every open point with its candidates."""
    lines = [f"{path}: herkend als {table.title}; {len(problems)} kolom(men) niet eenduidig "
             "gekoppeld aan het codeboek:"]
    for i, r in enumerate(problems, start=1):
        where = f"kolom {r.position + 1} {r.key!r}" if r.position is not None else r.target
        text = f" ({r.tool_text[:80]})" if r.tool_text else ""
        cands = f"; kandidaten: {r.candidates}" if r.candidates else ""
        lines.append(f"  {i}. {where}{text}: {r.problem}{cands}")
    lines.append(f"Vul in het voorstel ({SUGGESTION_NAME}) de kolom 'codeboekkolom' aan waar "
                 "'open_punt' gevuld is en draai opnieuw met --mapping BESTAND.")
    return "\n".join(lines)
