"""Notebook parameters checked against a schema before any work starts.

The schema is data: ``parameter_schema:`` in ``pipeline.yaml`` maps every parameter name to
its rules. Keys of one rule:

- ``type``: ``boolean`` | ``integer`` | ``number`` | ``string`` | ``path``
- ``minimum`` / ``maximum`` (inclusive), ``exclusive_minimum`` / ``exclusive_maximum``
- ``allowed``: list of allowed values
- ``exists``: ``file`` or ``dir`` (paths only; checked by ``check_paths`` when a run starts)
- ``optional``: ``true`` when the parameter may be null (not set)
- ``reason``: why the limits are what they are (shown in the error message)
- ``help``: what the parameter does (shown in the error message)

Booleans accept ``true``/``false``/``ja``/``nee`` (any case) and nothing else: ``nee`` is
false, ``yes``/``1``/``aan`` are refused. Integers refuse ``5.5`` and ``abc``; numbers accept
integers. An unknown name is refused with the closest known name (``difflib``).

A config without ``parameter_schema`` is not checked (the tests' small example projects).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ido_analysis.pipeline.errors import ParameterError, PipelineError

TRUE_WORDS = ("true", "ja")
FALSE_WORDS = ("false", "nee")
TYPES = ("boolean", "integer", "number", "string", "path")


def _describe(name: str, rule: Mapping[str, Any]) -> str:
    """What the schema allows for ``name``, in one phrase."""
    kind = rule.get("type", "string")
    if kind == "boolean":
        return "true/false/ja/nee"
    if "allowed" in rule:
        return "one of " + ", ".join(str(v) for v in rule["allowed"])
    parts = [{"integer": "an integer", "number": "a number", "path": "a path"}.get(kind,
                                                                                "text")]
    bounds = [(">=", "minimum"), (">", "exclusive_minimum"), ("<=", "maximum"),
              ("<", "exclusive_maximum")]
    parts += [f"{op} {rule[key]}" for op, key in bounds if key in rule]
    text = " ".join(parts)
    if rule.get("reason"):
        text += f" ({rule['reason']})"
    return text


def _refuse(name: str, value: Any, rule: Mapping[str, Any]) -> ParameterError:
    return ParameterError(f"parameter {name}={value!r} is not allowed: expected "
                          f"{_describe(name, rule)}")


def _as_bool(name: str, value: Any, rule: Mapping[str, Any]) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _refuse(name, value, rule)


def _as_int(name: str, value: Any, rule: Mapping[str, Any]) -> int:
    if isinstance(value, bool):
        raise _refuse(name, value, rule)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise _refuse(name, value, rule)


def _as_number(name: str, value: Any, rule: Mapping[str, Any]) -> float:
    if isinstance(value, bool):
        raise _refuse(name, value, rule)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise _refuse(name, value, rule) from None


def _in_range(value: float, rule: Mapping[str, Any]) -> bool:
    """Within the bounds of ``rule`` (NaN never is)."""
    return (value == value and value >= rule.get("minimum", value)
            and value <= rule.get("maximum", value)
            and ("exclusive_minimum" not in rule or value > rule["exclusive_minimum"])
            and ("exclusive_maximum" not in rule or value < rule["exclusive_maximum"]))


def coerce(name: str, value: Any, rule: Mapping[str, Any]) -> Any:
    """``value`` converted to the schema's type for ``name``; ParameterError when the type,
    range or allowed values refuse it."""
    kind = rule.get("type", "string")
    if value is None and rule.get("optional"):
        return None
    if kind == "boolean":
        return _as_bool(name, value, rule)
    if kind in ("integer", "number"):
        number = (_as_int if kind == "integer" else _as_number)(name, value, rule)
        if not _in_range(number, rule):
            raise _refuse(name, value, rule)
        return number
    if value is None or isinstance(value, bool | dict | list):
        raise _refuse(name, value, rule)
    text = str(value)
    if kind == "path" and not text.strip():
        raise _refuse(name, value, rule)
    if "allowed" in rule and text not in [str(v) for v in rule["allowed"]]:
        raise _refuse(name, value, rule)
    return text


def check_schema(schema: Mapping[str, Any]) -> None:
    """The schema itself is well formed (known types, mapping per parameter)."""
    for name, rule in schema.items():
        if not isinstance(rule, Mapping) or rule.get("type", "string") not in TYPES:
            raise PipelineError(f"parameter_schema: {name} needs a type, one of "
                                + ", ".join(TYPES))


def unknown_name(name: str, known: list[str]) -> ParameterError:
    """Error for a name not in the schema, with the closest known one."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ParameterError(f"unknown parameter {name!r}{hint} Known parameters: "
                          + ", ".join(sorted(known)))


def validate(values: Mapping[str, Any], schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """``values`` with every value coerced to its schema type. All problems are collected and
    raised together as one ParameterError. No schema: ``values`` unchanged."""
    if not schema:
        return dict(values)
    out, problems = {}, []
    for name, value in values.items():
        try:
            if name not in schema:
                raise unknown_name(name, list(schema))
            out[name] = coerce(name, value, schema[name])
        except ParameterError as exc:
            problems.append(str(exc))
    if problems:
        raise ParameterError("\n".join(problems))
    return out


def check_paths(values: Mapping[str, Any], schema: Mapping[str, Any] | None) -> None:
    """Every path parameter with ``exists: file|dir`` points at an existing file/folder."""
    problems = []
    for name, rule in (schema or {}).items():
        want, value = rule.get("exists"), values.get(name)
        if not want or not isinstance(value, str):
            continue
        path = Path(value)
        if not (path.is_file() if want == "file" else path.is_dir()):
            problems.append(f"parameter {name}={value!r}: no such {want}")
    if problems:
        raise ParameterError("\n".join(problems))
