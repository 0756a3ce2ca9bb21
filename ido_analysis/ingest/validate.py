"""Validate a raw export frame against the codebook and report every problem in one pass.

``validate(frame, codebook, source)`` takes the frame from ``ingest.reader`` and returns a
``ValidationReport`` of ``Finding``s. Errors stop the cleaning run; warnings are soft findings
that the cleaning log lists (and, where stated, the recoder corrects).

Row numbers: ``Finding.row`` is the 1-based data row, so row 1 is the first respondent under the
header; in a spreadsheet that is row 2 (the report says so).

Errors: missing, unexpected (other than the metadata columns) or duplicated columns; missing,
non-integer or duplicate ``respondent_id``; completely empty rows; unknown single/scale labels
(with the closest valid labels); a multiple-choice cell holding other text than its option's
label; grid values other than ``ja``/``nee``; an exclusive option combined with others; answers
to a question the routing (``asked_if``) skipped; mis-encoded text (mojibake such as ``Ã©``);
an unknown or ambiguous municipality (when a matcher is given).

Warnings: a label that differs only in case or spacing (read as the codebook label); a row with
metadata but no answers (dropped by the recoder); a follow-up answered although none of its
trigger options was chosen, and an "Anders, namelijk" text whose option was not chosen (both
blanked by the recoder: the follow-up's base is the respondents who chose the trigger, and such
text is typically left over from a changed answer, so it is not an error that should block the
run); timestamps that cannot be read, lie outside fieldwork, or end before they start; an empty
municipality answer.

Values of personal columns are never copied into a finding; open text is de-identified first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

import pandas as pd

from ido_analysis.ingest.privacy import deidentify
from ido_analysis.ingest.reader import METADATA_COLUMNS
from ido_analysis.spec.codebook import GRID_VALUES, Codebook, Question

ERROR = "fout"
WARNING = "waarschuwing"
PERSONAL_MASK = "[persoonsgegeven]"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
ROW_CONVENTION = "rij 1 = eerste rij onder de kopregel (rij 2 in een spreadsheet)"
_MOJIBAKE_RE = re.compile(r"Ã[\u00a0-\u00bf\u0152-\u02dc\u2013-\u2122]|â€|Â[\u00a0-\u00bf]")


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, the offending value and what was expected."""

    severity: str  # ERROR or WARNING
    code: str  # stable machine id, e.g. "unknown_label"
    message: str  # Dutch, what is wrong
    file: str
    column: str | None = None
    row: int | None = None  # 1-based data row (see ROW_CONVENTION)
    respondent_id: str | None = None
    value: str | None = None
    expected: str | None = None

    def location(self) -> str:
        parts = []
        if self.column:
            parts.append(f"kolom {self.column}")
        if self.row is not None:
            parts.append(f"rij {self.row}")
        if self.respondent_id:
            parts.append(f"respondent {self.respondent_id}")
        return ", ".join(parts)

    def render(self) -> str:
        text = self.message
        if self.value is not None:
            text += f" Waarde: {self.value!r}."
        if self.expected:
            text += f" Verwacht: {self.expected}."
        where = self.location()
        return f"{where}: {text}" if where else text


@dataclass
class ValidationReport:
    """All findings of one validation run."""

    source: str
    n_rows: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


def format_report(report: ValidationReport) -> str:
    """Dutch, human-readable rendering: summary line, then errors and warnings numbered."""
    n_err, n_warn = len(report.errors), len(report.warnings)
    lines = [
        f"Validatie van {report.source}: {report.n_rows} rijen, {n_err} fout(en), "
        f"{n_warn} waarschuwing(en). Rijnummers: {ROW_CONVENTION}."
    ]
    for title, items in (("FOUTEN (de verwerking stopt)", report.errors),
                         ("WAARSCHUWINGEN", report.warnings)):
        if items:
            lines += ["", f"{title}:"]
            lines += [f"  {i}. {text}" for i, text in enumerate(_render_items(items), start=1)]
    if n_err:
        lines += ["", "Herstel de fouten in de export (of in de enquêtetool) en draai opnieuw."]
    elif not n_warn:
        lines += ["Geen problemen gevonden."]
    return "\n".join(lines)


