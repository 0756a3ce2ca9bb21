"""Derived files are made again exactly when what they are made from changed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ido_analysis.core.stamps import Stamps, digest
from ido_analysis.report import dutch_csv


def test_cached_bytes_makes_once_per_key(tmp_path: Path) -> None:
    stamps, calls = Stamps(tmp_path / "s"), []

    def make() -> bytes:
        calls.append(1)
        return b"pdf %d" % len(calls)

    assert stamps.cached_bytes("front.pdf", "a", make) == b"pdf 1"
    assert stamps.cached_bytes("front.pdf", "a", make) == b"pdf 1"
    assert stamps.cached_bytes("front.pdf", "b", make) == b"pdf 2"
    (tmp_path / "s" / "front.pdf").unlink()
    assert stamps.cached_bytes("front.pdf", "b", make) == b"pdf 3"
    assert Stamps(None).cached_bytes("front.pdf", "b", make) == b"pdf 4"


def test_current_needs_the_key_and_every_output(tmp_path: Path) -> None:
    stamps, out = Stamps(tmp_path / "s"), tmp_path / "page.html"
    out.write_text("x")
    assert not stamps.current("page", "k", out)
    stamps.mark("page", "k")
    assert stamps.current("page", "k", out)
    assert not stamps.current("page", "other", out)
    assert not stamps.current("page", "k", out, tmp_path / "missing.pdf")


def test_digest_separates_its_parts() -> None:
    assert digest("ab", "c") != digest("a", "bc")


def test_dutch_tables_follow_their_originals(tmp_path: Path) -> None:
    tables, stamps = tmp_path / "tables", Stamps(tmp_path / "s")
    tables.mkdir()
    pd.DataFrame({"count": [1.5], "suppressed": [True]}).to_csv(tables / "a.csv", index=False)
    pd.DataFrame({"count": [2]}).to_csv(tables / "b.csv", index=False)
    assert set(dutch_csv.write_dutch_tables(tables, stamps)) == {"a.csv", "b.csv"}
    assert (tables / "nl" / "a.csv").read_bytes().decode("utf-8-sig") == \
        "aantal;onderdrukt\r\n1,5;ja\r\n"

    pd.DataFrame({"count": [2.5], "suppressed": [False]}).to_csv(tables / "a.csv", index=False)
    (tables / "b.csv").unlink()
    assert set(dutch_csv.write_dutch_tables(tables, stamps)) == {"a.csv"}
    assert (tables / "nl" / "a.csv").read_bytes().decode("utf-8-sig") == \
        "aantal;onderdrukt\r\n2,5;nee\r\n"
    assert not (tables / "nl" / "b.csv").exists()
