"""``ido_analysis`` imports jsonschema without compiling the IRI grammars (core.lean_imports)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

PROBE = """
import sys, ido_analysis, nbformat
from ido_analysis.spec.codebook import load_codebook
load_codebook()
print('rfc3987_syntax' in sys.modules)
"""


def test_package_import_skips_the_iri_grammars_and_leaves_the_library_importable() -> None:
    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987_syntax is not installed: nothing to skip")
    out = subprocess.run([sys.executable, "-c", PROBE + "import rfc3987_syntax\nprint('ok')"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "ok"]


def test_the_codebook_schema_is_still_enforced() -> None:
    from ido_analysis.spec.codebook import schema_problems

    assert schema_problems({"survey": {}, "chapters": [], "questions": "none"})
