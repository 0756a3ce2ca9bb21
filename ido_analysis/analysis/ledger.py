"""Release-level disclosure ledger: every published count, the linear relations between them,
and an attacker who solves integer programs over all of it.

Every table a run publishes registers its counts here (``Ledger.cell``), published or not
(hidden cells, and implicit cells such as the non-answers behind a base, which no table
prints but which a base and a group size imply). Relations are linear equalities between
cells (``Ledger.relate``): options sum to the base, groups sum to the overall total, a
collapsed category is the sum of its source options (``references/derived.yaml``), a group's
size is its base plus its non-answers, strata sum to the total.

The attacker (``Ledger.attack``) knows every published value and every relation, and for
each sensitive cell that is not published computes the smallest and largest value it can
take: integer programs (HiGHS, ``analysis.programs``) over all published equalities with every
unpublished cell a non-negative integer. A sensitive cell with true value 1 to
``threshold - 1`` is *exposed* when it is published, pinned (minimum = maximum) or bounded
inside [1, threshold - 1]. A cell equal to its group's base is exposed as well when the
attacker can pin it (*group disclosure*: everybody in the group gave that answer), whatever
its size; the rule is documented in ``docs/caveats.md``.

``Ledger.protect`` adds suppressions (secondary suppression) until no cell is exposed: for an
exposed published cell it hides that cell; for a pinned or bounded one it hides the smallest
non-zero published sensitive cell that shares a relation with it. The linear-programming
relaxation screens cells quickly and integer programs confirm, so the final check is exact.
Secondary suppressions that later ones made unnecessary are published again at the end (each
only when the attacker still recovers nothing).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ido_analysis.analysis.programs import ranges

Key = Hashable


@dataclass
class CellInfo:
    """One count: its value (None when unknown: a reader of the published files does not
    know hidden values), whether a table prints it, whether it is sensitive (a count of
    respondents in a group that a reader can name), its group base, and the reason it is
    hidden (empty when published)."""

    value: int | None
    published: bool
    sensitive: bool = True
    base: Key | None = None
    reason: str = ""


@dataclass(frozen=True)
class Exposure:
    """A sensitive cell an attacker recovers: ``how`` is 'gepubliceerd', 'afleidbaar'
    (pinned), 'begrensd' (bounded inside [1, threshold - 1]) or 'groepsonthulling'."""

    key: Key
    value: int | None
    low: float
    high: float
    how: str


@dataclass
class Ledger:
    """Cells and relations of one release (see the module docstring)."""

    cells: dict[Key, CellInfo] = field(default_factory=dict)
    relations: list[dict[Key, float]] = field(default_factory=list)
    unprotectable: list[Key] = field(default_factory=list)  # see release.protect_crosstabs

    def cell(self, key: Key, value: int | None, published: bool, *, sensitive: bool = True,
             base: Key | None = None, reason: str = "") -> Key:
        """Register a count; a count registered twice is published if any table prints it.

        A published cell needs a value. ValueError when two registrations disagree.
        """
        if published and value is None:
            raise ValueError(f"{key}: a published cell needs a value")
        value = None if value is None else int(value)
        if key in self.cells:
            old = self.cells[key]
            if None not in (old.value, value) and old.value != value:
                raise ValueError(f"{key}: registered as {old.value} and as {value}")
            old.value = value if old.value is None else old.value
            old.published = old.published or published
            old.base = old.base or base
            old.sensitive = old.sensitive or sensitive
            return key
        self.cells[key] = CellInfo(value, bool(published), sensitive, base, reason)
        return key

    def relate(self, terms: Mapping[Key, float]) -> None:
        """sum(coef * cell) = 0 over registered cells; checked when all values are known."""
        missing = [k for k in terms if k not in self.cells]
        if missing:
            raise KeyError(f"relation with unregistered cells {missing}")
        values = [self.cells[k].value for k in terms]
        if None not in values:
            total = sum(c * v for c, v in zip(terms.values(), values, strict=True))
            if abs(total) > 1e-9:
                raise ValueError(f"relation does not hold on the values: {dict(terms)}")
        self.relations.append(dict(terms))

    def hide(self, key: Key, reason: str) -> None:
        """Stop publishing ``key``."""
        self.cells[key].published = False
        self.cells[key].reason = self.cells[key].reason or reason

    # --- the attacker ---------------------------------------------------------------------

    def _components(self) -> list[tuple[list[Key], list[dict[Key, float]]]]:
        """Unpublished cells grouped into independent systems (cells linked by relations),
        each with the relations that touch it: small programs instead of one large one."""
        parent: dict[Key, Key] = {k: k for k, c in self.cells.items() if not c.published}

        def find(k: Key) -> Key:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for rel in self.relations:
            free = [k for k in rel if k in parent]
            for other in free[1:]:
                parent[find(other)] = find(free[0])
        members: dict[Key, list[Key]] = {}
        for k in parent:
            members.setdefault(find(k), []).append(k)
        rels: dict[Key, list[dict[Key, float]]] = {}
        for rel in self.relations:
            free = [k for k in rel if k in parent]
            if free:
                rels.setdefault(find(free[0]), []).append(rel)
        return [(keys, rels.get(root, [])) for root, keys in members.items()]

    def _system(self, free: list[Key], relations: list[dict[Key, float]]
                ) -> tuple[np.ndarray, np.ndarray]:
        """Equalities A x = b over ``free`` after substituting published values."""
        pos = {k: i for i, k in enumerate(free)}
        rows, rhs = [], []
        for rel in relations:
            row = np.zeros(len(free))
            b = 0.0
            for k, coef in rel.items():
                if k in pos:
                    row[pos[k]] += coef
                else:
                    b -= coef * self.cells[k].value
            if np.any(row != 0):
                rows.append(row)
                rhs.append(b)
        a = np.array(rows) if rows else np.zeros((0, len(free)))
        return a, np.array(rhs)

    def bounds(self, keys: Iterable[Key], integer: bool = True) -> dict[Key, tuple[float, float]]:
        """Smallest and largest value of each unpublished cell in ``keys`` given everything
        published (integer programs, or the LP relaxation rounded inwards). Results are
        cached per independent system: hiding a cell only re-solves its own system."""
        wanted = set(keys)
        cache = self.__dict__.setdefault("_cache", {})
        out = {}
        for free, relations in self._components():
            targets = [k for k in free if k in wanted]
            if not targets:
                continue
            tag = (frozenset(free), frozenset(targets), integer)
            if tag not in cache:
                a, b = self._system(free, relations)
                pos = [free.index(k) for k in targets]
                cache[tag] = dict(zip(targets, ranges(a, b, pos, integer), strict=True))
            out.update(cache[tag])
        missing = wanted - out.keys()
        if missing:
            raise KeyError(f"not unpublished cells of this ledger: {sorted(map(str, missing))}")
        return out

    def attack(self, threshold: int, integer: bool = True) -> list[Exposure]:
        """Every sensitive cell the attacker recovers (see the module docstring)."""
        out = []
        targets = [k for k, c in self.cells.items()
                   if c.sensitive and not c.published and (c.value is None or c.value >= 1)]
        for k, c in self.cells.items():
            if c.sensitive and c.published and 1 <= c.value < threshold:
                out.append(Exposure(k, c.value, c.value, c.value, "gepubliceerd"))
            elif (c.sensitive and c.published and c.value > 0
                  and c.value == self._base_value(c)):
                out.append(Exposure(k, c.value, c.value, c.value, "groepsonthulling"))
        for key, (low, high) in self.bounds(targets, integer).items():
            c = self.cells[key]
            how = _how(c, low, high, threshold, self._base_value(c))
            if how:
                out.append(Exposure(key, c.value, low, high, how))
        return out

    def _base_value(self, cell: CellInfo) -> int | None:
        """The group base when the reader knows it (published), else None."""
        if cell.base is None or not self.cells[cell.base].published:
            return None
        return self.cells[cell.base].value

    # --- protection -----------------------------------------------------------------------

    def protect(self, threshold: int, max_rounds: int = 500,
                hideable: Callable[[Key], bool] | None = None) -> list[Exposure]:
        """Hide cells until ``attack`` finds nothing; returns what cannot be protected.

        ``hideable`` limits which published cells may be hidden (default: every sensitive
        cell); an exposed published cell that may not be hidden is left as an exposure.
        """
        self._hideable = hideable or (lambda _key: True)
        hidden_here: list[Key] = []
        for _ in range(max_rounds):
            exposures = self.attack(threshold, integer=False) or self.attack(threshold)
            if not exposures:
                self._unhide_unneeded(hidden_here, threshold)
                return []
            progressed = False
            for e in exposures:
                if self.cells[e.key].published:
                    if not self._hideable(e.key):
                        continue
                    self.hide(e.key, "primair: 1 tot drempel" if e.how == "gepubliceerd"
                              else "primair: hele groep gaf dit antwoord")
                    progressed = True
                    continue
                pick = self._partner(e.key, threshold)
                if pick is not None:
                    self.hide(pick, f"secundair: beschermt {describe(e.key)}")
                    hidden_here.append(pick)
                    progressed = True
                    break
            if not progressed:
                return exposures
        return self.attack(threshold)

    def _unhide_unneeded(self, keys: list[Key], threshold: int) -> None:
        """Publish again, one at a time in the order they were hidden, the secondary
        suppressions that later ones made unnecessary (a cell stays published only when the
        attacker still recovers nothing, integer check included)."""
        for key in keys:
            cell = self.cells[key]
            cell.published = True
            if self.attack(threshold, integer=False) or self.attack(threshold):
                cell.published = False
            else:
                cell.reason = ""

    def _partner(self, key: Key, threshold: int = 5, tries: int = 8) -> Key | None:
        """A published sensitive cell to hide for ``key``.

        Candidates share a relation with ``key`` (when every cell of those relations is
        already hidden, the search continues through the hidden ones), in order of
        preference: non-zero before zero, cells before bases, smallest first. The first of at
        most ``tries`` candidates whose hiding alone stops ``key`` being recovered (LP
        check) is taken; otherwise the most preferred one (more rounds follow).
        """
        hideable = getattr(self, "_hideable", lambda _key: True)
        frontier, seen = {key}, {key}
        for _ in range(6):
            related = {k for rel in self.relations if frontier & rel.keys() for k in rel}
            candidates = sorted(
                (k for k in related - seen if self.cells[k].published
                 and self.cells[k].sensitive and hideable(k)),
                key=lambda k: (_kind(k) == "base", self.cells[k].value == 0,
                               self.cells[k].value, str(k)))
            if candidates:
                return self._first_sufficient(key, candidates[:tries], threshold) or \
                    candidates[0]
            frontier = {k for k in related - seen if not self.cells[k].published}
            seen |= related
            if not frontier:
                return None
        return None

    def _first_sufficient(self, key: Key, candidates: list[Key], threshold: int) -> Key | None:
        cell = self.cells[key]
        for pick in candidates:
            self.cells[pick].published = False
            low, high = self.bounds([key], integer=False)[key]
            self.cells[pick].published = True
            if not _how(cell, low, high, threshold, self._base_value(cell)):
                return pick
        return None

    def suppressed(self) -> list[tuple[Key, CellInfo]]:
        """Registered cells that are hidden with a reason (not the implicit ones)."""
        return [(k, c) for k, c in self.cells.items() if not c.published and c.reason]


KIND_NL = {"ct": "cel", "not": "niet gekozen", "nonresp": "niet beantwoord", "base": "basis",
           "size": "groepsgrootte"}


def describe(key: Key) -> str:
    """A readable Dutch name of a ledger key: "cel q07 / grootteklasse_grof / klein / a"."""
    if not isinstance(key, tuple) or not key:
        return str(key)
    return f"{KIND_NL.get(str(key[0]), key[0])} " + " / ".join(str(k) for k in key[1:])


def _kind(key: Key) -> object:
    return key[0] if isinstance(key, tuple) and key else key


def _how(cell: CellInfo, low: float, high: float, threshold: int, base: int | None) -> str:
    if math.isnan(low) or math.isnan(high):
        return ""
    if low == high and 1 <= low < threshold:
        return "afleidbaar"
    if low >= 1 and high <= threshold - 1:
        return "begrensd"
    if base is not None and base > 0 and low == high == base:
        return "groepsonthulling"
    return ""
