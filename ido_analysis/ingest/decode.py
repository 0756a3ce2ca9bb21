"""Decode the cells of a mapped tool export into the project's own shape.

``to_own_shape(table, rows, codebook)`` returns a frame of strings with the columns of
``docs/data-contracts.md`` section 2 (``respondent_id``, ``startdatum``, ``einddatum``,
``herkomst`` when present, then every codebook column), labels in the cells, so that
``ido_analysis.validate`` and ``ido_analysis.clean`` work on it unchanged. Each mapping row
gets a ``recoding`` description. Value rules (tool knowledge in survey_tools.yaml):

* single choice / scale: the label text (also when cut off at 120 bytes), an SPSS value
  label, an answer code (``A1``, ``AO03``: position), a number (position) or ``-oth-``;
* tick columns: the option label, ``1``/``Y``/"Gekozen"... is a tick; ``0``/``N``/"Niet
  gekozen"/empty is not; an "Anders" text without a tick column implies the tick;
* yes/no grids: ja/nee, yes/no, Y/N, 1/2 (also via value labels);
* joined lists (``;`` or ``,``): matched greedily against the option labels, so labels that
  contain commas survive; numbers are positions; text that is no label is the "Anders" text;
* dates: ISO, US and SPSS (already datetimes) -> ``YYYY-MM-DD HH:MM:SS``;
* respondent ids: kept when they are unique whole numbers, else new ids 1..n.

Preview/test and incomplete responses follow ``response_rule`` (survey_tools.yaml).
Values that cannot be decoded are left in the cell for validation to report (with the column,
row and expected labels), except list text that fits no option of a question without "Anders",
which is returned in ``Decoded.problems``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ido_analysis.ingest.mapping import METADATA, MappingRow, Normaliser
from ido_analysis.ingest.textmatch import QUOTES, TRUNCATED_SCORE
from ido_analysis.ingest.tool_table import ToolColumn, ToolTable
from ido_analysis.ingest.validate import match_label
from ido_analysis.spec.codebook import Codebook, Question

OWN_METADATA = ("respondent_id", "startdatum", "einddatum", "herkomst")


@dataclass
class Decoded:
    """The own-shape frame, log lines and counts of one decoding run."""

    frame: pd.DataFrame
    log: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class ValueRules:
    """Value vocabularies of survey_tools.yaml."""

    def __init__(self, tools: dict[str, Any]):
        self.norm = Normaliser(tools)
        self.tick = {v.casefold() for v in tools["tick_values"]}
        self.no_tick = {v.casefold() for v in tools["no_tick_values"]}
        self.ja = {v.casefold() for v in tools["grid_values"]["ja"]}
        self.nee = {v.casefold() for v in tools["grid_values"]["nee"]}
        self.answer_code = re.compile(tools["answer_code"], re.IGNORECASE)
        self.other_code = tools["other_code"]
        self.separators = tuple(tools["list_separators"])
        self.date_formats = tuple(tools["date_formats"])

    def same_label(self, value: str, label: str) -> bool:
        return self.norm.score(self.norm(value), self.norm(label)) >= TRUNCATED_SCORE


def _label(value: str, col: ToolColumn) -> str:
    return col.value_labels.get(value, value)


def decode_choice(value: str, q: Question, col: ToolColumn, v: ValueRules) -> tuple[str, str]:
    """(codebook label or the raw value, rule) of one single-choice cell."""
    text = _label(value, col)
    rule = "waardelabel" if text != value else "labeltekst"
    if text == v.other_code:
        others = [o for o in q.options if o.other]
        return (others[0].label, "antwoordcode") if len(others) == 1 else (value, rule)
    found = match_label(text, q.labels)
    if found is not None:
        return found, rule
    close = [lab for lab in q.labels if v.same_label(text, lab)]
    if len(close) == 1:
        return close[0], rule + " (afgekapt/variant)"
    if (m := v.answer_code.match(text)) and 1 <= int(m.group(1)) <= len(q.labels):
        return q.labels[int(m.group(1)) - 1], "antwoordcode (positie)"
    if text.isdigit() and 1 <= int(text) <= len(q.labels):
        return q.labels[int(text) - 1], "code (optievolgorde)"
    return value, "onbekend"


def decode_tick(value: str, label: str, col: ToolColumn, v: ValueRules) -> tuple[str | None, str]:
    """(option label when ticked, None when not, the raw value when unreadable; rule)."""
    text = _label(value, col)
    key = text.strip().casefold()
    if key in v.no_tick:
        return None, "vinkje (0/N/niet gekozen = geen vinkje)"
    if key in v.tick:
        return label, "vinkje (1/Y/gekozen)"
    if text == label or v.same_label(text, label):
        return label, "optielabel"
    return value, "onbekend"


def decode_grid(value: str, col: ToolColumn, v: ValueRules) -> tuple[str, str]:
    """(``ja``/``nee`` or the raw value, rule) of one grid cell."""
    key = _label(value, col).strip().casefold()
    if key in v.ja:
        return "ja", "ja/nee"
    if key in v.nee:
        return "nee", "ja/nee"
    return value, "onbekend"


def split_joined(value: str, q: Question, v: ValueRules) -> tuple[list[str], str | None]:
    """(chosen option codes, remaining text) of a joined list, matched greedily."""
    parts = [p.strip() for p in re.split("|".join(map(re.escape, v.separators)), value)]
    parts = [p for p in parts if p]
    if parts and all(p.isdigit() for p in parts):
        return [q.options[int(p) - 1].code for p in parts if 1 <= int(p) <= len(q.options)], None
    labels = sorted(q.options, key=lambda o: -len(o.label))
    codes: list[str] = []
    rest: list[tuple[int, int]] = []
    pos, low = 0, fold(value)
    while pos < len(value):
        while pos < len(value) and (value[pos] in v.separators or value[pos].isspace()):
            pos += 1
        if pos >= len(value):
            break
        for opt in labels:
            lab = fold(opt.label)
            end = pos + len(lab)
            if low.startswith(lab, pos) and (end == len(value) or value[end] in v.separators
                                             or value[end].isspace()):
                codes.append(opt.code)
                pos = end
                break
        else:
            nxt = min([i for i in (value.find(s, pos) for s in v.separators) if i >= 0]
                      or [len(value)])
            rest.append((pos, nxt))
            pos = nxt
    other = value[rest[0][0]:rest[-1][1]].strip(" " + "".join(v.separators)) if rest else None
    return codes, other or None


def fold(text: str) -> str:
    """Lower case with straight quotes; keeps the length, so positions stay valid."""
    return text.translate(QUOTES).lower() if len(text.lower()) == len(text) else text


def parse_date(value: str, v: ValueRules) -> str:
    """``YYYY-MM-DD HH:MM:SS`` from an ISO, US or SPSS date; the raw value when unreadable."""
    for fmt in v.date_formats:
        try:
            return datetime.strptime(value.strip(), fmt).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
    return value


# --- rows -----------------------------------------------------------------------------------

def _meta(rows: list[MappingRow], table: ToolTable, role: str) -> ToolColumn | None:
    for r in rows:
        if r.target == METADATA + role and r.position is not None:
            return table.columns[r.position]
    return None


def response_filter(table: ToolTable, rows: list[MappingRow], tools: dict[str, Any],
                    drop_previews: bool | None = None,
                    incomplete_min_answered: int | None = None) -> tuple[list[bool], dict]:
    """Which respondent rows to keep, and counts per decision (for the log)."""
    rule = tools["response_rule"]
    drop_previews = rule["drop_previews"] if drop_previews is None else drop_previews
    min_answered = (rule["incomplete_min_answered"] if incomplete_min_answered is None
                    else incomplete_min_answered)
    preview = {s.casefold() for s in tools["preview_status"]}
    unfinished = {s.casefold() for s in tools["unfinished_values"]}
    n = table.n_rows
    status, finished = _meta(rows, table, "status"), _meta(rows, table, "finished")
    progress, submitted = _meta(rows, table, "progress"), _meta(rows, table, "submitted")
    no_tick = {s.casefold() for s in tools["no_tick_values"]}
    qrows = [(r.qid, table.columns[r.position]) for r in _qrows(rows)]
    answered = [len({qid for qid, c in qrows
                     if c.values[i] is not None and c.values[i].casefold() not in no_tick})
                for i in range(n)]
    keep, counts = [], {"voorbeeld_of_test": 0, "onvolledig_behouden": 0,
                        "onvolledig_verwijderd": 0}
    for i in range(n):
        is_preview = status is not None and (status.values[i] or "").casefold() in preview
        incomplete = (
            (finished is not None and (finished.values[i] or "").casefold() in unfinished)
            or (progress is not None and _number(progress.values[i]) < 100)
            or (submitted is not None and submitted.values[i] is None))
        if is_preview and drop_previews:
            counts["voorbeeld_of_test"] += 1
            keep.append(False)
        elif incomplete and answered[i] < min_answered:
            counts["onvolledig_verwijderd"] += 1
            keep.append(False)
        else:
            counts["onvolledig_behouden"] += int(incomplete)
            keep.append(True)
    counts["regel"] = (f"voorbeeld-/testantwoorden {'verwijderd' if drop_previews else 'behouden'}"
                       f"; onvolledige antwoorden behouden bij minstens {min_answered} "
                       "beantwoorde vraag/vragen")
    return keep, counts


def _qrows(rows: list[MappingRow]) -> list[MappingRow]:
    return [r for r in rows if r.position is not None and r.qid and r.kind != "metadata"]


def _number(value: str | None) -> float:
    try:
        return float(value) if value is not None else 100.0
    except ValueError:
        return 100.0


def to_own_shape(table: ToolTable, rows: list[MappingRow], codebook: Codebook,
                 tools: dict[str, Any], **rule: Any) -> Decoded:
    """Decode ``table`` with ``rows`` (no open points) into the project's own shape."""
    v = ValueRules(tools)
    keep, counts = response_filter(table, rows, tools, **rule)
    idx = [i for i, k in enumerate(keep) if k]
    out: dict[str, list[str | None]] = {}
    log: list[str] = []
    problems: list[str] = []

    def cells(r: MappingRow) -> list[str | None]:
        col = table.columns[r.position]
        return [col.values[i] for i in idx]

    _metadata_columns(table, rows, v, idx, out, log)
    with_text = {r.qid for r in rows if r.kind == "other_text"}
    for r in rows:
        if r.position is None or not r.qid or r.kind in ("metadata", "negeren"):
            continue
        q = codebook[r.qid]
        _decode_row(r, table.columns[r.position], cells(r), q, v, out, problems)
        if r.kind == "single" and r.qid not in with_text:
            _typed_other(r, q, out, log)
    _implied_ticks(rows, codebook, out, log)
    n = len(idx)
    columns = [c for c in OWN_METADATA if c in out] + codebook.raw_columns()
    frame = pd.DataFrame({c: out.get(c, [None] * n) for c in columns}, dtype="string")
    counts["rijen_in"], counts["rijen_uit"] = table.n_rows, n
    return Decoded(frame, log, counts, problems)


