"""The reproduction audit on the bundled synthetic export and on deliberately altered frames."""

from __future__ import annotations

import pandas as pd
import pytest

from ido_analysis.analysis.audit import (
    AUDIT_COLUMNS,
    DEVIATION,
    INCONSISTENT,
    REPRODUCED,
    STATUSES,
    UNCHECKABLE,
    audit,
    audit_csv_text,
    conclusion_text,
    display_audit,
    display_explanations,
    display_inconsistencies,
    report_inconsistencies,
    summary,
    uncheckable_reasons,
    write_audit,
)
from ido_analysis.analysis.codeframe import parse_codeframe
from ido_analysis.spec.register import inconsistencies, load_register

COUNT_KINDS = {"option_count", "base", "n_selected", "mean_selected", "ranking"}


@pytest.fixture(scope="module")
def register(processed):
    return load_register(codebook=processed[1])


@pytest.fixture(scope="module")
def bundled_audit(processed, register):
    df, cb = processed
    return audit(register, df, cb)


def _status(table: pd.DataFrame, fid: str) -> str:
    return table.loc[table["id"] == fid, "status"].item()


def _explanation(table: pd.DataFrame, fid: str) -> str:
    return table.loc[table["id"] == fid, "explanation"].item()


def test_one_row_per_register_entry_in_order(bundled_audit, register):
    assert list(bundled_audit.columns) == AUDIT_COLUMNS
    assert bundled_audit["id"].tolist() == register["id"].tolist()


def test_bundled_data_has_no_deviation(bundled_audit):
    deviating = bundled_audit.loc[bundled_audit["status"] == DEVIATION, ["id", "explanation"]]
    assert deviating.empty, deviating.to_string()


def test_inconsistent_rows_are_exactly_those_of_the_register(bundled_audit, register):
    flagged = bundled_audit.loc[bundled_audit["status"] == INCONSISTENT, "id"].tolist()
    assert flagged == inconsistencies(register)["id"].tolist()
    assert flagged == ["F003", "F010", "F023", "F045", "F083", "F095", "F119"]


def test_every_count_level_figure_reproduced(bundled_audit):
    rows = bundled_audit[bundled_audit["kind"].isin(COUNT_KINDS)]
    assert set(rows["status"]) == {REPRODUCED, INCONSISTENT}


def test_report_inconsistencies_lists_only_inconsistent_rows(bundled_audit):
    assert report_inconsistencies(bundled_audit)["id"].tolist() == [
        "F003", "F010", "F023", "F045", "F083", "F095", "F119"]
    shown = display_inconsistencies(bundled_audit)
    assert shown.index.tolist()[0] == "F003"
    assert list(shown.columns) == ["Paragraaf", "Citaat uit het rapport", "Toelichting"]


def test_coded_open_answers_reproduced(bundled_audit):
    rows = bundled_audit[bundled_audit["kind"] == "coded_open"]
    assert len(rows) == 19
    assert set(rows["status"]) == {REPRODUCED}


def test_inconsistency_explanations(bundled_audit):
    assert _explanation(bundled_audit, "F010") == "12 van 47 is 25,5% en wordt 26%, niet 25%."
    assert _explanation(bundled_audit, "F003") == (
        "Hetzelfde cijfer staat elders als 17 van 47; dat is 36,2% en wordt 36%, niet 38%.")
    assert _explanation(bundled_audit, "F083") == (
        "Het bijschrift noemt n = 30, maar de overige cijfers van deze vraag hebben basis 47; "
        "de vraag is door 47 respondenten beantwoord.")


def test_published_and_recomputed_text(bundled_audit):
    row = bundled_audit.set_index("id").loc["F010"]
    assert (row["published"], row["recomputed"]) == ("12 van 47 (25%)", "12 van 47 (25,5%)")
    assert bundled_audit.set_index("id").loc["F061", "recomputed"] == (
        "meest gekozen: a of e (26 keer); genoemd 20–26 keer, overige hoogstens 12")


def test_ranking_needs_every_listed_option_above_the_rest(bundled_audit, processed, register):
    """F018 names three obstacles (a, c, d): if another one overtakes c, the figure fails."""
    df, cb = processed
    changed = df.copy()
    before = _status(bundled_audit, "F018")
    others = changed.index[~changed["q10_b"].astype(bool)][:12]
    changed.loc[others, "q10_b"] = True
    after = _status(audit(register, changed, cb), "F018")
    assert before == "gereproduceerd" and after == "afwijking"


def test_approximate_figure_within_tolerance(bundled_audit):
    assert _status(bundled_audit, "F022") == REPRODUCED
    assert _explanation(bundled_audit, "F022") == (
        "Benaderend cijfer: herberekend 63,8%, gedrukt 67% (binnen 5 procentpunt).")


def test_interviews_and_upper_bound_not_checkable(bundled_audit):
    for fid in ("F001", "F005", "F008"):
        assert _status(bundled_audit, fid) == UNCHECKABLE


