"""Importing ``jsonschema`` without the grammar compilation of its optional IRI checker.

``jsonschema`` registers an ``iri`` format checker when ``rfc3987_syntax`` is installed
(JupyterLab's ``jupyter-events`` pulls it in), and importing that library compiles 38 lark
grammars: 1.7 s on an idle core, up to 5 s on a busy one, in every process that imports
``jsonschema`` directly or through ``nbformat`` (papermill, nbconvert): the command line, every
pipeline worker and every chapter kernel. No schema of this repository or of nbformat uses the
``iri`` format.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

SKIPPED = "rfc3987_syntax"


def import_jsonschema() -> ModuleType:
    """``jsonschema``, imported (once per process) while ``rfc3987_syntax`` is blocked:
    ``jsonschema`` skips a checker whose library raises ImportError. The block is lifted right
    after, so a later ``import rfc3987_syntax`` works as usual. When either module is already
    imported, nothing changes."""
    if "jsonschema" in sys.modules or SKIPPED in sys.modules:
        return importlib.import_module("jsonschema")
    sys.modules[SKIPPED] = None  # type: ignore[assignment]  # None makes import raise
    try:
        return importlib.import_module("jsonschema")
    finally:
        del sys.modules[SKIPPED]
