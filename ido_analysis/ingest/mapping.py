"""Match the columns of a tool export to codebook columns by TEXT, never by column name alone.

``build_mapping(table, codebook)`` returns one ``MappingRow`` per tool column (plus one per
codebook column that no tool column provides):

1. metadata: the column's key or text is a metadata name of the tool family (or of the
   project's own shape) in ``references/survey_tools.yaml`` -> ``metadata:<role>``;
2. a mapping the analyst gave (``given``: tool key -> target) always wins;
3. other columns are grouped per question (consecutive columns with the same question text
   and a sub-label) and each group's text is scored against every codebook question,
   follow-up and contact field (``textmatch.similarity``). A group whose best candidate is
   unique is an anchor; groups between two anchors are aligned, in questionnaire order, with
   the codebook units between those anchors (so several follow-ups titled "Kunt u uw antwoord
   toelichten?" each find their own). Equally good alignments are an open point;
4. within a group the sub-labels (option, item, "Text") are matched to the question's option
   labels; a single column without sub-label for a multiple-choice question is a joined list.

A row with a non-empty ``problem`` is an open point: the caller stops and writes the mapping
as a suggestion (``mapping_file``). ``score`` is the lower of the question and option scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ido_analysis.ingest.textmatch import normalise, similarity
from ido_analysis.ingest.tool_table import ToolColumn, ToolTable, load_tools
from ido_analysis.spec.codebook import Codebook, Question

IGNORE = "negeren"
METADATA = "metadata:"
UNMATCHED = -1.0
TITLE_SCORE = 0.8  # the tool shows only the first sentence of the codebook text


@dataclass
class MappingRow:
    """One line of the mapping file."""

    position: int | None  # tool column position; None for a codebook column with no source
    key: str
    tool_text: str
    target: str  # codebook column, question id (joined list), metadata:<role>, negeren, ''
    kind: str  # metadata | single | open | text | option | other_text | grid_item | joined
    rule: str  # metadata | tekst | tekst+volgorde | handmatig | ontbreekt
    score: float | None = None
    recoding: str = ""
    candidates: str = ""
    problem: str = ""
    qid: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Unit:
    """A codebook text the tool's question texts are compared with."""

    id: str
    kind: str  # question | followup | field
    question: Question
    text: str  # normalised
    order: int


@dataclass
class _Group:
    columns: list[ToolColumn]
    text: str  # normalised
    scores: dict[str, float] = field(default_factory=dict)
    unit: Unit | None = None
    score: float = 0.0
    rule: str = "tekst"
    problem: str = ""
    candidates: str = ""


class Normaliser:
    """``normalise`` with the numbering and marker patterns of survey_tools.yaml."""

    def __init__(self, tools: dict[str, Any]):
        self.numbering = tools["numbering"]
        self.markers = tuple(tools["type_markers"])
        self.min_chars = tools["thresholds"]["truncated_min_chars"]

    def __call__(self, text: str) -> str:
        return normalise(text, self.numbering, self.markers)

    def score(self, tool_text: str, codebook_text: str) -> float:
        """Similarity of two normalised texts, with the first-sentence (title) rule."""
        s = similarity(tool_text, codebook_text, self.min_chars)
        words = tool_text.split()
        if s < TITLE_SCORE and len(words) >= 3 and codebook_text.startswith(tool_text + " "):
            s = TITLE_SCORE
        return s


def units(codebook: Codebook, norm: Normaliser) -> list[Unit]:
    """Questions, follow-ups and contact fields in questionnaire order."""
    texts: list[tuple[str, str, Question, str]] = []
    for q in codebook:
        texts.append((q.id, "question", q, q.text))
        texts += [(fu.id, "followup", q, fu.text) for fu in q.followups]
        texts += [(f.id, "field", q, f.label) for f in q.fields]
    return [Unit(uid, kind, q, norm(text), i) for i, (uid, kind, q, text) in enumerate(texts)]


def metadata_role(col: ToolColumn, table: ToolTable, tools: dict[str, Any]) -> str | None:
    """The metadata role of a column (by its key or label), None for question columns."""
    names: dict[str, str] = {k.lower(): v for k, v in tools["common_metadata"].items()}
    families = tools["families"]
    pool = families.values() if table.family == "spss" else [families[table.family]]
    for fam in pool:
        names.update({str(k).lower(): v for k, v in (fam.get("metadata") or {}).items()})
    for candidate in (col.key, col.text, f"{col.text}{' - ' + col.sub if col.sub else ''}"):
        role = names.get(str(candidate).strip().lower())
        if role:
            return role
    return None


