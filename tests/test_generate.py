"""The reconstructed export: reproducible, and faithful to every figure the report prints.

The register checks count the raw CSV directly (csv module + the codebook's column layout);
they deliberately do not use the cleaning or table code, so that a bug there cannot hide a
wrong reconstruction.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
import yaml

from ido_analysis.core.formatting import round_half_up
from ido_analysis.core.paths import REFERENCES
from ido_analysis.ingest.generate import DEFAULT_OUTPUT, generate, load_assumptions, to_csv_bytes
from ido_analysis.spec.codebook import load_codebook
from ido_analysis.spec.register import consistency, load_register

CODEBOOK = load_codebook()
REGISTER = load_register()
ASSUMPTIONS = load_assumptions()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with DEFAULT_OUTPUT.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def chose(row: dict[str, str], qid: str, code: str) -> bool:
    """Did this raw row choose option ``code`` of ``qid``? Read straight from the cells."""
    q = CODEBOOK[qid]
    opt = q.option(code)
    if q.type in ("single", "scale"):
        return row[qid] == opt.label
    if q.type == "grid":
        return row[f"{qid}_{code}"] == "ja"
    return row[f"{qid}_{code}"] == opt.label


def asked(row: dict[str, str], qid: str) -> bool:
    q = CODEBOOK[qid]
    if q.asked_if is None:
        return True
    return any(chose(row, q.asked_if.question, c) for c in q.asked_if.options)


def n_chosen(row: dict[str, str], qid: str) -> int:
    return sum(chose(row, qid, c) for c in CODEBOOK[qid].codes)


def test_generator_reproduces_committed_file_byte_for_byte():
    assert to_csv_bytes(generate()) == DEFAULT_OUTPUT.read_bytes()


def test_file_is_labelled_synthetic(rows):
    assert "SYNTHETISCH" in DEFAULT_OUTPUT.name
    assert {r["herkomst"] for r in rows} == {ASSUMPTIONS["provenance"]}
    assert "synthetisch" in (DEFAULT_OUTPUT.parent / "README.md").read_text().lower()


def test_shape_of_export(rows):
    header = list(rows[0].keys())
    assert header == ["respondent_id", "startdatum", "einddatum", "herkomst",
                      *CODEBOOK.raw_columns()]
    assert len(rows) == 47
    assert len({r["respondent_id"] for r in rows}) == 47
    start, end = (str(d) for d in CODEBOOK.fieldwork)
    for r in rows:
        assert start <= r["startdatum"] < r["einddatum"] <= end + " 23:59:59"


def _closed_rows():
    closed = {q.id for q in CODEBOOK.closed()}
    return REGISTER[REGISTER["question"].isin(closed) & (REGISTER["kind"] != "other")]


CONSISTENT = consistency(REGISTER)


def flagged_inconsistent(entry: dict) -> bool:
    """The register's computed flag says the report contradicts itself in this entry."""
    value = CONSISTENT[REGISTER["id"] == entry["id"]].iloc[0]
    return value is not pd.NA and not bool(value)


@pytest.mark.parametrize("entry", _closed_rows().to_dict("records"), ids=lambda e: e["id"])
def test_register_figure_is_reproduced(rows, entry):
    qid, kind = entry["question"], entry["kind"]
    base = sum(asked(r, qid) for r in rows)
    options = [] if pd.isna(entry["option"]) else str(entry["option"]).split(";")
    if kind == "base":
        flagged = flagged_inconsistent(entry)
        # a caption base the register flags as a report error (q24's "n = 30") must differ
        assert (base != entry["base"]) if flagged else (base == entry["base"]), entry["quote"]
        return
    if not pd.isna(entry["base"]):
        assert base == entry["base"], entry["quote"]
    if kind == "option_count":
        count = sum(any(chose(r, qid, c) for c in options) for r in rows)
        _check_count(count, base, entry)
    elif kind == "n_selected":
        count = sum(asked(r, qid) and entry["low"] <= n_chosen(r, qid) <= entry["high"]
                    for r in rows)
        _check_count(count, base, entry)
    elif kind == "mean_selected":
        mean = sum(n_chosen(r, qid) for r in rows if asked(r, qid)) / base
        assert round_half_up(mean) == entry["value"]
    elif kind == "ranking":
        q = CODEBOOK[qid]
        counts = {c: sum(chose(r, qid, c) for r in rows) for c in q.codes
                  if not (q.option(c).other or q.option(c).nonsubstantive
                          or q.option(c).exclusive)}
        rest = [v for c, v in counts.items() if c not in options]
        for c in options:
            if entry["measure"] == "most":
                assert counts[c] > max(rest), (c, counts)
            else:
                assert counts[c] < min(rest), (c, counts)
    else:
        raise AssertionError(f"register kind {kind!r} has no check")


def test_other_roles_at_most_sixty_percent(rows):
    """F008 'De overige rollen wordt door maximaal 60% ... ingevuld' (free-form statement)."""
    entry = REGISTER.set_index("id").loc["F008"]
    shares = [round_half_up(100 * sum(chose(r, "q06", c) for r in rows) / 47)
              for c in "bcdef"]
    assert max(shares) == entry["percent"]


