"""The link respondent -> municipality, made from the raw export at factsheet time.

``data/processed/`` holds no municipality codes (``ingest.clean`` drops them). A factsheet needs
the link, so it re-runs the matching of ``ingest.municipalities`` on the municipality question
of the raw export and keeps the result in memory only: nothing here writes a file.

Contract: ``municipality_links(raw_path)`` returns one ``Link`` per respondent whose answer
names at least one municipality, in export order: ``respondent_id`` (as in the processed
dataset), the CBS codes and the CBS names in order of mention. An answer that cannot be matched
raises ``ValueError`` (the cleaning step refuses such an export too). ``find_links`` selects
the links that cover a municipality given by CBS code or name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ido_analysis.ingest.municipalities import Matcher, normalise
from ido_analysis.ingest.reader import read_export
from ido_analysis.ingest.tool_import import import_export
from ido_analysis.spec.codebook import Codebook, load_codebook
from ido_analysis.spec.derived import load_derived
from ido_analysis.spec.reference import load_municipalities


@dataclass(frozen=True)
class Link:
    """One respondent and the municipalities it answered for."""

    respondent_id: int
    codes: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def label(self) -> str:
        """Dutch enumeration of the names: ``A``, ``A en B``, ``A, B en C``."""
        if len(self.names) == 1:
            return self.names[0]
        return ", ".join(self.names[:-1]) + " en " + self.names[-1]


def municipality_links(raw_path: str | Path, reference_path: str | Path | None = None,
                       codebook: Codebook | None = None,
                       mapping_path: str | Path | None = None) -> list[Link]:
    """Match the municipality answer of every respondent in the raw export (in memory). A
    survey-tool export is read as the cleaning step reads it (``ingest.tool_import``, with the
    analyst's ``mapping_path`` when given), so the respondent ids agree."""
    codebook = codebook or load_codebook()
    question = load_derived(codebook).municipality_question
    if question is None:
        raise ValueError("derived.yaml names no municipality question")
    matcher = Matcher.build(load_municipalities(reference_path))
    imported = import_export(raw_path, codebook, mapping_path)
    frame = imported.frame if imported is not None else read_export(raw_path, codebook)[0]
    links = []
    for rid, answer in zip(frame["respondent_id"], frame[question], strict=True):
        if answer is None or pd.isna(answer):
            continue
        result = matcher.match(answer)
        if result.problem:
            raise ValueError(f"respondent {rid}: {result.problem}")
        links.append(Link(int(rid), result.codes, tuple(matcher.name(c) for c in result.codes)))
    return links


def find_links(links: list[Link], municipality: str) -> list[Link]:
    """Links covering ``municipality``: a CBS code (``0363``, ``GM0363``) or a CBS name."""
    wanted = str(municipality).strip()
    code = "GM" + wanted.zfill(4) if wanted.isdigit() else wanted.upper()
    key = normalise(wanted)
    return [link for link in links
            if code in link.codes or key in {normalise(n) for n in link.names}]
