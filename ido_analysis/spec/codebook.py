"""Load and validate the machine-readable codebook of the questionnaire.

The codebook (``references/codebook.yaml``) is the single source of truth for question ids,
types, options, routing, labels and chapter mapping. Everything else in the package is driven
by it; see ``docs/data-contracts.md`` for the file format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ido_analysis.core.paths import REFERENCES

DEFAULT_PATH = REFERENCES / "codebook.yaml"

QUESTION_TYPES = ("open", "single", "scale", "multiple", "grid")
CLOSED_TYPES = ("single", "scale", "multiple", "grid")
GRID_VALUES = ("ja", "nee")
_ID_RE = re.compile(r"^q\d{2}$")
_COLUMN_RE = re.compile(r"^[a-z][a-z0-9_]*$")


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
    with path.open(encoding="utf-8") as fh:
        try:
            raw = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise CodebookError(f"{path}: not valid YAML: {exc}") from exc
    return parse_codebook(raw, source=str(path), path=path)


def parse_codebook(raw: Any, source: str = "<codebook>", path: Path | None = None) -> Codebook:
    """Validate an already-parsed codebook mapping and build a ``Codebook``."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise CodebookError(f"{source}: expected a mapping with survey, chapters, questions")
    for key in ("survey", "chapters", "questions"):
        if key not in raw:
            problems.append(f"missing top-level key {key!r}")
    if problems:
        raise CodebookError(_format(source, problems))

    chapters = tuple(_parse_chapter(c, problems) for c in raw["chapters"] or [])
    sections = {(ch.id, s.id) for ch in chapters for s in ch.sections}
    questions = tuple(_parse_question(q, i, problems) for i, q in enumerate(raw["questions"] or []))
    _check_cross_references(questions, sections, problems)
    survey = dict(raw["survey"] or {})
    for key in ("fieldwork_start", "fieldwork_end", "population"):
        if key not in survey:
            problems.append(f"survey: missing {key!r}")
    if problems:
        raise CodebookError(_format(source, problems))
    return Codebook(survey=survey, chapters=chapters, questions=questions, path=path)


def _format(source: str, problems: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"{source}: {len(problems)} problem(s) in the codebook:\n{lines}"


def _parse_chapter(raw: dict, problems: list[str]) -> Chapter:
    sections = tuple(Section(str(s["id"]), s["title"]) for s in raw.get("sections", []))
    if "id" not in raw or "title" not in raw:
        problems.append(f"chapter {raw!r}: needs id and title")
    return Chapter(str(raw.get("id")), raw.get("title", ""), sections)


_QUESTION_KEYS = {
    "id", "number", "text", "label", "type", "chapter", "section", "asked_if", "personal",
    "options", "followups", "fields", "defects",
}
_OPTION_KEYS = {"code", "label", "exclusive", "other", "nonsubstantive"}


def _parse_question(raw: Any, index: int, problems: list[str]) -> Question:
    where = f"question #{index + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping, got {raw!r}")
        return Question("", None, "", "", "open", "", "")
    qid = str(raw.get("id", ""))
    where = f"{qid or where}"
    for key in sorted(set(raw) - _QUESTION_KEYS):
        problems.append(f"{where}: unknown key {key!r}")
    for key in ("id", "text", "label", "type", "chapter", "section"):
        if not raw.get(key):
            problems.append(f"{where}: missing {key!r}")
    if qid and not _ID_RE.match(qid):
        problems.append(f"{where}: id must look like q01..q99")
    qtype = raw.get("type", "open")
    if qtype not in QUESTION_TYPES:
        problems.append(f"{where}: type {qtype!r} is not one of {', '.join(QUESTION_TYPES)}")
    options = tuple(_parse_option(o, where, problems) for o in raw.get("options") or [])
    if qtype in CLOSED_TYPES and len(options) < 2:
        problems.append(f"{where}: a {qtype} question needs at least two options")
    if qtype == "open" and options:
        problems.append(f"{where}: an open question has no options")
    codes = [o.code for o in options]
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: duplicate option codes {codes}")
    if qtype in ("single", "scale") and any(o.exclusive for o in options):
        problems.append(f"{where}: 'exclusive' only applies to multiple choice")
    if qtype == "scale":
        seen_nonsub = False
        for o in options:
            if o.nonsubstantive:
                seen_nonsub = True
            elif seen_nonsub:
                problems.append(f"{where}: nonsubstantive options must come last on a scale")
                break
    followups = tuple(
        Followup(str(f["id"]), f["text"], tuple(str(c) for c in f.get("when", [])),
                 bool(f.get("personal", False)))
        for f in raw.get("followups") or []
    )
    for f in followups:
        for code in f.when:
            if code not in codes:
                problems.append(f"{where}: follow-up {f.id} triggered by unknown option {code!r}")
    fields = tuple(
        Field(str(f["id"]), f["label"], bool(f.get("personal", True)))
        for f in raw.get("fields") or []
    )
    routing = None
    if raw.get("asked_if"):
        r = raw["asked_if"]
        routing = Routing(str(r.get("question")), tuple(str(c) for c in r.get("options", [])))
    defects = tuple(Defect(d["defect"], d["interpretation"]) for d in raw.get("defects") or [])
    number = raw.get("number")
    return Question(
        id=qid, number=int(number) if number is not None else None, text=raw.get("text", ""),
        label=raw.get("label", ""), type=qtype, chapter=str(raw.get("chapter", "")),
        section=str(raw.get("section", "")), asked_if=routing,
        personal=bool(raw.get("personal", False)), options=options, followups=followups,
        fields=fields, defects=defects,
    )


def _parse_option(raw: Any, where: str, problems: list[str]) -> Option:
    if not isinstance(raw, dict) or "code" not in raw or "label" not in raw:
        problems.append(f"{where}: option {raw!r} needs code and label")
        return Option("?", "?")
    for key in sorted(set(raw) - _OPTION_KEYS):
        problems.append(f"{where}: option {raw['code']}: unknown key {key!r}")
    return Option(
        code=str(raw["code"]), label=str(raw["label"]),
        exclusive=bool(raw.get("exclusive", False)), other=bool(raw.get("other", False)),
        nonsubstantive=bool(raw.get("nonsubstantive", False)),
    )


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
    for col in columns:
        if not _COLUMN_RE.match(col):
            problems.append(f"column name {col!r} is not lower_snake_case")
    for dup in sorted({c for c in columns if columns.count(c) > 1}):
        problems.append(f"column {dup!r} is defined twice")
