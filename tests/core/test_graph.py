"""CausalGraph as a value: content equality, immutability, validation, structure queries."""

from __future__ import annotations

import pytest

import causal_core as cc


def test_equality_is_by_content_not_order():
    a = cc.CausalGraph(["x", "y", "z"], [("z", "x"), ("x", "y")], roles={"x": ["exposure"]})
    b = cc.CausalGraph(["z", "y", "x"], [("x", "y"), ("z", "x")], roles={"x": {"exposure"}})
    assert a == b and hash(a) == hash(b)
    assert a != a.with_roles(outcome="y")
    assert a != cc.CausalGraph(["x", "y", "z"], [("z", "x"), ("x", "y")])


def test_graph_is_immutable():
    g = cc.CausalGraph(edges=[("x", "y")])
    with pytest.raises(AttributeError, match="immutable"):
        g.foo = 1
    with pytest.raises(TypeError):
        g.roles["x"] = frozenset({"exposure"})


def test_cycle_is_named_in_order():
    with pytest.raises(cc.GraphError, match=r"'a' -> 'b' -> 'c' -> 'a'"):
        cc.CausalGraph(edges=[("a", "b"), ("b", "c"), ("c", "a")])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"edges": [("a", "a")]}, "self-loop"),
        ({"roles": {"a": ["exposre"]}}, "unknown role 'exposre'"),
        ({"nodes": [" "]}, "empty"),
        ({"nodes": ["a\nb"]}, "control character"),
        ({"nodes": [3]}, "must be text"),
        ({"nodes": ["a"], "positions": {"b": (1, 2)}}, "not a node"),
        ({"nodes": ["a"], "positions": {"a": (float("inf"), 2)}}, "finite"),
    ],
)
def test_bad_graphs_raise_graph_error(kwargs, match):
    with pytest.raises(cc.GraphError, match=match):
        cc.CausalGraph(**kwargs)


def test_structure_queries():
    g = cc.CausalGraph.parse("dag { u [latent]; x [exposure]; z -> x -> y; z -> y; x <-> w; u -> y }")
    assert g.parents("y") == ("u", "x", "z") and g.children("z") == ("x", "y")
    assert g.spouses("x") == ("w",) and g.adjacent("w", "x") and not g.adjacent("w", "y")
    assert g.ancestors(["x"]) == {"x", "z"} and g.descendants(["z"]) == {"z", "x", "y"}
    assert g.exposures == ("x",) and g.latent == ("u",) and not g.is_observed("u")
    order = g.topological_order()
    assert all(order.index(a) < order.index(b) for a, b in g.edges)
    with pytest.raises(cc.GraphError, match="'q' is not a node"):
        g.parents("q")


def test_with_roles_moves_a_role():
    g = cc.CausalGraph.parse("dag { x [exposure]; x -> y -> z }")
    h = g.with_roles(exposure="y", outcome=["z"])
    assert h.exposures == ("y",) and h.outcomes == ("z",) and g.exposures == ("x",)
    with pytest.raises(cc.GraphError, match="Unknown role"):
        g.with_roles(treatment="x")


def test_pickle_round_trip_for_caches():
    import pickle

    g = cc.CausalGraph.parse('dag { x [exposure,pos="1,2"]; x -> y; y <-> z }')
    assert pickle.loads(pickle.dumps(g)) == g