def _metadata_columns(table: ToolTable, rows: list[MappingRow], v: ValueRules, idx: list[int],
                      out: dict, log: list[str]) -> None:
    ids = _meta(rows, table, "id")
    values = [ids.values[i] for i in idx] if ids is not None else []
    whole = ids is not None and all(x is not None and x.isdigit() for x in values)
    if whole and len(set(values)) == len(values):
        out["respondent_id"] = values
        log.append(f"respondentnummers van de tool behouden (kolom {ids.key})")
    else:
        out["respondent_id"] = [str(i) for i in range(1, len(idx) + 1)]
        why = "geen kolom" if ids is None else f"kolom {ids.key} heeft geen unieke gehele getallen"
        log.append(f"nieuwe respondentnummers 1..{len(idx)} in bestandsvolgorde ({why})")
    for role, name in (("start", "startdatum"), ("end", "einddatum"), ("submitted", "einddatum")):
        col = _meta(rows, table, role)
        if col is not None and name not in out:
            out[name] = [parse_date(col.values[i], v) if col.values[i] else None for i in idx]
    col = _meta(rows, table, "keep")
    if col is not None:
        out["herkomst"] = [col.values[i] for i in idx]
    for r in rows:
        if r.kind == "metadata":
            role = r.target[len(METADATA):]
            r.recoding = {"personal": "persoonsgegeven: verwijderd, nooit weggeschreven",
                          "drop": "toolgegeven: verwijderd"}.get(role, f"gebruikt als {role}")
            if role in ("personal", "drop"):
                log.append(f"kolom {r.key!r} verwijderd ({r.recoding})")


