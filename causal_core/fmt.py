"""Numbers for people: the one place that turns a number into text.

Every sentence, table, plot label and report of causal_core formats its numbers here, so the
same value reads the same everywhere:

* :func:`number`: significant digits (3 by default), but never rounding away digits before
  the decimal point (``1,398`` not ``1,400``); thousands separators; plain decimals from 0.001
  to 1e9 (no ``1.9e+03``); outside that range ``1.2 × 10⁻⁵``. An optional unit is appended.
* :func:`pvalue`: ``"0.51"``, ``"0.049"``, ``"< 0.001"``.
* :func:`percent`: a share as ``"13.9 %"``.
* :func:`interval`: ``"27.6 to 37.9"``.
* :data:`D3_NUMBER`: the d3 format plotly uses for ticks and hover text (the same rules, as far
  as d3 can say them: significant digits, separators, no exponent).

Examples
--------
>>> from causal_core import fmt
>>> fmt.number(1905.33), fmt.number(-15243.7), fmt.number(32.7412), fmt.number(0.0537812)
('1,905', '-15,244', '32.7', '0.0538')
>>> fmt.number(1.2e-5), fmt.number(3e10), fmt.number(0), fmt.number(2_000_000)
('1.2 × 10⁻⁵', '3 × 10¹⁰', '0', '2,000,000')
>>> fmt.pvalue(0.5123), fmt.pvalue(0.0493), fmt.pvalue(0.0004), fmt.pvalue(1.0)
('0.51', '0.049', '< 0.001', '1.00')
>>> fmt.percent(0.1388), fmt.number(30, unit="k$"), fmt.interval(27.61, 37.87)
('13.9 %', '30 k$', '27.6 to 37.9')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["number", "pvalue", "percent", "interval", "signed", "count", "level", "D3_NUMBER",
           "NA"]

#: What a missing or non-finite number reads as.
NA = "n/a"
#: d3-format for plotly ticks and hover text: 4 significant digits, separators, no exponent.
D3_NUMBER = ",.4~r"

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _finite(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def number(x: Any, digits: int = 3, unit: str | None = None) -> str:
    """``x`` with ``digits`` significant digits (whole part kept), separators, optional unit.

    Parameters
    ----------
    x : number
        None, NaN and infinities read as ``"n/a"``.
    digits : int
        Significant digits (at least 1); digits before the decimal point are never rounded away.
    unit : str, optional
        Appended after a space (``"%"`` is appended the same way: ``"5 %"``).

    Examples
    --------
    >>> number(2.8712), number(-0.5), number(123456.7), number(0.001234), number(float("nan"))
    ('2.87', '-0.5', '123,457', '0.00123', 'n/a')
    >>> number(1e9), number(-4.2e-7, digits=2)
    ('1 × 10⁹', '-4.2 × 10⁻⁷')
    """
    v = _finite(x)
    if v is None:
        return NA
    digits = max(1, int(digits))
    if v == 0:
        text = "0"
    elif 1e-3 <= abs(v) < 1e9:
        mag = math.floor(math.log10(abs(v)))
        decimals = max(0, digits - 1 - mag)
        text = f"{round(v, decimals):,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
    else:
        mant, exp = f"{v:.{digits - 1}e}".split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        text = f"{mant} × 10{str(int(exp)).translate(_SUPERSCRIPT)}"
    return f"{text} {unit}" if unit else text


def signed(x: Any, digits: int = 3, unit: str | None = None) -> str:
    """Like :func:`number` with an explicit ``+`` for positive values.

    >>> signed(1.52), signed(-3), signed(0)
    ('+1.52', '-3', '0')
    """
    text = number(x, digits, unit)
    v = _finite(x)
    return f"+{text}" if v is not None and v > 0 else text


def count(n: Any) -> str:
    """A whole number with thousands separators.

    >>> count(2000), count(7)
    ('2,000', '7')
    """
    v = _finite(n)
    return NA if v is None else f"{int(round(v)):,}"


def pvalue(p: Any) -> str:
    """A p-value: two decimals from 0.1, two significant digits below, ``< 0.001`` at the end.

    >>> pvalue(0.3), pvalue(0.00123), pvalue(None)
    ('0.30', '0.0012', 'n/a')
    """
    v = _finite(p)
    if v is None:
        return NA
    if v < 0.001:
        return "< 0.001"
    if v >= 0.1:
        return f"{min(v, 1.0):.2f}"
    return number(v, 2)


def percent(share: Any, digits: int = 3) -> str:
    """A share (0.139) as a percentage (``"13.9 %"``).

    >>> percent(0.5), percent(0.0004), percent(-0.123)
    ('50 %', '0.04 %', '-12.3 %')
    """
    v = _finite(share)
    return NA if v is None else number(100.0 * v, digits, "%")


def interval(low: Any, high: Any, digits: int = 3, unit: str | None = None) -> str:
    """A confidence interval as ``"low to high"`` (the unit once, at the end).

    >>> interval(-15240.4, 1398.2)
    '-15,240 to 1,398'
    """
    text = f"{number(low, digits)} to {number(high, digits)}"
    return f"{text} {unit}" if unit else text


def level(alpha: Any) -> str:
    """The confidence level of ``alpha`` (``0.05`` → ``"95%"``).

    >>> level(0.05), level(0.1), level(0.001)
    ('95%', '90%', '99.9%')
    """
    v = _finite(alpha)
    if v is None:
        return NA
    return f"{number(100.0 * (1.0 - v), 4)}%"
