"""The session's question, read from its plan and data: the graph as the analysis uses it
(nodes without a column are latent), its identification, the ID plug-in estimate, the
adjustment set in use and the graph's testable implications, each cached by content.

Reached through :mod:`ui.state`, which re-exports these names.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from ui import jobs, state

#: Seconds the implications' tests may take in the job pool before they are stopped.
IMPLICATIONS_BUDGET = 120.0


def structure_key(g: cc.CausalGraph) -> str:
    """The graph in cache keys: structure, roles and labels, never the drawing positions
    (moving a node must not recompute anything)."""
    return cc.CausalGraph(g.nodes, g.edges, g.bidirected, roles={n: sorted(r) for n, r in g.roles.items()},
                          labels=dict(g.labels)).to_json()


def missing_nodes() -> list[str]:
    """Observed graph nodes that are not columns of the data (treated as latent)."""
    d, g = state.data(), state.graph()
    if d is None or g is None:
        return []
    return [v for v in g.nodes if g.is_observed(v) and v not in d.frame.columns]


def analysis_graph() -> cc.CausalGraph | None:
    """The graph as the analysis uses it: nodes missing from the data become latent."""
    p, d = state.plan(), state.data()
    if p is None:
        return None
    return p.analysis_graph(d.frame.columns if d is not None else None)


@st.cache_data(max_entries=64, show_spinner=False)
def _identify(key: str, _plan: cc.AnalysisPlan) -> cc.Identification:
    return _plan.identify()


def identification() -> cc.Identification | None:
    """The identification of the current question, or None when none is posed yet."""
    p, g = state.plan(), analysis_graph()
    if p is None or g is None or not p.posed:  # a drawn graph is identified without data
        return None
    if not all(g.is_observed(v) for v in (p.treatment, p.outcome)):
        return None
    return _identify(p.key("identify"), p)


@st.cache_data(max_entries=16, show_spinner=False)
def _id_estimate(fp: str, key: str, _plan: cc.AnalysisPlan, _frame: pd.DataFrame) -> Any:
    ident = _identify(key, _plan)
    return cc.estimate_id(_frame, ident.general)


def id_estimate() -> Any:
    """The plug-in estimate of an ID estimand on the data (None without data or ID estimand)."""
    d, ident = state.data(), identification()
    if d is None or ident is None or ident.estimand is None or ident.estimand.kind != "id":
        return None
    p = state.plan()
    return _id_estimate(d.fingerprint, p.key("identify"), p, analysis_frame())


def effective_adjustment() -> list[str]:
    """The adjustment set in use: the user's pick, else the estimand's back-door set."""
    chosen = state.adjustment_choice()
    if chosen is not None:
        return chosen
    ident = identification()
    if ident is not None and ident.estimand is not None and ident.estimand.kind == "backdoor":
        return list(ident.estimand.adjustment_set)
    return []


@st.cache_data(max_entries=32, show_spinner=False)
def _implications(key: str, graph_json: str, _frame: pd.DataFrame) -> pd.DataFrame:
    # a test per implied independence: on a large graph, seconds of least squares, so in the pool
    return jobs.run(cc.test_implications, cc.CausalGraph.parse(graph_json), _frame,
                    label="Testing the graph's implications", budget=IMPLICATIONS_BUDGET)


def implications() -> pd.DataFrame:
    """Each implied independence tested on the data."""
    d, g = state.data(), analysis_graph()
    key = state.plan().replace(whatif_questions=()).key("estimate")  # data + graph structure
    return _implications(key, structure_key(g), d.frame)  # positions are no part of any key


def analysis_frame() -> pd.DataFrame:
    """The data restricted to the graph's observed nodes that are columns."""
    return state.plan().frame(state.data().frame)
