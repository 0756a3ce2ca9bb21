"""The attacker's reading of a run: every published CSV under ``<output>/tables`` in one
``analysis.ledger.Ledger`` (``analysis.release.build_ledger``), and the disclosure report
``tables/onthulling.csv``.

Read: ``kruistabel_<q>_<group_var>.csv`` (hidden cells have an empty count, a hidden base an
empty base), ``representativiteit_<by>.csv`` (hidden group sizes empty), ``frequencies.csv``
and ``references/derived.yaml``. The attacker knows nothing else: no hidden value enters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ido_analysis.analysis.ledger import Exposure, Ledger
from ido_analysis.analysis.release import ReleaseTables, build_ledger
from ido_analysis.spec.codebook import Codebook, Question

CROSSTAB_RE = re.compile(r"kruistabel_(?P<q>.+?)_(?P<gv>grootteklasse_grof|grootteklasse|"
                         r"provinciegroep|provincie)\.csv$")
REPORT_NAME = "onthulling.csv"
REPORT_COLUMNS = ["tabel", "indeling", "groep", "optie", "hoe", "ondergrens", "bovengrens",
                  "reden"]


def read_release(output_dir: str | Path, codebook: Codebook,
                 derived: Mapping[str, Question],
                 definitions: Mapping[str, Mapping] | None = None) -> Ledger:
    """A ledger of everything the CSV files under ``output_dir/tables`` publish.

    ``derived``: derived variables as questions (``crosstab_report.derived_questions``);
    ``definitions``: their ``derived.yaml`` entries by name (for the option mapping).
    """
    tables = read_tables(output_dir, codebook, derived, definitions)
    questions = {**{q.id: q for q in codebook}, **derived}
    return build_ledger(tables.crosstabs, questions, tables.sizes, tables.frequencies,
                        tables.definitions)


def read_tables(output_dir: str | Path, codebook: Codebook, derived: Mapping[str, Question],
                definitions: Mapping[str, Mapping] | None = None) -> ReleaseTables:
    """The published tables under ``output_dir/tables`` as ``build_ledger`` reads them (hidden
    counts and bases are missing, as a reader sees them)."""
    tables = Path(output_dir) / "tables"
    questions = {**{q.id: q for q in codebook}, **derived}
    crosstabs = {}
    for path in sorted(tables.glob("kruistabel_*.csv")):
        m = CROSSTAB_RE.search(path.name)
        if m and m["q"] in questions:
            crosstabs[(m["q"], m["gv"])] = pd.read_csv(path, dtype={"option": str,
                                                                    "group": str})
    sizes = {p.stem.removeprefix("representativiteit_"): pd.read_csv(p, dtype={"stratum": str})
             for p in sorted(tables.glob("representativiteit_*.csv"))}
    freq_path = tables / "frequencies.csv"
    freq = pd.read_csv(freq_path, dtype={"option": str}) if freq_path.exists() else None
    return ReleaseTables(crosstabs, sizes, freq, dict(definitions or {}))


def attack_release(output_dir: str | Path, codebook: Codebook, derived: Mapping[str, Question],
                   definitions: Mapping[str, Mapping] | None = None,
                   threshold: int = 5) -> list[Exposure]:
    """What an attacker recovers from the CSV files of a run (``Ledger.attack``)."""
    return read_release(output_dir, codebook, derived, definitions).attack(threshold)


def _parts(key: tuple) -> dict[str, str]:
    kind = key[0]
    if kind == "size":
        return {"tabel": f"representativiteit_{key[1]}", "indeling": key[1], "groep": key[2],
                "optie": ""}
    return {"tabel": f"kruistabel_{key[1]}_{key[2]}", "indeling": key[2],
            "groep": str(key[3]) if len(key) > 3 else "",
            "optie": str(key[4]) if len(key) > 4 else ("(basis)" if kind == "base" else
                                                       f"({kind})")}


def disclosure_report(ledger: Ledger, exposures: list[Exposure] = ()) -> pd.DataFrame:
    """Every suppressed cell with its reason, then every exposure (``REPORT_COLUMNS``)."""
    rows = [{**_parts(k), "hoe": "onderdrukt", "ondergrens": "", "bovengrens": "",
             "reden": c.reason} for k, c in ledger.suppressed()]
    rows += [{**_parts(e.key), "hoe": e.how, "ondergrens": e.low, "bovengrens": e.high,
              "reden": "terug te rekenen uit de gepubliceerde tabellen"} for e in exposures]
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def write_disclosure_report(ledger: Ledger, output_dir: str | Path,
                            exposures: list[Exposure] = ()) -> Path:
    """Write ``<output_dir>/tables/onthulling.csv``; returns the path."""
    path = Path(output_dir) / "tables" / REPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    disclosure_report(ledger, exposures).to_csv(path, index=False, lineterminator="\n")
    return path
