"""Plotly figures of estimation results."""

from __future__ import annotations

import pytest

from causal_core.estimators import estimate
from causal_core.exceptions import EstimationError
from causal_core.graph import CausalGraph
from causal_core.identify import identify
from causal_core.plots import forest_plot, love_plot, propensity_overlap

from .conftest_estimation import synthetic, synthetic_ident

DATA = synthetic(n=1500)
IDENT = synthetic_ident()


def test_overlap_and_love_plot():
    est = estimate(DATA, IDENT, method="ipw")
    fig = propensity_overlap(est)
    assert len(fig.data) == 2 and "overlap" in fig.layout.title.text
    assert sum(fig.data[0].y) == est.diagnostics["propensity"].n_treated
    fig = love_plot(est)
    assert set(fig.data[0].y) == {"W1", "R=north", "R=south"}
    assert fig.layout.xaxis.title.text


def test_plots_need_propensity_diagnostics():
    with pytest.raises(EstimationError, match="propensity"):
        love_plot(estimate(DATA, IDENT, method="naive"))


def test_forest_plot_and_escaping():
    names = {"T": "<b>dose</b>", "Y": "y&<i>"}
    d = DATA.rename(columns=names)
    g = CausalGraph(edges=[(names.get(a, a), names.get(b, b)) for a, b in
                           [("W1", "T"), ("W1", "Y"), ("R", "T"), ("R", "Y"), ("T", "Y")]])
    ident = identify(g, "<b>dose</b>", "y&<i>")
    ests = [estimate(d, ident, method=m) for m in ("naive", "linear_regression", "ipw")]
    fig = forest_plot(ests, reference=3.0, reference_label="<script>truth</script>")
    assert "<b>" not in fig.layout.title.text and "&lt;b&gt;dose" in fig.layout.title.text
    assert list(fig.data[0].x) == [e.value for e in ests]
    assert "<script>" not in str(fig.to_dict())
    with pytest.raises(EstimationError):
        forest_plot([])
    with pytest.raises(EstimationError, match="labels"):
        forest_plot(ests, labels=["a"])
