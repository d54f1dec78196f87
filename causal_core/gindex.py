"""Integer index of a causal graph, built once per immutable ``CausalGraph``.

Every identification query (adjustment sets, instruments, front-door sets, d-separation,
ID) runs on this index: nodes are integers ``0..n-1``, each bidirected edge ``a <-> b`` is an
explicit latent parent ``U`` of ``a`` and ``b`` (ids after the named nodes), and parents and
children are tuples. Queries walk only the ancestors of the nodes they involve, so their cost
grows with that ancestral set, not with the graph. The index is cached on the graph instance
(graphs are immutable), so a page that asks ten questions of one graph builds it once.

Edge cuts (the proper back-door graph, ``G`` without some nodes' out-edges) are passed as
arguments instead of copying the graph: ``cut_in`` maps a node to the parents whose edge into it
is removed, ``no_out`` is a set of nodes whose outgoing edges are removed.

Examples
--------
>>> import causal_core as cc
>>> ix = graph_index(cc.CausalGraph.parse("a -> b -> c; a <-> c"))
>>> [ix.names[i] for i in sorted(ix.ancestors([ix.ids["c"]]))]
['a', 'b', 'c', ('<->', 'a', 'c')]
>>> ix.d_separated([ix.ids["a"]], [ix.ids["c"]], [ix.ids["b"]])
False
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from .graph import CausalGraph

__all__ = ["GraphIndex", "graph_index", "latent_key"]

CutIn = Mapping[int, frozenset]


def latent_key(a: str, b: str) -> tuple[str, str, str]:
    """The internal name of the latent common cause behind ``a <-> b`` (never a user name)."""
    return ("<->", a, b)


@dataclass(frozen=True, eq=False)
class GraphIndex:
    """Integer adjacency of the graph with bidirected edges expanded into latent parents.

    Attributes
    ----------
    names : tuple
        Node name per id (named nodes first, in graph order; then the latent keys).
    ids : dict
        Name to id.
    parents, children : tuple of tuple of int
    hidden : frozenset of int
        Latent-role nodes and the bidirected edges' latent parents.
    n_named : int
        Number of named nodes (ids ``0..n_named-1``).
    """

    names: tuple
    ids: dict
    parents: tuple
    children: tuple
    hidden: frozenset
    n_named: int

    def to_ids(self, names: Iterable[Hashable]) -> set[int]:
        """The ids of ``names``."""
        return {self.ids[v] for v in names}

    def to_names(self, ids: Iterable[int]) -> list:
        """The names of ``ids``, sorted (named nodes only are text)."""
        return sorted((self.names[i] for i in ids), key=str)

    def _pa(self, v: int, cut_in: CutIn | None, no_out: frozenset | set) -> Iterable[int]:
        ps = self.parents[v]
        if cut_in and v in cut_in:
            ps = [p for p in ps if p not in cut_in[v]]
        if no_out:
            ps = [p for p in ps if p not in no_out]
        return ps

    def ancestors(self, seeds: Iterable[int], cut_in: CutIn | None = None,
                  no_out: frozenset | set = frozenset(), avoid: set | frozenset = frozenset()) -> set[int]:
        """Ancestors of ``seeds`` (seeds included) in the cut graph, never entering ``avoid``."""
        seen = set(seeds)
        stack = list(seen)
        while stack:
            for p in self._pa(stack.pop(), cut_in, no_out):
                if p not in seen and p not in avoid:
                    seen.add(p)
                    stack.append(p)
        return seen

    def descendants(self, seeds: Iterable[int], within: set | None = None,
                    avoid: set | frozenset = frozenset()) -> set[int]:
        """Descendants of ``seeds`` (seeds included), optionally only through ``within``."""
        seen = set(seeds)
        stack = list(seen)
        while stack:
            for c in self.children[stack.pop()]:
                if c not in seen and c not in avoid and (within is None or c in within):
                    seen.add(c)
                    stack.append(c)
        return seen

    def moral(self, keep: set[int], cut_in: CutIn | None = None) -> dict[int, set[int]]:
        """The moral graph of the (cut) subgraph induced by ``keep`` (an ancestral set)."""
        adj: dict[int, set[int]] = {v: set() for v in keep}
        for v in keep:
            ps = [p for p in self._pa(v, cut_in, frozenset()) if p in keep]
            av = adj[v]
            for i, p in enumerate(ps):
                av.add(p)
                ap = adj[p]
                ap.add(v)
                for q in ps[i + 1:]:
                    ap.add(q)
                    adj[q].add(p)
        return adj

    def reachable(self, start: Iterable[int], given: Iterable[int] = (), *,
                  cut_in: CutIn | None = None, no_out: frozenset | set = frozenset(),
                  within: set | None = None, backdoor_only: bool = False) -> set[int]:
        """Nodes d-connected to ``start`` given ``given`` (Bayes-ball), ``start`` included.

        ``within`` confines the walk to a node set (an ancestral set that holds every path
        that matters); ``backdoor_only`` starts only along edges into the start nodes.
        """
        given = set(given)
        anc = self.ancestors(given, cut_in, no_out)
        children = self.children
        reached: set[int] = set()
        seen: set[tuple[int, bool]] = set()
        stack = [(s, True) for s in start]  # True: arrived from a child (going up)
        first = set(start) if backdoor_only else set()
        while stack:
            v, up = stack.pop()
            if (v, up) in seen:
                continue
            seen.add((v, up))
            if v not in given:
                reached.add(v)
            down_ok = v not in no_out and v not in first
            if up and v not in given:
                stack.extend((p, True) for p in self._pa(v, cut_in, no_out)
                             if within is None or p in within)
                if down_ok:
                    stack.extend((c, False) for c in children[v] if _edge_kept(c, v, cut_in)
                                 and (within is None or c in within))
            elif not up:
                if v not in given and down_ok:
                    stack.extend((c, False) for c in children[v] if _edge_kept(c, v, cut_in)
                                 and (within is None or c in within))
                if v in anc:
                    stack.extend((p, True) for p in self._pa(v, cut_in, no_out)
                                 if within is None or p in within)
        return reached

    def d_separated(self, xs: Iterable[int], ys: Iterable[int], zs: Iterable[int] = (), *,
                    cut_in: CutIn | None = None, no_out: frozenset | set = frozenset()) -> bool:
        """True when ``zs`` d-separates ``xs`` from ``ys`` (walk confined to their ancestors)."""
        xs, ys, zs = set(xs), set(ys), set(zs)
        if xs & ys:
            return False
        within = self.ancestors(xs | ys | zs, cut_in, no_out)
        return not (self.reachable(xs, zs, cut_in=cut_in, no_out=no_out, within=within) & ys)


def _edge_kept(child: int, parent: int, cut_in: CutIn | None) -> bool:
    return not (cut_in and child in cut_in and parent in cut_in[child])


def graph_index(graph: CausalGraph) -> GraphIndex:
    """The integer index of ``graph``, built on first use and cached on the graph."""
    cache = graph._cache
    ix = cache.get("index")
    if ix is None:
        ix = _build(graph)
        cache["index"] = ix
    return ix


def _build(graph: CausalGraph) -> GraphIndex:
    names: list = list(graph.nodes)
    ids = {v: i for i, v in enumerate(names)}
    parents: list[list[int]] = [[] for _ in names]
    children: list[list[int]] = [[] for _ in names]
    for a, b in graph.edges:
        parents[ids[b]].append(ids[a])
        children[ids[a]].append(ids[b])
    hidden = {ids[v] for v in graph.latent}
    n_named = len(names)
    for a, b in graph.bidirected:
        u = len(names)
        names.append(latent_key(a, b))
        ids[names[-1]] = u
        parents.append([])
        children.append([ids[a], ids[b]])
        parents[ids[a]].append(u)
        parents[ids[b]].append(u)
        hidden.add(u)
    return GraphIndex(tuple(names), ids, tuple(map(tuple, parents)),
                      tuple(map(tuple, children)), frozenset(hidden), n_named)
