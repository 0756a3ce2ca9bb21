"""Parameter schema: every bad value is refused before any notebook runs, with a message that
names the parameter and what is allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ido_analysis.cli import main
from ido_analysis.core.paths import ROOT
from ido_analysis.pipeline import apply_overrides, load_config
from ido_analysis.pipeline.errors import ParameterError, PipelineError
from ido_analysis.pipeline.parameters import check_paths, check_schema, coerce, validate


@pytest.fixture(scope="module")
def config():
    return load_config()


def _parameter_names(notebook: Path) -> set[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    return {line.split("=")[0].strip() for line in "".join(cell["source"]).splitlines()
            if "=" in line and not line.lstrip().startswith("#")}


def test_schema_covers_every_notebook_parameter(config):
    names = set().union(*(_parameter_names(config.notebook_path(s.name))
                          for s in config.notebooks))
    assert names <= set(config.parameter_schema), names - set(config.parameter_schema)
    assert set(config.parameters) <= set(config.parameter_schema)


@pytest.mark.parametrize(("text", "expected"), [
    ("weighting=nee", False), ("weighting=ja", True), ("weighting=True", True),
    ("weighting=false", False), ("weighting=NEE", False),
    ("min_cell=3", 3), ("min_cell=10", 10), ("confidence=0.9", 0.9), ("confidence=0.99", 0.99),
    ("seed=0", 0), ("grouping=provincie", "provincie"),
])
def test_good_values_are_converted(config, text, expected):
    key = text.split("=")[0]
    value = apply_overrides(config, overrides=[text]).overrides[key]
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(("text", "message"), [
    ("weighting=yes", r"weighting='yes' is not allowed: expected true/false/ja/nee"),
    ("weighting=1", r"weighting='1' is not allowed: expected true/false/ja/nee"),
    ("weighting=", r"weighting='' is not allowed"),
    ("min_cell=0", r"min_cell='0' is not allowed: expected an integer >= 3 \(below 3"),
    ("min_cell=2", r"min_cell='2' is not allowed: expected an integer >= 3"),
    ("min_cell=-5", r"min_cell='-5' is not allowed"),
    ("min_cell=abc", r"min_cell='abc' is not allowed: expected an integer"),
    ("min_cell=5.5", r"min_cell='5.5' is not allowed: expected an integer"),
    ("confidence=2", r"confidence='2' is not allowed: expected a number > 0.5 < 1"),
    ("confidence=0.5", r"confidence='0.5' is not allowed"),
    ("confidence=1", r"confidence='1' is not allowed"),
    ("confidence=nan", r"confidence='nan' is not allowed"),
    ("confidence=hoog", r"confidence='hoog' is not allowed: expected a number"),
    ("seed=-1", r"seed='-1' is not allowed: expected an integer >= 0"),
    ("grouping=gemeente", r"grouping='gemeente' is not allowed: expected one of grootteklasse"),
    ("conficence=0.9", r"unknown parameter 'conficence'; did you mean 'confidence'\?"),
    ("min_cel=3", r"unknown parameter 'min_cel'; did you mean 'min_cell'\?"),
    ("xyz=3", r"unknown parameter 'xyz' Known parameters: confidence, grouping"),
])
def test_bad_values_are_refused(config, text, message):
    with pytest.raises(ParameterError, match=message):
        apply_overrides(config, overrides=[text])


def test_all_problems_are_listed_together(config):
    with pytest.raises(ParameterError) as info:
        apply_overrides(config, overrides=["min_cell=abc", "weighting=yes", "conficence=2"])
    assert len(str(info.value).splitlines()) == 3


def test_config_file_values_are_checked_too(tmp_path):
    text = (ROOT / "pipeline.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "pipeline.yaml"
    bad.write_text(text.replace("  min_cell: 5\n", "  min_cell: 0\n"), encoding="utf-8")
    with pytest.raises(ParameterError, match="min_cell=0 is not allowed"):
        load_config(bad)
    bad.write_text(text.replace("  weighting: false\n", "  weighting: 'nee'\n"),
                   encoding="utf-8")
    assert load_config(bad).parameters["weighting"] is False


def test_schema_rules_without_pipeline():
    rule = {"type": "number", "minimum": 0, "maximum": 1}
    assert coerce("p", 1, rule) == 1.0
    with pytest.raises(ParameterError):
        coerce("p", True, rule)
    assert validate({"a": "x"}, None) == {"a": "x"}
    with pytest.raises(ParameterError, match="raw_path='/nergens.csv': no such file"):
        check_paths({"raw_path": "/nergens.csv"}, {"raw_path": {"type": "path",
                                                                "exists": "file"}})
    with pytest.raises(PipelineError, match="needs a type"):
        check_schema({"x": {"type": "kleur"}})


@pytest.mark.parametrize("args", [
    ["--set", "weighting=yes"], ["--set", "min_cell=0"], ["--set", "min_cell=abc"],
    ["--set", "conficence=0.9"], ["--set", "confidence=2"], ["--data", "/nergens/export.csv"],
    ["--only", "09_bestaat_niet"],
])
def test_cli_refuses_before_any_work(tmp_path, capsys, args):
    out = tmp_path / "rapport"
    assert main(["run", "--output", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ido-analysis run: ")
    assert not out.exists()
