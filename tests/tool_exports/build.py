"""Build survey-tool exports of the bundled responses, one per tool family (README.md here).

``build(shape, out_dir)`` writes one export and returns its path; ``build_all(out_dir)`` writes
every shape in ``SHAPES``. The exports are made from ``data/raw/ido_enquete_2025_SYNTHETISCH.csv``
and the codebook, in the layout each tool documents (sources: README.md), with the tool's own
wording instead of the report's: question numbers ("Q6.", "6."), type markers, curly quotes, a
missing or changed word, follow-ups titled only "Kunt u uw antwoord toelichten?". Every shape
also carries tool metadata (IP address, e-mail, names, location, status) and, where the tool has
them, a preview response and an incomplete response without answers, which the import drops.

Run ``python tests/tool_exports/build.py OUT_DIR`` to write them all for a look or a CLI run.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ido_analysis.ingest.reader import read_export  # noqa: E402
from ido_analysis.spec.codebook import Codebook, Question, load_codebook  # noqa: E402

BUNDLED = ROOT / "data" / "raw" / "ido_enquete_2025_SYNTHETISCH.csv"
ISO = "%Y-%m-%d %H:%M:%S"


def bundled(codebook: Codebook | None = None) -> tuple[pd.DataFrame, Codebook]:
    """The bundled export in the project's own shape (strings, NA = empty) and the codebook."""
    codebook = codebook or load_codebook()
    frame, _ = read_export(BUNDLED, codebook)
    return frame, codebook


# --- wording drift ---------------------------------------------------------------------------

def curly(text: str) -> str:
    return text.replace("'", "\u2019")


