"""Cleaning: recoding contract, atomic outputs, the broken-export corpus, round trips, privacy."""

from __future__ import annotations

import hashlib
import json
import tempfile
from argparse import Namespace
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import (
    CORPUS,
    REFERENCE_CSV,
    SUFFIX,
    valid_export,
    write_export,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ido_analysis.ingest.clean import (
    OUTPUT_FILES,
    CleaningError,
    clean_export,
    cli_clean,
    load_derived,
    recode,
    recode_with_log,
)
from ido_analysis.ingest.reader import ExportError, read_export
from ido_analysis.spec.codebook import Codebook, load_codebook

NA = pd.NA


def dir_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*")):
        digest.update(str(file.relative_to(path)).encode())
        if file.is_file():
            digest.update(file.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def output_dir(tmp_path) -> Path:
    """A processed dir holding a previous run's output, to prove failures leave it alone."""
    out = tmp_path / "processed"
    out.mkdir()
    (out / "respondents.csv").write_text("respondent_id\n1\n", encoding="utf-8")
    (out / ".gitkeep").write_text("", encoding="utf-8")
    return out


def run(path, out, codebook, derived):
    return clean_export(path, out, REFERENCE_CSV, codebook=codebook, derived=derived)


def to_raw(processed: pd.DataFrame, codebook: Codebook, derived) -> pd.DataFrame:
    """Inverse of the recoder: the processed dataset back in raw-export form."""
    out = {"respondent_id": processed["respondent_id"].astype("string")}
    for name in ("startdatum", "einddatum"):
        out[name] = processed[name].dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    for q in codebook:
        if q.personal or q.id == derived.municipality_question:
            continue
        if q.type in ("single", "scale"):
            out[q.id] = processed[q.id].astype(object).where(processed[q.id].notna(), NA)
        for opt in q.options if q.type in ("multiple", "grid") else ():
            col = processed[f"{q.id}_{opt.code}"]
            true, false = ("ja", "nee") if q.type == "grid" else (opt.label, NA)
            out[col.name] = col.map({True: true, False: false}).astype(object)
        for name in q.text_columns() + [f.id for f in q.followups] + (
                [q.id] if q.type == "open" else []):
            out[name] = processed[name]
    return pd.DataFrame(out).astype("string")


def comparable(raw: pd.DataFrame, codebook: Codebook, derived) -> pd.DataFrame:
    drop = set(codebook.personal_columns()) | {derived.municipality_question}
    drop |= {f.id for q in codebook for f in q.fields}
    return raw.drop(columns=[c for c in raw.columns if c in drop]).reset_index(drop=True)


# --- recoding -------------------------------------------------------------------------------

def test_recode_dtypes_and_status(codebook, derived, matcher):
    frame = valid_export(codebook, n=30, seed=2)
    frame.loc[0, ["q05", "q06_a", "q06_b", "q06_c", "q06_c_tekst"]] = ["Geen netwerk", NA, NA,
                                                                       NA, NA]
    frame.loc[0, ["q07_a", "q07_b", "q07_c"]] = NA
    frame.loc[1, ["q05", "q06_a", "q06_b", "q06_c", "q06_c_tekst"]] = ["Ver", NA, NA, NA, NA]
    frame.loc[1, ["q07_a", "q07_b", "q07_c"]] = NA
    frame.loc[1, "q04"] = NA
    out = recode(frame, codebook, derived, matcher)
    assert out["respondent_id"].dtype == "Int64"
    assert out["q04"].cat.ordered
    assert list(out["q04"].cat.categories) == list(codebook["q04"].labels)
    assert str(out["q06_a"].dtype) == "boolean"
    assert str(out["q08"].dtype) == "string"
    assert list(out["q07_status"].cat.categories) == ["beantwoord", "geen antwoord",
                                                      "niet gevraagd"]
    assert out.loc[0, "q06_status"] == "niet gevraagd" and pd.isna(out.loc[0, "q06_a"])
    assert pd.isna(out.loc[0, "n_q06"])
    # asked, nothing ticked: answered "none of these" (contract); the grid stays unanswered
    assert out.loc[1, "q06_status"] == "beantwoord" and out.loc[1, "q06_a"] == False  # noqa: E712
    assert out.loc[1, "n_q06"] == 0
    assert out.loc[1, "q07_status"] == "geen antwoord" and pd.isna(out.loc[1, "n_q07"])
    assert out.loc[1, "q04_status"] == "geen antwoord"
    assert out.loc[1, "netwerkfase"] == "ver of goed op weg"
    assert out.loc[0, "netwerkfase"] == "eerste stappen of geen netwerk"
    for personal in ("q01", "q09_naam", "q09_telefoon", "q09_email"):
        assert personal not in out.columns


def test_counts_match_chosen_options(codebook, derived, matcher):
    frame = valid_export(codebook, n=40, seed=4)
    out = recode(frame, codebook, derived, matcher)
    answered = out["q07_status"] == "beantwoord"
    ja = frame[["q07_a", "q07_b", "q07_c"]].eq("ja").sum(axis=1)
    assert (out.loc[answered, "n_q07"] == ja[answered]).all()
    assert out.loc[~answered, "n_q07"].isna().all()


def test_corrections_are_logged(codebook, derived, matcher):
    frame = valid_export(codebook, n=6, seed=8, p_skip=0.0)
    frame.loc[0, "q04"] = "tevreden"
    frame.loc[1, "q04"] = "Tevreden"
    frame.loc[1, "q04_toelichting_e"] = "Weet niet, bel 06-12345678"
    frame.loc[2, [c for c in frame.columns if c.startswith("q")]] = NA
    frame.loc[3, "q08"] = "mail ido@example.nl"
    out, corrections = recode_with_log(frame, codebook, derived, matcher)
    kinds = [(c["kind"], c["column"], c["row"]) for c in corrections]
    assert ("row_dropped", None, 3) in kinds
    assert ("label_normalised", "q04", 1) in kinds
    assert ("text_blanked", "q04_toelichting_e", 2) in kinds
    assert ("deidentified", "q08", None) in kinds
    assert len(out) == 5
    assert out.loc[0, "q04"] == "Tevreden"
    assert out.loc[3 - 1, "q08"] == "mail [e-mail]"


# --- round trips ----------------------------------------------------------------------------

_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,;.\"'éëïô-\n", min_size=1,
                max_size=40).map(str.strip).filter(bool)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(1, 12), p_skip=st.sampled_from([0, .2, .6]),
       text=_TEXT, fmt=st.sampled_from(["csv-utf8", "csv-cp1252-semicolon"]))
