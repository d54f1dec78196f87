"""3 · Identify: what the graph says about estimating the effect from these data."""

import streamlit as st

import causal_core as cc
from ui import session, state
from ui.widgets import latex_display, md, paths_table, show_error


def main() -> None:
    """Draw the page (returns early instead of st.stop(), so the sidebar can follow)."""
    st.title("Identify: can the data answer the question?")
    st.caption("The graph decides which comparisons are fair. Here is what it allows.")

    g = state.analysis_graph()
    ident = state.identification()
    if g is None or ident is None:
        st.info("Mark one treatment (exposure) and one outcome on the Model page first.")
        st.page_link("app_pages/graph.py", label="Go to the Model page")
        return

    x, y = ident.treatment[0], ident.outcome[0]
    missing = state.missing_nodes()
    if missing:
        st.caption(md("Treated as latent because the data lack them: " + ", ".join(missing)))
    for note in ident.notes:
        st.info(md(note))

    est = ident.estimand
    if est is None:
        st.error(md(f"The effect of {x} on {y} is not identified by this graph."))
        if ident.hedge:
            st.warning(md("The hedge that blocks every formula: " + ", ".join(ident.hedge)))
    else:
        st.subheader(f"The estimand ({est.kind})")
        st.latex(latex_display(est.latex))
        st.write(md(est.description))
        if est.kind == "id":
            general_id_section(ident)

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Adjustment sets")
        sets = ident.adjustment_sets
        if not sets:
            st.write("No set of measured variables blocks every biasing path.")
        else:
            st.caption("Every **minimal** set of measured variables that blocks all biasing paths "
                       "without blocking the effect. Any of them gives an unbiased estimate.")
            labels = ["{ } (no adjustment needed)" if not s else md("{ " + ", ".join(s) + " }") for s in sets]
            options = ["The estimand's choice"] + labels
            chosen = state.adjustment_choice()
            index = 0 if chosen is None or chosen not in sets else sets.index(chosen) + 1
            pick = st.radio("Adjust for", options, index=index)
            if ident.optimal_set is not None:
                st.caption(md("Estimand's choice: the optimal set { " + ", ".join(ident.optimal_set)
                              + " } (smallest variance, Henckel et al. 2019)."))
            if ident.truncated:
                st.caption(f"Only the first {len(sets)} sets are listed.")
            new = None if pick == options[0] else sets[labels.index(pick)]
            if new != chosen and (chosen is None or chosen in sets or new is not None):
                state.set_adjustment_choice(new)
                st.rerun()
        st.markdown("**Or check your own set**")
        candidates = [v for v in g.nodes if v not in (x, y)]
        own = st.multiselect("Variables to adjust for", candidates, key=session.OWN_SET)
        if own:
            try:
                check = cc.is_adjustment_set(g, x, y, own)
            except cc.CausalCoreError as err:
                show_error(err)
            else:
                (st.success if check.valid else st.error)(md(check.reason))
                if check.valid and st.button("Use this set for estimation"):
                    state.set_adjustment_choice(own)
                    st.rerun()

    with right:
        st.subheader("Front-door sets")
        if ident.frontdoor_sets:
            for s in ident.frontdoor_sets:
                st.write(md("• " + ", ".join(s)))
        else:
            st.write("None.")
        st.subheader("Instruments")
        if ident.instruments:
            for z, w in ident.instruments:
                st.write(md(f"• {z}" + (f", given {', '.join(w)}" if w else "")))
        else:
            st.write("None.")

    st.subheader(md(f"Paths between {x} and {y}"))
    z = state.effective_adjustment()
    st.caption(md("Given the adjustment set { " + ", ".join(z) + " }: causal paths should stay open, "
                  "biasing (non-causal) paths should be blocked."))
    st.dataframe(paths_table(g, x, y, z), hide_index=True, width="stretch")


def general_id_section(ident: cc.Identification) -> None:
    """The ID derivation and, on all-discrete data, the plug-in estimate."""
    with st.expander("How the ID algorithm derived it"):
        st.code("\n".join(ident.estimand.steps), language=None)
    try:
        res = state.id_estimate()
    except cc.CausalCoreError as err:
        st.info(md(str(err)))
        return
    if res is None:
        st.info("Load data to estimate this effect.")
        return
    lo, hi = res.contrast
    st.metric(md(f"Effect of {ident.treatment[0]} = {hi} vs {lo} (plug-in of the ID formula)"),
              f"{res.value:.4g}", help=res.method)
    st.caption(f"95% bootstrap interval {res.ci_low:.4g} to {res.ci_high:.4g} "
               f"({res.n_boot} resamples of {res.n_used} complete rows).")
    for w in res.warnings:
        st.warning(md(w))


main()
