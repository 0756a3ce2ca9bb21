"""Load and validate the machine-readable codebook of the questionnaire.

The codebook (``references/codebook.yaml``) is the single source of truth for question ids,
types, options, routing, labels and chapter mapping. Everything else in the package is driven
by it; see ``docs/data-contracts.md`` for the file format.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES

DEFAULT_PATH = REFERENCES / "codebook.yaml"
SCHEMA_PATH = REFERENCES / "codebook.schema.json"

CLOSED_TYPES = ("single", "scale", "multiple", "grid")
GRID_VALUES = ("ja", "nee")


class CodebookError(ValueError):
    """The codebook file is malformed; the message lists every problem found."""


@dataclass(frozen=True)
class Option:
    """One answer option (or grid item) of a closed question."""

    code: str
    label: str
    exclusive: bool = False
    other: bool = False
    nonsubstantive: bool = False


@dataclass(frozen=True)
class Followup:
    """An unnumbered follow-up open question, asked when one of ``when`` was chosen."""

    id: str
    text: str
    when: tuple[str, ...]
    personal: bool = False


@dataclass(frozen=True)
class Field:
    """A personal detail field of the contact question (name, phone, ...)."""

    id: str
    label: str
    personal: bool = True


@dataclass(frozen=True)
class Routing:
    """Ask the question only to respondents who chose one of ``options`` at ``question``."""

    question: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Defect:
    """A defect of the printed questionnaire and the interpretation chosen for it."""

    defect: str
    interpretation: str


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire."""

    id: str
    number: int | None
    text: str
    label: str
    type: str
    chapter: str
    section: str
    asked_if: Routing | None = None
    personal: bool = False
    reading_aid: str | None = None
    options: tuple[Option, ...] = ()
    followups: tuple[Followup, ...] = ()
    fields: tuple[Field, ...] = ()
    defects: tuple[Defect, ...] = ()

    @property
    def is_closed(self) -> bool:
        """True for question types with options."""
        return self.type in CLOSED_TYPES

    @property
    def is_ordered(self) -> bool:
        """True for ordered scales."""
        return self.type == "scale"

    def option(self, code: str) -> Option:
        """Return the option with letter ``code``; KeyError naming the question otherwise."""
        for opt in self.options:
            if opt.code == code:
                return opt
        raise KeyError(f"{self.id} has no option {code!r}")

    @property
    def codes(self) -> tuple[str, ...]:
        """Option letter codes in questionnaire order."""
        return tuple(opt.code for opt in self.options)

    @property
    def labels(self) -> tuple[str, ...]:
        """Option labels in questionnaire order."""
        return tuple(opt.label for opt in self.options)

    def option_columns(self) -> list[str]:
        """Columns that hold the answer: one for single/scale, one per option otherwise."""
        if self.type in ("single", "scale", "open"):
            return [self.id]
        return [f"{self.id}_{opt.code}" for opt in self.options]

    def text_column(self, code: str) -> str:
        """Column of the text typed at option ``code`` ("Anders, namelijk"): ``q02_f_tekst``."""
        return f"{self.id}_{code}_tekst"

    def text_columns(self) -> list[str]:
        """Text columns of the "Anders, namelijk" options, in option order."""
        return [self.text_column(opt.code) for opt in self.options if opt.other]

    def extra_columns(self) -> list[str]:
        """Follow-up and contact-field columns, in codebook order."""
        return [f.id for f in self.followups] + [f.id for f in self.fields]

    def raw_columns(self) -> list[str]:
        """All columns this question occupies in a raw export, in export order."""
        return self.option_columns() + self.text_columns() + self.extra_columns()


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Codebook:
    """The validated codebook: survey metadata, chapters and questions in order."""

    survey: dict[str, Any]
    chapters: tuple[Chapter, ...]
    questions: tuple[Question, ...]
    path: Path | None = field(default=None, compare=False)

    def __getitem__(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"codebook has no question {qid!r}")

    def __iter__(self):
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def chapter(self, chapter_id: str) -> Chapter:
        for ch in self.chapters:
            if ch.id == chapter_id:
                return ch
        raise KeyError(f"codebook has no chapter {chapter_id!r}")

    def questions_in(self, chapter_id: str, section_id: str | None = None) -> list[Question]:
        """Questions of a chapter (and optionally one section), in questionnaire order."""
        return [
            q
            for q in self.questions
            if q.chapter == chapter_id and (section_id is None or q.section == section_id)
        ]

    def closed(self) -> list[Question]:
        return [q for q in self.questions if q.is_closed]

    def of_type(self, *types: str) -> list[Question]:
        return [q for q in self.questions if q.type in types]

    def raw_columns(self) -> list[str]:
        """Every question column a raw export must have, in export order."""
        return [col for q in self.questions for col in q.raw_columns()]

    def personal_columns(self) -> list[str]:
        """Columns that hold identifying data and must never leave the cleaning step."""
        cols: list[str] = []
        for q in self.questions:
            if q.personal:
                cols.extend(q.option_columns() + q.text_columns())
            cols.extend(f.id for f in q.followups if f.personal)
            cols.extend(f.id for f in q.fields if f.personal)
        return cols

    @property
    def fieldwork(self) -> tuple[date, date]:
        return self.survey["fieldwork_start"], self.survey["fieldwork_end"]


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook YAML file.

    Raises ``CodebookError`` listing every problem (with the question id and key) when the
    file is not a valid codebook; ``FileNotFoundError`` when it does not exist.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from exc
    return parse_codebook(raw, source=str(path), path=path)


