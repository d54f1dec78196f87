"""Figures and sentences of the What-if page, built from the cached results (nothing fitted here).

User names (columns) reach plotly escaped with :func:`causal_core._escape.plotly_text`; the
sentences go to ``st.markdown``/``st.write`` as plain text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from causal_core._escape import plotly_text as _t
from causal_core.whatif import Curve, Question, effects_by_group, effects_summary, fmt

__all__ = ["fmt", "md", "curve_figure", "effects_histogram", "mechanism_table"]

_SEE = "#1f77b4"
_DO = "#d62728"
_HEIGHT = 340


def md(name: Any) -> str:
    """A user name made literal for ``st.markdown`` (no emphasis, links, LaTeX or colour tags)."""
    return "".join("\\" + c if c in "\\`*_[]$~:<>|#{}" else c for c in str(name))


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str) -> go.Figure:
    fig.update_layout(title={"text": _t(title), "font": {"size": 14}}, height=_HEIGHT,
                      xaxis_title=_t(xtitle), yaxis_title=_t(ytitle),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": -0.45, "x": 0})
    return fig


def curve_figure(q: Question, seeing: Curve, doing: Curve | None, x: Any) -> go.Figure:
    """Seeing (and, when given, doing) over the treatment values, with the chosen x marked."""
    fig = go.Figure()
    discrete = q.kind != "continuous"
    xs = [_t(v) for v in seeing.x] if discrete else list(seeing.x)
    see_name = f"E[{q.outcome} | {q.treatment} = x]  (seeing, data)"
    if discrete:
        fig.add_bar(x=xs, y=list(seeing.y), name=_t(see_name), marker_color=_SEE,
                    customdata=list(seeing.n), hovertemplate="%{y:.4g} (%{customdata} rows)<extra></extra>")
    else:
        fig.add_scatter(x=xs, y=list(seeing.y), mode="lines+markers", name=_t(see_name),
                        line={"color": _SEE}, customdata=list(seeing.n),
                        hovertemplate="x≈%{x:.4g}: %{y:.4g} (%{customdata} rows)<extra></extra>")
    if doing is not None:
        do_name = f"E[{q.outcome} | do({q.treatment} = x)]  (doing, model)"
        dx = [_t(v) for v in doing.x] if discrete else list(doing.x)
        if discrete:
            fig.add_bar(x=dx, y=list(doing.y), name=_t(do_name), marker_color=_DO)
        else:
            fig.add_scatter(x=dx, y=list(doing.y), mode="lines", name=_t(do_name),
                            line={"color": _DO, "width": 3})
    if discrete:
        fig.update_layout(barmode="group", xaxis_type="category")
    else:
        fig.add_vline(x=float(x), line_dash="dot", line_color="#555")
    title = f"{q.outcome} by {q.treatment}: " + ("seeing vs doing" if doing is not None else "seeing")
    return _layout(fig, title, f"{q.treatment} (x)", f"mean {q.outcome}")


def effects_histogram(q: Question, effects: pd.Series, label: str, marked: float | None,
                      groups: pd.Series | None = None) -> go.Figure:
    """The unit-level effects; the picked unit's effect as a dashed line when known; one colour
    per value of ``groups`` (aligned with ``effects``) when given."""
    fig = go.Figure()
    title = f"Unit-level effects on {q.outcome} ({len(effects):,} units)"
    mean, all_equal = effects_summary(effects)
    if all_equal:  # one effect for all (linear mechanisms)
        half = max(abs(mean) * 0.01, 1e-6)
        fig.add_histogram(x=[mean] * len(effects), xbins={"start": mean - half, "end": mean + half,
                                                          "size": 2 * half}, marker_color=_DO)
        fig.update_xaxes(range=[mean - 25 * half, mean + 25 * half])
        title = f"Unit-level effects on {q.outcome}: all equal"
    elif groups is not None:
        for level, part, part_mean in effects_by_group(effects, groups):
            name = f"{groups.name} = {fmt(level)} ({len(part):,}, mean {fmt(part_mean)})"
            fig.add_histogram(x=part, nbinsx=40, opacity=0.75, name=_t(name),
                              hovertemplate="%{x}: %{y} units<extra></extra>")
        fig.update_layout(barmode="overlay", showlegend=True, legend={"orientation": "h", "y": -0.3})
    else:
        fig.add_histogram(x=effects.to_list(), nbinsx=40, marker_color=_DO, opacity=0.8, name="units",
                          hovertemplate="%{x}: %{y} units<extra></extra>")
    fig.add_vline(x=mean, line_color="#222", annotation_text=f"mean {fmt(mean)}",
                  annotation_position="top")
    if marked is not None:  # label on the side away from the mean's, inside the plot
        side = "left" if marked > mean else "right"
        fig.add_vline(x=marked, line_dash="dash", line_color="#555", annotation_text="this unit",
                      annotation_position=f"bottom {side}", annotation_bgcolor="rgba(255,255,255,0.8)")
    if groups is None:
        fig.update_layout(showlegend=False)
    return _layout(fig, title, label, "units")


def mechanism_table(scm: Any) -> pd.DataFrame:
    """One row per node: its parents, the model chosen and the cross-validated scores."""
    rows = []
    for m in scm.mechanisms.values():
        cv = dict(m.cv_scores)
        rows.append({"node": m.node, "parents": ", ".join(m.parents) or "(root)",
                     "mechanism": {"root": "resampled from the data", "regression": "f(parents) + noise",
                                   "classifier": "classifier"}.get(m.kind, m.kind),
                     "model": m.model, "score": m.score,
                     "score is": {"r2": "CV R²", "accuracy": "CV accuracy"}.get(m.score_name, ""),
                     "linear (CV)": cv.get("linear"), "boosting (CV)": cv.get("boosting")})
    return pd.DataFrame(rows)
