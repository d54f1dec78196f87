"""Cached calls behind the What-if page: the rungs are :mod:`causal_core.whatif`'s functions.

The heavy rungs (fitting the structural model, the intervention curve, the model's effect for
the chosen target, the unit effects) run in the server's job pool (:mod:`ui.jobs`), never on
the script thread: a model of a large graph takes a worker for a while, with a progress bar, a
Cancel button and a time budget, while every other session's pages are answered. Their results
are shared by every session, keyed by content (the fitted model holds scikit-learn estimators
and is never mutated after fitting); the cheap per-unit answers are ``st.cache_data``. Every
key starts with the data fingerprint and the model's graph without drawing positions, so moving
a node in the editor does not refit. The numbers are the engine's: a notebook calling
``causal_core.whatif`` (or ``plan.whatif(frame)``) with the plan's seed gets the same ones.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core import whatif as wi
from causal_core.whatif import Curve, Question
from ui import heavy, jobs, session, state

#: Seconds a model fit may run in the pool before it is stopped (a 122-node, 2,186-edge graph
#: fits in about 40 s on the 2-core server).
FIT_BUDGET = 180.0

__all__ = ["Curve", "Question"]


def seed() -> int:
    """The plan's What-if seed."""
    return state.plan().whatif_seed


def question() -> Question | None:
    """The posed question, or None (DataError when the treatment takes too many values)."""
    d, p = state.data(), state.plan()
    if d is None or p is None or not p.posed:
        return None
    if p.treatment not in d.frame.columns or p.outcome not in d.frame.columns:
        return None
    return wi.pose(d.frame, p.treatment, p.outcome)


@st.cache_data(max_entries=32, show_spinner=False)
def _seeing(fp: str, q: Question, _frame: pd.DataFrame) -> Curve:
    return wi.seeing_curve(_frame, q)


def seeing_curve(q: Question) -> Curve:
    """E[outcome | treatment = x] from the data (:func:`causal_core.whatif.seeing_curve`)."""
    d = state.data()
    return _seeing(d.fingerprint, q, d.frame)


def seeing_at(curve: Curve, q: Question, x: Any) -> float:
    """The seeing curve at ``x``."""
    return wi.seeing_at(curve, q, x)


def scm_graph(q: Question) -> cc.CausalGraph:
    """The model's graph (DataError naming the nodes without a column)."""
    return wi.model_graph(state.graph(), q, state.data().frame.columns)


@st.cache_resource(max_entries=1)
def _pooled_results() -> dict[str, state.SharedResults]:
    """What the pool computed, shared by every session: fitted models (about 0.1 MB each for
    2,000 rows and four nodes; a session also holds its current one, so an eviction by other
    sessions never refits it mid-page) and the small answers made from them."""
    return {"model": state.SharedResults(64), "answer": state.SharedResults(256)}


def _pooled(kind: str, parts: tuple[Any, ...], fn: Any, *args: Any, label: str = "",
            what: str = "", budget: float | None = None) -> Any:
    """``fn(*args)`` computed once per content ``parts`` in the job pool; with a ``label`` it
    runs under a progress bar with Cancel (then None when the user cancelled it)."""
    key = f"{kind}:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    store = _pooled_results()[kind]
    result = store.get(key)
    if result is not None:
        return result

    def compute(update: Any) -> Any:
        def shown(job: jobs.Job) -> None:
            if update is not None:
                update(job.progress(), jobs.status(job))

        return jobs.run(fn, *args, label=label.rstrip("…") or fn.__name__, on_update=shown,
                        budget=budget)

    result = heavy.run_step(key, label, what, compute, done=False) if label else compute(None)
    if result is not None:
        store.put(key, result)
    return result


def _key(q: Question) -> tuple[str, str, int]:
    return state.data().fingerprint, scm_graph(q).to_json(), seed()


def fitted_scm(q: Question) -> cc.StructuralCausalModel | None:
    """The fitted model (CausalCoreError with the reason when it cannot be fitted; None when
    the user cancelled the fit)."""
    content = _key(q)
    held = session.get(session.WHATIF_MODEL)
    if held is not None and held[0] == content:  # this session's model, whatever the store evicted
        return held[1]
    graph_json = content[1]  # (data fingerprint, model graph, seed)
    scm = _pooled("model", content, cc.fit_scm, cc.CausalGraph.parse(graph_json),
                  state.data().frame, label="Fitting the structural causal model…",
                  what="the model fit", budget=FIT_BUDGET)
    if scm is not None:
        session.put(session.WHATIF_MODEL, (content, scm))
    return scm


