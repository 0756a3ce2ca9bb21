"""The identity of a run: which data, which parameters, when.

Chapters carry the key of the run that made them (in their metadata); the combined report and
the index are built only from chapters with the same key, and show ``RunInfo`` on the title
page and the index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ido_analysis.pipeline.cache import hash_json, hash_path
from ido_analysis.pipeline.config import PipelineConfig

DATA_PARAMETER = "raw_path"
PROCESSED_FILE = "respondents.parquet"
SHORT = 12                       # characters of the sha256 shown to readers


@dataclass(frozen=True)
class RunInfo:
    """What a reader needs to know which run produced a report."""

    data_name: str               # file name of the raw export
    data_sha256: str             # full content hash of the raw export
    n: int | None                # respondents after cleaning (None: not cleaned yet)
    parameters: dict[str, Any] = field(default_factory=dict)  # analysis parameters, no paths
    run_date: str = ""           # ISO date
    key: str = ""                # identity: data content + parameters (not the date)

    @property
    def short_sha(self) -> str:
        return self.data_sha256[:SHORT]

    def lines(self) -> list[str]:
        """Dutch lines for the title page and the index."""
        params = ", ".join(f"{k} = {_shown(v)}" for k, v in sorted(self.parameters.items()))
        return [f"Data: {self.data_name} (sha256 {self.short_sha})",
                f"Respondenten: {self.n if self.n is not None else 'onbekend'}",
                f"Parameters: {params or 'standaard'}",
                f"Uitgevoerd op: {self.run_date}"]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def analysis_parameters(config: PipelineConfig) -> dict[str, Any]:
    """Common parameters plus overrides, without the path parameters (which differ between
    output folders without changing a result)."""
    params = {**config.parameters, **config.overrides}
    return {k: v for k, v in params.items() if k not in config.path_parameters}


def processed_rows(processed_dir: str | Path | None) -> int | None:
    """Rows of the cleaned dataset, from the Parquet footer (None when absent)."""
    if not processed_dir:
        return None
    path = Path(processed_dir) / PROCESSED_FILE
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def run_info(config: PipelineConfig, day: dt.date | None = None) -> RunInfo:
    """Identity of a run with this config (data file, parameters) on ``day``."""
    from ido_analysis.pipeline.config import notebook_parameters

    first = config.notebooks[0] if config.notebooks else None
    params = notebook_parameters(config, first) if first else dict(config.parameters)
    raw = params.get(DATA_PARAMETER)
    data = Path(raw) if isinstance(raw, str) else None
    inputs = {k: hash_path(Path(params[k])) for k in config.input_parameters
              if isinstance(params.get(k), str)}
    analysis = analysis_parameters(config)
    return RunInfo(
        data_name=data.name if data else "",
        data_sha256=hash_path(data) if data else "missing",
        n=processed_rows(params.get("processed_dir")),
        parameters=analysis,
        run_date=(day or dt.date.today()).isoformat(),
        key=hash_json({"inputs": inputs, "parameters": analysis})[:SHORT],
    )