def build_mapping(table: ToolTable, codebook: Codebook,
                  given: dict[int, tuple[str, str]] | None = None,
                  tools: dict[str, Any] | None = None) -> list[MappingRow]:
    """Mapping rows for every column of ``table``; see the module docstring."""
    tools = tools or load_tools()
    norm = Normaliser(tools)
    given = given or {}
    rows: dict[int, MappingRow] = {}
    rest: list[ToolColumn] = []
    for col in table.columns:
        if col.position in given:
            rows[col.position] = _given_row(col, *given[col.position], codebook)
        elif (role := metadata_role(col, table, tools)) is not None:
            rows[col.position] = MappingRow(col.position, col.key, col.shown, METADATA + role,
                                            "metadata", "metadata")
        else:
            rest.append(col)
    groups = _group(rest, norm)
    all_units = units(codebook, norm)
    _score_groups(groups, all_units, norm, tools)
    _resolve(groups, all_units, tools)
    for g in groups:
        for row in _columns_of(g, norm, tools):
            rows[row.position] = row
    out = [rows[i] for i in sorted(rows)]
    _flag_duplicates(out)
    out += _missing(out, codebook)
    return out


def _given_row(col: ToolColumn, key: str, target: str, codebook: Codebook) -> MappingRow:
    kind, qid, code = _target_kind(target, codebook)
    row = MappingRow(col.position, col.key, col.shown, target, kind, "handmatig", qid=qid,
                     code=code)
    if kind == "unknown":
        row.problem = f"doel {target!r} staat niet in het codeboek"
    elif key != col.key:
        row.problem = (f"het koppelbestand noemt kolom {col.position + 1} {key!r}, de export "
                       f"{col.key!r}: hoort het bij een andere export?")
    return row


def _target_kind(target: str, codebook: Codebook) -> tuple[str, str | None, str | None]:
    """Kind, question id and option code of a target named in a mapping file."""
    if target == IGNORE:
        return IGNORE, None, None
    if target.startswith(METADATA):
        return "metadata", None, None
    for q in codebook:
        if target == q.id:
            if q.type == "multiple":
                return "joined", q.id, None
            return ("open" if q.type == "open" else "single"), q.id, None
        for opt in q.options:
            if target == f"{q.id}_{opt.code}":
                return ("grid_item" if q.type == "grid" else "option"), q.id, opt.code
            if target == f"{q.id}_{opt.code}_tekst":
                return "other_text", q.id, opt.code
        if target in q.extra_columns():
            return "text", q.id, None
    return "unknown", None, None


def _group(columns: list[ToolColumn], norm: Normaliser) -> list[_Group]:
    groups: list[_Group] = []
    for col in columns:
        text = norm(col.text)
        prev = groups[-1] if groups else None
        joins = (prev is not None and col.sub and text and prev.text == text
                 and prev.columns[-1].position == col.position - 1)
        if joins:
            prev.columns.append(col)
        else:
            groups.append(_Group([col], text))
    return groups


def _score_groups(groups: list[_Group], all_units: list[Unit], norm: Normaliser,
                  tools: dict[str, Any]) -> None:
    threshold = tools["thresholds"]["question"]
    for g in groups:
        scores = {u.id: norm.score(g.text, u.text) for u in all_units}
        g.scores = {k: v for k, v in scores.items() if v >= threshold}


def _tied(scores: dict[str, float], margin: float) -> list[str]:
    if not scores:
        return []
    best = max(scores.values())
    return [k for k, v in scores.items() if v >= best - margin]


def _resolve(groups: list[_Group], all_units: list[Unit], tools: dict[str, Any]) -> None:
    """Anchors first, then order-preserving alignment of the groups between anchors."""
    margin = tools["thresholds"]["tie_margin"]
    by_id = {u.id: u for u in all_units}
    anchors = {}
    for i, g in enumerate(groups):
        tied = _tied(g.scores, margin)
        if len(tied) == 1:
            anchors[i] = by_id[tied[0]]
            g.unit, g.score = anchors[i], g.scores[tied[0]]
    i = 0
    while i < len(groups):
        if i in anchors:
            i += 1
            continue
        j = i
        while j < len(groups) and j not in anchors:
            j += 1
        lo = anchors[i - 1].order if i - 1 in anchors else -1
        hi = anchors[j].order if j in anchors else len(all_units)
        _align(groups[i:j], [u for u in all_units if lo < u.order < hi], by_id)
        i = j


