"""Typed accessors over ``st.session_state`` and the cached calls into ``causal_core``.

Pages never compute: they read and write the analysis through these functions. Engine calls
are cached on (data fingerprint, graph, choices) with ``st.cache_data(max_entries=...)``, so a
rerun that changes nothing costs a dictionary lookup, and a result computed for one session's
data is reused only for byte-identical data.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.datasets import Example, load_example
from ui import jobs, persist

DEFAULT_EXAMPLE = "marketing"
_P = "ce."  # every key this app keeps in session_state starts with this


# ------------------------------------------------------------------ the session's analysis
@dataclass(frozen=True)
class DataRef:
    """The loaded table and where it came from."""

    frame: pd.DataFrame
    name: str
    fingerprint: str
    report: Any = None          # causal_core.data.LoadReport for uploads
    example: Example | None = None


def _get(key: str, default: Any = None) -> Any:
    return st.session_state.get(_P + key, default)


def _set(key: str, value: Any) -> None:
    st.session_state[_P + key] = value
    persist.save()


def data() -> DataRef | None:
    """The loaded data, or None."""
    return _get("data")


def graph() -> cc.CausalGraph | None:
    """The current causal graph (treatment and outcome are its exposure/outcome roles)."""
    return _get("graph")


def graph_version() -> int:
    """Bumped whenever the graph changes from outside the drawing (text, example, roles)."""
    return _get("graph_version", 0)


def adjustment_choice() -> list[str] | None:
    """The adjustment set the user picked on the Identify page (None: the estimand's)."""
    return _get("adjustment")


def set_adjustment_choice(z: list[str] | None) -> None:
    """Pick an adjustment set (None: back to the estimand's default)."""
    if z != adjustment_choice():
        _set("adjustment", None if z is None else sorted(z))
        _clear_results()


def missing_choice() -> cc.MissingDataChoice:
    """How the analysis handles missing values (default: stop and say so)."""
    return cc.MissingDataChoice.from_dict(_get("missing_data"))


def set_missing_choice(choice: cc.MissingDataChoice) -> None:
    """Choose complete cases, multiple imputation or none; forget results that depend on it."""
    if choice != missing_choice():
        _set("missing_data", choice.to_dict())
        _clear_results()


def set_data(ref: DataRef, graph_: cc.CausalGraph | None = None) -> None:
    """Replace the data (and, for an example, the graph); forget every downstream result."""
    _set("data", ref)
    _set("missing_data", None)
    if graph_ is not None:
        set_graph(graph_, external=True)
    _set("adjustment", None)
    _clear_results()


def set_graph(g: cc.CausalGraph, *, external: bool, keep_positions: bool = True) -> None:
    """Replace the graph. ``external``: the change came from outside the drawing.

    Nodes without a position keep the one they had (``keep_positions``) or are laid out.
    """
    old = graph()
    if old is not None and g == old:
        return
    from ui.dag_editor.styling import with_layout

    _set("graph", with_layout(g, old if keep_positions else None))
    if external:
        _set("graph_version", graph_version() + 1)
    if old is None or (g.exposures, g.outcomes) != (old.exposures, old.outcomes) \
            or g.edges != old.edges or g.bidirected != old.bidirected \
            or g.latent != old.latent or g.adjusted != old.adjusted:
        _set("adjustment", None)
        _clear_results()


def results(kind: str) -> dict[str, Any]:
    """The session's results of one kind ("estimates", "refutations"), by name."""
    store = _get(kind)
    if store is None:
        store = {}
        _set(kind, store)
    return store


def _clear_results() -> None:
    _set("estimates", {})
    _set("refutations", {})
    _set("refutation_requests", {})


def reset() -> None:
    """Start a new, empty analysis."""
    for key in [k for k in st.session_state if str(k).startswith(_P) and k != "ce.token"]:
        del st.session_state[key]
    _set("started", True)


def ensure_started() -> None:
    """On a session's first run, open on the default example, already analysed."""
    if _get("started"):
        return
    _set("started", True)
    from causal_core.datasets import list_examples

    asked = st.query_params.get("example")  # ?example=marketing_classic opens on that example
    names = [e.name for e in list_examples()]
    load_example_into_session(asked if asked in names else DEFAULT_EXAMPLE)
    analyse_default()


def suggested() -> tuple[str | None, str]:
    """(estimator, target) the loaded example is usually told with, for its own question."""
    d, g = data(), graph()
    if d is None or d.example is None or g is None:
        return None, "ate"
    info = d.example.info
    if (g.exposures, g.outcomes) != ((info.treatment,), (info.outcome,)):
        return None, "ate"
    return info.method, info.target


#: Estimators whose 100 refits take tens of seconds: refuted only when the user asks.
SLOW_TO_REFUTE = {"aipw"}
#: Simulations per refuter when nobody chose another number.
DEFAULT_SIMULATIONS = 100


def analyse_default(*, quiet: bool = True) -> None:
    """The Estimate page's defaults: the first fitting adjusted estimator, every applicable
    estimator for the comparison, and the refuters (not for slow estimators). Results are
    cached across sessions, so only the first session on the same data pays.

    ``quiet``: swallow a failing default estimate (the pages show why when the user gets
    there); otherwise raise it.
    """
    try:
        fitting = fitting_methods()
        methods = [m.name for m in fitting]
        told, target = suggested()
        main = told if told in methods else next((m for m in methods if m != "naive"),
                                                 methods[0] if methods else None)
        if main is None:
            return
        if target not in next(m for m in fitting if m.name == main).targets:
            target = "ate"
        est = estimate(main, None, target)
        estimate_all(target)
    except cc.CausalCoreError:
        if quiet:
            return
        raise
    if est.method in SLOW_TO_REFUTE:
        return
    for info in refuters_for(est):
        try:
            refute(info.name, est, DEFAULT_SIMULATIONS)
        except cc.CausalCoreError:
            continue  # the Estimate page says why this test does not apply


# ------------------------------------------------------------------ loading
@st.cache_resource(max_entries=16, show_spinner=False)
def _example(name: str) -> Example:
    """Examples are immutable values shared by every session (nothing mutates their frames)."""
    return load_example(name)


def load_example_into_session(name: str) -> None:
    """Load a shipped example with its DAG."""
    ex = _example(name)
    set_data(DataRef(ex.data, ex.info.title, cc.fingerprint(ex.data), None, ex), ex.graph)


@st.cache_data(max_entries=8, show_spinner=False)
def _load(raw: bytes, filename: str) -> tuple[pd.DataFrame, Any, str]:
    df, report = cc.load_table(raw, filename)
    return df, report, cc.fingerprint(df)


def load_upload(raw: bytes, filename: str) -> DataRef:
    """Parse an uploaded file into the session (DataError on a bad file, nothing lost)."""
    df, report, fp = _load(raw, filename)
    ref = DataRef(df, filename, fp, report, None)
    set_data(ref)
    return ref


# ------------------------------------------------------------------ cached engine calls
def structure_key(g: cc.CausalGraph) -> str:
    """The graph in the analysis caches' keys: structure, roles and labels, never the drawing
    positions (moving a node must not recompute anything)."""
    return cc.CausalGraph(g.nodes, g.edges, g.bidirected, roles={n: sorted(r) for n, r in g.roles.items()},
                          labels=dict(g.labels)).to_json()


_key = structure_key


def missing_nodes() -> list[str]:
    """Observed graph nodes that are not columns of the data (treated as latent)."""
    d, g = data(), graph()
    if d is None or g is None:
        return []
    return [v for v in g.nodes if g.is_observed(v) and v not in d.frame.columns]


def analysis_graph() -> cc.CausalGraph | None:
    """The graph as the analysis uses it: nodes missing from the data become latent."""
    g = graph()
    missing = missing_nodes()
    if g is None or not missing:
        return g
    return g.with_roles(latent=[*g.latent, *missing])


@st.cache_data(max_entries=64, show_spinner=False)
def _identify(graph_json: str) -> cc.Identification:
    return cc.identify(cc.CausalGraph.parse(graph_json))


def identification() -> cc.Identification | None:
    """The identification of the current question, or None when none is posed yet."""
    g = analysis_graph()
    if g is None or len(g.exposures) != 1 or len(g.outcomes) != 1:
        return None
    if not all(g.is_observed(v) for v in (*g.exposures, *g.outcomes)):
        return None
    return _identify(_key(g))


def effective_adjustment() -> list[str]:
    """The adjustment set in use: the user's pick, else the estimand's back-door set."""
    chosen = adjustment_choice()
    if chosen is not None:
        return chosen
    ident = identification()
    if ident is not None and ident.estimand is not None and ident.estimand.kind == "backdoor":
        return list(ident.estimand.adjustment_set)
    return []


@st.cache_data(max_entries=32, show_spinner=False)
def _implications(fp: str, graph_json: str, _frame: pd.DataFrame) -> pd.DataFrame:
    return cc.test_implications(cc.CausalGraph.parse(graph_json), _frame)


def implications() -> pd.DataFrame:
    """Each implied independence tested on the data."""
    d, g = data(), analysis_graph()
    return _implications(d.fingerprint, _key(g), d.frame)


def analysis_frame() -> pd.DataFrame:
    """The data restricted to the graph's observed nodes that are columns."""
    d, g = data(), graph()
    cols = [c for c in d.frame.columns if c in g and g.is_observed(c)]
    return d.frame[cols]


@st.cache_data(max_entries=64, show_spinner=False)
def _estimate(fp: str, graph_json: str, method: str, params_json: str, adjustment_json: str,
              target: str, missing_json: str, _frame: pd.DataFrame) -> Any:
    ident = _identify(graph_json)
    z = json.loads(adjustment_json)
    choice = cc.MissingDataChoice.from_dict(json.loads(missing_json))
    return jobs.run(cc.estimate_missing, _frame, ident, choice, label="Estimating", method=method,
                    target=target, random_state=0, adjustment_set=z, **json.loads(params_json))


def estimate(method: str, params: dict[str, Any] | None = None, target: str = "ate") -> Any:
    """Run (or reuse) one estimator on the session's data and remember it."""
    d, g = data(), analysis_graph()
    params_json = json.dumps(params or {}, sort_keys=True, default=str)
    est = _estimate(d.fingerprint, _key(g), method, params_json,
                    json.dumps(adjustment_choice()), target, _missing_json(), analysis_frame())
    results("estimates")[method] = est
    persist.save()
    return est


def _missing_json() -> str:
    return json.dumps(missing_choice().to_dict(), sort_keys=True)


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


# ------------------------------------------------------------------ estimation helpers
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

    g, d = analysis_graph(), data()
    col = d.frame[g.exposures[0]].dropna()
    return treatment_kind(col)[0]


def fitting_methods() -> list[Any]:
    """The registered estimators that fit the estimand and the treatment type, in order."""
    ident = identification()
    if ident is None or ident.estimand is None:
        return []
    tt = treatment_type()
    kind = ident.estimand.kind
    return [e for e in cc.list_estimators() if kind in e.estimands and tt in e.treatment_types]


def estimate_all(target: str = "ate") -> list[tuple[str, Any]]:
    """Every fitting estimator with default parameters plus the naive baseline: (label, result or error)."""
    out: list[tuple[str, Any]] = []
    methods = fitting_methods()
    names = [m.name for m in methods]
    if "naive" not in names:
        names = ["naive", *names]
    for name in names:
        try:
            out.append((name, estimate(name, {}, target)))
        except cc.CausalCoreError as err:
            out.append((name, err))
    return out


# ------------------------------------------------------------------ refutation
@st.cache_resource(max_entries=1)
def _refutation_store() -> dict:
    """Refutation results shared by sessions, keyed by data fingerprint and every choice."""
    return {}


_REFUTE_SLOTS = 512
_REFUTE_LOCK = threading.Lock()  # sessions' script threads share the store


def _refute_key(name: str, est: Any, n_simulations: int, params: dict | None = None) -> tuple:
    """Everything a refutation result depends on: data, graph, estimate's choices, refuter."""
    d, g = data(), analysis_graph()
    return (d.fingerprint, _key(g), est.method, json.dumps(est.params, sort_keys=True, default=str),
            json.dumps(adjustment_choice()), est.target, name, n_simulations,
            json.dumps(params or {}, sort_keys=True, default=str), _missing_json())


def refuters_for(est: Any) -> list[Any]:
    """The registered refuters that fit this estimate's estimand and treatment type."""
    return [r for r in cc.list_refuters()
            if est.estimand.kind in r.estimands and est.treatment_type in r.treatment_types]


def refute(name: str, est: Any, n_simulations: int = 100, progress: Any = None,
           params: dict | None = None) -> Any:
    """Run (or reuse) one refuter against ``est``; remember it in the session.

    Cached in a bounded store rather than ``st.cache_data`` so that a cache miss can drive a
    progress bar (a callable cannot be part of a cache key). ``params`` go to the refuter
    (e.g. ``{"negative_control": "col"}``; such a column may lie outside the graph, so the
    whole table is passed then).
    """
    key = _refute_key(name, est, n_simulations, params)
    store = _refutation_store()
    with _REFUTE_LOCK:
        result = store.get(key)
    if result is None:
        def update(job: jobs.Job) -> None:
            if progress is not None:
                progress(job.progress(), jobs.describe(job))

        frame = data().frame if (params or {}).get("negative_control") else analysis_frame()
        result = jobs.run(cc.refute_missing, frame, identification(), est, missing_choice(),
                          label=name, on_update=update, method=name, n_simulations=n_simulations,
                          random_state=0, **(params or {}))
        with _REFUTE_LOCK:
            if len(store) >= _REFUTE_SLOTS:
                store.pop(next(iter(store)))
            store[key] = result
    results("refutations")[name] = result
    results("refutation_requests")[name] = n_simulations
    persist.save()
    return result


def is_refuted_cached(name: str, est: Any, n_simulations: int,
                      params: dict | None = None) -> bool:
    """True when this refutation is already in the shared store (no progress bar needed)."""
    return _refute_key(name, est, n_simulations, params) in _refutation_store()


@st.cache_data(max_entries=32, show_spinner=False)
def _sensitivity(fp: str, graph_json: str, method: str, adjustment_json: str, target: str,
                 missing_json: str, _frame: pd.DataFrame, _est: Any) -> Any:
    from causal_core.imputation import single_frame

    ident = _identify(graph_json)
    choice = cc.MissingDataChoice.from_dict(json.loads(missing_json))
    return cc.ovb_sensitivity(single_frame(_frame, ident, choice), ident, _est)


def sensitivity(est: Any) -> Any:
    """Cinelli–Hazlett sensitivity of a regression estimate (EstimationError otherwise)."""
    d, g = data(), analysis_graph()
    return _sensitivity(d.fingerprint, _key(g), est.method, json.dumps(adjustment_choice()),
                        est.target, _missing_json(), analysis_frame(), est)
