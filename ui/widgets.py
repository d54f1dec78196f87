"""Small rendering helpers shared by the pages (errors, exports)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import streamlit as st

import causal_core as cc
from causal_core._escape import show_controls

#: (button label, file name, formatter) for every graph format the engine writes.
EXPORTS = [
    ("DAGitty", "graph.dagitty.txt", cc.CausalGraph.to_dagitty),
    ("DOT", "graph.dot", cc.CausalGraph.to_dot),
    ("GML", "graph.gml", cc.CausalGraph.to_gml),
    ("JSON", "graph.json", cc.CausalGraph.to_json),
]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def md(text: object) -> str:
    """Escape user text (column and node names, messages quoting them) for Streamlit markdown:
    every markdown punctuation gets a backslash, so a name like ``[x](javascript:…)``, ``**b**``
    or ``$x$`` shows as typed instead of becoming a link, bold text or math."""
    return _MD_SPECIAL.sub(r"\\\1", show_controls(text))


def show_error(err: BaseException, what: str | None = None) -> None:
    """Show an engine error as a plain message (never a traceback)."""
    prefix = f"{what}: " if what else ""
    if isinstance(err, UnicodeDecodeError):
        st.error(md(f"{prefix}the file is not UTF-8 text. Save it as UTF-8 and try again."))
    else:
        st.error(md(prefix + str(err)))


def paths_table(g: cc.CausalGraph, x: str, y: str, z: list[str], max_paths: int = 300):
    """The paths between x and y as a table: path, kind, status under z, and why."""
    import pandas as pd

    rows = []
    for p in cc.list_paths(g, x, y, z, max_paths=max_paths):
        text = p.nodes[0] + "".join(f" {a} {n}" for a, n in zip(p.arrows, p.nodes[1:], strict=True))
        status = "open" if p.open else "blocked"
        verdict = ("ok: carries the effect" if p.causal and p.open else
                   "problem: part of the effect is blocked" if p.causal else
                   "problem: biasing path stays open" if p.open else "ok: blocked")
        rows.append({"path": text, "kind": "causal" if p.causal else "non-causal",
                     "status": status, "why": p.reason if not p.open else "", "verdict": verdict})
    return pd.DataFrame(rows, columns=["path", "kind", "status", "why", "verdict"])


def param_panel(params: dict, key: str, values: Mapping[str, Any] | None = None,
                info: dict | None = None) -> dict:
    """Widgets for an estimator's parameters (drawn from ``get_params()`` and the estimator's
    declared ``param_info``: label, help, choices, limits); returns the changed ones.

    ``values``: the plan's choices, shown when a widget has no value of its own yet.
    """
    out = {}
    for name, default in params.items():
        k = f"{key}.{name}"
        meta = (info or {}).get(name)
        label = meta.label if meta else name
        hint = (meta.help if meta else "") + f" (default: {default!r}; parameter `{name}`)"
        start = (values or {}).get(name, default)
        numeric = isinstance(default, int | float) and not isinstance(default, bool)
        if meta is not None and meta.choices:
            options = list(meta.choices)
            if st.session_state.get(k, object()) not in options:
                st.session_state[k] = start if start in options else options[0]
            value = st.selectbox(label, options, key=k, help=hint,
                                 format_func=lambda v, c=meta.choices: c.get(v, str(v)))
        elif isinstance(default, bool):
            st.session_state.setdefault(k, bool(start))
            value = st.checkbox(label, key=k, help=hint)
        elif numeric or (meta is not None and meta.optional):
            lo = None if meta is None else meta.minimum
            hi = None if meta is None else meta.maximum
            whole = isinstance(default, int) and not isinstance(default, bool)
            cast = int if whole else float
            st.session_state.setdefault(k, None if start is None else cast(start))
            value = st.number_input(label, min_value=None if lo is None else cast(lo),
                                    max_value=None if hi is None else cast(hi),
                                    step=1 if whole else None, key=k, help=hint,
                                    format=None if whole else "%.4g",
                                    placeholder="empty: the default")
            value = None if value is None else cast(value)
        elif default is None or isinstance(default, str):
            st.session_state.setdefault(k, "" if start is None else str(start))
            text = st.text_input(label, key=k, help=hint + " Leave empty for the default.")
            value = None if text == "" and default is None else _typed(text)
        else:
            st.caption(f"{label} = {default!r} (not editable here)")
            continue
        if value != default:
            out[name] = value
    return out


def _typed(text: str) -> Any:
    """A parameter typed as text: a JSON number, list or true/false as that value, else the text."""
    try:
        value = json.loads(text, parse_constant=lambda c: c)  # NaN/Infinity stay text
    except ValueError:
        return text
    return value if isinstance(value, int | float | list | bool) else text


def estimate_card(est, reference: tuple[float, str, bool] | None) -> None:
    """The estimate in numbers and one plain sentence."""
    c1, c2 = st.columns(2)
    c1.metric("Estimated effect", f"{est.value:,.4g}",
              help=f"{est.method_label}; {est.ci_method} interval")
    c2.metric("Rows used", f"{est.n_used:,}", delta=f"-{est.n_dropped:,} dropped" if est.n_dropped else None)
    st.markdown(f"**{est.level} interval:** {est.ci_low:,.4g} to {est.ci_high:,.4g} "
                f"(standard error {est.se:,.3g})")
    st.write(md(sentence(est)))
    if reference is not None:
        value, label, is_truth = reference
        inside = est.ci_low <= value <= est.ci_high
        what = "true effect" if is_truth else "benchmark"
        st.caption(md(f"This example's {what} is {value:,.4g} ({label}): "
                      f"{'inside' if inside else 'outside'} the interval."))
    for w in est.warnings:
        st.warning(md(w))


def sentence(est) -> str:
    """A plain-language reading of an estimate."""
    if est.treatment_type == "continuous":
        change = f"raising {est.treatment} by one unit"
    else:
        t0, t1 = est.contrast
        change = f"setting {est.treatment} to {t1} instead of {t0}"
    who = {"ate": "on average", "att": "for those who were treated",
           "atc": "for those who were not treated"}.get(est.target, "")
    direction = "raises" if est.value > 0 else "lowers"
    sure = ("The interval excludes zero." if est.ci_low > 0 or est.ci_high < 0 else
            "The interval includes zero: the data are also consistent with no effect.")
    return (f"{change[0].upper() + change[1:]} {direction} {est.outcome} by about "
            f"{abs(est.value):,.3g} {who}, if the graph is right. {sure}")


def latex_display(latex: str, width: int = 90) -> str:
    """A long estimand broken after its ``=`` so that it fits the page (KaTeX does not wrap)."""
    head, sep, tail = latex.partition(" = ")
    if len(latex) <= width or not sep:
        return latex
    tail = tail.replace(r"\, P(", r" \\ \times P(", 1) if len(tail) > width else tail
    return rf"\begin{{gathered}}{head} \\ = {tail}\end{{gathered}}"
