"""The session's analysis (data, plan, results) and the cached calls into ``causal_core``.

A session holds one :class:`causal_core.AnalysisPlan` (every choice: graph, question,
adjustment, estimator and parameters, target, simulations, What-if questions, seeds) and the
loaded data. Pages read and change choices through this module; every result is looked up
under ``plan.key(step)`` of the plan that produced it, first in the session (restored results
live there), then in caches shared by sessions, and computed only when both miss. The key
ignores drawing positions, so dragging a node recomputes nothing, and the default comparison
run (default parameters) has other keys than a customised main estimate, so it never
overwrites it.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.datasets import Example, load_example
from causal_core.plan import DataReference, default_name, method_of, reconcile_graph
from ui import jobs, persist, session

DEFAULT_EXAMPLE = "marketing"
#: Estimators whose 100 refits take tens of seconds (IPW on the 20,000-row hospital example:
#: 88 s for every check under load, regression 5 s): refuted only when the user asks.
SLOW_TO_REFUTE = {"aipw", "ipw"}
#: Simulations per refuter when nobody chose another number.
DEFAULT_SIMULATIONS = 100
UNDO_DEPTH = 5


@dataclass(frozen=True)
class DataRef:
    """The loaded table and where it came from."""

    frame: pd.DataFrame
    name: str
    fingerprint: str
    report: Any = None          # causal_core.data.LoadReport for uploads
    example: Example | None = None
    date_features: tuple[str, ...] = ()  # date columns turned into features after loading

    def reference(self) -> DataReference:
        """The plan's reference to this table."""
        return DataReference.from_frame(self.frame, self.name,
                                        self.example.info.name if self.example else None,
                                        self.fingerprint,
                                        sheet=getattr(self.report, "sheet", None),
                                        date_features=self.date_features)


def save() -> None:
    """Keep the session's analysis across a reload (see :mod:`ui.persist`)."""
    persist.save()


# ------------------------------------------------------------------ reading the analysis
def data() -> DataRef | None:
    """The loaded data, or None."""
    return session.get(session.DATA)


def plan() -> cc.AnalysisPlan | None:
    """The session's plan (None until there is a graph)."""
    return session.get(session.PLAN)


def graph() -> cc.CausalGraph | None:
    """The current causal graph as drawn (treatment and outcome are its exposure/outcome roles)."""
    p = plan()
    return None if p is None else p.graph


def graph_version() -> int:
    """Bumped whenever the graph changes from outside the drawing (text, example, roles)."""
    return session.get(session.GRAPH_VERSION, 0)


def adjustment_choice() -> list[str] | None:
    """The adjustment set the user picked on the Identify page (None: the estimand's)."""
    p = plan()
    return None if p is None or p.adjustment_set is None else list(p.adjustment_set)


def _results() -> dict[str, Any]:
    store = session.get(session.RESULTS)
    if store is None:
        store = {}
        session.put(session.RESULTS, store)
    return store


# ------------------------------------------------------------------ changing the analysis
def set_plan(p: cc.AnalysisPlan) -> None:
    """Replace the plan (results stay: they are looked up by the new plan's keys)."""
    if p != plan():
        session.put(session.PLAN, p)
        save()


def _question_changed(old: cc.CausalGraph | None, g: cc.CausalGraph) -> bool:
    return old is None or (g.exposures, g.outcomes) != (old.exposures, old.outcomes) \
        or g.edges != old.edges or g.bidirected != old.bidirected \
        or g.latent != old.latent or g.adjusted != old.adjusted


