"""Progress lines of a run."""

from __future__ import annotations

from typing import TextIO


def say(stream: TextIO, text: str) -> None:
    print(text, file=stream, flush=True)

