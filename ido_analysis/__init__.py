"""Reproducible analysis of the 2025 VNG survey on the municipal lead role for IDO's."""

__version__ = "0.1.0"