def parse_codebook(raw: Any, source: str = "<codebook>", path: Path | None = None) -> Codebook:
    """Validate an already-parsed codebook mapping and build a ``Codebook``.

    Structure (keys, types, patterns) is checked against ``references/codebook.schema.json``;
    what a schema cannot express (cross-references, uniqueness, order of scale options) is
    checked here. Every problem of both kinds is reported in one ``CodebookError``.
    """
    if not isinstance(raw, dict):
        raise CodebookError(f"{source}: expected a mapping with survey, chapters, questions")
    problems = schema_problems(raw)
    if any(key not in raw for key in ("survey", "chapters", "questions")):
        raise CodebookError(_format(source, problems))
    chapters = tuple(_parse_chapter(c) for c in raw["chapters"] or [] if isinstance(c, dict))
    sections = {(ch.id, s.id) for ch in chapters for s in ch.sections}
    questions = tuple(q for q in (_parse_question(q, problems) for q in raw["questions"] or [])
                      if q is not None)
    _check_cross_references(questions, sections, problems)
    if problems:
        raise CodebookError(_format(source, problems))
    return Codebook(survey=dict(raw["survey"]), chapters=chapters, questions=questions, path=path)


@functools.cache
def _validator() -> Any:
    import jsonschema
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_problems(raw: dict[str, Any]) -> list[str]:
    """Every violation of the codebook schema, as ``"<where>: <what>"`` lines in file order."""
    # YAML dates become ISO strings: the schema speaks JSON.
    data = json.loads(json.dumps(raw, default=str))
    errors = sorted(_validator().iter_errors(data), key=lambda err: [str(p) for p in err.path])
    return [_describe(data, err) for err in errors]


def _where(raw: dict[str, Any], path: list[Any]) -> str:
    """``["questions", 3, "options", 0]`` -> ``"q04: option a"`` (ids where the data have them)."""
    parts: list[str] = []
    node: Any = raw
    for i, step in enumerate(path):
        child = node[step] if isinstance(node, (dict, list)) else None
        if isinstance(step, int) and isinstance(child, dict):
            kind = {"questions": "", "options": "option ", "chapters": "chapter "}.get(
                str(path[i - 1]), f"{path[i - 1]} ")
            name = child.get("id", child.get("code"))
            parts[-1:] = [f"{kind}{name}" if name is not None else f"{path[i - 1]}[{step}]"]
            parts = [p for p in parts if p]
        else:
            parts.append(str(step))
        node = child
    return ": ".join(p.strip() for p in parts) if parts else "codebook"


def _describe(raw: dict[str, Any], err: Any) -> str:
    path = list(err.path)
    if err.validator == "additionalProperties":
        known = set(err.schema.get("properties", {}))
        extra = ", ".join(repr(k) for k in sorted(set(err.instance) - known))
        return f"{_where(raw, path)}: unknown key {extra}"
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        return f"{_where(raw, path)}: missing " + ", ".join(repr(k) for k in missing)
    key = str(path[-1]) if path else ""
    where = _where(raw, path[:-1]) if path else "codebook"
    if err.validator == "enum":
        allowed = ", ".join(str(v) for v in err.validator_value)
        return f"{where}: {key} {err.instance!r} is not one of {allowed}"
    if err.validator == "pattern":
        return f"{where}: {key} {err.instance!r} does not match {err.validator_value}"
    return f"{where}: {key}: {err.message}" if key else f"{where}: {err.message}"


