"""Remove contact details and person names from open answers before anything is written.

``deidentify(text)`` replaces e-mail addresses by ``[e-mail]``, Dutch phone numbers by
``[telefoon]`` and person names by ``[naam]``. Columns marked ``personal: true`` in the codebook
are never written at all (``ingest.clean`` drops them); this module handles the personal
data people type into ordinary open answers.

Names are found with hand-written patterns, not with the ``deduce`` library. ``deduce`` 3.0.6
(Dutch de-identification of clinical text; pulls in ``docdeid``, ``rapidfuzz``, ``regex``) was
measured on 12 typical sentences of this survey (planted contact details plus ordinary open
answers), in a separate virtualenv:

* cost: the first ``Deduce()`` builds its lookup structures in 69 s, later loads take 12 s;
  the installed package is 86 MB (+16 MB dependencies). Per text about 0.5-2 ms.
* recall: it found every cued name and also an uncued first name ("Piet regelt dat"), the
  e-mail address and ``06-12345678``, but missed ``+31 (0)20 123 4567``.
* precision: it masked all three place names ("In [LOCATIE-1] en [LOCATIE-2] hebben we een IDO",
  "gemeentehuis van [LOCATIE-1]") and tagged "Bibliotheek Rivierenland" as a hospital; in this
  survey those words are the substance the open answers are coded on.

A 12 s start-up in every notebook run and a 100 MB dependency, with place names lost, is too
much for 47 answers from municipal civil servants, where names appear after a cue. The
patterns below mask a name after such a cue: "mijn naam is X", "contactpersoon: X", "collega
X", "mevrouw/mevr./mw./meneer/dhr./de heer X", titles ("dr.", "wethouder X"), greetings
("Groet, X"). Limitation: a name without a cue ("Piet regelt dat") is not masked; open answers
are read by an analyst before quotes are published.
"""

from __future__ import annotations

import re

import pandas as pd

EMAIL = "[e-mail]"
PHONE = "[telefoon]"
NAME = "[naam]"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_SEP = r"(?:\s?[.\-/]\s?|\s)?"  # "", " ", "-", " - ", ".", "/"
# +31 6 12345678, 0031 20 1234567, +31 (0)20 123 4567, 06-12345678, 020-1234567, (020) 1234567
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)31" + _SEP + r"(?:\(0\)" + _SEP + r")?[1-9]"
    r"|\(?0[1-9])" + r"(?:\)?" + _SEP + r"\d){8}(?!\d)"
)
_WORD = r"[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?"
_PARTICLE = r"(?:van|de|der|den|ter|ten|te|het|'t|in|op|la|le|du|da|di)"
_INITIALS = r"(?:[A-Z]\.\s?){1,4}"
# A name: optional initials, then one to three capitalised words with optional particles
# ("J. de Vries", "Anna van den Berg", "Pieter-Jan Smit").
_NAME = (rf"(?:{_INITIALS}\s*)?{_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_WORD}){{0,2}}"
         rf"|{_INITIALS}\s*(?:{_PARTICLE}\s+)*{_WORD}")
_CUES = (
    r"mijn naam is", r"ik heet", r"contactpersoon(?: is)?:?", r"naam:", r"collega",
    r"met vriendelijke groet,?", r"mvg,?", r"groet(?:en)?,?", r"vraag naar",
    r"mevrouw", r"mevr\.?", r"mw\.?", r"meneer", r"mijnheer", r"de heer", r"dhr\.?",
    r"dr\.?", r"drs\.?", r"ir\.?", r"mr\.?",
    r"wethouder", r"burgemeester",
)
_NAME_RE = re.compile(
    rf"(?P<cue>\b(?i:{'|'.join(_CUES)})\s+)(?P<name>{_NAME})(?![\w@])"
)


def deidentify(text: str | None) -> str | None:
    """Return ``text`` with e-mail addresses, phone numbers and cued person names masked.

    ``None``/NA is returned unchanged. Masking is idempotent: markers are not masked again.
    """
    if text is None or text is pd.NA or (isinstance(text, float) and pd.isna(text)):
        return text
    text = _EMAIL_RE.sub(EMAIL, str(text))
    text = _PHONE_RE.sub(PHONE, text)
    return _NAME_RE.sub(lambda m: m.group("cue") + NAME, text)


def deidentify_series(values: pd.Series) -> tuple[pd.Series, int]:
    """De-identify a text column; returns the new column (dtype ``string``) and the number of
    cells that changed."""
    values = values.astype("string")
    cleaned = values.map(deidentify, na_action="ignore").astype("string")
    changed = int((cleaned != values).fillna(False).sum())
    return cleaned, changed