def drop_word(text: str) -> str:
    """Drop one word from the middle of a long text (a tool's wording differs a little)."""
    words = text.split()
    if len(words) < 14:
        return text
    del words[len(words) // 2]
    return " ".join(words)


def change_word(text: str) -> str:
    return text.replace(" uw ", " jouw ", 1)


def first_sentence(text: str) -> str:
    return text.split("?")[0] + "?" if "?" in text else text


def marker(q: Question) -> str:
    return " <meerdere opties mogelijk>" if q.type == "multiple" else ""


def _cell(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _date(value, fmt: str) -> str:
    return datetime.strptime(value, ISO).strftime(fmt) if _cell(value) else ""


def _items(frame: pd.DataFrame, q: Question) -> list:
    return [frame[f"{q.id}_{o.code}"] for o in q.options]


# --- Qualtrics -------------------------------------------------------------------------------

QUALTRICS_META = [
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"), ("Duration (in seconds)", "Duration (in seconds)",
                                           "duration"),
    ("Finished", "Finished", "finished"), ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"), ("herkomst", "herkomst", "herkomst"),
]


def _qualtrics_meta_values(frame: pd.DataFrame, i: int) -> list[str]:
    row = frame.iloc[i]
    start, end = _cell(row["startdatum"]), _cell(row["einddatum"])
    return [start, end, "IP Address", f"192.0.2.{i + 10}", "100", "1200", "True", end,
            f"R_{i + 1:04d}abcDEF{i * 7 % 97:02d}", "", "", "", "", "52.09", "5.12",
            "anonymous", "NL", _cell(row["herkomst"])]


def qualtrics_columns(frame: pd.DataFrame, codebook: Codebook, numeric: bool = False,
                      joined: bool = False) -> list[tuple[str, str, str, list[str]]]:
    """(export tag, label, ImportId, values) per question column, Qualtrics style."""
    out = []
    tag = 0

    def add(name: str, label: str, qid: str, values) -> None:
        out.append((name, label, json.dumps({"ImportId": qid}), [_cell(v) for v in values]))

    for q in codebook:
        tag += 1
        text = (f"Q{q.number}. {curly(drop_word(q.text))}{marker(q)}" if q.number
                else curly(q.text))
        others = [(k, o) for k, o in enumerate(q.options, 1) if o.other]
        if q.type == "open":
            add(f"Q{tag}", text, f"QID{tag}_TEXT", frame[q.id])
        elif q.type in ("single", "scale"):
            codes = {o.label: str(k) for k, o in enumerate(q.options, 1)}
            values = frame[q.id].replace(codes) if numeric else frame[q.id]
            add(f"Q{tag}", f"{text} - Selected Choice" if others else text, f"QID{tag}", values)
            for k, o in others:
                add(f"Q{tag}_{k}_TEXT", f"{text} - {o.label} - Text", f"QID{tag}_{k}_TEXT",
                    frame[f"{q.id}_{o.code}_tekst"])
            for k, f in enumerate(q.fields, 1):
                add(f"Q{tag}_{k}_TEXT", f"{text} - {f.label}", f"QID{tag}_{k}_TEXT", frame[f.id])
        elif q.type == "multiple" and joined:
            cols = _items(frame, q)
            values = [",".join(str(k) for k, c in enumerate(cols, 1) if pd.notna(c.iloc[i]))
                      for i in range(len(frame))]
            add(f"Q{tag}", f"{text} - Selected Choice", f"QID{tag}", values)
            for k, o in others:
                add(f"Q{tag}_{k}_TEXT", f"{text} - {o.label} - Text", f"QID{tag}_{k}_TEXT",
                    frame[f"{q.id}_{o.code}_tekst"])
        else:
            for k, o in enumerate(q.options, 1):
                col = frame[f"{q.id}_{o.code}"]
                if q.type == "grid":
                    label = f"{text} - {curly(o.label)}"
                    values = col.map({"ja": "1", "nee": "2"} if numeric else
                                     {"ja": "Ja", "nee": "Nee"})
                else:
                    label = f"{text} - Selected Choice - {curly(o.label)}"
                    values = col.map(lambda v: "1" if pd.notna(v) else "") if numeric else col
                add(f"Q{tag}_{k}", label, f"QID{tag}_{k}", values)
            for k, o in others:
                add(f"Q{tag}_{k}_TEXT", f"{text} - {o.label} - Text", f"QID{tag}_{k}_TEXT",
                    frame[f"{q.id}_{o.code}_tekst"])
        for fu in q.followups:
            tag += 1  # follow-ups are questions of their own: tags drift from the numbering
            add(f"Q{tag}", curly(fu.text), f"QID{tag}_TEXT", frame[fu.id])
    return out


def _extra_rows(n_meta: int, n_questions: int, template: list[str]) -> list[list[str]]:
    """A preview response (copy of the first) and an incomplete response without answers."""
    preview = list(template)
    preview[2], preview[8] = "Survey Preview", "R_preview0001"
    empty = template[:n_meta]
    empty = [empty[0], empty[1], "IP Address", "192.0.2.250", "4", "30", "False", empty[1],
             "R_incomplete01", "", "", "", "", "", "", "anonymous", "NL", empty[-1]]
    return [preview, empty + [""] * n_questions]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def qualtrics(out: Path, numeric: bool = False, joined: bool = False) -> Path:
    frame, codebook = bundled()
    cols = qualtrics_columns(frame, codebook, numeric, joined)
    header = [[m[0] for m in QUALTRICS_META] + [c[0] for c in cols],
              [m[1] for m in QUALTRICS_META] + [c[1] for c in cols],
              [json.dumps({"ImportId": m[2]}) for m in QUALTRICS_META] + [c[2] for c in cols]]
    body = [_qualtrics_meta_values(frame, i) + [c[3][i] for c in cols] for i in range(len(frame))]
    body = body[:1] + _extra_rows(len(QUALTRICS_META), len(cols), body[0]) + body[1:]
    return write_csv(out, header + body, "utf-8-sig")


def qualtrics_legacy(out: Path) -> Path:
    """The legacy exporter: V1..V10 metadata, export tags, one label row, no ImportId row."""
    frame, codebook = bundled()
    cols = qualtrics_columns(frame, codebook)
    meta = [("V1", "ResponseID"), ("V2", "ResponseSet"), ("V3", "Name"),
            ("V4", "ExternalDataReference"), ("V5", "EmailAddress"), ("V6", "IPAddress"),
            ("V7", "Status"), ("V8", "StartDate"), ("V9", "EndDate"), ("V10", "Finished"),
            ("herkomst", "herkomst")]
    header = [[m[0] for m in meta] + [c[0] for c in cols],
              [m[1] for m in meta] + [c[1] for c in cols]]
    body = []
    for i in range(len(frame)):
        row = frame.iloc[i]
        body.append([f"R_{i + 1:04d}legacy", "Default Response Set", "Anoniem", "",
                     f"respondent{i}@example.org", f"192.0.2.{i + 10}", "0",
                     _cell(row["startdatum"]), _cell(row["einddatum"]), "1",
                     _cell(row["herkomst"])] + [c[3][i] for c in cols])
    return write_csv(out, header + body)


# --- SurveyMonkey ----------------------------------------------------------------------------

SM_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
           "Email Address", "First Name", "Last Name", "Custom Data 1", "herkomst"]
