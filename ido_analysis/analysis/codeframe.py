"""Code open answers with the themes of the codeframe (``references/codeframe.yaml``).

A theme applies to a fixed set of open-text columns and carries regular expressions; a text is
coded with the theme when any pattern matches (case-insensitive ``re.search``). The file format
is described in the header of ``references/codeframe.yaml``.

``coded_counts`` turns a frame of open answers (raw export of strings with ``''`` for empty, or
the processed dataset with NA) into the long table the published-figures register is checked
against: one row per (column, theme) with the number of texts coded with the theme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES

DEFAULT_PATH = REFERENCES / "codeframe.yaml"

_TOP_KEYS = {"version", "themes"}
_THEME_KEYS = {"id", "label", "description", "columns", "patterns"}
_REQUIRED = ("id", "label", "columns", "patterns")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COUNT_COLUMNS = ["column", "theme", "label", "count"]


class CodeframeError(ValueError):
    """The codeframe file is malformed; the message lists every problem found."""


@dataclass(frozen=True)
class Theme:
    """One theme: where it applies and the compiled patterns that code it."""

    id: str
    label: str
    description: str
    columns: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    def applies_to(self, column: str) -> bool:
        """True when the theme is coded on ``column``."""
        return column in self.columns


@dataclass(frozen=True)
class Codeframe:
    """All themes, in file order."""

    themes: tuple[Theme, ...]

    def __iter__(self):
        return iter(self.themes)

    def __getitem__(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"codeframe has no theme {theme_id!r}")

    def for_column(self, column: str) -> list[Theme]:
        """Themes coded on ``column``, in file order (empty when none)."""
        return [t for t in self.themes if t.applies_to(column)]

    @property
    def columns(self) -> list[str]:
        """Every column some theme applies to, in order of first appearance."""
        return list(dict.fromkeys(c for t in self.themes for c in t.columns))


def load_codeframe(path: str | Path | None = None) -> Codeframe:
    """Read and validate a codeframe file (default ``references/codeframe.yaml``).

    Raises ``CodeframeError`` naming the file and every problem: unknown or missing keys,
    duplicate or malformed ids, empty column or pattern lists, and patterns that do not compile.
    """
    source = Path(path or DEFAULT_PATH)
    raw = read_yaml(source)
    return parse_codeframe(raw, str(source))


def parse_codeframe(raw: Any, source: str = "<codeframe>") -> Codeframe:
    """Validate an already parsed codeframe mapping; see ``load_codeframe``."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise CodeframeError(f"{source}: expected a mapping with 'themes', got {kind}")
    for key in sorted(set(raw) - _TOP_KEYS, key=str):
        problems.append(f"unknown top-level key {key!r}")
    items = raw.get("themes")
    if not isinstance(items, list) or not items:
        problems.append("'themes' must be a non-empty list")
        items = []
    themes, seen = [], set()
    for index, item in enumerate(items):
        theme = _parse_theme(item, index, problems)
        if theme is None:
            continue
        if theme.id in seen:
            problems.append(f"theme {theme.id!r}: duplicate id")
        seen.add(theme.id)
        themes.append(theme)
    if problems:
        raise CodeframeError(f"{source}: " + "; ".join(problems))
    return Codeframe(tuple(themes))


def _parse_theme(item: Any, index: int, problems: list[str]) -> Theme | None:
    if not isinstance(item, dict):
        problems.append(f"theme #{index + 1}: expected a mapping")
        return None
    where = f"theme {item.get('id', f'#{index + 1}')!r}"
    n_before = len(problems)
    for key in sorted(set(item) - _THEME_KEYS, key=str):
        problems.append(f"{where}: unknown key {key!r}")
    for key in _REQUIRED:
        if key not in item:
            problems.append(f"{where}: missing key {key!r}")
    if len(problems) > n_before:
        return None
    if not isinstance(item["id"], str) or not _ID_RE.match(item["id"]):
        problems.append(f"{where}: id must be lower case letters, digits and underscores")
    columns = _string_list(item["columns"], f"{where}: columns", problems)
    patterns = []
    for text in _string_list(item["patterns"], f"{where}: patterns", problems):
        try:
            patterns.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            problems.append(f"{where}: bad regex {text!r}: {exc}")
    if len(problems) > n_before:
        return None
    return Theme(item["id"], str(item["label"]), str(item.get("description") or ""),
                 tuple(columns), tuple(patterns))


def _string_list(value: Any, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"{where} must be a non-empty list of strings")
        return []
    return value


def code_text(text: Any, theme: Theme) -> bool:
    """True when ``text`` matches any pattern of ``theme``; empty, None and NA give False."""
    if text is None or text is pd.NA or (isinstance(text, float) and pd.isna(text)):
        return False
    text = str(text)
    return bool(text.strip()) and any(p.search(text) for p in theme.patterns)


def code_column(texts: pd.Series, column: str, codeframe: Codeframe) -> pd.DataFrame:
    """Code one column: a boolean frame with ``texts``' index and one column per theme that
    applies to ``column`` (file order; no columns when none applies)."""
    data = {t.id: [code_text(v, t) for v in texts] for t in codeframe.for_column(column)}
    return pd.DataFrame(data, index=texts.index, dtype=bool)


def coded_counts(frame: pd.DataFrame, codeframe: Codeframe) -> pd.DataFrame:
    """Number of texts per (column, theme) for every codeframe column present in ``frame``.

    Columns follow ``frame``'s column order, themes the codeframe's order; pairs with no coded
    text are included with count 0. Columns: column, theme, label, count (int).
    """
    rows = []
    for column in (c for c in frame.columns if codeframe.for_column(c)):
        coded = code_column(frame[column], column, codeframe)
        for theme in codeframe.for_column(column):
            rows.append((column, theme.id, theme.label, int(coded[theme.id].sum())))
    out = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    return out.astype({"column": "str", "theme": "str", "label": "str", "count": "int64"})


def theme_counts(
    frame: pd.DataFrame, column: str, codeframe: Codeframe | None = None
) -> pd.DataFrame:
    """Report table of one open column: Dutch columns ``Thema`` (label) and ``Aantal`` (texts
    coded with it), one row per applicable theme; ``attrs['n_texts']`` = non-empty texts.

    ``codeframe`` defaults to ``load_codeframe()``. A column without themes gives no rows.
    """
    codeframe = codeframe if codeframe is not None else load_codeframe()
    coded = code_column(frame[column], column, codeframe)
    out = pd.DataFrame({"Thema": [t.label for t in codeframe.for_column(column)],
                        "Aantal": [int(coded[t.id].sum()) for t in codeframe.for_column(column)]})
    out = out.astype({"Thema": "str", "Aantal": "int64"})
    out.attrs["n_texts"] = int(sum(bool(str(v).strip()) for v in frame[column].dropna()))
    return out