def set_graph(g: cc.CausalGraph, *, external: bool, keep_positions: bool = True) -> None:
    """Replace the graph. ``external``: the change came from outside the drawing.

    Nodes without a position keep the one they had (``keep_positions``) or are laid out. The
    treatment and outcome follow the graph's roles; a changed question or structure resets the
    adjustment choice.
    """
    from ui.dag_editor.styling import with_layout

    old = graph()
    if old is not None and g == old:
        return
    g = with_layout(g, old if keep_positions else None)
    p = plan()
    d = data()
    if p is None:
        p = cc.AnalysisPlan(graph=g, data=d.reference() if d else None)
    else:
        changes: dict[str, Any] = {"graph": g, "treatment": "", "outcome": ""}
        if _question_changed(old, g):
            changes["adjustment_set"] = None
        p = p.replace(**changes)
    if external:
        session.put(session.GRAPH_VERSION, graph_version() + 1)
    set_plan(p)


def set_adjustment_choice(z: list[str] | None) -> None:
    """Pick an adjustment set (None: back to the estimand's default)."""
    p = plan()
    if p is not None and z != adjustment_choice():
        set_plan(p.replace(adjustment_set=None if z is None else sorted(z)))


def set_data(ref: DataRef, graph_: cc.CausalGraph | None = None) -> list[str]:
    """Use these data (and, for an example, its graph); the graph's nodes without a column.

    Without a new graph, the current one is reconciled with the columns: nodes without a
    column lose their roles (see :func:`causal_core.plan.reconcile_graph`).
    """
    session.put(session.DATA, ref)
    p = plan()
    if graph_ is not None:
        session.drop(session.PLAN)
        set_graph(graph_, external=True, keep_positions=False)
        p = plan()
        missing: list[str] = []
    elif p is not None:
        g, missing = reconcile_graph(p.graph, ref.frame.columns)
        set_graph(g, external=True)
        p = plan()
    else:
        return []
    set_plan(p.replace(data=ref.reference(), adjustment_set=None))
    return missing


# ------------------------------------------------------------------ replacing, undo
def has_work() -> bool:
    """Whether there is an analysis to lose (data loaded)."""
    return data() is not None


def _snapshot() -> dict[str, Any]:
    return {k: session.get(k) for k in session.ANALYSIS_KEYS if session.get(k) is not None}


def remember(label: str) -> None:
    """Push the current analysis on the undo stack before something replaces it."""
    if not has_work():
        return
    stack = list(session.get(session.UNDO, []))[-(UNDO_DEPTH - 1):]
    stack.append((label, _snapshot()))
    session.put(session.UNDO, stack)


def undo_label() -> str | None:
    """What the undo button would undo, or None."""
    stack = session.get(session.UNDO, [])
    return stack[-1][0] if stack else None


def undo() -> None:
    """Bring back the analysis the last replacing action replaced."""
    stack = list(session.get(session.UNDO, []))
    if not stack:
        return
    label, snap = stack.pop()
    for key in session.ANALYSIS_KEYS:
        session.drop(key)
    for key, value in snap.items():
        session.put(key, value)
    session.put(session.UNDO, stack)
    session.forget_widgets()
    session.put(session.NOTICE, f"Undone: {label}. The previous analysis is back.")
    save()


def reset() -> None:
    """Start a new, empty analysis (the old one can be brought back with :func:`undo`)."""
    remember("start a new analysis")
    for key in session.ANALYSIS_KEYS:
        session.drop(key)
    session.forget_widgets()
    session.put(session.STARTED, True)
    persist.start_new()  # a new analysis, a new token: the old link keeps the old analysis
    save()


def ensure_started() -> None:
    """On a session's first run, open on the default example, already analysed."""
    if session.get(session.STARTED):
        return
    session.put(session.STARTED, True)
    from causal_core.datasets import list_examples

    asked = st.query_params.get("example")  # ?example=marketing_classic opens on that example
    names = [e.name for e in list_examples()]
    load_example_into_session(asked if asked in names else DEFAULT_EXAMPLE)
    analyse_default()


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
        p = plan()
        if p.estimator not in [m.name for m in methods]:
            set_plan(p.replace(estimator=methods[default_method(methods)].name, params={}))
        chosen = next(m for m in methods if m.name == plan().estimator)
        if plan().target not in chosen.targets:  # e.g. an ATT question, an ATE-only estimator
            set_plan(plan().replace(target="ate"))
        est = main_estimate()
        estimate_all(plan().target)
    except cc.CausalCoreError:
        if quiet:
            return
        raise
    if est.method in SLOW_TO_REFUTE:
        return
    for info in refuters_for(est):
        try:
            refute(info.name, est, plan().n_simulations)
        except cc.CausalCoreError:
            continue  # the Estimate page says why this test does not apply


