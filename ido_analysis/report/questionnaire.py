"""Bijlage 2, the questionnaire, rendered from the codebook as an HTML chapter body.

Contract: ``questionnaire_body(codebook)`` returns an HTML fragment with one ``h2`` per codebook
chapter (with an ``id`` for the contents list) and, in questionnaire order, every question of
that chapter: number and text, the kind of question, the routing, the options with their
letters (marking "Anders, namelijk", "Weet ik niet" and exclusive options), follow-up
questions, contact fields and every recorded defect of the printed questionnaire with the
interpretation chosen. Everything comes from the codebook; nothing here knows a question.
"""

from __future__ import annotations

import html

from ido_analysis.spec.codebook import Codebook, Option, Question

TITLE = "Bijlage 2. Vragenlijst"
KIND = {"open": "Open vraag", "single": "Eén antwoord mogelijk",
        "scale": "Schaalvraag, één antwoord mogelijk",
        "multiple": "Meerdere antwoorden mogelijk",
        "grid": "Per onderdeel ja of nee"}


def _e(text: object) -> str:
    return html.escape(" ".join(str(text).split()))


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} of {items[-1]}"


def routing_text(question: Question, codebook: Codebook) -> str | None:
    """``Alleen gevraagd bij antwoord a of b op vraag 17 (label).`` or None."""
    if question.asked_if is None:
        return None
    source = codebook[question.asked_if.question]
    number = source.number if source.number is not None else source.id
    return (f"Alleen gevraagd bij antwoord {_or_list(list(question.asked_if.options))} "
            f"op vraag {number} ({source.label}).")


def _option_item(option: Option) -> str:
    notes = []
    if option.other:
        notes.append("met open toelichting")
    if option.nonsubstantive:
        notes.append("telt niet mee in de schaal")
    if option.exclusive:
        notes.append("sluit de andere opties uit")
    note = f' <span class="noot">({"; ".join(notes)})</span>' if notes else ""
    return f'<li><span class="optiecode">{_e(option.code)}.</span> {_e(option.label)}{note}</li>'


def question_html(question: Question, codebook: Codebook) -> str:
    """One question as a ``section`` (``h3`` heading, then its details)."""
    number = f"Vraag {question.number}" if question.number is not None else question.id
    parts = [f'<section class="vraag" id="vraag-{_e(question.id)}">'
             f"<h3>{_e(number)}. {_e(question.text)}</h3>",
             f'<p class="vraagsoort">{KIND.get(question.type, _e(question.type))}'
             + ("; persoonsgegevens, niet in het analysebestand" if question.personal else "")
             + "</p>"]
    routing = routing_text(question, codebook)
    if routing:
        parts.append(f'<p class="routing">{_e(routing)}</p>')
    if question.options:
        parts.append('<ul class="opties">' + "".join(_option_item(o) for o in question.options)
                     + "</ul>")
    if question.fields:
        parts.append("<p>Velden: " + ", ".join(_e(f.label) for f in question.fields) + ".</p>")
    for followup in question.followups:
        parts.append(f'<p class="vervolg">Bij antwoord {_e(_or_list(list(followup.when)))}: '
                     f"{_e(followup.text)}</p>")
    if question.defects:
        items = "".join(f"<li>{_e(d.defect)} <em>Gekozen:</em> {_e(d.interpretation)}</li>"
                        for d in question.defects)
        parts.append(f'<div class="gebreken"><p>Gebreken in de gedrukte vragenlijst:</p>'
                     f"<ul>{items}</ul></div>")
    parts.append("</section>")
    return "".join(parts)


def questionnaire_body(codebook: Codebook) -> str:
    """The whole questionnaire (see the module contract)."""
    source = codebook.survey.get("source")
    parts = ["<p>De vragenlijst zoals het codeboek hem vastlegt"
             + (f" (bron: {_e(source)})" if source else "")
             + ": elke vraag met haar antwoordopties, de routering en de gebreken die in de "
             "gedrukte vragenlijst zijn gevonden, met de gekozen interpretatie.</p>"]
    for chapter in codebook.chapters:
        questions = [q for q in codebook.questions if q.chapter == chapter.id]
        if not questions:
            continue
        parts.append(f'<h2 id="vragenlijst-{_e(chapter.id)}">{_e(chapter.title)}</h2>')
        parts.extend(question_html(q, codebook) for q in questions)
    return "".join(parts)