_GROUPED = {"missing_column": "kolommen ontbreken", "unexpected_column": "onbekende kolommen"}


def _render_items(items: list[Finding]) -> list[str]:
    """Render findings; more than 5 missing/unexpected columns become one line each."""
    texts = []
    for code, title in _GROUPED.items():
        group = [f for f in items if f.code == code]
        if len(group) > 5:
            names = ", ".join(str(f.column) for f in group)
            texts.append(f"{len(group)} {title}: {names}. Is dit een export van een andere "
                         "versie van de vragenlijst, of zijn vraagcodes als kolomnamen "
                         "uitgezet?")
            items = [f for f in items if f.code != code]
    return texts + [f.render() for f in items]


# --- reading answers (shared with ido_analysis.ingest.clean) --------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold().rstrip(".")


def match_label(value: str, labels: tuple[str, ...]) -> str | None:
    """The codebook label ``value`` stands for: exact, or equal ignoring case, spacing and a
    trailing full stop; None when it is no label."""
    if value in labels:
        return value
    squashed = {_squash(lab): lab for lab in labels}
    return squashed.get(_squash(value))


def selected(frame: pd.DataFrame, q: Question) -> pd.DataFrame:
    """Boolean frame (index of ``frame``, one column per option code): option chosen / item ja.

    Unreadable values count as not chosen; validation reports them separately.
    """
    out = {}
    for opt in q.options:
        if q.type in ("single", "scale"):
            values = frame[q.id].map(lambda v: match_label(v, q.labels), na_action="ignore")
            out[opt.code] = values.eq(opt.label).fillna(False).astype(bool)
        elif q.type == "multiple":
            out[opt.code] = frame[f"{q.id}_{opt.code}"].notna().astype(bool)
        else:
            col = frame[f"{q.id}_{opt.code}"].str.casefold().str.strip()
            out[opt.code] = col.eq("ja").fillna(False).astype(bool)
    return pd.DataFrame(out, index=frame.index)


def answered(frame: pd.DataFrame, q: Question) -> pd.Series:
    """True where any answer column of a closed question is filled."""
    return frame[q.option_columns()].notna().any(axis=1)


def asked(frame: pd.DataFrame, codebook: Codebook, q: Question) -> pd.Series:
    """True where the routing asks ``q``: always, or when the routing options were chosen."""
    if q.asked_if is None:
        return pd.Series(True, index=frame.index)
    src = codebook[q.asked_if.question]
    return selected(frame, src)[list(q.asked_if.options)].any(axis=1) & asked(frame, codebook,
                                                                             src)


# --- validation ----------------------------------------------------------------------------

class _Collector:
    def __init__(self, source: str, frame: pd.DataFrame, personal: set[str], text: set[str]):
        self.source, self.frame = source, frame
        self.personal, self.text = personal, text
        self.findings: list[Finding] = []
        ids = frame["respondent_id"] if "respondent_id" in frame.columns else None
        self.ids = ids

    def add(self, severity: str, code: str, message: str, column: str | None = None,
            index: int | None = None, value: object = None, expected: str | None = None) -> None:
        rid = None
        if index is not None and self.ids is not None and pd.notna(self.ids.iloc[index]):
            rid = str(self.ids.iloc[index])
        self.findings.append(Finding(
            severity, code, message, self.source, column,
            None if index is None else index + 1, rid, self._shown(column, value), expected,
        ))

    def _shown(self, column: str | None, value: object) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if column in self.personal:
            return PERSONAL_MASK
        text = str(value)
        if column in self.text:
            text = deidentify(text)
        return text if len(text) <= 80 else text[:77] + "..."