# ------------------------------------------------------------------ loading
@st.cache_resource(max_entries=16, show_spinner=False)
def _example(name: str) -> Example:
    """Examples are immutable values shared by every session (nothing mutates their frames)."""
    return load_example(name)


def load_example_into_session(name: str) -> None:
    """Load a shipped example with its DAG (the caller has remembered the old analysis)."""
    ex = _example(name)
    set_data(DataRef(ex.data, ex.info.title, cc.fingerprint(ex.data), None, ex), ex.graph)
    if ex.info.estimator or ex.info.target != "ate":  # the example's own estimator and question
        set_plan(plan().replace(estimator=ex.info.estimator or plan().estimator, params={},
                                target=ex.info.target))
    session.forget_widgets()


@st.cache_data(max_entries=8, show_spinner=False)
def _load(raw: bytes, filename: str, sheet: str | None = None) -> tuple[pd.DataFrame, Any, str]:
    df, report = cc.load_table(raw, filename, sheet=sheet)
    return df, report, cc.fingerprint(df)


def load_upload(raw: bytes, filename: str, sheet: str | None = None) -> DataRef:
    """Parse an uploaded file (an Excel workbook's ``sheet``) into the session (DataError on a
    bad file, nothing lost); the graph is reconciled with its columns, and the old analysis can
    be brought back by undo."""
    df, report, fp = _load(raw, filename, sheet)
    ref = DataRef(df, filename, fp, report, None)
    remember(f"upload {filename}" + (f" (sheet {sheet})" if sheet else ""))
    set_data(ref)
    return ref


def add_date_features(columns: list[str]) -> None:
    """Turn date ``columns`` into features (:func:`causal_core.date_features`): new columns of
    the session's data. The graph, roles, adjustment set and every other choice stay; undo
    brings the table without them back."""
    d = data()
    frame = d.frame
    for column in columns:
        frame = cc.date_features(frame, column)  # DataError before anything changes
    remember("turn date columns into features")
    keep = adjustment_choice()
    set_data(DataRef(frame, d.name, cc.fingerprint(frame), d.report, d.example,
                     (*d.date_features, *columns)))
    if keep is not None:
        set_plan(plan().replace(adjustment_set=tuple(keep)))


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
    mine = _results()
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
        save()
    return result


class _Failed:
    """An engine error remembered in the shared store: every session asking the same content
    gets the same message without queueing a job for it (a check that does not apply to the
    opening example, asked by every new session)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def is_computed(key: str, kind: str = "estimate") -> bool:
    """True when the result under ``key`` is already known (no progress bar needed)."""
    return key in _results() or key in _shared()[kind]


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
    return _computed("estimate", p.key("estimate"), p.estimate, data().frame,
                     identification=_identify(p.key("identify"), p), label="Estimating",
                     progress=progress)


def main_estimate(progress: Any = None) -> Any:
    """The plan's estimate (EstimationError when it cannot be made); ``progress(fraction,
    text)`` is told while it is computed."""
    return _estimate_for(plan(), progress)


def chosen_in_widget(field: str, key: str) -> None:
    """A widget's callback: its value into the plan's ``field`` at once, before any page draws
    (a click on the navigation right after the choice must not lose it)."""
    p, value = plan(), session.get(key)
    if p is None or value is None or getattr(p, field) == value:
        return
    set_plan(p.replace(estimator=value, params={}) if field == "estimator"
             else p.replace(**{field: value}))


def choose_estimator(method: str, params: dict[str, Any] | None = None, target: str = "ate") -> None:
    """Make ``method`` with ``params`` and ``target`` the plan's main estimate."""
    p = plan()
    new = p.replace(estimator=method, params=params or {}, target=target)
    if new != p:
        set_plan(new)


