"""Compare a survey tool's wording with the codebook's: normalisation and a similarity score.

``normalise`` removes what differs between a tool's text and the report's transcription
without changing the meaning: numbering ("6.", "Q6", "Vraag 6:"), type markers
("<meerdere opties mogelijk>", "(meerkeuze)"; patterns in ``references/survey_tools.yaml``),
curly or straight quotes, spacing, capitals and punctuation. ``similarity`` scores two texts
from 0 to 1 on their word sequences (a changed or missing word costs a little; a different
question costs a lot); a text that the tool cut off (SPSS labels end at 120 bytes) scores as
high as an almost equal one when the cut-off part is long enough.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-"})
TRUNCATED_SCORE = 0.95


@lru_cache(maxsize=8192)
def normalise(text: str, numbering: str = "", markers: tuple[str, ...] = ()) -> str:
    """Lower-case words separated by single spaces, without numbering, markers, punctuation."""
    text = unicodedata.normalize("NFKC", str(text)).translate(QUOTES)
    if numbering:
        text = re.sub(numbering, "", text, count=1, flags=re.IGNORECASE)
    for pattern in markers:
        text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    text = text.casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=65536)
def similarity(a: str, b: str, truncated_min_chars: int = 40) -> float:
    """Score in [0, 1] of two NORMALISED texts: 1 equal, ~0.95 one word changed in twenty or a
    text cut off after at least ``truncated_min_chars`` characters, low for other texts."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ta, tb = a.split(), b.split()
    score = SequenceMatcher(None, ta, tb, autojunk=False).ratio()
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= truncated_min_chars and long_.startswith(short.rsplit(" ", 1)[0]):
        score = max(score, TRUNCATED_SCORE)
    return round(score, 3)