def _decode_row(r: MappingRow, col: ToolColumn, values: list[str | None], q: Question,
                v: ValueRules, out: dict, problems: list[str]) -> None:
    rules: dict[str, str] = {}
    if r.kind == "single":
        decoded = []
        for value in values:
            if value is None:
                decoded.append(None)
                continue
            label, rule = decode_choice(value, q, col, v)
            decoded.append(label)
            if label != value:
                rules[value] = f"{label} ({rule})"
        out[r.target] = decoded
    elif r.kind in ("option", "grid_item"):
        label = q.option(r.code).label
        decoded = []
        for value in values:
            if value is None:
                decoded.append(None)
                continue
            if r.kind == "grid_item":
                new, _ = decode_grid(value, col, v)
            else:
                new, _ = decode_tick(value, label, col, v)
            decoded.append(new)
            if new != value:
                rules[value] = "leeg" if new is None else new
        out[r.target] = decoded
    elif r.kind == "joined":
        _decode_joined(r, values, q, v, out, problems)
        return
    else:  # open, text, other_text
        out[r.target] = list(values)
        r.recoding = "tekst"
        return
    r.recoding = "; ".join(f"{k} -> {val}" for k, val in sorted(rules.items())[:12]) or "labeltekst"


def _typed_other(r: MappingRow, q: Question, out: dict, log: list[str]) -> None:
    """Single choice whose "Anders" text is typed in the answer cell itself (Forms)."""
    others = [o for o in q.options if o.other]
    if len(others) != 1:
        return
    other = others[0]
    answers = out[r.target]
    texts = [None] * len(answers)
    for i, value in enumerate(answers):
        if value is not None and value not in q.labels:
            answers[i], texts[i] = other.label, value
    out[f"{q.id}_{other.code}_tekst"] = texts
    n = sum(t is not None for t in texts)
    if n:
        r.recoding += f"; overige tekst = {other.label!r} met die tekst ({n}x)"
        log.append(f"{q.id}: {n} antwoord(en) die geen optie zijn gelezen als "
                   f"{other.label!r} met de getypte tekst")


