"""Read a survey-tool export, recognise the tool on content and split its header rows.

``read_tool_table(path)`` returns a ``ToolTable``: the tool family (``references/
survey_tools.yaml``), the respondent rows and, per column, the tool's key (export tag, SPSS
variable name, column title), the question text and the sub-label (option, item, "Text")
taken from the header rows or SPSS variable labels, and the SPSS value labels. Header rows
never become respondents.

Recognition is on content: the file's leading bytes (Excel zip, SPSS ``$FL2``, else text) and
then each family's ``detect`` rule; the project's own shape (codebook ids as headers) is
``own``. A file that fits none raises ``ExportError`` naming what was looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES
from ido_analysis.ingest.reader import ExportError, _cell_text, _read_csv_rows, _read_excel_rows

TOOLS_PATH = REFERENCES / "survey_tools.yaml"
OWN = "own"


@dataclass
class ToolColumn:
    """One column of a tool export."""

    position: int
    key: str  # export tag / variable name / column title (row 1)
    text: str  # question text as the tool writes it ('' when the tool gives none)
    sub: str  # option / item / "Text" part of the label ('' when none)
    values: list[str | None]
    value_labels: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """Key and texts for messages and the mapping file."""
        parts = [p for p in (self.text, self.sub) if p]
        return " | ".join(parts) if parts else self.key


@dataclass
class ToolTable:
    """A tool export split into columns; ``family`` names an entry of survey_tools.yaml."""

    family: str
    title: str
    format: str  # csv | xlsx | sav
    header_rows: int
    columns: list[ToolColumn]
    n_rows: int
    encoding: str | None = None
    delimiter: str | None = None


@lru_cache(maxsize=4)
def _load_tools_cached(path: str) -> dict[str, Any]:
    return read_yaml(path)


def load_tools(path: str | Path | None = None) -> dict[str, Any]:
    """The survey-tool knowledge file (``references/survey_tools.yaml``) as a mapping."""
    return _load_tools_cached(str(path or TOOLS_PATH))


def sniff_format(path: Path) -> str:
    """``xlsx``, ``sav`` or ``csv`` from the file's leading bytes (never from its name)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head in (b"$FL2", b"$FL3"):
        return "sav"
    return "csv"


def read_cells(path: Path) -> tuple[str, list[list[str]], str | None, str | None]:
    """All rows of a CSV or Excel file as stripped strings: (format, rows, encoding, delim)."""
    fmt = sniff_format(path)
    if fmt == "csv":
        header, rows, encoding, delimiter = _read_csv_rows(path)
    else:
        header, rows = _read_excel_rows(path)
        encoding = delimiter = None
    rows = [[str(c).strip() for c in header]] + [[str(c).strip() for c in r] for r in rows]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    while width and all(not r[width - 1] for r in rows):  # trailing empty column
        width -= 1
        rows = [r[:width] for r in rows]
    return fmt, rows, encoding, delimiter


def _key_of(cell: str, family: dict[str, Any]) -> str:
    pattern = family.get("code_text")
    if pattern and (m := re.match(pattern, cell)):
        return m.group("code")
    return cell


def detect_family(rows: list[list[str]], tools: dict[str, Any], codebook_columns: set[str]
                  ) -> str:
    """The family whose ``detect`` rule the rows fit, ``own`` for the project's shape.

    Raises ``ExportError`` (without file name; the caller adds it) when nothing fits.
    """
    header = rows[0] if rows else []
    lowered = {c.strip().lower() for c in header}
    if "respondent_id" in lowered and lowered & codebook_columns:
        return OWN
    for name, family in tools["families"].items():
        rule = family["detect"]
        if "format" in rule:
            continue
        row_no = rule["row"]
        if len(rows) < row_no:
            continue
        row = rows[row_no - 1]
        if "cell_prefix" in rule:
            filled = [c for c in row if c]
            hits = [c for c in filled if c.startswith(rule["cell_prefix"])]
            if filled and len(hits) / len(filled) >= rule["min_share"]:
                return name
            continue
        keys = {_key_of(c, family) for c in row} if rule.get("code_prefix") else set(row)
        if sum(c in keys for c in rule["cells"]) >= rule["min_count"]:
            return name
    looked = "; ".join(f"{f['title']}" for f in tools["families"].values())
    shown = ", ".join(map(str, header[:5]))
    raise ExportError(
        "dit lijkt geen export van de enquête: geen enkele kolom komt overeen met het codeboek "
        f"en de vorm van geen enkele enquêtetool is herkend (eerste kolommen: {shown}...). "
        "Gezocht naar: de eigen vorm (kolom respondent_id en vraagcodes zoals q01, q06_a); "
        f"{looked}"
    )


