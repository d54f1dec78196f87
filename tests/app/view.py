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


def run(at: Any, page: str | None = None) -> Any:
    """Switch to ``page`` (a file under app_pages/) if given, run, and fail on an exception."""
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def app_with_upload(file_name: str, raw: bytes, timeout: float = 120) -> Any:
    """A new session that uploaded ``raw`` as ``file_name`` on the Data page, now on the Model page."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).parents[2] / "app.py"), default_timeout=timeout)
    run(at)
    run(at, "app_pages/data.py")
    at.file_uploader[0].set_value((file_name, raw, "text/csv"))
    run(at)
    return run(at, "app_pages/graph.py")
