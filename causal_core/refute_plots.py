"""Plotly figures of refutation and sensitivity results; nothing is computed here.

User-written names (columns, labels) reach the figures as plotly text, HTML-escaped first
(plotly renders a few tags in text, so ``<b>`` in a column name must not become markup).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.refuters import refute
>>> from causal_core.refute_plots import refutation_histogram
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=500); t = w + rng.normal(size=500)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2 * t + w + rng.normal(size=500)})
>>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
>>> res = refute(df, ident, cc.estimate(df, ident), n_simulations=30)
>>> refutation_histogram(res).layout.title.text.startswith("Placebo treatment: passed (p = ")
True
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import fmt
from ._escape import plotly_text as _t
from .exceptions import EstimationError
from .refuters.base import RefutationResult
from .sensitivity import OVBSensitivity

__all__ = ["refutation_histogram", "confounder_heatmap", "sensitivity_contour", "check_figure",
           "check_title", "readable", "readable_layout"]

_REF = "#d62728"
_EST = "#1f77b4"
_BENCH = "#ff7f0e"


#: Characters per line of a plot or axis title: a plot beside another in a 1280 px window is
#: about 380 px wide, where a longer line of 14 px text is cut off (plotly does not wrap).
TITLE_WIDTH = 44
#: The same for axis titles (an axis beside long category labels can be half the plot wide).
AXIS_TITLE_WIDTH = 30


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """``text`` broken into lines of at most ``width`` characters at spaces (``<br>``).

    >>> wrap_title("Placebo treatment: passed (p = 0.98), 100 simulations", 30)
    'Placebo treatment: passed (p =<br>0.98), 100 simulations'
    """
    if not text or "<br>" in text or len(text) <= width:
        return text
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "<br>".join([*lines, line])


def readable(fig: go.Figure, layout: dict | None = None) -> go.Figure:
    """Labels never clipped or overlapping: every axis (and its title) grows the margin it
    needs (plotly ``automargin``), titles keep their distance from the ticks, long titles are
    wrapped (:func:`wrap_title`), and tick labels use :data:`causal_core.fmt.D3_NUMBER` (no
    ``1.9e+03``).

    Returns a new figure built once from the changed specification (:func:`readable_layout`),
    less the template (plotly's default, which the new figure gets again): plotly's
    ``update_*`` calls validate their whole path each time (8 ms a figure). ``layout``:
    top-level layout settings (a page's height and margins) set in the same build.
    """
    spec = fig.to_dict()
    spec.setdefault("layout", {}).pop("template", None)  # no engine figure sets another
    spec["layout"].update(layout or {})
    return go.Figure(readable_layout(spec))


def readable_layout(spec: dict) -> dict:
    """:func:`readable`'s changes made to a figure's specification (``data``, ``layout``),
    in place; returns ``spec``, for a figure built once."""
    layout = spec.setdefault("layout", {})
    title = layout.setdefault("title", {})
    title.update({"automargin": True, "x": 0.01, "xanchor": "left", "xref": "container",
                  "yref": "container", "y": 0.95, "yanchor": "top"})
    if title.get("text"):
        title["text"] = wrap_title(title["text"])
    for name in sorted({"xaxis", "yaxis", *(k for k in layout if k.startswith(("xaxis", "yaxis")))}):
        axis = layout.setdefault(name, {})
        axis["automargin"] = True
        axis_title = axis.setdefault("title", {})
        axis_title["standoff"] = 12
        if name in ("xaxis", "yaxis"):
            if axis_title.get("text"):
                axis_title["text"] = wrap_title(axis_title["text"], AXIS_TITLE_WIDTH)
            if axis.get("type") in (None, "-", "linear"):
                axis["tickformat"] = fmt.D3_NUMBER
    return spec


def check_title(result: RefutationResult) -> str:
    """The check's label, kind and verdict with the numbers it rests on (no pass/fail for
    sensitivity)."""
    head = _t(result.label)
    if result.kind == "falsification":
        return f"{head}: {result.verdict} (p = {fmt.pvalue(result.p_value)})"
    if result.kind == "stability":
        d = result.details
        return (f"{head}: {result.verdict} (moved {fmt.number(abs(d.get('shift_se')), 2)} SE; "
                f"tolerance {fmt.number(d.get('tolerance_se'))} SE)")
    return f"{head} (sensitivity: not a test)"


def refutation_histogram(result: RefutationResult, layout: dict | None = None) -> go.Figure:
    """Histogram of the simulated estimates, the reference value and the original estimate.

    The title gives the check, its verdict and the number it rests on (:func:`check_title`);
    ``layout`` as in :func:`readable`.
    """
    if not isinstance(result, RefutationResult):
        raise EstimationError(
            f"refutation_histogram needs a RefutationResult (from cc.refute); got "
            f"{type(result).__name__}."
        )
    implications = result.method == "graph_implications"
    if implications:  # a few partial correlations: one marker each, not a histogram
        data = [{"type": "scatter", "x": result.simulated.tolist(),
                 "y": [0.5] * result.simulated.size, "mode": "markers",
                 "name": "implied independences", "marker": {"color": "#757575", "size": 10},
                 "hovertemplate": f"%{{x:{fmt.D3_NUMBER}}}<extra></extra>"}]
    else:
        data = [{"type": "histogram", "x": result.simulated.tolist(), "name": "simulated estimates",
                 "marker": {"color": "#9e9e9e"}, "opacity": 0.8,
                 "hovertemplate": f"%{{x:{fmt.D3_NUMBER}}}: %{{y}} simulations<extra></extra>"}]
    lines = [(result.reference_value, "independent" if implications else "reference", _REF,
              "dash")]
    # the implications' values are partial correlations: the estimate is on another scale
    if result.original_value != result.reference_value and not implications:
        lines.append((result.original_value, "original estimate", _EST, "solid"))
    shapes = []
    for value, name, color, dash in lines:
        shapes.append({"type": "line", "x0": value, "x1": value, "xref": "x", "y0": 0, "y1": 1,
                       "yref": "y domain", "line": {"color": color, "dash": dash, "width": 2}})
        data.append({"type": "scatter", "x": [value], "y": [0], "mode": "markers",
                     "name": f"{name} ({fmt.number(value)})",
                     "marker": {"color": color, "size": 9, "symbol": "diamond"},
                     "hovertemplate": f"{name}: %{{x:{fmt.D3_NUMBER}}}<extra></extra>"})
    what = ("Partial correlation of each implied independence"
            if result.method == "graph_implications"
            else f"Estimated effect of {_t(result.treatment)} on {_t(result.outcome)}")
    spec = {
        "title": {"text": f"{check_title(result)}, {fmt.count(result.n_simulations)} "
                  f"{'test' if result.method == 'graph_implications' else 'simulation'}"
                  f"{'' if result.n_simulations == 1 else 's'}"},
        "xaxis": {"title": {"text": what}}, "yaxis": {"title": {"text": "Count"}},
        "bargap": 0.05, "legend": {"orientation": "h", "y": -0.3}, "shapes": shapes,
    }
    if implications:
        spec["yaxis"].update(visible=False, range=[-0.2, 1])
    spec.update(layout or {})
    return go.Figure(readable_layout({"data": data, "layout": spec}))


def control_plot(result: RefutationResult, layout: dict | None = None) -> go.Figure:
    """A negative-control check: its estimate (or partial correlation) with its interval,
    against the 0 it must be."""
    d = result.details
    value = float(result.simulated[0]) if result.simulated.size else float("nan")
    fig = go.Figure()
    lo, hi = d.get("ci_low"), d.get("ci_high")
    err = None
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        err = {"type": "data", "symmetric": False, "array": [hi - value],
               "arrayminus": [value - lo]}
    control = _t(str(result.params.get("negative_control")))
    fig.add_scatter(x=[value], y=[control], mode="markers", error_x=err,
                    marker={"size": 11, "color": _EST}, name="negative control",
                    hovertemplate=f"%{{x:{fmt.D3_NUMBER}}}<extra></extra>")
    fig.add_vline(x=0, line_color=_REF, line_dash="dash")
    what = ("Partial correlation with the outcome" if "partial_r" in d
            else f"Estimated 'effect' of {_t(result.treatment)} (must be 0)")
    fig.update_layout(title=check_title(result), xaxis_title=what, showlegend=False,
                      yaxis_title="")
    return readable(fig, layout)


def check_figure(result: RefutationResult, layout: dict | None = None) -> go.Figure:
    """The figure that fits a check: the confounder heat map, the negative-control interval,
    or the histogram of simulated values; ``layout`` as in :func:`readable`."""
    if result.surface is not None:
        return confounder_heatmap(result, layout)
    if result.method.startswith("negative_control"):
        return control_plot(result, layout)
    return refutation_histogram(result, layout)


def confounder_heatmap(result: RefutationResult, layout: dict | None = None) -> go.Figure:
    """Heatmap of the effect under simulated confounders (``unobserved_common_cause``).

    x: partial R² of the confounder with the treatment; y: with the outcome. The zero line
    and the benchmark confounder are marked. ``layout`` as in :func:`readable`.
    """
    s = result.surface if isinstance(result, RefutationResult) else None
    if s is None:
        raise EstimationError(
            "confounder_heatmap needs the result of the unobserved_common_cause refuter "
            "(cc.refute(..., method='unobserved_common_cause'))."
        )
    z = s.effects.T
    fig = go.Figure()
    lim = float(np.nanmax(np.abs(z))) or 1.0
    fig.add_heatmap(
        x=list(s.r2_treatment), y=list(s.r2_outcome), z=z.tolist(), zmid=0.0, zmin=-lim,
        zmax=lim, colorscale="RdBu", colorbar={"title": {"text": "effect"}},
        hovertemplate="R² treatment %{x:.3f}<br>R² outcome %{y:.3f}<br>effect "
        f"%{{z:{fmt.D3_NUMBER}}}<extra></extra>",
    )
    if len(s.r2_treatment) > 1 and len(s.r2_outcome) > 1:
        fig.add_contour(x=list(s.r2_treatment), y=list(s.r2_outcome), z=z.tolist(),
                        contours={"start": 0, "end": 0, "size": 1, "coloring": "none",
                                  "showlabels": True}, line={"color": "black", "dash": "dash"},
                        showscale=False, name="effect = 0", hoverinfo="skip")
    fig.add_scatter(
        x=[s.benchmark_r2_treatment], y=[s.benchmark_r2_outcome], mode="markers+text",
        text=[_t(s.benchmark_label)], textposition="top right", name="benchmark",
        marker={"color": _BENCH, "size": 12, "symbol": "diamond",
                "line": {"color": "black", "width": 1}},
        hovertemplate=f"benchmark: effect {fmt.number(s.benchmark_effect)}<extra></extra>",
    )
    flip = ("no sign flip up to R² " + fmt.number(s.max_r2_searched) if s.sign_flip_r2 is None
            else f"sign flips at R² = {fmt.number(s.sign_flip_r2)}")
    fig.update_layout(
        title=f"Effect of {_t(result.treatment)} under a missing confounder ({flip})",
        xaxis_title="Confounder's partial R² with the treatment",
        yaxis_title="Confounder's partial R²<br>with the outcome",
        showlegend=False,
    )
    return readable(fig, layout)


def sensitivity_contour(sens: OVBSensitivity, layout: dict | None = None) -> go.Figure:
    """Cinelli & Hazlett's contour plot of the adjusted estimate.

    Contours of the bias-adjusted estimate over the confounder's partial R² with treatment
    (x) and outcome (y); the zero contour dashed red, the unadjusted estimate, the robustness
    value ``RV_q`` on the diagonal and the benchmark covariates marked. ``layout`` as in
    :func:`readable`.
    """
    if not isinstance(sens, OVBSensitivity):
        raise EstimationError(
            f"sensitivity_contour needs the result of cc.ovb_sensitivity; got "
            f"{type(sens).__name__}."
        )
    x, y = list(sens.grid_r2dz), list(sens.grid_r2yz)
    z = sens.grid_estimate.T.tolist()
    fig = go.Figure()
    fig.add_contour(x=x, y=y, z=z, colorscale="Greys", reversescale=True, opacity=0.6,
                    contours={"showlabels": True, "coloring": "lines"}, name="adjusted estimate",
                    colorbar={"title": {"text": "adjusted estimate"}},
                    hovertemplate="R² treatment %{x:.3f}<br>R² outcome %{y:.3f}<br>"
                    f"adjusted %{{z:{fmt.D3_NUMBER}}}<extra></extra>")
    fig.add_contour(x=x, y=y, z=z, showscale=False, hoverinfo="skip", name="zero",
                    contours={"start": 0, "end": 0, "size": 1, "coloring": "none"},
                    line={"color": _REF, "dash": "dash", "width": 2})
    fig.add_scatter(x=[0], y=[0], mode="markers+text", text=[f"unadjusted ({fmt.number(sens.estimate)})"],
                    textposition="top right", marker={"color": "black", "size": 9,
                                                      "symbol": "triangle-up"},
                    name="unadjusted", hoverinfo="skip")
    fig.add_scatter(x=[sens.rv_q], y=[sens.rv_q], mode="markers+text",
                    text=[f"RV = {fmt.number(sens.rv_q)}"], textposition="bottom right",
                    marker={"color": _REF, "size": 10, "symbol": "x"}, name="robustness value",
                    hoverinfo="skip")
    if sens.benchmarks:
        b = sens.benchmarks
        fig.add_scatter(
            x=[v.r2dz_x for v in b], y=[v.r2yz_dx for v in b], mode="markers+text",
            text=[f"{_t(v.label)} ({fmt.number(v.adjusted_estimate)})" for v in b],
            textposition="top right", name="benchmarks",
            marker={"color": _BENCH, "size": 10, "symbol": "diamond",
                    "line": {"color": "black", "width": 1}},
            hovertemplate="R² treatment %{x:.3f}<br>R² outcome %{y:.3f}<extra></extra>",
        )
    fig.update_layout(
        title=f"Sensitivity of the effect of {_t(sens.treatment)} on {_t(sens.outcome)} "
        f"(RV = {fmt.number(sens.rv_q)}, RV at {fmt.number(sens.alpha)} = "
        f"{fmt.number(sens.rv_qa)})",
        xaxis_title="Partial R² of the confounder with the treatment",
        yaxis_title="Partial R² of the confounder<br>with the outcome",
        xaxis_range=[0, max(x)], yaxis_range=[0, max(y)], showlegend=False,
    )
    return readable(fig, layout)
