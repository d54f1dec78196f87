"""Hostile graph texts: deep nesting, many edges. Each is refused (or read) with a GraphError,
never a RecursionError, and in time linear in its size (the work is counted, not timed)."""

from __future__ import annotations

import pytest

import causal_core as cc
from causal_core import graph_formats


@pytest.mark.parametrize("text", [
    "dag { a -> " + "{" * 10_000 + "b" + "}" * 10_000 + " }",        # DAGitty groups
    "a -> " + "subgraph { " * 5_000 + "b" + " }" * 5_000,               # DOT subgraphs
    '{"format": ' + "[" * 10_000 + "]" * 10_000 + "}",                  # JSON
    "graph [ directed 1 " + "a [ " * 10_000 + "]" * 10_000 + " ]",       # GML
])
def test_deep_nesting_is_a_graph_error_with_a_position(text):
    with pytest.raises(cc.GraphError, match="nested more than 100 levels") as info:
        cc.CausalGraph.parse(text)
    assert info.value.line == 1 and info.value.column > 1


def test_nesting_within_the_limit_still_reads():
    text = "dag { a -> " + "{" * 90 + "b" + "}" * 90 + " }"
    assert cc.CausalGraph.parse(text).edges == (("a", "b"),)


def test_brackets_inside_quoted_names_do_not_count_as_nesting():
    name = "[" * 500
    g = cc.CausalGraph(edges=[(name, "y")])
    for text in (g.to_json(), g.to_gml()):
        assert cc.CausalGraph.parse(text) == g


def test_recursion_error_backstop(monkeypatch):
    def boom(text):
        raise RecursionError
    monkeypatch.setattr(graph_formats, "parse_statements", boom)
    with pytest.raises(cc.GraphError, match="nested too deeply"):
        cc.CausalGraph.parse("a -> b")


def test_duplicate_edges_are_checked_by_set(monkeypatch):
    # 19,999 distinct edges (20,000 nodes, the limit), 100 written twice: the result keeps one
    # of each, in order. With a list-scan check this is 2e8 comparisons (7 s, issue 16); by
    # set well under 1 s.
    n = 19_999
    lines = [f"n{i} -> n{i + 1}" for i in range(n)]
    g = cc.CausalGraph.parse("\n".join(lines + lines[:100]))
    assert len(g.edges) == n and g.edges[0] == ("n0", "n1") and g.edges[-1] == (f"n{n-1}", f"n{n}")
    bi = cc.CausalGraph(edges=[("a", "b")], bidirected=[("a", "b"), ("b", "a"), ("a", "b")])
    assert bi.bidirected == (("a", "b"),)


def _chain(n_edges: int) -> cc.CausalGraph:
    return cc.CausalGraph(edges=[(f"n{i}", f"n{i + 1}") for i in range(n_edges)])


def test_a_graph_at_the_limits_reads_in_every_format():
    from causal_core.graph import MAX_EDGES, MAX_NODES

    g = _chain(MAX_NODES - 1)  # 20,000 nodes, 19,999 edges
    assert len(g.nodes) == MAX_NODES and len(g.edges) <= MAX_EDGES
    for text in (g.to_dagitty(), g.to_dot(), g.to_gml(), g.to_json()):
        assert cc.CausalGraph.parse(text) == g


@pytest.mark.parametrize("make, rule", [
    (lambda: "\n".join(f"n{i} -> n{i + 1}" for i in range(20_000)), "more than 20,000 nodes"),
    (lambda: "\n".join(f"a{i % 200} -> b{i // 200}" for i in range(20_001)), "20,001 edges, more than"),
    (lambda: "\n".join(f"n{i}" for i in range(20_001)), "more than 20,000 nodes"),
    (lambda: _chain(19_999).to_gml().replace("]\n]", 'edge [ source "n0" target "n2" ] '
                                             'edge [ source "n0" target "n3" ] ]\n]'),
     "lists 20,001 edges"),
    (lambda: _chain(19_999).to_json().replace('"edges": [', '"edges": [["n0", "n2"], ["n0", "n3"], '),
     "lists 20,001 edges"),
    (lambda: "x" * 2_000_001, "2,000,001 characters, more than the limit of 2,000,000"),
])
def test_graphs_over_the_limits_are_refused_with_the_rule(make, rule):
    with pytest.raises(cc.GraphError, match=rule) as err:
        cc.CausalGraph.parse(make())
    assert "usually tens of nodes" in str(err.value)


def test_a_few_characters_of_groups_cannot_multiply_into_millions_of_edges():
    # {a0 ... a999} -> {b0 ... b999}: 12 KB of text, a million edges; refused before expanding
    group = "{" + " ".join(f"a{i}" for i in range(1000)) + "} -> {" + \
        " ".join(f"b{i}" for i in range(1000)) + "}"
    with pytest.raises(cc.GraphError, match="1,000,000 edges") as err:
        cc.CausalGraph.parse("dag { " + group + " }")
    assert err.value.line == 1
    # repeats: 5,000 edges written 17 times are 85,000 edges of work, refused as such
    lines = [f"a{i % 50} -> b{i // 50}" for i in range(5_000)]
    with pytest.raises(cc.GraphError, match="repeats included"):
        cc.CausalGraph.parse("\n".join(lines * 17))
    assert len(cc.CausalGraph.parse("\n".join(lines * 3)).edges) == 5_000


def test_the_constructor_refuses_more_than_the_limits():
    with pytest.raises(cc.GraphError, match="more than 20,000 edges"):
        cc.CausalGraph(edges=[(f"a{i % 100}", f"b{i}") for i in range(20_001)])
    with pytest.raises(cc.GraphError, match="more than 20,000 nodes"):
        cc.CausalGraph(nodes=[f"n{i}" for i in range(20_001)])
