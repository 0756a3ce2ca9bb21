"""Validation: every problem reported in one pass, with column, row, respondent and value."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import valid_export

from ido_analysis.ingest.validate import (
    ERROR,
    PERSONAL_MASK,
    WARNING,
    format_report,
    validate,
)

NA = pd.NA


@pytest.fixture
def frame(codebook):
    frame = valid_export(codebook, n=8, seed=5, p_skip=0.0)
    frame["q01"] = "Utrecht"
    frame.loc[:, "q05"] = "Ver"  # everyone is routed to q06/q07
    frame.loc[:, "q07_a"] = "ja"
    frame.loc[:, ["q06_a", "q06_b", "q06_c", "q06_c_tekst"]] = ["Welzijnsorganisaties", NA,
                                                                NA, NA]
    frame.loc[:, ["q03_a", "q03_b", "q03_c", "q03_d", "q03_c_tekst"]] = ["Sociaal domein",
                                                                         NA, NA, NA, NA]
    frame.loc[:, ["q04", "q04_toelichting_e"]] = ["Tevreden", NA]
    return frame


def only(report, code):
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, report.findings
    return found[0]


def test_valid_export_has_no_findings(codebook, frame, matcher):
    report = validate(frame, codebook, "x.csv", matcher, "q01")
    assert report.findings == []
    assert report.ok
    assert "Geen problemen gevonden." in format_report(report)


def test_all_problems_in_one_pass(codebook, frame):
    frame.loc[2, "q04"] = "Zeer tevreeden"
    frame.loc[3, "q07_b"] = "misschien"
    frame.loc[4, "respondent_id"] = frame.loc[1, "respondent_id"]
    frame.loc[5, "q03_d"] = "Geen van deze domeinen"
    frame = frame.drop(columns=["q08"]).assign(extra="x")
    report = validate(frame, codebook, "x.csv")
    assert {f.code for f in report.errors} == {
        "unknown_label", "bad_grid_value", "duplicate_respondent_id", "exclusive_combined",
        "missing_column", "unexpected_column"}
    assert len(report.errors) == 7  # duplicate id: both rows


def test_unknown_label_suggests_closest(codebook, frame):
    frame.loc[2, "q04"] = "Zeer tevreeden"
    finding = only(validate(frame, codebook, "x.csv"), "unknown_label")
    assert (finding.severity, finding.column, finding.row) == (ERROR, "q04", 3)
    assert finding.respondent_id == frame.loc[2, "respondent_id"]
    assert finding.value == "Zeer tevreeden"
    assert "Bedoelde u: 'Zeer tevreden'" in finding.message
    assert "Weet ik niet" in finding.expected


def test_label_variant_is_a_warning(codebook, frame):
    frame.loc[0, "q04"] = "  tevreden "
    finding = only(validate(frame, codebook, "x.csv"), "label_variant")
    assert finding.severity == WARNING
    assert "'Tevreden'" in finding.message


def test_bad_option_text_in_multiple(codebook, frame):
    frame.loc[1, "q03_a"] = "1"
    finding = only(validate(frame, codebook, "x.csv"), "bad_option_text")
    assert (finding.column, finding.row, finding.value) == ("q03_a", 2, "1")
    assert finding.expected == "'Sociaal domein'"


def test_exclusive_combined(codebook, frame):
    frame.loc[0, "q03_d"] = "Geen van deze domeinen"
    finding = only(validate(frame, codebook, "x.csv"), "exclusive_combined")
    assert finding.column == "q03_d"
    assert "gecombineerd met a" in finding.message


def test_routing_violation(codebook, frame):
    frame.loc[6, "q05"] = "Geen netwerk"
    frame.loc[6, ["q07_a", "q07_b", "q07_c"]] = NA
    finding = only(validate(frame, codebook, "x.csv"), "routing_violation")
    assert (finding.column, finding.row) == ("q06_a", 7)
    assert "alleen gevraagd als bij q05 gekozen is voor a ('Ver')" in finding.message


def test_unanswered_routing_source_means_not_asked(codebook, frame):
    frame.loc[6, "q05"] = NA
    report = validate(frame, codebook, "x.csv")
    assert [f.column for f in report.errors] == ["q06_a", "q07_a"]


def test_followup_and_other_text_without_trigger_are_warnings(codebook, frame):
    frame.loc[2, "q04_toelichting_e"] = "Geen idee"
    frame.loc[3, "q03_c_tekst"] = "Sport"
    report = validate(frame, codebook, "x.csv")
    assert report.ok
    assert {(f.code, f.column, f.row) for f in report.warnings} == {
        ("followup_without_trigger", "q04_toelichting_e", 3),
        ("other_text_without_option", "q03_c_tekst", 4)}


def test_empty_row_error_and_unanswered_row_warning(codebook, frame):
    frame.loc[1, frame.columns] = NA
    frame.loc[2, [c for c in frame.columns if c.startswith("q")]] = NA
    report = validate(frame, codebook, "x.csv")
    assert [(f.code, f.row) for f in report.findings] == [("empty_row", 2), ("no_answers", 3)]


def test_duplicate_and_missing_columns(codebook, frame):
    doubled = pd.concat([frame, frame[["q02"]]], axis=1).drop(columns=["respondent_id"])
    report = validate(doubled, codebook, "x.csv")
    assert {(f.code, f.column) for f in report.errors} == {
        ("duplicate_column", "q02"), ("missing_column", "respondent_id")}
    assert "komt 2 keer voor" in only(report, "duplicate_column").message


def test_timestamps(codebook, frame):
    frame.loc[0, "startdatum"] = "2024-01-01 10:00:00"
    frame.loc[1, "einddatum"] = "2025-08-01 10:00:00"
    frame.loc[2, "startdatum"] = "gisteren"
    report = validate(frame, codebook, "x.csv")
    assert report.ok
    codes = sorted((f.code, f.row) for f in report.warnings)
    assert codes == [("bad_timestamp", 3), ("end_before_start", 2), ("outside_fieldwork", 1),
                     ("outside_fieldwork", 2)]


def test_mojibake_is_an_error_with_the_repaired_text(codebook, frame):
    frame.loc[0, "q08"] = "Coördinatie".encode().decode("cp1252")
    finding = only(validate(frame, codebook, "x.csv"), "mojibake")
    assert finding.value == "CoÃ¶rdinatie"
    assert "waarschijnlijk bedoeld: 'Coördinatie'" in finding.message
    assert "UTF-8" in finding.message


def test_personal_values_are_never_shown(codebook, frame):
    frame.loc[0, "q09_naam"] = "JÃ¶rg"
    finding = only(validate(frame, codebook, "x.csv"), "mojibake")
    assert finding.value == PERSONAL_MASK
    assert "Jörg" not in finding.message


def test_open_text_values_are_deidentified(codebook, frame):
    frame.loc[1, "q04_toelichting_e"] = "bel mij: 06-12345678"
    finding = only(validate(frame, codebook, "x.csv"), "followup_without_trigger")
    assert finding.value == "bel mij: [telefoon]"


def test_municipality_errors(codebook, frame, matcher):
    frame.loc[1, "q01"] = "Bergen"
    frame.loc[2, "q01"] = "Amsterdm"
    frame.loc[3, "q01"] = NA
    report = validate(frame, codebook, "x.csv", matcher, "q01")
    ambiguous = only(report, "ambiguous_municipality")
    assert "'Bergen (NH.)' / 'Bergen (L.)'" in ambiguous.message
    assert ambiguous.value == "Bergen"
    assert "Bedoelde u: 'Amsterdam'" in only(report, "unknown_municipality").message
    assert only(report, "missing_municipality").severity == WARNING


def test_report_rendering(codebook, frame):
    frame.loc[2, "q04"] = "Zeer tevreeden"
    text = format_report(validate(frame, codebook, "data/raw/x.csv"))
    assert text.splitlines()[0] == (
        "Validatie van data/raw/x.csv: 8 rijen, 1 fout(en), 0 waarschuwing(en). Rijnummers: "
        "rij 1 = eerste rij onder de kopregel (rij 2 in een spreadsheet).")
    assert f"kolom q04, rij 3, respondent {frame.loc[2, 'respondent_id']}: geen " in text
    assert text.endswith("Herstel de fouten in de export (of in de enquêtetool) en draai opnieuw.")


def test_many_missing_columns_render_as_one_line(codebook, frame):
    text = format_report(validate(frame[["respondent_id", "q01", "q02"]], codebook, "x.csv"))
    assert "1. 21 kolommen ontbreken: q02_c_tekst, q03_a, q03_b," in text
