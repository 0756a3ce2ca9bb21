"""The reviewable mapping file: one row per tool column (CSV, UTF-8, opens in Excel).

Columns: ``tool_kolom`` (the tool's key), ``positie`` (1-based column), ``tool_tekst``
(question | option as the tool writes them), ``codeboekkolom`` (target: a codebook column, a
multiple-choice question id for a joined list, ``metadata:<role>`` or ``negeren``),
``soort``, ``regel`` (metadata | tekst | tekst+volgorde | handmatig | ontbreekt), ``score``,
``hercodering``, ``kandidaten`` and ``open_punt`` (empty when settled).

The analyst completes a suggested mapping by filling ``codeboekkolom`` where ``open_punt`` is
set, and passes it with ``--mapping``: every row with a ``codeboekkolom`` then wins over the
automatic match (``read_mapping``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ido_analysis.ingest.mapping import MappingRow

FIELDS = ("tool_kolom", "positie", "tool_tekst", "codeboekkolom", "soort", "regel", "score",
          "hercodering", "kandidaten", "open_punt")


def mapping_csv(rows: list[MappingRow]) -> str:
    """The mapping as CSV text (personal metadata shows its column name only, never values)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIELDS)
    for r in rows:
        writer.writerow([r.key, "" if r.position is None else r.position + 1, r.tool_text,
                         r.target, r.kind, r.rule, "" if r.score is None else f"{r.score:.3f}",
                         r.recoding, r.candidates, r.problem])
    return buf.getvalue()


def read_mapping(path: str | Path) -> dict[int, tuple[str, str]]:
    """``{position (0-based): (tool_kolom, codeboekkolom)}`` for every row with a target.

    Raises ``ValueError`` naming the file when required columns are missing.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text else ""
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(
        ",") else ",")
    missing = {"positie", "tool_kolom", "codeboekkolom"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"{path}: kolommen {sorted(missing)} ontbreken in het koppelbestand")
    out: dict[int, tuple[str, str]] = {}
    for row in reader:
        target, pos = (row.get("codeboekkolom") or "").strip(), (row.get("positie") or "").strip()
        if target and pos.isdigit():
            out[int(pos) - 1] = ((row.get("tool_kolom") or "").strip(), target)
    return out
