"""Match the free-text municipality answer to CBS municipality codes.

Normalisation (``normalise``): lower case, diacritics removed (``Súdwest`` -> ``sudwest``),
apostrophes and dots dropped, other punctuation and hyphens become spaces, whitespace collapsed,
and a leading ``gemeente`` / ``gem.`` / ``de gemeente`` or trailing ``(gemeente)`` removed.

Lookup keys, all normalised: every CBS name (``Bergen (NH.)`` -> ``bergen nh``); every CBS name
without its distinguishing suffix when that is unique (``Hengelo`` -> Hengelo (O.)); and the
alias table ``references/gemeente_aliases.csv`` (``alias,gemeentecode,note``; several codes joined
by ``;`` for a group such as ``BUCH``). A suffix-less name shared by several municipalities
(``Bergen``) is ambiguous.

Lists: an answer may name several municipalities ("A, B en C", "A/B", "A & B"). The whole text
is tried first; otherwise it is split at ``,`` ``;`` ``/`` ``&`` ``+`` ``en`` ``and`` and new
lines, and the parts are matched greedily, longest run of parts first, so names that contain a
separator themselves (``Nuenen, Gerwen en Nederwetten``, ``Son en Breugel``) survive.

Rule for respondents answering for several municipalities (also written to the cleaning log):
the respondent speaks for the combined area, so ``inwoners`` is the sum of the inhabitants of
all municipalities named, the size classes are computed from that sum, ``provincie`` is the
province of the municipality with the most inhabitants, and ``n_gemeenten`` counts them.

An unknown or ambiguous name raises nothing here: ``match`` returns a ``MatchResult`` with a
message and suggestions (``difflib``), which validation reports as an error.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ido_analysis.core.paths import REFERENCES
from ido_analysis.spec import reference

ALIASES_PATH = REFERENCES / "gemeente_aliases.csv"
MULTI_RULE = (
    "Respondenten die voor meer gemeenten antwoorden spreken voor het gezamenlijke gebied: "
    "inwoners = som van de inwoners van alle genoemde gemeenten, grootteklasse en grove "
    "grootteklasse volgen uit die som, provincie = provincie van de gemeente met de meeste "
    "inwoners, n_gemeenten = aantal genoemde gemeenten."
)
_SPLIT_RE = re.compile(r"(\s*(?:[,;/&+\n]|\ben\b|\band\b)\s*)")
_PREFIX_RE = re.compile(r"^(?:de\s+)?(?:gemeenten?|gem)\b\s*")
_SUFFIX_RE = re.compile(r"\s*\(?gemeente\)?$")
_CBS_SUFFIX_RE = re.compile(r"\s*\([a-z]+\.?\)$", re.IGNORECASE)


def normalise(text: str) -> str:
    """Normalised lookup key of a municipality name (see the module docstring)."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`´.]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = _PREFIX_RE.sub("", text)
    return _SUFFIX_RE.sub("", text).strip()


@dataclass(frozen=True)
class MatchResult:
    """Outcome of matching one answer: codes in order of mention, or a problem."""

    codes: tuple[str, ...] = ()
    problem: str | None = None  # Dutch description of the problem
    suggestions: tuple[str, ...] = ()
    kind: str | None = None  # "missing", "unknown" or "ambiguous" when there is a problem


