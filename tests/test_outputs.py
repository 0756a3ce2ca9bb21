"""frequencies.csv and tabellen.xlsx: content, schema and byte-determinism."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from ido_analysis.analysis.tables import FREQUENCY_CSV_COLUMNS
from ido_analysis.analysis.weights import Weighting, population_counts
from ido_analysis.report.notebook import SYNTHETIC_TEXT
from ido_analysis.report.outputs import (
    NOTES_SHEET,
    sheet_name,
    workbook_bytes,
    write_frequencies,
    write_workbook,
)
from ido_analysis.spec.reference import load_municipalities


@pytest.fixture(scope="module")
def workbook(processed, tmp_path_factory):
    df, cb = processed
    path = write_workbook(df, cb, tmp_path_factory.mktemp("wb"))
    return openpyxl.load_workbook(path)


def test_frequencies_has_every_closed_question_and_option(processed, tmp_path):
    df, cb = processed
    table = pd.read_csv(write_frequencies(df, cb, tmp_path), dtype={"option": str})
    assert list(table.columns) == FREQUENCY_CSV_COLUMNS
    expected = [(q.id, o.code) for q in cb.closed() if not q.personal for o in q.options]
    assert list(zip(table["question"], table["option"], strict=True)) == expected
    assert set(table["question"]) == {q.id for q in cb.closed()}


def test_frequencies_values_and_formatting(processed, tmp_path):
    df, cb = processed
    text = write_frequencies(df, cb, tmp_path).read_text(encoding="utf-8")
    assert "\r" not in text
    assert "q06,e,Digitale dienstverlener,12,47,25.5," in text
    assert '\nq02,c,"Anders, namelijk",3,47,6.4,' in text
    for line in text.splitlines()[1:]:
        assert re.search(r",\d+,\d+,\d+\.\d,\d+\.\d,\d+\.\d$", line), line


def test_weighted_frequencies_say_so_and_show_the_effective_n(processed, tmp_path):
    df, cb = processed
    ref = load_municipalities()
    weighting = Weighting("grootteklasse_grof", population_counts(ref, "grootteklasse_grof"))
    table = pd.read_csv(write_frequencies(df, cb, tmp_path, weights=weighting),
                        dtype={"option": str})
    assert list(table.columns) == [*FREQUENCY_CSV_COLUMNS, "weighted", "n_eff"]
    assert table["weighted"].all()
    assert (table["n_eff"] <= table["base"] + 0.05).all() and (table["n_eff"] > 0).any()
    plain = pd.read_csv(write_frequencies(df, cb, tmp_path / "plain"), dtype={"option": str})
    assert (table["count"] == plain["count"]).all()
    assert not (table["percent"].fillna(-1) == plain["percent"].fillna(-1)).all()


def test_frequencies_byte_identical_on_two_writes(processed, tmp_path):
    df, cb = processed
    first = write_frequencies(df, cb, tmp_path / "a").read_bytes()
    second = write_frequencies(df, cb, tmp_path / "b").read_bytes()
    assert first == second


def test_frequencies_written_under_tables(processed, tmp_path):
    df, cb = processed
    assert write_frequencies(df, cb, tmp_path) == tmp_path / "tables" / "frequencies.csv"


def test_workbook_one_sheet_per_chapter(processed, workbook):
    _, cb = processed
    assert len(workbook.sheetnames) == len(cb.chapters) + 1
    assert workbook.sheetnames[0] == NOTES_SHEET
    for name, chapter in zip(workbook.sheetnames[1:], cb.chapters, strict=True):
        assert len(name) <= 31
        assert chapter.title.startswith(name)
        assert workbook[name]["A1"].value == chapter.title


def test_workbook_chapter_sheet_holds_tables(processed, workbook):
    sheet = workbook["2. Invulling brede regierol"]
    rows = list(sheet.iter_rows(values_only=True))
    header = ("Vraag", "Code", "Antwoord", "Aantal", "Basis (n)", "Percentage",
              "Ondergrens 95%-interval", "Bovengrens 95%-interval", "% van vermeldingen")
    assert rows.count(header) == 8  # q06 q07 q10 q12 q13 q14 q15 q16
    assert ("q06", "e", "Digitale dienstverlener", 12, 47, 25.5) in [r[:6] for r in rows]


def test_workbook_notes_carry_warning_and_method(processed, workbook):
    lines = [r[0] for r in workbook[NOTES_SHEET].iter_rows(min_row=2, values_only=True)]
    assert SYNTHETIC_TEXT in lines
    assert any("Wilson" in line and "N = 342" in line for line in lines)


def test_workbook_without_provenance_has_no_warning(processed):
    df, cb = processed
    data = workbook_bytes(df.drop(columns="herkomst"), cb)
    book = openpyxl.load_workbook(io.BytesIO(data))
    lines = [r[0] for r in book[NOTES_SHEET].iter_rows(values_only=True)]
    assert SYNTHETIC_TEXT not in lines


def test_workbook_is_deterministic(processed, tmp_path):
    df, cb = processed
    first = write_workbook(df, cb, tmp_path / "a").read_bytes()
    second = write_workbook(df, cb, tmp_path / "b").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2025-10-10T00:00:00Z") == 2


@pytest.mark.parametrize(("title", "taken", "expected"), [
    ("4. Toegankelijke en bereikbare dienstverlening", set(), "4. Toegankelijke en bereikbare"),
    ("Vraag: ja/nee?", set(), "Vraag janee"),
    ("Afsluiting", {"afsluiting"}, "Afsluiting (2)"),
    ("A" * 40, {"A" * 31}, "A" * 27 + " (2)"),
])
def test_sheet_name(title, taken, expected):
    assert sheet_name(title, taken) == expected
