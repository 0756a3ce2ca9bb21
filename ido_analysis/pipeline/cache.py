"""Cache keys and run state: content hashes of what a notebook reads, ``.pipeline-state.json``."""

from __future__ import annotations

import glob
import hashlib
import json
from pathlib import Path
from typing import Any

from ido_analysis.core.files import write_text_atomic
from ido_analysis.pipeline.config import NotebookSpec, PipelineConfig, notebook_parameters

STATE_FILE = ".pipeline-state.json"


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_path(path: Path) -> str:
    """Content hash of a file or a directory tree ('missing' when absent)."""
    if path.is_file():
        return hash_bytes(path.read_bytes())
    if not path.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode() + b"\0")
        digest.update(hash_bytes(file.read_bytes()).encode())
    return digest.hexdigest()


def hash_json(value: Any) -> str:
    return hash_bytes(json.dumps(value, sort_keys=True, default=str).encode())


def package_hash(config: PipelineConfig) -> str:
    """Hash of the files matched by ``package_sources``."""
    matches = (glob.glob(str(config.root / pattern), recursive=True)
               for pattern in config.package_sources)
    files = sorted({Path(f) for found in matches for f in found if Path(f).is_file()})
    return hash_json({str(f.relative_to(config.root)): hash_path(f) for f in files})


def output_paths(config: PipelineConfig, spec: NotebookSpec) -> list[Path]:
    params = notebook_parameters(config, spec)
    return [Path(params[o]) if o in params else (config.root / o) for o in spec.outputs]


def declared_outputs_hash(config: PipelineConfig, spec: NotebookSpec) -> str:
    """Hash of the files a notebook declares in ``outputs`` (what its dependents read)."""
    return hash_json([hash_path(p) for p in output_paths(config, spec)])


def code_hash(path: Path) -> str:
    """Hash of what executing a notebook depends on in the notebook itself: its code cells
    (source and tags, in order). Markdown and raw cells, the narrative, are left out."""
    if not path.is_file():
        return "missing"
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    return hash_json([[_text(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", []))]
                      for c in cells if c.get("cell_type") == "code"])


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def execution_key(config: PipelineConfig, spec: NotebookSpec, package: str,
                  dep_fingerprints: dict[str, str]) -> str:
    """Cache key of a notebook's execution (its outputs, tables and figures): code cells,
    parameters, input files, package, dependencies. A narrative edit leaves it unchanged."""
    params = notebook_parameters(config, spec)
    inputs = {k: hash_path(Path(params[k])) for k in config.input_parameters
              if isinstance(params.get(k), str)}
    return hash_json({
        "code": code_hash(config.notebook_path(spec.name)),
        "parameters": params, "inputs": inputs, "package": package,
        "spec": [list(spec.depends_on), list(spec.outputs)],
        "dependencies": dep_fingerprints,
    })


def notebook_key(config: PipelineConfig, spec: NotebookSpec, execution: str) -> str:
    """Cache key of a chapter as published (executed and rendered): its execution key plus
    the whole notebook and its title; any change in what it reads or shows changes it."""
    return hash_json({"execution": execution, "title": spec.title,
                      "notebook": hash_path(config.notebook_path(spec.name))})


def load_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the run state atomically (a crash never leaves half a state file)."""
    write_text_atomic(path, json.dumps(state, indent=1, sort_keys=True))
