"""Deterministic generator of the reconstructed (synthetic) raw export.

The respondent-level export of the survey is not public. This module rebuilds a response file
that reproduces every figure the report publishes, in the shape of a real survey-tool export
(``docs/data-contracts.md`` section 2), from three inputs:

- the codebook (``references/codebook.yaml``): questions, options, routing;
- the published-figures register (``references/published_figures.csv``): the counts, bases and
  joint statements the report prints;
- the assumptions file (``references/assumptions.yaml``): everything the report leaves open,
  each choice with its reason, plus the seed.

The closed answers are the solution of one integer program (``scipy.optimize.milp``): a binary
variable per respondent and option, with the register's statements as linear constraints and a
seeded random objective that picks one of the many feasible answer patterns. Open answers,
municipalities, timestamps and contact details are then assigned from the assumptions file with
the same seed. Same inputs and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from ido_analysis.core.files import read_yaml, write_atomic
from ido_analysis.core.formatting import round_half_up
from ido_analysis.core.paths import RAW, REFERENCES
from ido_analysis.spec.codebook import Codebook, Question, load_codebook
from ido_analysis.spec.reference import coarse_size_class, load_municipalities
from ido_analysis.spec.register import consistency, load_register

ASSUMPTIONS_PATH = REFERENCES / "assumptions.yaml"
DEFAULT_OUTPUT = RAW / "ido_enquete_2025_SYNTHETISCH.csv"


class GenerationError(RuntimeError):
    """The register and assumptions cannot be satisfied together, or an input is incomplete."""


# --------------------------------------------------------------------------------------------
# Targets: the register and the assumptions turned into integer ranges on linear quantities.


@dataclass(frozen=True)
class Target:
    """``lo <= quantity <= hi`` for one statement.

    kind ``options``: number of respondents who chose any of ``options`` of ``question``;
    ``n_selected``: number of respondents with between ``low`` and ``high`` options chosen;
    ``total``: total number of options chosen over all respondents (for mean statements);
    ``most``/``least``: each of ``options`` is chosen strictly more/less often than the rest.
    """

    kind: str
    question: str
    options: tuple[str, ...] = ()
    lo: int = 0
    hi: int = 0
    low: int = 0
    high: int = 0
    source: str = ""


def percent_range(percent: float, base: int, tolerance: float = 0.0) -> tuple[int, int]:
    """Counts whose share of ``base`` rounds (half up) to ``percent`` (+/- ``tolerance``)."""
    ok = [
        c for c in range(base + 1)
        if abs(int(round_half_up(Fraction(100 * c, base))) - percent) <= tolerance
    ]
    if not ok:
        raise GenerationError(f"no count of {base} rounds to {percent}%")
    return min(ok), max(ok)


def _split(options: Any) -> tuple[str, ...]:
    if options is None or (isinstance(options, float) and math.isnan(options)):
        return ()
    return tuple(str(options).split(";")) if str(options) else ()


def _is_approximate(row: pd.Series) -> bool:
    note = str(row.get("note") or "").lower()
    return "approx" in note or "ca." in note


def register_targets(register: pd.DataFrame, codebook: Codebook, tolerance: float) -> list[Target]:
    """Turn register rows about closed questions into targets; counts win over percentages."""
    targets: list[Target] = []
    closed = {q.id for q in codebook.closed()}
    consistent = consistency(register)
    for pos, (_, row) in enumerate(register.iterrows()):
        qid = row["question"]
        if pd.isna(qid) or qid not in closed:
            continue
        if consistent.iloc[pos] is not pd.NA and not consistent.iloc[pos] and pd.isna(row["count"]):
            continue  # a percentage contradicting a count printed elsewhere: the count wins
        kind, src = row["kind"], f"register {row['id']}"
        base = int(row["base"]) if not pd.isna(row["base"]) else None
        count = None if pd.isna(row["count"]) else int(row["count"])
        percent = None if pd.isna(row["percent"]) else float(row["percent"])
        if kind in ("option_count", "n_selected"):
            if count is not None:
                lo = hi = count
            elif percent is not None and base:
                tol = tolerance if _is_approximate(row) else 0.0
                lo, hi = percent_range(percent, base, tol)
            else:
                continue
            if kind == "option_count":
                targets.append(Target("options", qid, _split(row["option"]), lo, hi, source=src))
            else:
                targets.append(Target("n_selected", qid, (), lo, hi,
                                      int(row["low"]), int(row["high"]), source=src))
        elif kind == "mean_selected" and base:
            value = float(row["value"])
            lo = math.ceil((value - 0.5) * base)
            hi = math.ceil((value + 0.5) * base) - 1
            targets.append(Target("total", qid, (), lo, hi, source=src))
        elif kind == "ranking":
            targets.append(Target(str(row["measure"]), qid, _split(row["option"]), source=src))
    return targets


def assumption_targets(assumptions: dict) -> list[Target]:
    """Counts the assumptions file fixes for options the report leaves open."""
    targets = []
    for qid, spec in (assumptions.get("counts") or {}).items():
        for options, count in spec.items():
            if options == "reason":
                continue
            targets.append(Target("options", qid, _split(options), int(count), int(count),
                                  source=f"assumptions counts.{qid}.{options}"))
    return targets


# --------------------------------------------------------------------------------------------
# The integer program.


class _Model:
    """Variable bookkeeping for the milp: x[q][i, j] = respondent i chose option j of q."""

    def __init__(self, codebook: Codebook, n: int):
        self.codebook, self.n = codebook, n
        self.index: dict[str, np.ndarray] = {}
        self.size = 0
        self.rows: list[tuple[dict[int, float], float, float, str]] = []
        for q in codebook.closed():
            self.index[q.id] = self._new((n, len(q.options)))

    def _new(self, shape: tuple[int, ...]) -> np.ndarray:
        count = int(np.prod(shape))
        idx = np.arange(self.size, self.size + count).reshape(shape)
        self.size += count
        return idx

    def add(self, coefs: dict[int, float], lo: float, hi: float, why: str) -> None:
        self.rows.append((coefs, lo, hi, why))

    def asked(self, q: Question, i: int) -> dict[int, float]:
        """Linear expression that is 1 when respondent i was asked q (routing), {} for always."""
        if q.asked_if is None:
            return {}
        src = self.codebook[q.asked_if.question]
        cols = [src.codes.index(c) for c in q.asked_if.options]
        return {int(self.index[src.id][i, j]): 1.0 for j in cols}


def _minus(expr: dict[int, float], coefs: dict[int, float]) -> dict[int, float]:
    out = dict(coefs)
    for k, v in expr.items():
        out[k] = out.get(k, 0.0) - v
    return out


def _structure(model: _Model, min_selected: dict[str, int], fixed: dict[int, dict]) -> None:
    """Constraints every export satisfies: one answer per single question, routing, exclusivity."""
    for q in model.codebook.closed():
        x = model.index[q.id]
        for i in range(model.n):
            asked = model.asked(q, i)
            row = {int(v): 1.0 for v in x[i]}
            if q.type in ("single", "scale"):
                # exactly one option when asked (1 - 0 when always asked)
                if asked:
                    model.add(_minus(asked, row), 0, 0, f"{q.id}: one answer when asked")
                else:
                    model.add(row, 1, 1, f"{q.id}: one answer")
                continue
            for j in range(len(q.options)):
                if asked:
                    model.add(_minus(asked, {int(x[i, j]): 1.0}), -np.inf, 0,
                              f"{q.id}: only when asked")
            need = min_selected.get(q.id, 1) if q.type == "multiple" else 0
            if need:
                if asked:
                    scaled = {k: need * v for k, v in asked.items()}
                    model.add(_minus(scaled, row), 0, np.inf, f"{q.id}: at least {need}")
                else:
                    model.add(row, need, np.inf, f"{q.id}: at least {need}")
            for e, opt in enumerate(q.options):
                if opt.exclusive:
                    for j in range(len(q.options)):
                        if j != e:
                            model.add({int(x[i, e]): 1.0, int(x[i, j]): 1.0}, -np.inf, 1,
                                      f"{q.id}: {opt.code} is exclusive")
    for i, answers in fixed.items():
        for qid, code in answers.items():
            q = model.codebook[qid]
            model.add({int(model.index[qid][i, q.codes.index(code)]): 1.0}, 1, 1,
                      f"fixed answer {qid}={code} for respondent slot {i}")


def _add_target(model: _Model, t: Target) -> None:
    q = model.codebook[t.question]
    x = model.index[q.id]
    cols = [q.codes.index(c) for c in t.options]
    why = f"{t.source}: {t.kind} {t.question} {','.join(t.options)}"
    if t.kind == "options" and len(cols) == 1 or t.kind == "options" and q.type in (
        "single", "scale"
    ):
        coefs = {int(x[i, j]): 1.0 for i in range(model.n) for j in cols}
        model.add(coefs, t.lo, t.hi, why)
    elif t.kind == "options":
        # any of several options of a multiple question: z_i = OR_j x_ij
        z = model._new((model.n,))
        for i in range(model.n):
            for j in cols:
                model.add({int(z[i]): 1.0, int(x[i, j]): -1.0}, 0, np.inf, why)
            model.add(_minus({int(x[i, j]): 1.0 for j in cols}, {int(z[i]): 1.0}),
                      -np.inf, 0, why)
        model.add({int(v): 1.0 for v in z}, t.lo, t.hi, why)
    elif t.kind == "total":
        model.add({int(v): 1.0 for v in x.ravel()}, t.lo, t.hi, why)
    elif t.kind == "n_selected":
        y = model._count_onehot(q)
        coefs = {int(y[i, k]): 1.0 for i in range(model.n) for k in range(t.low, t.high + 1)}
        model.add(coefs, t.lo, t.hi, why)
    elif t.kind in ("most", "least"):
        # every option in the named set is chosen strictly more (less) often than every
        # other substantive option
        sign = 1.0 if t.kind == "most" else -1.0
        for star in cols:
            for j, opt in enumerate(q.options):
                if j in cols or opt.other or opt.nonsubstantive or opt.exclusive:
                    continue
                coefs = {int(v): sign for v in x[:, star]}
                for v in x[:, j]:
                    coefs[int(v)] = coefs.get(int(v), 0.0) - sign
                model.add(coefs, 1, np.inf, why)
    else:
        raise GenerationError(f"unknown target kind {t.kind!r} ({t.source})")


def _count_onehot(self: _Model, q: Question) -> np.ndarray:
    """y[i, k] = 1 when asked respondent i chose exactly k options of q (cached per question)."""
    cache = self.__dict__.setdefault("_onehot", {})
    if q.id in cache:
        return cache[q.id]
    k_max = len(q.options)
    y = self._new((self.n, k_max + 1))
    x = self.index[q.id]
    for i in range(self.n):
        asked = self.asked(q, i)
        ones = {int(v): 1.0 for v in y[i]}
        if asked:
            self.add(_minus(asked, ones), 0, 0, f"{q.id}: count one-hot")
        else:
            self.add(ones, 1, 1, f"{q.id}: count one-hot")
        link = {int(x[i, j]): 1.0 for j in range(k_max)}
        for k in range(k_max + 1):
            link[int(y[i, k])] = link.get(int(y[i, k]), 0.0) - k
        self.add(link, 0, 0, f"{q.id}: count link")
    cache[q.id] = y
    return y


_Model._count_onehot = _count_onehot  # type: ignore[attr-defined]


def solve_answers(
    codebook: Codebook, targets: list[Target], n: int, seed: int,
    min_selected: dict[str, int] | None = None, fixed: dict[int, dict] | None = None,
    time_limit: float = 120.0, diagnose: bool = True,
    preferences: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Solve the integer program; return per closed question an (n, options) 0/1 matrix.

    The objective is seeded noise in [0, 1) per variable, so the solver returns one of the many
    feasible answer patterns at random; ``preferences`` (per question an (n, options) array)
    is subtracted from it, making those answers more likely without touching any constraint.
    """
    model = _Model(codebook, n)
    _structure(model, min_selected or {}, fixed or {})
    for t in targets:
        _add_target(model, t)
    a = lil_matrix((len(model.rows), model.size))
    lo = np.empty(len(model.rows))
    hi = np.empty(len(model.rows))
    for r, (coefs, low, high, _) in enumerate(model.rows):
        for k, v in coefs.items():
            a[r, k] = v
        lo[r], hi[r] = low, high
    rng = np.random.default_rng(seed)
    cost = rng.random(model.size)
    for qid, pref in (preferences or {}).items():
        cost[model.index[qid].ravel()] -= pref.ravel()
    res = milp(
        cost, constraints=LinearConstraint(a.tocsr(), lo, hi), integrality=np.ones(model.size),
        bounds=Bounds(0, 1), options={"time_limit": time_limit, "presolve": True},
    )
    if res.x is None:
        culprits = (_infeasible_questions(codebook, targets, n, seed, min_selected, fixed)
                    if diagnose else [])
        raise GenerationError(
            f"the register and assumptions admit no answer pattern ({res.message}); "
            f"infeasible on their own: {', '.join(culprits) or 'none (only jointly)'}"
        )
    sol = np.rint(res.x).astype(int)
    return {qid: sol[idx] for qid, idx in model.index.items()}


