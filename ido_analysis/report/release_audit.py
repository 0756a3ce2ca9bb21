"""The attacker's reading of a run: every published CSV under ``<output>/tables`` in one
``analysis.ledger.Ledger``, and the disclosure report ``tables/onthulling.csv``.

Registered (keys are tuples, first element the kind):

- ``kruistabel_<q>_<group_var>.csv``: cells ``("ct", q, gv, group, option)`` (value when
  shown, unknown when ``suppressed``), bases ``("base", q, gv, group[, option for grids])``;
  single/scale: options sum to the base; multiple/grid: the implicit "not chosen" cell
  ``("not", ...)`` = base - count.
- ``representativiteit_<by>.csv``: group sizes ``("size", by, stratum)`` and their total;
  a cross-tab group that is a stratum or "A + B" of strata gets the implicit non-answer
  cell ``("nonresp", q, gv, group)`` = size - base.
- ``frequencies.csv``: option totals ``("freq", q, option)`` and bases; the groups of every
  cross-tab of q plus the respondents without a group value add up to them.
- ``references/derived.yaml``: a collapsed category equals the sum of its source options,
  in every group both tables share, and in the totals.

Only cells of groups are sensitive; the overall totals are the report's own figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ido_analysis.analysis.ledger import Exposure, Ledger
from ido_analysis.spec.codebook import Codebook, Question

CROSSTAB_RE = re.compile(r"kruistabel_(?P<q>.+?)_(?P<gv>grootteklasse_grof|grootteklasse|"
                         r"provinciegroep|provincie)\.csv$")
REPORT_NAME = "onthulling.csv"
REPORT_COLUMNS = ["tabel", "groep", "optie", "waarde_bekend", "hoe", "ondergrens",
                  "bovengrens", "reden"]


def _bool(v) -> bool:
    return str(v).strip().lower() in ("true", "1")


def _int(v) -> int | None:
    return None if pd.isna(v) or str(v).strip() == "" else int(float(v))


def read_release(output_dir: str | Path, codebook: Codebook,
                 derived: Mapping[str, Question],
                 definitions: Mapping[str, Mapping] | None = None) -> Ledger:
    """A ledger of everything the CSV files under ``output_dir/tables`` publish.

    ``derived``: derived variables as questions (``crosstab_report.derived_questions``);
    ``definitions``: their ``derived.yaml`` entries by name (for the option mapping).
    """
    tables = Path(output_dir) / "tables"
    led = Ledger()
    sizes = _register_sizes(led, tables)
    freq = _register_frequencies(led, tables)
    crosstabs = {}
    for path in sorted(tables.glob("kruistabel_*.csv")):
        m = CROSSTAB_RE.search(path.name)
        if not m:
            continue
        qid, gv = m["q"], m["gv"]
        question = codebook[qid] if qid in codebook.ids else derived.get(qid)
        if question is None:
            continue
        frame = pd.read_csv(path, dtype={"option": str, "group": str})
        crosstabs[(qid, gv)] = frame
        _register_crosstab(led, frame, question, qid, gv, sizes.get(gv, {}))
    _link_totals(led, crosstabs, freq, sizes)
    for name, definition in (definitions or {}).items():
        _link_derived(led, crosstabs, name, definition)
    return led


def _register_sizes(led: Ledger, tables: Path) -> dict[str, dict[str, tuple]]:
    out: dict[str, dict[str, tuple]] = {}
    for path in sorted(tables.glob("representativiteit_*.csv")):
        by = path.stem.removeprefix("representativiteit_")
        frame = pd.read_csv(path, dtype={"stratum": str})
        hidden = frame["suppressed"].map(_bool) if "suppressed" in frame else [False] * len(frame)
        keys = {}
        total = None
        for (_, row), hide in zip(frame.iterrows(), hidden, strict=True):
            value = _int(row["respondents"])
            if row["stratum"] == "Totaal":
                total = led.cell(("size", by, "Totaal"), value, value is not None,
                                 sensitive=False)
            else:
                keys[row["stratum"]] = led.cell(("size", by, row["stratum"]), value,
                                                value is not None and not hide)
        if total is not None:
            led.relate({**{k: 1.0 for k in keys.values()}, total: -1.0})
            keys["Totaal"] = total
        out[by] = keys
    return out


def _register_frequencies(led: Ledger, tables: Path) -> dict[str, dict[str, tuple]]:
    path = tables / "frequencies.csv"
    out: dict[str, dict[str, tuple]] = {}
    if not path.exists():
        return out
    frame = pd.read_csv(path, dtype={"option": str})
    for q, part in frame.groupby("question", sort=False):
        keys = {row["option"]: led.cell(("freq", q, row["option"]), int(row["count"]), True,
                                        sensitive=False) for _, row in part.iterrows()}
        keys["_base"] = led.cell(("freqbase", q), int(part["base"].max()), True,
                                 sensitive=False)
        out[str(q)] = keys
    return out


def _group_size(sizes: Mapping[str, tuple], group: str) -> list[tuple] | None:
    parts = group.split(" + ")
    return [sizes[p] for p in parts] if all(p in sizes for p in parts) else None


def _register_crosstab(led: Ledger, frame: pd.DataFrame, question: Question, qid: str,
                       gv: str, sizes: Mapping[str, tuple]) -> None:
    binary = question.type in ("multiple", "grid")
    for group, part in frame.groupby("group", sort=False):
        group_base = ("base", qid, gv, group)
        if question.type != "grid":
            led.cell(group_base, int(part["base"].max()), True)
        cells = []
        for _, row in part.iterrows():
            base = (group_base if question.type != "grid"
                    else led.cell((*group_base, row["option"]), int(row["base"]), True))
            hidden = _bool(row["suppressed"])
            key = led.cell(("ct", qid, gv, group, row["option"]),
                           None if hidden else _int(row["count"]), not hidden, base=base)
            cells.append(key)
            if binary:
                other = led.cell(("not", qid, gv, group, row["option"]), None, False, base=base)
                led.relate({key: 1.0, other: 1.0, base: -1.0})
        if not binary:
            led.relate({**{k: 1.0 for k in cells}, group_base: -1.0})
        members = _group_size(sizes, str(group))
        if members is not None and question.type != "grid":
            nonresp = led.cell(("nonresp", qid, gv, group), None, False)
            led.relate({**{m: 1.0 for m in members}, group_base: -1.0, nonresp: -1.0})


def _link_totals(led: Ledger, crosstabs: Mapping, freq: Mapping, sizes: Mapping) -> None:
    """Groups plus respondents without a group value add up to the overall figures."""
    for (qid, gv), frame in crosstabs.items():
        if qid not in freq or gv not in sizes or "Totaal" not in sizes[gv]:
            continue
        total = sizes[gv]["Totaal"]
        groups = list(dict.fromkeys(frame["group"]))
        bases = [("base", qid, gv, g) for g in groups if ("base", qid, gv, g) in led.cells]
        if len(bases) != len(groups):
            continue  # grid: item bases differ, left out
        excl = led.cell(("excl", qid, gv), None, False, sensitive=False)
        led.relate({**{b: 1.0 for b in bases}, excl: 1.0, freq[qid]["_base"]: -1.0})
        for option in dict.fromkeys(frame["option"]):
            if option not in freq[qid]:
                continue
            extra = led.cell(("excl", qid, gv, option), None, False, sensitive=False)
            led.relate({**{("ct", qid, gv, g, option): 1.0 for g in groups}, extra: 1.0,
                        freq[qid][option]: -1.0})
        # respondents: answered + not answered = all; groups + no group value = all
        unanswered = led.cell(("unanswered", qid), None, False, sensitive=False)
        led.relate({freq[qid]["_base"]: 1.0, unanswered: 1.0, total: -1.0})
        nonresp = [("nonresp", qid, gv, g) for g in groups
                   if ("nonresp", qid, gv, g) in led.cells]
        if len(nonresp) == len(groups):
            rest = led.cell(("excl_nonresp", qid, gv), None, False, sensitive=False)
            led.relate({**{k: 1.0 for k in nonresp}, rest: 1.0, unanswered: -1.0})


def _link_derived(led: Ledger, crosstabs: Mapping, name: str, definition: Mapping) -> None:
    """A collapsed category = the sum of its source options, per shared group."""
    source = str(definition["from"])
    codes = "abcdefghijklmnopqrstuvwxyz"
    for (qid, gv), frame in crosstabs.items():
        if qid != name or (source, gv) not in crosstabs:
            continue
        source_groups = set(crosstabs[(source, gv)]["group"])
        for group in dict.fromkeys(frame["group"]):
            if group not in source_groups:
                continue
            for i, g in enumerate(definition["groups"]):
                terms = {("ct", source, gv, group, o): 1.0 for o in g["options"]}
                target = ("ct", name, gv, group, codes[i])
                if target in led.cells and all(t in led.cells for t in terms):
                    led.relate({**terms, target: -1.0})


def attack_release(output_dir: str | Path, codebook: Codebook, derived: Mapping[str, Question],
                   definitions: Mapping[str, Mapping] | None = None,
                   threshold: int = 5) -> list[Exposure]:
    """What an attacker recovers from the CSV files of a run (``Ledger.attack``)."""
    return read_release(output_dir, codebook, derived, definitions).attack(threshold)


def disclosure_report(ledger: Ledger, exposures: list[Exposure]) -> pd.DataFrame:
    """Every hidden cell with its reason, then every exposure (Dutch columns
    ``REPORT_COLUMNS``)."""
    rows = []
    for key, cell in ledger.cells.items():
        if cell.published or key[0] not in ("ct", "size", "base"):
            continue
        rows.append({"tabel": "_".join(map(str, key[1:3])), "groep": key[3] if len(key) > 3
                     else key[2], "optie": key[4] if len(key) > 4 else "",
                     "waarde_bekend": "nee", "hoe": "onderdrukt", "ondergrens": "",
                     "bovengrens": "", "reden": cell.reason or "onderdrukt in de tabel"})
    for e in exposures:
        rows.append({"tabel": "_".join(map(str, e.key[1:3])), "groep": str(e.key[3:4]),
                     "optie": str(e.key[4:5]), "waarde_bekend": "ja", "hoe": e.how,
                     "ondergrens": e.low, "bovengrens": e.high, "reden": "terug te rekenen"})
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)