def read_tool_table(path: str | Path, codebook_columns: set[str],
                    tools: dict[str, Any] | None = None) -> ToolTable:
    """Read ``path`` into a ``ToolTable`` (family ``own`` for the project's shape).

    Raises ``ExportError`` naming the file for unreadable files, unknown shapes and exports
    without respondents (header rows only).
    """
    path = Path(path)
    tools = tools or load_tools()
    if not path.is_file():
        raise ExportError(f"{path}: bestand bestaat niet")
    if path.stat().st_size == 0:
        raise ExportError(f"{path}: het bestand is leeg (0 bytes); exporteer opnieuw")
    if sniff_format(path) == "sav":
        return _read_sav(path, tools, codebook_columns)
    fmt, rows, encoding, delimiter = read_cells(path)
    try:
        family = detect_family(rows, tools, codebook_columns)
    except ExportError as exc:
        raise ExportError(f"{path}: {exc}") from None
    if family == OWN:
        return ToolTable(OWN, "eigen vorm", fmt, 1, [], len(rows) - 1, encoding, delimiter)
    spec = tools["families"][family]
    n_header = spec["header_rows"]
    body = [r for r in rows[n_header:] if any(r)]
    if not body:
        raise ExportError(
            f"{path}: export van {spec['title']} met alleen kopregels ({n_header}) en geen "
            "antwoorden; exporteer opnieuw met alle respondenten")
    columns = _columns(rows[:n_header], body, spec, tools)
    return ToolTable(family, spec["title"], fmt, n_header, columns, len(body), encoding,
                     delimiter)


def _columns(header: list[list[str]], body: list[list[str]], spec: dict[str, Any],
             tools: dict[str, Any]) -> list[ToolColumn]:
    keys = header[0]
    text_row = header[spec["text_row"] - 1] if spec.get("text_row") else keys
    sub_row = header[spec["sub_row"] - 1] if spec.get("sub_row") else None
    metadata = set(spec.get("metadata", {})) | set(tools["common_metadata"])
    out: list[ToolColumn] = []
    carried = ""
    for i, key in enumerate(keys):
        raw_text = text_row[i]
        if spec.get("carry_text"):
            if raw_text:
                carried = raw_text
            elif key in metadata or (sub_row is not None and not sub_row[i]):
                carried = ""
            raw_text = raw_text or carried
        text, sub = split_label(raw_text, spec)
        if sub_row is not None and sub_row[i]:
            sub = sub_row[i]
        values = [r[i] or None for r in body]
        key = (_key_of(key, spec) if spec.get("code_text") else key) or f"kolom {i + 1}"
        out.append(ToolColumn(i, key, text, sub, values))
    return out


def split_label(label: str, spec: dict[str, Any]) -> tuple[str, str]:
    """(question text, sub-label) of one header label, by the family's rules."""
    label = label.strip()
    if spec.get("code_text") and (m := re.match(spec["code_text"], label)):
        text, code_sub = (m.group("text") or ""), (m.group("sub") or "")
        sub = code_sub
        if text and spec.get("trailing_sub") and (t := re.match(spec["trailing_sub"], text)):
            text, sub = t.group("text"), t.group("sub")
            if code_sub.lower() in spec.get("code_sub_text", ()):
                sub = f"{sub} - {code_sub}"  # q02[other]: the typed "Anders" text
        return text, sub
    if spec.get("trailing_sub") and (t := re.match(spec["trailing_sub"], label)):
        return t.group("text"), t.group("sub")
    sep = spec.get("sub_separator")
    if sep and sep in label:
        parts = label.split(sep)
        tail = parts[1:]
        return parts[0], sep.join(tail)
    if spec.get("item_separator") and (m := re.match(spec["item_separator"], label)):
        return m.group("text"), m.group("sub")
    return label, ""


def _read_sav(path: Path, tools: dict[str, Any], codebook_columns: set[str]) -> ToolTable:
    import pyreadstat

    try:
        raw, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise ExportError(f"{path}: geen leesbaar SPSS-bestand ({exc})") from exc
    names = list(raw.columns)
    if {n.lower() for n in names} & codebook_columns and "respondent_id" in {
            n.lower() for n in names}:
        return ToolTable(OWN, "eigen vorm", "sav", 1, [], len(raw))
    if raw.empty:
        raise ExportError(f"{path}: SPSS-bestand met alleen variabelen en geen antwoorden; "
                          "exporteer opnieuw met alle respondenten")
    spec = tools["families"]["spss"]
    labels = dict(zip(meta.column_names, meta.column_labels, strict=False))
    columns = []
    for i, name in enumerate(names):
        text, sub = split_label(labels.get(name) or "", spec)
        values = [_cell_text(v) or None for v in raw[name]]
        value_labels = {_cell_text(k): str(v)
                        for k, v in meta.variable_value_labels.get(name, {}).items()}
        columns.append(ToolColumn(i, name, text, sub, values, value_labels))
    return ToolTable("spss", spec["title"], "sav", 0, columns, len(raw))
