"""Reproducible analysis of the 2025 VNG survey on the municipal lead role for IDO's."""

from ido_analysis.core.lean_imports import import_jsonschema

__version__ = "0.1.0"

# Every process of the package (command line, pipeline workers, chapter kernels) reads the
# codebook or notebooks, which imports jsonschema: import it lean, before nbformat can.
import_jsonschema()
