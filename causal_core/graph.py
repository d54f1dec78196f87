"""``CausalGraph``: the causal model as an immutable value.

A graph holds nodes (each with a display label), directed edges ``a -> b``, bidirected edges
``a <-> b`` (an unnamed latent common cause), a set of roles per node (``exposure``,
``outcome``, ``latent``, ``adjusted``, ``selected``) and optional 2-D positions. Two graphs are
equal when their content is equal; the order in which nodes were written is kept for display
but does not take part in equality.

Parsing and formatting live in :mod:`causal_core.graph_formats` (DAGitty, DOT, GML, JSON and
edge lists); ``CausalGraph.parse`` and the ``to_*`` methods delegate there.

Examples
--------
>>> from causal_core import CausalGraph
>>> g = CausalGraph.parse("dag { x [exposure]; y [outcome]; z -> x -> y; z -> y }")
>>> g.parents("y")
('x', 'z')
>>> CausalGraph.parse(g.to_dagitty()) == g
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import networkx as nx

from .exceptions import GraphError

__all__ = ["CausalGraph", "ROLES"]

#: The node roles a graph can carry, as DAGitty names them.
ROLES: tuple[str, ...] = ("exposure", "outcome", "latent", "adjusted", "selected")


#: The most nodes and edges (directed and bidirected together) a graph may have. A causal
#: graph is a model of the question, tens of nodes; a graph of 20,000 edges already takes
#: about 15 MB in memory (networkx's dictionaries per node and edge), so these bound what one
#: graph text or file can cost the server. Refused with a GraphError before it is built.
MAX_NODES = 20_000
MAX_EDGES = 20_000


#: What to do about a graph over a limit.
TOO_BIG_HINT = ("A causal graph models the question, usually tens of nodes: keep the variables "
                "it needs (the exposure, the outcome, their common causes, mediators) and leave "
                "the rest out.")


def over_limit(what: str, limit: int) -> str:
    """The sentence for a graph with more than ``limit`` ``what`` (nodes or edges)."""
    return f"The graph has more than {limit:,} {what}, the limit. {TOO_BIG_HINT}"


def _limit(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise GraphError(over_limit(what, limit))


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str):
        raise GraphError(
            f"{what} must be text, got {type(name).__name__} {name!r}. "
            "Give every node a name made of text."
        )
    if name.strip() == "":
        raise GraphError(f"{what} is empty. Give every node a non-blank name.")
    bad = [c for c in name if ord(c) < 32 or ord(c) == 127]
    if bad:
        raise GraphError(
            f"{what} {name!r} contains the control character {bad[0]!r}. "
            "Use a name without line breaks, tabs or other control characters."
        )
    return name


class CausalGraph:
    """An immutable causal graph (a DAG, optionally with bidirected edges).

    Parameters
    ----------
    nodes : iterable of str
        Node names. Nodes named in ``edges``, ``bidirected`` or ``roles`` are added
        automatically, after these, in the order they are first seen.
    edges : iterable of (str, str)
        Directed edges ``(parent, child)``.
    bidirected : iterable of (str, str)
        Bidirected edges: ``a <-> b`` means a latent common cause of ``a`` and ``b``.
    roles : mapping of str to iterable of str
        For each node, its roles among :data:`ROLES`.
    positions : mapping of str to (float, float)
        Optional drawing positions.
    labels : mapping of str to str
        Optional display names (default: the node name).

    Raises
    ------
    GraphError
        On a blank name, an unknown role, a self-loop, or a directed cycle (named in order).
    """

    __slots__ = ("_nodes", "_edges", "_bidirected", "_roles", "_positions", "_labels",
                 "_nx", "_cache", "_key")

    def __init__(
        self,
        nodes: Iterable[str] = (),
        edges: Iterable[tuple[str, str]] = (),
        bidirected: Iterable[tuple[str, str]] = (),
        roles: Mapping[str, Iterable[str]] | None = None,
        positions: Mapping[str, tuple[float, float]] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        order: dict[str, None] = {}
        for n in nodes:
            order[_check_name(n, "A node name")] = None
            _limit(len(order), MAX_NODES, "nodes")
        edge_list: dict[tuple[str, str], None] = {}  # a dict: duplicate checks in O(1)
        for a, b in edges:
            _limit(len(edge_list), MAX_EDGES, "edges")
            a, b = _check_name(a, "An edge's start"), _check_name(b, "An edge's end")
            if a == b:
                raise GraphError(
                    f"The edge {a!r} -> {b!r} is a self-loop: a variable cannot cause itself. "
                    "Remove that edge."
                )
            order.setdefault(a, None)
            order.setdefault(b, None)
            edge_list.setdefault((a, b), None)
        bi: dict[frozenset[str], None] = {}
        for a, b in bidirected:
            _limit(len(edge_list) + len(bi), MAX_EDGES, "edges")
            a, b = _check_name(a, "An edge's start"), _check_name(b, "An edge's end")
            if a == b:
                raise GraphError(
                    f"The bidirected edge {a!r} <-> {b!r} joins a node to itself. Remove it."
                )
            order.setdefault(a, None)
            order.setdefault(b, None)
            bi.setdefault(frozenset((a, b)), None)
        _limit(len(edge_list) + len(bi), MAX_EDGES, "edges")
        role_map: dict[str, frozenset[str]] = {}
        for n, rs in (roles or {}).items():
            n = _check_name(n, "A node name in roles")
            rs = frozenset([rs] if isinstance(rs, str) else rs)
            bad = sorted(rs - set(ROLES))
            if bad:
                raise GraphError(
                    f"Node {n!r} has the unknown role {bad[0]!r}. "
                    f"Use one of: {', '.join(ROLES)}."
                )
            order.setdefault(n, None)
            if rs:
                role_map[n] = rs
        _limit(len(order), MAX_NODES, "nodes")
        pos: dict[str, tuple[float, float]] = {}
        for n, xy in (positions or {}).items():
            if n not in order:
                raise GraphError(f"A position is given for {n!r}, which is not a node of the graph.")
            x, y = (float(v) for v in xy)
            if not (math.isfinite(x) and math.isfinite(y)):
                raise GraphError(f"The position of {n!r} is ({x}, {y}); positions must be finite numbers.")
            pos[n] = (x, y)
        lab: dict[str, str] = {}
        for n, text in (labels or {}).items():
            if n not in order:
                raise GraphError(f"A label is given for {n!r}, which is not a node of the graph.")
            if text != n:
                lab[n] = str(text)
        self._nodes = tuple(order)
        self._edges = tuple(edge_list)
        self._bidirected = tuple(tuple(sorted(p)) for p in bi)
        self._roles = MappingProxyType(role_map)
        self._positions = MappingProxyType(pos)
        self._labels = MappingProxyType(lab)
        dg = nx.DiGraph()
        dg.add_nodes_from(self._nodes)
        dg.add_edges_from(self._edges)
        if not nx.is_directed_acyclic_graph(dg):
            cycle = [u for u, _ in nx.find_cycle(dg)]
            shown = " -> ".join(repr(c) for c in cycle + cycle[:1])
            raise GraphError(
                f"The graph has a directed cycle: {shown}. A causal DAG cannot loop back; "
                "remove or reverse one of these edges."
            )
        self._nx = dg
        self._cache: dict[str, Any] = {}  # derived structures (e.g. the integer index), by name
        self._key = (
            frozenset(self._nodes),
            frozenset(self._edges),
            frozenset(bi),
            frozenset(role_map.items()),
            frozenset(pos.items()),
            frozenset(lab.items()),
        )

    # ------------------------------------------------------------------ value semantics
    def __eq__(self, other: object) -> bool:
        return isinstance(other, CausalGraph) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return (f"CausalGraph({len(self._nodes)} nodes, {len(self._edges)} edges, "
                f"{len(self._bidirected)} bidirected)")

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_key"):
            raise AttributeError("CausalGraph is immutable: use the with_* methods for a new graph.")
        object.__setattr__(self, name, value)

    def __reduce__(self) -> tuple:
        """Pickle by content (caches copy results across reruns)."""
        return (CausalGraph, (self._nodes, self._edges, self._bidirected,
                              {n: sorted(r) for n, r in self._roles.items()},
                              dict(self._positions), dict(self._labels)))

    def __contains__(self, node: object) -> bool:
        return node in self._nx

    # ------------------------------------------------------------------ content
    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names, in the order they were written."""
        return self._nodes

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """Directed edges ``(parent, child)``."""
        return self._edges

    @property
    def bidirected(self) -> tuple[tuple[str, str], ...]:
        """Bidirected edges as sorted pairs."""
        return self._bidirected

    @property
    def roles(self) -> Mapping[str, frozenset[str]]:
        """Roles per node (nodes without a role are absent)."""
        return self._roles

    @property
    def positions(self) -> Mapping[str, tuple[float, float]]:
        """Drawing positions of the nodes that have one."""
        return self._positions

    @property
    def labels(self) -> Mapping[str, str]:
        """Display names that differ from the node name."""
        return self._labels

    def label(self, node: str) -> str:
        """The display name of ``node``."""
        return self._labels.get(node, node)

    def nodes_with_role(self, role: str) -> tuple[str, ...]:
        """Nodes carrying ``role``, in node order."""
        if role not in ROLES:
            raise GraphError(f"Unknown role {role!r}. Use one of: {', '.join(ROLES)}.")
        return tuple(n for n in self._nodes if role in self._roles.get(n, ()))

    @property
    def exposures(self) -> tuple[str, ...]:
        """Nodes marked ``exposure``."""
        return self.nodes_with_role("exposure")

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Nodes marked ``outcome``."""
        return self.nodes_with_role("outcome")

    @property
    def latent(self) -> tuple[str, ...]:
        """Nodes marked ``latent`` (unobserved)."""
        return self.nodes_with_role("latent")

    @property
    def adjusted(self) -> tuple[str, ...]:
        """Nodes marked ``adjusted`` (forced into every adjustment set)."""
        return self.nodes_with_role("adjusted")

    @property
    def selected(self) -> tuple[str, ...]:
        """Nodes marked ``selected`` (the data are conditioned on them)."""
        return self.nodes_with_role("selected")

    def is_observed(self, node: str) -> bool:
        """True unless ``node`` is latent."""
        return "latent" not in self._roles.get(node, ())

    # ------------------------------------------------------------------ structure
    def _require(self, node: str) -> None:
        if node not in self._nx:
            raise GraphError(f"{node!r} is not a node of the graph. Nodes: {_show(self._nodes)}.")

    def parents(self, node: str) -> tuple[str, ...]:
        """Parents of ``node``, sorted."""
        self._require(node)
        return tuple(sorted(self._nx.predecessors(node)))

    def children(self, node: str) -> tuple[str, ...]:
        """Children of ``node``, sorted."""
        self._require(node)
        return tuple(sorted(self._nx.successors(node)))

    def spouses(self, node: str) -> tuple[str, ...]:
        """Nodes joined to ``node`` by a bidirected edge, sorted."""
        self._require(node)
        return tuple(sorted({b if a == node else a for a, b in self._bidirected if node in (a, b)}))

    def ancestors(self, nodes: Iterable[str]) -> frozenset[str]:
        """Ancestors of ``nodes``, the nodes themselves included."""
        out: set[str] = set()
        for n in nodes:
            self._require(n)
            out.add(n)
            out |= nx.ancestors(self._nx, n)
        return frozenset(out)

    def descendants(self, nodes: Iterable[str]) -> frozenset[str]:
        """Descendants of ``nodes``, the nodes themselves included."""
        out: set[str] = set()
        for n in nodes:
            self._require(n)
            out.add(n)
            out |= nx.descendants(self._nx, n)
        return frozenset(out)

    def adjacent(self, a: str, b: str) -> bool:
        """True when ``a`` and ``b`` share a directed or bidirected edge."""
        return (self._nx.has_edge(a, b) or self._nx.has_edge(b, a)
                or tuple(sorted((a, b))) in self._bidirected)

    def to_networkx(self) -> nx.DiGraph:
        """A copy of the directed part as a ``networkx.DiGraph`` (roles as node attributes)."""
        g = self._nx.copy()
        for n in self._nodes:
            g.nodes[n]["roles"] = sorted(self._roles.get(n, ()))
        return g

    def topological_order(self) -> tuple[str, ...]:
        """Nodes in an order where every parent comes before its children."""
        return tuple(nx.lexicographical_topological_sort(self._nx, key=self._nodes.index))

    # ------------------------------------------------------------------ new graphs
    def _replace(self, **changes: Any) -> CausalGraph:
        parts: dict[str, Any] = {
            "nodes": self._nodes, "edges": self._edges, "bidirected": self._bidirected,
            "roles": dict(self._roles), "positions": dict(self._positions),
            "labels": dict(self._labels),
        }
        parts.update(changes)
        return CausalGraph(**parts)

    def with_roles(self, **roles: Iterable[str] | str) -> CausalGraph:
        """A copy where each given role is held by exactly the given nodes.

        Examples
        --------
        >>> g = CausalGraph(edges=[("x", "y")]).with_roles(exposure="x", outcome=["y"])
        >>> g.exposures, g.outcomes
        (('x',), ('y',))
        """
        new: dict[str, set[str]] = {n: set(r) for n, r in self._roles.items()}
        for role, members in roles.items():
            if role not in ROLES:
                raise GraphError(f"Unknown role {role!r}. Use one of: {', '.join(ROLES)}.")
            members = [members] if isinstance(members, str) else list(members)
            for m in members:
                self._require(m)
            for n in new:
                new[n].discard(role)
            for m in members:
                new.setdefault(m, set()).add(role)
        return self._replace(roles={n: r for n, r in new.items() if r})

    def with_positions(self, positions: Mapping[str, tuple[float, float]]) -> CausalGraph:
        """A copy with these positions merged in."""
        return self._replace(positions={**self._positions, **positions})

    # ------------------------------------------------------------------ formats
    @classmethod
    def parse(cls, text: str) -> CausalGraph:
        """Parse DAGitty, DOT, GML, our JSON or ``a -> b`` lines (the format is detected).

        Raises
        ------
        GraphError
            With the line and column of the problem, what was expected and a hint.
        """
        from .graph_formats import parse_graph

        return parse_graph(text)

    def to_dagitty(self) -> str:
        """The graph in DAGitty's ``dag { }`` syntax."""
        from .graph_formats import to_dagitty

        return to_dagitty(self)

    def to_dot(self) -> str:
        """The graph as a DOT ``digraph { }``."""
        from .graph_formats import to_dot

        return to_dot(self)

    def to_gml(self) -> str:
        """The graph in GML, as networkx writes it."""
        from .graph_formats import to_gml

        return to_gml(self)

    def to_json(self) -> str:
        """The graph in our versioned JSON format."""
        from .graph_formats import to_json

        return to_json(self)


def _show(names: Iterable[str], limit: int = 12) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")