US = "%m/%d/%Y %I:%M:%S %p"


def surveymonkey_table(frame: pd.DataFrame, codebook: Codebook) -> list[list[str]]:
    top, sub, cols = list(SM_META), [""] * len(SM_META), []

    def add(title: str, label: str, values) -> None:
        top.append(title)
        sub.append(label)
        cols.append([_cell(v) for v in values])

    for q in codebook:
        title = drop_word(curly(q.text))
        first = True

        def put(label: str, values, title=title) -> None:
            nonlocal first
            add(title if first else "", label, values)
            first = False

        if q.type == "open":
            put("Open-Ended Response", frame[q.id])
        elif q.type in ("single", "scale"):
            put("Response", frame[q.id])
            for o in (o for o in q.options if o.other):
                put("Other (please specify)", frame[f"{q.id}_{o.code}_tekst"])
            for f in q.fields:
                put(f.label, frame[f.id])
        else:
            for o in q.options:
                if q.type == "multiple" and o.other:
                    continue  # an "Other" choice has a text column and no tick column
                values = frame[f"{q.id}_{o.code}"]
                if q.type == "grid":
                    values = values.map({"ja": "Ja", "nee": "Nee"})
                put(curly(o.label), values)
            for o in (o for o in q.options if o.other):
                put("Other (please specify)", frame[f"{q.id}_{o.code}_tekst"])
        for fu in q.followups:
            add(drop_word(curly(fu.text)), "Open-Ended Response", frame[fu.id])
    body = []
    for i in range(len(frame)):
        row = frame.iloc[i]
        body.append([str(11400000000 + 7 * i), "431234567", _date(row["startdatum"], US),
                     _date(row["einddatum"], US), f"192.0.2.{i + 10}", "", "", "", "",
                     _cell(row["herkomst"])] + [c[i] for c in cols])
    return [top, sub] + body


def surveymonkey(out: Path) -> Path:
    frame, codebook = bundled()
    return write_csv(out, surveymonkey_table(frame, codebook))


def surveymonkey_xlsx(out: Path) -> Path:
    frame, codebook = bundled()
    rows = surveymonkey_table(frame, codebook)
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(out, index=False, engine="openpyxl")
    return out


# --- LimeSurvey ------------------------------------------------------------------------------

LS_META = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
           "herkomst"]


