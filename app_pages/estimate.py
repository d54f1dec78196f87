"""4 · Estimate & Refute: the estimate next to the attempts to break it."""

import streamlit as st

import causal_core as cc
from causal_core.plots import forest_plot
from causal_core.questions import TARGET_QUESTIONS
from ui import heavy, session, state
from ui.estimate_panels import contrasts_panel, propensity_diagnostics
from ui.figures import figure_by_key
from ui.missing_panel import missing_choice_panel
from ui.refute_panel import show_refutations
from ui.widgets import estimate_card, param_panel, show_error


def main() -> None:
    """Draw the page (returns early instead of st.stop(), so the sidebar can follow)."""
    st.title("Estimate & Refute")
    st.caption("Left: how big the effect is. Right: we try to break that number.")

    ident = state.identification()
    if state.data() is None or ident is None:
        st.info("Load data and mark one treatment and one outcome on the Model page first.")
        return
    if ident.estimand is None:
        st.error("The effect is not identified by the graph, so there is nothing sound to estimate. "
                 "See the Identify page for why.")
        return

    try:
        methods = state.fitting_methods()
    except cc.CausalCoreError as err:
        show_error(err)
        return
    if not methods:
        st.error("No estimator fits this estimand and treatment type.")
        return

    missing_choice_panel()
    left, right = st.columns(2, gap="large")
    with left:
        labels = {m.name: m.label for m in methods}
        plan = state.plan()
        fallback = methods[state.default_method(methods)].name
        state.widget_default(session.ESTIMATOR, plan.estimator if plan.estimator in labels else fallback,
                             list(labels))
        name = st.selectbox("Estimator", list(labels), key=session.ESTIMATOR, format_func=labels.get,
                            on_change=state.chosen_in_widget, args=("estimator", session.ESTIMATOR),
                            help="Only estimators valid for this estimand and treatment type are listed.")
        info = next(m for m in methods if m.name == name)
        st.caption(info.description)
        state.widget_default(session.TARGET, plan.target, list(info.targets))
        target = st.selectbox("Question", list(info.targets), key=session.TARGET,
                              on_change=state.chosen_in_widget, args=("target", session.TARGET),
                              format_func=lambda t: TARGET_QUESTIONS.get(t, t))
        with st.expander("Parameters"):
            params = param_panel(info.params, key=session.PARAM + name,
                                 values=plan.params if plan.estimator == name else {},
                                 info=info.param_info)
        state.choose_estimator(name, params, target)
        key = state.plan().key("estimate")
        try:
            est = heavy.run_step(key, f"Estimating with {info.label}…", "the estimate",
                                 state.main_estimate, done=state.is_computed(key))
        except cc.CausalCoreError as err:
            show_error(err)
            return
        if est is None:
            return
        ref = state.reference_effect()
        estimate_card(est, ref)
        propensity_diagnostics(est)
        runs = heavy.run_step(state.comparison_key(target), "Comparing estimators…",
                              "the comparison of estimators",
                              lambda update: state.estimate_all(target, update),
                              done=not state.comparison_pending(target))
        if runs is not None:
            ests = [r for _, r in runs if isinstance(r, cc.EffectEstimate)]
            shown = ";".join(f"{e.method_label}|{e.target}|{e.value!r}|{e.ci_low!r}|{e.ci_high!r}"
                             f"|{e.level}|{e.treatment}|{e.outcome}" for e in ests)
            fig = figure_by_key(  # the key names everything the figure shows
                f"forest|{ref!r}|{shown}",
                lambda: forest_plot(ests, reference=ref[0] if ref else None,
                                    reference_label=("true effect" if ref[2] else "benchmark")
                                    if ref else ""))
            st.plotly_chart(fig, width="stretch")
            st.caption("Every applicable estimator with default parameters, and the naive "
                       "association (no adjustment) for comparison.")

    with right:
        show_refutations(est)
    if est.treatment_type == "categorical":
        contrasts_panel()


main()
