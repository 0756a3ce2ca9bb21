"""Municipality factsheets: definition, in-memory link, comparison tables, disclosure, batch.

The end-to-end test renders three factsheets (one respondent for several municipalities) with
the real notebook and checks the HTML against the processed data: the own-answer column is
exactly the respondent's answers, no other responding municipality is named, no open answer
of another respondent appears. Rendering every factsheet is marked slow.
"""

from __future__ import annotations

import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from ido_analysis.analysis.factsheet import (
    BINARY_TYPES,
    comparison_groups,
    comparison_table,
    own_answers,
)
from ido_analysis.analysis.tables import question_table
from ido_analysis.ingest.generate import DEFAULT_OUTPUT
from ido_analysis.ingest.linkage import find_links, municipality_links
from ido_analysis.spec.codebook import load_codebook
from ido_analysis.spec.factsheet import load_factsheet_spec

MIN_CELL = 5


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    """The bundled export cleaned into a temporary folder: (folder, frame)."""
    from ido_analysis.ingest.clean import clean_export

    out = tmp_path_factory.mktemp("fs-processed")
    clean_export(DEFAULT_OUTPUT, out)
    return out, pd.read_parquet(out / "respondents.parquet")


@pytest.fixture(scope="module")
def links():
    return municipality_links(DEFAULT_OUTPUT)


@pytest.fixture(scope="module")
def spec():
    return load_factsheet_spec(load_codebook())


# --- definition and link ------------------------------------------------------------------

def test_spec_lists_closed_questions_of_every_theme(spec) -> None:
    cb = load_codebook()
    assert len(spec.themes) >= 7 and all(t.questions for t in spec.themes)
    assert all(cb[q].is_closed for q in spec.questions)


def test_spec_rejects_open_and_unknown_questions() -> None:
    raw = {"comparison": {"column": "grootteklasse_grof"},
           "factsheet": [{"theme": "X", "questions": ["q01", "q99"]}]}
    with pytest.raises(ValueError, match="q01 is an open question.*'q99' is not in"):
        load_factsheet_spec(load_codebook(), raw=raw)


def test_links_cover_every_processed_respondent(links, cleaned) -> None:
    _, df = cleaned
    assert sorted(lk.respondent_id for lk in links) == sorted(df["respondent_id"].astype(int))
    several = [lk for lk in links if len(lk.codes) > 1]
    assert several and all(len(lk.names) == len(lk.codes) for lk in several)
    assert several[0].label.count(" en ") == 1


def test_find_links_by_code_name_and_gm_code(links) -> None:
    link = links[0]
    code = link.codes[0]
    assert find_links(links, code) == [link]
    assert find_links(links, code.removeprefix("GM")) == [link]
    assert find_links(links, link.names[0].upper()) == [link]
    assert find_links(links, "Nergenshuizen") == []


def test_processed_data_hold_no_municipality_codes(cleaned) -> None:
    folder, df = cleaned
    assert not {"gemeentecodes", "inwoners"} & set(df.columns)
    for path in folder.iterdir():
        if path.suffix in (".csv", ".md", ".json"):
            text = path.read_text(encoding="utf-8")
            if path.name.startswith("cleaning_log"):
                continue  # aggregated per municipality by design (ingest.clean)
            assert not re.search(r"\bGM\d{4}\b", text), path.name


# --- comparison tables --------------------------------------------------------------------

def _expected_own(row: pd.Series, question) -> list:
    if row[f"{question.id}_status"] != "beantwoord":
        return [None] * len(question.options)
    if question.type in BINARY_TYPES:
        return [bool(row[f"{question.id}_{o.code}"]) if pd.notna(row[f"{question.id}_{o.code}"])
                else None for o in question.options]
    return [row[question.id] == o.label for o in question.options]