def limesurvey(out: Path) -> Path:
    """CSV with headings 'question code & question text', answer codes, Y/N and -oth-."""
    frame, codebook = bundled()
    head, cols = list(LS_META), []

    def add(code: str, text: str, sub: str | None, values) -> None:
        head.append(f"{code}. {text}" + (f" [{sub}]" if sub else ""))
        cols.append([_cell(v) for v in values])

    for q in codebook:
        code, text = q.id, change_word(q.text)  # codes cannot contain underscores
        if q.type == "open":
            add(code, text, None, frame[q.id])
        elif q.type in ("single", "scale"):
            fmt = "AO{:02d}" if q.type == "scale" else "A{}"
            codes = {o.label: ("-oth-" if o.other else fmt.format(k))
                     for k, o in enumerate(q.options, 1)}
            add(code, text, None, frame[q.id].replace(codes))
            for o in (o for o in q.options if o.other):
                add(f"{code}[other]", text, "Anders", frame[f"{q.id}_{o.code}_tekst"])
            for k, f in enumerate(q.fields, 1):
                add(f"{code}c[SQ{k:03d}]", text, f.label, frame[f.id])
        else:
            for k, o in enumerate(q.options, 1):
                if q.type == "multiple" and o.other:
                    continue
                values = frame[f"{q.id}_{o.code}"].map(
                    {"ja": "Y", "nee": "N"} if q.type == "grid" else lambda v: "Y",
                    na_action="ignore")
                add(f"{code}[SQ{k:03d}]", text, o.label, values)
            for o in (o for o in q.options if o.other):
                add(f"{code}[other]", text, "Anders", frame[f"{q.id}_{o.code}_tekst"])
        for k, fu in enumerate(q.followups, 1):
            add(f"{code}T{k}", fu.text, None, frame[fu.id])
    body = []
    for i in range(len(frame)):
        row = frame.iloc[i]
        body.append([str(i + 1), _cell(row["einddatum"]), "12", "nl", str(1000 + i),
                     _cell(row["startdatum"]), _cell(row["einddatum"]), _cell(row["herkomst"])]
                    + [c[i] for c in cols])
    incomplete = [str(len(frame) + 1), "", "1", "nl", "999", body[0][5], body[0][5],
                  body[0][7]] + [""] * len(cols)
    return write_csv(out, [head] + body + [incomplete])


# --- Microsoft Forms -------------------------------------------------------------------------

FORMS_META = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
              "herkomst"]
FORMS_DATE = "%m/%d/%y %H:%M:%S"


def forms(out: Path) -> Path:
    """Excel, one column per question titled with its text; multiple choice joined with ';'."""
    frame, codebook = bundled()
    head, cols = list(FORMS_META), []

    def add(title: str, values) -> None:
        head.append(title)
        cols.append([_cell(v) or None for v in values])

    for q in codebook:
        text = f"{q.number}. {curly(q.text)}" if q.number else curly(q.text)
        if q.type in ("open",):
            add(text, frame[q.id])
        elif q.type in ("single", "scale"):
            values = frame[q.id].copy()
            for o in (o for o in q.options if o.other):  # the typed text replaces "Other"
                typed = frame[f"{q.id}_{o.code}_tekst"]
                values = values.where(~(values.eq(o.label) & typed.notna()), typed)
            add(text, values)
        elif q.type == "multiple":
            values = []
            for i in range(len(frame)):
                picked = []
                for o in q.options:
                    if pd.notna(frame.at[i, f"{q.id}_{o.code}"]):
                        typed = frame.at[i, f"{q.id}_{o.code}_tekst"] if o.other else None
                        picked.append(typed if o.other and pd.notna(typed) else curly(o.label))
                values.append(";".join(picked) + ";" if picked else None)
            add(text, values)
        else:
            for o in q.options:
                add(f"{text}.{curly(o.label)}",
                    frame[f"{q.id}_{o.code}"].map({"ja": "Ja", "nee": "Nee"}))
        for f in q.fields:
            add(f.label, frame[f.id])
        for fu in q.followups:  # several follow-ups share the same title
            add(first_sentence(curly(fu.text)), frame[fu.id])
    meta = [[str(i + 1), _date(frame.at[i, "startdatum"], FORMS_DATE),
             _date(frame.at[i, "einddatum"], FORMS_DATE), "anonymous", "", "",
             _cell(frame.at[i, "herkomst"])] for i in range(len(frame))]
    body = [m + [c[i] for c in cols] for i, m in enumerate(meta)]
    pd.DataFrame(body, columns=head).to_excel(out, index=False, engine="openpyxl")
    return out


# --- SPSS ------------------------------------------------------------------------------------

