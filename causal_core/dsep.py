"""d-separation, paths and the testable implications of a causal graph.

A bidirected edge ``a <-> b`` is read as an unnamed latent common cause ``a <- U -> b``; every
function here works on that expanded DAG, so latent confounding is handled like any other
latent node.

Examples
--------
>>> import causal_core as cc
>>> g = cc.CausalGraph.parse("dag { z -> x -> y; z -> y; x -> c <- y }")
>>> cc.d_separated(g, "x", "y", ["z"])
False
>>> for p in cc.list_paths(g, "x", "y", ["z"]):
...     print(p.describe())
x -> y: causal, open
x -> c <- y: non-causal, blocked at c (collider, not conditioned on)
x <- z -> y: non-causal, blocked at z (non-collider in the conditioning set)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from .exceptions import GraphError
from .gindex import graph_index, latent_key
from .graph import CausalGraph
from .separators import iter_minimal_separators

__all__ = [
    "Path",
    "PathList",
    "ImplicationList",
    "as_node_list",
    "basis_implications",
    "d_separated",
    "expanded_dag",
    "implied_independencies",
    "latent_nodes",
    "list_paths",
]


def expanded_dag(graph: CausalGraph) -> nx.DiGraph:
    """The graph's DAG with each bidirected edge replaced by an explicit latent parent."""
    dag = graph.to_networkx()
    for a, b in graph.bidirected:
        u = latent_key(a, b)
        dag.add_edge(u, a)
        dag.add_edge(u, b)
    return dag


def latent_nodes(graph: CausalGraph) -> set:
    """Every node that cannot be measured: marked latent, or behind a bidirected edge."""
    return set(graph.latent) | {latent_key(a, b) for a, b in graph.bidirected}


def as_node_list(graph: CausalGraph, nodes: str | Iterable[str] | None, what: str) -> list[str]:
    """Normalise a node or a list of nodes, checking each is in ``graph``."""
    if nodes is None:
        return []
    items = [nodes] if isinstance(nodes, str) else list(nodes)
    out: list[str] = []
    for n in items:
        if n not in graph:
            raise GraphError(
                f"The {what} {n!r} is not a node of the graph. Pick one of: "
                f"{', '.join(repr(v) for v in graph.nodes[:15])}"
                f"{' …' if len(graph.nodes) > 15 else ''}."
            )
        if n not in out:
            out.append(n)
    return out


def d_separated(
    graph: CausalGraph,
    x: str | Iterable[str],
    y: str | Iterable[str],
    z: str | Iterable[str] | None = None,
) -> bool:
    """True when ``z`` d-separates ``x`` from ``y`` in ``graph`` (bidirected edges included).

    Examples
    --------
    >>> import causal_core as cc
    >>> g = cc.CausalGraph.parse("a -> m <- b")
    >>> cc.d_separated(g, "a", "b"), cc.d_separated(g, "a", "b", "m")
    (True, False)
    """
    xs = set(as_node_list(graph, x, "node"))
    ys = set(as_node_list(graph, y, "node"))
    zs = set(as_node_list(graph, z, "conditioning node"))
    if xs & ys:
        return False
    ix = graph_index(graph)
    return ix.d_separated(ix.to_ids(xs), ix.to_ids(ys), ix.to_ids(zs - xs - ys))


@dataclass(frozen=True)
class Path:
    """One path between two nodes, classified.

    Attributes
    ----------
    nodes : tuple of str
        The nodes from start to end.
    arrows : tuple of str
        For each step, ``"->"``, ``"<-"`` or ``"<->"`` as read from start to end.
    causal : bool
        Every arrow points from the start towards the end.
    open : bool
        The path transmits association given the conditioning set.
    blocked_at : str or None
        The first node that blocks the path.
    reason : str
        Why the path is blocked (or "open").
    """

    nodes: tuple[str, ...]
    arrows: tuple[str, ...]
    causal: bool
    open: bool
    blocked_at: str | None
    reason: str

    @property
    def biasing(self) -> bool:
        """A non-causal path that is open: it biases the effect estimate."""
        return self.open and not self.causal

    def describe(self) -> str:
        """The path in words, e.g. ``'x <- z -> y: non-causal, open'``."""
        text = self.nodes[0]
        for arrow, node in zip(self.arrows, self.nodes[1:], strict=True):
            text += f" {arrow} {node}"
        kind = "causal" if self.causal else "non-causal"
        state = "open" if self.open else f"blocked at {self.blocked_at} ({self.reason})"
        return f"{text}: {kind}, {state}"

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"nodes": list(self.nodes), "arrows": list(self.arrows), "causal": self.causal,
                "open": self.open, "blocked_at": self.blocked_at, "reason": self.reason}


