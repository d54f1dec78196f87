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


def _histogram_by_plotlys_own_calls(result):
    """The histogram built through plotly's incremental API (add_*, add_vline, update_layout
    and then ``readable``), as the engine built it before it wrote the figure out at once."""
    import plotly.graph_objects as go

    from causal_core import fmt
    from causal_core._escape import plotly_text
    from causal_core.refute_plots import _EST, _REF, check_title, readable

    fig = go.Figure()
    impl = result.method == "graph_implications"
    if impl:
        fig.add_scatter(x=result.simulated.tolist(), y=[0.5] * result.simulated.size,
                        mode="markers", name="implied independences",
                        marker={"color": "#757575", "size": 10},
                        hovertemplate=f"%{{x:{fmt.D3_NUMBER}}}<extra></extra>")
        fig.update_yaxes(visible=False, range=[-0.2, 1])
    else:
        fig.add_histogram(x=result.simulated.tolist(), name="simulated estimates",
                          marker_color="#9e9e9e", opacity=0.8,
                          hovertemplate=f"%{{x:{fmt.D3_NUMBER}}}: %{{y}} simulations<extra></extra>")
    lines = [(result.reference_value, "independent" if impl else "reference", _REF, "dash")]
    if result.original_value != result.reference_value and not impl:
        lines.append((result.original_value, "original estimate", _EST, "solid"))
    for value, name, color, dash in lines:
        fig.add_vline(x=value, line_color=color, line_dash=dash, line_width=2)
        fig.add_scatter(x=[value], y=[0], mode="markers", name=f"{name} ({fmt.number(value)})",
                        marker={"color": color, "size": 9, "symbol": "diamond"},
                        hovertemplate=f"{name}: %{{x:{fmt.D3_NUMBER}}}<extra></extra>")
    what = ("Partial correlation of each implied independence" if impl else
            f"Estimated effect of {plotly_text(result.treatment)} on {plotly_text(result.outcome)}")
    noun = "test" if impl else "simulation"
    fig.update_layout(
        title=f"{check_title(result)}, {fmt.count(result.n_simulations)} {noun}"
        f"{'' if result.n_simulations == 1 else 's'}",
        xaxis_title=what, yaxis_title="Count", bargap=0.05, legend={"orientation": "h", "y": -0.3})
    return readable(fig)


@pytest.mark.parametrize("method", ["placebo_treatment", "bootstrap"])
def test_the_histogram_written_at_once_is_the_figure_plotlys_calls_build(method):
    import dataclasses

    import numpy as np

    res = refute(DATA, IDENT, EST, method=method, n_simulations=20, random_state=1)
    for r in (res, dataclasses.replace(res, treatment="<b>t</b>", n_simulations=1,
                                       simulated=np.array([0.5]), original_value=res.reference_value),
              dataclasses.replace(res, method="graph_implications", n_simulations=3,
                                  simulated=np.array([0.1, -0.2, 0.05]))):
        assert refutation_histogram(r).to_dict() == _histogram_by_plotlys_own_calls(r).to_dict()


def test_a_pages_layout_given_to_a_figure_is_what_update_layout_gives():
    """The page's height and margins set in the figure's one build, not by a second
    validated ``update_layout`` (1.25 ms a figure, measured), with the same result."""
    from causal_core.refute_plots import check_figure

    page = {"height": 360, "margin": {"l": 10, "r": 10, "t": 50, "b": 10}}
    results = [refute(DATA, IDENT, EST, method=m, n_simulations=10, random_state=2, **kw)
               for m, kw in (("placebo_treatment", {}), ("unobserved_common_cause", {"n_grid": 3}))]
    for res in results:
        assert check_figure(res, page).to_dict() == check_figure(res).update_layout(**page).to_dict()
    sens = ovb_sensitivity(DATA, IDENT, EST)
    assert (sensitivity_contour(sens, {"height": 420}).to_dict()
            == sensitivity_contour(sens).update_layout(height=420).to_dict())