def _infeasible_questions(
    codebook: Codebook, targets: list[Target], n: int, seed: int,
    min_selected: dict[str, int] | None, fixed: dict[int, dict] | None,
) -> list[str]:
    """Questions whose own targets cannot be met even without the others (for the error)."""
    culprits = []
    for qid in dict.fromkeys(t.question for t in targets):
        own = [t for t in targets if t.question == qid]
        try:
            solve_answers(codebook, own, n, seed, min_selected, fixed, time_limit=10.0,
                          diagnose=False)
        except GenerationError:
            sources = "; ".join(t.source for t in own)
            culprits.append(f"{qid} ({sources})")
    return culprits


# --------------------------------------------------------------------------------------------
# Everything else in a row: municipalities, timestamps, open answers, contact details.


def load_assumptions(path: str | Path | None = None) -> dict:
    """Read the assumptions file (YAML)."""
    return read_yaml(path or ASSUMPTIONS_PATH)


def draw_municipalities(assumptions: dict, rng: np.random.Generator) -> list[dict]:
    """Respondent slots: the fixed (interviewed) municipalities, then a stratified draw.

    Returns one dict per slot with ``typed`` (the q01 text) and ``codes``.
    """
    spec = assumptions["municipalities"]
    ref = load_municipalities()
    slots = [{"typed": m["typed"], "codes": list(m["codes"]), "fixed": m.get("answers", {})}
             for m in spec["fixed"]]
    taken = {c for s in slots for c in s["codes"]}
    pool = ref[~ref["gemeentecode"].isin(taken)]
    templates = spec["typed_templates"]
    for group, k in spec["draw_per_size_group"].items():
        cand = pool[pool["grootteklasse_grof"].astype(str) == group].sort_values("gemeentecode")
        if len(cand) < k:
            raise GenerationError(f"size group {group!r} has only {len(cand)} municipalities")
        picked = cand.iloc[np.sort(rng.choice(len(cand), size=k, replace=False))]
        for _, m in picked.iterrows():
            template = templates[int(rng.integers(len(templates)))]
            slots.append({"typed": _type_name(template, m["gemeentenaam"]),
                          "codes": [m["gemeentecode"]], "fixed": {}})
    for slot in slots:
        slot["traits"] = _traits(ref, slot["codes"])
    order = rng.permutation(len(slots))
    return [slots[i] for i in order]


