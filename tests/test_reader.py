"""Reader: same frame from every format; clear ExportErrors for unreadable files."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import FORMATS, SUFFIX, valid_export, write_export

from ido_analysis.ingest.reader import ExportError, read_export


@pytest.fixture(scope="module")
def frame(codebook):
    return valid_export(codebook, n=15, seed=11)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_frame(tmp_path, codebook, frame, fmt):
    path = write_export(frame, tmp_path / f"export{SUFFIX[fmt]}", fmt, codebook)
    read, info = read_export(path, codebook)
    pdt.assert_frame_equal(read, frame)
    assert info.n_rows == 15
    assert info.format == SUFFIX[fmt].lstrip(".")


@pytest.mark.parametrize(("fmt", "encoding", "delimiter"), [
    ("csv-utf8", "utf-8", ","), ("csv-utf8-bom", "utf-8-sig", ","),
    ("csv-cp1252-semicolon", "cp1252", ";"), ("xlsx", None, None),
])
def test_detects_encoding_and_delimiter(tmp_path, codebook, frame, fmt, encoding, delimiter):
    path = write_export(frame, tmp_path / f"export{SUFFIX[fmt]}", fmt, codebook)
    _, info = read_export(path, codebook)
    assert (info.encoding, info.delimiter) == (encoding, delimiter)


def test_cp1252_text_is_decoded(tmp_path, codebook, frame):
    frame = frame.copy()
    frame.loc[0, "q08"] = "Coördinatie in Súdwest-Fryslân, één café"
    path = write_export(frame, tmp_path / "x.csv", "csv-cp1252-semicolon", codebook)
    assert "Co\xf6rdinatie".encode("latin-1") in path.read_bytes()
    read, _ = read_export(path, codebook)
    assert read.loc[0, "q08"] == "Coördinatie in Súdwest-Fryslân, één café"


def test_strips_whitespace_and_keeps_duplicate_headers(tmp_path, codebook):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id, Q02 ,q02\n1,  Beleid ,\n", encoding="utf-8")
    read, _ = read_export(path, codebook)
    assert list(read.columns) == ["respondent_id", "q02", "q02"]
    assert read.iloc[0, 1] == "Beleid"
    assert pd.isna(read.iloc[0, 2])


@pytest.mark.parametrize(("content", "message"), [
    (b"", "het bestand is leeg (0 bytes)"),
    (b"  \n\n", "het bestand is leeg (alleen witruimte)"),
    (b"respondent_id,q02\n", "alleen een kopregel"),
    (b"\x00\x01\x02garbage\xff", "geen tekstbestand (binaire inhoud)"),
    (b"naam,adres\nA,B\n", "dit lijkt geen export van de enqu"),
    (b"respondent_id,q02,q08\n1,Beleid,x\n2,Beleid\n", "rij 2: 2 velden"),
    (b"respondent_id,q02\n1,\x81\x8d\n", "tekencodering niet herkend"),
])
def test_unreadable_files_raise_export_error_naming_the_file(tmp_path, codebook, content,
                                                              message):
    path = tmp_path / "kapot.csv"
    path.write_bytes(content)
    with pytest.raises(ExportError, match="kapot.csv") as info:
        read_export(path, codebook)
    assert message in str(info.value)


def test_unknown_suffix_and_missing_file(tmp_path, codebook):
    with pytest.raises(ExportError, match="onbekend bestandstype '.json'"):
        (tmp_path / "x.json").write_text("{}")
        read_export(tmp_path / "x.json", codebook)
    with pytest.raises(ExportError, match="bestaat niet"):
        read_export(tmp_path / "nope.csv", codebook)


def test_corrupt_excel_is_an_export_error(tmp_path, codebook):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ExportError, match="geen leesbaar Excel-bestand"):
        read_export(path, codebook)