@dataclass
class Matcher:
    """Lookup of normalised names to CBS codes, built from the reference and alias tables."""

    table: pd.DataFrame
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, table: pd.DataFrame, aliases_path: str | Path | None = None) -> Matcher:
        matcher = cls(table.set_index("gemeentecode", drop=False))
        base: dict[str, list[str]] = {}
        for code, name in zip(table["gemeentecode"], table["gemeentenaam"], strict=True):
            matcher.keys[normalise(name)] = (code,)
            stripped = _CBS_SUFFIX_RE.sub("", str(name))
            if stripped != name:
                base.setdefault(normalise(stripped), []).append(code)
        for key, codes in base.items():
            if len(codes) == 1:
                matcher.keys.setdefault(key, tuple(codes))
            else:
                matcher.ambiguous[key] = tuple(codes)
        for alias, codes in load_aliases(aliases_path).items():
            unknown = [c for c in codes if c not in matcher.table.index]
            if unknown:
                raise ValueError(f"gemeente_aliases.csv: alias {alias!r} has unknown codes "
                                 f"{unknown}")
            matcher.keys[normalise(alias)] = codes
            matcher.ambiguous.pop(normalise(alias), None)
        return matcher

    def name(self, code: str) -> str:
        return str(self.table.at[code, "gemeentenaam"])

    def lookup(self, text: str) -> tuple[str, ...] | None:
        return self.keys.get(normalise(text))

    def match(self, text: str | None) -> MatchResult:
        """Match one free-text answer; see the module docstring for the rules."""
        if text is None or pd.isna(text) or not normalise(text):
            return MatchResult(problem="geen gemeente ingevuld", kind="missing")
        whole = self.lookup(text)
        if whole:
            return MatchResult(codes=whole)
        parts = _SPLIT_RE.split(str(text))
        names, seps = parts[0::2], parts[1::2]
        codes: list[str] = []
        i = 0
        while i < len(names):
            if not normalise(names[i]):
                i += 1
                continue
            for j in range(len(names), i, -1):
                candidate = "".join(n + s for n, s in zip(names[i:j], [*seps[i:j - 1], ""],
                                                          strict=True))
                found = self.lookup(candidate)
                if found:
                    codes.extend(c for c in found if c not in codes)
                    i = j
                    break
            else:
                return self._problem(names[i])
        return MatchResult(codes=tuple(codes))

    def _problem(self, part: str) -> MatchResult:
        key = normalise(part)
        if key in self.ambiguous:
            options = tuple(self.name(c) for c in self.ambiguous[key])
            return MatchResult(problem=f"gemeentenaam is dubbelzinnig ({len(options)} "
                                       "gemeenten heten zo)", suggestions=options,
                               kind="ambiguous")
        close = difflib.get_close_matches(key, list(self.keys), n=3, cutoff=0.6)
        names = tuple(dict.fromkeys(self.name(self.keys[k][0]) for k in close))
        return MatchResult(problem="onbekende gemeentenaam", suggestions=names, kind="unknown")

    def describe(self, codes: tuple[str, ...]) -> dict[str, object]:
        """Municipality columns of the processed dataset for one respondent's codes."""
        rows = self.table.loc[list(codes)]
        largest = rows.sort_values("inwoners", ascending=False).iloc[0]
        return {
            "gemeentecodes": ";".join(codes),
            "n_gemeenten": len(codes),
            "inwoners": int(rows["inwoners"].sum()),
            "provincie": str(largest["provincie"]),
        }


def load_aliases(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """Read the alias table: normalised alias -> tuple of CBS codes."""
    path = Path(path) if path is not None else ALIASES_PATH
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {row["alias"]: tuple(c.strip() for c in row["gemeentecode"].split(";"))
            for row in rows}


def municipality_columns(matcher: Matcher, codes: pd.Series) -> pd.DataFrame:
    """Processed-dataset municipality columns for a series of code tuples (empty -> NA).

    Columns: gemeentecodes, n_gemeenten, inwoners, grootteklasse, grootteklasse_grof,
    provincie, provinciegroep (dtypes as in docs/data-contracts.md section 3).
    """
    records = [matcher.describe(c) if c else {} for c in codes]
    frame = pd.DataFrame.from_records(
        records, index=codes.index,
        columns=["gemeentecodes", "n_gemeenten", "inwoners", "provincie"],
    )
    frame["gemeentecodes"] = frame["gemeentecodes"].astype("string")
    frame["n_gemeenten"] = frame["n_gemeenten"].astype("Int64")
    frame["inwoners"] = frame["inwoners"].astype("Int64")
    frame["grootteklasse"] = reference.size_class(frame["inwoners"].astype("float64"))
    frame["grootteklasse_grof"] = reference.coarse_size_class(
        frame["inwoners"].astype("float64"))
    provincie = frame["provincie"]
    frame["provincie"] = provincie.astype(pd.CategoricalDtype(list(reference.PROVINCES)))
    frame["provinciegroep"] = reference.province_group(provincie)
    return frame[["gemeentecodes", "n_gemeenten", "inwoners", "grootteklasse",
                  "grootteklasse_grof", "provincie", "provinciegroep"]]