def cut(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` UTF-8 bytes, as SPSS does."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def spss(out: Path) -> Path:
    """SPSS as Qualtrics writes it: numeric codes with value labels (cut at 120 bytes), question
    text in variable labels (cut at 256 bytes), multiple choice as 0/1 ("Niet gekozen") or as
    1/missing, SPSS datetimes."""
    import pyreadstat

    frame, codebook = bundled()
    data: dict[str, list] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict] = {}
    n = len(frame)

    def put(name: str, label: str, values, vlabels: dict | None = None) -> None:
        data[name] = list(values)
        labels[name] = cut(label, 256)
        if vlabels:
            value_labels[name] = {k: cut(v, 120) for k, v in vlabels.items()}

    put("ResponseId", "Response ID", [f"R_{i:04d}sav" for i in range(n)])
    put("StartDate", "Start Date", pd.to_datetime(frame["startdatum"], format=ISO))
    put("EndDate", "End Date", pd.to_datetime(frame["einddatum"], format=ISO))
    put("IPAddress", "IP Address", [f"192.0.2.{i + 10}" for i in range(n)])
    put("Finished", "Finished", [1.0] * n, {1.0: "True", 0.0: "False"})
    put("herkomst", "herkomst", frame["herkomst"].fillna(""))
    for q in codebook:
        name = f"Q{q.number}"
        text = f"Q{q.number}. {q.text}{marker(q)}"
        if q.type == "open":
            put(name, text, frame[q.id].fillna(""))
        elif q.type in ("single", "scale"):
            codes = {o.label: float(k) for k, o in enumerate(q.options, 1)}
            put(name, text, frame[q.id].map(codes).astype(float),
                {float(k): o.label for k, o in enumerate(q.options, 1)})
            for o in (o for o in q.options if o.other):
                put(f"{name}_{o.code}_TEXT", f"{text} - {o.label} - Text",
                    frame[f"{q.id}_{o.code}_tekst"].fillna(""))
            for k, f in enumerate(q.fields, 1):
                put(f"{name}_F{k}", f"{text} - {f.label}", frame[f.id].fillna(""))
        else:
            longest = max(len(f"{text} - {o.label}".encode()) for o in q.options)
            zero_one = q.type == "multiple" and q.number % 2 == 0 and longest <= 256
            for k, o in enumerate(q.options, 1):
                col = frame[f"{q.id}_{o.code}"]
                if q.type == "grid":
                    put(f"{name}_{k}", f"{text} - {o.label}",
                        col.map({"ja": 1.0, "nee": 2.0}).astype(float), {1.0: "Ja", 2.0: "Nee"})
                elif zero_one:
                    put(f"{name}_{k}", f"{text} - {o.label}",
                        col.notna().astype(float), {0.0: "Niet gekozen", 1.0: "Gekozen"})
                else:
                    put(f"{name}_{k}", f"{text} - {o.label}",
                        col.notna().map({True: 1.0, False: float("nan")}), {1.0: o.label})
            for o in (o for o in q.options if o.other):
                put(f"{name}_{o.code}_TEXT", f"{text} - {o.label} - Text",
                    frame[f"{q.id}_{o.code}_tekst"].fillna(""))
        for k, fu in enumerate(q.followups, 1):
            put(f"{name}_T{k}", fu.text, frame[fu.id].fillna(""))
    pyreadstat.write_sav(pd.DataFrame(data), str(out), column_labels=labels,
                         variable_value_labels=value_labels)
    return out


SHAPES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "qualtrics_tekst": ("qualtrics_tekst.csv", qualtrics),
    "qualtrics_numeriek": ("qualtrics_numeriek.csv", lambda p: qualtrics(p, numeric=True,
                                                                         joined=True)),
    "qualtrics_oud": ("qualtrics_oud.csv", qualtrics_legacy),
    "surveymonkey_csv": ("surveymonkey.csv", surveymonkey),
    "surveymonkey_xlsx": ("surveymonkey.xlsx", surveymonkey_xlsx),
    "limesurvey": ("limesurvey.csv", limesurvey),
    "forms": ("forms.xlsx", forms),
    "spss": ("qualtrics_spss.sav", spss),
}


def build(shape: str, out_dir: Path) -> Path:
    """Write the export ``shape`` into ``out_dir``; returns its path."""
    name, make = SHAPES[shape]
    out_dir.mkdir(parents=True, exist_ok=True)
    return make(out_dir / name)


def build_all(out_dir: Path) -> dict[str, Path]:
    return {shape: build(shape, out_dir) for shape in SHAPES}


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tool_exports_out")
    for shape, path in build_all(target).items():
        print(f"{shape}: {path}")
