"""Plotly figures built from result objects; nothing is computed here.

Every user-written name (column, method label) reaches the figure as plotly text, escaped
first (plotly renders a few HTML tags in text, so ``<b>`` in a column name must not become
markup).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.plots import forest_plot
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=1000); t = (w + rng.normal(size=1000) > 0).astype(int)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2 * t + w + rng.normal(size=1000)})
>>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
>>> fig = forest_plot([cc.estimate(df, ident, method=m) for m in ("naive", "ipw")])
>>> len(fig.data)
1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import fmt
from ._escape import plotly_text as _t
from .estimators.result import EffectEstimate, PropensityDiagnostics
from .exceptions import EstimationError

__all__ = ["distribution_figure", "propensity_overlap", "love_plot", "forest_plot", "refutation_histogram",
           "confounder_heatmap", "sensitivity_contour", "check_figure", "readable"]

_BAR = "#4c78a8"
_FEW = 12  # whole numbers with at most this many distinct values get a bar per value
_TREATED = "#d62728"
_CONTROL = "#1f77b4"


def _diagnostics(source: EffectEstimate | PropensityDiagnostics) -> PropensityDiagnostics:
    if isinstance(source, PropensityDiagnostics):
        return source
    diag = source.diagnostics.get("propensity") if isinstance(source, EffectEstimate) else None
    if not isinstance(diag, PropensityDiagnostics):
        method = getattr(source, "method", type(source).__name__)
        raise EstimationError(
            f"This plot needs propensity diagnostics, which the {method!r} estimate does not "
            "have. Use a propensity method: propensity_matching, propensity_stratification, "
            "ipw or aipw."
        )
    return diag


def propensity_overlap(source: EffectEstimate | PropensityDiagnostics) -> go.Figure:
    """Mirrored histograms of the propensity score: treated above, controls below.

    Parameters
    ----------
    source : EffectEstimate or PropensityDiagnostics
        A propensity-based estimate (its ``diagnostics["propensity"]``) or the diagnostics.
    """
    d = _diagnostics(source)
    edges = d.bin_edges
    mids = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    width = edges[1] - edges[0]
    fig = go.Figure()
    fig.add_bar(x=mids, y=list(d.counts_treated), width=width, name=f"treated (n={d.n_treated})",
                marker_color=_TREATED, hovertemplate="score %{x:.3f}: %{y:,} treated<extra></extra>")
    fig.add_bar(x=mids, y=[-c for c in d.counts_control], width=width,
                name=f"control (n={d.n_control})", marker_color=_CONTROL,
                customdata=list(d.counts_control),
                hovertemplate="score %{x:.3f}: %{customdata} control<extra></extra>")
    fig.update_layout(
        title=f"Propensity score overlap ({fmt.percent(d.share_outside_overlap)} of rows outside "
        "the common range)",
        xaxis_title="Propensity score P(treated | covariates)",
        yaxis_title="Rows (controls drawn downwards)",
        barmode="overlay", bargap=0.0, legend={"orientation": "h", "y": -0.2},
    )
    fig.update_xaxes(range=[0, 1])
    return readable(fig)


def love_plot(source: EffectEstimate | PropensityDiagnostics, threshold: float = 0.1) -> go.Figure:
    """Absolute standardised mean differences before and after adjustment, per covariate.

    Parameters
    ----------
    source : EffectEstimate or PropensityDiagnostics
    threshold : float
        Balance threshold drawn as a dashed line (0.1 is customary).
    """
    d = _diagnostics(source)
    rows = sorted(d.balance, key=lambda b: abs(b.smd_before))
    names = [_t(b.covariate) for b in rows]
    fig = go.Figure()
    fig.add_scatter(x=[abs(b.smd_before) for b in rows], y=names, mode="markers",
                    name="before", marker={"color": "#7f7f7f", "size": 9, "symbol": "circle-open"})
    fig.add_scatter(x=[abs(b.smd_after) for b in rows], y=names, mode="markers",
                    name="after", marker={"color": _TREATED, "size": 9})
    fig.add_vline(x=threshold, line_dash="dash", line_color="#555")
    fig.update_layout(
        title="Covariate balance (Love plot)",
        xaxis_title="|Standardised mean difference|",
        yaxis_title="Covariate",
        height=max(300, 60 + 28 * len(rows)),
        legend={"orientation": "h", "y": -0.2},
    )
    return readable(fig)


def forest_plot(
    estimates: Sequence[EffectEstimate],
    labels: Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str = "reference",
) -> go.Figure:
    """Point estimates with their confidence intervals, one row per estimate.

    Parameters
    ----------
    estimates : list of EffectEstimate
    labels : list of str, optional
        Row labels (default: each estimate's method label and target).
    reference : float, optional
        A value to draw as a vertical line (e.g. a known truth or benchmark).
    reference_label : str
        Its legend text.
    """
    estimates = list(estimates)
    if not estimates:
        raise EstimationError("forest_plot needs at least one estimate; got none.")
    if labels is None:
        labels = [f"{e.method_label} ({e.target.upper()})" for e in estimates]
    if len(labels) != len(estimates):
        raise EstimationError(
            f"forest_plot got {len(labels)} labels for {len(estimates)} estimates; give one each."
        )
    names = [_t(lb) for lb in labels]
    fig = go.Figure()
    fig.add_scatter(
        x=[e.value for e in estimates], y=names, mode="markers", name="estimate",
        marker={"size": 10, "color": "#222"},
        error_x={"type": "data", "symmetric": False,
                 "array": [e.ci_high - e.value for e in estimates],
                 "arrayminus": [e.value - e.ci_low for e in estimates]},
        customdata=[[e.ci_low, e.ci_high, e.level] for e in estimates],
        hovertemplate=f"%{{x:{fmt.D3_NUMBER}}} [%{{customdata[0]:{fmt.D3_NUMBER}}}, "
        f"%{{customdata[1]:{fmt.D3_NUMBER}}}] (%{{customdata[2]}} CI)<extra></extra>",
    )
    fig.add_vline(x=0, line_color="#999")
    if reference is not None:
        fig.add_vline(x=float(reference), line_dash="dash", line_color=_TREATED,
                      annotation_text=_t(reference_label))
    first = estimates[0]
    fig.update_layout(
        title=_t(f"Effect of {first.treatment} on {first.outcome}"),
        xaxis_title=f"Estimated effect with {first.level} confidence interval",
        yaxis={"autorange": "reversed", "title": ""},
        height=max(300, 80 + 40 * len(estimates)),
        showlegend=False,
    )
    return readable(fig)


# The refutation and sensitivity figures live in their own module; re-exported here so that
# every figure is reachable as ``causal_core.plots.<name>``.
from .refute_plots import (  # noqa: E402
    check_figure,
    confounder_heatmap,
    readable,
    readable_layout,
    refutation_histogram,
    sensitivity_contour,
)


def distribution_figure(values: pd.Series, name: object, bins: int = 40, top: int = 30,
                        height: int = 320) -> go.Figure:
    """One column's distribution: counts in ``bins`` equal bins for numbers and dates (a bar
    per value for whole numbers with at most 12 distinct values, such as 0/1 codes), the
    ``top`` most frequent values (the rest as one bar) for anything else.

    The counts are computed here, so the figure's size does not grow with the rows (plotly
    express sent every value to the browser, and took 28 ms a figure on 2,000 rows); what is
    not drawn (missing cells, infinite values) is said in the title.

    Examples
    --------
    >>> fig = distribution_figure(pd.Series([1.0, 2.0, 2.5, np.nan]), "x", bins=2)
    >>> list(fig.data[0].y), fig.layout.title.text
    ([1, 2], 'Distribution of x (1 missing not shown)')
    >>> distribution_figure(pd.Series(["a", "b", "a"]), "g").data[0].x
    ('a', 'b')
    """
    s = pd.Series(values)
    missing = int(s.isna().sum())
    kept = s.dropna()
    skipped = [f"{missing:,} missing"] if missing else []
    axis: dict = {"title": {"text": _t(name)}}
    if pd.api.types.is_datetime64_any_dtype(kept.dtype):
        data, axis = _dated(pd.DatetimeIndex(kept), bins), {"title": {"text": "date"}, "type": "date"}
    elif pd.api.types.is_numeric_dtype(kept.dtype) and not pd.api.types.is_bool_dtype(kept.dtype):
        numbers = kept.to_numpy(dtype=float)
        finite = np.isfinite(numbers)
        if not finite.all():
            skipped.append(f"{int((~finite).sum()):,} infinite")
        whole = numbers[finite]
        levels = np.unique(whole)
        if 0 < levels.size <= _FEW and np.array_equal(levels, np.round(levels)):
            data = _levels(whole, levels)  # codes such as 0/1 or 1-5: a bar per value
            axis.update(tickmode="array", tickvals=levels.tolist())  # the values, not 0.5 steps
        else:
            data = _binned(whole, bins)
    else:
        data = _counted(kept, top)
    title = f"Distribution of {_t(name)}" + (f" ({', '.join(skipped)} not shown)" if skipped else "")
    layout = {"title": {"text": title}, "height": height, "bargap": 0.02, "showlegend": False,
              "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
              "xaxis": axis, "yaxis": {"title": {"text": "rows"}}}
    if not data:
        layout["annotations"] = [{"text": "no values to draw", "showarrow": False,
                                  "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}]
    return go.Figure(readable_layout({"data": data, "layout": layout}))


def _binned(numbers: np.ndarray, bins: int) -> list[dict]:
    """A bar per bin: its centre, width and count (hover: the bin's bounds)."""
    if numbers.size == 0:
        return []
    counts, edges = np.histogram(numbers, bins=bins)
    return [{"type": "bar", "x": ((edges[:-1] + edges[1:]) / 2).tolist(),
             "width": np.diff(edges).tolist(), "y": counts.tolist(), "marker": {"color": _BAR},
             "customdata": np.column_stack([edges[:-1], edges[1:]]).tolist(),
             "hovertemplate": f"%{{customdata[0]:{fmt.D3_NUMBER}}} to "
             f"%{{customdata[1]:{fmt.D3_NUMBER}}}: %{{y}} rows<extra></extra>"}]


def _dated(dates: pd.DatetimeIndex, bins: int) -> list[dict]:
    """:func:`_binned` for dates of any unit or time zone: bins of nanoseconds since the epoch,
    shown as the column's own wall-clock dates (plotly reads no zone offset; a bar's width is
    in milliseconds, as plotly reads it)."""
    if dates.size == 0:
        return []
    counts, edges = np.histogram(dates.as_unit("ns").asi8, bins=bins)

    def shown(ns: np.ndarray) -> list[str]:
        at = pd.to_datetime(ns, utc=dates.tz is not None)
        return [str(v) for v in (at.tz_convert(dates.tz).tz_localize(None)
                                 if dates.tz is not None else at)]

    lows, highs = shown(edges[:-1]), shown(edges[1:])
    return [{"type": "bar", "x": shown((edges[:-1] + edges[1:]) / 2),
             "width": (np.diff(edges) / 1e6).tolist(), "y": counts.tolist(),
             "marker": {"color": _BAR}, "customdata": [list(p) for p in zip(lows, highs, strict=True)],
             "hovertemplate": "%{customdata[0]} to %{customdata[1]}: %{y} rows<extra></extra>"}]


def _levels(numbers: np.ndarray, levels: np.ndarray) -> list[dict]:
    """A bar per whole-number value, in order of value."""
    counts = np.searchsorted(levels, numbers)
    return [{"type": "bar", "x": levels.tolist(), "y": np.bincount(counts).tolist(),
             "width": 0.8, "marker": {"color": _BAR},
             "hovertemplate": f"%{{x:{fmt.D3_NUMBER}}}: %{{y}} rows<extra></extra>"}]


def _counted(values: pd.Series, top: int) -> list[dict]:
    """A bar per value, the most frequent first; past ``top`` values, one bar for the rest."""
    if values.empty:
        return []
    counts = values.astype(object).map(str).value_counts(sort=True)
    shown = counts.iloc[:top]
    labels = [_t(v) for v in shown.index]
    heights = shown.tolist()
    if len(counts) > top:
        labels.append(f"other ({len(counts) - top:,} values)")
        heights.append(int(counts.iloc[top:].sum()))
    return [{"type": "bar", "x": labels, "y": heights, "marker": {"color": _BAR},
             "hovertemplate": "%{x}: %{y} rows<extra></extra>"}]
