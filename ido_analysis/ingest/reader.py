"""Read a survey-tool export (CSV, Excel or SPSS) into one frame of strings.

Contract (``docs/data-contracts.md`` section 2): one row per respondent, a header row with the
codebook column ids. ``read_export`` returns the same frame for the same content whatever the
format:

* every column has dtype ``string``; surrounding whitespace is stripped and empty cells are
  ``<NA>``; header names are stripped and lower-cased (duplicates are kept, so that validation
  can report them);
* CSV: the encoding is detected by decoding strictly as UTF-8 (with or without BOM) and, when
  that fails, as Windows-1252; the delimiter (comma or semicolon) is the one that occurs most
  often in the header line. A row with a different number of fields than the header (a
  truncated or badly quoted file) is an ``ExportError``;
* Excel ``.xlsx``: the first sheet; numbers that are whole are written without decimals;
* SPSS ``.sav``: value labels are applied, so coded answers become their label texts; dates
  become ``YYYY-MM-DD HH:MM:SS``.

Structural problems that make the file unreadable as a survey export (empty file, header only,
binary content, no codebook column at all, ragged rows) raise ``ExportError`` whose message
names the file. Everything else is left to ``ido_analysis.ingest.validate``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ido_analysis.spec.codebook import Codebook, load_codebook

METADATA_COLUMNS = ("respondent_id", "startdatum", "einddatum", "herkomst")
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".sav": "sav"}


class ExportError(ValueError):
    """The file cannot be read as a survey export; the message names the file and the fix."""


@dataclass(frozen=True)
class ReadInfo:
    """How the export was read."""

    format: str  # csv | xlsx | sav
    encoding: str | None  # utf-8, utf-8-sig, cp1252; None for xlsx/sav
    delimiter: str | None  # "," or ";"; None for xlsx/sav
    n_rows: int


def read_export(
    path: str | Path, codebook: Codebook | None = None
) -> tuple[pd.DataFrame, ReadInfo]:
    """Read ``path`` and return ``(frame, info)``; see the module docstring for the contract."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"{path}: bestand bestaat niet")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(
            f"{path}: onbekend bestandstype {path.suffix!r}; gebruik .csv, .xlsx of .sav"
        )
    if path.stat().st_size == 0:
        raise ExportError(f"{path}: het bestand is leeg (0 bytes); exporteer opnieuw")
    if fmt == "csv":
        header, rows, encoding, delimiter = _read_csv_rows(path)
    elif fmt == "xlsx":
        header, rows = _read_excel_rows(path)
        encoding = delimiter = None
    else:
        header, rows = _read_sav_rows(path)
        encoding = delimiter = None
    frame = _to_frame(path, header, rows)
    _check_is_export(path, frame, codebook if codebook is not None else load_codebook())
    return frame, ReadInfo(fmt, encoding, delimiter, len(frame))


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ExportError(
            f"{path}: dit is geen tekstbestand (binaire inhoud); lever een CSV-, Excel- (.xlsx) "
            "of SPSS-export (.sav) aan"
        )
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"{path}: tekencodering niet herkend (geen UTF-8 en geen Windows-1252, byte "
            f"{exc.object[exc.start]:#04x} op positie {exc.start}); exporteer als UTF-8 CSV"
        ) from exc


def _sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _read_csv_rows(path: Path) -> tuple[list[str], list[list[str]], str, str]:
    text, encoding = _decode(path, path.read_bytes())
    if not text.strip():
        raise ExportError(f"{path}: het bestand is leeg (alleen witruimte); exporteer opnieuw")
    delimiter = _sniff_delimiter(text.lstrip().splitlines()[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                  strict=True))
    except csv.Error as exc:
        raise ExportError(f"{path}: geen geldige CSV ({exc}); controleer aanhalingstekens") from exc
    while records and not records[0]:
        records.pop(0)
    header, rows = records[0], records[1:]
    while rows and not rows[-1]:
        rows.pop()
    ragged = [(i, len(r)) for i, r in enumerate(rows, start=1) if r and len(r) != len(header)]
    if ragged:
        listed = "; ".join(f"rij {i}: {n} velden" for i, n in ragged[:10])
        more = f" (en nog {len(ragged) - 10} rijen)" if len(ragged) > 10 else ""
        raise ExportError(
            f"{path}: {len(ragged)} rij(en) hebben een ander aantal velden dan de kopregel "
            f"({len(header)}): {listed}{more}. Het bestand is afgebroken of verkeerd gequote; "
            "exporteer opnieuw"
        )
    rows = [r if r else [""] * len(header) for r in rows]
    return header, rows, encoding, delimiter


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_excel_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        raw = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for corrupt files
        raise ExportError(f"{path}: geen leesbaar Excel-bestand ({exc})") from exc
    if raw.empty:
        raise ExportError(f"{path}: het werkblad is leeg; exporteer opnieuw")
    cells = [[_cell_text(v) for v in row] for row in raw.itertuples(index=False)]
    return cells[0], cells[1:]


def _read_sav_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    import pyreadstat

    try:
        raw, _meta = pyreadstat.read_sav(str(path), apply_value_formats=True,
                                         formats_as_category=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise ExportError(f"{path}: geen leesbaar SPSS-bestand ({exc})") from exc
    cells = [[_cell_text(v) for v in row] for row in raw.itertuples(index=False)]
    return list(raw.columns), cells


def _to_frame(path: Path, header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    header = [str(h).strip().lower() for h in header]
    while header and not header[-1] and all(not r[-1].strip() for r in rows):
        header.pop()  # trailing delimiter / empty trailing Excel column
        rows = [r[:-1] for r in rows]
    if not rows:
        raise ExportError(
            f"{path}: het bestand bevat alleen een kopregel en geen antwoorden; exporteer "
            "opnieuw met alle respondenten"
        )
    cells = [[cell.strip() or None for cell in row] for row in rows]
    return pd.DataFrame(cells, columns=header, dtype="string")


def _check_is_export(path: Path, frame: pd.DataFrame, codebook: Codebook) -> None:
    known = set(codebook.raw_columns()) | {"respondent_id"}
    if not known & set(frame.columns):
        shown = ", ".join(map(str, list(frame.columns)[:5]))
        raise ExportError(
            f"{path}: dit lijkt geen export van de enquête: geen enkele kolom komt overeen met "
            f"het codeboek (gevonden: {shown}...). Lever de export aan zoals de enquêtetool "
            "hem maakt (Qualtrics, SurveyMonkey, LimeSurvey, Microsoft Forms, SPSS) of in de "
            "eigen vorm met vraagcodes als kolomnamen (q01, q02, q06_a, ...)"
        )
