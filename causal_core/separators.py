"""Minimal vertex separators in undirected graphs, the workhorse of identification.

Every question "which sets Z d-separate X from Y in this DAG, minimally?" reduces to minimal
vertex separators in a moral graph (Lauritzen et al. 1990; Tian, Paz & Pearl 1998; van der
Zander, Liśkiewicz & Textor 2014/2019): a minimal d-separator lies inside the ancestors of
``X ∪ Y ∪ I`` (``I`` the nodes forced into the set), and inside that ancestral set d-separation
is plain vertex separation in the moral graph.

The enumeration follows the "close separator" idea of Berry, Bordat & Cogis (2000) and Kloks &
Kratsch (1998), extended to vertices that may not be used (latent or forbidden nodes): such a
vertex is absorbed into the side it touches. Starting from the separator closest to ``X``,
every minimal separator is reached by moving one separator vertex ``v`` to the ``X`` side and
taking the separator closest to that larger side. Each separator is handed out when it is taken
from the queue, and taking one costs O(|S| · (n + m)), so the delay between two answers is
polynomial (the memory for "seen" separators grows with the answer).

Nodes are any hashable values; an undirected graph is a mapping ``node -> set of neighbours``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Iterator, Mapping

import networkx as nx

__all__ = ["moral_graph", "closest_separator", "iter_minimal_separators", "minimal_separator"]

Adjacency = Mapping[Hashable, set]


def moral_graph(dag: nx.DiGraph, keep: Iterable[Hashable]) -> dict[Hashable, set]:
    """The moral graph of the subgraph of ``dag`` induced by ``keep``.

    Parents of a common child are married and edge directions are dropped.

    Parameters
    ----------
    dag : networkx.DiGraph
    keep : iterable of node
        The node set to induce on (usually an ancestral set).

    Returns
    -------
    dict
        ``node -> set of neighbours``.
    """
    keep = set(keep)
    adj: dict[Hashable, set] = {v: set() for v in keep}
    for v in keep:
        parents = [p for p in dag.predecessors(v) if p in keep]
        for p in parents:
            adj[v].add(p)
            adj[p].add(v)
        for i, p in enumerate(parents):
            for q in parents[i + 1:]:
                adj[p].add(q)
                adj[q].add(p)
    return adj


def _reach(adj: Adjacency, start: Iterable[Hashable], blocked: set) -> set:
    """Vertices reachable from ``start`` without entering ``blocked`` (start included)."""
    seen = set(start)
    queue = deque(seen)
    while queue:
        v = queue.popleft()
        for w in adj[v]:
            if w not in seen and w not in blocked:
                seen.add(w)
                queue.append(w)
    return seen


def closest_separator(
    adj: Adjacency, side: Iterable[Hashable], targets: set, allowed: set
) -> frozenset | None:
    """The minimal separator of ``side`` from ``targets`` closest to ``side``, using ``allowed``.

    Vertices outside ``allowed`` cannot be in a separator: those reachable from ``side`` through
    such vertices join the side. Returns None when no separator made of allowed vertices exists
    (a target is reachable through vertices that are not allowed).
    """
    side = set(side)
    queue = deque(side)
    while queue:  # absorb every vertex that cannot be cut
        v = queue.popleft()
        for w in adj[v]:
            if w not in side and w not in allowed:
                if w in targets:
                    return None
                side.add(w)
                queue.append(w)
    boundary = {w for v in side for w in adj[v] if w not in side}
    target_side = _reach(adj, targets, boundary | side)
    return frozenset(w for w in boundary if adj[w] & target_side)


def iter_minimal_separators(
    adj: Adjacency, sources: Iterable[Hashable], targets: Iterable[Hashable], allowed: Iterable[Hashable]
) -> Iterator[frozenset]:
    """Yield every minimal separator of ``sources`` from ``targets`` made of ``allowed`` vertices.

    ``sources`` and ``targets`` are each treated as one merged vertex; they must be disjoint and
    are never part of a separator. Nothing is yielded when the two sides touch or are joined
    through vertices that are not allowed. The empty set is yielded when they are disconnected.

    Examples
    --------
    >>> adj = {"x": {"a", "b"}, "a": {"x", "y"}, "b": {"x", "y"}, "y": {"a", "b"}}
    >>> sorted(sorted(s) for s in iter_minimal_separators(adj, ["x"], ["y"], ["a", "b"]))
    [['a', 'b']]
    """
    sources, targets = set(sources), set(targets)
    allowed = set(allowed) - sources - targets
    first = closest_separator(adj, sources, targets, allowed)
    if first is None:
        return
    seen = {first}
    queue = deque([first])
    while queue:
        sep = queue.popleft()
        yield sep
        source_side = _reach(adj, sources, set(sep))
        for v in sorted(sep, key=repr):
            nxt = closest_separator(adj, source_side | {v}, targets, allowed)
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)


def minimal_separator(
    adj: Adjacency, sources: Iterable[Hashable], targets: Iterable[Hashable], allowed: Iterable[Hashable]
) -> frozenset | None:
    """One minimal separator (the one closest to ``sources``), or None if none exists."""
    sources, targets = set(sources), set(targets)
    return closest_separator(adj, sources, targets, set(allowed) - sources - targets)
