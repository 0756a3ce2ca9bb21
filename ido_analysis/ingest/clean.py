"""Cleaning step: raw export -> validated, de-identified analysis dataset (+ dictionary, log).

``clean_export(raw_path, output_dir)`` reads the export (``ingest.reader``), validates it
against the codebook (``ingest.validate``) and, when there are no errors, recodes it
(``recode``) and writes into ``output_dir`` (default ``data/processed``):

* ``respondents.parquet`` and ``respondents.csv``: the processed dataset of
  ``docs/data-contracts.md`` section 3, plus ``startdatum``/``einddatum`` (datetime) and
  ``herkomst`` (string) when the export has them;
* ``data_dictionary.csv`` and ``data_dictionary.md``: one row per column, from the codebook;
* ``cleaning_log.json`` and ``cleaning_log.md``: rows in and out, every correction and warning,
  the municipality matching (aggregated per CBS municipality, never the typed answer).

When validation finds errors, ``CleaningError`` carries the full report and nothing is
written. Outputs are written to a staging directory inside ``output_dir`` and moved into place
only when all of them succeeded (``core.files.publish_files``), so a failing run leaves
``output_dir`` as it was.

Recoding rules: single/scale answers become ordered categoricals of the codebook labels;
multiple-choice options and grid items become ``boolean`` columns (NA when not asked; for
grids also when not answered; an asked multiple-choice question with nothing ticked counts as
answered "none of these", as the contract says); ``<qid>_status`` tells ``beantwoord`` /
``geen antwoord`` / ``niet gevraagd`` apart; open text is de-identified
(``ingest.privacy``); personal columns and the municipality question's text are dropped.
Derived variables are defined in
``references/derived.yaml``: ``n_<qid>`` for every multiple/grid question and grouped versions
of single/scale questions. Corrections (dropped empty respondents, labels read despite a
spelling variant, "Anders"/follow-up text blanked because its option was not chosen,
de-identified cells) are returned and logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ido_analysis.core import files as atomic_io
from ido_analysis.core.paths import PROCESSED
from ido_analysis.ingest.mapping_file import mapping_csv
from ido_analysis.ingest.municipalities import MULTI_RULE, Matcher, municipality_columns
from ido_analysis.ingest.privacy import deidentify_series
from ido_analysis.ingest.reader import ExportError, ReadInfo, read_export
from ido_analysis.ingest.tool_import import (
    MAPPING_NAME,
    SUGGESTION_NAME,
    MappingError,
    import_export,
)
from ido_analysis.ingest.validate import (
    ValidationReport,
    answered,
    asked,
    format_report,
    match_label,
    selected,
    validate,
)
from ido_analysis.spec.codebook import Codebook, Question, load_codebook
from ido_analysis.spec.derived import Derived, load_derived
from ido_analysis.spec.reference import load_municipalities

STATUS_LABELS = ("beantwoord", "geen antwoord", "niet gevraagd")
STATUS_DTYPE = pd.CategoricalDtype(list(STATUS_LABELS))
# Kept in memory for matching and the log, never written: a CBS code or an exact population
# identifies the municipality, and with it the respondent.
IDENTIFYING_COLUMNS = ("gemeentecodes", "inwoners")
OUTPUT_FILES = ("respondents.parquet", "respondents.csv", "data_dictionary.csv",
                "data_dictionary.md", "cleaning_log.json", "cleaning_log.md")


class CleaningError(RuntimeError):
    """Validation found errors; ``report`` holds every finding, the message renders it."""

    def __init__(self, report: ValidationReport):
        super().__init__(format_report(report))
        self.report = report


@dataclass
class CleaningResult:
    """Outcome of a successful ``clean_export`` run."""

    frame: pd.DataFrame
    report: ValidationReport
    read_info: ReadInfo
    log: dict[str, Any]
    dictionary: pd.DataFrame
    outputs: list[Path] = field(default_factory=list)


# --- recoding ------------------------------------------------------------------------------

def recode(frame: pd.DataFrame, codebook: Codebook, derived: Derived | None = None,
           matcher: Matcher | None = None) -> pd.DataFrame:
    """Processed dataset (contract section 3) from a validated raw frame."""
    return recode_with_log(frame, codebook, derived, matcher)[0]


def recode_with_log(frame: pd.DataFrame, codebook: Codebook, derived: Derived | None = None,
                    matcher: Matcher | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Like ``recode``, also returning the list of corrections applied (for the log)."""
    derived = derived or load_derived(codebook)
    corrections: list[dict] = []
    frame = _drop_unanswered(frame, codebook, corrections)
    out: dict[str, pd.Series] = {"respondent_id": frame["respondent_id"].astype("Int64")}
    for name in ("startdatum", "einddatum"):
        if name in frame.columns:
            out[name] = pd.to_datetime(frame[name], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    if "herkomst" in frame.columns:
        out["herkomst"] = frame["herkomst"].astype("string")
    if derived.municipality_question:
        matcher = matcher or Matcher.build(load_municipalities())
        codes = frame[derived.municipality_question].map(
            lambda v: matcher.match(v).codes if pd.notna(v) else ())
        out.update(dict(municipality_columns(matcher, codes)))
    personal = set(codebook.personal_columns())
    for q in codebook:
        if q.personal or q.id == derived.municipality_question:
            continue
        out.update(_recode_question(frame, codebook, q, derived, corrections))
    for group in derived.groups:
        out[group["name"]] = _group(out[group["from"]], codebook[group["from"]], group)
    processed = pd.DataFrame(out, index=frame.index)
    processed = processed.drop(columns=[c for c in personal if c in processed.columns])
    return processed.reset_index(drop=True), corrections


def _row_ref(frame: pd.DataFrame, index: Any) -> dict[str, Any]:
    return {"row": int(frame.index.get_loc(index)) + 1,
            "respondent_id": str(frame.at[index, "respondent_id"])}


def _drop_unanswered(frame: pd.DataFrame, codebook: Codebook, corrections: list) -> pd.DataFrame:
    answer_cols = [c for c in codebook.raw_columns() if c in frame.columns]
    empty = frame[answer_cols].isna().all(axis=1)
    for index in empty[empty].index:
        corrections.append({"kind": "row_dropped", "column": None, **_row_ref(frame, index),
                            "description": "rij verwijderd: geen enkele vraag beantwoord"})
    return frame.loc[~empty]


def _recode_question(frame: pd.DataFrame, codebook: Codebook, q: Question, derived: Derived,
                     corrections: list) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    if q.type == "open":
        if q.id not in codebook.personal_columns():
            out[q.id] = _text(frame, q.id, None, corrections)
        return out
    is_asked = asked(frame, codebook, q)
    is_answered = answered(frame, q)
    if q.type == "multiple":  # ticking nothing is an answer ("none of these"), see contract §3
        is_answered = is_answered | is_asked
    status = pd.Series("geen antwoord", index=frame.index)
    status[~is_asked] = "niet gevraagd"
    status[is_answered] = "beantwoord"
    chosen = selected(frame, q)
    if q.type in ("single", "scale"):
        out[q.id] = _categorical(frame, q, corrections)
    else:
        for opt in q.options:
            name = f"{q.id}_{opt.code}"
            values = chosen[opt.code].astype("boolean")
            if q.type == "grid":
                values = values.where(frame[name].notna(), pd.NA)
            out[name] = values.where(is_answered, pd.NA)
            _log_variants(frame, name, (opt.label, "ja", "nee"), corrections)
    for opt in (o for o in q.options if o.other):
        name = q.text_column(opt.code)
        out[name] = _text(frame, name, chosen[opt.code], corrections)
    personal = set(codebook.personal_columns())
    for fu in q.followups:
        if fu.id not in personal:
            out[fu.id] = _text(frame, fu.id, chosen[list(fu.when)].any(axis=1), corrections)
    for fld in q.fields:
        if fld.id not in personal:
            out[fld.id] = _text(frame, fld.id, None, corrections)
    out[f"{q.id}_status"] = status.astype(STATUS_DTYPE)
    if q.type in ("multiple", "grid"):
        out[f"{derived.count_prefix}{q.id}"] = (
            chosen.sum(axis=1).astype("Int64").where(is_answered, pd.NA))
    return out


def _categorical(frame: pd.DataFrame, q: Question, corrections: list) -> pd.Series:
    labels = frame[q.id].map(lambda v: match_label(v, q.labels), na_action="ignore")
    _log_variants(frame, q.id, q.labels, corrections)
    return pd.Series(pd.Categorical(labels.astype(object).where(labels.notna(), None),
                                    categories=list(q.labels), ordered=True), index=frame.index)


def _log_variants(frame: pd.DataFrame, name: str, labels: tuple[str, ...],
                  corrections: list) -> None:
    for index, value in frame[name].dropna().items():
        matched = match_label(value, labels)
        if matched is not None and matched != value:
            corrections.append({"kind": "label_normalised", "column": name,
                                **_row_ref(frame, index),
                                "description": f"{value!r} gelezen als {matched!r}"})


def _text(frame: pd.DataFrame, name: str, keep: pd.Series | None,
          corrections: list) -> pd.Series:
    values = frame[name].astype("string")
    if keep is not None:
        dropped = values.notna() & ~keep
        for index in dropped[dropped].index:
            corrections.append({"kind": "text_blanked", "column": name,
                                **_row_ref(frame, index),
                                "description": "tekst verwijderd: bijbehorende optie niet "
                                               "gekozen"})
        values = values.where(~dropped, pd.NA)
    cleaned, changed = deidentify_series(values)
    if changed:
        corrections.append({"kind": "deidentified", "column": name, "row": None,
                            "respondent_id": None,
                            "description": f"{changed} cel(len) met e-mailadres, telefoonnummer "
                                           "of naam gemaskeerd"})
    return cleaned


def _group(values: pd.Series, q: Question, group: dict) -> pd.Series:
    mapping = {q.option(c).label: g["label"] for g in group["groups"] for c in g["options"]}
    labels = [g["label"] for g in group["groups"]]
    grouped = values.astype(object).map(mapping)
    return pd.Series(pd.Categorical(grouped.where(grouped.notna(), None), categories=labels,
                                    ordered=True), index=values.index)


# --- data dictionary -----------------------------------------------------------------------

_TYPE_NL = {"single": "enkelvoudige keuze", "scale": "schaal", "multiple": "meerkeuze",
            "grid": "ja/nee-raster", "open": "open vraag"}


def data_dictionary(processed: pd.DataFrame, codebook: Codebook,
                    derived: Derived) -> pd.DataFrame:
    """One row per processed column: kolom, vraag, type, dtype, label, omschrijving, waarden,
    routering. Generated from the codebook and ``derived.yaml``."""
    describe = _column_descriptions(codebook, derived)
    rows = []
    for name in processed.columns:
        info = describe.get(name, {})
        dtype = processed[name].dtype
        values = info.get("waarden", "")
        if isinstance(dtype, pd.CategoricalDtype) and not values:
            values = " | ".join(map(str, dtype.categories))
        rows.append({"kolom": name, "vraag": info.get("vraag", ""),
                     "type": info.get("type", ""), "dtype": str(dtype),
                     "label": info.get("label", ""), "omschrijving": info.get("omschrijving", ""),
                     "waarden": values, "routering": info.get("routering", "")})
    return pd.DataFrame(rows)


def _column_descriptions(codebook: Codebook, derived: Derived) -> dict[str, dict[str, str]]:
    d: dict[str, dict[str, str]] = {
        "respondent_id": {"label": "Respondentnummer", "omschrijving": "uniek per respondent"},
        "startdatum": {"label": "Starttijd", "omschrijving": "begin van het invullen"},
        "einddatum": {"label": "Eindtijd", "omschrijving": "einde van het invullen"},
        "herkomst": {"label": "Herkomst", "omschrijving": "herkomst van de rij (export)"},
        "gemeentecodes": {"label": "CBS-gemeentecodes", "omschrijving": "gemeente(n) waarvoor "
                          "de respondent antwoordt, gescheiden door ;"},
        "n_gemeenten": {"label": "Aantal gemeenten", "omschrijving": MULTI_RULE},
        "inwoners": {"label": "Inwoners", "omschrijving": "som van de inwoners (CBS, 1-1-2025)"},
        "grootteklasse": {"label": "Gemeentegrootte (CBS, 8 klassen)", "omschrijving": ""},
        "grootteklasse_grof": {"label": "Gemeentegrootte (grof)", "omschrijving": ""},
        "provincie": {"label": "Provincie", "omschrijving": "provincie van de grootste gemeente"},
        "provinciegroep": {"label": "Landsdeel", "omschrijving": "CBS-landsdeel"},
    }
    for q in codebook:
        base = {"vraag": q.id, "type": _TYPE_NL[q.type], "routering": _routing_text(codebook, q)}
        d[q.id] = {**base, "label": q.label, "omschrijving": q.text}
        for opt in q.options if q.type in ("multiple", "grid") else ():
            values = "True = ja, False = nee" if q.type == "grid" else "True = gekozen"
            d[f"{q.id}_{opt.code}"] = {**base, "label": f"{q.label}: {opt.label}",
                                       "omschrijving": opt.label,
                                       "waarden": values + ", leeg = niet beantwoord/gevraagd"}
        for opt in (o for o in q.options if o.other):
            d[q.text_column(opt.code)] = {**base, "type": "open tekst",
                                             "label": f"{q.label}: {opt.label} (tekst)",
                                             "omschrijving": f"toelichting bij {opt.label!r}"}
        for fu in q.followups:
            d[fu.id] = {**base, "type": "open vervolgvraag", "label": f"{q.label}: toelichting",
                        "omschrijving": fu.text,
                        "routering": f"bij {q.id} = {'/'.join(fu.when)}"}
        d[f"{q.id}_status"] = {**base, "type": "status", "label": f"{q.label}: status",
                               "omschrijving": "beantwoord, geen antwoord of niet gevraagd"}
        d[f"{derived.count_prefix}{q.id}"] = {**base, "type": "afgeleid",
                                              "label": f"{q.label}: aantal",
                                              "omschrijving": "aantal gekozen opties / ja"}
    for group in derived.groups:
        d[group["name"]] = {"vraag": group["from"], "type": "afgeleid",
                            "label": group.get("label", group["name"]),
                            "omschrijving": str(group.get("note", "")).strip()}
    return d


def _routing_text(codebook: Codebook, q: Question) -> str:
    if q.asked_if is None:
        return "alle respondenten"
    return f"alleen bij {q.asked_if.question} = {'/'.join(q.asked_if.options)}"


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


# --- cleaning log --------------------------------------------------------------------------

def municipality_summary(processed: pd.DataFrame, matcher: Matcher) -> dict[str, Any]:
    """Aggregated matching result: counts and one row per CBS municipality (no typed text)."""
    codes = processed["gemeentecodes"].dropna().str.split(";")
    counts = codes.explode().value_counts()
    table = [{"gemeentecode": c, "gemeentenaam": matcher.name(c),
              "provincie": str(matcher.table.at[c, "provincie"]), "respondenten": int(n)}
             for c, n in sorted(counts.items())]
    return {
        "regel": MULTI_RULE,
        "respondenten_gekoppeld": int(processed["gemeentecodes"].notna().sum()),
        "respondenten_zonder_gemeente": int(processed["gemeentecodes"].isna().sum()),
        "respondenten_meerdere_gemeenten": int((processed["n_gemeenten"] > 1).sum()),
        "verschillende_gemeenten": len(counts),
        "gemeenten": table,
    }


def _finding_record(finding, hide: set[str]) -> dict[str, Any]:
    record = {k: getattr(finding, k) for k in ("severity", "code", "column", "row",
                                                "respondent_id", "value", "expected")}
    record["message"] = finding.message
    if finding.column in hide:
        record["value"] = None
    return record


def build_log(raw_path: Path, info: ReadInfo, report: ValidationReport, processed: pd.DataFrame,
              corrections: list[dict], municipalities: dict | None,
              hide: set[str], imported: dict | None = None) -> dict[str, Any]:
    """The cleaning log as a JSON-ready mapping (deterministic: no run timestamps).

    ``imported`` is ``ImportResult.summary()`` when the file was a survey-tool export."""
    return {
        "tool_import": imported,
        "bron": raw_path.name,
        "inlezen": {"formaat": info.format, "codering": info.encoding,
                    "scheidingsteken": info.delimiter},
        "rijen_in": info.n_rows,
        "rijen_uit": len(processed),
        "kolommen_uit": len(processed.columns),
        "rijnummers": "rij 1 = eerste rij onder de kopregel (rij 2 in een spreadsheet)",
        "correcties": corrections,
        "waarschuwingen": [_finding_record(f, hide) for f in report.warnings],
        "gemeenten": municipalities,
        "privacy": "persoonlijke kolommen en de tekst van de gemeentevraag zijn niet "
                   "weggeschreven; open tekst is gedeïdentificeerd ([e-mail], [telefoon], "
                   "[naam])",
        "bestanden": list(OUTPUT_FILES) + ([MAPPING_NAME] if imported else []),
    }


def log_markdown(log: dict[str, Any]) -> str:
    """Dutch Markdown rendering of the cleaning log."""
    lines = [f"# Opschoonlog: {log['bron']}", "",
             f"- Ingelezen als {log['inlezen']['formaat']} "
             f"(codering {log['inlezen']['codering']}, scheidingsteken "
             f"{log['inlezen']['scheidingsteken']!r})",
             f"- Rijen in: {log['rijen_in']}; rijen uit: {log['rijen_uit']}; "
             f"kolommen uit: {log['kolommen_uit']}", f"- Rijnummers: {log['rijnummers']}",
             f"- Privacy: {log['privacy']}", ""]
    lines += _import_markdown(log.get("tool_import"))
    lines += ["## Correcties", ""]
    lines += [f"- {c['column'] or '-'}"
              + (f", rij {c['row']} (respondent {c['respondent_id']})" if c["row"] else "")
              + f": {c['description']}" for c in log["correcties"]] or ["Geen."]
    lines += ["", "## Waarschuwingen", ""]
    lines += [f"- {w['column'] or '-'}, rij {w['row']}: {w['message']}"
              for w in log["waarschuwingen"]] or ["Geen."]
    muni = log["gemeenten"]
    if muni:
        lines += ["", "## Gemeenten", "", muni["regel"], "",
                  f"- gekoppeld: {muni['respondenten_gekoppeld']}, zonder gemeente: "
                  f"{muni['respondenten_zonder_gemeente']}, voor meer gemeenten: "
                  f"{muni['respondenten_meerdere_gemeenten']}, verschillende gemeenten: "
                  f"{muni['verschillende_gemeenten']}", "",
                  _markdown_table(pd.DataFrame(muni["gemeenten"]))]
    return "\n".join(lines) + "\n"


def _import_markdown(imported: dict | None) -> list[str]:
    if not imported:
        return []
    counts = imported["aantallen"]
    lines = ["## Inlezen van de tool-export", "",
             f"- Herkend als: {imported['tool']} ({imported['kopregels']} kopregel(s), "
             f"{imported['kolommen']} kolommen); koppeling per kolom: {imported['koppelbestand']}",
             f"- Laagste koppelscore: {imported['laagste_score']}",
             f"- Regel voor antwoorden: {counts['regel']}",
             f"- Rijen in de export: {counts['rijen_in']}; voorbeeld/test verwijderd: "
             f"{counts['voorbeeld_of_test']}; onvolledig verwijderd: "
             f"{counts['onvolledig_verwijderd']}; onvolledig behouden: "
             f"{counts['onvolledig_behouden']}; verder verwerkt: {counts['rijen_uit']}"]
    return lines + [f"- {line}" for line in imported["regels"]] + [""]


# --- entry points --------------------------------------------------------------------------

def clean_export(raw_path: str | Path, output_dir: str | Path | None = None,
                 reference_path: str | Path | None = None, *, codebook: Codebook | None = None,
                 derived: Derived | None = None,
                 aliases_path: str | Path | None = None,
                 mapping_path: str | Path | None = None) -> CleaningResult:
    """Read, validate, recode and write; see the module docstring.

    A survey-tool export (Qualtrics, SurveyMonkey, LimeSurvey, Microsoft Forms, SPSS) is first
    mapped to the codebook by text and decoded into the own shape
    (``ido_analysis.ingest.tool_import``; ``mapping_path``: the analyst's mapping file, which
    wins); the mapping is written as ``kolomkoppeling.csv`` beside the cleaning log.

    Raises ``ExportError`` (unreadable file), ``MappingError`` (columns not unambiguously
    mapped) or ``CleaningError`` (validation errors); in all cases nothing is written.
    """
    raw_path = Path(raw_path)
    output_dir = Path(output_dir) if output_dir is not None else PROCESSED
    codebook = codebook or load_codebook()
    derived = derived or load_derived(codebook)
    matcher = Matcher.build(load_municipalities(reference_path), aliases_path)
    imported = import_export(raw_path, codebook, mapping_path)
    if imported is None:
        frame, info = read_export(raw_path, codebook)
    else:
        table = imported.table
        frame = imported.frame
        info = ReadInfo(table.format, table.encoding, table.delimiter, table.n_rows)
    report = validate(frame, codebook, str(raw_path), matcher, derived.municipality_question)
    if not report.ok:
        raise CleaningError(report)
    processed, corrections = recode_with_log(frame, codebook, derived, matcher)
    leaked = set(codebook.personal_columns()) & set(processed.columns)
    if leaked or (derived.municipality_question in processed.columns):
        raise AssertionError(f"personal columns in the processed dataset: {sorted(leaked)}")
    municipalities = (municipality_summary(processed, matcher)
                      if derived.municipality_question else None)
    hide = {derived.municipality_question} if derived.municipality_question else set()
    log = build_log(raw_path, info, report, processed, corrections, municipalities, hide,
                    imported.summary() if imported else None)
    processed = processed.drop(columns=[c for c in IDENTIFYING_COLUMNS if c in processed])
    dictionary = data_dictionary(processed, codebook, derived)
    writers = _writers(processed, dictionary, log)
    if imported is not None:
        mapping = mapping_csv(imported.rows)
        writers[MAPPING_NAME] = lambda path: path.write_text(mapping, encoding="utf-8")
    outputs = atomic_io.publish_files(output_dir, writers)
    return CleaningResult(processed, report, info, log, dictionary, outputs)


def _writers(processed: pd.DataFrame, dictionary: pd.DataFrame, log: dict) -> dict:
    def text(content: str):
        return lambda path: path.write_text(content, encoding="utf-8", newline="\n")

    return {
        "respondents.parquet": lambda p: processed.to_parquet(p, index=False, engine="pyarrow"),
        "respondents.csv": lambda p: processed.to_csv(p, index=False, encoding="utf-8",
                                                      lineterminator="\n"),
        "data_dictionary.csv": lambda p: dictionary.to_csv(p, index=False, encoding="utf-8",
                                                           lineterminator="\n"),
        "data_dictionary.md": text("# Datawoordenboek\n\n" + _markdown_table(dictionary) + "\n"),
        "cleaning_log.json": text(json.dumps(log, ensure_ascii=False, indent=2) + "\n"),
        "cleaning_log.md": text(log_markdown(log)),
    }


def write_suggestion(exc: MappingError, output_dir: str | Path | None) -> Path:
    """Write the suggested mapping of ``exc`` (atomically) into ``output_dir``; its path."""
    path = Path(output_dir if output_dir is not None else PROCESSED) / SUGGESTION_NAME
    return atomic_io.write_text_atomic(path, exc.suggestion)


def cli_clean(args) -> int:
    """``ido-analysis clean --data PATH [--output DIR] [--reference CSV] [--mapping CSV]``: 1 on
    errors. When the mapping stops, the suggestion is written to ``kolomkoppeling_voorstel.csv``
    in the output directory (nothing else is written)."""
    try:
        result = clean_export(args.data, args.output, args.reference,
                              mapping_path=getattr(args, "mapping", None))
    except MappingError as exc:
        print(exc)
        print(f"Voorstel geschreven: {write_suggestion(exc, args.output)}")
        return 1
    except ExportError as exc:
        print(f"Fout bij inlezen: {exc}")
        return 1
    except CleaningError as exc:
        print(exc)
        return 1
    print(format_report(result.report))
    print(f"\n{result.log['rijen_uit']} respondenten weggeschreven naar "
          f"{result.outputs[0].parent}:")
    for path in result.outputs:
        print(f"  {path.name}")
    return 0