def estimate(method: str, params: dict[str, Any] | None = None, target: str = "ate") -> Any:
    """Choose ``method`` (with ``params`` and ``target``) as the main estimate and return it."""
    choose_estimator(method, params, target)
    return main_estimate()


def comparison_estimate(method: str, target: str | None = None, progress: Any = None) -> Any:
    """``method`` with its default parameters, for the comparison (never the main slot)."""
    p = plan()
    return _estimate_for(p.replace(estimator=method, params={}, target=target or p.target), progress)


def comparison_key(target: str | None = None) -> str:
    """The key of the plan's comparison as a whole (its data, question and target)."""
    p = plan()
    return "compare:" + p.replace(estimator="naive", params={}, target=target or p.target).key("estimate")


def comparison_pending(target: str | None = None) -> list[str]:
    """The comparison's estimators whose estimate is not known yet."""
    p = plan()
    names = p.comparison_methods(identification(), treatment_type())
    return [n for n in names if not is_computed(
        p.replace(estimator=n, params={}, target=target or p.target).key("estimate"))]


def missing_choice() -> cc.MissingDataChoice:
    """How the analysis handles missing values (the plan's choice; default: stop and say so)."""
    p = plan()
    return p.missing_data if p is not None else cc.MissingDataChoice()


def set_missing_choice(choice: cc.MissingDataChoice) -> None:
    """Choose complete cases, multiple imputation or none (results are keyed by it)."""
    p = plan()
    if p is not None and choice != p.missing_data:
        set_plan(p.replace(missing_data=choice))


def reference_effect() -> tuple[float, str, bool] | None:
    """(value, label, is_truth) when the loaded example knows the answer to the posed question.

    ``is_truth``: a true effect of synthetic data; otherwise a benchmark (LaLonde's experiment).
    """
    d, g = data(), graph()
    if d is None or d.example is None or g is None:
        return None
    info = d.example.info
    if (g.exposures, g.outcomes) != ((info.treatment,), (info.outcome,)) or info.reference_effect is None:
        return None
    return info.reference_effect, info.effect_label, info.true_effect is not None


def true_effect() -> float | None:
    """The true effect when the loaded example knows it and the question is the example's."""
    ref = reference_effect()
    return ref[0] if ref is not None and ref[2] else None


