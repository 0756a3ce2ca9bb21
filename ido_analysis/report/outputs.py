"""Machine-readable frequency outputs: ``tables/frequencies.csv`` and ``tables/tabellen.xlsx``.

Both are written atomically (``ido_analysis.core.files``) and are byte-identical for the same input:

- ``frequencies.csv``: UTF-8, LF, one row per closed non-personal question and option in codebook
  order, columns ``tables.FREQUENCY_CSV_COLUMNS`` (question, option, label, count, base, percent,
  ci_low, ci_high); percentages on 0-100 with one decimal (rounded half up), empty when undefined.
  A weighted run adds ``weighted`` (``true`` on every row: percentages and intervals are
  post-stratified on each question's base) and ``n_eff`` (Kish's effective sample size, one
  decimal); counts and bases stay unweighted.
- ``tabellen.xlsx``: a 'Toelichting' sheet (source, synthetic-data warning, interval method), then
  one sheet per codebook chapter with that chapter's frequency tables under Dutch headers. The
  zip entries carry a fixed timestamp and the document properties the fieldwork end date, so
  the file does not change when nothing changed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from ido_analysis.analysis.tables import FREQUENCY_CSV_COLUMNS, Weights, frequencies, question_table
from ido_analysis.core.files import write_atomic, write_text_atomic
from ido_analysis.core.formatting import interval_label, is_missing, round_half_up
from ido_analysis.report.notebook import SYNTHETIC_TEXT, is_synthetic
from ido_analysis.spec.codebook import Codebook, Question
from ido_analysis.spec.survey import POPULATION

TABLES_DIR = "tables"
FREQUENCIES_CSV = "frequencies.csv"
WORKBOOK = "tabellen.xlsx"
NOTES_SHEET = "Toelichting"
SOURCE = "Enquête regierol IDO's (VNG/KWINK, 2025); heranalyse"
PERCENT_COLUMNS = ("percent", "ci_low", "ci_high")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_DATES = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


# ------------------------------------------------------------------------------ CSV

def _one_decimal(value: object) -> str:
    return "" if is_missing(value) else f"{round_half_up(float(value), 1):.1f}"


def frequencies_csv_text(df: pd.DataFrame, codebook: Codebook, confidence: float = 0.95,
                         weights: Weights = None) -> str:
    """The content of ``frequencies.csv`` (see the module docstring) as a string."""
    table = frequencies(df, codebook, confidence=confidence, weights=weights)
    out = table[FREQUENCY_CSV_COLUMNS].copy()
    if weights is not None:
        out["weighted"] = "true"
        out["n_eff"] = table["n_eff"]
    for col in (*PERCENT_COLUMNS, *(("n_eff",) if weights is not None else ())):
        out[col] = out[col].map(_one_decimal)
    for col in ("count", "base"):
        out[col] = out[col].astype(int).astype(str)
    return out.astype(str).to_csv(index=False, lineterminator="\n")


def write_frequencies(df: pd.DataFrame, codebook: Codebook, output_dir: str | Path,
                      confidence: float = 0.95, weights: Weights = None) -> Path:
    """Write ``output_dir/tables/frequencies.csv`` atomically; return its path."""
    path = Path(output_dir) / TABLES_DIR / FREQUENCIES_CSV
    return write_text_atomic(path, frequencies_csv_text(df, codebook, confidence, weights))


# ------------------------------------------------------------------------------ workbook

def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name for ``title``: forbidden characters removed, at most 31 characters,
    unique among ``taken`` (a numbered suffix when needed)."""
    base = _SHEET_FORBIDDEN.sub("", title).strip()[:31].rstrip() or "Blad"
    name, i = base, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)].rstrip() + suffix, i + 1
    return name


def workbook_table(df: pd.DataFrame, question: Question, confidence: float = 0.95,
                   weights: Weights = None) -> pd.DataFrame:
    """One question's frequency table with Dutch headers and numeric cells (percentages with one
    decimal), in questionnaire order."""
    table = question_table(df, question, confidence=confidence, weights=weights)
    interval = interval_label(confidence)

    def pct(col: str) -> list[float | None]:
        return [None if is_missing(v) else float(round_half_up(float(v), 1)) for v in table[col]]

    out = pd.DataFrame({
        "Vraag": table["question"], "Code": table["option"], "Antwoord": table["label"],
        "Aantal": table["count"].astype(int), "Basis (n)": table["base"].astype(int),
        "Percentage": pct("percent"), f"Ondergrens {interval}": pct("ci_low"),
        f"Bovengrens {interval}": pct("ci_high"),
        "% van vermeldingen": pct("percent_mentions"),
    })
    if weights is not None:
        out = out.rename(columns={"Percentage": "Percentage (gewogen)"})
        out["Effectieve n"] = pct("n_eff")
    return out


