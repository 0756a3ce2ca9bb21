"""The run: configuration, cache keys, staged execution, scheduling and publishing.

``ido-analysis run`` (details in docs/notebooks.md):
- ``pipeline.yaml`` lists the notebooks (name, title, depends_on, outputs, parameters) and the
  common parameters; command-line options override them (``config``).
- Notebooks run with papermill in dependency order, independent ones in parallel worker
  processes (``execute``, ``schedule``). Kernel starts are serialised by a lock
  (papermill/jupyter port race, nteract/papermill#511).
- Incremental: ``<output>/.pipeline-state.json`` stores a key per notebook (``cache``); a
  notebook whose key and outputs are unchanged is skipped.
- Parameters are checked against ``parameter_schema`` before anything runs (``parameters``).
- Outputs are written to temporary names, a chapter's tables and figures into its own staging
  folder, and moved in place only when all of a chapter succeeded (``staging``, ``execute``);
  an output folder other than the default gets its own cleaned data (``config``).
- The combined PDF is built only from chapters of one run (same data and parameters,
  ``identity``) when none failed; the index shows the run, failures and chapters of other
  runs (``publish``).
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