@pytest.mark.parametrize("index", [0, 7, 20, 33, 46])
def test_own_answers_are_the_respondents_processed_answers(cleaned, spec, index) -> None:
    _, df = cleaned
    cb = load_codebook()
    row = df.iloc[index]
    for qid in spec.questions:
        own = own_answers(row, cb[qid])
        got = [None if pd.isna(v) else bool(v) for v in own]
        assert got == _expected_own(row, cb[qid]), qid


@pytest.mark.parametrize("index", [0, 12, 30, 45])
def test_comparison_cells_pass_the_disclosure_rules(cleaned, spec, index) -> None:
    _, df = cleaned
    cb = load_codebook()
    groups = comparison_groups(df, spec.comparison_column, MIN_CELL)
    rid = int(df.iloc[index]["respondent_id"])
    for qid in spec.questions:
        q = cb[qid]
        table = comparison_table(df, q, rid, groups, MIN_CELL)
        members = df.loc[(groups == table.attrs["group"]).to_numpy()]
        full = comparison_table(members, q, rid, groups.loc[members.index], 0)
        shown = ~table["group_hidden"].to_numpy()
        own = table["own"].fillna(False).astype(int).to_numpy()
        others = full["all_count"].to_numpy() - own
        assert ((others[shown] == 0) | (others[shown] >= MIN_CELL)).all(), qid
        if q.type in BINARY_TYPES:
            rest = full["all_base"].to_numpy() - table["own"].notna().to_numpy() - others
            assert ((rest[shown] == 0) | (rest[shown] >= MIN_CELL)).all(), qid
        # shown group percentages are the group's real percentages
        assert (table["group_percent"][shown].round(6)
                == full["all_percent"][shown].round(6)).all(), qid
        # the all-respondents column is the published frequency (own answer included)
        published = question_table(df, q, population=None)
        assert table["all_count"].tolist() == published["count"].tolist(), qid
        # a group with exactly one hidden cell of a single-choice question would be derivable
        if q.type not in BINARY_TYPES:
            assert int(table["group_hidden"].sum()) != 1, qid


def test_small_comparison_groups_are_merged(cleaned) -> None:
    _, df = cleaned
    groups = comparison_groups(df, "grootteklasse_grof", 15)
    sizes = groups.value_counts()
    assert (sizes >= 15).all() and len(sizes) < df["grootteklasse_grof"].nunique()
    assert any(" + " in str(label) for label in sizes.index)


def test_full_response_names_every_municipality_once() -> None:
    from ido_analysis.ingest.full_response import full_response
    from ido_analysis.spec.reference import load_municipalities

    raw = pd.read_csv(DEFAULT_OUTPUT, dtype=str, keep_default_na=False, na_values=[""])
    ref = load_municipalities()
    full = full_response(raw, ref, seed=3)
    assert len(full) == 342 and full["q01"].is_unique
    assert set(full["q01"]) == set(ref["gemeentenaam"])
    assert list(full.columns) == list(raw.columns)


def test_slugs_are_unique_and_plain() -> None:
    from ido_analysis.ingest.linkage import Link
    from ido_analysis.pipeline.factsheets import slugify, slugs

    assert slugify("Súdwest-Fryslân") == "sudwest-fryslan"
    links = [Link(1, ("GM0373",), ("Bergen (NH.)",)), Link(2, ("GM0373",), ("Bergen (NH.)",))]
    assert slugs(links) == ["bergen-nh", "bergen-nh-2"]


# --- end to end: three factsheets ---------------------------------------------------------