def _traits(ref: pd.DataFrame, codes: list[str]) -> dict[str, str]:
    """Size group and region of a respondent, by the cleaning step's rule for several
    municipalities (summed population; region of the largest)."""
    rows = ref[ref["gemeentecode"].isin(codes)]
    total = pd.Series([int(rows["inwoners"].sum())])
    largest = rows.sort_values("inwoners", ascending=False).iloc[0]
    return {"grootteklasse_grof": str(coarse_size_class(total).iloc[0]),
            "provinciegroep": str(largest["provinciegroep"])}


def preferences_from(assumptions: dict, codebook: Codebook, slots: list[dict]) -> dict:
    """Cost adjustments for the ``tendencies`` of the assumptions file.

    A tendency makes ``options`` of ``question`` more likely (``strength`` > 0) or less likely
    for respondents whose traits match ``where`` (e.g. the size group); totals stay fixed.
    """
    prefs: dict[str, np.ndarray] = {}
    for t in assumptions.get("tendencies") or []:
        q = codebook[t["question"]]
        pref = prefs.setdefault(q.id, np.zeros((len(slots), len(q.options))))
        rows = [i for i, s in enumerate(slots)
                if all(s["traits"].get(k) == v for k, v in t["where"].items())]
        if not rows:
            raise GenerationError(f"tendency on {q.id}: no respondent matches {t['where']}")
        cols = [q.codes.index(str(c)) for c in t["options"]]
        pref[np.ix_(rows, cols)] += float(t["strength"])
    return prefs


