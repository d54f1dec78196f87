"""Between the session and ``causal_core.analysis``: build the current Analysis, restore a saved one.

``current_analysis()`` reads the session through :mod:`ui.state` (estimating with the Estimate
page's defaults only when nothing has been estimated yet). ``restore()`` writes a saved
analysis back: the graph and the adjustment choice through ``ui.state``'s setters, the results
into the session's result stores (as ``ui.state`` keeps them), so the pages show them without
recomputing. The restored analysis is kept under ``ce.report.analysis`` with the signature of the
session it produced: as long as nothing changes, the report is the saved one (with the saved
data reference), and any change makes the report follow the session again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core._escape import csv_frame
from causal_core.analysis import Analysis, build_analysis
from causal_core.data import SUPPORTED_EXTENSIONS
from causal_core.report import to_html, to_script
from ui import persist, state

_KEY = "ce.report.analysis"   # (signature, Analysis) of the last restored or built analysis


# ------------------------------------------------------------------ reading the session
def _signature() -> str:
    """A digest of everything the report shows, read without computing anything."""
    d, g = state.data(), state.graph()
    parts = [d.fingerprint if d else None, g.to_json() if g else None, state.adjustment_choice(),
             sorted((k, v.method, v.target, v.value) for k, v in state.results("estimates").items()),
             sorted((k, v.estimator, v.p_value) for k, v in state.results("refutations").items()),
             sorted(_whatif().items())]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def session_signature() -> str:
    """Changes whenever the graph, the choices, the data or a result of the session change."""
    return _signature()


def _main_method(estimates: dict[str, Any], refutations: dict[str, Any]) -> str:
    """The estimate the refutations were run against; else the first adjusted one."""
    tested = Counter(r.estimator for r in refutations.values() if r.estimator in estimates)
    if tested:
        return tested.most_common(1)[0][0]
    return next((k for k in estimates if k != "naive"), next(iter(estimates)))


def _requested_simulations(result: Any) -> int:
    """How many simulations the refutation was asked for (recorded by ``state.refute``)."""
    return int(state.results("refutation_requests").get(result.method, result.n_simulations))


def _reference() -> dict[str, Any] | None:
    got = state.reference_effect()
    return None if got is None else {"value": got[0], "label": got[1], "is_truth": got[2]}


def current_analysis() -> Analysis | None:
    """The session's analysis, or None when no question can be estimated yet.

    Raises CausalCoreError when the default estimate fails on these data.
    """
    saved = st.session_state.get(_KEY)
    if saved is not None and saved[0] == _signature():
        return saved[1]
    d, g, ident = state.data(), state.graph(), state.identification()
    if d is None or g is None or ident is None or ident.estimand is None:
        return None
    if not state.results("estimates"):
        state.analyse_default(quiet=False)
    estimates = dict(state.results("estimates"))
    if not estimates:
        return None
    refutations = dict(state.results("refutations"))
    main = _main_method(estimates, refutations)
    est = estimates[main]
    estimates = {k: v for k, v in estimates.items()
                 if (v.target, v.treatment, v.outcome) == (est.target, est.treatment, est.outcome)}
    refutations = {k: v for k, v in refutations.items() if v.estimator == main}
    try:
        sens = state.sensitivity(est)
    except cc.CausalCoreError:
        sens = None
    analysis = build_analysis(
        d.frame, d.name, g, estimator=main, estimates=estimates, refutations=refutations,
        sensitivity=sens, whatif=list(_whatif().values()),
        adjustment_choice=state.adjustment_choice(), identification=ident,
        refutation_runs={k: {"n_simulations": _requested_simulations(v), "params": v.params}
                         for k, v in refutations.items()},
        example=d.example.info.name if d.example is not None else None, reference=_reference(),
        data_fingerprint=d.fingerprint)
    st.session_state[_KEY] = (_signature(), analysis)
    return analysis


def _whatif_key() -> str:
    d, g = state.data(), state.analysis_graph()
    return hashlib.sha256(json.dumps([d.fingerprint if d else None, g.to_json() if g else None])
                          .encode()).hexdigest()


def _whatif() -> dict[str, Any]:
    """The what-if answers kept for the report, if they belong to the current data and graph."""
    kept = st.session_state.get("ce.report.whatif")
    return kept[1] if kept and kept[0] == _whatif_key() else {}


def _keep_whatif(answers: dict[str, Any]) -> None:
    st.session_state["ce.report.whatif"] = (_whatif_key(), answers)
    persist.save()


def add_whatif_answers() -> int:
    """Ask the What-if page's question (seeing vs doing) and keep the answers for the report."""
    from ui import whatif_state as ws

    q = ws.question()
    if q is None:
        return 0
    see, do = ws.seeing_curve(q), ws.doing_curve(q)
    per = "per unit of" if q.kind == "continuous" else f"for {q.levels[-1]} instead of {q.levels[0]} of"
    answers = {
        "seeing": {"question": f"Seeing: how does {q.outcome} differ with {q.treatment} in the data?",
                   "answer": f"In the data, {q.outcome} differs by {see.effect:+,.4g} {per} "
                             f"{q.treatment} (association, confounding included).",
                   "result": {"kind": "seeing", "effect": see.effect, "x": list(see.x),
                              "mean_outcome": list(see.y)}},
        "doing": {"question": f"Doing: what would setting {q.treatment} change in {q.outcome}?",
                  "answer": f"In the fitted structural causal model, intervening changes "
                            f"{q.outcome} by {do.effect:+,.4g} {per} {q.treatment} (seed "
                            f"{ws.SEED}).",
                  "result": {"kind": "doing", "effect": do.effect, "x": list(do.x),
                             "mean_outcome": list(do.y)}},
    }
    _keep_whatif(answers)
    return len(answers)


