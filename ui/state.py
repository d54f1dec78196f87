"""The session's analysis (data, plan, results) and the cached calls into ``causal_core``.

A session holds one :class:`causal_core.AnalysisPlan` (every choice: graph, question,
adjustment, estimator and parameters, target, simulations, What-if questions, seeds) and the
loaded data. Pages read and change choices through this module; every result is looked up
under ``plan.key(step)`` of the plan that produced it, first in the session (restored results
live there), then in caches shared by sessions, and computed only when both miss
(:mod:`ui.results`; the question itself, identification and implications, in
:mod:`ui.question`; both re-exported here). The key
ignores drawing positions, so dragging a node recomputes nothing, and the default comparison
run (default parameters) has other keys than a customised main estimate, so it never
overwrites it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.datasets import Example, load_example
from causal_core.plan import DataReference, reconcile_graph
from ui import persist, session

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


# The question (graph as analysed, identification, implications) lives in ui/question.py and
# the results (estimates, comparison, checks, sensitivity) in ui/results.py; their names stay
# reachable here, where every page has always looked for them.
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
from ui.results import (  # noqa: E402, F401  (after the readers it uses; re-exported)
    SharedResults,
    _shared,
    analyse_default,
    choose_estimator,
    chosen_in_widget,
    comparison_estimate,
    comparison_key,
    comparison_pending,
    default_method,
    estimate,
    estimate_all,
    estimate_key,
    estimates,
    fitting_methods,
    is_computed,
    is_refuted_cached,
    main_estimate,
    n_simulations,
    refutations,
    refute,
    refute_key,
    refuter_params,
    refuters_for,
    sensitivity,
    set_refuter_params,
)
