"""The right half of the Estimate page: the engine's conclusion, its verdict table, each
check's card and plot, then sensitivity. Every word and number here is the engine's
(``cc.conclude``, ``cc.check_rows``, each result's sentences); this module only draws."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.plots import check_figure, sensitivity_contour
from ui import heavy, session, state
from ui.figures import figure_of
from ui.widgets import md

_NC = ("negative_control_outcome", "negative_control_exposure")
_BADGE = {"passed": "green", "stable": "green", "failed": "red", "unstable": "orange",
          "inconclusive": "orange"}


def _controls(est: cc.EffectEstimate) -> dict[str, dict]:
    """The negative-control columns the user marks (none by default)."""
    d, p = state.data(), state.plan()
    taken = {est.treatment, est.outcome, *est.estimand.adjustment_set}
    cols = [c for c in d.frame.columns if c not in taken
            and (pd.api.types.is_numeric_dtype(d.frame[c]) or pd.api.types.is_bool_dtype(d.frame[c]))]
    with st.expander("Negative controls (the checks that can reveal a hidden confounder)"):
        st.caption("A negative-control outcome shares the outcome's causes but cannot be affected "
                   "by the treatment; a negative-control exposure shares the treatment's causes "
                   "but cannot affect the outcome. Mark one if you have it.")
        out = {}
        for name, text in zip(_NC, ("Negative-control outcome", "Negative-control exposure"),
                              strict=True):
            key = session.negative_control_key(name)
            state.widget_default(key, dict(p.refuter_params.get(name, {})).get("negative_control"),
                                 [None, *cols])
            pick = st.selectbox(text, [None, *cols], format_func=lambda c: "none" if c is None
                                else str(c), key=key)
            if pick is not None:
                out[name] = {"negative_control": pick}
        return out


def show_refutations(est: cc.EffectEstimate) -> None:
    """Run (or reuse) the checks that fit ``est`` and draw the conclusion, table and plots."""
    st.subheader("Can we break it?")
    st.caption("Falsification tests can fail; stability checks measure how far the estimate "
               "moves; sensitivity says how strong a hidden confounder would have to be (never "
               "pass/fail).")
    n_sim = st.select_slider("Simulations per check", [50, 100, 200, 500],
                             value=state.n_simulations())
    params = _controls(est)
    state.set_refuter_params(_NC, params)
    infos = [i for i in state.refuters_for(est) if i.name not in _NC or i.name in params]
    cached = all(state.is_refuted_cached(i.name, est, n_sim, params.get(i.name)) for i in infos)
    if est.method in state.SLOW_TO_REFUTE and not cached:
        if not st.button(f"Run the {len(infos)} checks (takes a while for {est.method_label})"):
            return
    key = "refute:" + state.plan().key("refute")
    if heavy.cancelled_notice(key, "the checks"):
        return
    done: list[tuple[cc.RefuterInfo, object]] = []
    for i, info in enumerate(infos):
        try:
            res = heavy.run_step(key, f"Check {i + 1} of {len(infos)}: {info.label}…", "the checks",
                                 lambda update, info=info: state.refute(
                                     info.name, est, n_sim, progress=update,
                                     params=params.get(info.name)),
                                 done=state.is_refuted_cached(info.name, est, n_sim,
                                                              params.get(info.name)))
        except cc.CausalCoreError as err:
            res = err
        done.append((info, res))
    results = [r for _, r in done if isinstance(r, cc.RefutationResult)]
    sens = _sensitivity_or_none(est)
    _summary(est, results, sens, done)
    for res in results:
        _one(res)
    _sensitivity(sens)


def _summary(est, results, sens, done) -> None:
    c = cc.conclude(est, results, sens)
    box = {"bad": st.error, "weak": st.warning, "good": st.success}[c.tone]
    box(f"**{md(c.headline)}.** " + md(" ".join(c.sentences[:2])))
    rows = cc.check_rows(results)
    table = pd.DataFrame([r.cells()[:6] for r in rows], columns=list(cc.CheckRow.HEADER[:6]))
    st.dataframe(table, hide_index=True, width="stretch")
    with st.expander("The whole conclusion"):
        for sentence in c.sentences:
            st.markdown(md(f"- {sentence}"))
    for info, res in done:
        if not isinstance(res, cc.RefutationResult):
            st.caption(md(f"{info.label}: not applicable ({res})"))


def _one(res: cc.RefutationResult) -> None:
    with st.container(border=True):
        colour = _BADGE.get(res.verdict, "gray")
        verdict = res.verdict or "not a test"
        st.markdown(f"**{md(res.label)}** :blue-badge[{res.kind}] :{colour}-badge[{verdict}]")
        st.caption(md(res.question))
        st.plotly_chart(figure_of(res, "check", _check_figure), width="stretch")
        st.caption(md(res.explanation))
        if res.next_step:
            st.caption(md(f"Next: {res.next_step}"))
        st.caption(md(f"Can detect: {res.can_detect} Cannot detect: {res.cannot_detect}"))


def _check_figure(res: cc.RefutationResult) -> Any:
    return check_figure(res, {"height": 360, "margin": {"l": 10, "r": 10, "t": 50, "b": 10}})


def _contour(sens: Any) -> Any:
    return sensitivity_contour(sens, {"height": 420})


def _sensitivity_or_none(est: cc.EffectEstimate):
    try:
        return state.sensitivity(est)
    except cc.CausalCoreError:
        return None


def _sensitivity(sens) -> None:
    st.subheader("How strong would a hidden confounder need to be?")
    if sens is None:
        st.caption("The sensitivity contour needs a linear regression estimate.")
        return
    st.plotly_chart(figure_of(sens, "contour", _contour), width="stretch")
    st.caption(md(sens.explanation))
