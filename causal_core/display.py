"""How result objects show themselves in a notebook: one short line, and an HTML table.

``print(estimate)`` gives one line (the effect, its interval, the method), not every diagnostic
array; in Jupyter the same objects render their ``summary()`` table (pandas escapes every
cell, so user names cannot inject HTML).

Examples
--------
>>> import causal_core as cc
>>> g = cc.CausalGraph.parse("dag { x [exposure]; y [outcome]; z -> x -> y; z -> y }")
>>> cc.identify(g)
Identification(x → y: backdoor, adjust for ['z']; 1 adjustment set, 0 front-door sets, 0 instruments)
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["short_number", "estimate_repr", "refutation_repr", "identification_repr",
           "identification_summary", "plan_summary", "html_of"]


def short_number(v: Any) -> str:
    """A number in 4 significant digits (whole from 10,000 on)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:,.0f}" if abs(f) >= 1e4 else f"{f:.4g}"


def estimate_repr(est: Any) -> str:
    """``EffectEstimate(ATT of t on y = 1,905 [95% 1,001, 2,810], propensity_matching, n=445)``."""
    return (f"EffectEstimate({est.target.upper()} of {est.treatment} on {est.outcome} = "
            f"{short_number(est.value)} [{est.level} {short_number(est.ci_low)}, "
            f"{short_number(est.ci_high)}], {est.method}, n={est.n_used:,}"
            f"{f', {len(est.warnings)} warnings' if est.warnings else ''})")


def refutation_repr(ref: Any) -> str:
    """``FalsificationResult(placebo_treatment: passed, p = 0.42, 100 simulations, ...)``."""
    verdict = getattr(ref, "verdict", None) or ("passed" if ref.passed else "FAILED")
    return (f"{type(ref).__name__}({ref.method}: {verdict}, p = {ref.p_value:.3g}, "
            f"{ref.n_simulations} simulations, estimate {short_number(ref.original_value)} of "
            f"{ref.estimator})")


def identification_repr(ident: Any) -> str:
    """One line: the question, the estimand, how many sets of each kind."""
    t, y = ", ".join(ident.treatment), ", ".join(ident.outcome)
    if ident.estimand is None:
        how = "not identified"
    elif ident.estimand.kind == "backdoor":
        how = f"backdoor, adjust for {list(ident.estimand.adjustment_set)}"
    elif ident.estimand.kind == "frontdoor":
        how = f"frontdoor through {list(ident.estimand.mediators)}"
    else:
        how = f"{ident.estimand.kind} with {list(ident.estimand.instruments)}"
    n = len(ident.adjustment_sets)
    return (f"Identification({t} → {y}: {how}; {n} adjustment set{'s' * (n != 1)}"
            f"{'+' if ident.truncated else ''}, {len(ident.frontdoor_sets)} front-door sets, "
            f"{len(ident.instruments)} instruments)")


def identification_summary(ident: Any) -> pd.DataFrame:
    """One row per strategy and set: ``strategy``, ``set``, ``chosen``."""
    chosen = ident.estimand
    rows = []
    for z in ident.adjustment_sets:
        rows.append(("backdoor", ", ".join(z) or "(none needed)",
                     chosen is not None and chosen.kind == "backdoor"
                     and list(chosen.adjustment_set) == list(z)))
    for m in ident.frontdoor_sets:
        rows.append(("frontdoor", ", ".join(m), chosen is not None and chosen.kind == "frontdoor"
                     and list(chosen.mediators) == list(m)))
    for z, w in ident.instruments:
        rows.append(("instrument", z + (f" | {', '.join(w)}" if w else ""),
                     chosen is not None and chosen.kind == "iv" and z in chosen.instruments))
    return pd.DataFrame(rows, columns=["strategy", "set", "chosen"])


def plan_summary(plan: Any) -> pd.DataFrame:
    """Every choice of a plan, one per row (``choice``, ``value``)."""
    rows = [("data", "any" if plan.data is None else f"{plan.data.file_name} "
             f"({plan.data.n_rows:,} rows, {plan.data.fingerprint[:12]}…)"),
            ("treatment", plan.treatment or "(not chosen)"), ("outcome", plan.outcome or "(not chosen)"),
            ("graph", f"{len(plan.graph.nodes)} nodes, {len(plan.graph.edges)} edges, "
                      f"{len(plan.graph.bidirected)} bidirected"),
            ("adjustment set", "the estimand's" if plan.adjustment_set is None
             else ", ".join(plan.adjustment_set) or "(none)"),
            ("estimator", plan.estimator), ("parameters", dict(plan.params) or "defaults"),
            ("target", plan.target.upper()),
            ("comparison", "every fitting estimator" if plan.compare is None else list(plan.compare)),
            ("refuters", "every one that applies" if plan.refuters is None else list(plan.refuters)),
            ("simulations", plan.n_simulations), ("missing data", plan.missing_data),
            ("What-if questions", [q.to_dict() for q in plan.whatif_questions] or "none"),
            ("seeds", f"random_state {plan.random_state}, whatif_seed {plan.whatif_seed}")]
    return pd.DataFrame([(k, str(v)) for k, v in rows], columns=["choice", "value"]).set_index("choice")


def html_of(obj: Any, table: pd.DataFrame) -> str:
    """The object's one-line repr (escaped) over its summary table (pandas escapes cells)."""
    return (f"<div><p><code>{html.escape(repr(obj))}</code></p>"
            f"{table.to_html(escape=True, float_format=short_number)}</div>")
