"""Dutch number formatting for tables, charts and narrative.

Conventions: decimal comma, thousands point, percent sign without a space ("43%"), an en dash
between interval bounds ("31%–56%") and an en dash for a missing value ("–"). Rounding is half
up (43,5 -> 44), the convention the published report and ``published_figures.csv`` use, not
Python's round-half-even.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

import pandas as pd

MISSING = "–"  # en dash
DASH = "–"


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def round_half_up(value: float | Rational | Decimal, decimals: int = 0) -> Decimal:
    """Round ``value`` at ``decimals`` places, exact halves away from zero (``2.5 -> 3``,
    ``0.125, 2 -> 0.13``): how the report rounds, unlike Python's round-half-even.

    The one rounding rule of the package. Integers, ``Fraction`` and ``Decimal`` are taken
    exactly, so pass ``Fraction(100 * count, base)`` to round a share without floating-point
    error; a float is taken as the decimal it prints as (its shortest repr, ``0.285`` not
    ``0.28499999...``), which is what a reader of that number expects.
    """
    if isinstance(value, Integral):
        exact = Fraction(int(value))
    elif isinstance(value, (Rational, Decimal)):
        exact = Fraction(value)
    else:  # float, numpy floats
        exact = Fraction(repr(float(value)))
    scaled = abs(exact) * 10**decimals
    magnitude = int(math.floor(scaled + Fraction(1, 2)))
    return Decimal(magnitude if exact >= 0 else -magnitude).scaleb(-decimals)


def fmt_number(value: Any, decimals: int = 0) -> str:
    """``1234.5, 1`` -> ``"1.234,5"``; missing -> ``"–"``."""
    if is_missing(value):
        return MISSING
    if math.isinf(float(value)):
        return "∞" if value > 0 else "-∞"
    rounded = round_half_up(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_count(value: Any) -> str:
    """Whole number with a thousands point: ``1234`` -> ``"1.234"``."""
    return fmt_number(value, 0)


def fmt_percent(value: Any, decimals: int = 0) -> str:
    """Percentage on the 0-100 scale: ``43.2`` -> ``"43%"``, ``(43.2, 1)`` -> ``"43,2%"``."""
    if is_missing(value):
        return MISSING
    return f"{fmt_number(value, decimals)}%"


def fmt_interval(low: Any, high: Any, decimals: int = 0) -> str:
    """Interval of two percentages: ``(31.2, 55.8)`` -> ``"31%–56%"``; missing -> ``"–"``."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{fmt_percent(low, decimals)}{DASH}{fmt_percent(high, decimals)}"


def interval_label(confidence: float) -> str:
    """Name of an interval: ``0.95`` -> ``"95%-interval"``, ``0.975`` -> ``"97,5%-interval"``."""
    pct = round_half_up(100 * confidence, 1)
    return f"{fmt_number(pct, 0 if pct == pct.to_integral_value() else 1)}%-interval"


def fmt_p(p: Any) -> str:
    """p-value: three decimals below 0,1, two from 0,1 up, ``"< 0,001"`` below 0,001.

    ``0.0123`` -> ``"0,012"``, ``0.41`` -> ``"0,41"``, ``0.0004`` -> ``"< 0,001"``.
    """
    if is_missing(p):
        return MISSING
    p = float(p)
    if p < 0.001:
        return "< 0,001"
    return fmt_number(p, 3 if p < 0.1 else 2)


def fmt_p_clause(p: Any) -> str:
    """``"p = 0,41"`` or ``"p < 0,001"`` for use inside a sentence."""
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"