def _decode_joined(r: MappingRow, values: list[str | None], q: Question, v: ValueRules,
                   out: dict, problems: list[str]) -> None:
    others = [o for o in q.options if o.other]
    for opt in q.options:
        out[f"{q.id}_{opt.code}"] = [None] * len(values)
    for name in q.text_columns():
        out[name] = [None] * len(values)
    for i, value in enumerate(values):
        if value is None:
            continue
        codes, rest = split_joined(value, q, v)
        for code in codes:
            out[f"{q.id}_{code}"][i] = q.option(code).label
        if rest and len(others) == 1:
            out[f"{q.id}_{others[0].code}"][i] = others[0].label
            out[f"{q.id}_{others[0].code}_tekst"][i] = rest
        elif rest:
            problems.append(f"kolom {r.key!r}, rij {i + 1}: tekst {rest[:60]!r} is geen optie "
                            f"van {q.id}")
    r.recoding = ("lijst gescheiden door ; of , (labels gretig herkend; overige tekst = "
                  "'Anders'-tekst)")


def _implied_ticks(rows: list[MappingRow], codebook: Codebook, out: dict,
                   log: list[str]) -> None:
    for r in rows:
        if r.kind != "other_text" or not r.qid or r.position is None:
            continue
        q = codebook[r.qid]
        tick = f"{q.id}_{r.code}"
        if q.type != "multiple" or tick in out:
            continue
        label = q.option(r.code).label
        out[tick] = [label if t is not None else None for t in out[r.target]]
        r.recoding = f"tekst; vinkje {tick} afgeleid uit de tekst"
        log.append(f"{tick}: vinkje 'Anders' afgeleid uit de tekst in kolom {r.key!r}")
