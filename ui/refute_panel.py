"""The right half of the Estimate page: every refuter's verdict and plot, then sensitivity."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.plots import confounder_heatmap, refutation_histogram, sensitivity_contour
from ui import state
from ui.widgets import md


def show_refutations(est: cc.EffectEstimate) -> None:
    """Run (or reuse) the refuters that fit ``est`` and draw their verdicts and plots."""
    st.subheader("Can we break it?")
    st.caption("Each test changes the data in a way that should (or should not) change the "
               "answer. A failed test is a reason to doubt the estimate.")
    n_sim = st.select_slider("Simulations per test", [50, 100, 200, 500],
                             value=state.DEFAULT_SIMULATIONS)
    infos = state.refuters_for(est)
    cached = all(state.is_refuted_cached(i.name, est, n_sim) for i in infos)
    if est.method in state.SLOW_TO_REFUTE and not cached:
        if not st.button(f"Run the {len(infos)} tests (takes a while for {est.method_label})"):
            return
    done: list[tuple[cc.RefuterInfo, object]] = []
    for info in infos:
        bar = None
        if not state.is_refuted_cached(info.name, est, n_sim):
            bar = st.progress(0.0, text=f"{info.label}…")
        try:
            res = state.refute(info.name, est, n_sim, progress=_progress(bar, info.label))
        except cc.CausalCoreError as err:
            res = err
        if bar is not None:
            bar.empty()
        done.append((info, res))
    _summary(done)
    for _, res in done:
        if isinstance(res, cc.RefutationResult):
            _one(res)
    _sensitivity(est)


def _progress(bar, label: str):
    if bar is None:
        return None
    return lambda f, text=label: bar.progress(min(float(f), 1.0), text=text)


def _summary(done) -> None:
    rows = []
    for info, res in done:
        if isinstance(res, cc.RefutationResult):
            p = f"{res.p_value:.2f}" if res.p_value >= 0.01 else "< 0.01"
            if res.surface is not None:  # its p-value is the adjusted estimate's significance
                p = "see the plot"
            rows.append({"test": info.label, "verdict": "passed" if res.passed else "FAILED",
                         "p-value": p})
        else:
            rows.append({"test": info.label, "verdict": "not applicable", "p-value": "–"})
    table = pd.DataFrame(rows)
    failed = [r["test"] for r in rows if r["verdict"] == "FAILED"]
    if failed:
        st.error(md("Failed: " + ", ".join(failed) + ". Read these first."))
    elif rows:
        passed = sum(r["verdict"] == "passed" for r in rows)
        st.success(f"The estimate survived all {passed} tests that apply.")
    st.dataframe(table, hide_index=True, width="stretch")
    for info, res in done:
        if not isinstance(res, cc.RefutationResult):
            st.caption(md(f"{info.label}: {res}"))


def _one(res: cc.RefutationResult) -> None:
    with st.container(border=True):
        badge = ":green-badge[passed]" if res.passed else ":red-badge[failed]"
        st.markdown(f"**{res.label}** {badge}")
        fig = confounder_heatmap(res) if res.surface is not None else refutation_histogram(res)
        fig.update_layout(height=360, margin=dict(l=10, r=10, t=50, b=10),
                          legend=dict(orientation="h", yanchor="top", y=-0.28, x=0))
        st.plotly_chart(fig, width="stretch")
        st.caption(md(res.explanation))


def _sensitivity(est: cc.EffectEstimate) -> None:
    st.subheader("How strong would a hidden confounder need to be?")
    try:
        sens = state.sensitivity(est)
    except cc.CausalCoreError as err:
        st.caption(md(f"The sensitivity contour needs a linear regression estimate ({err})."))
        return
    fig = sensitivity_contour(sens)
    fig.update_layout(height=420)
    st.plotly_chart(fig, width="stretch")
    st.caption(md(sens.explanation))
