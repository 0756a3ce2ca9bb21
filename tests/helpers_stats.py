"""Small hand-built codebook and respondent frames for the statistics-layer tests."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ido_analysis.spec.codebook import Codebook, Question, parse_codebook

STATUS = ["beantwoord", "geen antwoord", "niet gevraagd"]


def _opts(*labels: str, **flags: dict) -> list[dict]:
    out = []
    for i, label in enumerate(labels):
        code = "abcdefghij"[i]
        out.append({"code": code, "label": label, **flags.get(code, {})})
    return out


def small_codebook() -> Codebook:
    """Four closed questions (single, scale with 'Weet ik niet', multiple, grid), one open."""
    raw = {
        "version": 1,
        "survey": {"fieldwork_start": "2025-08-28", "fieldwork_end": "2025-10-10",
                   "population": 342},
        "chapters": [{"id": "h1", "title": "H1", "sections": [{"id": "1.1", "title": "S"}]}],
        "questions": [
            {"id": "q01", "number": 1, "text": "Welke rol?", "label": "Rol", "type": "single",
             "chapter": "h1", "section": "1.1",
             "options": _opts("Trekker", "Deelnemer", "Geen rol")},
            {"id": "q02", "number": 2, "text": "Hoe tevreden?", "label": "Tevredenheid",
             "type": "scale", "chapter": "h1", "section": "1.1",
             "options": _opts("Zeer tevreden", "Tevreden", "Ontevreden", "Weet ik niet",
                              d={"nonsubstantive": True})},
            {"id": "q03", "number": 3, "text": "Welke partners?", "label": "Partners",
             "type": "multiple", "chapter": "h1", "section": "1.1",
             "options": _opts("Bibliotheek", "UWV", "SVB", "Anders, namelijk", "Geen",
                              d={"other": True}, e={"exclusive": True})},
            {"id": "q04", "number": 4, "text": "Welke activiteiten?", "label": "Activiteiten",
             "type": "grid", "chapter": "h1", "section": "1.1",
             "options": _opts("Overleg", "Promotie", "Training")},
            {"id": "q05", "number": 5, "text": "Toelichting?", "label": "Toelichting",
             "type": "open", "chapter": "h1", "section": "1.1"},
        ],
    }
    return parse_codebook(raw)


def single_frame(question: Question, answers: Sequence[str | None],
                 status: Sequence[str] | None = None) -> pd.DataFrame:
    """Frame with one single/scale column (labels; None = not answered) and its status."""
    dtype = pd.CategoricalDtype(list(question.labels), ordered=True)
    if status is None:
        status = ["beantwoord" if a is not None else "geen antwoord" for a in answers]
    return pd.DataFrame({
        "respondent_id": pd.array(range(1, len(answers) + 1), dtype="Int64"),
        question.id: pd.Series(list(answers), dtype="object").astype(dtype),
        f"{question.id}_status": pd.Categorical(list(status), categories=STATUS),
    })


def multi_frame(question: Question, rows: Sequence[Sequence[bool] | None]) -> pd.DataFrame:
    """Frame with the boolean option columns of a multiple/grid question; None = no answer.

    Inside a row, None marks an unanswered grid item.
    """
    data: dict[str, object] = {
        "respondent_id": pd.array(range(1, len(rows) + 1), dtype="Int64")}
    for i, col in enumerate(question.option_columns()):
        data[col] = pd.array([None if r is None else r[i] for r in rows], dtype="boolean")
    data[f"{question.id}_status"] = pd.Categorical(
        ["beantwoord" if r is not None else "geen antwoord" for r in rows], categories=STATUS)
    return pd.DataFrame(data)
