"""Municipality matching: normaliser, aliases, lists, ambiguity, the multi-municipality rule."""

from __future__ import annotations

import pandas as pd
import pytest

from ido_analysis.ingest.municipalities import (
    Matcher,
    load_aliases,
    municipality_columns,
    normalise,
)


@pytest.mark.parametrize(("text", "key"), [
    ("Gemeente Den Haag", "den haag"),
    ("gem. Súdwest-Fryslân", "sudwest fryslan"),
    ("'s-Gravenhage", "s gravenhage"),
    ("Bergen (NH.)", "bergen nh"),
    ("  UTRECHT (gemeente) ", "utrecht"),
    ("Gemert-Bakel", "gemert bakel"),
])
def test_normalise(text, key):
    assert normalise(text) == key


@pytest.mark.parametrize(("text", "codes"), [
    ("Gemeente Den Haag", ("GM0518",)),
    ("gem. Súdwest Fryslân", ("GM1900",)),
    ("Bergen NH", ("GM0373",)),
    ("Bergen (L)", ("GM0893",)),
    ("Hengelo", ("GM0164",)),
    ("Nuenen", ("GM0820",)),
    ("Nuenen, Gerwen en Nederwetten", ("GM0820",)),
    ("Castricum, Heiloo en Uitgeest", ("GM0383", "GM0399", "GM0450")),
    ("Son en Breugel / Eindhoven", ("GM0848", "GM0772")),
    ("Utrecht & Zeist", ("GM0344", "GM0355")),
    ("BUCH", ("GM0373", "GM0383", "GM0399", "GM0450")),
    ("gemeenten Castricum en Heiloo", ("GM0383", "GM0399")),
    ("Den Bosch", ("GM0796",)),
])
def test_match(matcher, text, codes):
    result = matcher.match(text)
    assert result.problem is None
    assert result.codes == codes


def test_ambiguous_bergen_suggests_both(matcher):
    result = matcher.match("Bergen")
    assert result.kind == "ambiguous"
    assert result.codes == ()
    assert set(result.suggestions) == {"Bergen (NH.)", "Bergen (L.)"}


def test_unknown_name_suggests_close_names(matcher):
    result = matcher.match("Amsterdm")
    assert result.kind == "unknown"
    assert result.suggestions[0] == "Amsterdam"


def test_one_unknown_part_fails_the_whole_answer(matcher):
    result = matcher.match("Utrecht en Atlantis")
    assert result.kind == "unknown"
    assert result.codes == ()


def test_empty_answer(matcher):
    assert matcher.match(None).kind == "missing"
    assert matcher.match("  ").kind == "missing"


def test_every_alias_points_to_existing_codes(matcher):
    aliases = load_aliases()
    assert aliases["BUCH"] == ("GM0373", "GM0383", "GM0399", "GM0450")
    for codes in aliases.values():
        assert set(codes) <= set(matcher.table.index)


def test_every_cbs_name_matches_itself(matcher):
    for code, name in zip(matcher.table["gemeentecode"], matcher.table["gemeentenaam"],
                          strict=True):
        assert matcher.match(name).codes == (code,), name


def test_multi_municipality_rule(matcher):
    codes = pd.Series([("GM0383", "GM0399", "GM0450"), ("GM0518",), ()])
    cols = municipality_columns(matcher, codes)
    # Castricum 36 618 + Heiloo 24 341 + Uitgeest 13 427 = 74 386: 50 000 - 100 000 class.
    assert cols.loc[0, "inwoners"] == 74_386
    assert cols.loc[0, "n_gemeenten"] == 3
    assert cols.loc[0, "gemeentecodes"] == "GM0383;GM0399;GM0450"
    assert cols.loc[0, "grootteklasse"] == "50 000 tot 100 000 inwoners"
    assert cols.loc[0, "grootteklasse_grof"] == "groot (50 000 of meer)"
    assert cols.loc[0, "provincie"] == "Noord-Holland"
    assert cols.loc[1, "provinciegroep"] == "West-Nederland"
    assert cols.loc[2].isna().all()
    assert cols["grootteklasse"].cat.ordered


def test_province_of_largest_municipality(matcher):
    # Eindhoven (Noord-Brabant, 243 730) is larger than Bergen (L.) (Limburg).
    cols = municipality_columns(matcher, pd.Series([("GM0893", "GM0772")]))
    assert cols.loc[0, "provincie"] == "Noord-Brabant"


def test_alias_with_unknown_code_is_rejected(tmp_path, matcher):
    path = tmp_path / "a.csv"
    path.write_text("alias,gemeentecode,note\nNergens,GM9999,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="GM9999"):
        Matcher.build(matcher.table.reset_index(drop=True), path)