def _type_name(template: str, name: str) -> str:
    return template.format(naam=name, naam_klein=name.lower())


def timestamps(assumptions: dict, n: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Start/end times inside fieldwork, on working days and office hours, sorted by end."""
    spec = assumptions["timestamps"]
    start = datetime.fromisoformat(str(spec["fieldwork_start"]))
    end = datetime.fromisoformat(str(spec["fieldwork_end"]))
    days = [start + timedelta(days=d) for d in range((end - start).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    weights = np.array([spec["weight_first_weeks"] if (d - start).days < 14 else 1.0
                        for d in days])
    out = []
    for _ in range(n):
        day = days[int(rng.choice(len(days), p=weights / weights.sum()))]
        begin = day + timedelta(seconds=int(rng.integers(8 * 3600, 17 * 3600)))
        minutes = int(rng.integers(spec["minutes_min"], spec["minutes_max"] + 1))
        finish = begin + timedelta(minutes=minutes, seconds=int(rng.integers(60)))
        out.append((begin.strftime("%Y-%m-%d %H:%M:%S"), finish.strftime("%Y-%m-%d %H:%M:%S")))
    return out


def _eligible(codebook: Codebook, answers: dict[str, np.ndarray], column: str) -> np.ndarray:
    """Boolean mask of respondents who may answer an open column (routing and triggers)."""
    for q in codebook:
        x = answers.get(q.id)
        if column == q.id:
            return _asked_mask(codebook, answers, q)
        for f in q.followups:
            if f.id == column:
                return x[:, [q.codes.index(c) for c in f.when]].sum(axis=1) > 0
        for opt in q.options:
            if opt.other and column == q.text_column(opt.code):
                return x[:, q.codes.index(opt.code)] > 0
        for fld in q.fields:
            if fld.id == column:
                return x[:, 0] > 0 if x is not None else np.ones(len(x), bool)
    raise GenerationError(f"open answers given for {column!r}, which is not in the codebook")


def _asked_mask(codebook: Codebook, answers: dict[str, np.ndarray], q: Question) -> np.ndarray:
    n = len(next(iter(answers.values())))
    if q.asked_if is None:
        return np.ones(n, dtype=bool)
    src = codebook[q.asked_if.question]
    cols = [src.codes.index(c) for c in q.asked_if.options]
    return answers[src.id][:, cols].sum(axis=1) > 0


def assign_open_answers(
    codebook: Codebook, answers: dict[str, np.ndarray], spec: dict, rng: np.random.Generator,
) -> dict[str, list[str]]:
    """Place each open column's texts on eligible respondents (seeded order).

    An "Anders, namelijk" text column must receive exactly one text per respondent who chose
    the option; other columns receive as many texts as the assumptions list. An item with
    ``when: [codes]`` only fits a respondent who chose one of those options of the question the
    column belongs to (an explanation of "Goed" goes to someone who answered "Goed"); those
    items are placed first.
    """
    n = len(next(iter(answers.values())))
    text_columns = {c for q in codebook.questions for c in q.text_columns()}
    out: dict[str, list[str]] = {}
    for column, items in spec.items():
        eligible = np.flatnonzero(_eligible(codebook, answers, column))
        if column in text_columns and len(items) != len(eligible):
            raise GenerationError(
                f"{column}: {len(eligible)} respondents chose the option, "
                f"but the assumptions give {len(items)} texts"
            )
        if len(items) > len(eligible):
            raise GenerationError(
                f"{column}: {len(items)} texts for only {len(eligible)} eligible respondents"
            )
        order = [int(i) for i in rng.permutation(eligible)]
        items = [t if isinstance(t, dict) else {"text": str(t)} for t in items]
        column_values = [""] * n
        for item in sorted(items, key=lambda t: "when" not in t):
            fits = _fitting(codebook, answers, column, item.get("when"))
            pick = next((i for i in order if fits[i]), None)
            if pick is None:
                raise GenerationError(f"{column}: no unused respondent fits {item['text']!r}")
            order.remove(pick)
            column_values[pick] = item["text"]
        out[column] = column_values
    return out


def _fitting(codebook: Codebook, answers: dict[str, np.ndarray], column: str,
             when: list[str] | None) -> np.ndarray:
    """Respondents whose answer to the column's own question is one of ``when`` (all if None)."""
    n = len(next(iter(answers.values())))
    if not when:
        return np.ones(n, dtype=bool)
    owner = next(q for q in codebook if column == q.id or column in q.raw_columns())
    return answers[owner.id][:, [owner.codes.index(c) for c in when]].sum(axis=1) > 0


def contact_details(
    codebook: Codebook, answers: dict[str, np.ndarray], spec: dict, rng: np.random.Generator
) -> dict[str, list[str]]:
    """Fake names, phones, e-mails (reserved example domains) for respondents who said yes."""
    q = codebook[spec["question"]]
    yes = answers[q.id][:, q.codes.index(spec["yes_option"])] > 0
    n = len(yes)
    cols: dict[str, list[str]] = {f.id: [""] * n for f in q.fields}
    for i in np.flatnonzero(yes):
        first = spec["first_names"][int(rng.integers(len(spec["first_names"])))]
        last = spec["last_names"][int(rng.integers(len(spec["last_names"])))]
        domain = spec["domains"][int(rng.integers(len(spec["domains"])))]
        local = f"{first[0]}.{last.replace(' ', '').lower()}"
        digits = "".join(str(d) for d in rng.integers(0, 10, 8))
        phone_format = spec["phone_formats"][int(rng.integers(len(spec["phone_formats"])))]
        values = {
            "naam": f"{first} {last}",
            "telefoon": phone_format.format(d=digits),
            "email": f"{local.lower()}@{domain}",
            "dagdeel": spec["dagdelen"][int(rng.integers(len(spec["dagdelen"])))],
        }
        for f in q.fields:
            cols[f.id][int(i)] = values[f.id.rsplit("_", 1)[-1]]
    return cols


# --------------------------------------------------------------------------------------------
# Assembly.


def answers_to_columns(codebook: Codebook, answers: dict[str, np.ndarray]) -> dict[str, list]:
    """Closed answers as export cells: labels, ticked labels, ja/nee; empty when not asked."""
    cols: dict[str, list] = {}
    for q in codebook.closed():
        x = answers[q.id]
        asked = _asked_mask(codebook, answers, q)
        if q.type in ("single", "scale"):
            cols[q.id] = [q.options[int(np.argmax(r))].label if r.any() else "" for r in x]
            continue
        for j, opt in enumerate(q.options):
            col = f"{q.id}_{opt.code}"
            if q.type == "grid":
                cols[col] = [("ja" if v else "nee") if a else "" for v, a in zip(x[:, j], asked,
                                                                                  strict=True)]
            else:
                cols[col] = [opt.label if v else "" for v in x[:, j]]
    return cols


def generate(assumptions_path: str | Path | None = None, seed: int | None = None) -> pd.DataFrame:
    """Build the reconstructed export as a frame of strings (empty string = empty cell)."""
    assumptions = load_assumptions(assumptions_path)
    seed = int(assumptions["seed"] if seed is None else seed)
    codebook = load_codebook()
    register = load_register()
    n = int(assumptions["respondents"])
    rng = np.random.default_rng(seed)
    slots = draw_municipalities(assumptions, rng)
    if len(slots) != n:
        raise GenerationError(f"{len(slots)} municipalities drawn for {n} respondents")
    targets = register_targets(register, codebook, assumptions["approximate_tolerance"])
    targets += assumption_targets(assumptions)
    fixed = {i: s["fixed"] for i, s in enumerate(slots) if s["fixed"]}
    answers = solve_answers(codebook, targets, n, seed, assumptions.get("min_selected"), fixed,
                            preferences=preferences_from(assumptions, codebook, slots))
    cells = answers_to_columns(codebook, answers)
    cells[codebook.ids[0]] = [s["typed"] for s in slots]
    cells.update(assign_open_answers(codebook, answers, assumptions["open_answers"], rng))
    cells.update(contact_details(codebook, answers, assumptions["contact"], rng))
    times = timestamps(assumptions, n, rng)
    frame = pd.DataFrame({"startdatum": [t[0] for t in times],
                          "einddatum": [t[1] for t in times]})
    frame["herkomst"] = assumptions["provenance"]
    for col in codebook.raw_columns():
        frame[col] = cells.get(col, [""] * n)
    frame = frame.sort_values(["einddatum", "startdatum"], kind="stable").reset_index(drop=True)
    frame.insert(0, "respondent_id", [str(assumptions["first_respondent_id"] + i)
                                      for i in range(n)])
    return frame


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The export's exact bytes: UTF-8 without BOM, comma separated, LF line ends."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def cli_generate(args: argparse.Namespace) -> int:
    """``ido-analysis generate [--output PATH] [--seed N] [--check]``."""
    frame = generate(seed=args.seed)
    data = to_csv_bytes(frame)
    target = Path(args.output) if args.output else DEFAULT_OUTPUT
    if args.check:
        same = target.exists() and target.read_bytes() == data
        print(f"{target}: {'identical' if same else 'DIFFERS from the generator output'}")
        return 0 if same else 1
    write_atomic(target, lambda tmp: tmp.write_bytes(data))
    print(f"{target}: {len(frame)} respondents, {len(frame.columns)} columns", file=sys.stderr)
    return 0
