"""Tests of the bundled codebook (references/codebook.yaml) and of the codebook validator."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pytest

from ido_analysis.spec.codebook import Codebook, CodebookError, load_codebook, parse_codebook


@pytest.fixture(scope="module")
def cb() -> Codebook:
    return load_codebook()


# --------------------------------------------------------------------------- bundled codebook


def test_has_exactly_q01_to_q42_in_order(cb: Codebook) -> None:
    assert cb.ids == tuple(f"q{n:02d}" for n in range(1, 43))
    assert [q.number for q in cb] == list(range(1, 43))


def test_survey_metadata(cb: Codebook) -> None:
    assert cb.fieldwork == (date(2025, 8, 28), date(2025, 10, 10))
    assert cb.survey["population"] == 342
    assert cb.survey["respondents_published"] == 47
    assert cb.survey["wave"] == "2025"


def test_chapters_in_report_order(cb: Codebook) -> None:
    assert [ch.id for ch in cb.chapters] == ["bijlage1", "h2", "h3", "h4", "h5", "afsluiting"]
    assert [s.id for s in cb.chapter("h3").sections] == ["3.2", "3.3", "3.4", "3.5"]
    assert [s.id for s in cb.chapter("h5").sections] == ["5.2", "5.3", "5.4"]


@pytest.mark.parametrize(
    ("chapter", "section", "ids"),
    [
        ("bijlage1", "B1", ["q01", "q02", "q03", "q04", "q05"]),
        ("h2", "2.2", ["q06", "q07", "q08", "q09"]),
        ("h2", "2.3", ["q10", "q11"]),
        ("h2", "2.4", ["q12", "q13"]),
        ("h2", "2.5", ["q14", "q15", "q16"]),
        ("h3", "3.2", ["q17", "q18", "q19", "q20", "q21", "q22", "q23", "q24"]),
        ("h3", "3.3", []),
        ("h3", "3.4", ["q26"]),
        ("h3", "3.5", ["q25"]),
        ("h4", "4.2", ["q27", "q28", "q29", "q30"]),
        ("h4", "4.3", ["q31", "q32", "q33", "q34"]),
        ("h4", "4.4", ["q37"]),
        ("h4", "4.5", ["q35", "q36"]),
        ("h5", "5.2", ["q38"]),
        ("h5", "5.3", ["q40"]),
        ("h5", "5.4", ["q39"]),
        ("afsluiting", "A", ["q41", "q42"]),
    ],
)
def test_section_mapping(cb: Codebook, chapter: str, section: str, ids: list[str]) -> None:
    assert [q.id for q in cb.questions_in(chapter, section)] == ids


def test_question_types(cb: Codebook) -> None:
    by_type = {t: [q.id for q in cb.of_type(t)] for t in ("open", "single", "scale", "grid")}
    assert by_type == {
        "open": ["q01", "q08", "q09", "q11", "q22", "q23", "q28", "q29", "q30", "q33", "q36",
                 "q41"],
        "single": ["q02", "q12", "q19", "q24", "q42"],
        "scale": ["q07", "q17", "q26", "q31", "q37", "q40"],
        "grid": ["q21", "q27"],
    }
    assert len(cb.of_type("multiple")) == 42 - 12 - 5 - 6 - 2


@pytest.mark.parametrize(
    ("qid", "n_options"),
    [("q02", 3), ("q03", 7), ("q04", 5), ("q05", 5), ("q06", 6), ("q07", 6), ("q10", 6),
     ("q12", 5), ("q13", 9), ("q14", 6), ("q15", 7), ("q16", 7), ("q17", 5), ("q18", 6),
     ("q19", 5), ("q20", 5), ("q21", 6), ("q24", 4), ("q25", 10), ("q27", 5), ("q32", 12),
     ("q34", 4), ("q35", 8), ("q38", 5), ("q39", 8), ("q42", 2)],
)
def test_number_of_options(cb: Codebook, qid: str, n_options: int) -> None:
    q = cb[qid]
    assert len(q.options) == n_options
    assert q.codes == tuple("abcdefghijkl"[:n_options])


def test_routing(cb: Codebook) -> None:
    routed = {q.id: (q.asked_if.question, q.asked_if.options) for q in cb if q.asked_if}
    network = ("q17", ("a", "b", "c"))
    assert routed == {
        "q08": ("q07", ("f",)),
        **{f"q{n}": network for n in range(18, 24)},
    }
    assert cb["q24"].asked_if is None


def test_scales_put_weet_ik_niet_last_as_nonsubstantive(cb: Codebook) -> None:
    for q in cb.of_type("scale"):
        assert q.options[-1].label == "Weet ik niet", q.id
        assert [o.nonsubstantive for o in q.options] == [False] * (len(q.options) - 1) + [True]
    assert cb["q07"].option("f").label == "Weet ik niet"
    assert cb["q17"].option("e").label == "Weet ik niet"


def test_exclusive_options(cb: Codebook) -> None:
    exclusive = [(q.id, o.code) for q in cb for o in q.options if o.exclusive]
    assert exclusive == [("q04", "d"), ("q14", "a"), ("q32", "l"), ("q38", "d")]
    assert cb["q14"].option("a").label.startswith("Ik heb niets nodig")


def test_q32_has_inferred_weet_ik_niet(cb: Codebook) -> None:
    q = cb["q32"]
    assert q.option("l").label == "Weet ik niet"
    assert q.option("k").other
    assert any("Weet ik niet" in d.interpretation for d in q.defects)


def test_other_options_are_anders_namelijk(cb: Codebook) -> None:
    for q in cb:
        for o in q.options:
            assert o.other == (o.label == "Anders, namelijk"), (q.id, o.code)
    assert cb.of_type("single")[0].text_columns() == ["q02_c_tekst"]


def test_followups(cb: Codebook) -> None:
    followups = {f.id: f.when for q in cb for f in q.followups}
    everything = ("a", "b", "c", "d", "e", "f")
    assert followups == {
        "q12_toelichting_c": ("c",),
        "q12_toelichting_d": ("d",),
        "q12_toelichting_e": ("e",),
        "q17_toelichting_e": ("e",),
        "q24_toelichting_ab": ("a", "b"),
        "q24_toelichting_c": ("c",),
        "q24_toelichting_d": ("d",),
        "q26_toelichting": everything,
        "q31_toelichting_f": ("f",),
        "q37_toelichting": everything,
        "q38_bijlage_a": ("a",),
        "q38_toelichting_d": ("d",),
        "q40_toelichting": everything,
    }


def test_personal_columns_are_q01_and_contact_fields(cb: Codebook) -> None:
    assert cb.personal_columns() == [
        "q01", "q42_naam", "q42_telefoon", "q42_email", "q42_dagdeel",
    ]
    assert cb["q42"].labels == ("Ja", "Nee")


def test_raw_columns(cb: Codebook) -> None:
    cols = cb.raw_columns()
    assert len(cols) == len(set(cols)) == 185
    assert cols[:4] == ["q01", "q02", "q02_c_tekst", "q03_a"]
    assert cb["q24"].raw_columns() == [
        "q24", "q24_toelichting_ab", "q24_toelichting_c", "q24_toelichting_d",
    ]
    assert cb["q21"].raw_columns() == [f"q21_{c}" for c in "abcdef"]


def test_defects_recorded_where_the_questionnaire_is_wrong(cb: Codebook) -> None:
    with_defects = [q.id for q in cb if q.defects]
    assert with_defects == [
        "q08", "q12", "q13", "q16", "q17", "q18", "q19", "q20", "q21", "q22", "q23", "q24", "q31",
        "q32", "q34", "q37", "q38", "q39", "q42",
    ]


def test_labels_and_texts_are_clean(cb: Codebook) -> None:
    for q in cb:
        assert 0 < len(q.label) <= 40, q.id
        for text in [q.text, *q.labels, *(f.text for f in q.followups)]:
            assert not re.search(r"[*\[\]<>]|\(#\)", text), (q.id, text)
            assert text == text.strip() and "  " not in text, (q.id, text)


# --------------------------------------------------------------------------- validator


def _minimal() -> dict[str, Any]:
    """A small valid codebook: a scale with a follow-up and a routed multiple-choice question."""
    return {
        "survey": {"fieldwork_start": date(2025, 8, 28), "fieldwork_end": date(2025, 10, 10),
                   "population": 342},
        "chapters": [{"id": "h2", "title": "2. Test", "sections": [{"id": "2.2", "title": "T"}]}],
        "questions": [
            {"id": "q01", "number": 1, "text": "Hoe?", "label": "Hoe", "type": "scale",
             "chapter": "h2", "section": "2.2",
             "options": [{"code": "a", "label": "Goed"}, {"code": "b", "label": "Slecht"},
                         {"code": "c", "label": "Weet ik niet", "nonsubstantive": True}],
             "followups": [{"id": "q01_toelichting_c", "text": "Waarom?", "when": ["c"]}]},
            {"id": "q02", "number": 2, "text": "Wat?", "label": "Wat", "type": "multiple",
             "chapter": "h2", "section": "2.2", "asked_if": {"question": "q01", "options": ["a"]},
             "options": [{"code": "a", "label": "X"}, {"code": "b", "label": "Y"}]},
        ],
    }


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(CodebookError) as excinfo:
        parse_codebook(raw, source="test")
    return str(excinfo.value)


def test_minimal_codebook_is_valid() -> None:
    cb = parse_codebook(_minimal())
    assert cb.ids == ("q01", "q02")
    assert cb["q02"].asked_if.options == ("a",)


def test_unknown_type() -> None:
    raw = _minimal()
    raw["questions"][1]["type"] = "ranking"
    assert "q02: type 'ranking' is not one of open, single, scale, multiple, grid" in _error(raw)


def test_duplicate_question_id() -> None:
    raw = _minimal()
    raw["questions"].append(copy.deepcopy(raw["questions"][1]))
    assert "q02: duplicate question id" in _error(raw)


def test_asked_if_unknown_question() -> None:
    raw = _minimal()
    raw["questions"][1]["asked_if"] = {"question": "q99", "options": ["a"]}
    assert "q02: asked_if refers to unknown question q99" in _error(raw)


def test_asked_if_unknown_option() -> None:
    raw = _minimal()
    raw["questions"][1]["asked_if"]["options"] = ["z"]
    assert "q02: asked_if option 'z' not in q01" in _error(raw)


def test_followup_with_unknown_trigger() -> None:
    raw = _minimal()
    raw["questions"][0]["followups"][0]["when"] = ["f"]
    assert "q01: follow-up q01_toelichting_c triggered by unknown option 'f'" in _error(raw)


def test_unknown_question_key() -> None:
    raw = _minimal()
    raw["questions"][0]["routing"] = None
    assert "q01: unknown key 'routing'" in _error(raw)


def test_unknown_option_key() -> None:
    raw = _minimal()
    raw["questions"][1]["options"][0]["exclusief"] = True
    assert "q02: option a: unknown key 'exclusief'" in _error(raw)


def test_nonsubstantive_option_not_last() -> None:
    raw = _minimal()
    raw["questions"][0]["options"].append({"code": "d", "label": "Zeer slecht"})
    assert "q01: nonsubstantive options must come last on a scale" in _error(raw)


def test_every_problem_is_listed() -> None:
    raw = _minimal()
    raw["questions"][0]["type"] = "ranking"
    raw["questions"][1]["section"] = "9.9"
    message = _error(raw)
    assert message.startswith("test: 2 problem(s) in the codebook:")
    assert "q02: section '9.9' is not in chapter 'h2'" in message


def test_reading_aid_must_be_an_option() -> None:
    raw = _minimal()
    raw["questions"][0]["reading_aid"] = "x"
    assert "q01: reading_aid 'x' is not one of its options" in _error(raw)


def test_schema_problems_name_the_question_and_key() -> None:
    raw = _minimal()
    del raw["questions"][1]["options"][1]["label"]
    raw["questions"][0]["label"] = ""
    raw["survey"]["population"] = 0
    message = _error(raw)
    assert "q02: option b: missing 'label'" in message
    assert "q01: label: '' should be non-empty" in message
    assert "survey: population: 0 is less than the minimum of 1" in message


def test_schema_doc_is_up_to_date() -> None:
    """docs/codebook-schema.md is generated from the schema (python -m
    ido_analysis.spec.schema_doc); an edit of the schema without regenerating fails here."""
    import json

    from ido_analysis.spec.codebook import SCHEMA_PATH
    from ido_analysis.spec.schema_doc import DOC_PATH, render

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert DOC_PATH.read_text(encoding="utf-8") == render(schema)
