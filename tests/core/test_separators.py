"""Minimal vertex separators against brute force on random undirected graphs."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from causal_core.separators import iter_minimal_separators


@st.composite
def undirected(draw):
    n = draw(st.integers(2, 9))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for i, j in combinations(range(n), 2):
        if draw(st.integers(0, 2)) == 0:
            g.add_edge(i, j)
    banned = {v for v in range(2, n) if draw(st.integers(0, 4)) == 0}
    return g, banned


def _separates(g, s, a, b):
    h = g.subgraph([v for v in g if v not in s])
    return not nx.has_path(h, a, b)


@settings(max_examples=300, deadline=None)
@given(undirected())
def test_minimal_separators_match_brute_force(case):
    g, banned = case
    adj = {v: set(g[v]) for v in g}
    allowed = [v for v in g if v not in (0, 1) and v not in banned]
    got = sorted(sorted(s) for s in iter_minimal_separators(adj, [0], [1], allowed))
    seps = [set(c) for k in range(len(allowed) + 1) for c in combinations(allowed, k)
            if _separates(g, set(c), 0, 1)]
    want = sorted(sorted(s) for s in seps if not any(t < s for t in seps))
    assert got == want
    assert len(got) == len({tuple(s) for s in got})  # no set twice
