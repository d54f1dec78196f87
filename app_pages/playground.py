"""Bias playground: the drawn DAG as a simulated linear model, estimated 200 times."""

import json

import streamlit as st

import causal_core as cc
from causal_core.classroom import list_scenarios
from causal_core.classroom.figures import bias_figure
from causal_core.classroom.playground import DEFAULT_STRENGTH, edge_key
from ui import classroom as cl
from ui import session, state
from ui.widgets import md, show_error

MAX_SLIDERS = 30


def _graph() -> cc.CausalGraph | None:
    own = state.graph()
    posed = own is not None and len(own.exposures) == 1 and len(own.outcomes) == 1
    sources = (["The graph on the Model page"] if posed else []) + ["A shipped scenario"]
    source = st.radio("Graph", sources, horizontal=True)
    if source == sources[0] and posed:
        return own
    scenarios = {s.id: s for s in list_scenarios()}
    sid = st.selectbox("Scenario", list(scenarios), format_func=lambda i: scenarios[i].title)
    s = scenarios[sid]
    return s.graph.with_roles(exposure=s.treatment, outcome=s.outcome)


def main() -> None:
    st.title("Bias playground")
    st.caption("Each arrow is a linear effect plus noise. 200 fresh samples are drawn and the "
               "effect is estimated three ways; the black line is the true effect.")
    g = _graph()
    if g is None:
        return
    left, right = st.columns([1, 2], gap="large")
    with left:
        n = st.slider("Sample size (rows per sample)", 50, 5000, 500, step=50)
        randomise = st.toggle("Randomise the treatment",
                              help="Cut every arrow into the treatment, as an experiment does.")
        strengths = {}
        st.markdown("**Edge strengths**")
        edges = [(a, b, False) for a, b in g.edges] + [(a, b, True) for a, b in g.bidirected]
        for a, b, bi in edges[:MAX_SLIDERS]:
            key = edge_key(a, b, bi)
            cut = randomise and not bi and b in g.exposures
            strengths[key] = st.slider(md(key) + (" (cut)" if cut else ""), -2.0, 2.0,
                                       DEFAULT_STRENGTH, 0.1, key=session.classroom_key(f"edge.{key}"),
                                       disabled=cut)
        if len(edges) > MAX_SLIDERS:
            st.caption(f"{len(edges) - MAX_SLIDERS} more edges keep strength {DEFAULT_STRENGTH}.")
    with right:
        try:
            sim = cl.simulate(g.to_json(), json.dumps(strengths, sort_keys=True), n, randomise)
        except cc.CausalCoreError as err:
            show_error(err)
            return
        st.plotly_chart(bias_figure(sim), width="stretch")
        for sentence in sim.sentences():
            st.write(md(sentence))
        for note in sim.notes:
            st.info(md(note))
        if sim.adjustment_set is not None:
            st.caption(md("Adjusted for { " + ", ".join(sim.adjustment_set) + " }"
                          + (f"; collider conditioned on: {sim.collider}" if sim.collider else "")))
        st.dataframe(sim.summary().round(4), width="stretch")


main()
