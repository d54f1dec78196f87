"""The analysis' results: estimates, the comparison, the checks and the sensitivity.

Every result is looked up under ``plan.key(step)`` of the plan that produced it: first in the
session (restored results live there), then in a store shared by every session
(:class:`SharedResults`, keyed by content, failures included), and computed in the job pool
(:mod:`ui.jobs`) only when both miss. Reached through :mod:`ui.state`, which re-exports these
names (pages call ``state.main_estimate()`` and so on).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.plan import default_name, method_of
from ui import jobs, session, state
from ui.question import _identify, identification
from ui.state import DEFAULT_SIMULATIONS


# ------------------------------------------------------------------ estimating
class SharedResults:
    """Results shared by every session, keyed by content (a plan step's key), bounded by
    count (oldest out first), behind a lock: the sessions' script threads share it."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._items: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            return self._items.get(key)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items.pop(key, None)
            while len(self._items) >= self.slots:
                self._items.pop(next(iter(self._items)))
            self._items[key] = value


@st.cache_resource(max_entries=1)
def _shared() -> dict[str, SharedResults]:
    """The server's shared results: estimates (which can hold per-row arrays: fewer) and
    refutations."""
    return {"estimate": SharedResults(64), "refute": SharedResults(512)}


def _computed(kind: str, key: str, fn: Any, *args: Any, label: str, progress: Any = None,
              **kwargs: Any) -> Any:
    """The result under ``key``: this session's, else the server's, else ``fn(*args,
    **kwargs)`` run in the job pool (``progress(fraction, status)`` told while it waits,
    the status saying its queue position or its percentage).
    The engine's errors propagate and are not stored."""
    mine = state._results()
    result = mine.get(key)
    if result is None:
        shared = _shared()[kind]
        result = shared.get(key)
        if isinstance(result, _Failed):
            raise copy.copy(result.error)
        if result is None:
            def update(job: jobs.Job) -> None:
                if progress is not None:
                    progress(job.progress(), jobs.status(job))

            try:
                result = jobs.run(fn, *args, label=label, on_update=update, **kwargs)
            except jobs.OverBudget:
                raise  # the server's limit, not the content's answer: not remembered
            except cc.CausalCoreError as err:
                shared.put(key, _Failed(err))  # the same content fails the same way: once
                raise
            shared.put(key, result)
        mine[key] = result
        state.save()
    return result


class _Failed:
    """An engine error remembered in the shared store: every session asking the same content
    gets the same message without queueing a job for it (a check that does not apply to the
    opening example, asked by every new session)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def is_computed(key: str, kind: str = "estimate") -> bool:
    """True when the result under ``key`` is already known (no progress bar needed)."""
    return key in state._results() or key in _shared()[kind]


def estimate_key(p: cc.AnalysisPlan, method: str | None = None) -> str:
    """The results key of the plan's estimate, or of ``method`` with its defaults (comparison;
    ``default_name(p.estimator)`` is the main estimator's comparison run)."""
    if method is not None and method != p.estimator:
        p = p.replace(estimator=method_of(method), params={})
    return p.key("estimate")


def refute_key(p: cc.AnalysisPlan, name: str, est: Any, n_simulations: int,
               params: dict | None = None) -> str:
    """The results key of refuter ``name`` run against ``est`` with ``n_simulations`` (and the
    refuter's ``params``, e.g. a negative-control column)."""
    return _refute_plan(name, est, n_simulations, params, p).key("refute")


def _estimate_for(p: cc.AnalysisPlan, progress: Any = None) -> Any:
    return _computed("estimate", p.key("estimate"), p.estimate, state.data().frame,
                     identification=_identify(p.key("identify"), p), label="Estimating",
                     progress=progress)


def main_estimate(progress: Any = None) -> Any:
    """The plan's estimate (EstimationError when it cannot be made); ``progress(fraction,
    text)`` is told while it is computed."""
    return _estimate_for(state.plan(), progress)


def chosen_in_widget(field: str, key: str) -> None:
    """A widget's callback: its value into the plan's ``field`` at once, before any page draws
    (a click on the navigation right after the choice must not lose it)."""
    p, value = state.plan(), session.get(key)
    if p is None or value is None or getattr(p, field) == value:
        return
    state.set_plan(p.replace(estimator=value, params={}) if field == "estimator"
             else p.replace(**{field: value}))


def choose_estimator(method: str, params: dict[str, Any] | None = None, target: str = "ate") -> None:
    """Make ``method`` with ``params`` and ``target`` the plan's main estimate."""
    p = state.plan()
    new = p.replace(estimator=method, params=params or {}, target=target)
    if new != p:
        state.set_plan(new)


def estimate(method: str, params: dict[str, Any] | None = None, target: str = "ate") -> Any:
    """Choose ``method`` (with ``params`` and ``target``) as the main estimate and return it."""
    choose_estimator(method, params, target)
    return main_estimate()


def comparison_estimate(method: str, target: str | None = None, progress: Any = None) -> Any:
    """``method`` with its default parameters, for the comparison (never the main slot)."""
    p = state.plan()
    return _estimate_for(p.replace(estimator=method, params={}, target=target or p.target), progress)


def comparison_key(target: str | None = None) -> str:
    """The key of the plan's comparison as a whole (its data, question and target)."""
    p = state.plan()
    return "compare:" + p.replace(estimator="naive", params={}, target=target or p.target).key("estimate")


def comparison_pending(target: str | None = None) -> list[str]:
    """The comparison's estimators whose estimate is not known yet."""
    p = state.plan()
    names = p.comparison_methods(identification(), state.treatment_type())
    return [n for n in names if not is_computed(
        p.replace(estimator=n, params={}, target=target or p.target).key("estimate"))]


def fitting_methods() -> list[Any]:
    """The registered estimators that fit the estimand and the treatment type, in order."""
    ident = identification()
    if ident is None or ident.estimand is None:
        return []
    tt = state.treatment_type()
    kind = ident.estimand.kind
    return [e for e in cc.list_estimators() if kind in e.estimands and tt in e.treatment_types]


def default_method(methods: list[Any]) -> int:
    """Index of the estimator to open on: the example's own (its lesson's), else the first
    adjusted one."""
    d = state.data()
    own = d.example.info.estimator if d is not None and d.example is not None else None
    names = [m.name for m in methods]
    if own in names:
        return names.index(own)
    return next((i for i, n in enumerate(names) if n != "naive"), 0)


def estimate_all(target: str | None = None, progress: Any = None) -> list[tuple[str, Any]]:
    """The plan's comparison: each estimator with default parameters (naive first), as
    (name, result or error). Never replaces the main estimate. ``progress(fraction, status)``
    is told the whole comparison's progress."""
    p = state.plan()
    names = p.comparison_methods(identification(), state.treatment_type())
    out: list[tuple[str, Any]] = []
    for i, name in enumerate(names):
        step = None
        if progress is not None:
            def step(f: float, status: str = "", i: int = i, name: str = name) -> None:
                progress((i + f) / len(names), f"{i + 1} of {len(names)} ({name}): {status}")
        try:
            out.append((name, comparison_estimate(name, target, step)))
        except cc.CausalCoreError as err:
            out.append((name, err))
    return out


def estimates() -> dict[str, Any]:
    """The plan's main estimate and its comparison estimates already computed, by method."""
    p, store = state.plan(), state._results()
    if p is None or not p.posed:
        return {}
    out = {}
    ident = identification()
    if ident is not None and ident.estimand is not None:
        for name in p.comparison_methods(ident, state.treatment_type()):
            key = estimate_key(p, name)
            if key in store:
                out[name] = store[key]
    main = store.get(p.key("estimate"))
    if main is not None:
        if p.estimator in out and p.params:  # the comparison run keeps its own slot
            out[default_name(p.estimator)] = out[p.estimator]
        out[p.estimator] = main
    return out


def analyse_default(*, quiet: bool = True) -> None:
    """The Estimate page's defaults: the first fitting adjusted estimator as the plan's,
    every applicable estimator for the comparison, and the refuters (not for slow
    estimators). Results are cached across sessions, so only the first session pays.

    ``quiet``: swallow a failing default estimate (the pages show why); otherwise raise it.
    """
    try:
        methods = fitting_methods()
        if not methods:
            return
        p = state.plan()
        if p.estimator not in [m.name for m in methods]:
            state.set_plan(p.replace(estimator=methods[default_method(methods)].name, params={}))
        chosen = next(m for m in methods if m.name == state.plan().estimator)
        if state.plan().target not in chosen.targets:  # e.g. an ATT question, an ATE-only estimator
            state.set_plan(state.plan().replace(target="ate"))
        est = main_estimate()
        estimate_all(state.plan().target)
    except cc.CausalCoreError:
        if quiet:
            return
        raise
    if est.method in state.SLOW_TO_REFUTE:
        return
    for info in refuters_for(est):
        try:
            refute(info.name, est, state.plan().n_simulations)
        except cc.CausalCoreError:
            continue  # the Estimate page says why this test does not apply


# ------------------------------------------------------------------ refutation
def _refute_plan(name: str, est: Any, n_simulations: int, params: dict | None = None,
                 p: cc.AnalysisPlan | None = None) -> cc.AnalysisPlan:
    return (p or state.plan()).replace(estimator=est.method, params=est.params, target=est.target,
                                 refuters=(name,), n_simulations=n_simulations,
                                 refuter_params={name: params} if params else {})


@st.cache_resource(max_entries=32, show_spinner=False)
def _refuters_for(kind: str, treatment_type: str) -> tuple[Any, ...]:
    return tuple(r for r in cc.list_refuters()
                 if kind in r.estimands and treatment_type in r.treatment_types)


def refuters_for(est: Any) -> list[Any]:
    """The registered refuters that fit this estimate's estimand and treatment type."""
    return list(_refuters_for(est.estimand.kind, est.treatment_type))


def refute(name: str, est: Any, n_simulations: int = DEFAULT_SIMULATIONS, progress: Any = None,
           params: dict | None = None) -> Any:
    """Run (or reuse) one refuter against ``est`` with ``n_simulations`` (the plan's number
    from now on) and the refuter's ``params`` (e.g. ``{"negative_control": "col"}``).

    Cached in a bounded store rather than ``st.cache_data`` so that a cache miss can drive a
    progress bar (a callable cannot be part of a cache key).
    """
    if state.plan().n_simulations != n_simulations:
        state.set_plan(state.plan().replace(n_simulations=n_simulations))
    p = _refute_plan(name, est, n_simulations, params)
    return _computed("refute", p.key("refute"), p.refute_one, state.data().frame, name, est,
                     identification=identification(), progress=progress,
                     label=next((r.label for r in cc.list_refuters() if r.name == name), name))


def is_refuted_cached(name: str, est: Any, n_simulations: int, params: dict | None = None) -> bool:
    """True when this refutation is already known (no progress bar needed)."""
    return is_computed(refute_key(state.plan(), name, est, n_simulations, params), "refute")


def refutations(est: Any | None = None) -> dict[str, Any]:
    """The refutations of the plan's main estimate already computed, by refuter."""
    p = state.plan()
    if p is None or not p.posed:
        return {}
    est = est if est is not None else state._results().get(p.key("estimate"))
    if est is None:
        return {}
    store = state._results()
    out = {}
    for info in refuters_for(est):
        key = refute_key(p, info.name, est, p.n_simulations, refuter_params(p, info.name))
        if key in store:
            out[info.name] = store[key]
    return out


def refuter_params(p: cc.AnalysisPlan, name: str) -> dict | None:
    """The plan's parameters of refuter ``name`` (None: its defaults)."""
    return dict(p.refuter_params.get(name, {})) or None


def set_refuter_params(names: tuple[str, ...], params: dict[str, dict]) -> None:
    """The plan's parameters of refuters ``names`` become ``params``' entries (refuter → its
    parameters, e.g. the negative controls the user marked; absent: the defaults); other
    refuters keep theirs."""
    p = state.plan()
    kept = {k: dict(v) for k, v in p.refuter_params.items() if k not in names}
    new = p.replace(refuter_params={**kept, **{k: v for k, v in params.items() if k in names}})
    if new != p:
        state.set_plan(new)


def n_simulations() -> int:
    """The plan's simulations per refutation test."""
    p = state.plan()
    return DEFAULT_SIMULATIONS if p is None else p.n_simulations


@st.cache_data(max_entries=32, show_spinner=False)
def _sensitivity(key: str, _plan: cc.AnalysisPlan, _frame: pd.DataFrame, _est: Any) -> Any:
    return _plan.sensitivity(_frame, _est, identification=_identify(_plan.key("identify"), _plan))


def sensitivity(est: Any) -> Any:
    """Cinelli–Hazlett sensitivity of a regression estimate (EstimationError otherwise)."""
    p = state.plan().replace(estimator=est.method, params=est.params, target=est.target)
    key = "sensitivity:" + p.key("estimate")
    store = state._results()
    if key not in store:
        store[key] = _sensitivity(key, p, state.data().frame, est)
    return store[key]