def validate(frame: pd.DataFrame, codebook: Codebook, source: str = "<export>",
             matcher=None, municipality_question: str | None = None) -> ValidationReport:
    """Check ``frame`` against ``codebook``; see the module docstring for every check.

    ``matcher`` (an ``ido_analysis.ingest.municipalities.Matcher``) and ``municipality_question``
    enable the municipality check on that question's column.
    """
    personal = set(codebook.personal_columns())
    text_cols = {c for q in codebook for c in q.text_columns() + q.extra_columns()}
    text_cols |= {q.id for q in codebook.of_type("open")}
    col = _Collector(str(source), frame, personal, text_cols)
    _check_columns(col, frame, codebook)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    col.frame = frame
    if "respondent_id" in frame.columns:
        col.ids = frame["respondent_id"]
    _check_ids(col, frame)
    _check_empty_rows(col, frame, codebook)
    present = set(frame.columns)
    for q in codebook:
        if not set(q.raw_columns()) <= present:
            continue  # reported as missing columns; answers cannot be checked
        if q.is_closed:
            _check_closed(col, frame, q)
            _check_routing(col, frame, codebook, q)
            _check_dependent_text(col, frame, q)
        elif q.asked_if is not None:
            _check_routing(col, frame, codebook, q)
    _check_timestamps(col, frame, codebook)
    _check_encoding(col, frame)
    if matcher is not None and municipality_question in frame.columns:
        _check_municipalities(col, frame[municipality_question], matcher, municipality_question)
    return ValidationReport(str(source), len(frame), col.findings)


def _check_columns(col: _Collector, frame: pd.DataFrame, codebook: Codebook) -> None:
    expected = codebook.raw_columns()
    present = list(frame.columns)
    for name in expected:
        if name not in present:
            col.add(ERROR, "missing_column", "kolom ontbreekt in de export.", name,
                    expected="alle kolommen uit het codeboek (vraagcodes als kolomnamen)")
    if "respondent_id" not in present:
        col.add(ERROR, "missing_column", "kolom ontbreekt in de export.", "respondent_id",
                expected="een kolom respondent_id met een uniek nummer per respondent")
    known = set(expected) | set(METADATA_COLUMNS)
    for name in dict.fromkeys(present):
        if name not in known:
            close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.75)
            hint = f"; bedoelde u {', '.join(close)}?" if close else ""
            col.add(ERROR, "unexpected_column", f"onbekende kolom, niet in het codeboek{hint}",
                    str(name), expected="alleen codeboekkolommen en respondent_id, startdatum, "
                    "einddatum, herkomst")
    for name in sorted({c for c in present if present.count(c) > 1}):
        col.add(ERROR, "duplicate_column",
                f"kolom komt {present.count(name)} keer voor in de kopregel.", name,
                expected="elke kolom precies één keer")


def _check_ids(col: _Collector, frame: pd.DataFrame) -> None:
    if "respondent_id" not in frame.columns:
        return
    ids = frame["respondent_id"]
    for i, value in enumerate(ids):
        if pd.isna(value):
            if frame.iloc[i].notna().any():
                col.add(ERROR, "missing_respondent_id", "respondent_id is leeg.",
                        "respondent_id", i, expected="een uniek geheel getal")
        elif not re.fullmatch(r"\d+", str(value)):
            col.add(ERROR, "invalid_respondent_id", "respondent_id is geen geheel getal.",
                    "respondent_id", i, value, "een uniek geheel getal")
    dup = ids.notna() & ids.duplicated(keep=False)
    positions = pd.Series(range(1, len(ids) + 1), index=ids.index)
    for i in dup[dup].index:
        rows = positions[ids == ids[i]].tolist()
        col.add(ERROR, "duplicate_respondent_id",
                f"respondent_id komt {len(rows)} keer voor (rijen "
                f"{', '.join(map(str, rows))}); dubbele inzending? Verwijder de overbodige "
                "rij(en).", "respondent_id", frame.index.get_loc(i), ids[i],
                "een uniek nummer per respondent")


def _check_empty_rows(col: _Collector, frame: pd.DataFrame, codebook: Codebook) -> None:
    answer_cols = [c for c in codebook.raw_columns() if c in frame.columns]
    all_empty = frame.isna().all(axis=1)
    no_answers = frame[answer_cols].isna().all(axis=1) & ~all_empty
    for i in range(len(frame)):
        if all_empty.iloc[i]:
            col.add(ERROR, "empty_row", "lege rij (alle cellen leeg).", index=i,
                    expected="één ingevulde rij per respondent; verwijder lege rijen")
        elif no_answers.iloc[i]:
            col.add(WARNING, "no_answers", "respondent heeft geen enkele vraag beantwoord; de rij "
                    "wordt niet meegenomen.", index=i)


