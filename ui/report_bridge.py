"""Between the session and ``causal_core.analysis``: build the current Analysis, restore a saved one.

``current_analysis()`` is the session's plan with the results already computed for it
(estimating with the defaults only when nothing has been estimated yet). ``restore()`` makes a
saved analysis the session's: its plan (every choice) becomes the session's plan and its
results are stored under that plan's keys, so the pages show them without recomputing. The
restored analysis itself is kept with the signature of the session it produced: as long as
nothing changes, the report is the saved one (with the saved data reference).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core import whatif as wi
from causal_core._escape import csv_frame
from causal_core.analysis import Analysis, assemble
from causal_core.data import SUPPORTED_EXTENSIONS
from causal_core.report import to_html, to_script
from ui import jobs, session, state
from ui.safe_html import sandboxed

#: Seconds the report's model fit or its HTML may take in the job pool before they are stopped.
REPORT_BUDGET = 180.0


# ------------------------------------------------------------------ reading the session
def session_signature() -> str:
    """Changes whenever the plan, the data or a result of the session change."""
    p = state.plan()
    parts = [p.key() if p is not None else None, sorted(session.get(session.RESULTS, {}) or {})]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _reference() -> dict[str, Any] | None:
    got = state.reference_effect()
    return None if got is None else {"value": got[0], "label": got[1], "is_truth": got[2]}


def _whatif_key() -> str:
    return "whatif:" + state.plan().key("whatif")


def current_analysis() -> Analysis | None:
    """The session's analysis, or None when no question can be estimated yet.

    Raises CausalCoreError when the default estimate fails on these data.
    """
    saved = session.get(session.RESTORED)
    if saved is not None and saved[0] == session_signature():
        return saved[1]
    d, p, ident = state.data(), state.plan(), state.identification()
    if d is None or p is None or ident is None or ident.estimand is None:
        return None
    if not state.estimates():
        state.analyse_default(quiet=False)
    p = state.plan()
    main = state.main_estimate()
    estimates = {k: v for k, v in state.estimates().items()
                 if (v.target, v.treatment, v.outcome) == (main.target, main.treatment, main.outcome)}
    try:
        sens = state.sensitivity(main)
    except cc.CausalCoreError:
        sens = None
    return assemble(p, estimates=estimates, refutations=state.refutations(main), sensitivity=sens,
                    identification=ident, whatif=_asked_whatif(p), reference=_reference())


def _asked_whatif(p: cc.AnalysisPlan) -> Any:
    """The What-if answers for the report: those kept, else (when the What-if page asked a
    question) the plan's questions answered now; none when no question was asked."""
    kept = state.stored(_whatif_key())
    if kept is not None:
        return kept
    if not p.whatif_questions:
        return ()
    try:
        add_whatif_answers()
    except cc.CausalCoreError:
        return ()  # the What-if page shows why its model cannot be fitted
    return state.stored(_whatif_key()) or ()


@st.cache_data(max_entries=16, show_spinner=False)
def _answers(key: str, _plan: cc.AnalysisPlan, _frame: pd.DataFrame, _scm: Any) -> list[dict[str, Any]]:
    q = wi.pose(_frame, _plan.treatment, _plan.outcome)
    answers = jobs.run(_plan.whatif, _frame, scm=_scm, label="Answering the What-if questions",
                       budget=REPORT_BUDGET)  # in the pool, off the script thread
    return [entry for a in answers for entry in wi.describe(a, q)]


def add_whatif_answers() -> int | None:
    """Answer the plan's What-if questions (every rung) and keep them for the report: how many
    answers, 0 when no question is posed, None when the user cancelled the model fit.

    The model is the What-if page's (:func:`ui.whatif_state.fitted_scm`: the same graph, data
    and seed as :meth:`causal_core.AnalysisPlan.whatif_model`), fitted once per content and
    shared; the report never fits its own.
    """
    from ui import whatif_state as ws

    q = ws.question()
    if q is None:
        return 0
    scm = ws.fitted_scm(q)
    if scm is None:
        return None
    p = state.plan()
    answers = _answers(p.key("whatif"), p, state.data().frame, scm)
    state.store_result(_whatif_key(), answers)
    state.save()
    return len(answers)


# ------------------------------------------------------------------ restoring
def load_saved(raw: bytes) -> Analysis:
    """Parse an uploaded analysis file (AnalysisError with the reason)."""
    return Analysis.from_json(raw)


def _store_results(analysis: Analysis, plan: cc.AnalysisPlan) -> None:
    """Every saved result under the key of the plan that produced it."""
    for name, est in analysis.estimate_objects().items():
        state.store_result(state.estimate_key(plan, name), est)
    main = analysis.primary_estimate()
    for name, ref in analysis.refutation_objects().items():
        n = int(analysis.refutation_runs.get(name, {}).get("n_simulations", plan.n_simulations))
        state.store_result(state.refute_key(plan, name, main, n, state.refuter_params(plan, name)), ref)
    sens = analysis.sensitivity_object()
    if sens is not None and main is not None:
        state.store_result("sensitivity:" + plan.key("estimate"), sens)
    if analysis.whatif:
        state.store_result("whatif:" + plan.key("whatif"), list(analysis.whatif))


def restore(analysis: Analysis, uploaded_data_fingerprint: str | None) -> list[str]:
    """Make a saved analysis the session's (the caller has remembered the old one for undo);
    the warnings to show (data differ, ...).

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
    plan = analysis.plan
    d = state.data()
    _store_results(analysis, plan)
    state.set_plan(plan if d is None or d.fingerprint == saved.fingerprint
                   else plan.replace(data=d.reference()))
    session.forget_widgets()
    session.put(session.GRAPH_VERSION, state.graph_version() + 1)
    session.put(session.RESTORED, (session_signature(), analysis))
    state.save()
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
    return jobs.run(to_html, Analysis.from_json(analysis_json), label="Building the report",
                    budget=REPORT_BUDGET)


def report_html(analysis: Analysis) -> str:
    """The HTML report (cached on the analysis' content)."""
    return _html(analysis.to_json())


@st.cache_data(max_entries=4, show_spinner=False)
def _preview(analysis_json: str) -> str:
    return sandboxed(_html(analysis_json))


def report_preview(analysis: Analysis) -> str:
    """The report as a page for ``st.iframe``: escaped once per content, and run in a sandbox
    without same-origin (its scripts, plotly's, cannot reach the app, its cookies or its
    session)."""
    return _preview(analysis.to_json())


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
