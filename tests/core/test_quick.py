"""The quick model: DoWhy's CausalModel roles to a laid-out graph."""

from __future__ import annotations

import pytest

import causal_core as cc
from causal_core.datasets import load_example


def test_edges_follow_dowhy_roles_and_every_node_has_a_distinct_position():
    g = cc.quick_graph(list("tywzme"), "t", "y", common_causes=["w"], instruments=["z"],
                       mediators=["m"], effect_modifiers=["e"])
    assert set(g.edges) == {("w", "t"), ("w", "y"), ("z", "t"), ("t", "m"), ("m", "y"),
                            ("t", "y"), ("e", "y")}
    assert set(g.positions) == set(g.nodes)
    assert len(set(g.positions.values())) == len(g.nodes)
    assert cc.CausalGraph.parse(g.to_dagitty()) == g


def test_common_causes_are_the_adjustment_set_on_lalonde():
    ex = load_example("lalonde_cps")
    covs = [c for c in ex.data.columns if c not in ("treat", "re78")]
    g = cc.quick_graph(ex.data.columns, "treat", "re78", common_causes=covs)
    ident = cc.identify(g)
    assert ident.estimand.kind == "backdoor"
    assert sorted(ident.estimand.adjustment_set) == sorted(covs)


def test_instrument_only_model_is_identified_by_the_instrument():
    g = cc.quick_graph(None, "t", "y", instruments="z")
    assert cc.identify(g).adjustment_sets == [[]]  # nothing confounds: no adjustment needed
    assert ("z", "t") in g.edges


@pytest.mark.parametrize("kwargs, message", [
    ({"treatment": "t", "outcome": "t"}, "both 't'"),
    ({"treatment": "t", "outcome": "y", "common_causes": ["t"]}, "one role"),
    ({"treatment": "t", "outcome": "y", "common_causes": ["nope"]}, "not a column"),
    ({"treatment": None, "outcome": "y"}, "needs a treatment"),
    ({"treatment": "t", "outcome": "y", "instruments": [3]}, "text"),
])
def test_bad_roles_are_refused_clearly(kwargs, message):
    with pytest.raises(cc.GraphError, match=message):
        cc.quick_graph(["t", "y", "w"], **kwargs)


def test_rest_are_common_causes_takes_every_unassigned_column():
    g = cc.quick_graph(list("tyabz"), "t", "y", instruments=["z"], rest_are_common_causes=True)
    assert {("a", "t"), ("a", "y"), ("b", "t"), ("b", "y"), ("z", "t")} <= set(g.edges)
    assert ("z", "y") not in g.edges
    with pytest.raises(cc.GraphError, match="needs the columns"):
        cc.quick_graph(None, "t", "y", rest_are_common_causes=True)


def test_identifiers_free_text_and_dates_are_left_out_of_every_other_column():
    import pandas as pd

    from causal_core.quick import model_columns

    df = pd.DataFrame({"person_id": range(50), "t": [0, 1] * 25, "y": [float(i) for i in range(50)],
                       "w": [i % 7 for i in range(50)], "comment": [f"text {i}" for i in range(50)],
                       "when": pd.date_range("2024-01-01", periods=50)})
    usable, left = model_columns(df)
    assert usable == ["t", "y", "w"] and set(left) == {"person_id", "comment", "when"}
    g = cc.quick_graph(df.columns, "t", "y", rest_are_common_causes=True, leave_out=left)
    assert set(g.nodes) == {"t", "y", "w"}
    g = cc.quick_graph(df.columns, "t", "y", common_causes=["person_id"], leave_out=left)
    assert ("person_id", "t") in g.edges  # named explicitly, it is used