def _align(gap: list[_Group], targets: list[Unit], by_id: dict[str, Unit]) -> None:
    """Monotone assignment of ``gap`` groups to ``targets`` maximising the total score."""
    k, m = len(gap), len(targets)
    score = [[g.scores.get(t.id) for t in targets] for g in gap]
    best = [[0.0] * (m + 1) for _ in range(k + 1)]
    ways = [[1] * (m + 1) for _ in range(k + 1)]
    for i in range(1, k + 1):
        best[i][0], ways[i][0] = best[i - 1][0] + UNMATCHED, 1
        for j in range(1, m + 1):
            options = [(best[i][j - 1], ways[i][j - 1]),
                       (best[i - 1][j] + UNMATCHED, ways[i - 1][j])]
            if score[i - 1][j - 1] is not None:
                options.append((best[i - 1][j - 1] + score[i - 1][j - 1], ways[i - 1][j - 1]))
            top = max(v for v, _ in options)
            best[i][j] = top
            ways[i][j] = sum(w for v, w in options if abs(v - top) < 1e-9)
    ambiguous = ways[k][m] > 1
    i, j = k, m
    while i > 0:
        s = score[i - 1][j - 1] if j > 0 else None
        if j > 0 and s is not None and abs(best[i][j] - (best[i - 1][j - 1] + s)) < 1e-9:
            gap[i - 1].unit, gap[i - 1].score = targets[j - 1], s
            gap[i - 1].rule = "tekst+volgorde"
            i, j = i - 1, j - 1
        elif j > 0 and abs(best[i][j] - best[i][j - 1]) < 1e-9:
            j -= 1
        else:
            i -= 1
    for g in gap:
        cands = sorted(g.scores.items(), key=lambda kv: -kv[1])[:4]
        g.candidates = "; ".join(f"{by_id[c].id} ({s:.2f})" for c, s in cands)
        if g.unit is None:
            g.problem = "geen vraag in het codeboek gevonden"
        elif ambiguous and len(g.scores) > 1:
            g.problem = "dubbelzinnig: meerdere vragen passen even goed"


def _sub_parts(sub: str, tools: dict[str, Any], norm: Normaliser) -> tuple[str, bool]:
    """(normalised option/item label, is a text column) of a sub-label."""
    markers = tools["sub_markers"]
    ignore = {norm(m) for m in markers["ignore"]}
    text_markers = {norm(m) for m in markers["text"]}
    parts = [norm(p) for p in sub.split(" - ")] if sub else []
    parts = [p for p in parts if p and p not in ignore]
    is_text = bool(parts) and parts[-1] in text_markers
    if is_text:
        parts = parts[:-1]
    return " ".join(parts), is_text


def _best_option(label: str, options, norm: Normaliser, tools: dict[str, Any]):
    """(option, score, tied candidates) of a normalised sub-label."""
    threshold, margin = tools["thresholds"]["option"], tools["thresholds"]["tie_margin"]
    ident = {getattr(o, "code", None) or o.id: o for o in options}
    scores = {k: norm.score(label, norm(o.label)) for k, o in ident.items()}
    scores = {k: v for k, v in scores.items() if v >= threshold}
    tied = _tied(scores, margin)
    if len(tied) != 1:
        return None, 0.0, tied
    return ident[tied[0]], scores[tied[0]], tied


def _columns_of(g: _Group, norm: Normaliser, tools: dict[str, Any]) -> list[MappingRow]:
    def row(col: ToolColumn, target: str, kind: str, score: float | None = None,
            problem: str = "", code: str | None = None) -> MappingRow:
        s = g.score if score is None else min(g.score, score)
        return MappingRow(col.position, col.key, col.shown, target, kind, g.rule,
                          round(s, 3) if target else None, candidates=g.candidates,
                          problem=problem or g.problem, qid=q.id if q else None, code=code)

    if g.unit is None:
        q = None
        return [row(c, "", "", problem=g.problem) for c in g.columns]
    q, unit = g.unit.question, g.unit
    if unit.kind != "question" or q.type == "open":
        kind = "open" if unit.kind == "question" else "text"
        out = [row(g.columns[0], unit.id, kind)]
        out += [row(c, "", "", problem="meer kolommen dan de vraag heeft")
                for c in g.columns[1:]]
        return out
    return [_column_row(row, c, q, norm, tools) for c in g.columns]


