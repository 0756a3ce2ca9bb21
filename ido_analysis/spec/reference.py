"""CBS reference table of the 342 municipalities and the groupings derived from it.

Source and checks: ``data/external/README.md``. Size classes follow CBS's eight
gemeentegrootteklassen, computed from ``inwoners`` on 1 January 2025 (CBS publishes the official
class in 86059NED, of which no copy was available; see the README).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ido_analysis.core.paths import EXTERNAL

DEFAULT_PATH = EXTERNAL / "cbs_gemeenten_2025.csv"

SIZE_BOUNDS = (0, 5_000, 10_000, 20_000, 50_000, 100_000, 150_000, 250_000)
SIZE_LABELS = (
    "minder dan 5 000 inwoners",
    "5 000 tot 10 000 inwoners",
    "10 000 tot 20 000 inwoners",
    "20 000 tot 50 000 inwoners",
    "50 000 tot 100 000 inwoners",
    "100 000 tot 150 000 inwoners",
    "150 000 tot 250 000 inwoners",
    "250 000 inwoners of meer",
)
# Coarse grouping: at n = 47 a proportional sample has about 9, 25 and 13 respondents per group,
# so every group keeps several respondents (the 8 CBS classes would leave most groups with 0-2).
COARSE_BOUNDS = (0, 20_000, 50_000)
COARSE_LABELS = ("klein (< 20 000)", "middelgroot (20 000 - 50 000)", "groot (50 000 of meer)")

# CBS landsdelen (LD01-LD04).
PROVINCE_GROUPS = {
    "Groningen": "Noord-Nederland",
    "Fryslân": "Noord-Nederland",
    "Drenthe": "Noord-Nederland",
    "Overijssel": "Oost-Nederland",
    "Flevoland": "Oost-Nederland",
    "Gelderland": "Oost-Nederland",
    "Utrecht": "West-Nederland",
    "Noord-Holland": "West-Nederland",
    "Zuid-Holland": "West-Nederland",
    "Zeeland": "West-Nederland",
    "Noord-Brabant": "Zuid-Nederland",
    "Limburg": "Zuid-Nederland",
}
PROVINCE_GROUP_LABELS = ("Noord-Nederland", "Oost-Nederland", "West-Nederland", "Zuid-Nederland")
PROVINCES = tuple(PROVINCE_GROUPS)


def _classify(values: pd.Series, bounds: tuple[int, ...], labels: tuple[str, ...]) -> pd.Series:
    cut = pd.cut(values, bins=[*bounds, float("inf")], right=False, labels=list(labels))
    return cut.astype(pd.CategoricalDtype(list(labels), ordered=True))


def size_class(inwoners: pd.Series) -> pd.Series:
    """CBS 8-class gemeentegrootteklasse label for each population figure (ordered)."""
    return _classify(inwoners, SIZE_BOUNDS, SIZE_LABELS)


def coarse_size_class(inwoners: pd.Series) -> pd.Series:
    """Coarse 3-group size class (klein / middelgroot / groot), ordered."""
    return _classify(inwoners, COARSE_BOUNDS, COARSE_LABELS)


def province_group(provincie: pd.Series) -> pd.Series:
    """CBS landsdeel of each province name; unknown names become NA."""
    dtype = pd.CategoricalDtype(list(PROVINCE_GROUP_LABELS), ordered=False)
    return provincie.map(PROVINCE_GROUPS).astype(dtype)


def load_municipalities(path: str | Path | None = None) -> pd.DataFrame:
    """Read the CBS reference table and add the derived groupings.

    Returns one row per municipality with ``gemeentecode``, ``gemeentenaam``, ``provincie``,
    ``inwoners``, ``peildatum``, ``grootteklasse``, ``grootteklasse_grof`` and
    ``provinciegroep``. Raises ``ValueError`` naming the file when the table is not the
    expected one (columns, unique codes, known provinces).
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    frame = pd.read_csv(path, dtype={"gemeentecode": str, "gemeentenaam": str, "provincie": str})
    expected = ["gemeentecode", "gemeentenaam", "provincie", "inwoners", "peildatum"]
    if list(frame.columns) != expected:
        raise ValueError(f"{path}: expected columns {expected}, found {list(frame.columns)}")
    if frame["gemeentecode"].duplicated().any():
        dups = sorted(frame.loc[frame["gemeentecode"].duplicated(), "gemeentecode"])
        raise ValueError(f"{path}: duplicate gemeentecode {dups}")
    unknown = sorted(set(frame["provincie"]) - set(PROVINCES))
    if unknown:
        raise ValueError(f"{path}: unknown provinces {unknown}")
    frame["grootteklasse"] = size_class(frame["inwoners"])
    frame["grootteklasse_grof"] = coarse_size_class(frame["inwoners"])
    frame["provincie"] = frame["provincie"].astype(pd.CategoricalDtype(list(PROVINCES)))
    frame["provinciegroep"] = province_group(frame["provincie"].astype(str))
    return frame
