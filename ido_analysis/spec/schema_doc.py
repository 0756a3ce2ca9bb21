"""Render a JSON Schema as Markdown: one table of keys per object, in schema order.

``docs/codebook-schema.md`` is generated from ``references/codebook.schema.json`` with
``python -m ido_analysis.spec.schema_doc``; a test keeps the two in step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ido_analysis.core.paths import ROOT
from ido_analysis.spec.codebook import SCHEMA_PATH

DOC_PATH = ROOT / "docs" / "codebook-schema.md"


def _type(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return _type(defs[name], defs) if name in ("code", "column") else f"{name} (see below)"
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
    if "oneOf" in spec:
        return " or ".join(_type(s, defs) for s in spec["oneOf"])
    kind = spec.get("type", "any")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if kind == "array" and "items" in spec:
        kind = f"list of {_type(spec['items'], defs)}"
    if "pattern" in spec:
        kind += f" matching `{spec['pattern']}`"
    if "minimum" in spec:
        kind += f", at least {spec['minimum']}"
    return kind


def _table(title: str, spec: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(spec.get("required", []))
    lines = [f"## {title}", ""]
    if spec.get("description"):
        lines += [spec["description"], ""]
    lines += ["| key | required | type | meaning |", "|---|---|---|---|"]
    for key, sub in spec.get("properties", {}).items():
        meaning = sub.get("description", "").replace("|", "\\|")
        lines.append(f"| `{key}` | {'yes' if key in required else 'no'} | "
                     f"{_type(sub, defs)} | {meaning} |")
    return lines + [""]


def render(schema: dict[str, Any]) -> str:
    """Markdown for ``schema``: the top level, its object-valued keys, then each definition."""
    defs = schema.get("$defs", {})
    lines = [f"# {schema.get('title', 'Schema')}", "",
             "Generated from `references/codebook.schema.json` by "
             "`python -m ido_analysis.spec.schema_doc`; do not edit by hand.", "",
             schema.get("description", ""), ""]
    lines += _table("Top level", {**schema, "description": ""}, defs)
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "object":
            lines += _table(f"`{key}`", sub, defs)
        elif sub.get("type") == "array" and sub.get("items", {}).get("type") == "object":
            lines += _table(f"`{key}` (each item)", sub["items"], defs)
    for name, sub in defs.items():
        if sub.get("type") == "object":
            lines += _table(f"{name}", sub, defs)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    schema = json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8"))
    DOC_PATH.write_text(render(schema), encoding="utf-8")
    print(f"wrote {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