def _check_closed(col: _Collector, frame: pd.DataFrame, q: Question) -> None:
    if q.type in ("single", "scale"):
        _check_single(col, frame, q)
    else:
        for opt in q.options:
            name = f"{q.id}_{opt.code}"
            for i, value in _filled(frame[name]):
                _check_option_cell(col, q, opt.label, name, i, value)
    if q.type == "multiple":
        _check_exclusive(col, frame, q)


def _filled(series: pd.Series):
    for i, value in enumerate(series):
        if pd.notna(value):
            yield i, value


def _check_single(col: _Collector, frame: pd.DataFrame, q: Question) -> None:
    for i, value in _filled(frame[q.id]):
        label = match_label(value, q.labels)
        if label is None:
            close = difflib.get_close_matches(value, q.labels, n=3, cutoff=0.5)
            hint = f" Bedoelde u: {' / '.join(repr(c) for c in close)}?" if close else ""
            col.add(ERROR, "unknown_label", f"geen antwoordoptie van {q.id}.{hint}", q.id, i,
                    value, "een van: " + " | ".join(q.labels))
        elif label != value:
            col.add(WARNING, "label_variant", f"label afwijkend geschreven; gelezen als "
                    f"{label!r}.", q.id, i, value)


def _check_option_cell(col: _Collector, q: Question, label: str, name: str, i: int,
                       value: str) -> None:
    if q.type == "grid":
        if value.strip().casefold() not in GRID_VALUES:
            col.add(ERROR, "bad_grid_value", "ongeldige waarde voor een ja/nee-item.", name, i,
                    value, "'ja', 'nee' of leeg")
        elif value not in GRID_VALUES:
            col.add(WARNING, "label_variant", f"gelezen als {value.strip().casefold()!r}.",
                    name, i, value)
        return
    matched = match_label(value, (label,))
    if matched is None:
        col.add(ERROR, "bad_option_text", "cel bevat niet het label van deze optie "
                "(meerkeuze: label als gekozen, leeg als niet gekozen).", name, i, value,
                repr(label))
    elif matched != value:
        col.add(WARNING, "label_variant", f"label afwijkend geschreven; gelezen als "
                f"{label!r}.", name, i, value)


def _check_exclusive(col: _Collector, frame: pd.DataFrame, q: Question) -> None:
    chosen = selected(frame, q)
    for opt in (o for o in q.options if o.exclusive):
        others = chosen.drop(columns=opt.code).any(axis=1)
        for i in range(len(frame)):
            if chosen[opt.code].iloc[i] and others.iloc[i]:
                picked = [c for c in q.codes if c != opt.code and chosen[c].iloc[i]]
                col.add(ERROR, "exclusive_combined",
                        f"optie {opt.code} ({opt.label!r}) sluit andere opties uit maar is "
                        f"gecombineerd met {', '.join(picked)}.", f"{q.id}_{opt.code}", i,
                        expected=f"óf alleen {opt.code}, óf alleen andere opties")


def _check_routing(col: _Collector, frame: pd.DataFrame, codebook: Codebook, q: Question) -> None:
    routing = q.asked_if
    if routing is None:
        return
    src = codebook[routing.question]
    if not set(src.option_columns()) <= set(frame.columns):
        return
    is_asked = asked(frame, codebook, q)
    columns = [c for c in q.raw_columns() if c in frame.columns]
    filled = frame[columns].notna()
    wanted = ", ".join(f"{c} ({src.option(c).label!r})" for c in routing.options)
    for i in range(len(frame)):
        if not is_asked.iloc[i] and filled.iloc[i].any():
            first = filled.columns[filled.iloc[i]].tolist()
            col.add(ERROR, "routing_violation",
                    f"vraag {q.id} is beantwoord terwijl de routering haar oversloeg: alleen "
                    f"gevraagd als bij {src.id} gekozen is voor {wanted}. Gevulde kolommen: "
                    f"{', '.join(first)}.", first[0], i,
                    expected=f"leeg, of een antwoord bij {src.id} dat deze vraag opent")


