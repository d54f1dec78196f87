"""Figures and sentences of the What-if page, built from the cached results (nothing fitted here).

User names (columns) reach plotly escaped with :func:`causal_core._escape.plotly_text`; the
sentences go to ``st.markdown``/``st.write`` as plain text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from causal_core._escape import plotly_text as _t
from ui.whatif_state import Curve, Question

_SEE = "#1f77b4"
_DO = "#d62728"
_HEIGHT = 340


def fmt(v: Any, sign: bool = False) -> str:
    """A number in 4 significant digits, whole from 10,000 on (no exponent); levels as they are."""
    if not isinstance(v, float | int | np.floating | np.integer) or isinstance(v, bool):
        return str(v)
    plus = "+" if sign else ""
    return f"{v:{plus},.0f}" if abs(v) >= 1e4 else f"{v:{plus},.4g}"


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
    v = effects.to_numpy(dtype=float)
    title = f"Unit-level effects on {q.outcome} ({len(effects):,} units)"
    if np.ptp(v) <= 1e-9 * max(1.0, abs(float(v.mean()))):  # one effect for all (linear mechanisms)
        mid, half = float(v.mean()), max(abs(float(v.mean())) * 0.01, 1e-6)
        fig.add_histogram(x=np.full_like(v, mid), xbins={"start": mid - half, "end": mid + half,
                                                         "size": 2 * half}, marker_color=_DO)
        fig.update_xaxes(range=[mid - 25 * half, mid + 25 * half])
        title = f"Unit-level effects on {q.outcome}: all equal"
    elif groups is not None:
        for level in sorted(groups.unique().tolist()):
            part = effects[groups.to_numpy() == level]
            name = f"{groups.name} = {fmt(level)} ({len(part):,}, mean {part.mean():.3g})"
            fig.add_histogram(x=part.to_numpy(dtype=float), nbinsx=40, opacity=0.75, name=_t(name),
                              hovertemplate="%{x}: %{y} units<extra></extra>")
        fig.update_layout(barmode="overlay", showlegend=True, legend={"orientation": "h", "y": -0.3})
    else:
        fig.add_histogram(x=v, nbinsx=40, marker_color=_DO, opacity=0.8, name="units",
                          hovertemplate="%{x}: %{y} units<extra></extra>")
    fig.add_vline(x=float(effects.mean()), line_color="#222",
                  annotation_text=f"mean {effects.mean():.3g}", annotation_position="top")
    if marked is not None:  # label on the side away from the mean's, inside the plot
        side = "left" if marked > float(effects.mean()) else "right"
        fig.add_vline(x=marked, line_dash="dash", line_color="#555", annotation_text="this unit",
                      annotation_position=f"bottom {side}", annotation_bgcolor="rgba(255,255,255,0.8)")
    if groups is None:
        fig.update_layout(showlegend=False)
    return _layout(fig, title, label, "units")


def gap_sentence(q: Question, seeing: Curve, doing: Curve, confounders: list[str] | None) -> str:
    """Seeing versus doing in words, naming the confounders (None: no back-door path)."""
    see, do = seeing.effect, doing.effect
    t, y = md(q.treatment), md(q.outcome)
    confounders = None if confounders is None else [md(c) for c in confounders]
    if q.kind == "continuous":
        head = (f"**Seeing:** units with one more unit of {t} have {y} {fmt(see, True)} "
                f"on average. **Doing:** raising {t} by one unit causes {fmt(do, True)}.")
    else:
        t1, t0 = md(fmt(q.levels[-1])), md(fmt(q.levels[0]))
        head = (f"**Seeing:** units with {t} = {t1} have {y} {fmt(see, True)} compared "
                f"with {t} = {t0}. **Doing:** setting {t} to {t1} instead of {t0} "
                f"causes {fmt(do, True)}.")
    gap = see - do
    if confounders:
        names = ", ".join(confounders[:-1]) + (" and " if len(confounders) > 1 else "") + confounders[-1]
        verb = "moves" if len(confounders) == 1 else "move"
        why = (f"The difference ({fmt(gap, True)}) is confounding by {names}, which {verb} both {t} and "
               f"{y}: the association mixes their influence with the treatment's.")
        if abs(gap) < 0.1 * max(abs(see), abs(do), 1e-12):
            why = (f"Here the two nearly agree ({fmt(gap, True)}): {names} "
                   f"{'confounds' if len(confounders) == 1 else 'confound'} little in these data.")
    else:
        why = (f"The graph has no back-door path from {t} to {y}, so seeing and "
               f"doing should agree; the difference ({fmt(gap, True)}) is sampling noise and model error.")
    return f"{head} {why}"


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