@st.cache_data(max_entries=16, show_spinner=False)
def _profile(fp: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return cc.profile(_frame)


def profile() -> pd.DataFrame:
    """The per-column profile of the loaded data."""
    d = data()
    return _profile(d.fingerprint, d.frame)


def treatment_type() -> str:
    """"binary", "continuous" or "categorical" for the current treatment column."""
    from causal_core.estimators.prepare import treatment_kind

    return treatment_kind(data().frame[plan().treatment].dropna())[0]


def fitting_methods() -> list[Any]:
    """The registered estimators that fit the estimand and the treatment type, in order."""
    ident = identification()
    if ident is None or ident.estimand is None:
        return []
    tt = treatment_type()
    kind = ident.estimand.kind
    return [e for e in cc.list_estimators() if kind in e.estimands and tt in e.treatment_types]


def default_method(methods: list[Any]) -> int:
    """Index of the estimator to open on: the example's own (its lesson's), else the first
    adjusted one."""
    d = data()
    own = d.example.info.estimator if d is not None and d.example is not None else None
    names = [m.name for m in methods]
    if own in names:
        return names.index(own)
    return next((i for i, n in enumerate(names) if n != "naive"), 0)


def estimate_all(target: str | None = None, progress: Any = None) -> list[tuple[str, Any]]:
    """The plan's comparison: each estimator with default parameters (naive first), as
    (name, result or error). Never replaces the main estimate. ``progress(fraction, status)``
    is told the whole comparison's progress."""
    p = plan()
    names = p.comparison_methods(identification(), treatment_type())
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
    p, store = plan(), _results()
    if p is None or not p.posed:
        return {}
    out = {}
    ident = identification()
    if ident is not None and ident.estimand is not None:
        for name in p.comparison_methods(ident, treatment_type()):
            key = estimate_key(p, name)
            if key in store:
                out[name] = store[key]
    main = store.get(p.key("estimate"))
    if main is not None:
        if p.estimator in out and p.params:  # the comparison run keeps its own slot
            out[default_name(p.estimator)] = out[p.estimator]
        out[p.estimator] = main
    return out


# ------------------------------------------------------------------ refutation
def _refute_plan(name: str, est: Any, n_simulations: int, params: dict | None = None,
                 p: cc.AnalysisPlan | None = None) -> cc.AnalysisPlan:
    return (p or plan()).replace(estimator=est.method, params=est.params, target=est.target,
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
    if plan().n_simulations != n_simulations:
        set_plan(plan().replace(n_simulations=n_simulations))
    p = _refute_plan(name, est, n_simulations, params)
    return _computed("refute", p.key("refute"), p.refute_one, data().frame, name, est,
                     identification=identification(), progress=progress,
                     label=next((r.label for r in cc.list_refuters() if r.name == name), name))


def is_refuted_cached(name: str, est: Any, n_simulations: int, params: dict | None = None) -> bool:
    """True when this refutation is already known (no progress bar needed)."""
    return is_computed(refute_key(plan(), name, est, n_simulations, params), "refute")


def refutations(est: Any | None = None) -> dict[str, Any]:
    """The refutations of the plan's main estimate already computed, by refuter."""
    p = plan()
    if p is None or not p.posed:
        return {}
    est = est if est is not None else _results().get(p.key("estimate"))
    if est is None:
        return {}
    store = _results()
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
    p = plan()
    kept = {k: dict(v) for k, v in p.refuter_params.items() if k not in names}
    new = p.replace(refuter_params={**kept, **{k: v for k, v in params.items() if k in names}})
    if new != p:
        set_plan(new)


def n_simulations() -> int:
    """The plan's simulations per refutation test."""
    p = plan()
    return DEFAULT_SIMULATIONS if p is None else p.n_simulations


@st.cache_data(max_entries=32, show_spinner=False)
def _sensitivity(key: str, _plan: cc.AnalysisPlan, _frame: pd.DataFrame, _est: Any) -> Any:
    return _plan.sensitivity(_frame, _est, identification=_identify(_plan.key("identify"), _plan))


def sensitivity(est: Any) -> Any:
    """Cinelli–Hazlett sensitivity of a regression estimate (EstimationError otherwise)."""
    p = plan().replace(estimator=est.method, params=est.params, target=est.target)
    key = "sensitivity:" + p.key("estimate")
    store = _results()
    if key not in store:
        store[key] = _sensitivity(key, p, data().frame, est)
    return store[key]


def widget_default(key: str, value: Any, options: list[Any]) -> None:
    """Let a choice widget start from the plan's ``value`` (or the first option when the plan's
    is not offered) unless it already holds a valid one."""
    if session.get(key) not in options:
        session.put(key, value if value in options else options[0])


def store_result(key: str, value: Any) -> None:
    """Keep a result under its plan key (restoring a saved analysis)."""
    _results()[key] = value


def stored(key: str) -> Any:
    """The session's result under ``key``, or None."""
    return _results().get(key)


# The question (graph as analysed, identification, implications) lives in ui/question.py; its
# names stay reachable here, where every page has always looked for them.
from ui.question import (  # noqa: E402, F401  (after the readers it uses; re-exported)
    _identify,
    analysis_frame,
    analysis_graph,
    effective_adjustment,
    id_estimate,
    identification,
    implications,
    missing_nodes,
    structure_key,
)