def _check_dependent_text(col: _Collector, frame: pd.DataFrame, q: Question) -> None:
    chosen = selected(frame, q)
    for opt in (o for o in q.options if o.other):
        name = q.text_column(opt.code)
        for i, value in _filled(frame[name]):
            if not chosen[opt.code].iloc[i]:
                col.add(WARNING, "other_text_without_option",
                        f"'Anders'-tekst ingevuld maar optie {opt.code} ({opt.label!r}) is niet "
                        "gekozen; de tekst wordt niet meegenomen.", name, i, value)
    for fu in q.followups:
        trigger = chosen[list(fu.when)].any(axis=1)
        for i, value in _filled(frame[fu.id]):
            if not trigger.iloc[i]:
                col.add(WARNING, "followup_without_trigger",
                        f"vervolgvraag beantwoord terwijl {q.id} niet op "
                        f"{'/'.join(fu.when)} staat; het antwoord wordt niet meegenomen.",
                        fu.id, i, value)


def _check_timestamps(col: _Collector, frame: pd.DataFrame, codebook: Codebook) -> None:
    start_day, end_day = codebook.fieldwork
    parsed = {}
    for name in ("startdatum", "einddatum"):
        if name not in frame.columns:
            continue
        parsed[name] = pd.to_datetime(frame[name], format=TIMESTAMP_FORMAT, errors="coerce")
        for i, value in _filled(frame[name]):
            stamp = parsed[name].iloc[i]
            if pd.isna(stamp):
                col.add(WARNING, "bad_timestamp", "tijdstip niet leesbaar.", name, i, value,
                        "JJJJ-MM-DD UU:MM:SS")
            elif not start_day <= stamp.date() <= end_day:
                col.add(WARNING, "outside_fieldwork", "tijdstip buiten de veldwerkperiode.",
                        name, i, value, f"tussen {start_day} en {end_day}")
    if len(parsed) == 2:
        reversed_ = parsed["einddatum"] < parsed["startdatum"]
        for i in range(len(frame)):
            if reversed_.iloc[i]:
                col.add(WARNING, "end_before_start", "einddatum ligt vóór startdatum.",
                        "einddatum", i, frame["einddatum"].iloc[i],
                        f"na {frame['startdatum'].iloc[i]}")


def _repair(value: str) -> str | None:
    try:
        return value.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _check_encoding(col: _Collector, frame: pd.DataFrame) -> None:
    for name in frame.columns:
        for i, value in _filled(frame[name]):
            if not _MOJIBAKE_RE.search(value):
                continue
            fixed = _repair(value)
            hint = f" (waarschijnlijk bedoeld: {fixed!r})" if fixed and name not in col.personal \
                else ""
            col.add(ERROR, "mojibake",
                    f"tekst is verkeerd gecodeerd{hint}: UTF-8-tekst is als Windows-1252 "
                    "gelezen en opnieuw opgeslagen. Exporteer opnieuw als UTF-8 zonder het "
                    "bestand tussentijds in een ander programma op te slaan.", name, i, value,
                    "leesbare tekst (é, ë, ï)")


def _check_municipalities(col: _Collector, answers: pd.Series, matcher, name: str) -> None:
    for i, value in enumerate(answers):
        result = matcher.match(value)
        if result.codes:
            continue
        if pd.isna(value):
            col.add(WARNING, "missing_municipality", "geen gemeente ingevuld; grootteklasse en "
                    "provincie blijven leeg.", name, i)
            continue
        hint = (" Bedoelde u: " + " / ".join(repr(s) for s in result.suggestions) + "?"
                if result.suggestions else "")
        code = f"{result.kind}_municipality"
        col.add(ERROR, code, f"{result.problem}.{hint} Pas de tekst aan of voeg een alias toe "
                "aan references/gemeente_aliases.csv.", name, i, expected="een of meer "
                "CBS-gemeentenamen")
        # The typed answer is shown although the column is personal: without it the error is
        # not actionable. Errors are only printed, never written (the run stops).
        col.findings[-1] = replace(col.findings[-1], value=str(value))