def _question_title(question: Question) -> str:
    number = f"Vraag {question.number}. " if question.number is not None else ""
    return f"{number}{question.text}"


def notes_lines(df: pd.DataFrame, codebook: Codebook, confidence: float = 0.95,
                weighted: bool = False) -> list[str]:
    """The lines of the 'Toelichting' sheet (Dutch)."""
    population = int(codebook.survey.get("population", POPULATION))
    lines = [
        str(codebook.survey.get("title", "")),
        f"Bron: {SOURCE}. Vragenlijst: {codebook.survey.get('source', '')}.",
    ]
    if is_synthetic(df):
        lines.append(SYNTHETIC_TEXT)
    lines += [
        f"Respondenten: {len(df)} van de {population} uitgenodigde gemeenten.",
        "Basis (n): respondenten die de vraag hebben beantwoord; vragen met routing zijn alleen "
        "gesteld aan de respondenten die daarvoor in aanmerking kwamen.",
        f"Percentages met een {interval_label(confidence)} volgens Wilson, met "
        f"eindige-populatiecorrectie (N = {population} gemeenten). Vragen met routing krijgen "
        "geen correctie: hoeveel van de gemeenten tot hun doelgroep horen, is onbekend.",
        "Een respondent kan voor meer dan één gemeente antwoorden; hij telt één keer. De "
        "correctie rekent met respondenten, niet met de gemeenten die zij vertegenwoordigen.",
        "Percentages " + ("gewogen naar grootteklasse (poststratificatie, opnieuw berekend op "
                          "de respondenten van elke vraag); aantallen ongewogen; 'Effectieve "
                          "n' is de steekproefomvang met dezelfde precisie zonder weging."
                          if weighted else "ongewogen."),
        "Meerkeuzevragen: het percentage is het aandeel respondenten dat de optie koos; "
        "'% van vermeldingen' is het aandeel van alle gekozen opties.",
        "Elk hoofdstuk van het rapport heeft een eigen tabblad.",
    ]
    return lines


def _write_sheets(writer: pd.ExcelWriter, df: pd.DataFrame, codebook: Codebook,
                  confidence: float, weights: Weights) -> None:
    notes = pd.DataFrame({"Toelichting": notes_lines(df, codebook, confidence,
                                                     weights is not None)})
    notes.to_excel(writer, sheet_name=NOTES_SHEET, index=False)
    writer.sheets[NOTES_SHEET].column_dimensions["A"].width = 120
    taken = {NOTES_SHEET}
    for chapter in codebook.chapters:
        name = sheet_name(chapter.title, taken)
        taken.add(name)
        questions = [q for q in codebook.closed() if q.chapter == chapter.id and not q.personal]
        _write_chapter(writer, name, chapter.title, questions, df, confidence, weights)


def _write_chapter(writer: pd.ExcelWriter, name: str, title: str, questions: list[Question],
                   df: pd.DataFrame, confidence: float, weights: Weights) -> None:
    pd.DataFrame().to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.cell(row=1, column=1, value=title)
    row = 3
    for question in questions:
        sheet.cell(row=row, column=1, value=_question_title(question))
        table = workbook_table(df, question, confidence, weights)
        table.to_excel(writer, sheet_name=name, index=False, startrow=row)
        row += len(table) + 3
    if not questions:
        sheet.cell(row=row, column=1, value="Dit hoofdstuk heeft geen gesloten vragen.")
    for column, width in zip("ABCDEFGHI", (8, 6, 60, 8, 10, 11, 22, 22, 18), strict=True):
        sheet.column_dimensions[column].width = width


def _normalise_zip(data: bytes, stamp: str) -> bytes:
    """Re-pack an xlsx with fixed entry timestamps and fixed document dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rf"\g<1>{stamp}\g<2>", content.decode()).encode()
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def workbook_bytes(df: pd.DataFrame, codebook: Codebook, confidence: float = 0.95,
                   weights: Weights = None) -> bytes:
    """The content of ``tabellen.xlsx`` (see the module docstring)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _write_sheets(writer, df, codebook, confidence, weights)
        props = writer.book.properties
        props.creator = props.lastModifiedBy = "ido_analysis"
        props.title = str(codebook.survey.get("title", ""))
    end = codebook.survey.get("fieldwork_end") or dt.date(2025, 1, 1)
    return _normalise_zip(buffer.getvalue(), f"{end.isoformat()}T00:00:00Z")


def write_workbook(df: pd.DataFrame, codebook: Codebook, output_dir: str | Path,
                   confidence: float = 0.95, weights: Weights = None) -> Path:
    """Write ``output_dir/tables/tabellen.xlsx`` atomically; return its path."""
    data = workbook_bytes(df, codebook, confidence, weights)
    path = Path(output_dir) / TABLES_DIR / WORKBOOK
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))
