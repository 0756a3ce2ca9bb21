"""Derived files made again only when what they are made from changed.

A stamp is a small file holding the digest of a derived file's inputs (``digest``). ``Stamps``
keeps them in one folder; the caller clears that folder when the code that makes the files
changed (the pipeline does so when the package hash changes), so keys need only name the
inputs. Without a folder nothing is ever current and nothing is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ido_analysis.core.files import write_atomic, write_text_atomic


def digest(*parts: str | bytes) -> str:
    """sha256 over ``parts`` (strings as UTF-8), each part length-prefixed."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


class Stamps:
    """Stamps of derived files in ``folder`` (``None``: no caching)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _stamp(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{name}.sha256"

    def current(self, name: str, key: str, *outputs: Path) -> bool:
        """Every output exists and was made from inputs with digest ``key``."""
        stamp = self._stamp(name)
        return (stamp is not None and stamp.exists() and stamp.read_text() == key
                and all(p.exists() for p in outputs))

    def mark(self, name: str, key: str) -> None:
        """Record that ``name``'s outputs were made from inputs with digest ``key``."""
        stamp = self._stamp(name)
        if stamp is not None:
            write_text_atomic(stamp, key)

    def cached_bytes(self, name: str, key: str, make: Callable[[], bytes]) -> bytes:
        """``make()``, or what it returned last time for the same ``key`` (kept in the
        folder as ``name``)."""
        if self.folder is None:
            return make()
        kept = self.folder / name
        if self.current(name, key, kept):
            return kept.read_bytes()
        data = make()
        write_atomic(kept, lambda tmp: tmp.write_bytes(data))
        self.mark(name, key)
        return data
