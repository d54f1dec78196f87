"""Brute-force reference implementations, written from the definitions and nothing else.

They enumerate every subset and check each definition path by path (with ``list_paths``), so
they share no code with the fast algorithms (moral graphs, separators, Bayes-ball) they check.
"""

from __future__ import annotations

from itertools import chain, combinations

import networkx as nx

import causal_core as cc
from causal_core.dsep import expanded_dag


def subsets(items):
    items = sorted(items)
    return chain.from_iterable(combinations(items, k) for k in range(len(items) + 1))


def minimal(sets):
    sets = [frozenset(s) for s in sets]
    return sorted(sorted(s) for s in sets if not any(t < s for t in sets))


def _proper_paths(g, xs, ys, z):
    for x in xs:
        for y in ys:
            for p in cc.list_paths(g, x, y, sorted(z), max_paths=10**6):
                if not set(p.nodes[1:]) & set(xs):
                    yield p


def is_valid_adjustment(g, xs, ys, z):
    """Shpitser, VanderWeele & Robins (2010), checked path by path."""
    causal_nodes = set()
    for p in _proper_paths(g, xs, ys, ()):
        if p.causal:
            causal_nodes |= set(p.nodes[1:])
    forb = set(g.descendants(causal_nodes)) if causal_nodes else set()
    if set(z) & (forb | set(xs) | set(ys)):
        return False
    return all(not p.open for p in _proper_paths(g, xs, ys, z) if not p.causal)


def adjustment_sets(g, xs, ys, forced=()):
    hidden = set(g.latent)
    pool = [v for v in g.nodes if v not in hidden and v not in xs and v not in ys
            and v not in forced]
    valid = [set(s) | set(forced) for s in subsets(pool)
             if is_valid_adjustment(g, xs, ys, set(s) | set(forced))]
    return minimal(valid)


def separating_sets(g, a, b):
    dag = expanded_dag(g)
    pool = [v for v in g.nodes if g.is_observed(v) and v not in (a, b)]
    seps = [set(s) for s in subsets(pool) if nx.is_d_separator(dag, {a}, {b}, set(s))]
    return minimal(seps)


def is_frontdoor(g, x, y, m):
    m = set(m)
    paths_xy = cc.list_paths(g, x, y, max_paths=10**6)
    if any(p.causal and not set(p.nodes) & m for p in paths_xy):
        return False
    for v in m:  # (ii) every back-door path from x to v is blocked by the empty set
        for p in cc.list_paths(g, x, v, max_paths=10**6):
            if p.arrows[0] in ("<-", "<->") and p.open:
                return False
    for v in m:  # (iii) every proper back-door path from M to y is blocked by x
        for p in cc.list_paths(g, v, y, [x], max_paths=10**6):
            if set(p.nodes[1:]) & m:
                continue
            if p.arrows[0] in ("<-", "<->") and p.open:
                return False
    return True


def frontdoor_sets(g, x, y):
    """Minimal front-door sets; none when x has no causal path to y (nothing to mediate)."""
    if y not in g.descendants([x]):
        return []
    pool = [v for v in g.nodes if g.is_observed(v) and v not in (x, y)]
    return minimal(set(s) for s in subsets(pool) if s and is_frontdoor(g, x, y, s))