class _Tables(HTMLParser):
    """Rows of the factsheet tables: (caption, row header, cells) and all visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, list[str]]] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self._caption = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag == "table" and ("class", "ido-factsheet") in attrs:
            self._in.append("table")
        elif self._in and tag == "caption":
            self._cell = []
        elif self._in and tag == "tr":
            self._row = []
        elif self._in and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if not self._in:
            return
        if tag == "caption" and self._cell is not None:
            self._caption, self._cell = "".join(self._cell), None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._row[0] != "Antwoord":
                self.rows.append((self._caption, self._row[0], self._row[1:]))
            self._row = None
        elif tag == "table":
            self._in.pop()

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def release(cleaned, spec, tmp_path_factory):
    """A published release of the bundled data beside which the factsheets are protected."""
    from ido_analysis.report.crosstab_report import write_release_tables
    from ido_analysis.spec.reference import load_municipalities

    _, df = cleaned
    cb = load_codebook()
    out = tmp_path_factory.mktemp("fs-release")
    write_release_tables(df, load_municipalities(), cb, [cb["q10"], cb["q12"]],
                         [spec.comparison_column], out, MIN_CELL)
    return out


@pytest.fixture(scope="module")
def rendered(cleaned, links, release, tmp_path_factory):
    from ido_analysis import pipeline
    from ido_analysis.pipeline.factsheets import render_all

    folder, _ = cleaned
    config = pipeline.apply_overrides(pipeline.load_config(), data=str(DEFAULT_OUTPUT),
                                      overrides=[f"processed_dir={folder}"])
    several = next(lk for lk in links if len(lk.codes) > 1)
    chosen = [links[0], several, links[-1]]
    out = tmp_path_factory.mktemp("fs-out") / "factsheets"
    result = render_all(config, out, chosen, jobs=1, release_dir=release)
    return config, chosen, out, result


def test_three_factsheets_render_with_index_notice_and_mode(rendered) -> None:
    _, chosen, out, result = rendered
    assert result.exit_code == 0 and len(result.rendered) == 3, result.failed
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    protection = out / ".bescherming"
    assert stat.S_IMODE(protection.stat().st_mode) == 0o700
    assert (protection / "bescherming.json").exists()
    report = pd.read_csv(protection / "onthulling_factsheets.csv")
    assert len(report) and report["reden"].notna().all()
    assert "nooit als geheel" in (out / "README.md").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count(".pdf\"") == 3 and 'lang="nl"' in index
    for slug in result.rendered:
        assert (out / f"{slug}.pdf").read_bytes()[:4] == b"%PDF"


def test_factsheet_shows_exactly_its_own_answers(rendered, cleaned, spec) -> None:
    _, chosen, out, result = rendered
    _, df = cleaned
    cb = load_codebook()
    from ido_analysis.pipeline.factsheets import slugs

    for link, slug in zip(chosen, slugs(chosen), strict=True):
        page = out / f"{slug}.html"
        tables = _parse(page)
        html_text = page.read_text(encoding="utf-8")
        assert 'lang="nl"' in html_text and "<caption>" in html_text
        row = df.loc[df["respondent_id"] == link.respondent_id].iloc[0]
        for qid in spec.questions:
            q = cb[qid]
            cells = {label: cells[0] for caption, label, cells in tables.rows
                     if caption.startswith(q.text)}
            assert set(q.labels) <= set(cells), qid
            for option, expected in zip(q.options, _expected_own(row, q), strict=True):
                marked = cells[option.label]
                if expected is None:
                    assert marked == "", (qid, option.code)
                elif q.type == "grid":
                    assert marked == ("ja" if expected else "nee"), (qid, option.code)
                else:
                    assert (marked != "") == expected, (qid, option.code)


def test_factsheet_names_no_other_municipality_and_no_open_answer(rendered, links,
                                                                   cleaned) -> None:
    _, chosen, out, _ = rendered
    _, df = cleaned
    cb = load_codebook()
    from ido_analysis.pipeline.factsheets import slugs

    open_columns = [c for q in cb for c in ([q.id] if q.type == "open" else [])
                    + q.text_columns() + [f.id for f in q.followups] if c in df.columns]
    for link, slug in zip(chosen, slugs(chosen), strict=True):
        text = " ".join(_parse(out / f"{slug}.html").text)
        assert all(name in text for name in link.names)
        others = {n for lk in links if lk is not link for n in lk.names} - set(link.names)
        named = [n for n in others if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)]
        assert named == [], slug
        mine = df["respondent_id"] == link.respondent_id
        texts = {str(v) for c in open_columns for v in df.loc[~mine, c].dropna()
                 if len(str(v)) >= 20}
        assert [t for t in texts if t in text] == [], slug


def test_second_run_renders_nothing(rendered, release) -> None:
    import io

    from ido_analysis.pipeline.factsheets import render_all

    config, chosen, out, _ = rendered
    again = render_all(config, out, chosen, jobs=1, stream=io.StringIO(), release_dir=release)
    assert again.rendered == [] and len(again.up_to_date) == 3


@pytest.mark.slow
def test_every_responding_municipality_gets_a_factsheet_of_two_to_four_pages(
        cleaned, links, release, tmp_path) -> None:
    from pypdf import PdfReader

    from ido_analysis import pipeline
    from ido_analysis.pipeline.factsheets import render_all

    folder, _ = cleaned
    config = pipeline.apply_overrides(pipeline.load_config(), data=str(DEFAULT_OUTPUT),
                                      overrides=[f"processed_dir={folder}"])
    result = render_all(config, tmp_path / "factsheets", links, release_dir=release)
    assert result.exit_code == 0 and len(result.rendered) == len(links)
    pages = [len(PdfReader(tmp_path / "factsheets" / f"{s}.pdf").pages) for s in result.rendered]
    assert min(pages) >= 2 and max(pages) <= 4, pages


def test_factsheet_headings_descend_one_level_at_a_time(rendered) -> None:
    _, _, out, result = rendered
    for slug in result.rendered:
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", (out / f"{slug}.html").read_text(
            encoding="utf-8"))]
        assert levels[0] == 1 and levels.count(1) == 1, slug
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), slug
        assert "<img" not in (out / f"{slug}.html").read_text(encoding="utf-8")


def test_cli_factsheets_refuses_a_municipality_that_did_not_respond(tmp_path,
                                                                    capsys) -> None:
    from ido_analysis.cli import main

    code = main(["factsheets", "--only", "Nergenshuizen", "--output", str(tmp_path / "f"),
                 "--set", f"processed_dir={tmp_path / 'p'}"])
    assert code == 2 and "Nergenshuizen" in capsys.readouterr().err
    assert not (tmp_path / "f" / "index.html").exists()


def test_make_report_never_renders_factsheets() -> None:
    from ido_analysis.pipeline import load_config
    from ido_analysis.pipeline.factsheets import NOTEBOOK

    assert NOTEBOOK not in [spec.name for spec in load_config().notebooks]
    makefile = (Path(__file__).parents[1] / "Makefile").read_text(encoding="utf-8")
    report_recipe = makefile.split("\nreport:")[1].split("\n\n")[0]
    assert "factsheets" not in report_recipe


def test_cache_key_holds_the_protection_and_a_run_of_other_data_is_refused(cleaned, links,
                                                                          tmp_path) -> None:
    from ido_analysis import pipeline
    from ido_analysis.pipeline.config import PipelineError
    from ido_analysis.pipeline.factsheets import check_release, plan

    folder, _ = cleaned
    config = pipeline.apply_overrides(pipeline.load_config(), data=str(DEFAULT_OUTPUT),
                                      output=str(tmp_path / "run"),
                                      overrides=[f"processed_dir={folder}"])
    protection = tmp_path / "bescherming.json"
    keys = []
    for content in ("een", "twee"):
        protection.write_text(content, encoding="utf-8")
        (task, key), = plan(config, tmp_path / "f", links[:1], "k", protection=protection)
        assert task.parameters["protection_path"] == str(protection)
        keys.append(key)
    assert keys[0] != keys[1]
    with pytest.raises(PipelineError, match="ido-analysis run"):
        check_release(config)
