"""Plotly figures of refutation and sensitivity results."""

from __future__ import annotations

import pytest

from causal_core.estimators import estimate
from causal_core.exceptions import EstimationError
from causal_core.graph import CausalGraph
from causal_core.identify import identify
from causal_core.refute_plots import confounder_heatmap, refutation_histogram, sensitivity_contour
from causal_core.refuters import refute
from causal_core.sensitivity import ovb_sensitivity

from .conftest_estimation import synthetic

NAMES = {"T": "<b>dose</b>", "Y": "y&<i>", "W1": "<script>w</script>"}
DATA = synthetic(n=800).rename(columns=NAMES)
EDGES = [("W1", "T"), ("W1", "Y"), ("R", "T"), ("R", "Y"), ("T", "Y")]
IDENT = identify(CausalGraph(edges=[(NAMES.get(a, a), NAMES.get(b, b)) for a, b in EDGES]),
                 NAMES["T"], NAMES["Y"])
EST = estimate(DATA, IDENT)


def _texts(fig) -> str:
    parts = [fig.layout.title.text or "", fig.layout.xaxis.title.text or "",
             fig.layout.yaxis.title.text or ""]
    for tr in fig.data:
        parts += [str(tr.name or ""), " ".join(map(str, getattr(tr, "text", None) or []))]
    return " ".join(parts)


def _escaped(fig) -> None:
    text = _texts(fig)
    assert "<b>" not in text and "<script>" not in text and "<i>" not in text


def test_refutation_histogram():
    res = refute(DATA, IDENT, EST, method="placebo_treatment", n_simulations=30)
    fig = refutation_histogram(res)
    assert f"p = {res.p_value:.2f}" in fig.layout.title.text
    assert "Placebo treatment" in fig.layout.title.text
    assert len(fig.data[0].x) == 30
    assert {round(s.x0, 9) for s in fig.layout.shapes} == {0.0, round(EST.value, 9)}
    assert "&lt;b&gt;dose&lt;/b&gt;" in fig.layout.xaxis.title.text
    _escaped(fig)


def test_confounder_heatmap():
    res = refute(DATA, IDENT, EST, method="unobserved_common_cause", n_grid=4)
    fig = confounder_heatmap(res)
    heat = fig.data[0]
    assert len(heat.x) == 4 and len(heat.z) == 4
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert any(res.surface.benchmark_label.split()[0] in " ".join(tr.text or [])
               for tr in fig.data if tr.type == "scatter")
    _escaped(fig)


def test_sensitivity_contour():
    sens = ovb_sensitivity(DATA, IDENT, EST)
    fig = sensitivity_contour(sens)
    assert f"RV = {sens.rv_q:.3f}" in fig.layout.title.text
    names = [tr.name for tr in fig.data]
    assert "robustness value" in names and "benchmarks" in names
    bench = next(tr for tr in fig.data if tr.name == "benchmarks")
    assert len(bench.x) == len(sens.benchmarks)
    _escaped(fig)


def test_plots_reject_the_wrong_result():
    res = refute(DATA, IDENT, EST, method="data_subset", n_simulations=5)
    with pytest.raises(EstimationError, match="unobserved_common_cause"):
        confounder_heatmap(res)
    with pytest.raises(EstimationError, match="RefutationResult"):
        refutation_histogram(EST)
    with pytest.raises(EstimationError, match="ovb_sensitivity"):
        sensitivity_contour(res)