def _column_row(row, col: ToolColumn, q: Question, norm: Normaliser,
                tools: dict[str, Any]) -> MappingRow:
    label, is_text = _sub_parts(col.sub, tools, norm)
    others = [o for o in q.options if o.other]
    if label and q.fields:
        fld, s, _ = _best_option(label, q.fields, norm, tools)
        if fld is not None:
            return row(col, fld.id, "text", s)
    if is_text:
        opt, s, _ = _best_option(label, others, norm, tools) if label else (None, None, [])
        if opt is None and len(others) == 1:
            opt, s = others[0], None
        if opt is None:
            return row(col, "", "", problem="tekstkolom zonder 'Anders'-optie")
        return row(col, f"{q.id}_{opt.code}_tekst", "other_text", s, code=opt.code)
    if not label and len(col.value_labels) != 1:
        if q.type in ("single", "scale"):
            return row(col, q.id, "single")
        if q.type == "multiple" and len(others) == 1 and _free_text(col, q):
            # an SPSS variable label cut at 256 bytes lost "- Anders, namelijk - Text"
            return row(col, f"{q.id}_{others[0].code}_tekst", "other_text", code=others[0].code)
        if q.type == "multiple":
            return row(col, q.id, "joined")
        return row(col, "", "", problem="kolom zonder optielabel")
    opt, s, tied = _best_option(label, q.options, norm, tools) if label else (None, 0.0, [])
    if opt is None and len(col.value_labels) == 1:  # 1/missing: the value label is the option
        opt, s, tied = _best_option(norm(next(iter(col.value_labels.values()))), q.options,
                                    norm, tools)
    if opt is None and q.type == "multiple" and len(others) == 1 and not col.value_labels \
            and _free_text(col, q):
        return row(col, f"{q.id}_{others[0].code}_tekst", "other_text", code=others[0].code)
    if opt is None:
        problem = ("optielabel past bij meerdere opties: " + ", ".join(tied) if tied
                   else "optielabel niet gevonden")
        return row(col, "", "", problem=problem)
    if q.type in ("single", "scale"):
        if opt.other:
            return row(col, f"{q.id}_{opt.code}_tekst", "other_text", s, code=opt.code)
        return row(col, "", "", problem="optiekolom bij een enkelvoudige vraag")
    kind = "grid_item" if q.type == "grid" else "option"
    return row(col, f"{q.id}_{opt.code}", kind, s, code=opt.code)


def _free_text(col: ToolColumn, q: Question) -> bool:
    """True when no cell starts with an option label or is a list of numbers (not a list)."""
    labels = [o.label.casefold() for o in q.options]
    for value in col.values:
        if value is None:
            continue
        low = value.casefold()
        if re.fullmatch(r"[\d,; ]+", value) or any(low.startswith(lab) for lab in labels):
            return False
    return any(v is not None for v in col.values)


def _flag_duplicates(rows: list[MappingRow]) -> None:
    seen: dict[str, list[MappingRow]] = {}
    for r in rows:
        if r.target and r.kind not in ("metadata", IGNORE):
            seen.setdefault(r.target, []).append(r)
    for target, same in seen.items():
        if len(same) > 1:
            keys = ", ".join(r.key for r in same)
            for r in same:
                r.problem = f"{len(same)} kolommen ({keys}) gekoppeld aan {target}"


def covered_columns(rows: list[MappingRow], codebook: Codebook) -> set[str]:
    """Codebook columns the mapped tool columns provide (a joined list covers its question;
    an "Anders" text implies its tick; a single choice with "Anders" text its text)."""
    covered = {r.target for r in rows if r.target}
    for r in rows:
        if r.kind == "joined" and r.qid:
            q = codebook[r.qid]
            covered |= set(q.option_columns()) | set(q.text_columns())
        if r.kind == "other_text" and r.qid and r.code:
            covered.add(f"{r.qid}_{r.code}")
        if r.kind == "single" and r.qid:  # "Anders" typed in the answer cell (Forms)
            covered |= set(codebook[r.qid].text_columns())
    return covered


def _missing(rows: list[MappingRow], codebook: Codebook) -> list[MappingRow]:
    covered = covered_columns(rows, codebook)
    return [MappingRow(None, "", "", col, "", "ontbreekt",
                       problem="geen kolom in de export gevonden voor deze codeboekkolom")
            for col in codebook.raw_columns() if col not in covered]


def open_points(rows: list[MappingRow]) -> list[MappingRow]:
    """Rows the analyst must settle."""
    return [r for r in rows if r.problem]


def lowest_score(rows: list[MappingRow]) -> float | None:
    """Lowest score of the question columns mapped by text."""
    scores = [r.score for r in rows if r.score is not None and r.rule.startswith("tekst")]
    return min(scores) if scores else None