def test_flipped_single_answer_gives_deviation(processed, register):
    df, cb = processed
    altered = df.copy()
    first = altered.index[altered["q07"] == "Zeer tevreden"][0]
    altered.loc[first, "q07"] = "Enigszins tevreden"
    result = audit(register, altered, cb)
    assert result.loc[result["status"] == DEVIATION, "id"].tolist() == ["F014", "F015"]
    assert _explanation(result, "F014") == (
        "Herberekend wijkt af: telling 6 in plaats van 7; percentage 12,8% in plaats van 15%.")


def test_deviation_takes_precedence_over_report_inconsistency(processed, register):
    df, cb = processed
    altered = df.copy()
    first = altered.index[altered["q06_e"].fillna(False)][0]
    altered.loc[first, "q06_e"] = False
    result = audit(register, altered, cb)
    assert _status(result, "F010") == DEVIATION
    assert _explanation(result, "F010") == "Herberekend wijkt af: telling 11 in plaats van 12."


def test_population_other_than_published_gives_deviation(processed, register):
    df, cb = processed
    result = audit(register, df, cb, population=300)
    for fid in ("F002", "F004", "F127"):
        assert _status(result, fid) == DEVIATION
    assert "basis 300 in plaats van 342" in _explanation(result, "F002")
    assert _status(result, "F133") == UNCHECKABLE


def _frame_with_texts(df: pd.DataFrame, texts: list[str]) -> pd.DataFrame:
    altered = df.copy()
    altered["q19_e_tekst"] = pd.array([pd.NA] * len(altered), dtype="string")
    rows = altered.index[altered["q19"] == "Anders, namelijk"][: len(texts)]
    altered.loc[rows, "q19_e_tekst"] = texts
    return altered


CODEFRAME = parse_codeframe({"version": 1, "themes": [{
    "id": "dagelijks_samenwerken", "label": "Dagelijks", "columns": ["q19_e_tekst"],
    "patterns": ["dagelijks"]}]})


def test_coded_open_checked_against_codeframe(processed, register):
    df, cb = processed
    one = audit(register, _frame_with_texts(df, ["Wij werken dagelijks samen."]), cb, CODEFRAME)
    assert _status(one, "F068") == REPRODUCED
    two = audit(register, _frame_with_texts(df, ["dagelijks", "Dagelijks overleg"]), cb,
                CODEFRAME)
    assert _status(two, "F068") == DEVIATION
    assert _explanation(two, "F068") == "Herberekend wijkt af: telling 2 in plaats van 1."


def test_coded_open_without_any_text_not_checkable(processed, register):
    df, cb = processed
    result = audit(register, _frame_with_texts(df, []), cb, CODEFRAME)
    assert _status(result, "F068") == UNCHECKABLE
    assert _explanation(result, "F068") == (
        "Gecodeerde open antwoorden: de dataset bevat in geen van de gecodeerde kolommen open "
        "antwoorden.")


def test_summary_counts_every_status(bundled_audit):
    table = summary(bundled_audit)
    assert table["status"].tolist() == [*STATUSES, "totaal"]
    assert table["count"].iloc[-1] == len(bundled_audit) == table["count"].iloc[:-1].sum()
    assert table.set_index("status").loc[INCONSISTENT, "count"] == 7


def test_summary_rejects_unknown_status(bundled_audit):
    with pytest.raises(ValueError, match="unknown audit status"):
        summary(bundled_audit.assign(status="misschien"))


def test_uncheckable_reasons_cover_all_uncheckable_rows(bundled_audit):
    reasons = uncheckable_reasons(bundled_audit)
    assert reasons["Aantal cijfers"].sum() == (bundled_audit["status"] == UNCHECKABLE).sum()
    assert "F001, F005" in reasons["Nrs."].tolist()


def test_conclusion_mentions_synthetic_construction(bundled_audit):
    text = conclusion_text(bundled_audit, synthetic=True)
    assert "per constructie" in text and "Geen enkel herberekend cijfer wijkt af." in text
    assert "per constructie" not in conclusion_text(bundled_audit, synthetic=False)


def test_write_audit_is_deterministic(bundled_audit, tmp_path):
    path = write_audit(bundled_audit, tmp_path)
    first = path.read_bytes()
    assert write_audit(bundled_audit, tmp_path).read_bytes() == first
    assert b"\r" not in first
    assert first.decode("utf-8") == audit_csv_text(bundled_audit)
    assert first.splitlines()[0].decode() == ",".join(AUDIT_COLUMNS)


def test_display_tables(bundled_audit):
    full = display_audit(bundled_audit)
    assert list(full.columns) == ["Paragraaf", "Vraag", "Gepubliceerd", "Herberekend", "Status"]
    assert full.loc["F017", "Vraag"] == "q07 d;e" and full.loc["F001", "Vraag"] == ""
    notes = display_explanations(bundled_audit)
    assert "F014" not in notes.index
    assert notes.loc["F006", "Toelichting"] == "Alleen percentage gedrukt; 89% van 47 = 42."
