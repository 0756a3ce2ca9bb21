"""Survey-tool exports: recognised on content, mapped by text, cleaned to the bundled dataset.

The exports are built at test time from the bundled responses by tests/tool_exports/build.py
(one per tool family; README.md there says where each shape comes from).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from ido_analysis.cli import main
from ido_analysis.ingest.clean import clean_export
from ido_analysis.ingest.decode import (
    ValueRules,
    decode_choice,
    decode_tick,
    parse_date,
    response_filter,
    split_joined,
)
from ido_analysis.ingest.generate import DEFAULT_OUTPUT
from ido_analysis.ingest.mapping import build_mapping, open_points
from ido_analysis.ingest.mapping_file import read_mapping
from ido_analysis.ingest.reader import ExportError
from ido_analysis.ingest.textmatch import normalise, similarity
from ido_analysis.ingest.tool_import import (
    MAPPING_NAME,
    SUGGESTION_NAME,
    MappingError,
    import_export,
)
from ido_analysis.ingest.tool_table import ToolColumn, load_tools, read_tool_table
from ido_analysis.spec.codebook import load_codebook

sys.path.insert(0, str(Path(__file__).parent / "tool_exports"))
import build as tool_exports  # noqa: E402

FAMILY = {"qualtrics_tekst": "qualtrics", "qualtrics_numeriek": "qualtrics",
          "qualtrics_oud": "qualtrics_legacy", "surveymonkey_csv": "surveymonkey",
          "surveymonkey_xlsx": "surveymonkey", "limesurvey": "limesurvey", "forms": "forms",
          "spss": "spss"}
SHAPES = sorted(tool_exports.SHAPES)
# Lowest mapping score per shape: 0.8 = a title that is the first sentence of the codebook text
# (or a text cut off by SPSS), 0.966 = one word missing.
LOWEST = {"qualtrics_tekst": 0.966, "qualtrics_numeriek": 0.966, "qualtrics_oud": 0.966,
          "surveymonkey_csv": 0.966, "surveymonkey_xlsx": 0.966, "limesurvey": 0.8,
          "forms": 0.8, "spss": 0.8}


@pytest.fixture(scope="session")
def real_codebook():
    return load_codebook()


@pytest.fixture(scope="session")
def exports(tmp_path_factory) -> dict[str, Path]:
    return tool_exports.build_all(tmp_path_factory.mktemp("tool_exports"))


@pytest.fixture(scope="session")
def bundled_processed(tmp_path_factory) -> pd.DataFrame:
    return clean_export(DEFAULT_OUTPUT, tmp_path_factory.mktemp("bundled")).frame


@pytest.fixture(scope="session")
def cleaned(exports, tmp_path_factory) -> dict[str, tuple[object, Path]]:
    out = {}
    for shape, path in exports.items():
        target = tmp_path_factory.mktemp(f"clean_{shape}")
        out[shape] = (clean_export(path, target), target)
    return out


@pytest.fixture(scope="session")
def forms_frame(exports) -> pd.DataFrame:
    """The Forms export as raw cells (row 0 = the titles; duplicate titles kept as they are)."""
    return pd.read_excel(exports["forms"], header=None, dtype=object)


def _forms_variant(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_excel(path, index=False, header=False, engine="openpyxl")
    return path


def _title_position(frame: pd.DataFrame, prefix: str) -> int:
    return next(i for i, t in enumerate(frame.iloc[0]) if str(t).startswith(prefix))


# --- the shapes ------------------------------------------------------------------------------

def test_every_family_has_a_shape():
    assert set(FAMILY.values()) == set(load_tools()["families"])
    assert set(FAMILY) == set(SHAPES)


@pytest.mark.parametrize("shape", SHAPES)
def test_detected_on_content_not_name(exports, real_codebook, tmp_path, shape):
    renamed = tmp_path / "export.dat"  # no telling suffix
    renamed.write_bytes(exports[shape].read_bytes())
    table = read_tool_table(renamed, set(real_codebook.raw_columns()))
    assert table.family == FAMILY[shape]
    extra = {"qualtrics_tekst": 2, "qualtrics_numeriek": 2, "limesurvey": 1}.get(shape, 0)
    assert table.n_rows == 47 + extra  # header rows are never respondents


@pytest.mark.parametrize("shape", SHAPES)
def test_cleans_to_the_bundled_dataset(cleaned, bundled_processed, shape):
    result, _ = cleaned[shape]
    pdt.assert_frame_equal(result.frame.drop(columns="respondent_id"),
                           bundled_processed.drop(columns="respondent_id"))


@pytest.mark.parametrize("shape", SHAPES)
def test_mapping_unambiguous_with_scores(cleaned, shape):
    result, out = cleaned[shape]
    summary = result.log["tool_import"]
    assert summary["familie"] == FAMILY[shape]
    assert summary["laagste_score"] == LOWEST[shape]  # documented in tool_exports/README.md
    rows = list(csv.DictReader(io.StringIO((out / MAPPING_NAME).read_text(encoding="utf-8"))))
    assert all(not r["open_punt"] for r in rows)
    assert {r["regel"] for r in rows} <= {"metadata", "tekst", "tekst+volgorde"}
    assert MAPPING_NAME in result.log["bestanden"]
    assert not (out / SUGGESTION_NAME).exists()


@pytest.mark.parametrize("shape", SHAPES)
def test_tool_metadata_dropped_and_never_written(cleaned, shape):
    result, out = cleaned[shape]
    written = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in out.iterdir()
                      if p.suffix in (".csv", ".md", ".json"))
    assert "192.0.2." not in written and "@example.org" not in written
    assert "verwijderd" in (out / "cleaning_log.md").read_text(encoding="utf-8")
    personal = [r for r in result.log["tool_import"]["regels"] if "persoonsgegeven" in r]
    assert personal or shape == "limesurvey"  # LimeSurvey's default columns hold none


def test_follow_ups_with_the_same_title_are_settled_by_order(cleaned):
    result, out = cleaned["forms"]
    rows = list(csv.DictReader(io.StringIO((out / MAPPING_NAME).read_text(encoding="utf-8"))))
    same = [r["codeboekkolom"] for r in rows
            if r["tool_tekst"] == "Kunt u uw antwoord toelichten?"]
    assert same[:3] == ["q12_toelichting_c", "q12_toelichting_d", "q12_toelichting_e"]
    assert {"q24_toelichting_ab", "q24_toelichting_c", "q24_toelichting_d"} <= set(same)


def test_preview_and_incomplete_responses_follow_the_rule(cleaned, exports, real_codebook):
    result, _ = cleaned["qualtrics_tekst"]
    counts = result.log["tool_import"]["aantallen"]
    assert (counts["voorbeeld_of_test"], counts["onvolledig_verwijderd"]) == (1, 1)
    assert (counts["rijen_in"], counts["rijen_uit"]) == (49, 47)
    table = read_tool_table(exports["qualtrics_tekst"], set(real_codebook.raw_columns()))
    rows = build_mapping(table, real_codebook)
    keep, counts = response_filter(table, rows, load_tools(), drop_previews=False,
                                   incomplete_min_answered=0)
    assert all(keep) and counts["onvolledig_behouden"] == 1
    keep, counts = response_filter(table, rows, load_tools())
    assert sum(keep) == 47 and counts["voorbeeld_of_test"] == 1


# --- negative tests --------------------------------------------------------------------------

def test_another_questionnaire_is_refused(tmp_path, real_codebook):
    frame = pd.DataFrame({"ID": [1, 2], "Start time": ["1/2/25 10:00:00"] * 2,
                          "Completion time": ["1/2/25 10:05:00"] * 2, "Email": ["x"] * 2,
                          "Name": ["y"] * 2, "Hoe tevreden bent u over de bibliotheek?": ["a"] * 2,
                          "Welke boeken leest u het liefst?": ["b"] * 2})
    path = tmp_path / "ander.xlsx"
    frame.to_excel(path, index=False, engine="openpyxl")
    with pytest.raises(MappingError, match="geen export van deze vragenlijst"):
        import_export(path, real_codebook)


def test_two_columns_for_one_codebook_column_stop(tmp_path, forms_frame, real_codebook):
    pos = _title_position(forms_frame, "7. ")
    frame = pd.concat([forms_frame.iloc[:, :pos + 1], forms_frame.iloc[:, pos:]], axis=1)
    path = _forms_variant(frame, tmp_path / "dubbel.xlsx")
    with pytest.raises(MappingError, match=r"2 kolommen .* gekoppeld aan q07") as info:
        import_export(path, real_codebook)
    assert len(open_points(info.value.rows)) == 2


def test_ambiguous_follow_up_lists_candidates(tmp_path, forms_frame, real_codebook):
    pos = _title_position(forms_frame, "24. ")  # two of its three identical titles left:
    frame = pd.concat([forms_frame.iloc[:, :pos + 1], forms_frame.iloc[:, pos + 2:]], axis=1)
    path = _forms_variant(frame, tmp_path / "dubbelzinnig.xlsx")
    with pytest.raises(MappingError, match="dubbelzinnig") as info:
        import_export(path, real_codebook)
    assert "q24_toelichting_ab" in str(info.value) and "kandidaten" in str(info.value)


def _header_only(shape: str, path: Path, tmp_path: Path) -> Path:
    out = tmp_path / f"leeg_{path.name}"
    if shape == "spss":
        import pyreadstat

        frame, meta = pyreadstat.read_sav(str(path))
        pyreadstat.write_sav(frame.iloc[:0], str(out), column_labels=meta.column_labels)
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=object, nrows=0 if shape == "forms" else 1)
        frame.to_excel(out, index=False, engine="openpyxl")
    else:
        n = {"qualtrics_tekst": 3, "qualtrics_numeriek": 3, "qualtrics_oud": 2,
             "surveymonkey_csv": 2}.get(shape, 1)
        lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        out.write_text("".join(lines[:n]), encoding="utf-8")
    return out


@pytest.mark.parametrize("shape", SHAPES)
def test_header_only_file_in_each_shape(exports, real_codebook, tmp_path, shape):
    path = _header_only(shape, exports[shape], tmp_path)
    with pytest.raises(ExportError, match="geen antwoorden") as info:
        import_export(path, real_codebook)
    assert path.name in str(info.value)


def test_unknown_shape_names_what_was_looked_for(tmp_path, real_codebook):
    path = tmp_path / "x.csv"
    path.write_text("naam,adres\nA,B\n", encoding="utf-8")
    with pytest.raises(ExportError) as info:
        import_export(path, real_codebook)
    for family in ("Qualtrics", "SurveyMonkey", "LimeSurvey", "Microsoft Forms", "SPSS"):
        assert family in str(info.value)


# --- the analyst's mapping -------------------------------------------------------------------

def test_open_point_stops_and_completed_suggestion_wins(tmp_path, forms_frame, exports,
                                                        bundled_processed):
    frame = forms_frame.copy()
    pos = _title_position(frame, "7. ")
    frame.iloc[0, pos] = "Oordeel rolinvulling"
    path = _forms_variant(frame, tmp_path / "hernoemd.xlsx")
    out = tmp_path / "processed"
    assert main(["clean", "--data", str(path), "--output", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == [SUGGESTION_NAME]  # nothing else written
    suggestion = list(csv.DictReader(io.StringIO((out / SUGGESTION_NAME).read_text())))
    for row in suggestion:
        if row["tool_kolom"] == "Oordeel rolinvulling":
            assert row["open_punt"]
            row["codeboekkolom"] = "q07"
    mapping = tmp_path / "mijn_koppeling.csv"
    with mapping.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(suggestion[0]))
        writer.writeheader()
        writer.writerows(suggestion)
    assert read_mapping(mapping)[pos] == ("Oordeel rolinvulling", "q07")
    assert main(["clean", "--data", str(path), "--output", str(out), "--mapping",
                 str(mapping)]) == 0
    got = pd.read_parquet(out / "respondents.parquet")
    pdt.assert_frame_equal(got.drop(columns="respondent_id"),
                           bundled_processed.drop(columns="respondent_id"),
                           check_dtype=False, check_categorical=False)


def test_inspect_writes_nothing(exports, tmp_path, capsys):
    before = sorted(p.name for p in exports["surveymonkey_csv"].parent.iterdir())
    assert main(["inspect", "--data", str(exports["surveymonkey_csv"])]) == 0
    shown = capsys.readouterr().out
    assert "SurveyMonkey" in shown and "Laagste koppelscore" in shown
    assert "IP Address (personal)" in shown
    assert sorted(p.name for p in exports["surveymonkey_csv"].parent.iterdir()) == before


# --- text matching and value decoding --------------------------------------------------------

def _norm(text: str) -> str:
    tools = load_tools()
    return normalise(text, tools["numbering"], tuple(tools["type_markers"]))


def test_normalise_removes_numbering_markers_quotes():
    assert _norm("Q6. Welke rol of rollen vult uw gemeente(n) in? <meerdere opties mogelijk>") \
        == _norm("Welke rol of rollen vult uw gemeente(n) in?")
    assert _norm("16. In welke vorm (meerkeuze)") == _norm("In welke vorm")
    assert _norm("Vraag 3: IDO\u2019s") == "ido s" == _norm("IDO's")


def test_similarity_tolerates_a_word_not_another_question():
    a = _norm("Hoe vaak komen de lokale partners uit dit netwerk (ongeveer) samen?")
    b = _norm("Hoe vaak komen de lokale partners uit dit netwerk samen?")
    assert similarity(a, b) > 0.9
    assert similarity(a, _norm("Welke lokale partners nemen deel aan dit netwerk?")) < 0.72
    long = _norm("Er moet in de interne organisatie van de eigen gemeente beter worden "
                 "gecommuniceerd over de beschikbare ondersteuning vanuit de VNG")
    assert similarity(long[:60], long) >= 0.95  # cut off (SPSS label)


@pytest.fixture(scope="module")
def values():
    return ValueRules(load_tools())


def test_decode_choice_codes(real_codebook, values):
    q02, q07 = real_codebook["q02"], real_codebook["q07"]
    col = ToolColumn(0, "x", "", "", [])
    assert decode_choice("A2", q02, col, values)[0] == "Uitvoering"
    assert decode_choice("-oth-", q02, col, values)[0] == "Anders, namelijk"
    assert decode_choice("AO03", q07, col, values)[0] == q07.labels[2]
    assert decode_choice("1", q02, col, values)[0] == "Beleid"
    labelled = ToolColumn(0, "x", "", "", [], {"7": q07.labels[1].upper()})
    assert decode_choice("7", q07, labelled, values) == (q07.labels[1], "waardelabel")
    assert decode_choice("onzin", q07, col, values) == ("onzin", "onbekend")


def test_decode_tick_and_truncated_value_label(real_codebook, values):
    label = real_codebook["q14"].option("b").label
    assert len(label.encode()) > 120
    col = ToolColumn(0, "x", "", "", [], {"1": label.encode()[:120].decode(errors="ignore"),
                                          "0": "Niet gekozen"})
    assert decode_tick("1", label, col, values)[0] == label
    assert decode_tick("0", label, col, values)[0] is None
    assert decode_tick("N", label, ToolColumn(0, "x", "", "", []), values)[0] is None


def test_split_joined_labels_with_commas_and_other_text(real_codebook, values):
    q03 = real_codebook["q03"]
    codes, other = split_joined("Basisvaardigheid;Cultuur;Sport, spel en kinderopvang;", q03,
                                values)
    assert codes == ["c", "d"] and other == "Sport, spel en kinderopvang"
    q04 = real_codebook["q04"]
    codes, other = split_joined(q04.option("d").label + ",", q04, values)
    assert codes == ["d"] and other is None  # the label's own comma does not split it
    assert split_joined("1,3,7", q03, values) == (["a", "c", "g"], None)


def test_parse_dates(values):
    for text in ("2025-08-28 10:16:43", "08/28/2025 10:16:43 AM", "08/28/25 10:16:43",
                 "2025-08-28T10:16:43"):
        assert parse_date(text, values) == "2025-08-28 10:16:43"


def test_cli_clean_on_a_fixture(exports, tmp_path):
    path = exports["limesurvey"]
    assert main(["clean", "--data", str(path), "--output", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / MAPPING_NAME).is_file()


def test_run_stops_before_any_notebook_when_the_mapping_is_open(tmp_path, forms_frame):
    frame = forms_frame.copy()
    frame.iloc[0, _title_position(frame, "7. ")] = "Oordeel rolinvulling"
    path = _forms_variant(frame, tmp_path / "hernoemd.xlsx")
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    code = main(["run", "--data", str(path), "--output", str(reports),
                 "--set", f"processed_dir={processed}"])
    assert code == 1
    assert sorted(p.name for p in processed.iterdir()) == [SUGGESTION_NAME]
    assert not reports.exists() or not any(reports.rglob("*.html"))
