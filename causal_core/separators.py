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


class _Bits:
    """The graph with vertices as bit positions: vertex sets are ints, neighbourhoods ORs."""

    def __init__(self, adj: Adjacency) -> None:
        self.names = list(adj)
        pos = {v: i for i, v in enumerate(self.names)}
        self.pos = pos
        self.nb = [sum(1 << pos[w] for w in adj[v]) for v in self.names]

    def mask(self, vs: Iterable[Hashable]) -> int:
        m = 0
        for v in vs:
            m |= 1 << self.pos[v]
        return m

    def members(self, m: int) -> list[Hashable]:
        out = []
        while m:
            low = m & -m
            out.append(self.names[low.bit_length() - 1])
            m ^= low
        return out

    def around(self, m: int) -> int:
        """The union of the neighbourhoods of the vertices in ``m``."""
        nb, r = self.nb, 0
        while m:
            low = m & -m
            r |= nb[low.bit_length() - 1]
            m ^= low
        return r

    def reach(self, start: int, blocked: int) -> int:
        seen = frontier = start
        while frontier:
            frontier = self.around(frontier) & ~seen & ~blocked
            seen |= frontier
        return seen

    def closest(self, side: int, targets: int, allowed: int) -> int | None:
        frontier = side
        while frontier:  # absorb every vertex that cannot be cut
            bad = self.around(frontier) & ~side & ~allowed
            if bad & targets:
                return None
            side |= bad
            frontier = bad
        boundary = self.around(side) & ~side
        target_side = self.reach(targets, boundary | side)
        return boundary & self.around(target_side)


def closest_separator(
    adj: Adjacency, side: Iterable[Hashable], targets: set, allowed: set
) -> frozenset | None:
    """The minimal separator of ``side`` from ``targets`` closest to ``side``, using ``allowed``.

    Vertices outside ``allowed`` cannot be in a separator: those reachable from ``side`` through
    such vertices join the side. Returns None when no separator made of allowed vertices exists
    (a target is reachable through vertices that are not allowed).
    """
    b = _Bits(adj)
    sep = b.closest(b.mask(side), b.mask(targets), b.mask(v for v in allowed if v in b.pos))
    return None if sep is None else frozenset(b.members(sep))


def iter_minimal_separators(
    adj: Adjacency, sources: Iterable[Hashable], targets: Iterable[Hashable], allowed: Iterable[Hashable]
) -> Iterator[frozenset]:
    """Yield every minimal separator of ``sources`` from ``targets`` made of ``allowed`` vertices.

    ``sources`` and ``targets`` are each treated as one merged vertex; they must be disjoint and
    are never part of a separator. Nothing is yielded when the two sides touch or are joined
    through vertices that are not allowed. The empty set is yielded when they are disconnected.
    Vertex sets are bit masks inside (a neighbourhood is one OR per vertex).

    Examples
    --------
    >>> adj = {"x": {"a", "b"}, "a": {"x", "y"}, "b": {"x", "y"}, "y": {"a", "b"}}
    >>> sorted(sorted(s) for s in iter_minimal_separators(adj, ["x"], ["y"], ["a", "b"]))
    [['a', 'b']]
    """
    b = _Bits(adj)
    src, tgt = b.mask(sources), b.mask(targets)
    ok = b.mask(v for v in allowed if v in b.pos) & ~src & ~tgt
    first = b.closest(src, tgt, ok)
    if first is None:
        return
    rank = {v: i for i, v in enumerate(sorted(b.names, key=repr))}
    seen = {first}
    queue = deque([first])
    while queue:
        sep = queue.popleft()
        yield frozenset(b.members(sep))
        source_side = b.reach(src, sep)
        for v in sorted(b.members(sep), key=rank.__getitem__):
            nxt = b.closest(source_side | (1 << b.pos[v]), tgt, ok)
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)


def minimal_separator(
    adj: Adjacency, sources: Iterable[Hashable], targets: Iterable[Hashable], allowed: Iterable[Hashable]
) -> frozenset | None:
    """One minimal separator (the one closest to ``sources``), or None if none exists."""
    sources, targets = set(sources), set(targets)
    return closest_separator(adj, sources, targets, set(allowed) - sources - targets)
