"""The estimand as mathematics, offline: MathML built from the estimand itself.

Browsers render MathML natively (no script, no font download, no CDN), so the report shows
``P(y | do(x)) = Σ_z P(y | x, z) P(z)`` as a formula wherever it is opened. The markup is
generated from the :class:`~causal_core.identify.Estimand`'s fields (kind, treatment,
outcome, adjustment set, mediators, instruments), never parsed from its LaTeX; every name is
HTML-escaped inside ``<mtext>``.

Examples
--------
>>> from causal_core.mathml import estimand_mathml
>>> m = estimand_mathml({"kind": "backdoor", "treatment": ["x"], "outcome": ["y"],
...                      "adjustment_set": ["<w>"]})
>>> m.startswith('<math display="block"'), "&lt;w&gt;" in m, "<w>" in m
(True, True, False)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["estimand_mathml"]


def _names(names: Sequence[str], prime: bool = False) -> str:
    parts = []
    for i, n in enumerate(names):
        if i:
            parts.append("<mo>,</mo>")
        text = f"<mtext>{html.escape(str(n), quote=True)}</mtext>"
        parts.append(f"<msup>{text}<mo>′</mo></msup>" if prime else text)
    return "".join(parts)


def _p(left: str, given: str = "") -> str:
    inner = left + (f"<mo>∣</mo>{given}" if given else "")
    return f"<mi>P</mi><mo>(</mo>{inner}<mo>)</mo>"


def _sum(under: str) -> str:
    return f"<munder><mo>∑</mo><mrow>{under}</mrow></munder>"


def _join(*parts: str) -> str:
    return "<mo>,</mo>".join(p for p in parts if p)


def estimand_mathml(estimand: Mapping[str, Any] | Any) -> str:
    """The estimand's identifying formula as a ``<math>`` element (block display).

    Parameters
    ----------
    estimand : Estimand or its ``to_dict()``

    Returns
    -------
    str
        MathML markup, or ``""`` when there is no estimand.
    """
    if estimand is None:
        return ""
    get = estimand.get if isinstance(estimand, Mapping) else (
        lambda k, d=None: getattr(estimand, k, d))
    kind = get("kind")
    x, y = list(get("treatment") or ()), list(get("outcome") or ())
    xs, ys = _names(x), _names(y)
    do = f"<mi>do</mi><mo>(</mo>{xs}<mo>)</mo>"
    lhs = _p(ys, do)
    if kind == "backdoor":
        z = list(get("adjustment_set") or ())
        if z:
            zs = _names(z)
            rhs = _sum(zs) + _p(ys, _join(xs, zs)) + _p(zs)
        else:
            rhs = _p(ys, xs)
    elif kind == "frontdoor":
        ms = _names(list(get("mediators") or ()))
        xp = _names(x, prime=True)
        rhs = _sum(ms) + _p(ms, xs) + _sum(xp) + _p(ys, _join(xp, ms)) + _p(xp)
    elif kind == "iv":
        cond = _join(_names(list(get("instruments") or ())),
                     _names(list(get("adjustment_set") or ())))
        num = f"<mi>∂</mi><mi>E</mi><mo>[</mo>{ys}<mo>∣</mo>{cond}<mo>]</mo>"
        den = f"<mi>∂</mi><mi>E</mi><mo>[</mo>{xs}<mo>∣</mo>{cond}<mo>]</mo>"
        lhs = "<mtext>effect</mtext>"
        rhs = f"<mfrac><mrow>{num}</mrow><mrow>{den}</mrow></mfrac>"
    else:
        return ""
    return (f'<math display="block" xmlns="http://www.w3.org/1998/Math/MathML"><mrow>{lhs}'
            f"<mo>=</mo>{rhs}</mrow></math>")
