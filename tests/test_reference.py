"""The CBS reference table and the groupings derived from it."""

import hashlib

import pandas as pd
import pytest

from ido_analysis.spec.reference import (
    COARSE_LABELS,
    DEFAULT_PATH,
    SIZE_LABELS,
    coarse_size_class,
    load_municipalities,
    size_class,
)


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return load_municipalities()


def test_file_is_the_documented_copy():
    digest = hashlib.sha256(DEFAULT_PATH.read_bytes()).hexdigest()
    assert digest in (DEFAULT_PATH.parent / "README.md").read_text()


def test_structure_matches_the_provenance_checks(ref):
    assert len(ref) == 342
    assert ref["gemeentecode"].is_unique and ref["gemeentenaam"].is_unique
    assert ref["gemeentecode"].str.fullmatch(r"GM\d{4}").all()
    assert ref["inwoners"].sum() == 18_044_027
    per_province = ref["provincie"].value_counts()
    assert per_province["Gelderland"] == 51 and per_province["Fryslân"] == 18
    assert ref.set_index("gemeentecode").loc["GM0153", "inwoners"] == 162_317


def test_size_classes_cover_all_municipalities(ref):
    counts = ref["grootteklasse"].value_counts().reindex(list(SIZE_LABELS))
    assert counts.tolist() == [5, 6, 55, 180, 64, 14, 14, 4]
    coarse = ref["grootteklasse_grof"].value_counts().reindex(list(COARSE_LABELS))
    assert coarse.tolist() == [66, 180, 96]
    assert ref["provinciegroep"].notna().all()


def test_class_boundaries_are_left_closed():
    s = pd.Series([4_999, 5_000, 19_999, 20_000, 50_000, 250_000])
    assert size_class(s).cat.codes.tolist() == [0, 1, 2, 3, 4, 7]
    assert coarse_size_class(s).cat.codes.tolist() == [0, 0, 0, 1, 2, 2]


def test_wrong_reference_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "ref.csv"
    bad.write_text("code,naam\nGM0001,X\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected columns"):
        load_municipalities(bad)
