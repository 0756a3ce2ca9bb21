"""Errors of the run machinery (exit code 2: nothing was executed)."""

from __future__ import annotations


class PipelineError(Exception):
    """Invalid configuration or command-line input (exit code 2)."""


class ParameterError(PipelineError):
    """A parameter value that the schema refuses (exit code 2, before any notebook runs)."""
