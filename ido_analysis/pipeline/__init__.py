"""The run: configuration, cache keys, staged execution, scheduling and publishing.

``ido-analysis run`` (details in docs/notebooks.md):
- ``pipeline.yaml`` lists the notebooks (name, title, depends_on, outputs, parameters) and the
  common parameters; command-line options override them (``config``).
- Notebooks run with papermill in dependency order, independent ones in parallel worker
  processes (``execute``, ``schedule``). Kernel starts are serialised by a lock
  (papermill/jupyter port race, nteract/papermill#511).
- Incremental: ``<output>/.pipeline-state.json`` stores a key per notebook (``cache``); a
  notebook whose key and outputs are unchanged is skipped.
- Outputs are written to temporary names and moved in place only when all of a chapter
  succeeded (``staging``); the combined PDF and the index are built from the chapters in place
  (``publish``).
"""

from ido_analysis.pipeline.config import (
    PipelineConfig,
    PipelineError,
    apply_overrides,
    load_config,
    notebook_parameters,
    parse_override,
    parse_value,
    topological_order,
)
from ido_analysis.pipeline.execute import kernel_name, strip_volatile_metadata
from ido_analysis.pipeline.run import cli_run, run_pipeline, update_notebooks

__all__ = [
    "PipelineConfig", "PipelineError", "apply_overrides", "cli_run", "kernel_name", "load_config",
    "notebook_parameters", "parse_override", "parse_value", "run_pipeline",
    "strip_volatile_metadata", "topological_order", "update_notebooks",
]
