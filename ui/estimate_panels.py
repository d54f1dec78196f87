"""Beside the estimate card: propensity diagnostics, and for a multi-valued treatment every
level against a chosen reference."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.diagnostics_text import BALANCE_EXPLAINED, OVERLAP_EXPLAINED, diagnostic_notes
from causal_core.estimators.multivalued import CONTRAST_METHODS
from causal_core.imputation import contrasts_missing
from causal_core.plots import forest_plot, love_plot, propensity_overlap
from ui import session, state
from ui.figures import figure_of
from ui.widgets import md, show_error


@st.cache_data(max_entries=16, show_spinner="Estimating every contrast…")
def _contrasts(fp: str, graph_json: str, method: str, reference: str, adjustment_json: str,
               missing_json: str, _frame: pd.DataFrame) -> list[Any]:
    ident = cc.identify(cc.CausalGraph.parse(graph_json))
    choice = cc.MissingDataChoice.from_dict(json.loads(missing_json))
    return contrasts_missing(_frame, ident, choice, method, reference=reference,
                             adjustment_set=json.loads(adjustment_json))


def contrasts_panel() -> None:
    """Reference level, method, and one forest plot of each level against the reference."""
    d, g = state.data(), state.analysis_graph()
    t = g.exposures[0]
    levels = sorted(map(str, d.frame[t].dropna().unique()))
    st.subheader("Each level against a reference")
    c1, c2 = st.columns(2)
    reference = c1.selectbox("Reference level", levels, key=session.CONTRAST_REFERENCE,
                             help="Every other level is compared with this one.")
    method = c2.selectbox("Method", list(CONTRAST_METHODS), index=2, key=session.CONTRAST_METHOD,
                          format_func=CONTRAST_METHODS.get,
                          help="AIPW and IPW use a multinomial propensity model; regression "
                               "assumes the same effect in every unit.")
    try:
        res = _contrasts(d.fingerprint, state.structure_key(g), method, reference,
                         json.dumps(state.adjustment_choice()),
                         json.dumps(state.missing_choice().to_dict(), sort_keys=True),
                         state.analysis_frame())
    except cc.CausalCoreError as err:
        show_error(err)
        return
    labels = [f"{b} vs {a}" for a, b in (e.contrast for e in res)]
    st.plotly_chart(forest_plot(res, labels=labels), width="stretch")
    st.dataframe(pd.concat([e.summary().assign(contrast=lb) for e, lb in zip(res, labels,
                                                                            strict=True)]),
                 width="stretch")
    for note in dict.fromkeys(w for e in res for w in e.warnings):
        st.caption(md(note))


def propensity_diagnostics(est: Any) -> None:
    """For a propensity method: the overlap histogram and the Love plot, with their verdicts."""
    if "propensity" not in est.diagnostics:
        return
    for level, text in diagnostic_notes(est.diagnostics):
        (st.warning if level == "warning" else st.success)(md(text))
    overlap, balance = st.tabs(["Overlap", "Balance (Love plot)"])
    with overlap:
        st.plotly_chart(figure_of(est, "overlap", propensity_overlap), width="stretch")
        st.caption(OVERLAP_EXPLAINED)
    with balance:
        st.plotly_chart(figure_of(est, "love", love_plot), width="stretch")
        st.caption(BALANCE_EXPLAINED)
