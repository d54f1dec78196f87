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
    # 20,000 distinct edges, 100 written twice: the result keeps one of each, in order.
    # With a list-scan check this is 2e8 comparisons (7 s, issue 16); by set well under 1 s.
    n = 20_000
    lines = [f"n{i} -> n{i + 1}" for i in range(n)]
    g = cc.CausalGraph.parse("\n".join(lines + lines[:100]))
    assert len(g.edges) == n and g.edges[0] == ("n0", "n1") and g.edges[-1] == (f"n{n-1}", f"n{n}")
    bi = cc.CausalGraph(edges=[("a", "b")], bidirected=[("a", "b"), ("b", "a"), ("a", "b")])
    assert bi.bidirected == (("a", "b"),)