def _classify(graph: CausalGraph, nodes: list[str], arrows: list[str], z: set[str],
              desc_cache: dict[str, frozenset]) -> Path:
    for i in range(1, len(nodes) - 1):
        into_left = arrows[i - 1] in ("->", "<->")   # arrowhead at nodes[i] from the left
        into_right = arrows[i] in ("<-", "<->")      # arrowhead at nodes[i] from the right
        v = nodes[i]
        if into_left and into_right:
            if v not in desc_cache:
                desc_cache[v] = graph.descendants([v])
            if not desc_cache[v] & z:
                return Path(tuple(nodes), tuple(arrows), all(a == "->" for a in arrows), False,
                            v, "collider, not conditioned on")
        elif v in z:
            return Path(tuple(nodes), tuple(arrows), all(a == "->" for a in arrows), False,
                        v, "non-collider in the conditioning set")
    return Path(tuple(nodes), tuple(arrows), all(a == "->" for a in arrows), True, None, "open")


class PathList(list):
    """A list of :class:`Path` with ``truncated``: True when the search stopped early."""

    truncated: bool = False


def _path_steps(graph: CausalGraph, x: str, y: str) -> dict[str, list[tuple[str, str]]]:
    """Steps (neighbour, arrow) confined to the nodes that lie on some simple x–y path.

    Those are the nodes of the biconnected component holding the edge x–y once it is added to
    the skeleton, so dead ends hanging off the path (a clique off x) are never entered.
    """
    skel = nx.Graph()
    skel.add_nodes_from(graph.nodes)
    skel.add_edges_from(graph.edges)
    skel.add_edges_from(graph.bidirected)
    skel.add_edge(x, y)
    block: set[str] = set()
    for comp in nx.biconnected_component_edges(skel):
        if any({a, b} == {x, y} for a, b in comp):
            block = {v for e in comp for v in e}
            break
    steps: dict[str, list[tuple[str, str]]] = {v: [] for v in block}
    for a, b in graph.edges:
        if a in block and b in block:
            steps[a].append((b, "->"))
            steps[b].append((a, "<-"))
    for a, b in graph.bidirected:
        if a in block and b in block:
            steps[a].append((b, "<->"))
            steps[b].append((a, "<->"))
    return steps


def list_paths(
    graph: CausalGraph,
    x: str,
    y: str,
    z: str | Iterable[str] | None = None,
    max_paths: int = 1000,
    max_work: int | None = None,
) -> PathList:
    """Every simple path between ``x`` and ``y`` (up to ``max_paths``), classified given ``z``.

    Paths are listed shortest first. A path is causal when all its arrows point from ``x``
    towards ``y``; it is open given ``z`` when no non-collider on it is in ``z`` and every
    collider on it is in ``z`` or has a descendant in ``z``.

    The search is bounded in the work it does, not only in what it keeps: it walks only nodes
    that lie on some simple x–y path, by increasing length, and stops after ``max_work`` steps
    (default: the larger of 200,000 and 50 per path asked for); ``truncated`` on the result says
    when either cap cut the listing.

    Raises
    ------
    GraphError
        If ``x``, ``y`` or a member of ``z`` is not a node.
    """
    (x,) = as_node_list(graph, x, "start node")
    (y,) = as_node_list(graph, y, "end node")
    zs = set(as_node_list(graph, z, "conditioning node"))
    out = PathList()
    if x == y:
        return out
    steps = _path_steps(graph, x, y)
    dist = _distances(steps, y)
    found: list[tuple[list[str], list[str]]] = []
    work, cut = 0, False
    budget = max(200_000, 50 * max_paths) if max_work is None else max_work
    for length in range(1, len(steps)):
        stack: list[tuple[str, list[str], list[str]]] = [(x, [x], [])]
        while stack and len(found) <= max_paths:
            work += 1
            if work > budget:
                cut = True
                break
            v, nodes, arrows = stack.pop()
            if v == y:
                if len(arrows) == length:
                    found.append((nodes, arrows))
                continue
            left = length - len(arrows)
            for w, arrow in reversed(steps[v]):
                if w not in nodes and dist.get(w, length + 1) <= left - 1:
                    stack.append((w, nodes + [w], arrows + [arrow]))
        if cut or len(found) > max_paths:
            break
    if len(found) > max_paths or cut:
        out.truncated = True
    found.sort(key=lambda p: (len(p[0]), p[0], p[1]))
    cache: dict[str, frozenset] = {}
    out.extend(_classify(graph, n, a, zs, cache) for n, a in found[:max_paths])
    return out


