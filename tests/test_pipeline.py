"""Pipeline machinery on tiny dummy notebooks in a temporary directory.

Kernel starts cost ~1-2 s each, so the end-to-end scenario is one module-scoped run sequence
shared by several assertions; pure functions are tested without kernels.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from ido_analysis import pipeline
from ido_analysis.pipeline import (
    PipelineError,
    apply_overrides,
    config,
    execute,
    load_config,
    notebook_parameters,
    parse_override,
    parse_value,
    schedule,
    strip_volatile_metadata,
    topological_order,
)


def make_notebook(path: Path, code: str, title: str, params: str = "processed_dir = ''") -> None:
    nb = nbformat.v4.new_notebook()
    params_cell = nbformat.v4.new_code_cell(params)
    params_cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nTekst van {title}."),
                params_cell, nbformat.v4.new_code_cell(code)]
    nb.metadata["ido"] = {"title": title, "source": "Testbron"}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


WRITER = ("from pathlib import Path\n"
          "Path(processed_dir).mkdir(parents=True, exist_ok=True)\n"
          "Path(processed_dir, 'data.txt').write_text('42')\n"
          "print('geschreven')")
READER = ("from pathlib import Path\n"
          "print('gelezen', Path(processed_dir, 'data.txt').read_text(), min_cell, code)")
FAILER = ("from pathlib import Path\n"
          "value = Path(processed_dir, 'data.txt').read_text()\n"
          "if value == '42':\n"
          "    raise ValueError('kapotte cel')\n"
          "print('goed', value)")


def write_project(root: Path) -> Path:
    """Config + notebooks: a writes processed data; b, c read it; d depends on c; c fails
    when the data say 42."""
    nbs = root / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "a.ipynb", WRITER, "Hoofdstuk A")
    make_notebook(nbs / "b.ipynb", READER, "Hoofdstuk B",
                  "processed_dir = ''\nmin_cell = 0\ncode = ''")
    make_notebook(nbs / "c.ipynb", "print('c ok')", "Hoofdstuk C")
    make_notebook(nbs / "d.ipynb", "print('d ok')", "Hoofdstuk D")
    (root / "raw.csv").write_text("x\n1\n")
    config = {
        "report": {"title": "Testrapport"},
        "notebooks_dir": "nbs", "output_dir": "out",
        "parameters": {"raw_path": "raw.csv", "processed_dir": "processed",
                       "output_dir": "out", "min_cell": 5},
        "path_parameters": ["raw_path", "processed_dir", "output_dir"],
        "input_parameters": ["raw_path"],
        "package_sources": [],
        "notebooks": [
            {"name": "a", "title": "A", "outputs": ["processed_dir"]},
            {"name": "b", "title": "B", "depends_on": ["a"], "parameters": {"code": "0363"}},
            {"name": "c", "title": "C", "depends_on": ["a"]},
            {"name": "d", "title": "D", "depends_on": ["c"]},
        ],
    }
    path = root / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


# ----------------------------------------------------------------------------- pure functions

@pytest.mark.parametrize(("text", "expected"), [
    ("0363", "0363"), ("5", 5), ("0.9", 0.9), ("true", True), ("false", False),
    ("0", 0), ("-07", "-07"), ("abc", "abc"), ("null", None), ("1.5e3", "1.5e3"),
])
def test_parse_value_keeps_types_and_leading_zero_codes(text, expected):
    value = parse_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_parse_override_rejects_missing_equals():
    assert parse_override("min_cell=10") == ("min_cell", 10)
    with pytest.raises(PipelineError, match="--set expects KEY=VALUE, got 'min_cell'"):
        parse_override("min_cell")


def test_overrides_and_paths(tmp_path, monkeypatch):
    config = load_config(write_project(tmp_path))
    monkeypatch.chdir(tmp_path / "nbs")
    config = apply_overrides(config, data="elders.csv", output=str(tmp_path / "ander"),
                             overrides=["min_cell=10", "code=0363", "weighting=true"])
    params = notebook_parameters(config, config.spec("b"))
    assert params["raw_path"] == str(tmp_path / "nbs" / "elders.csv")
    assert params["processed_dir"] == str(tmp_path / "ander" / "data" / "processed")
    assert params["output_dir"] == str(tmp_path / "ander")
    assert config.output_dir == tmp_path / "ander"
    assert params["min_cell"] == 10 and params["code"] == "0363" and params["weighting"] is True


def test_config_graph_errors(tmp_path):
    path = write_project(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["notebooks"][0]["depends_on"] = ["d"]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(PipelineError, match="dependency cycle among: a, b, c, d"):
        load_config(path)
    raw["notebooks"][0]["depends_on"] = ["zz"]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(PipelineError, match="a depends on unknown notebook 'zz'"):
        load_config(path)


def test_topological_order_is_stable():
    specs = [config.NotebookSpec("x", "X", ("y",)), config.NotebookSpec("y", "Y"),
             config.NotebookSpec("z", "Z")]
    assert topological_order(specs) == ["y", "z", "x"]


def test_strip_volatile_metadata_keeps_counts_and_tags():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1", execution_count=3)
    cell.metadata.update({"tags": ["parameters"], "papermill": {"duration": 1.2},
                          "execution": {"iopub.status.busy": "2025-01-01T00:00:00"}})
    nb.cells = [cell]
    nb.metadata["papermill"] = {"start_time": "2025"}
    nb.metadata["ido"] = {"title": "T"}
    out = strip_volatile_metadata(nb)
    assert "papermill" not in out.metadata and out.metadata["ido"] == {"title": "T"}
    assert dict(out.cells[0].metadata) == {"tags": ["parameters"]}
    assert out.cells[0].execution_count == 3


def test_drop_binary_outputs_keeps_the_text_stand_in():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()", execution_count=1)
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Image object>"},
        metadata={"image/png": {"width": 600}}),
        nbformat.v4.new_output("stream", name="stdout", text="klaar\n")]
    nb.cells = [cell]
    out = execute.drop_binary_outputs(nb)
    assert dict(out.cells[0].outputs[0].data) == {"text/plain": "<Image object>"}
    assert dict(out.cells[0].outputs[0].metadata) == {}
    assert out.cells[0].outputs[1].text == "klaar\n"


# ----------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    config_path = write_project(root)
    # c fails on the first run: it raises when a's data say 42.
    make_notebook(root / "nbs" / "c.ipynb", FAILER, "Hoofdstuk C")
    return root, config_path


def _run(config_path: Path, **kwargs):
    stream = io.StringIO()
    result = pipeline.run_pipeline(load_config(config_path), stream=stream, **kwargs)
    return result, stream.getvalue()


@pytest.mark.slow
def test_end_to_end_failure_incremental_and_noop(project):
    root, config_path = project
    out = root / "out"

    # 1. First run, parallel: c fails, d is blocked, a and b finish.
    result, log = _run(config_path, jobs=2)
    assert result.exit_code == 1
    assert sorted(result.ran) == ["a", "b"]
    assert result.blocked == ["d"]
    assert result.failed["c"] == "c.ipynb, cell 3 of 3: ValueError: kapotte cel"
    assert "skip  d: a dependency failed" in log
    executed_b = nbformat.read(out / "notebooks" / "b.ipynb", as_version=4)
    assert "gelezen 42 5 0363" in executed_b.cells[-1].outputs[0]["text"]
    for name in ("a", "b"):
        assert (out / f"{name}.html").exists() and (out / f"{name}.pdf").exists()
    assert (out / "notebooks" / "c.failed.ipynb").exists()
    assert not (out / "c.html").exists()
    # A failed chapter: no combined report; the index names the failure and its notebook.
    assert not (out / "rapport_compleet.pdf").exists()
    assert "run   rapport_compleet.pdf" not in log
    index = (out / "index.html").read_text()
    assert 'href="a.html"' in index and 'href="c.html"' not in index
    assert "C: MISLUKT. c.ipynb, cell 3 of 3: ValueError: kapotte cel" in index
    assert 'href="notebooks/c.failed.ipynb"' in index and "onvolledig" in index
    assert "raw.csv (sha256 " in index and "min_cell = 5" in index

    # 2. Fix c: only c and d run (a, b up to date), combined PDF is rebuilt once, from the
    #    chapters' pages after the last chapter PDF (d's) is in place.
    make_notebook(root / "nbs" / "c.ipynb", "print('c ok')", "Hoofdstuk C")
    result, log = _run(config_path, jobs=1)
    assert result.exit_code == 0
    assert result.ran == ["c", "d"] and result.up_to_date == ["a", "b"]
    assert result.combined is True
    lines = log.splitlines()
    assert lines.index("  run   rapport_compleet.pdf + index.html") > lines.index(
        next(line for line in lines if line.startswith("  done  d (")))
    assert log.count("run   rapport_compleet.pdf") == 1
    assert not (out / "notebooks" / "c.failed.ipynb").exists()
    assert "MISLUKT" not in (out / "index.html").read_text()
    c_html = (out / "c.html").read_bytes()

    # 3. Nothing changed: no work, fast.
    start = time.perf_counter()
    result, _ = _run(config_path)
    assert time.perf_counter() - start <= 2.0
    assert result.ran == [] and result.combined is False
    assert result.up_to_date == ["a", "b", "c", "d"]

    # 4. Break c again: it fails, its last good outputs stay in place, d is not run.
    make_notebook(root / "nbs" / "c.ipynb", FAILER, "Hoofdstuk C")
    result, _ = _run(config_path, jobs=1)
    assert result.ran == [] and list(result.failed) == ["c"] and result.blocked == ["d"]
    assert (out / "c.html").read_bytes() == c_html

    # 5. Data change with --only b: b and its dependency a re-run (the raw file is an input of
    #    every notebook); c and d are not selected. c and d now come from another run: the
    #    combined report of the earlier run is removed and the index says so.
    (root / "raw.csv").write_text("x\n2\n")
    result, _ = _run(config_path, jobs=1, only=["b"])
    assert result.ran == ["a", "b"] and result.up_to_date == [] and not result.failed
    state = json.loads((out / ".pipeline-state.json").read_text())
    assert set(state) >= {"a", "b", "c", "d"}
    assert not (out / "rapport_compleet.pdf").exists()
    index = (out / "index.html").read_text()
    assert "C: uit een andere uitvoering" in index and "D: uit een andere uitvoering" in index
    assert "B: uit een andere uitvoering" not in index


def _pdf_fails_for_b(task):
    if task.name == "b":
        return execute.Outcome("b", False, 0.0, "b: PDF: RuntimeError: kapotte pdf")
    return execute.pdf_task(task)


@pytest.mark.slow
def test_failed_chapter_pdf_keeps_last_good_outputs(project, monkeypatch):
    """b's chapter PDF fails: b keeps its last good outputs, no temporary file is left; the
    combined report of this run's data and parameters stays (old b inside); with other
    parameters and b failing again it goes."""
    from pypdf import PdfReader

    root, config_path = project
    out = root / "out"
    make_notebook(root / "nbs" / "c.ipynb", "print('c ok')", "Hoofdstuk C")
    _run(config_path, jobs=1)  # whatever the earlier test left: all chapters in place
    b_body = (out / ".pipeline" / "b.body.html").read_bytes()
    (out / "index.html").unlink()  # the combined report is out of date
    monkeypatch.setitem(schedule._JOB_FUNCTIONS, schedule._PDF, _pdf_fails_for_b)
    combined = (out / "rapport_compleet.pdf").read_bytes()
    stream = io.StringIO()
    result = pipeline.run_pipeline(load_config(config_path), only=["b"], force=True, jobs=1,
                                   stream=stream)
    assert result.failed == {"b": "b: PDF: RuntimeError: kapotte pdf"} and result.ran == []
    assert (out / "rapport_compleet.pdf").read_bytes() == combined
    assert result.combined is False and (out / "index.html").exists()
    assert (out / ".pipeline" / "b.body.html").read_bytes() == b_body  # last good b
    assert (out / "notebooks" / "b.failed.ipynb").exists()
    assert sorted(p.name for p in out.rglob("*.tmp*")) == []
    # Same data and parameters: the combined report of this run stays (old b inside).
    text = "".join(p.extract_text() for p in PdfReader(out / "rapport_compleet.pdf").pages)
    assert "gelezen 42 5 0363" in text
    assert "B: MISLUKT. b: PDF: RuntimeError: kapotte pdf" in (out / "index.html").read_text()

    # Other parameters and b fails again: the combined report of the earlier run goes.
    config = apply_overrides(load_config(config_path), overrides=["min_cell=7"])
    result = pipeline.run_pipeline(config, only=["b"], jobs=1, stream=io.StringIO())
    assert list(result.failed) == ["b"] and result.combined is False
    assert not (out / "rapport_compleet.pdf").exists()
    assert sorted(p.name for p in out.rglob("*.tmp*")) == []


@pytest.mark.slow
def test_missing_notebook_is_reported(tmp_path):
    config_path = write_project(tmp_path)
    (tmp_path / "nbs" / "d.ipynb").unlink()
    (tmp_path / "nbs" / "a.ipynb").unlink()
    result, _ = _run(config_path, jobs=1)
    assert list(result.failed) == ["a"] and "FileNotFoundError" in result.failed["a"]
    assert sorted(result.blocked) == ["b", "c", "d"]
    assert result.exit_code == 1


# ----------------------------------------------------------------------------- run isolation

def test_each_output_folder_gets_its_own_processed_data(tmp_path):
    from ido_analysis.core.paths import ROOT

    config = load_config()
    default = notebook_parameters(apply_overrides(config), config.spec("01_opschonen"))
    assert default["processed_dir"] == str(ROOT / "data" / "processed")
    same = apply_overrides(config, output=str(ROOT / "reports"))
    assert notebook_parameters(same, config.spec("01_opschonen"))["processed_dir"] == str(
        ROOT / "data" / "processed")
    other = apply_overrides(config, output=str(tmp_path / "elders"))
    for spec in other.notebooks:
        assert notebook_parameters(other, spec).get("processed_dir", str(
            tmp_path / "elders" / "data" / "processed")) == str(
            tmp_path / "elders" / "data" / "processed")
    chosen = apply_overrides(config, output=str(tmp_path / "elders"),
                             overrides=[f"processed_dir={tmp_path / 'p'}"])
    assert notebook_parameters(chosen, config.spec("02_respondenten"))["processed_dir"] == str(
        tmp_path / "p")


FIGURE_WRITER = ("from pathlib import Path\n"
                 "if Path(processed_dir, 'stop').exists():\n"
                 "    Path(output_dir, 'figures').mkdir(parents=True, exist_ok=True)\n"
                 "    Path(output_dir, 'figures', 'e.png').write_text('half')\n"
                 "    raise ValueError('gestopt')\n"
                 "for sub, name in (('figures', 'e.png'), ('tables', 'e.csv')):\n"
                 "    Path(output_dir, sub).mkdir(parents=True, exist_ok=True)\n"
                 "    Path(output_dir, sub, name).write_text(min_cell_text)\n"
                 "print('geschreven')")


@pytest.mark.slow
def test_tables_and_figures_are_staged_with_their_chapter(tmp_path):
    """A chapter's tables and figures appear only when the whole chapter succeeded; the cache
    knows them (a deleted figure re-runs the chapter)."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make_notebook(nbs / "e.ipynb", FIGURE_WRITER, "Hoofdstuk E",
                  "processed_dir = ''\noutput_dir = ''\nmin_cell_text = 'x'")
    (tmp_path / "processed").mkdir()
    config = {"report": {"title": "T"}, "notebooks_dir": "nbs", "output_dir": "out",
              "parameters": {"processed_dir": "processed", "output_dir": "out",
                             "min_cell_text": "eerste"},
              "path_parameters": ["processed_dir", "output_dir"], "input_parameters": [],
              "package_sources": [], "notebooks": [{"name": "e", "title": "E"}]}
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "out"

    result, _ = _run(path, jobs=1)
    assert result.ran == ["e"] and (out / "figures" / "e.png").read_text() == "eerste"
    assert (out / "tables" / "e.csv").exists()
    assert not any(p.is_file() for p in (out / ".pipeline" / "stage").rglob("*"))

    # A failed run writes nothing beside the last good outputs.
    (tmp_path / "processed" / "stop").write_text("")
    config["parameters"]["min_cell_text"] = "tweede"
    path.write_text(yaml.safe_dump(config))
    result, _ = _run(path, jobs=1)
    assert list(result.failed) == ["e"]
    assert (out / "figures" / "e.png").read_text() == "eerste"
    assert "MISLUKT" in (out / "index.html").read_text()

    # A deleted figure re-runs the chapter.
    (tmp_path / "processed" / "stop").unlink()
    config["parameters"]["min_cell_text"] = "eerste"
    path.write_text(yaml.safe_dump(config))
    result, _ = _run(path, jobs=1)
    assert result.up_to_date == ["e"]
    (out / "figures" / "e.png").unlink()
    result, _ = _run(path, jobs=1)
    assert result.ran == ["e"] and (out / "figures" / "e.png").read_text() == "eerste"
    index = (out / "index.html").read_text()
    assert "MISLUKT" not in index and 'href="rapport_compleet.pdf"' in index


def test_run_identity_follows_data_and_parameters_not_paths(tmp_path):
    from ido_analysis.pipeline.identity import run_info

    path = write_project(tmp_path)
    base = run_info(load_config(path))
    assert base.data_name == "raw.csv" and base.n is None and len(base.short_sha) == 12
    assert base.lines()[0] == f"Data: raw.csv (sha256 {base.short_sha})"
    assert "Parameters: min_cell = 5" in base.lines()[2]
    elsewhere = run_info(apply_overrides(load_config(path), output=str(tmp_path / "x")))
    assert elsewhere.key == base.key
    other = run_info(apply_overrides(load_config(path), overrides=["min_cell=6"]))
    assert other.key != base.key
    (tmp_path / "raw.csv").write_text("x\n3\n")
    assert run_info(load_config(path)).key != base.key