def test_valid_responses_round_trip(codebook, derived, matcher, seed, n, p_skip, text, fmt):
    frame = valid_export(codebook, n=n, seed=seed, p_skip=p_skip)
    frame.loc[0, "q08"] = text
    with tempfile.TemporaryDirectory() as tmp:
        path = write_export(frame, Path(tmp) / f"x{SUFFIX[fmt]}", fmt, codebook)
        read, _ = read_export(path, codebook)
    pdt.assert_frame_equal(read, frame)
    out = recode(read, codebook, derived, matcher)
    pdt.assert_frame_equal(to_raw(out, codebook, derived), comparable(frame, codebook, derived))


@pytest.mark.parametrize("fmt", ["xlsx", "sav"])
def test_round_trip_binary_formats(tmp_path, codebook, derived, matcher, fmt):
    frame = valid_export(codebook, n=10, seed=9)
    read, _ = read_export(write_export(frame, tmp_path / f"x{SUFFIX[fmt]}", fmt, codebook),
                          codebook)
    out = recode(read, codebook, derived, matcher)
    pdt.assert_frame_equal(to_raw(out, codebook, derived), comparable(frame, codebook, derived))


# --- clean_export ---------------------------------------------------------------------------

def test_clean_export_writes_all_outputs(tmp_path, output_dir, codebook, derived):
    raw = write_export(valid_export(codebook, n=10, seed=1), tmp_path / "x.csv", "csv-utf8")
    result = run(raw, output_dir, codebook, derived)
    assert sorted(p.name for p in result.outputs) == sorted(OUTPUT_FILES)
    assert sorted(p.name for p in output_dir.iterdir()) == sorted([*OUTPUT_FILES, ".gitkeep"])
    parquet = pd.read_parquet(output_dir / "respondents.parquet")
    assert len(parquet) == 10 and parquet["q04"].cat.ordered
    # municipality identity stays in the cleaning step; only its traits travel on
    assert not {"gemeentecodes", "inwoners"} & set(parquet.columns)
    assert {"grootteklasse", "grootteklasse_grof", "provincie"} <= set(parquet.columns)
    log = json.loads((output_dir / "cleaning_log.json").read_text(encoding="utf-8"))
    assert (log["rijen_in"], log["rijen_uit"]) == (10, 10)
    assert log["gemeenten"]["respondenten_gekoppeld"] == 10
    dictionary = pd.read_csv(output_dir / "data_dictionary.csv")
    assert list(dictionary["kolom"]) == list(result.frame.columns)
    row = dictionary.set_index("kolom").loc["q06_a"]
    assert row["routering"] == "alleen bij q05 = a/b/c"
    # rerunning gives byte-identical outputs
    before = dir_hash(output_dir)
    run(raw, output_dir, codebook, derived)
    assert dir_hash(output_dir) == before


