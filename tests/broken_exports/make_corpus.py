"""Regenerate the broken-export corpus: ``python tests/broken_exports/make_corpus.py``.

Each file is a small export (6 respondents) for ``codebook.yaml`` in this folder, made from one
valid export with exactly one defect. ``tests/test_clean.py::test_broken_export`` asserts the
specific message for each file. Deterministic: rerunning gives identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from conftest import REFERENCE_CSV, small_codebook, valid_export  # noqa: E402

NA = pd.NA


def base() -> pd.DataFrame:
    frame = valid_export(small_codebook(), n=6, seed=3, p_skip=0.0)
    frame["q01"] = ["Utrecht", "Zwolle", "Den Haag", "Bergen NH", "Hengelo", "Groningen"]
    frame.loc[1, ["q05", "q06_a", "q06_b", "q06_c", "q06_c_tekst"]] = [
        "Ver", "Welzijnsorganisaties", NA, NA, NA]
    frame.loc[1, ["q07_a", "q07_b", "q07_c"]] = ["ja", "nee", "ja"]
    frame.loc[2, ["q04", "q04_toelichting_e"]] = ["Tevreden", NA]
    frame.loc[0, ["q03_a", "q03_b", "q03_c", "q03_d", "q03_c_tekst"]] = [
        "Sociaal domein", NA, NA, NA, NA]
    frame.loc[3, ["q03_a", "q03_b", "q03_c", "q03_d", "q03_c_tekst"]] = [
        "Sociaal domein", "Dienstverlening", NA, NA, NA]
    return frame


def csv_text(frame: pd.DataFrame, sep: str = ",") -> str:
    return frame.to_csv(index=False, sep=sep, lineterminator="\n")


def write(name: str, frame: pd.DataFrame) -> None:
    (HERE / name).write_text(csv_text(frame), encoding="utf-8", newline="")


def edited(**cells) -> pd.DataFrame:
    """Base export with cells set: edited(q04=(2, "x")) sets row index 2 of q04."""
    frame = base()
    for column, (index, value) in cells.items():
        frame.loc[index, column] = value
    return frame


def main() -> None:
    good = base()
    write("missing_column.csv", good.drop(columns=["q03_b"]))
    write("unexpected_column.csv", good.assign(opmerking_intern="x"))
    dup = pd.concat([good, good[["q02"]]], axis=1)
    write("duplicate_column.csv", dup)
    write("unknown_label.csv", edited(q04=(2, "Zeer tevreeden")))
    write("bad_grid_value.csv", edited(q07_a=(1, "misschien")))
    write("bad_option_text.csv", edited(q03_a=(3, "1")))
    write("duplicate_respondent_id.csv", edited(respondent_id=(4, good.at[1, "respondent_id"])))
    write("invalid_respondent_id.csv", edited(respondent_id=(0, "R-001")))
    empty_row = pd.concat([good.iloc[:3], pd.DataFrame([[NA] * len(good.columns)],
                                                       columns=good.columns), good.iloc[3:]])
    write("empty_row.csv", empty_row)
    write("exclusive_combined.csv", edited(q03_d=(0, "Geen van deze domeinen")))
    routing = edited(q05=(1, "Geen netwerk"))
    routing.loc[1, ["q07_a", "q07_b", "q07_c"]] = NA
    write("routing_violation.csv", routing)
    write("followup_without_trigger.csv",
          edited(q04_toelichting_e=(2, "Ik weet het echt niet.")))
    write("outside_fieldwork.csv", edited(startdatum=(5, "2024-01-15 10:00:00")))
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "header_only.csv").write_text(",".join(good.columns) + "\n", encoding="utf-8")
    lines = REFERENCE_CSV.read_text(encoding="utf-8").splitlines()[:6]
    (HERE / "not_a_survey.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = csv_text(good)
    (HERE / "truncated.csv").write_text(text[: text.rindex("\n", 0, -1) + 40], encoding="utf-8")
    mojibake = "Coördinatie ligt bij het sociaal domein.".encode().decode("cp1252")
    write("mojibake.csv", edited(q08=(1, mojibake)))
    (HERE / "valid_semicolon_cp1252.csv").write_bytes(csv_text(good, ";").encode("cp1252"))
    write("unknown_municipality.csv", edited(q01=(1, "Amsterdm")))
    write("ambiguous_municipality.csv", edited(q01=(1, "Bergen")))
    (HERE / "binary.csv").write_bytes(bytes(range(256)) * 4)


if __name__ == "__main__":
    main()
