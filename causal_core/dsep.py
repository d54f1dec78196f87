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

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from .exceptions import GraphError
from .graph import CausalGraph
from .separators import iter_minimal_separators, moral_graph

__all__ = [
    "Path",
    "as_node_list",
    "d_separated",
    "expanded_dag",
    "implied_independencies",
    "latent_nodes",
    "list_paths",
]


def latent_key(a: str, b: str) -> tuple[str, str, str]:
    """The internal name of the latent common cause behind ``a <-> b`` (never a user name)."""
    return ("<->", a, b)


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
    return nx.is_d_separator(expanded_dag(graph), xs, ys, zs - xs - ys)


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


def list_paths(
    graph: CausalGraph,
    x: str,
    y: str,
    z: str | Iterable[str] | None = None,
    max_paths: int = 1000,
) -> list[Path]:
    """Every simple path between ``x`` and ``y`` (up to ``max_paths``), classified given ``z``.

    Paths are listed shortest first. A path is causal when all its arrows point from ``x``
    towards ``y``; it is open given ``z`` when no non-collider on it is in ``z`` and every
    collider on it is in ``z`` or has a descendant in ``z``.

    Raises
    ------
    GraphError
        If ``x``, ``y`` or a member of ``z`` is not a node.
    """
    (x,) = as_node_list(graph, x, "start node")
    (y,) = as_node_list(graph, y, "end node")
    zs = set(as_node_list(graph, z, "conditioning node"))
    steps: dict[str, list[tuple[str, str]]] = {v: [] for v in graph.nodes}
    for a, b in graph.edges:
        steps[a].append((b, "->"))
        steps[b].append((a, "<-"))
    for a, b in graph.bidirected:
        steps[a].append((b, "<->"))
        steps[b].append((a, "<->"))
    found: list[tuple[list[str], list[str]]] = []
    stack: list[tuple[str, list[str], list[str]]] = [(x, [x], [])]
    while stack and len(found) < max_paths * 4:
        v, nodes, arrows = stack.pop()
        if v == y:
            found.append((nodes, arrows))
            continue
        for w, arrow in steps[v]:
            if w not in nodes:
                stack.append((w, nodes + [w], arrows + [arrow]))
    found.sort(key=lambda p: (len(p[0]), p[0], p[1]))
    cache: dict[str, frozenset] = {}
    return [_classify(graph, n, a, zs, cache) for n, a in found[:max_paths]]


def implied_independencies(graph: CausalGraph, max_sets: int = 10_000) -> list[tuple[str, str, list[str]]]:
    """The conditional independencies the graph implies, as DAGitty's testable implications.

    For every pair of non-adjacent observed nodes, every minimal set of observed nodes that
    d-separates them, as ``(a, b, given)`` with ``a < b`` and ``given`` sorted. Selected nodes
    are always conditioned on (the data were selected on them) and so appear in every set.

    Examples
    --------
    >>> import causal_core as cc
    >>> cc.implied_independencies(cc.CausalGraph.parse("a -> b -> c"))
    [('a', 'c', ['b'])]
    """
    dag = expanded_dag(graph)
    hidden = latent_nodes(graph)
    selected = set(graph.selected)
    observed = [v for v in graph.nodes if v not in hidden]
    out: list[tuple[str, str, list[str]]] = []
    for i, a in enumerate(sorted(observed)):
        for b in sorted(observed)[i + 1:]:
            if graph.adjacent(a, b) or a in selected or b in selected:
                continue
            keep = set().union(*(nx.ancestors(dag, v) for v in {a, b} | selected)) | {a, b} | selected
            adj = moral_graph(dag, keep)
            for v in selected:  # conditioned on: remove from the graph
                for w in adj.pop(v):
                    adj[w].discard(v)
            allowed = {v for v in keep if v not in hidden and v not in selected}
            for sep in iter_minimal_separators(adj, [a], [b], allowed):
                out.append((a, b, sorted(sep | selected)))
                if len(out) >= max_sets:
                    return out
    return out


def d_connected_nodes(
    dag: nx.DiGraph, start: Iterable, given: Iterable = (), no_out: Iterable = ()
) -> set:
    """Nodes d-connected to ``start`` given ``given`` (Bayes-ball reachability).

    ``no_out``: nodes whose outgoing edges are treated as removed (``G`` with those nodes'
    out-edges cut), without copying the graph. Nodes of ``start`` are included in the answer.
    """
    given, no_out = set(given), set(no_out)
    anc: set = set()
    stack = list(given)
    while stack:  # ancestors of the conditioning set in the cut graph
        v = stack.pop()
        if v in anc:
            continue
        anc.add(v)
        stack.extend(p for p in dag.predecessors(v) if p not in no_out and p not in anc)
    reached: set = set()
    seen: set = set()
    queue = [(s, "up") for s in start]  # "up": arrived from a child (or start)
    while queue:
        v, d = queue.pop()
        if (v, d) in seen:
            continue
        seen.add((v, d))
        if v not in given:
            reached.add(v)
        if d == "up" and v not in given:
            queue.extend((p, "up") for p in dag.predecessors(v) if p not in no_out)
            if v not in no_out:
                queue.extend((c, "down") for c in dag.successors(v))
        elif d == "down":
            if v not in given and v not in no_out:
                queue.extend((c, "down") for c in dag.successors(v))
            if v in anc:
                queue.extend((p, "up") for p in dag.predecessors(v) if p not in no_out)
    return reached
