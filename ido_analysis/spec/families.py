"""Declared families of tests (``test_families`` in ``references/derived.yaml``).

A family lists questions or derived variables whose tests are read together. Within one
grouping every test on a member (one per option for multiple-choice and grid questions, one
per table otherwise) belongs to the family, and p-values are Holm-adjusted over the family
(``ido_analysis.crosstab.apply_families``). Declaring families as data keeps the choice of
what is "read together" out of the code and visible to a reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import REFERENCES

FAMILIES_PATH = REFERENCES / "derived.yaml"


@dataclass(frozen=True)
class TestFamily:
    """One declared family: ``name`` (identifier), ``label`` (Dutch), ``members`` (ids)."""

    __test__ = False  # not a pytest test class

    name: str
    label: str
    members: tuple[str, ...]


def parse_families(raw: dict | None) -> tuple[TestFamily, ...]:
    """Families from the parsed YAML; ValueError on a family without name or members, or a
    variable that belongs to two families."""
    out, seen = [], {}
    for entry in (raw or {}).get("test_families") or []:
        name, members = entry.get("name"), tuple(str(m) for m in entry.get("members") or ())
        if not name or not members:
            raise ValueError(f"test family needs a name and members, got {entry!r}")
        for m in members:
            if m in seen:
                raise ValueError(f"{m} is in test families {seen[m]!r} and {name!r}")
            seen[m] = name
        out.append(TestFamily(str(name), str(entry.get("label", name)), members))
    return tuple(out)


def load_families(path: str | Path | None = None) -> tuple[TestFamily, ...]:
    """The families declared in ``references/derived.yaml`` (or ``path``)."""
    return parse_families(read_yaml(path or FAMILIES_PATH))
