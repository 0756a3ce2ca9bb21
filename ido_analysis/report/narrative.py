"""Dutch chapter text that holds numbers: computed from the data and the parameters.

A Markdown cell of a notebook cannot hold a computed number, so every sentence that states the
number of respondents, the population, the confidence level, the disclosure threshold, the
weighting or the size of a group is written here and shown with ``say(...)`` from the
notebook. Markdown cells keep only text without such numbers, or sentences that quote the
report, which say so (``REPORT_QUOTE``; ``tests/test_narrative.py`` checks both).

Each function returns Markdown; none knows a question id.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown, display

from ido_analysis.analysis.disclosure import MIN_CELL, hidden_group_sizes, merge_small_groups
from ido_analysis.core.formatting import fmt_count, fmt_percent, interval_label

# A sentence in a Markdown cell that quotes a number from the published report names the
# report ("Het rapport noemt ...", "in het rapport"); such sentences may hold literal numbers.
REPORT_QUOTE = "rapport"

_SMALL_WORDS = {1: "één", 2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven",
                8: "acht", 9: "negen", 10: "tien", 11: "elf", 12: "twaalf"}


def say(text: str) -> None:
    """Display Dutch Markdown in a notebook (and in its HTML/PDF)."""
    display(Markdown(text))


def number_word(n: int) -> str:
    """``4`` -> ``"vier"`` up to twelve, digits above (Dutch house style for small counts)."""
    return _SMALL_WORDS.get(int(n), fmt_count(n))


def municipalities(n: int) -> str:
    """``"47 gemeenten"``, ``"1 gemeente"``."""
    return f"{fmt_count(n)} {'gemeente' if n == 1 else 'gemeenten'}"


def respondents(n: int) -> str:
    """``"47 respondenten"``, ``"1 respondent"``."""
    return f"{fmt_count(n)} {'respondent' if n == 1 else 'respondenten'}"


def _responded(n: int) -> str:
    verb = "invulde" if n == 1 else "invulden"
    return f"de {municipalities(n)} die de enquête {verb}"


def _share(n: int, population: int) -> str:
    """``n`` as a share of ``population``: whole percent, "minder dan 1%" below one half."""
    if not population:
        return "–"
    pct = 100 * n / population
    return "minder dan 1%" if 0 < pct < 0.5 else fmt_percent(pct)


def scope(n: int, population: int, confidence: float) -> str:
    """'What the figures do and do not say': respondents against the population, the
    interval level and the finite-population correction."""
    share = _share(n, population)
    return (
        f"**Wat de cijfers wel en niet zeggen.** De cijfers beschrijven {_responded(n)}, van "
        f"de {municipalities(population)} in Nederland ({share}). Zij hebben zelf besloten "
        "mee te doen en vormen geen aselecte steekproef: gemeenten met meer belangstelling "
        "voor het onderwerp hebben mogelijk vaker meegedaan. De cijfers geven dus een beeld "
        "van de respondenten, geen schatting voor alle gemeenten. Bij elk percentage staat "
        f"een {interval_label(confidence).replace('-interval', '-betrouwbaarheidsinterval')} "
        "(een Wilson-interval met eindige-populatiecorrectie: een correctie omdat "
        f"{fmt_count(n)} van de {fmt_count(population)} gemeenten "
        f"{'meedeed' if n == 1 else 'meededen'}, een deel van het geheel). Dat interval geeft "
        "alleen de onzekerheid door toeval weer, niet die door zelfselectie; de werkelijke "
        "onzekerheid is groter.")


def reading_guide(n: int) -> str:
    """How to read the tables: the base, multiple choice, whiskers, the reading aid."""
    return (
        "**Zo zijn de tabellen te lezen.** De basis (n) is het aantal respondenten dat de "
        "vraag beantwoordde; kregen niet alle respondenten de vraag, dan is de basis kleiner "
        f"dan {fmt_count(n)} en staat dat boven de grafiek. Bij meerkeuzevragen konden "
        "respondenten meer dan één antwoord kiezen; de tabel geeft dan zowel het aandeel "
        "respondenten als het aandeel van alle vermeldingen. Lange antwoorden zijn in de tabel "
        "ingekort; de grafiek eronder geeft ze volledig. De lijntjes in de staafgrafieken zijn "
        "de intervallen. Onder elke tabel leest een zin één cijfer voor, met de breedte van het "
        "interval. Waar het rapport een cijfer noemt, staat het herberekende cijfer ernaast; de "
        "code tussen haakjes (bijvoorbeeld F006) is het nummer van dat cijfer in de "
        "reproductie-audit, het laatste hoofdstuk.")


def chapter_introduction(n: int, population: int, confidence: float) -> str:
    """``scope`` and ``reading_guide`` as two paragraphs."""
    return scope(n, population, confidence) + "\n\n" + reading_guide(n)


def small_counts(min_cell: int) -> str:
    """How counts under the disclosure threshold are shown in the composition tables."""
    low = (f"van één tot {number_word(min_cell - 1)}" if min_cell > 2 else "van één")
    return (f"Aantallen respondenten {low} staan als 'x' vermeld (en hun aandeel als '–'), en "
            "zo nodig ook een tweede aantal, zodat ze niet uit het totaal terug te rekenen zijn "
            "en geen kleine groep gemeenten herkenbaar wordt; dezelfde regel geldt in het "
            "hoofdstuk over kruistabellen en representativiteit.")


def disclosure_rule(min_cell: int) -> str:
    """The threshold of the cross-tabs, what it hides and how the whole release is checked."""
    low = f"één tot {number_word(min_cell - 1)}" if min_cell > 2 else "één"
    return (
        "**Geheimhouding.** De respondenten zijn gemeenten, en het zijn er weinig. Wie weet "
        f"welke gemeenten in een kleine groep vallen, kan uit een cel van {low} "
        "respondenten afleiden wat die gemeenten antwoordden. Daarom geldt een drempel van "
        f"**{fmt_count(min_cell)}**: een groep met minder dan {number_word(min_cell)} "
        "respondenten wordt samengevoegd met een aangrenzende groep (bij grootteklassen) of "
        "met andere kleine groepen tot \"Overig\" (bij landsdelen), en een cel met "
        f"{low} respondenten wordt niet getoond. Ook cellen waaruit zo'n verborgen cel terug te "
        "rekenen is, worden verborgen, en dat geldt voor alles wat dit rapport samen publiceert: "
        "de volledige en de samengevoegde schalen, de aantallen per groep in de "
        "representativiteitstabellen (en in de bijlage over de respondenten), de totalen van "
        "alle respondenten en het aantal respondenten dat een vraag niet beantwoordde (basis "
        "tegenover groepsgrootte). Een controle rekent na dat niemand uit alle gepubliceerde "
        f"getallen samen een verborgen aantal van {low} kan afleiden of daartussen kan "
        "insluiten; waar nodig wordt ook de basis van een groep verborgen (dan ook de "
        "percentages van die groep). Een cel gelijk aan de hele groep (alle respondenten in de "
        "groep gaven hetzelfde antwoord) wordt evenmin getoond. Elke verborgen cel staat met de "
        "reden in de tabel `tables/onthulling.csv`. Verborgen cellen staan in de tabellen als "
        "**x** en in de grafieken als gearceerd deel \"onderdrukt\". Nullen worden wel getoond.")


def group_sizes(groups: pd.Series, min_cell: int = MIN_CELL) -> str:
    """``"klein 9, middelgroot 25 en groot 13"``: respondents per group (empty ones left out).

    Sizes the disclosure rule hides (``disclosure.hidden_group_sizes``: 1 to ``min_cell - 1``
    and what protects them from the total) read "x", as in every table and chart.
    """
    counts = groups.astype("object").dropna().astype(str).value_counts(sort=False)
    if isinstance(groups.dtype, pd.CategoricalDtype):
        order = [str(c) for c in groups.cat.categories]
        counts = counts.reindex([c for c in order if c in counts.index])
    hidden = hidden_group_sizes(counts, max(min_cell, 1))
    parts = [f"{label} {'x' if hidden[label] else fmt_count(int(k))}"
             for label, k in counts.items() if k > 0]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def crosstab_scope(n: int, population: int, groups: pd.Series,
                   min_cell: int = MIN_CELL) -> str:
    """What cross-tabs of ``n`` of ``population`` in these groups can and cannot carry. The
    groups are those of the cross-tabs: merged to at least ``min_cell`` respondents first
    (``disclosure.merge_small_groups``), and sizes are masked by the shared rule
    (``group_sizes``), so no size below the threshold is printed."""
    groups = merge_small_groups(groups.dropna(), min_cell)
    k = len(groups.cat.categories)
    spread = (f"verdeeld over {number_word(k)} groepen ({group_sizes(groups, min_cell)})"
              if k > 1
              else "in één groep")
    return (
        f"**Wat de cijfers wel en niet zeggen.** Het gaat om {fmt_count(n)} van de "
        f"{fmt_count(population)} gemeenten, die zelf besloten mee te doen, {spread}. De "
        "kruistabellen beschrijven die respondenten; toetsen en intervallen geven alleen de "
        "onzekerheid door toeval weer, niet die door zelfselectie. Met zo weinig respondenten "
        "per groep zijn alleen grote verschillen aan te tonen; een niet-significante uitkomst "
        "betekent niet dat de groepen hetzelfde denken, en een significante uitkomst zegt niets "
        f"over de omvang van het verschil bij alle {fmt_count(population)} gemeenten.")


def representativeness_intro(n: int, population: int) -> str:
    """The comparison of respondents with all municipalities: what adds up to what."""
    return (
        f"De {respondents(n)} worden vergeleken met alle {municipalities(population)} (CBS), "
        "naar de CBS-grootteklassen, de grove groepen, provincie en landsdeel. Respondenten "
        "die voor meerdere gemeenten antwoorden tellen één keer, in de groep van de "
        "samengetelde inwoners van hun gemeenten en de provincie van de grootste; zo tellen "
        f"de respondenten op tot {fmt_count(n)} en de gemeenten tot {fmt_count(population)}.")


def weighting_intro(n: int, weighting: bool) -> str:
    """What weighting does, whether it is on in this run, and the effective sample size."""
    state = ("In deze uitvoering staat weging aan: alle kruistabellen in dit hoofdstuk "
             "gebruiken gewogen percentages (aantallen en bases blijven ongewogen; de toetsen "
             "gebruiken de ongewogen aantallen)." if weighting else
             "In deze uitvoering staat weging uit, zoals in het rapport.")
    return (
        f"{state} De effectieve steekproefomvang (het aantal respondenten dat een ongewogen "
        "steekproef met dezelfde precisie zou hebben) is bij weging kleiner dan "
        f"{fmt_count(n)}.")


def audit_scope(n: int, population: int) -> str:
    """What the audit does and does not say."""
    return (
        "**Wat de audit wel en niet zegt.** De audit controleert of de cijfers uit het rapport "
        "uit de antwoorden volgen. Hij zegt niets over de vraag of die cijfers gelden voor "
        f"alle {municipalities(population)}: ook een gereproduceerd cijfer beschrijft alleen "
        f"{_responded(n)} en zelf besloten mee te doen.")


def joined(parts: Sequence[str]) -> str:
    """Paragraphs joined by a blank line."""
    return "\n\n".join(parts)