def test_failed_write_leaves_output_dir_untouched(tmp_path, output_dir, codebook, derived,
                                                  monkeypatch):
    raw = write_export(valid_export(codebook, n=5, seed=1), tmp_path / "x.csv", "csv-utf8")
    before = dir_hash(output_dir)

    def boom(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        run(raw, output_dir, codebook, derived)
    assert dir_hash(output_dir) == before


# (file, expected exception or None, finding code, column, 1-based row, message fragment)
CORPUS_CASES = [
    ("missing_column.csv", CleaningError, "missing_column", "q03_b", None,
     "kolom q03_b: kolom ontbreekt in de export"),
    ("unexpected_column.csv", CleaningError, "unexpected_column", "opmerking_intern", None,
     "kolom opmerking_intern: onbekende kolom, niet in het codeboek"),
    ("duplicate_column.csv", CleaningError, "duplicate_column", "q02", None,
     "kolom q02: kolom komt 2 keer voor in de kopregel"),
    ("unknown_label.csv", CleaningError, "unknown_label", "q04", 3,
     "geen antwoordoptie van q04. Bedoelde u: 'Zeer tevreden' / "),
    ("bad_grid_value.csv", CleaningError, "bad_grid_value", "q07_a", 2,
     "ongeldige waarde voor een ja/nee-item. Waarde: 'misschien'"),
    ("bad_option_text.csv", CleaningError, "bad_option_text", "q03_a", 4,
     "cel bevat niet het label van deze optie"),
    ("duplicate_respondent_id.csv", CleaningError, "duplicate_respondent_id", "respondent_id",
     2, "respondent_id komt 2 keer voor (rijen 2, 5); dubbele inzending?"),
    ("invalid_respondent_id.csv", CleaningError, "invalid_respondent_id", "respondent_id", 1,
     "respondent_id is geen geheel getal. Waarde: 'R-001'"),
    ("empty_row.csv", CleaningError, "empty_row", None, 4, "rij 4: lege rij"),
    ("exclusive_combined.csv", CleaningError, "exclusive_combined", "q03_d", 1,
     "optie d ('Geen van deze domeinen') sluit andere opties uit maar is gecombineerd met a"),
    ("routing_violation.csv", CleaningError, "routing_violation", "q06_a", 2,
     "vraag q06 is beantwoord terwijl de routering haar oversloeg"),
    ("mojibake.csv", CleaningError, "mojibake", "q08", 2,
     "waarschijnlijk bedoeld: 'Coördinatie ligt bij het sociaal domein.'"),
    ("unknown_municipality.csv", CleaningError, "unknown_municipality", "q01", 2,
     "onbekende gemeentenaam. Bedoelde u: 'Amsterdam'"),
    ("ambiguous_municipality.csv", CleaningError, "ambiguous_municipality", "q01", 2,
     "dubbelzinnig (2 gemeenten heten zo). Bedoelde u: 'Bergen (NH.)' / 'Bergen (L.)'?"),
    ("empty.csv", ExportError, None, None, None, "het bestand is leeg (0 bytes)"),
    ("header_only.csv", ExportError, None, None, None, "alleen een kopregel"),
    ("not_a_survey.csv", ExportError, None, None, None,
     "geen enkele kolom komt overeen met het codeboek"),
    ("truncated.csv", ExportError, None, None, None, "rij 6: 3 velden"),
    ("binary.csv", ExportError, None, None, None, "geen tekstbestand (binaire inhoud)"),
    ("valid_semicolon_cp1252.csv", None, None, None, None, None),
    ("followup_without_trigger.csv", None, "followup_without_trigger", "q04_toelichting_e", 3,
     "vervolgvraag beantwoord terwijl q04 niet op e staat"),
    ("outside_fieldwork.csv", None, "outside_fieldwork", "startdatum", 6,
     "tijdstip buiten de veldwerkperiode"),
]


@pytest.mark.parametrize(("name", "exc", "code", "column", "row", "fragment"), CORPUS_CASES,
                         ids=[c[0] for c in CORPUS_CASES])
def test_broken_export(output_dir, codebook, derived, name, exc, code, column, row, fragment):
    before = dir_hash(output_dir)
    if exc is None:
        result = run(CORPUS / name, output_dir, codebook, derived)
        assert result.report.errors == []
        if code:
            finding = next(f for f in result.report.warnings if f.code == code)
            assert (finding.column, finding.row) == (column, row)
            assert fragment in finding.message
            assert fragment in (output_dir / "cleaning_log.md").read_text(encoding="utf-8")
        assert dir_hash(output_dir) != before
        return
    with pytest.raises(exc) as info:
        run(CORPUS / name, output_dir, codebook, derived)
    assert fragment in str(info.value)
    assert name in str(info.value)
    if code:
        finding = next(f for f in info.value.report.errors if f.code == code)
        assert (finding.column, finding.row) == (column, row)
    assert dir_hash(output_dir) == before


def test_corpus_is_complete():
    files = {p.name for p in CORPUS.glob("*.csv")}
    assert files == {c[0] for c in CORPUS_CASES}
    assert len(files) >= 15


def test_followup_without_trigger_is_blanked(output_dir, codebook, derived):
    result = run(CORPUS / "followup_without_trigger.csv", output_dir, codebook, derived)
    assert pd.isna(result.frame.loc[2, "q04_toelichting_e"])


# --- privacy end to end ---------------------------------------------------------------------

PLANTED = ("Jan de Vries", "j.devries@gemeente-utrecht.nl", "06-12345678", "0612345678",
           "Anna van den Berg", "anna@example.org", "+31 20 123 4567", "Piet Pietersen")


def test_no_planted_personal_datum_survives(tmp_path, output_dir, codebook, derived):
    frame = valid_export(codebook, n=6, seed=12, p_skip=0.0)
    frame["q09"] = "Ja"
    frame["q09_naam"] = "Piet Pietersen"
    frame["q09_telefoon"] = "0612345678"
    frame["q09_email"] = "anna@example.org"
    frame.loc[0, "q08"] = "Mijn naam is Jan de Vries, mail j.devries@gemeente-utrecht.nl"
    frame.loc[1, "q08"] = "Contactpersoon: Anna van den Berg, 06-12345678 of +31 20 123 4567"
    frame.loc[2, "q01"] = "Gemeente Den Haag"
    raw = write_export(frame, tmp_path / "x.csv", "csv-utf8")
    run(raw, output_dir, codebook, derived)
    blob = b"".join(p.read_bytes() for p in sorted(output_dir.iterdir()) if p.is_file())
    text = blob.decode("utf-8", errors="replace")
    for datum in (*PLANTED, "Gemeente Den Haag"):
        assert datum not in text, datum
    processed = pd.read_parquet(output_dir / "respondents.parquet")
    assert processed.loc[0, "q08"] == "Mijn naam is [naam], mail [e-mail]"
    assert processed.loc[1, "q08"] == "Contactpersoon: [naam], [telefoon] of [telefoon]"


# --- real codebook and CLI ------------------------------------------------------------------

def test_real_codebook_export_cleans_and_round_trips(tmp_path):
    codebook = load_codebook()
    derived = load_derived(codebook)
    frame = valid_export(codebook, n=47, seed=2025)
    raw = write_export(frame, tmp_path / "x.csv", "csv-utf8")
    result = clean_export(raw, tmp_path / "out", REFERENCE_CSV)
    assert result.report.errors == []
    out = result.frame
    for qid in ("q06", "q20", "q21", "q27"):
        assert str(out[f"n_{qid}"].dtype) == "Int64"
    assert list(out["netwerkfase"].cat.categories) == ["ver of goed op weg",
                                                       "eerste stappen of geen netwerk"]
    assert "q01" not in out.columns and "q42_email" not in out.columns
    pdt.assert_frame_equal(to_raw(out, codebook, derived), comparable(frame, codebook, derived))


def test_cli_exit_codes(tmp_path, capsys):
    codebook = load_codebook()
    raw = write_export(valid_export(codebook, n=5, seed=3), tmp_path / "x.csv", "csv-utf8")
    args = Namespace(data=str(raw), output=str(tmp_path / "out"), reference=str(REFERENCE_CSV))
    assert cli_clean(args) == 0
    assert "5 respondenten weggeschreven" in capsys.readouterr().out
    bad = Namespace(data=str(CORPUS / "empty.csv"), output=str(tmp_path / "out2"),
                    reference=None)
    assert cli_clean(bad) == 1
    assert "het bestand is leeg" in capsys.readouterr().out
    assert not (tmp_path / "out2").exists()
