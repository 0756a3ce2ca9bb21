"""Pipeline configuration: ``pipeline.yaml``, command-line overrides, the notebook graph."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ido_analysis.core.files import read_yaml
from ido_analysis.core.paths import ROOT
from ido_analysis.pipeline import parameters as schema_rules
from ido_analysis.pipeline.errors import PipelineError

DEFAULT_CONFIG = ROOT / "pipeline.yaml"



OWN_PROCESSED = "processed_dir"        # the parameter that each output folder gets its own of
PROCESSED_SUBDIR = Path("data") / "processed"
_LEADING_ZERO = re.compile(r"^[+-]?0\d+$")



@dataclass(frozen=True)
class NotebookSpec:
    """One entry of ``notebooks:`` in the config."""

    name: str
    title: str
    depends_on: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)



@dataclass(frozen=True)
class PipelineConfig:
    """Resolved pipeline configuration (all paths absolute)."""

    path: Path
    root: Path
    notebooks_dir: Path
    output_dir: Path
    parameters: dict[str, Any]
    path_parameters: tuple[str, ...]
    input_parameters: tuple[str, ...]
    package_sources: tuple[str, ...]
    notebooks: tuple[NotebookSpec, ...]
    report: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)
    parameter_schema: dict[str, Any] = field(default_factory=dict)

    def spec(self, name: str) -> NotebookSpec:
        for spec in self.notebooks:
            if spec.name == name:
                return spec
        raise PipelineError(f"unknown notebook {name!r}; known: "
                            + ", ".join(s.name for s in self.notebooks))

    def notebook_path(self, name: str) -> Path:
        return self.notebooks_dir / f"{name}.ipynb"



def _spec(entry: dict[str, Any]) -> NotebookSpec:
    name = str(entry["name"])
    return NotebookSpec(name=name, title=str(entry.get("title") or name),
                        depends_on=tuple(entry.get("depends_on") or ()),
                        outputs=tuple(entry.get("outputs") or ()),
                        parameters=dict(entry.get("parameters") or {}))



def _check_graph(specs: tuple[NotebookSpec, ...]) -> None:
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise PipelineError("duplicate notebook names in config")
    for spec in specs:
        for dep in spec.depends_on:
            if dep not in names:
                raise PipelineError(f"{spec.name} depends on unknown notebook {dep!r}")
    topological_order(specs)



def load_config(path: str | Path | None = None,
                notebooks_dir: str | Path | None = None) -> PipelineConfig:
    """Read ``pipeline.yaml`` (default: repository root). Relative paths are relative to it."""
    cfg_path = Path(path or DEFAULT_CONFIG).resolve()
    raw = read_yaml(cfg_path) or {}
    root = cfg_path.parent
    specs = tuple(_spec(e) for e in raw.get("notebooks") or ())
    _check_graph(specs)
    schema = dict(raw.get("parameter_schema") or {})
    schema_rules.check_schema(schema)
    specs = tuple(replace(s, parameters=schema_rules.validate(s.parameters, schema))
                  for s in specs)
    return PipelineConfig(
        path=cfg_path, root=root,
        notebooks_dir=(root / (notebooks_dir or raw.get("notebooks_dir", "notebooks"))).resolve(),
        output_dir=(root / raw.get("output_dir", "reports")).resolve(),
        parameters=schema_rules.validate(raw.get("parameters") or {}, schema),
        path_parameters=tuple(raw.get("path_parameters") or ()),
        input_parameters=tuple(raw.get("input_parameters") or ()),
        package_sources=tuple(raw.get("package_sources") or ()),
        notebooks=specs,
        report={k: [str(x) for x in v] if isinstance(v, list) else str(v)
                for k, v in (raw.get("report") or {}).items()},
        parameter_schema=schema,
    )



def parse_value(text: str) -> Any:
    """YAML scalar semantics (``5`` int, ``0.9`` float, ``true`` bool, ``null`` None), except
    that a number with a leading zero (``0363``, a municipality code) stays a string."""
    if _LEADING_ZERO.match(text.strip()):
        return text.strip()
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text



def split_override(text: str) -> tuple[str, str]:
    """``"key=value"`` -> ``(key, value)`` as text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise PipelineError(f"--set expects KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()



def parse_override(text: str) -> tuple[str, Any]:
    """``"key=value"`` -> ``(key, parse_value(value))``."""
    key, value = split_override(text)
    return key, parse_value(value)



def typed_overrides(texts: Iterable[str], schema: dict[str, Any]) -> dict[str, Any]:
    """``--set`` values: with a schema, the text is checked and converted by its rule (so that
    ``weighting=nee`` is false and ``weighting=yes`` is refused); without one, YAML scalars."""
    if not schema:
        return dict(parse_override(t) for t in texts)
    return schema_rules.validate(dict(split_override(t) for t in texts), schema)



def apply_overrides(config: PipelineConfig, data: str | None = None, output: str | None = None,
                    overrides: Iterable[str] = (), mapping: str | None = None
                    ) -> PipelineConfig:
    """Command-line options on top of the config. Paths given on the command line are relative
    to the current directory; ``--set`` values win over every notebook's own parameters;
    ``mapping`` (``--mapping``) sets ``mapping_path``.

    Runs never mix: an ``output`` other than the configured output folder gets its own
    cleaned data in ``<output>/data/processed`` (unless ``--set processed_dir=...``), so the
    repository's ``data/processed/`` is written only by runs into the default folder."""
    values = typed_overrides(overrides, config.parameter_schema)
    if data is not None:
        values["raw_path"] = data
    if mapping is not None:
        values["mapping_path"] = mapping
    out_dir = config.output_dir
    if output is not None:
        out_dir = Path(output).resolve()
        values["output_dir"] = str(out_dir)
        if out_dir != config.output_dir and OWN_PROCESSED not in values:
            values[OWN_PROCESSED] = str(out_dir / PROCESSED_SUBDIR)
    for key in config.path_parameters:
        if isinstance(values.get(key), str):
            values[key] = str(Path(values[key]).resolve())
    return replace(config, output_dir=out_dir, overrides={**config.overrides, **values})



def notebook_parameters(config: PipelineConfig, spec: NotebookSpec) -> dict[str, Any]:
    """Parameters injected into one notebook: common < notebook's own < overrides."""
    params = {**config.parameters, **spec.parameters, **config.overrides}
    if "output_dir" in params and "output_dir" not in config.overrides:
        params["output_dir"] = str(config.output_dir)
    for key in config.path_parameters:
        value = params.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            params[key] = str((config.root / value).resolve())
    return params



def topological_order(specs: Iterable[NotebookSpec]) -> list[str]:
    """Names in dependency order, stable with respect to config order."""
    specs = list(specs)
    done: list[str] = []
    remaining = {s.name: set(s.depends_on) for s in specs}
    while remaining:
        ready = [s.name for s in specs if s.name in remaining and remaining[s.name] <= set(done)]
        if not ready:
            raise PipelineError("dependency cycle among: " + ", ".join(sorted(remaining)))
        for name in ready:
            done.append(name)
            del remaining[name]
    return done



def selection(config: PipelineConfig, only: Iterable[str] | None) -> list[str]:
    """``only`` plus everything it depends on, in dependency order."""
    order = topological_order(config.notebooks)
    if not only:
        return order
    wanted: set[str] = set()
    stack = [config.spec(n).name for n in only]
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(config.spec(name).depends_on)
    return [n for n in order if n in wanted]
