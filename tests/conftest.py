"""Shared fixtures: a small test codebook and a builder of valid raw exports.

``valid_export(codebook, n, seed)`` works for any codebook (the small one here and the real
``references/codebook.yaml``): it returns a raw export frame (all ``string`` dtype, NA for
empty) in the shape of docs/data-contracts.md section 2 that respects routing, exclusive
options, "Anders" text columns and follow-ups. ``write_export`` writes such a frame in each
format the reader supports.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from ido_analysis.core.paths import EXTERNAL, REFERENCES
from ido_analysis.spec.codebook import Codebook, Question, load_codebook

TESTS = Path(__file__).parent
CORPUS = TESTS / "broken_exports"
SMALL_CODEBOOK = CORPUS / "codebook.yaml"
SMALL_DERIVED = CORPUS / "derived.yaml"
REFERENCE_CSV = EXTERNAL / "cbs_gemeenten_2025.csv"
REAL_CODEBOOK = REFERENCES / "codebook.yaml"
FORMATS = ("csv-utf8", "csv-utf8-bom", "csv-cp1252-semicolon", "xlsx", "sav")
SUFFIX = {"csv-utf8": ".csv", "csv-utf8-bom": ".csv", "csv-cp1252-semicolon": ".csv",
          "xlsx": ".xlsx", "sav": ".sav"}

# Harmless open answers (no personal data); all characters exist in Windows-1252.
TEXTS = (
    "Samenwerking met de bibliotheek loopt goed.",
    "Weinig capaciteit; één collega doet dit naast ander werk.",
    "Coördinatie ligt bij het sociaal domein, niet bij dienstverlening.",
    "Het Taalhuis en het IDO werken samen in Súdwest-Fryslân.",
    "Nog geen afspraken gemaakt, \"binnenkort\" wel.",
    "Café-overleg met partners, 4 tot 6 keer per jaar",
)
MUNICIPALITY_ANSWERS = ("Utrecht", "Gemeente Den Haag", "Bergen NH", "Castricum, Heiloo en "
                        "Uitgeest", "Nuenen, Gerwen en Nederwetten", "gem. Súdwest Fryslân",
                        "Zwolle/Kampen", "Hengelo", "Amsterdam")


def small_codebook() -> Codebook:
    return load_codebook(SMALL_CODEBOOK)


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return small_codebook()


@pytest.fixture(scope="session")
def derived(codebook):
    from ido_analysis.spec.derived import load_derived

    return load_derived(codebook, SMALL_DERIVED)


@pytest.fixture(scope="session")
def matcher():
    from ido_analysis.ingest.municipalities import Matcher
    from ido_analysis.spec.reference import load_municipalities

    return Matcher.build(load_municipalities(REFERENCE_CSV))


def _answer(rng: random.Random, q: Question, row: dict, chosen: dict, p_skip: float) -> None:
    if q.type == "open" or rng.random() < p_skip:
        return
    if q.type in ("single", "scale"):
        opt = rng.choice(q.options)
        row[q.id] = opt.label
        picked = [opt.code]
    elif q.type == "multiple":
        exclusive = [o for o in q.options if o.exclusive]
        if exclusive and rng.random() < 0.15:
            picked = [rng.choice(exclusive).code]
        else:
            normal = [o.code for o in q.options if not o.exclusive]
            picked = sorted(rng.sample(normal, rng.randint(1, len(normal))))
        for code in picked:
            row[f"{q.id}_{code}"] = q.option(code).label
    else:
        picked = []
        for opt in q.options:
            if rng.random() < 0.9:
                value = rng.choice(("ja", "nee"))
                row[f"{q.id}_{opt.code}"] = value
                if value == "ja":
                    picked.append(opt.code)
    chosen[q.id] = picked
    for opt in q.options:
        if opt.other and opt.code in picked and rng.random() < 0.8:
            row[f"{q.id}_{opt.code}_tekst"] = rng.choice(TEXTS)
    for fu in q.followups:
        if set(fu.when) & set(picked) and rng.random() < 0.7:
            row[fu.id] = rng.choice(TEXTS)


def _is_asked(q: Question, chosen: dict) -> bool:
    if q.asked_if is None:
        return True
    return bool(set(q.asked_if.options) & set(chosen.get(q.asked_if.question, [])))


def valid_export(codebook: Codebook, n: int = 20, seed: int = 1, p_skip: float = 0.1,
                 municipality_question: str | None = "q01") -> pd.DataFrame:
    """A valid raw export of ``n`` random respondents for ``codebook`` (strings, NA = empty)."""
    rng = random.Random(seed)
    start, end = codebook.fieldwork
    days = (end - start).days
    rows = []
    for i in range(n):
        began = datetime(start.year, start.month, start.day, 8) + timedelta(
            days=rng.randint(0, days), minutes=rng.randint(0, 600))
        row: dict = {"respondent_id": str(1001 + i),
                     "startdatum": began.strftime("%Y-%m-%d %H:%M:%S"),
                     "einddatum": (began + timedelta(minutes=rng.randint(5, 40)))
                     .strftime("%Y-%m-%d %H:%M:%S")}
        chosen: dict = {}
        for q in codebook:
            if not _is_asked(q, chosen):
                continue
            if q.id == municipality_question:
                row[q.id] = rng.choice(MUNICIPALITY_ANSWERS)
            elif q.type == "open":
                if rng.random() > p_skip:
                    row[q.id] = rng.choice(TEXTS)
            else:
                _answer(rng, q, row, chosen, p_skip)
        for q in codebook:
            for fld in q.fields:
                if q.id in chosen and rng.random() < 0.5:
                    row[fld.id] = f"testwaarde {fld.id}"
        rows.append(row)
    columns = ["respondent_id", "startdatum", "einddatum", *codebook.raw_columns()]
    return pd.DataFrame(rows, columns=columns, dtype="string")


def write_export(frame: pd.DataFrame, path: Path, fmt: str,
                 codebook: Codebook | None = None) -> Path:
    """Write ``frame`` in one of ``FORMATS`` (sav needs ``codebook`` for value labels)."""
    if fmt.startswith("csv"):
        encoding = {"csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig"}.get(fmt, "cp1252")
        sep = ";" if fmt.endswith("semicolon") else ","
        frame.to_csv(path, index=False, sep=sep, encoding=encoding)
    elif fmt == "xlsx":
        out = frame.astype(object).where(frame.notna(), None)
        out["respondent_id"] = frame["respondent_id"].astype(int)
        out.to_excel(path, index=False, engine="openpyxl")
    elif fmt == "sav":
        _write_sav(frame, path, codebook)
    else:
        raise ValueError(fmt)
    return path


def _write_sav(frame: pd.DataFrame, path: Path, codebook: Codebook) -> None:
    """SPSS as a survey tool writes it: closed answers as numeric codes with value labels."""
    import pyreadstat

    out = pd.DataFrame(index=frame.index)
    labels: dict[str, dict[float, str]] = {}
    coded = {}
    for q in codebook.closed():
        if q.type in ("single", "scale"):
            coded[q.id] = {lab: float(i) for i, lab in enumerate(q.labels, start=1)}
        for opt in q.options if q.type != "single" and q.type != "scale" else ():
            coded[f"{q.id}_{opt.code}"] = ({"ja": 1.0, "nee": 0.0} if q.type == "grid"
                                           else {opt.label: 1.0})
    for col in frame.columns:
        if col == "respondent_id":
            out[col] = frame[col].astype(float)
        elif col in ("startdatum", "einddatum"):
            out[col] = pd.to_datetime(frame[col], format="%Y-%m-%d %H:%M:%S")
        elif col in coded:
            out[col] = frame[col].map(coded[col]).astype(float)
            labels[col] = {v: k for k, v in coded[col].items()}
        else:
            out[col] = frame[col].astype(object).where(frame[col].notna(), "")
    pyreadstat.write_sav(out, str(path), variable_value_labels=labels)


@pytest.fixture
def export_frame(codebook) -> pd.DataFrame:
    return valid_export(codebook, n=12, seed=7)


@pytest.fixture(scope="session")
def processed(tmp_path_factory):
    """The bundled synthetic export, cleaned once per test session: (frame, codebook)."""
    from ido_analysis.ingest.clean import clean_export
    from ido_analysis.ingest.generate import DEFAULT_OUTPUT
    from ido_analysis.report.notebook import load_processed

    out = tmp_path_factory.mktemp("processed")
    clean_export(DEFAULT_OUTPUT, out)
    return load_processed(out)


@pytest.fixture(scope="session")
def rendered_site(tmp_path_factory) -> Path:
    """One cold ``ido-analysis run`` of the bundled data per test session (slow tests only):
    the output directory with every chapter, the combined PDF and the index. With
    ``IDO_RENDERED_SITE=<dir>`` the tests read that finished run instead (to iterate on checks
    without re-running the pipeline)."""
    import os

    from ido_analysis.cli import main

    if os.environ.get("IDO_RENDERED_SITE"):
        return Path(os.environ["IDO_RENDERED_SITE"])
    out = tmp_path_factory.mktemp("reports")
    assert main(["run", "--output", str(out), "--force"]) == 0
    return out
