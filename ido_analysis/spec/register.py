"""Load, validate and check the register of published figures.

The register (``references/published_figures.csv``, format in ``docs/data-contracts.md`` section 4
and ``docs/register.md``) transcribes every quantitative statement of the published report: one
row per statement, in report order. The consistency of a row is computed here, never typed in the
file: a printed count and percentage agree when ``round_half_up(100 * count / base) == percent``.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import pandas as pd

from ido_analysis.core.formatting import round_half_up
from ido_analysis.core.paths import REFERENCES
from ido_analysis.spec.codebook import Codebook, load_codebook

DEFAULT_PATH = REFERENCES / "published_figures.csv"

COLUMNS = (
    "id", "section", "question", "option", "kind", "count", "percent", "base", "measure",
    "low", "high", "value", "theme", "quote", "note",
)
KINDS = (
    "option_count", "base", "n_selected", "mean_selected", "coded_open", "ranking", "other",
)
MEASURES = ("most", "least")
INT_COLUMNS = ("count", "base", "low", "high")
FLOAT_COLUMNS = ("percent", "value")

# Columns that only one kind may fill.
_KIND_ONLY = {"measure": "ranking", "low": "n_selected", "high": "n_selected",
              "value": "mean_selected", "theme": "coded_open"}
_ID_RE = re.compile(r"^F\d{3}$")
_THEME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_INT_RE = re.compile(r"^\d+$")


class RegisterError(ValueError):
    """The register file is malformed; the message lists every bad row with its problem."""


def load_register(path: str | Path | None = None, codebook: Codebook | None = None) -> pd.DataFrame:
    """Read and validate the register; return it with typed columns, one row per statement.

    Columns are those of ``COLUMNS`` in that order: ``count``, ``base``, ``low``, ``high`` are
    nullable ``Int64``, ``percent`` and ``value`` ``Float64``, the others ``string`` (empty cells
    become ``<NA>``). Option codes and question ids are checked against ``codebook`` (default:
    ``load_codebook()``). Raises ``RegisterError`` listing every problem, ``FileNotFoundError``
    when the file does not exist.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return parse_register(raw, codebook if codebook is not None else load_codebook(), str(path))


def parse_register(
    raw: pd.DataFrame, codebook: Codebook, source: str = "<register>"
) -> pd.DataFrame:
    """Validate an all-text register frame (as read from the CSV) and return it typed."""
    missing = [c for c in COLUMNS if c not in raw.columns]
    extra = [c for c in raw.columns if c not in COLUMNS]
    if missing or extra:
        raise RegisterError(
            f"{source}: columns must be {', '.join(COLUMNS)}; missing {missing}, unexpected {extra}"
        )
    raw = raw[list(COLUMNS)].astype(str).apply(lambda col: col.str.strip())
    problems: list[str] = []
    for i, row in enumerate(raw.to_dict("records")):
        where = row["id"] or f"row {i + 2}"
        problems.extend(f"{where}: {p}" for p in _row_problems(row, codebook))
    ids = raw["id"].tolist()
    for dup in sorted({i for i in ids if i and ids.count(i) > 1}):
        problems.append(f"{dup}: duplicate id")
    expected = [f"F{n:03d}" for n in range(1, len(ids) + 1)]
    if not problems and ids != expected:
        problems.append("ids must run F001, F002, ... in report order without gaps")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise RegisterError(f"{source}: {len(problems)} problem(s) in the register:\n{lines}")
    return _typed(raw)