def _distances(steps: dict[str, list[tuple[str, str]]], y: str) -> dict[str, int]:
    """Edge distances to ``y`` inside the path block (a lower bound on what is left to walk)."""
    if y not in steps:
        return {}
    dist, queue = {y: 0}, deque([y])
    while queue:
        v = queue.popleft()
        for w, _ in steps[v]:
            if w not in dist:
                dist[w] = dist[v] + 1
                queue.append(w)
    return dist


class ImplicationList(list):
    """Implications ``(a, b, given)``; ``truncated`` says when ``max_sets`` cut the list."""

    truncated: bool = False
    kind: str = "all"


def basis_implications(graph: CausalGraph) -> ImplicationList | None:
    """One implication per node, a basis for all the others (the ordered Markov property).

    In a topological order, each node is independent of its earlier non-parents given its
    parents; together these imply every independence the DAG implies (Pearl 1988, the
    ordered local Markov condition; DAGitty's "basis set" uses the same idea with all
    non-descendants). Returned as ``(node, others, parents)`` with ``others`` a sorted list
    (a single other node is returned as the sorted pair ``(a, b, parents)`` with ``b`` text).
    None when the graph has latent, bidirected or selected nodes: the basis needs every
    parent measured, and then the full list of pairwise implications is the one to test.

    Examples
    --------
    >>> import causal_core as cc
    >>> list(basis_implications(cc.CausalGraph.parse("a -> b -> c; a -> d")))
    [('a', 'c', ['b']), ('d', ['b', 'c'], ['a'])]
    """
    if graph.latent or graph.bidirected or graph.selected:
        return None
    out = ImplicationList()
    out.kind = "basis"
    earlier: list[str] = []
    for v in graph.topological_order():
        parents = set(graph.parents(v))
        others = sorted(w for w in earlier if w not in parents)
        if len(others) == 1:
            a, b = sorted((v, others[0]))
            out.append((a, b, sorted(parents)))
        elif others:
            out.append((v, others, sorted(parents)))
        earlier.append(v)
    return out


def implied_independencies(graph: CausalGraph, max_sets: int = 10_000) -> ImplicationList:
    """The conditional independencies the graph implies, as DAGitty's testable implications.

    For every pair of non-adjacent observed nodes, every minimal set of observed nodes that
    d-separates them, as ``(a, b, given)`` with ``a < b`` and ``given`` sorted. Selected nodes
    are always conditioned on (the data were selected on them) and so appear in every set.
    The list is never cut silently: when ``max_sets`` stops it, ``truncated`` is True (see
    :func:`basis_implications` for a short list that implies all of them).

    Examples
    --------
    >>> import causal_core as cc
    >>> cc.implied_independencies(cc.CausalGraph.parse("a -> b -> c"))
    [('a', 'c', ['b'])]
    """
    ix = graph_index(graph)
    hidden = ix.hidden
    selected = ix.to_ids(graph.selected)
    sel_names = sorted(graph.selected)
    observed = sorted((v for v in range(ix.n_named) if v not in hidden), key=lambda v: ix.names[v])
    out = ImplicationList()
    for i, a in enumerate(observed):
        for b in observed[i + 1:]:
            na, nb = ix.names[a], ix.names[b]
            if graph.adjacent(na, nb) or a in selected or b in selected:
                continue
            keep = ix.ancestors({a, b} | selected)
            adj = ix.moral(keep)
            for v in selected:  # conditioned on: remove from the graph
                for w in adj.pop(v):
                    adj[w].discard(v)
            allowed = {v for v in keep if v not in hidden and v not in selected}
            for sep in iter_minimal_separators(adj, [a], [b], allowed):
                if len(out) == max_sets:  # one more exists: say the list is cut
                    out.truncated = True
                    return out
                out.append((na, nb, sorted([ix.names[v] for v in sep] + sel_names)))
    return out


def d_connected_nodes(
    dag: nx.DiGraph, start: Iterable, given: Iterable = (), no_out: Iterable = ()
) -> set:
    """Nodes d-connected to ``start`` given ``given`` in a networkx DAG (Bayes-ball).

    ``no_out``: nodes whose outgoing edges are treated as removed. Kept for tests and callers
    holding a networkx graph; the engine itself uses :meth:`GraphIndex.reachable`.
    """
    from .gindex import GraphIndex

    names = list(dag.nodes)
    ids = {v: i for i, v in enumerate(names)}
    ix = GraphIndex(tuple(names), ids, tuple(tuple(ids[p] for p in dag.predecessors(v)) for v in names),
                    tuple(tuple(ids[c] for c in dag.successors(v)) for v in names), frozenset(),
                    len(names))
    got = ix.reachable(ix.to_ids(start), ix.to_ids(given), no_out=ix.to_ids(no_out))
    return {names[i] for i in got}
