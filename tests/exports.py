"""Random valid raw exports from the codebook (seeded numpy), for the whole-chain tests.

Every export this module writes is valid by the codebook's rules:
- closed answers of the right type: one option for single/scale, any non-empty set for
  multiple choice (an exclusive option alone), ``ja``/``nee`` for every grid item;
- routing: a question with ``asked_if`` is answered only by respondents who chose one of its
  trigger options, and left empty for everyone else;
- a follow-up is answered only after one of its trigger options, an "Anders, namelijk" text
  only when that option was ticked (and then always);
- municipalities typed as people type them ("Gem. Ede", "gemeente ede", "Ede "), optionally
  several in one answer ("Ede en Wageningen");
- timestamps inside fieldwork, contact details only for respondents who agreed.

Adversarial knobs: ``never`` (options nobody chooses), ``always`` (options everybody asked
chooses), ``dont_know`` (every question that has a nonsubstantive option gets it),
``unreached`` (routed questions whose trigger nobody chooses), ``municipalities`` (the
municipality codes of each respondent, e.g. one respondent in a size group, or several codes
for one respondent).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ido_analysis.ingest import generate
from ido_analysis.spec.codebook import Codebook, Question, load_codebook
from ido_analysis.spec.reference import load_municipalities

TYPED = ("{naam}", "Gemeente {naam}", "gemeente {naam_klein}", "Gem. {naam}", "{naam} ",
         "{naam_klein}", "de gemeente {naam}")
TEXTS = ("Zie eerdere toelichting.", "Dat verschilt per wijk.", "Geen idee, eerlijk gezegd",
         "We zijn er nog mee bezig", "Meer capaciteit en structurele middelen")


def _choose(q: Question, rng: np.random.Generator, allowed: np.ndarray,
            always: np.ndarray, dont_know: bool) -> np.ndarray:
    """One respondent's 0/1 row for a closed question."""
    k = len(q.options)
    row = np.zeros(k, dtype=int)
    nonsub = np.array([o.nonsubstantive for o in q.options])
    if dont_know and nonsub.any() and allowed[nonsub].any():
        row[np.flatnonzero(nonsub & allowed)[0]] = 1
        return row
    if q.type == "grid":
        return (rng.random(k) < rng.uniform(0.2, 0.8)).astype(int) | always
    if q.type in ("single", "scale"):
        pool = np.flatnonzero(always) if always.any() else np.flatnonzero(allowed)
        row[int(rng.choice(pool))] = 1
        return row
    exclusive = np.array([o.exclusive for o in q.options])
    if always[exclusive].any():
        row[np.flatnonzero(always & exclusive)[0]] = 1
        return row
    if not always.any() and (exclusive & allowed).any() and rng.random() < 0.15:
        row[int(rng.choice(np.flatnonzero(exclusive & allowed)))] = 1
        return row
    pool = np.flatnonzero(allowed & ~exclusive)
    picked = rng.choice(pool, size=int(rng.integers(1, min(3, len(pool)) + 1)), replace=False)
    row[picked] = 1
    return row | (always & ~exclusive)


def closed_answers(codebook: Codebook, n: int, rng: np.random.Generator,
                   never: Sequence[tuple[str, str]] = (),
                   always: Sequence[tuple[str, str]] = (), dont_know: bool = False,
                   unreached: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """0/1 answer matrices per closed question (rows: respondents), respecting routing."""
    blocked = {(q.asked_if.question, c) for q in codebook if q.id in unreached and q.asked_if
               for c in q.asked_if.options}
    answers: dict[str, np.ndarray] = {}
    for q in codebook.closed():
        allowed = np.array([(q.id, o.code) not in set(never) | blocked for o in q.options])
        forced = np.array([(q.id, o.code) in set(always) for o in q.options], dtype=int)
        x = np.zeros((n, len(q.options)), dtype=int)
        answers[q.id] = x
        asked = generate._asked_mask(codebook, answers, q)
        for i in np.flatnonzero(asked):
            x[i] = _choose(q, rng, allowed, forced, dont_know) * (allowed | (q.type == "grid"))
            if q.type == "grid" and not allowed.all():
                x[i] = x[i] & allowed
    return answers


def open_answers(codebook: Codebook, answers: dict[str, np.ndarray], rng: np.random.Generator
                 ) -> dict[str, list[str]]:
    """Open questions, follow-ups and "Anders" texts only where they may be answered."""
    cells: dict[str, list[str]] = {}
    columns = [q.id for q in codebook.of_type("open")][1:]
    columns += [c for q in codebook for c in q.text_columns() + [f.id for f in q.followups]]
    personal = set(codebook.personal_columns())
    for column in columns:
        eligible = generate._eligible(codebook, answers, column)
        must = column.endswith("_tekst")
        cells[column] = [
            (str(rng.choice(TEXTS)) if column not in personal else "Een naam")
            if ok and (must or rng.random() < 0.5) else "" for ok in eligible]
    return cells


def typed_municipalities(codes: Sequence[Sequence[str]], rng: np.random.Generator) -> list[str]:
    """q01 answers: each respondent's municipality names in one of the ways people type them."""
    names = load_municipalities().set_index("gemeentecode")["gemeentenaam"]
    typed = []
    for group in codes:
        parts = [TYPED[int(rng.integers(len(TYPED)))].format(naam=names[c],
                                                              naam_klein=names[c].lower())
                 for c in group]
        typed.append(parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1])
    return typed