def _typed(raw: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for col in COLUMNS:
        values = [v or None for v in raw[col]]
        if col in INT_COLUMNS:
            out[col] = pd.array([v and int(v) for v in values], dtype="Int64")
        elif col in FLOAT_COLUMNS:
            out[col] = pd.array([v and float(v) for v in values], dtype="Float64")
        else:
            out[col] = pd.array(values, dtype="string")
    return out


def _row_problems(row: dict[str, str], codebook: Codebook) -> list[str]:
    problems = _format_problems(row)
    kind = row["kind"]
    if kind not in KINDS:
        return [*problems, f"unknown kind {kind!r} (one of {', '.join(KINDS)})"]
    for col, only in _KIND_ONLY.items():
        if row[col] and kind != only:
            problems.append(f"{col} is only for kind {only}, not {kind}")
    if problems:
        return problems
    problems.extend(_QUESTION_CHECKS[kind](row, codebook))
    problems.extend(_KIND_CHECKS[kind](row))
    return problems


def _format_problems(row: dict[str, str]) -> list[str]:
    problems = []
    if not _ID_RE.match(row["id"]):
        problems.append(f"id {row['id']!r} must look like F001")
    for col in ("section", "quote"):
        if not row[col]:
            problems.append(f"{col} is empty")
    for col in INT_COLUMNS:
        if row[col] and not _INT_RE.match(row[col]):
            problems.append(f"{col} {row[col]!r} is not a non-negative integer")
    for col in FLOAT_COLUMNS:
        if row[col] and not _is_number(row[col]):
            problems.append(f"{col} {row[col]!r} is not a number")
    if problems:
        return problems
    if row["percent"] and not 0 <= float(row["percent"]) <= 100:
        problems.append(f"percent {row['percent']} is outside 0-100")
    if row["percent"] and not row["base"]:
        problems.append("percent without a base")
    if row["count"] and row["base"] and int(row["count"]) > int(row["base"]):
        problems.append(f"count {row['count']} exceeds base {row['base']}")
    if row["low"] and row["high"] and int(row["low"]) > int(row["high"]):
        problems.append(f"low {row['low']} > high {row['high']}")
    return problems


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _closed_question(row: dict[str, str], codebook: Codebook) -> list[str]:
    qid, option = row["question"], row["option"]
    if not qid:
        return ["question is empty"]
    if qid not in codebook.ids:
        return [f"question {qid!r} is not in the codebook"]
    question = codebook[qid]
    if not question.is_closed:
        return [f"question {qid} is {question.type}, not a closed question"]
    unknown = [c for c in option.split(";") if c not in question.codes] if option else []
    if unknown:
        return [f"option(s) {';'.join(unknown)} not in {qid} (codes {','.join(question.codes)})"]
    return []


def _selection_question(row: dict[str, str], codebook: Codebook) -> list[str]:
    problems = _closed_question(row, codebook)
    if problems:
        return problems
    question = codebook[row["question"]]
    if question.type not in ("multiple", "grid"):
        return [f"question {question.id} is {question.type}; {row['kind']} needs multiple or grid"]
    if row["high"] and int(row["high"]) > len(question.codes):
        return [f"high {row['high']} exceeds the {len(question.codes)} options of {question.id}"]
    return []


def _optional_question(row: dict[str, str], codebook: Codebook) -> list[str]:
    return _closed_question(row, codebook) if row["question"] or row["option"] else []


def _text_column(row: dict[str, str], codebook: Codebook) -> list[str]:
    qid = row["question"]
    columns = {
        col
        for q in codebook
        for col in ([q.id] if q.type == "open" else []) + q.text_columns()
        + [f.id for f in q.followups]
    }
    if not qid:
        return ["question is empty (a coded_open row needs the open/text column id)"]
    if qid not in columns:
        return [f"question {qid!r} is not an open, text or follow-up column of the codebook"]
    if row["option"]:
        return ["option must be empty for coded_open"]
    return []


def _needs(row: dict[str, str], *cols: str) -> list[str]:
    return [f"{col} is empty (required for {row['kind']})" for col in cols if not row[col]]


def _check_option_count(row: dict[str, str]) -> list[str]:
    problems = _needs(row, "option", "base")
    if not row["count"] and not row["percent"]:
        problems.append("option_count needs a count or a percent")
    return problems


def _check_base(row: dict[str, str]) -> list[str]:
    problems = _needs(row, "base")
    problems += [f"{col} must be empty for kind base" for col in ("count", "percent") if row[col]]
    return problems


def _check_n_selected(row: dict[str, str]) -> list[str]:
    problems = _needs(row, "low", "high", "base")
    if not row["count"] and not row["percent"]:
        problems.append("n_selected needs a count or a percent")
    if row["option"]:
        problems.append("option must be empty for n_selected")
    return problems


def _check_coded_open(row: dict[str, str]) -> list[str]:
    problems = _needs(row, "count", "base", "theme")
    if row["theme"] and not _THEME_RE.match(row["theme"]):
        problems.append(f"theme {row['theme']!r} is not a snake_case id")
    return problems


def _check_ranking(row: dict[str, str]) -> list[str]:
    problems = _needs(row, "option")
    if row["measure"] not in MEASURES:
        problems.append(f"measure {row['measure']!r} must be one of {', '.join(MEASURES)}")
    return problems


_QUESTION_CHECKS = {
    "option_count": _closed_question, "base": _closed_question, "n_selected": _selection_question,
    "mean_selected": _selection_question, "ranking": _closed_question,
    "coded_open": _text_column, "other": _optional_question,
}
_KIND_CHECKS = {
    "option_count": _check_option_count,
    "base": _check_base,
    "n_selected": _check_n_selected,
    "mean_selected": lambda row: _needs(row, "value"),
    "coded_open": _check_coded_open,
    "ranking": _check_ranking,
    "other": lambda row: [],
}


def consistency(register: pd.DataFrame) -> pd.Series:
    """Per row: True consistent, False inconsistent, ``<NA>`` not checkable (``boolean`` dtype).

    - A row with ``count``, ``percent`` and ``base``: ``round_half_up(100 * count / base) ==
      percent`` (exact arithmetic).
    - A row with a percentage but no count (e.g. the summary's "38%"): checked against the
      counts printed elsewhere for the same figure (same ``question``, ``option``, ``kind`` and
      ``base``); ``<NA>`` when the figure is printed nowhere with a count.
    - A ``base`` row (a caption's "(n = 30)"): its base equals the base of every other row of the
      same question; ``<NA>`` when no other row has that question.
    - Anything else (count only, rankings, means) is ``<NA>``; see ``implied_count`` for the count
      a printed percentage alone stands for.
    """
    bases = _question_bases(register)
    counts = _figure_counts(register)
    flags = [_row_consistency(row, bases, counts) for row in register.to_dict("records")]
    return pd.Series(pd.array(flags, dtype="boolean"), index=register.index, name="consistent")


def _figure_key(row: dict) -> tuple | None:
    if any(pd.isna(row[c]) for c in ("question", "kind", "base")):
        return None
    option = "" if pd.isna(row["option"]) else row["option"]
    return row["question"], option, row["kind"], int(row["base"])


def _figure_counts(register: pd.DataFrame) -> dict[tuple, set[int]]:
    out: dict[tuple, set[int]] = {}
    for row in register.to_dict("records"):
        key = _figure_key(row)
        if key is not None and not pd.isna(row["count"]):
            out.setdefault(key, set()).add(int(row["count"]))
    return out


def _question_bases(register: pd.DataFrame) -> dict[str, set[int]]:
    figures = register[(register["kind"] != "base") & register["question"].notna()
                       & register["base"].notna()]
    return {str(q): {int(b) for b in grp["base"]} for q, grp in figures.groupby("question")}


def _agrees(count: int, base: int, percent: float) -> bool:
    return round_half_up(Fraction(100 * count, base)) == percent


def _row_consistency(row: dict, bases: dict[str, set[int]],
                     counts: dict[tuple, set[int]]) -> bool | None:
    if row["kind"] == "base":
        others = bases.get(row["question"]) if not pd.isna(row["question"]) else None
        return None if not others else others == {int(row["base"])}
    if pd.isna(row["percent"]) or pd.isna(row["base"]) or row["base"] == 0:
        return None
    base = int(row["base"])
    if not pd.isna(row["count"]):
        return _agrees(int(row["count"]), base, row["percent"])
    elsewhere = counts.get(_figure_key(row))
    return None if not elsewhere else all(_agrees(c, base, row["percent"]) for c in elsewhere)


def implied_count(register: pd.DataFrame) -> pd.Series:
    """Per row, the count the figure stands for (``Int64``).

    The printed ``count`` when there is one; otherwise, for a percentage with a base, the unique
    ``k`` in ``0..base`` with ``round_half_up(100 * k / base) == percent``; ``<NA>`` when no such
    ``k`` exists (e.g. approximate figures such as "ca. de helft" = 50 of 47) or it is not unique.
    """
    values = []
    for row in register.to_dict("records"):
        if not pd.isna(row["count"]):
            values.append(int(row["count"]))
            continue
        if pd.isna(row["percent"]) or pd.isna(row["base"]):
            values.append(None)
            continue
        base = int(row["base"])
        ks = [k for k in range(base + 1)
              if round_half_up(Fraction(100 * k, base)) == row["percent"]]
        values.append(ks[0] if len(ks) == 1 else None)
    return pd.Series(pd.array(values, dtype="Int64"), index=register.index, name="implied_count")


def inconsistencies(register: pd.DataFrame) -> pd.DataFrame:
    """The rows ``consistency`` flags False, with what the printed counts and bases imply.

    Columns: ``id``, ``section``, ``question``, ``option``, ``kind``, ``count``, ``percent``,
    ``base``, ``count_used`` (the row's count, or for a percentage-only row the count printed
    elsewhere for the same figure), ``computed_percent`` (``100 * count_used / base``, 2 decimals),
    ``rounded_percent`` (``round_half_up`` of it), ``other_bases`` (for ``base`` rows: the bases
    of the question's other rows, ``;``-joined), ``quote``, ``note``. An empty frame with these
    columns when everything agrees.
    """
    flagged = register[(~consistency(register)).fillna(False).to_numpy(dtype=bool)].copy()
    bases = _question_bases(register)
    counts = _figure_counts(register)
    used, other = [], []
    for row in flagged.to_dict("records"):
        if row["kind"] == "base":
            used.append(None)
            other.append(";".join(str(b) for b in sorted(bases[row["question"]])))
        else:
            known = {int(row["count"])} if not pd.isna(row["count"]) else counts[_figure_key(row)]
            used.append(min(known))
            other.append(None)
    shares = [None if c is None else Fraction(100 * c, int(b))
              for c, b in zip(used, flagged["base"], strict=True)]
    flagged["count_used"] = pd.array(used, dtype="Int64")
    flagged["computed_percent"] = pd.array(
        [None if x is None else round(float(x), 2) for x in shares], dtype="Float64"
    )
    flagged["rounded_percent"] = pd.array(
        [None if x is None else int(round_half_up(x)) for x in shares], dtype="Int64"
    )
    flagged["other_bases"] = pd.array(other, dtype="string")
    cols = ["id", "section", "question", "option", "kind", "count", "percent", "base",
            "count_used", "computed_percent", "rounded_percent", "other_bases", "quote", "note"]
    return flagged[cols].reset_index(drop=True)
