"""5 · What if: one question asked three ways (seeing, doing, imagining), side by side."""

import streamlit as st

import causal_core as cc
from causal_core.whatif import gap_sentence, slider_range
from ui import session, state
from ui import whatif_state as ws
from ui.classroom import show_graph
from ui.unit_picker import pick_unit
from ui.whatif_panels import unit_effects, worked_example
from ui.whatif_views import curve_figure, fmt, md, mechanism_table
from ui.widgets import show_error


def pick_x(q: ws.Question) -> object:
    label = f"x: the value of {md(q.treatment)} to ask about"
    asked = state.plan().whatif_questions
    x0 = asked[0].x if asked and asked[0].x is not None else q.default_x()
    if q.kind != "continuous":
        index = list(q.levels).index(x0) if x0 in q.levels else len(q.levels) - 1
        return st.radio(label, list(q.levels), index=index, key=_widget(session.WHATIF_X, q),
                        format_func=fmt, horizontal=True)
    lo, hi, step, value = slider_range(q, x0)
    return st.slider(label, lo, hi, value, step, key=_widget(session.WHATIF_X, q))


def _widget(key: str, q: ws.Question) -> str:
    """One widget per data and treatment (a new table starts from the plan's question)."""
    return f"{key}.{state.data().fingerprint}.{q.treatment}"


def seeing(q: ws.Question, curve: ws.Curve, x: object) -> None:
    st.subheader("1 · Seeing")
    st.caption("What the data show: the mean outcome among units that happen to have x.")
    st.metric(f"E[{md(q.outcome)} | {md(q.treatment)} = {fmt(x)}]", fmt(ws.seeing_at(curve, q, x)))
    st.plotly_chart(curve_figure(q, curve, None, x), width="stretch", key="whatif.see")
    how = ("binned means (20 bins of equal count); least-squares slope "
           if q.kind == "continuous" else "group means; difference ")
    st.caption(f"From the data alone: {how}{curve.effect:+,.4g}.")


def doing(q: ws.Question, see: ws.Curve, curve: ws.Curve, x: object) -> None:
    st.metric(f"E[{md(q.outcome)} | do({md(q.treatment)} = {fmt(x)})]", fmt(ws.doing_at(q, x)))
    a, b = st.columns(2)
    a.metric("Effect (model)", fmt(curve.effect), help="Per unit of the treatment (slope of the curve)"
             if q.kind == "continuous" else "Average effect from the fitted model (20,000 draws)")
    compared = ws.against_estimate(q, curve)
    if compared is not None:
        est, agreement = compared
        b.metric(f"Chosen estimate ({est.target.upper()})", fmt(est.value),
                 help=f"{est.method_label} on the Estimate page")
        show = {"agrees": st.caption, "outside": st.warning, "sign": st.error}[agreement.status]
        show(md(agreement.sentence))
    truth = state.true_effect()
    if truth is not None:
        st.caption(f"This example's true effect is {truth:,.4g}.")
    st.plotly_chart(curve_figure(q, see, curve, x), width="stretch", key="whatif.do")


def imagining(q: ws.Question, x: object, default_row: int) -> None:
    f = state.data().frame
    asked = state.plan().whatif_questions
    start = asked[0].unit if asked and asked[0].unit < len(f) else default_row
    st.caption("Pick a unit by its attributes; the closest row is the one imagined.")
    attributes = list(dict.fromkeys([q.treatment, *state.analysis_graph().parents(q.outcome)]))
    row = pick_unit(f, attributes, start, _widget(session.WHATIF_ROW, q))
    ws.remember_question(x, row)
    preview = ws.unit_preview(q, row)
    st.dataframe(preview, height=min(38 + 35 * len(preview), 300))
    t_now, y_now, t_cf = ws.unit_values(q, row, x)
    y_cf = ws.unit_counterfactual(q, row, t_cf)
    a, b = st.columns(2)
    a.metric("Actual outcome", fmt(y_now))
    b.metric("Counterfactual", fmt(y_cf), delta=f"{y_cf - y_now:+,.3g}", delta_color="off")
    st.markdown(f"Row {row} had {md(q.treatment)} = {md(fmt(t_now))} and {md(q.outcome)} = {fmt(y_now)}. "
                f"Had {md(q.treatment)} been {md(fmt(t_cf))}, {md(q.outcome)} would have been "
                f"**{fmt(y_cf)}** ({y_cf - y_now:+,.3g}).")
    if ws.outcome_is_01(q):
        st.caption("The outcome is 0/1: the counterfactual is a shift in the chance, so it may fall "
                   "outside 0 and 1.")
    unit_effects(q, x, row, y_cf)


def main() -> None:
    """Draw the page (returns early instead of st.stop(), so the sidebar can follow)."""
    st.title("What if")
    st.caption("One question asked three ways: seeing what the data show, doing what an intervention "
               "would change, imagining what would have happened to one unit.")
    if state.data() is None:
        st.info("Load data on the Data page first.")
        return
    default_row = worked_example()
    try:
        q = ws.question()
    except cc.CausalCoreError as err:
        show_error(err)
        return
    if q is None:
        st.info("Mark one treatment and one outcome, both columns of the data, on the Model page first.")
        return
    x = pick_x(q)
    try:
        see = ws.seeing_curve(q)
    except cc.CausalCoreError as err:
        show_error(err)
        return
    scm = curve = None
    try:
        scm = ws.fitted_scm(q)  # None: the user cancelled it (the page says so)
        curve = ws.doing_curve(q)
        if curve is not None:
            st.markdown(md(gap_sentence(q, see, curve, ws.confounders(q))))
    except cc.CausalCoreError as err:
        show_error(err, "Doing and imagining need a fitted structural causal model, and it cannot be "
                   "fitted here")
        if state.analysis_graph().latent:
            st.caption("The Estimate page can still estimate the average effect where the graph "
                       "identifies it (an instrument or the front door): that needs no model of every node.")
    graph_col, *cols = st.columns([2, 3, 3, 3], gap="medium")
    with graph_col:
        st.markdown("**The graph**")
        ident = state.identification()
        show_graph(state.analysis_graph(), roles=ident.node_roles if ident else None)
    with cols[0]:
        seeing(q, see, x)
    with cols[1]:
        if curve is not None:
            st.subheader("2 · Doing")
            st.caption("What an intervention would do: set x for everyone, in the fitted model.")
            doing(q, see, curve, x)
    with cols[2]:
        if curve is not None:
            st.subheader("3 · Imagining")
            st.caption("What would have happened to one unit, with its own circumstances kept.")
            try:
                imagining(q, x, default_row)
            except cc.CausalCoreError as err:
                show_error(err, "Counterfactuals")
    if scm is not None:
        with st.expander("The fitted model: one mechanism per node"):
            st.dataframe(mechanism_table(scm), hide_index=True)
            st.caption("Each non-root node is f(parents) + noise; f is a linear model or gradient "
                       "boosting, whichever has the better cross-validated score.")


main()
