"""Figures of the classroom, built from result objects (no computation inside)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .._escape import plotly_text
from .playground import BiasSimulation

__all__ = ["answers_figure", "bias_figure"]

_COLOURS = {"naive": "#d62728", "adjusted": "#2ca02c", "collider-conditioned": "#9467bd"}


def bias_figure(sim: BiasSimulation, height: int = 420) -> go.Figure:
    """The replicated estimates of each estimator as overlaid histograms, truth as a line.

    Examples
    --------
    >>> import causal_core as cc
    >>> from causal_core.classroom.playground import simulate_bias
    >>> sim = simulate_bias(cc.CausalGraph.parse("z -> x -> y; z -> y"), "x", "y", n_reps=20)
    >>> [t.name for t in bias_figure(sim).data]
    ['naive', 'adjusted']
    """
    fig = go.Figure()
    for name, est in sim.estimates.items():
        fig.add_trace(go.Histogram(x=est, name=name, opacity=0.6, nbinsx=40,
                                   marker_color=_COLOURS.get(name, "#7f7f7f")))
    fig.add_vline(x=sim.true_effect, line_width=3, line_color="#111",
                  annotation_text=f"true effect {sim.true_effect:.3g}",
                  annotation_position="top")
    what = "randomised " if sim.randomised else ""
    fig.update_layout(
        barmode="overlay", height=height, margin={"l": 40, "r": 20, "t": 60, "b": 40},
        title=(f"{sim.n_reps} samples of {sim.n:,} rows: estimated effect of {what}"
               f"{plotly_text(sim.treatment)} on {plotly_text(sim.outcome)}"),
        xaxis_title="estimate", yaxis_title="samples", legend={"orientation": "h", "y": -0.2},
        xaxis={"automargin": True}, yaxis={"automargin": True})
    return fig


def answers_figure(counts: pd.DataFrame, revealed: bool, height: int = 360) -> go.Figure:
    """The room's answers as horizontal bars; green/red by correctness only once revealed.

    Examples
    --------
    >>> frame = pd.DataFrame({"answer": ["{a}", "{b}"], "students": [3, 1], "correct": [True, False]})
    >>> answers_figure(frame, revealed=False).data[0].marker.color
    ('#1f77b4', '#1f77b4')
    """
    colours = [("#2ca02c" if ok else "#d62728") if revealed else "#1f77b4" for ok in counts["correct"]]
    fig = go.Figure(go.Bar(x=counts["students"], y=[plotly_text(a) for a in counts["answer"]],
                           orientation="h", marker_color=colours, text=counts["students"],
                           textposition="auto", hoverinfo="skip"))
    fig.update_layout(height=height, margin={"l": 20, "r": 20, "t": 30, "b": 30},
                      xaxis_title="students", yaxis={"autorange": "reversed", "automargin": True},
                      font={"size": 18})
    return fig