def doing_curve(q: Question) -> Curve | None:
    """E[outcome | do(treatment = x)] (:func:`causal_core.whatif.doing_curve`); None when the
    user cancelled the fit or the curve."""
    scm = fitted_scm(q)
    if scm is None:
        return None
    return _pooled("answer", ("doing", *_key(q), q), wi.doing_curve, state.data().frame, scm, q,
                   seed(), label="Computing what an intervention would do…",
                   what="the intervention curve", budget=FIT_BUDGET)


@st.cache_data(max_entries=64, show_spinner=False)
def _doing_at(fp: str, graph_json: str, seed_: int, q: Question, x: Any, _scm: Any) -> float:
    return wi.doing_at(_scm, q, x, seed_)


def doing_at(q: Question, x: Any) -> float:
    """E[outcome | do(treatment = x)] from the model."""
    return _doing_at(*_key(q), q, x, fitted_scm(q))


@st.cache_data(max_entries=64, show_spinner=False)
def _unit(fp: str, graph_json: str, seed_: int, q: Question, row: int, t_value: Any,
          _frame: pd.DataFrame, _scm: Any) -> float:
    return wi.unit_counterfactual(_scm, _frame, q, row, t_value)


def unit_counterfactual(q: Question, row: int, t_value: Any) -> float:
    """The outcome the unit in row ``row`` would have had with the treatment at ``t_value``."""
    return _unit(*_key(q), q, int(row), t_value, state.data().frame, fitted_scm(q))


def unit_values(q: Question, row: int, x: Any) -> tuple[Any, float, Any]:
    """(the unit's treatment, its outcome, the counterfactual treatment)."""
    return wi.unit_values(state.data().frame, q, row, x)


def unit_preview(q: Question, row: int) -> pd.DataFrame:
    """The unit's values of the model's nodes, one per line (as text: columns may mix types)."""
    f = state.data().frame
    cols = [c for c in scm_graph(q).nodes if c in f.columns]
    return pd.DataFrame({f"row {row}": [wi.value_text(v) for v in f.iloc[row][cols]]}, index=cols)


def effect_contrast(q: Question, x: Any) -> tuple[Any, Any] | None:
    """(t1, t0) of the unit effects (None: continuous, +1 unit each)."""
    return wi.effect_contrast(q, x)


def unit_effects_sample(q: Question, x: Any) -> pd.Series:
    """Unit-level effects on at most 2,000 rows (seeded sample), indexed by row."""
    contrast = wi.effect_contrast(q, x)
    return _pooled("answer", ("effects", *_key(q), q, contrast), wi.unit_effects, fitted_scm(q),
                   state.data().frame, q, contrast, seed())


def own_effect(q: Question, row: int, x: Any, y_cf: float) -> float | None:
    """The unit's own effect on the distribution's scale (None when not the contrast shown)."""
    t_now, y_now, t_cf = unit_values(q, row, x)
    contrast = wi.effect_contrast(q, x)
    if contrast is None:
        return unit_counterfactual(q, row, t_now + 1.0) - y_now
    return wi.own_effect_from(t_now, y_now, t_cf, y_cf, contrast)


def confounders(q: Question) -> list[str] | None:
    """The variables that confound the question (None: no back-door path)."""
    return wi.confounders(state.identification(), state.analysis_graph(),
                          state.effective_adjustment(), q)


def against_estimate(q: Question, curve: Curve) -> tuple[Any, wi.Agreement] | None:
    """The plan's chosen estimate and how the model's effect (for its target) compares."""
    try:
        est = state.main_estimate()
    except cc.CausalCoreError:
        return None
    model = _pooled("answer", ("model effect", *_key(q), q, est.target), wi.model_effect,
                    fitted_scm(q), state.data().frame, q, est.target, curve, seed())
    return est, wi.against_estimate(model, est)


def hospital_units() -> tuple[int, int]:
    """Rows of the hospital example: the first called patient without transport, and with it."""
    return wi.hospital_units(state.data().frame)


def outcome_is_01(q: Question) -> bool:
    """Whether the outcome only takes the values 0 and 1."""
    return wi.outcome_is_01(state.data().frame, q)


def remember_question(x: Any, row: int) -> None:
    """Keep the page's question (x and unit) in the plan, for the report and the script."""
    p = state.plan()
    q = (cc.WhatIfQuestion(x=wi.plain_value(x), unit=int(row)),)
    if p.whatif_questions != q:
        state.set_plan(p.replace(whatif_questions=q))