def draw_codes(n: int, rng: np.random.Generator) -> list[list[str]]:
    """``n`` different municipalities, uniformly."""
    ref = load_municipalities().sort_values("gemeentecode")
    return [[c] for c in rng.choice(ref["gemeentecode"].to_numpy(), size=n, replace=False)]


def random_export(n: int, seed: int, *, never: Sequence[tuple[str, str]] = (),
                  always: Sequence[tuple[str, str]] = (), dont_know: bool = False,
                  unreached: Sequence[str] = (),
                  municipalities: Sequence[Sequence[str]] | None = None) -> pd.DataFrame:
    """A valid export of ``n`` respondents as a frame of strings (empty string = empty cell)."""
    codebook = load_codebook()
    rng = np.random.default_rng(seed)
    answers = closed_answers(codebook, n, rng, never, always, dont_know, unreached)
    cells = generate.answers_to_columns(codebook, answers)
    codes = list(municipalities) if municipalities is not None else draw_codes(n, rng)
    cells[codebook.ids[0]] = typed_municipalities(codes, rng)
    cells.update(open_answers(codebook, answers, rng))
    assumptions = generate.load_assumptions()
    cells.update(generate.contact_details(codebook, answers, assumptions["contact"], rng))
    times = generate.timestamps(assumptions, n, rng)
    frame = pd.DataFrame({"respondent_id": [str(5001 + i) for i in range(n)],
                          "startdatum": [t[0] for t in times],
                          "einddatum": [t[1] for t in times],
                          "herkomst": "synthetisch: willekeurige test-export"})
    for col in codebook.raw_columns():
        frame[col] = cells.get(col, [""] * n)
    return frame


def write_export(frame: pd.DataFrame, path: Path) -> Path:
    path.write_bytes(generate.to_csv_bytes(frame))
    return path


def bundled_minus(k: int, seed: int) -> pd.DataFrame:
    """The bundled reconstruction without ``k`` randomly chosen respondents."""
    frame = pd.read_csv(generate.DEFAULT_OUTPUT, dtype=str, keep_default_na=False)
    drop = np.random.default_rng(seed).choice(len(frame), size=k, replace=False)
    return frame.drop(index=frame.index[drop]).reset_index(drop=True)


def codes_by_size(sizes: dict[str, int], rng: np.random.Generator,
                  several: int = 0) -> list[list[str]]:
    """Municipality codes per respondent: ``sizes`` maps a coarse size class to how many
    respondents come from it; with ``several`` > 1 the first respondent answers for that many
    small municipalities together (names without separators, as one typed list)."""
    ref = load_municipalities().sort_values("gemeentecode")
    plain = ref[~ref["gemeentenaam"].str.contains(r"[(,/&+]|\ben\b", regex=True)]
    taken: set[str] = set()
    out: list[list[str]] = []
    if several > 1:
        pool = plain[plain["inwoners"] < 10_000]["gemeentecode"].to_numpy()
        group = [str(c) for c in rng.choice(pool, size=several, replace=False)]
        taken.update(group)
        out.append(group)
    for size, k in sizes.items():
        pool = [c for c in plain[plain["grootteklasse_grof"].astype(str) == size]["gemeentecode"]
                if c not in taken]
        picked = [str(c) for c in rng.choice(pool, size=k, replace=False)]
        taken.update(picked)
        out += [[c] for c in picked]
    return out
