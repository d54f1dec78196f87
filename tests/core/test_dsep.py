"""d-separation, path listing and classification, testing implications on data."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import causal_core as cc
from causal_core.dsep import d_connected_nodes, expanded_dag
from tests.core.test_identify import random_dags


def test_paths_are_listed_and_classified():
    g = cc.CausalGraph.parse("z -> x -> y; z -> y; x -> c <- y; c -> d")
    paths = {" ".join(p.nodes): p for p in cc.list_paths(g, "x", "y", ["z"])}
    assert set(paths) == {"x y", "x z y", "x c y"}
    assert paths["x y"].causal and paths["x y"].open
    assert not paths["x z y"].causal and not paths["x z y"].open
    assert paths["x z y"].blocked_at == "z" and "non-collider" in paths["x z y"].reason
    assert paths["x c y"].blocked_at == "c" and "collider" in paths["x c y"].reason
    opened = {" ".join(p.nodes): p for p in cc.list_paths(g, "x", "y", ["d"])}
    assert opened["x c y"].open and opened["x c y"].biasing  # descendant of a collider
    assert opened["x z y"].biasing


def test_bidirected_edges_are_arrowheads_at_both_ends():
    g = cc.CausalGraph.parse("x <-> m; m <-> y; x -> y")
    (p,) = [p for p in cc.list_paths(g, "x", "y") if len(p.nodes) == 3]
    assert p.arrows == ("<->", "<->") and not p.open and p.blocked_at == "m"
    assert cc.d_separated(g, "x", "y", []) is False  # x -> y
    g2 = cc.CausalGraph.parse("x <-> m; m <-> y")
    assert cc.d_separated(g2, "x", "y") and not cc.d_separated(g2, "x", "y", ["m"])


def test_list_paths_cap_and_bad_node():
    g = cc.CausalGraph.parse("\n".join(f"x -> m{i} -> y" for i in range(30)))
    cut = cc.list_paths(g, "x", "y", max_paths=7)
    assert len(cut) == 7 and cut.truncated
    whole = cc.list_paths(g, "x", "y", max_paths=30)
    assert len(whole) == 30 and not whole.truncated
    with pytest.raises(cc.GraphError, match="'q' is not a node"):
        cc.list_paths(g, "x", "q")


@settings(max_examples=150, deadline=None)
@given(random_dags(max_nodes=8))
def test_bayes_ball_matches_networkx(case):
    g, xs, ys, forced = case
    dag = expanded_dag(g)
    reach = d_connected_nodes(dag, set(xs), set(forced))
    for v in g.nodes:
        if v in xs or v in forced:
            continue
        truth = nx.is_d_separator(dag, set(xs), {v}, set(forced))  # networkx, not our code
        assert (v in reach) == (not truth) == (not cc.d_separated(g, xs, v, forced))


@settings(max_examples=100, deadline=None)
@given(random_dags(max_nodes=7))
def test_a_path_is_open_exactly_when_d_separation_fails(case):
    g, xs, ys, forced = case
    x, y = xs[0], ys[0]
    z = [v for v in forced if v not in (x, y)]
    any_open = any(p.open for p in cc.list_paths(g, x, y, z, max_paths=10**6))
    assert any_open == (not cc.d_separated(g, x, y, z))


def _chain_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.8 * a + rng.normal(size=n)
    c = 0.8 * b + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "label": ["u"] * n})


def test_implications_hold_on_data_from_the_graph():
    res = cc.test_implications(cc.CausalGraph.parse("a -> b -> c"), _chain_data())
    assert list(res["x"]) == ["a"] and list(res["given"]) == ["b"]
    assert res.loc[0, "testable"] and res.loc[0, "p_value"] > 0.01 and not res.loc[0, "rejected"]


def test_wrong_graph_is_caught_by_its_implications():
    wrong = cc.CausalGraph.parse("a -> b; a -> c")  # claims b ⊥ c | a, false on the chain
    res = cc.test_implications(wrong, _chain_data())
    row = res[(res["x"] == "b") & (res["y"] == "c")].iloc[0]
    assert row["given"] == "a" and row["rejected"] and row["p_value"] < 1e-6


def test_untestable_implications_say_why():
    g = cc.CausalGraph.parse("a -> b -> label; a -> zz")
    res = cc.test_implications(g, _chain_data())
    notes = " ".join(res["note"])
    assert "not in the data: zz" in notes and "not numeric: label" in notes
    assert res["testable"].sum() == 0


def test_implications_need_a_dataframe():
    with pytest.raises(cc.DataError, match="DataFrame"):
        cc.test_implications(cc.CausalGraph.parse("a -> b -> c"), {"a": [1]})


def test_a_clique_hanging_off_the_treatment_is_never_walked():
    """Issue 16: x -> y plus a 13-node clique off x hung a thread; no x-y path enters it."""
    clique = [f"c{i}" for i in range(13)]
    lines = ["x -> y"] + [f"x -> {c}" for c in clique]
    lines += [f"{a} -> {b}" for i, a in enumerate(clique) for b in clique[i + 1:]]
    g = cc.CausalGraph.parse("\n".join(lines))
    paths = cc.list_paths(g, "x", "y", max_work=5_000)
    assert [p.nodes for p in paths] == [("x", "y")] and not paths.truncated


def test_path_work_is_bounded_and_flagged():
    """A 12-node clique between x and y has ~10^8 simple paths: the work cap stops and says so."""
    nodes = ["x"] + [f"c{i}" for i in range(10)] + ["y"]
    g = cc.CausalGraph(nodes, [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]])
    paths = cc.list_paths(g, "x", "y", max_paths=10**6, max_work=20_000)
    assert paths.truncated and 0 < len(paths) < 20_000
    assert [len(p.nodes) for p in paths] == sorted(len(p.nodes) for p in paths)
    assert paths[0].nodes == ("x", "y")


@settings(max_examples=60, deadline=None)
@given(random_dags(max_nodes=7))
def test_basis_set_is_one_true_independence_per_node(case):
    """One entry per node with earlier non-parents, each a d-separation the graph implies."""
    g = case[0]
    basis = cc.basis_implications(g)
    if basis is None:
        assert g.latent or g.bidirected or g.selected
        return
    order = g.topological_order()
    expected = sum(1 for i, v in enumerate(order) if set(order[:i]) - set(g.parents(v)))
    assert len(basis) == expected and basis.kind == "basis"
    for a, b, given_ in basis:
        assert cc.d_separated(g, a, b, given_)
    for a, b, given_ in cc.implied_independencies(g):
        assert cc.d_separated(g, a, b, given_)


def test_pairwise_implications_say_when_cut():
    g = cc.CausalGraph.parse("\n".join(f"a{i} -> h" for i in range(8)) + "\nh [latent]")
    full = cc.implied_independencies(g)
    assert len(full) == 28 and not full.truncated
    cut = cc.implied_independencies(g, max_sets=10)
    assert len(cut) == 10 and cut.truncated and cut == full[:10]
    exact = cc.implied_independencies(g, max_sets=28)
    assert len(exact) == 28 and not exact.truncated


def test_the_table_says_which_implications_were_tested():
    res = cc.test_implications(cc.CausalGraph.parse("a -> b -> c"), _chain_data())
    assert res.attrs["kind"] == "basis" and "basis set" in res.attrs["scope"]
    latent = cc.CausalGraph.parse("a -> b -> c; c <-> d")  # no basis: the pairwise list
    res2 = cc.test_implications(latent, _chain_data())
    assert res2.attrs["kind"] == "all" and not res2.attrs["truncated"]
    assert res2.attrs["scope"].startswith("All 3 pairwise implications") and len(res2) == 3
    cut = cc.test_implications(latent, _chain_data(), max_tests=2)
    assert cut.attrs["truncated"] and "cut" in cut.attrs["scope"] and len(cut) == 2


def test_a_joint_basis_implication_catches_a_wrong_graph():
    rng = np.random.default_rng(1)
    n = 3000
    a = rng.normal(size=n)
    b = rng.normal(size=n)
    d = 0.5 * a + 0.5 * b + rng.normal(size=n)  # d depends on a and b
    frame = pd.DataFrame({"a": a, "b": b, "d": d})
    right = cc.test_implications(cc.CausalGraph.parse("a -> d; b -> d"), frame)
    assert not right["rejected"].any()
    wrong = cc.test_implications(cc.CausalGraph.parse("a; b; d"), frame)  # claims all independent
    row = wrong[wrong["x"] == "d"].iloc[0]
    assert row["y"] == "a, b" and row["rejected"] and row["p_value"] < 1e-6
