"""A narrative edit without executing again: the edited notebook with its last run's outputs.

When only markdown cells changed since a chapter last ran (``cache.execution_key`` unchanged),
its executed notebook in place still holds the outputs of exactly the current code cells. This
module puts the current markdown into it: the result is the notebook as executing it again would
have produced it (outputs, execution counts, papermill's injected-parameters cell), so the chapter
is rendered again (HTML, PDF) and its tables and figures stay as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"


class ReuseError(ValueError):
    """The executed notebook does not hold the outputs of the source's code cells."""


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def with_outputs(source: Path, executed: Path) -> Any:
    """The notebook ``source`` with the code cells (outputs, counts) of ``executed``, a
    papermill-executed copy of a notebook with the same code cells; the injected-parameters
    cell of ``executed`` follows the parameters cell (or opens the notebook when there is none,
    as papermill puts it). ``ReuseError`` when the code cells differ in number or source."""
    import nbformat

    new = nbformat.read(source, as_version=4)
    done = nbformat.read(executed, as_version=4)
    code = [c for c in done.cells if c.cell_type == "code"]
    injected = [c for c in code if INJECTED_TAG in _tags(c)]
    ran = iter([c for c in code if INJECTED_TAG not in _tags(c)])
    cells: list[Any] = []
    for cell in new.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        previous = next(ran, None)
        if previous is None or previous.source != cell.source:
            raise ReuseError(f"{executed.name}: code cell {len(cells) + 1} differs from "
                             f"{source.name}")
        cells.append(previous)
        if PARAMETERS_TAG in _tags(cell):
            cells += injected
            injected = []
    if next(ran, None) is not None:
        raise ReuseError(f"{executed.name}: more code cells than {source.name}")
    done.cells = injected + cells
    return done
