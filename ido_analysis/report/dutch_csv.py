"""Dutch spreadsheet variant of the CSV outputs: ``tables/nl/<name>.csv``.

Contract: for every ``*.csv`` in the tables folder, a file with the same name in ``nl/`` holding
the same rows and columns, written for a Dutch spreadsheet program: UTF-8 with byte-order mark,
semicolon as separator, decimal comma, ``ja``/``nee`` for true/false, and Dutch column names
from ``HEADERS`` (columns not listed keep their name). Values are not rounded or changed
otherwise. The machine-readable originals stay as they are; a Dutch copy whose original is gone
is removed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ido_analysis.core.stamps import Stamps, digest

FOLDER = "nl"
HEADERS = {
    "question": "vraag", "option": "optie", "label": "antwoord", "count": "aantal",
    "base": "basis", "percent": "percentage", "ci_low": "interval_ondergrens",
    "ci_high": "interval_bovengrens", "mentions": "vermeldingen",
    "percent_mentions": "percentage_van_vermeldingen", "n_eff": "effectieve_n",
    "group_var": "indeling", "group": "groep", "col_percent": "kolompercentage",
    "suppressed": "onderdrukt", "stratum": "groep", "population": "gemeenten",
    "population_share": "aandeel_gemeenten", "respondents": "respondenten",
    "response_share": "aandeel_respondenten", "response_rate": "respons",
    "id": "nr", "section": "paragraaf", "kind": "soort", "theme": "thema", "quote": "citaat",
    "published": "gepubliceerd", "recomputed": "herberekend", "status": "status",
    "explanation": "toelichting", "count_published": "aantal_gepubliceerd",
    "percent_published": "percentage_gepubliceerd", "base_published": "basis_gepubliceerd",
    "count_recomputed": "aantal_herberekend", "base_recomputed": "basis_herberekend",
    "percent_recomputed": "percentage_herberekend", "consistent": "consistent",
}


def dutch_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Dutch column names and ``ja``/``nee`` for boolean columns (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dropna().isin([True, False]).all() and values.notna().any() \
                and values.dtype in (bool, object, "boolean"):
            out[column] = values.map({True: "ja", False: "nee"})
    return out.rename(columns=HEADERS)


def write_dutch_tables(tables_dir: Path, stamps: Stamps | None = None) -> dict[str, str]:
    """Write the Dutch variant of every CSV in ``tables_dir`` (again only for tables whose
    content changed since ``stamps`` recorded them); returns ``{name: href}`` with ``href``
    relative to the site root (``tables/nl/<name>``)."""
    stamps = stamps or Stamps(None)
    written: dict[str, str] = {}
    if not tables_dir.is_dir():
        return written
    target = tables_dir / FOLDER
    for path in sorted(tables_dir.glob("*.csv")):
        dutch, key = target / path.name, digest(path.read_bytes())
        if not stamps.current(f"{FOLDER}-{path.name}", key, dutch):
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
            target.mkdir(exist_ok=True)
            dutch_frame(frame).to_csv(dutch, sep=";", decimal=",", index=False,
                                      encoding="utf-8-sig", lineterminator="\r\n")
            stamps.mark(f"{FOLDER}-{path.name}", key)
        written[path.name] = f"{tables_dir.name}/{FOLDER}/{path.name}"
    for orphan in target.glob("*.csv") if target.is_dir() else ():
        if orphan.name not in written:  # its table is no longer published by this run
            orphan.unlink()
    return written