# ------------------------------------------------------------------ restoring
def load_saved(raw: bytes) -> Analysis:
    """Parse an uploaded analysis file (AnalysisError with the reason)."""
    return Analysis.from_json(raw)


def restore(analysis: Analysis, uploaded_data_fingerprint: str | None) -> list[str]:
    """Write a saved analysis into the session; the warnings to show (data differ, ...).

    A shipped example's data are reloaded when the session holds other data, so that the
    restored analysis continues on the same table.
    """
    warnings: list[str] = []
    saved = analysis.data
    if saved.example is not None and uploaded_data_fingerprint != saved.fingerprint:
        try:
            state.load_example_into_session(saved.example)
            uploaded_data_fingerprint = state.data().fingerprint
        except (cc.CausalCoreError, KeyError):
            pass
    state.set_graph(analysis.causal_graph(), external=True)
    state.set_adjustment_choice(None if analysis.adjustment_choice is None
                                else list(analysis.adjustment_choice))
    for kind, objects in (("estimates", analysis.estimate_objects()),
                          ("refutations", analysis.refutation_objects())):
        store = state.results(kind)
        store.clear()
        store.update(objects)
    _keep_whatif({f"saved {i}": w for i, w in enumerate(analysis.whatif)})
    st.session_state[_KEY] = (_signature(), analysis)
    persist.save()
    if uploaded_data_fingerprint is None:
        warnings.append(f"No data are loaded. The saved results are shown as they were; load "
                        f"{saved.file_name!r} ({saved.n_rows:,} rows) on the Data page to continue "
                        "the analysis.")
    elif uploaded_data_fingerprint != saved.fingerprint:
        warnings.append(f"The loaded data are not the table this analysis was saved with "
                        f"({saved.file_name!r}, {saved.n_rows:,} rows, fingerprint "
                        f"{saved.fingerprint[:12]}…; loaded: {uploaded_data_fingerprint[:12]}…). The "
                        "saved results are shown as they were; re-running them on these data will "
                        f"give other numbers. Load {saved.file_name!r} on the Data page to continue.")
    return warnings


# ------------------------------------------------------------------ exports
@st.cache_data(max_entries=4, show_spinner="Building the report…")
def _html(analysis_json: str) -> str:
    return to_html(Analysis.from_json(analysis_json))


def report_html(analysis: Analysis) -> str:
    """The HTML report (cached on the analysis' content)."""
    return _html(analysis.to_json())


def data_filename(analysis: Analysis) -> str:
    """The data file the script opens: the uploaded file's name, or ``<example>.csv``."""
    name = analysis.data.file_name
    if name.lower().endswith(tuple(SUPPORTED_EXTENSIONS)):
        return name.replace("/", "_").replace("\\", "_")
    return f"{analysis.data.example or 'data'}.csv"


def script_text(analysis: Analysis) -> str:
    """The reproduction script."""
    return to_script(analysis, data_filename(analysis), script_name="analysis.py")


@st.cache_data(max_entries=4, show_spinner=False)
def _csv(fingerprint: str, _frame: pd.DataFrame) -> bytes:
    return csv_frame(_frame).to_csv(index=False).encode("utf-8")


def example_csv() -> bytes | None:
    """The loaded example's table as CSV (the script's data file), or None for uploads.

    Cached on the data's fingerprint: writing 100k rows as CSV on every rerun cost 0.3 s.
    """
    d = state.data()
    if d is None or d.example is None:
        return None
    return _csv(d.fingerprint, d.frame)