def _check_count(count: int, base: int, entry: dict) -> None:
    """Counts win; a percentage alone must round to the printed one (approximate ones: +/-)."""
    if not pd.isna(entry["count"]):
        assert count == entry["count"], entry["quote"]
    elif not pd.isna(entry["percent"]):
        if flagged_inconsistent(entry):
            return  # contradicts a count printed elsewhere; that count is checked there
        approximate = re.search(r"approx|ca\.", str(entry["note"]).lower())
        tolerance = ASSUMPTIONS["approximate_tolerance"] if approximate else 0
        assert abs(int(round_half_up(100 * count / base)) - entry["percent"]) <= tolerance, (
            count, base, entry["quote"])


def test_routing_leaves_not_asked_respondents_blank(rows):
    routed = [q for q in CODEBOOK if q.asked_if is not None]
    assert routed, "the codebook routes q08 and q18-q23"
    for q in routed:
        for r in rows:
            if not asked(r, q.id):
                filled = [c for c in q.raw_columns() if r[c] != ""]
                assert not filled, (r["respondent_id"], filled)


def test_followups_only_after_their_trigger(rows):
    for q in CODEBOOK:
        for f in q.followups:
            for r in rows:
                if r[f.id]:
                    assert any(chose(r, q.id, c) for c in f.when), (r["respondent_id"], f.id)


def test_exclusive_options_stand_alone(rows):
    for q in CODEBOOK.of_type("multiple"):
        for opt in q.options:
            if opt.exclusive:
                for r in rows:
                    if chose(r, q.id, opt.code):
                        assert n_chosen(r, q.id) == 1, (r["respondent_id"], q.id)


def test_interviewed_municipalities_are_respondents(rows):
    typed = {r["q01"] for r in rows}
    for m in ASSUMPTIONS["municipalities"]["fixed"]:
        assert m["typed"] in typed


def test_planted_personal_data_is_present(rows):
    text = DEFAULT_OUTPUT.read_text(encoding="utf-8")
    yes = [r for r in rows if r["q42"] == "Ja"]
    assert len(yes) >= 5
    for r in yes:
        assert re.fullmatch(r"[a-z.]+@[a-z.]+", r["q42_email"])
        assert r["q42_email"].split("@")[1] in ASSUMPTIONS["contact"]["domains"]
        assert re.search(r"\d{8}", r["q42_telefoon"].replace(" ", "").replace("-", ""))
        assert r["q42_naam"]
    assert len(ASSUMPTIONS["planted_pii"]) >= 5
    for planted in ASSUMPTIONS["planted_pii"]:
        assert planted in text, planted


def test_assumptions_file_is_the_only_source_of_fills():
    raw = yaml.safe_load((REFERENCES / "assumptions.yaml").read_text(encoding="utf-8"))
    for qid, spec in (raw.get("counts") or {}).items():
        assert "reason" in spec, f"counts.{qid} needs a reason"
        for code in (k for k in spec if k != "reason"):
            for c in str(code).split(";"):
                CODEBOOK[qid].option(c)


def test_open_answers_sit_next_to_the_answer_they_explain(rows):
    """An item with `when: [codes]` lands on a respondent who chose one of those options."""
    checked = 0
    for column, items in ASSUMPTIONS["open_answers"].items():
        owner = next(q for q in CODEBOOK if column == q.id or column in q.raw_columns())
        for item in items:
            if isinstance(item, dict) and item.get("when"):
                holders = [r for r in rows if r[column] == item["text"]]
                assert len(holders) == 1, (column, item["text"])
                assert any(chose(holders[0], owner.id, c) for c in item["when"]), item["text"]
                checked += 1
    assert checked >= 10


def test_tendencies_show_in_the_cleaned_data(tmp_path):
    """Each tendency of the assumptions file: the answer is more common in its group."""
    from ido_analysis.ingest.clean import clean_export

    frame = clean_export(DEFAULT_OUTPUT, tmp_path).frame
    assert ASSUMPTIONS["tendencies"]
    for t in ASSUMPTIONS["tendencies"]:
        q = CODEBOOK[t["question"]]
        labels = [q.option(c).label for c in t["options"]]
        if q.type in ("single", "scale"):
            chosen = frame[q.id].isin(labels)
        else:
            chosen = frame[[f"{q.id}_{c}" for c in t["options"]]].fillna(False).any(axis=1)
        in_group = pd.Series(True, index=frame.index)
        for column, value in t["where"].items():
            in_group &= frame[column].astype(str) == value
        assert chosen[in_group].mean() > chosen[~in_group].mean(), t["reason"]


def test_tendency_without_matching_respondent_is_an_error():
    from ido_analysis.ingest.generate import GenerationError, preferences_from

    slots = [{"traits": {"grootteklasse_grof": "klein (< 20 000)"}}]
    spec = {"tendencies": [{"question": "q10", "options": ["a"], "strength": 1,
                            "where": {"grootteklasse_grof": "groot (50 000 of meer)"}}]}
    with pytest.raises(GenerationError, match="no respondent matches"):
        preferences_from(spec, CODEBOOK, slots)
