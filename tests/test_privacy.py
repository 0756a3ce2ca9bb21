"""De-identification of open text: planted e-mails, phone numbers and names are masked."""

from __future__ import annotations

import pandas as pd
import pytest

from ido_analysis.ingest.privacy import deidentify, deidentify_series


@pytest.mark.parametrize(("text", "expected"), [
    ("Mail naar j.devries@gemeente-utrecht.nl graag.", "Mail naar [e-mail] graag."),
    ("info+ido@bibliotheek.example.org", "[e-mail]"),
    ("Bel 06-12345678.", "Bel [telefoon]."),
    ("Bel 06 1234 5678", "Bel [telefoon]"),
    ("Tel +31 6 12345678", "Tel [telefoon]"),
    ("Tel 0201234567", "Tel [telefoon]"),
    ("Tel 020-1234567", "Tel [telefoon]"),
    ("Tel +31 (0)20 123 4567", "Tel [telefoon]"),
    ("Bel 030 - 123 45 67 na 14 uur", "Bel [telefoon] na 14 uur"),
    ("Tel 0031 20 1234567", "Tel [telefoon]"),
    ("Tel (020) 123 45 67", "Tel [telefoon]"),
    ("Mijn naam is Jan de Vries.", "Mijn naam is [naam]."),
    ("Contactpersoon: Anna van den Berg", "Contactpersoon: [naam]"),
    ("Neem contact op met mevrouw P. Jansen-Bakker.", "Neem contact op met mevrouw [naam]."),
    ("Dhr. A.B. de Wit belt terug", "Dhr. [naam] belt terug"),
    ("Collega Kees Smit weet meer", "Collega [naam] weet meer"),
    ("Met vriendelijke groet, Pieter", "Met vriendelijke groet, [naam]"),
])
def test_planted_personal_data_is_masked(text, expected):
    assert deidentify(text) == expected


@pytest.mark.parametrize("text", [
    "De wethouder heeft dit besloten.",
    "In 2025 ongeveer 12345678 euro, datum 2025-10-10.",
    "Het Taalhuis en de Bibliotheek Rivierenland werken samen in Súdwest-Fryslân.",
    "Bel mij gerust, ik werk maandag tot donderdag.",
    "4 tot 6 keer per jaar",
    "tussen 2024 - 2025 kwamen 12 34 56 bezoekers",
])
def test_ordinary_text_is_kept(text):
    assert deidentify(text) == text


def test_idempotent_and_na():
    once = deidentify("Mijn naam is Jan de Vries, jan@x.nl, 06-12345678")
    assert deidentify(once) == once == "Mijn naam is [naam], [e-mail], [telefoon]"
    assert deidentify(None) is None
    assert deidentify(pd.NA) is pd.NA


def test_series_counts_changed_cells():
    values = pd.Series(["bel 0612345678", None, "niets"], dtype="string")
    cleaned, changed = deidentify_series(values)
    assert changed == 1
    assert cleaned.tolist() == ["bel [telefoon]", pd.NA, "niets"]
    assert str(cleaned.dtype) == "string"