def _format(source: str, problems: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"{source}: {len(problems)} problem(s) in the codebook:\n{lines}"


def _parse_chapter(raw: dict) -> Chapter:
    sections = tuple(Section(str(s.get("id")), str(s.get("title", "")))
                     for s in raw.get("sections") or [] if isinstance(s, dict))
    return Chapter(str(raw.get("id")), str(raw.get("title", "")), sections)


def _parse_question(raw: Any, problems: list[str]) -> Question | None:
    """Build a question from a mapping the schema has checked; ``None`` when its structure is
    too broken to build (the schema problems say why)."""
    if not isinstance(raw, dict):
        return None
    try:
        question = _build_question(raw)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    _check_question(question, raw, problems)
    return question


def _build_question(raw: dict[str, Any]) -> Question:
    options = tuple(Option(code=str(o["code"]), label=str(o["label"]),
                           exclusive=bool(o.get("exclusive", False)),
                           other=bool(o.get("other", False)),
                           nonsubstantive=bool(o.get("nonsubstantive", False)))
                    for o in raw.get("options") or [])
    followups = tuple(Followup(str(f["id"]), f["text"], tuple(str(c) for c in f["when"]),
                               bool(f.get("personal", False)))
                      for f in raw.get("followups") or [])
    fields = tuple(Field(str(f["id"]), f["label"], bool(f.get("personal", True)))
                   for f in raw.get("fields") or [])
    routing = None
    if raw.get("asked_if"):
        r = raw["asked_if"]
        routing = Routing(str(r["question"]), tuple(str(c) for c in r["options"]))
    defects = tuple(Defect(d["defect"], d["interpretation"]) for d in raw.get("defects") or [])
    number = raw.get("number")
    return Question(
        id=str(raw["id"]), number=int(number) if number is not None else None,
        text=raw["text"], label=raw["label"], type=raw["type"], chapter=str(raw["chapter"]),
        section=str(raw["section"]), asked_if=routing, personal=bool(raw.get("personal", False)),
        reading_aid=raw.get("reading_aid"), options=options, followups=followups,
        fields=fields, defects=defects,
    )


def _check_question(q: Question, raw: dict[str, Any], problems: list[str]) -> None:
    """Rules within one question that the schema cannot express."""
    codes = list(q.codes)
    if len(set(codes)) != len(codes):
        problems.append(f"{q.id}: duplicate option codes {codes}")
    if q.type in ("single", "scale") and any(o.exclusive for o in q.options):
        problems.append(f"{q.id}: 'exclusive' only applies to multiple choice")
    if q.type == "scale":
        flags = [o.nonsubstantive for o in q.options]
        if flags != sorted(flags):
            problems.append(f"{q.id}: nonsubstantive options must come last on a scale")
    for f in q.followups:
        problems += [f"{q.id}: follow-up {f.id} triggered by unknown option {code!r}"
                     for code in f.when if code not in codes]
    if q.reading_aid is not None and q.reading_aid not in codes:
        problems.append(f"{q.id}: reading_aid {q.reading_aid!r} is not one of its options")


def _check_cross_references(
    questions: tuple[Question, ...], sections: set[tuple[str, str]], problems: list[str]
) -> None:
    ids = [q.id for q in questions]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{dup}: duplicate question id")
    by_id = {q.id: q for q in questions}
    columns: list[str] = []
    for pos, q in enumerate(questions):
        if q.chapter and (q.chapter, q.section) not in sections:
            problems.append(f"{q.id}: section {q.section!r} is not in chapter {q.chapter!r}")
        if q.asked_if:
            src = by_id.get(q.asked_if.question)
            if src is None:
                problems.append(f"{q.id}: asked_if refers to unknown question "
                                f"{q.asked_if.question}")
            else:
                if ids.index(src.id) >= pos:
                    problems.append(f"{q.id}: asked_if must refer to an earlier question")
                for code in q.asked_if.options:
                    if code not in src.codes:
                        problems.append(f"{q.id}: asked_if option {code!r} not in {src.id}")
        columns.extend(q.raw_columns())
    for dup in sorted({c for c in columns if columns.count(c) > 1}):
        problems.append(f"column {dup!r} is defined twice")
