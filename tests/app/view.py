"""Read an AppTest's session through ui.session's keys and ui.state's result keys."""

from __future__ import annotations

from typing import Any

import causal_core as cc
from ui import session
from ui.state import estimate_key, refute_key


def get(at: Any, key: str, default: Any = None) -> Any:
    return at.session_state[key] if key in at.session_state else default


def plan(at: Any) -> cc.AnalysisPlan:
    return get(at, session.PLAN)


def graph(at: Any) -> cc.CausalGraph:
    return plan(at).graph


def data(at: Any) -> Any:
    return get(at, session.DATA)


def estimates(at: Any) -> dict[str, Any]:
    """The plan's estimate and every comparison already computed, by method."""
    p, store = plan(at), get(at, session.RESULTS, {})
    out = {m.name: store[estimate_key(p, m.name)] for m in cc.list_estimators()
           if estimate_key(p, m.name) in store}
    if p.key("estimate") in store:
        out[p.estimator] = store[p.key("estimate")]
    return out


def refutations(at: Any) -> dict[str, Any]:
    """The refutations of the plan's estimate already computed, by refuter."""
    p, store = plan(at), get(at, session.RESULTS, {})
    main = estimates(at).get(p.estimator)
    if main is None:
        return {}
    keys = {r.name: refute_key(p, r.name, main, p.n_simulations,
                               dict(p.refuter_params.get(r.name, {})) or None)
            for r in cc.list_refuters()}
    return {name: store[k] for name, k in keys.items() if k in store}


def confirm(at: Any) -> Any:
    """Click the "Replace" button of a replacing action waiting for confirmation."""
    return next(b for b in at.button if b.label == "Replace").click().run()
