"""A narrative edit is rendered again without executing the notebook (``pipeline.reuse``)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import nbformat
import pytest
import yaml

from ido_analysis import pipeline
from ido_analysis.pipeline.reuse import ReuseError, with_outputs

COUNTER = ("from pathlib import Path\n"
           "runs = Path(processed_dir, 'runs.txt')\n"
           "runs.write_text(runs.read_text() + 'x' if runs.exists() else 'x')\n"
           "for sub, name in (('figures', 'f.png'), ('tables', 'f.csv')):\n"
           "    Path(output_dir, sub).mkdir(parents=True, exist_ok=True)\n"
           "    Path(output_dir, sub, name).write_text('inhoud')\n"
           "print('uitgevoerd', len(runs.read_text()))")


def notebook(cells: list[tuple[str, str, list[str]]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        cell = (nbformat.v4.new_code_cell(source) if kind == "code"
                else nbformat.v4.new_markdown_cell(source))
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def executed(nb: nbformat.NotebookNode, injected_at: int) -> nbformat.NotebookNode:
    """What papermill makes of ``nb``: outputs on every code cell, an injected cell."""
    done = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for i, cell in enumerate(c for c in done.cells if c.cell_type == "code"):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"uit {i}\n")]
    injected = nbformat.v4.new_code_cell("x = 2")
    injected.metadata["tags"] = ["injected-parameters"]
    done.cells.insert(injected_at, injected)
    return done


def test_markdown_edit_keeps_outputs_and_injected_cell(tmp_path: Path) -> None:
    source = notebook([("markdown", "# Titel", []), ("code", "x = 1", ["parameters"]),
                       ("markdown", "Oude zin.", []), ("code", "print(x)", [])])
    nbformat.write(executed(source, 2), tmp_path / "done.ipynb")
    source.cells[2].source = "Nieuwe zin."
    source.cells.insert(3, nbformat.v4.new_markdown_cell("Een nieuwe alinea."))
    nbformat.write(source, tmp_path / "src.ipynb")

    nb = with_outputs(tmp_path / "src.ipynb", tmp_path / "done.ipynb")
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        ("markdown", "# Titel"), ("code", "x = 1"), ("code", "x = 2"),
        ("markdown", "Nieuwe zin."), ("markdown", "Een nieuwe alinea."), ("code", "print(x)")]
    assert nb.cells[5].outputs[0]["text"] == "uit 1\n" and nb.cells[5].execution_count == 2


def test_without_parameters_cell_the_injected_cell_opens_the_notebook(tmp_path: Path) -> None:
    source = notebook([("markdown", "Tekst", []), ("code", "print(1)", [])])
    nbformat.write(executed(source, 0), tmp_path / "done.ipynb")
    nbformat.write(source, tmp_path / "src.ipynb")
    nb = with_outputs(tmp_path / "src.ipynb", tmp_path / "done.ipynb")
    assert [c.source for c in nb.cells] == ["x = 2", "Tekst", "print(1)"]


@pytest.mark.parametrize("edit", ["changed", "added", "removed"])
def test_a_code_change_is_refused(tmp_path: Path, edit: str) -> None:
    source = notebook([("code", "x = 1", ["parameters"]), ("code", "print(x)", [])])
    nbformat.write(executed(source, 1), tmp_path / "done.ipynb")
    if edit == "changed":
        source.cells[1].source = "print(x + 1)"
    elif edit == "added":
        source.cells.append(nbformat.v4.new_code_cell("print(3)"))
    else:
        del source.cells[1]
    nbformat.write(source, tmp_path / "src.ipynb")
    with pytest.raises(ReuseError, match="done.ipynb"):
        with_outputs(tmp_path / "src.ipynb", tmp_path / "done.ipynb")


def _project(root: Path) -> Path:
    (root / "nbs").mkdir()
    (root / "processed").mkdir()
    nb = notebook([("markdown", "# Hoofdstuk F\n\nEerste versie van de tekst.", []),
                   ("code", "processed_dir = ''\noutput_dir = ''", ["parameters"]),
                   ("code", COUNTER, [])])
    nb.metadata["ido"] = {"title": "Hoofdstuk F", "source": "Testbron"}
    nbformat.write(nb, root / "nbs" / "f.ipynb")
    config = {"report": {"title": "T"}, "notebooks_dir": "nbs", "output_dir": "out",
              "parameters": {"processed_dir": "processed", "output_dir": "out"},
              "path_parameters": ["processed_dir", "output_dir"], "input_parameters": [],
              "package_sources": [], "notebooks": [{"name": "f", "title": "F"}]}
    (root / "pipeline.yaml").write_text(yaml.safe_dump(config))
    return root / "pipeline.yaml"


def _run(path: Path, **kwargs) -> pipeline.RunResult:
    return pipeline.run_pipeline(pipeline.load_config(path), jobs=1, stream=io.StringIO(),
                                 **kwargs)


def _edit(path: Path, index: int, text: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[index].source = text
    nbformat.write(nb, path)


@pytest.mark.slow
def test_pipeline_renders_a_narrative_edit_without_executing(tmp_path: Path) -> None:
    path = _project(tmp_path)
    out, runs = tmp_path / "out", tmp_path / "processed" / "runs.txt"
    assert _run(path).ran == ["f"] and runs.read_text() == "x"
    figure = (out / "figures" / "f.png").stat().st_mtime_ns

    _edit(tmp_path / "nbs" / "f.ipynb", 0, "# Hoofdstuk F\n\nTweede versie van de tekst.")
    result = _run(path)
    assert result.ran == ["f"] and result.combined is True
    assert runs.read_text() == "x"                              # not executed again
    assert "Tweede versie" in (out / "f.html").read_text()
    nb = nbformat.read(out / "notebooks" / "f.ipynb", as_version=4)
    assert nb.cells[-1].outputs[0]["text"] == "uitgevoerd 1\n"  # the outputs of the last run
    assert "injected-parameters" in nb.cells[2].metadata["tags"]
    assert (out / "figures" / "f.png").stat().st_mtime_ns == figure
    state = json.loads((out / ".pipeline-state.json").read_text())
    assert state["f"]["files"] == ["figures/f.png", "tables/f.csv"]
    assert _run(path).up_to_date == ["f"]

    # A code edit, --force and a deleted figure execute the notebook again.
    _edit(tmp_path / "nbs" / "f.ipynb", 2, COUNTER + "\nprint('meer')")
    assert _run(path).ran == ["f"] and runs.read_text() == "xx"
    assert _run(path, force=True).ran == ["f"] and runs.read_text() == "xxx"
    _edit(tmp_path / "nbs" / "f.ipynb", 0, "# Hoofdstuk F\n\nDerde versie.")
    (out / "figures" / "f.png").unlink()
    assert _run(path).ran == ["f"] and runs.read_text() == "xxxx"
    assert (out / "figures" / "f.png").exists()


def _fake_jobs(monkeypatch, calls: list[str]) -> None:
    from ido_analysis.pipeline import execute, schedule

    def ok(task):
        calls.append(task.name)
        return execute.Outcome(task.name, True, 0.0)

    monkeypatch.setitem(schedule._JOB_FUNCTIONS, schedule._EXECUTE, ok)
    monkeypatch.setitem(schedule._JOB_FUNCTIONS, schedule._PDF, ok)
    monkeypatch.setattr(schedule, "commit_task", lambda task: None)


def _background(calls: list[str], ok: bool = True):
    from ido_analysis.pipeline import execute

    def job(arg):
        calls.append(arg)
        return execute.Outcome("vragenlijst", ok, 0.0, "" if ok else "kapot")
    return job


def test_background_jobs_run_only_in_a_run_that_executes_something(monkeypatch, tmp_path):
    from ido_analysis.pipeline import execute, schedule

    calls: list[str] = []
    _fake_jobs(monkeypatch, calls)
    task = execute.Task(name="a", source=tmp_path, target=tmp_path / "a.ipynb", parameters={},
                        kernel="", title="A", day="2026-11-30", html=tmp_path / "a.html",
                        pdf=tmp_path / "a.pdf", cache=tmp_path)
    stream = io.StringIO()
    result = schedule.RunResult()
    schedule.Scheduler(["a"], {"a": ()}, lambda _: None, lambda _: None, result, stream,
                       [(_background(calls), "vooraf")]).run(1)
    assert calls == [] and result.up_to_date == ["a"]

    result = schedule.RunResult()
    schedule.Scheduler(["a"], {"a": ()}, lambda _: task, lambda _: None, result, stream,
                       [(_background(calls, ok=False), "vooraf")]).run(1)
    assert calls == ["a", "a", "vooraf"] and result.ran == ["a"] and not result.failed
    assert "note  vragenlijst: kapot" in stream.getvalue()


def test_questionnaire_laid_out_in_the_background_is_current_for_publishing(tmp_path):
    from ido_analysis.core.stamps import Stamps
    from ido_analysis.pipeline.publish import QuestionnaireJob, render_questionnaire
    from ido_analysis.report import site
    from ido_analysis.spec.codebook import load_codebook

    job = QuestionnaireJob(tmp_path, tmp_path / "cache", tmp_path / "stamps", "2026-11-30")
    assert render_questionnaire(job).ok
    assert (tmp_path / "vragenlijst.pdf").exists()
    page = site.questionnaire_page(load_codebook(), __import__("datetime").date(2026, 11, 30))
    assert not site.write_generated_pdf(tmp_path, page, tmp_path / "cache",
                                        Stamps(tmp_path / "stamps"))
