"""The package's layers follow the data flow; nothing imports a later layer.

core -> spec -> ingest -> analysis -> report -> pipeline -> cli. Every ``import`` statement in
the package (module level and inside functions) is read from the source with ``ast``, so a lazy
import inside a function counts as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ido_analysis"
LAYERS = ("core", "spec", "ingest", "analysis", "report", "pipeline", "cli")
# Third-party modules a layer must not use: analysis computes, report draws and displays.
FORBIDDEN = {
    "core": ("matplotlib", "seaborn", "IPython", "papermill", "nbconvert", "weasyprint"),
    "spec": ("matplotlib", "seaborn", "IPython", "papermill", "nbconvert", "weasyprint"),
    "ingest": ("matplotlib", "seaborn", "IPython", "papermill", "nbconvert", "weasyprint"),
    "analysis": ("matplotlib", "seaborn", "IPython", "papermill", "nbconvert", "weasyprint"),
}


def layer_of(module: str) -> str | None:
    """``ido_analysis.report.charts`` -> ``report``; ``ido_analysis.cli`` -> ``cli``."""
    parts = module.split(".")
    if parts[0] != "ido_analysis" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``path``; ``from x import y`` also yields
    ``x.y`` so that ``from ido_analysis import report`` is seen as the report layer."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    stray = [str(p.relative_to(PACKAGE)) for p in SOURCES
             if p.parent == PACKAGE and p.stem not in ("__init__", "cli")]
    assert stray == [], f"modules outside the layer subpackages: {stray}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(
        LAYERS) - {"cli"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_of_a_later_layer(path: Path) -> None:
    own = layer_of(module_name(path))
    if own is None:  # the package __init__
        return
    rank = LAYERS.index(own)
    late = [f"line {line}: {name}" for line, name in imports(path)
            if (other := layer_of(name)) is not None and LAYERS.index(other) > rank]
    assert late == [], f"{own} imports a later layer: {late}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_forbidden_third_party_import(path: Path) -> None:
    own = layer_of(module_name(path))
    banned = FORBIDDEN.get(own or "", ())
    bad = [f"line {line}: {name}" for line, name in imports(path)
           if name.split(".")[0] in banned]
    assert bad == [], f"{own} must not import {banned}: {bad}"


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The checker itself: a lazy import of a later layer inside a function is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from ido_analysis.report import charts\n    import IPython\n")
    names = [name for _, name in imports(sample)]
    assert "ido_analysis.report.charts" in names and "IPython" in names
    assert layer_of("ido_analysis.report.charts") == "report"
    assert layer_of("ido_analysis.cli") == "cli"
