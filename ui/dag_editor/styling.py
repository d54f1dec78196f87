"""What the editor draws: pyvis builds node and edge styles from the graph and its roles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pyvis.network import Network

from causal_core import CausalGraph, Identification, list_paths

#: Fill colour per node role (identification roles first, then the graph's own roles).
ROLE_COLOURS: dict[str, str] = {
    "exposure": "#38a169", "outcome": "#3182ce", "confounder": "#e53e3e", "mediator": "#9ae6b4",
    "collider": "#ed8936", "instrument": "#f6e05e", "treatment descendant": "#cbd5e0",
    "outcome cause": "#bee3f8", "irrelevant": "#edf2f7", "latent": "#ffffff",
}
ROLE_TEXT: dict[str, str] = {
    "exposure": "exposure (treatment)", "outcome": "outcome", "confounder": "confounder: causes both",
    "mediator": "mediator: on the causal path", "collider": "collider: adjusting for it opens a path",
    "instrument": "instrument: moves the treatment only",
    "treatment descendant": "caused by the treatment: do not adjust",
    "outcome cause": "causes the outcome only", "irrelevant": "not on any path that matters",
    "latent": "latent (unmeasured)",
}
#: Border and edge colour of what the ``highlight`` argument marks (the editor's MARK_COLOUR).
MARK_COLOUR = "#6b46c1"
#: Above this many arrows the editor hides them while the view is dragged or zoomed.
LARGE = 400
OPTIONS: dict[str, Any] = {
    "physics": {"enabled": False},
    "interaction": {"hover": True, "multiselect": True, "keyboard": False, "dragView": True,
                    "zoomView": True, "tooltipDelay": 200},
    "edges": {"smooth": False, "color": {"color": "#4a5568"}, "width": 1.5,
              "arrows": {"to": {"enabled": True, "scaleFactor": 0.8}}},
    "nodes": {"shape": "box", "margin": 10, "font": {"size": 16, "color": "#1a202c"},
              "borderWidth": 1, "color": {"border": "#4a5568"}},
}


def edge_id(a: str, b: str) -> str:
    """The editor's id of the edge a -> b (JSON, as the JavaScript side writes it)."""
    return json.dumps([a, b], ensure_ascii=False, separators=(",", ":"))


def bidirected_id(a: str, b: str) -> str:
    """The editor's id of the bidirected edge a <-> b."""
    return json.dumps(["<->", *sorted((a, b))], ensure_ascii=False, separators=(",", ":"))


def layered_layout(graph: CausalGraph, dx: float = 170.0, dy: float = 120.0,
                   max_row: int = 20) -> dict[str, tuple[float, float]]:
    """Positions with every cause above its effects, computed once in Python (the editor keeps
    physics off, so a 500-node graph draws without simulating).

    Layer = longest path from a root; within a layer nodes are ordered by the mean position of
    their parents (one barycentre sweep, fewer crossings); a layer wider than ``max_row`` nodes
    wraps onto several rows, so the drawing stays roughly as wide as it is tall.
    """
    depth: dict[str, int] = {}
    for v in graph.topological_order():
        depth[v] = max((depth[p] + 1 for p in graph.parents(v)), default=0)
    layers: dict[int, list[str]] = {}
    for v in graph.nodes:
        layers.setdefault(depth[v], []).append(v)
    rank: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {}
    row = 0
    for d in sorted(layers):
        members = layers[d]
        if d > 0:
            order = {v: i for i, v in enumerate(members)}
            members = sorted(members, key=lambda v: (
                sum(rank[p] for p in graph.parents(v)) / max(len(graph.parents(v)), 1), order[v]))
        for i, v in enumerate(members):
            rank[v] = i / max(len(members) - 1, 1)
        for start in range(0, len(members), max_row):
            chunk = members[start:start + max_row]
            for i, v in enumerate(chunk):
                pos[v] = ((i - (len(chunk) - 1) / 2) * dx, row * dy)
            row += 1
    return pos


def with_layout(graph: CausalGraph, previous: CausalGraph | None = None) -> CausalGraph:
    """The graph with a position for every node: its own, else the previous graph's, else laid out."""
    missing = [v for v in graph.nodes if v not in graph.positions]
    if not missing:
        return graph
    fresh = layered_layout(graph)
    old = previous.positions if previous is not None else {}
    return graph.with_positions({v: old.get(v, fresh[v]) for v in missing})


def display_positions(graph: CausalGraph) -> dict[str, tuple[float, float]]:
    """Positions in screen pixels: DAGitty-style unit coordinates (all within a few units) are
    scaled up so that nodes do not sit on top of each other."""
    pos = dict(graph.positions)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    extent = max(max(xs) - min(xs), max(ys) - min(ys)) if pos else 0.0
    if 0 < extent < 50:
        return {v: (x * 150.0, y * 150.0) for v, (x, y) in pos.items()}
    return pos


def biasing_paths(graph: CausalGraph, treatment: str, outcome: str, z: list[str]) -> list[list[Any]]:
    """For each node on an open biasing path (given z): [node, the vis ids of that path's edges].

    A list of pairs, never an object keyed by node names (a name such as ``constructor`` or
    ``__proto__`` would collide with JavaScript's object machinery).
    """
    out: dict[str, set[str]] = {}
    for p in list_paths(graph, treatment, outcome, z, max_paths=300):
        if not p.biasing:
            continue
        ids = set()
        for (a, b), arrow in zip(zip(p.nodes, p.nodes[1:], strict=False), p.arrows, strict=True):
            if arrow == "<->":
                ids.add("b:" + bidirected_id(a, b))
            else:
                ids.add("e:" + (edge_id(a, b) if arrow == "->" else edge_id(b, a)))
        for v in p.nodes:
            out.setdefault(v, set()).update(ids)
    return [[v, sorted(ids)] for v, ids in out.items()]


def question(ident: Identification | None) -> tuple[str, str] | None:
    """(treatment, outcome) when the identification poses one single question, else None."""
    if ident is None or len(ident.treatment) != 1 or len(ident.outcome) != 1:
        return None
    return ident.treatment[0], ident.outcome[0]


def _default_paths(graph: CausalGraph, ident: Identification | None, z: list[str]) -> list[list[Any]]:
    q = question(ident)
    return [] if q is None else biasing_paths(graph, *q, z)


def mark_payload(graph: CausalGraph, highlight: Iterable[str | Sequence[str]] | None,
                 label: str = "") -> dict[str, Any]:
    """What ``highlight`` asks to draw distinctly: node names, and edges as (a, b) pairs.

    A pair is the directed edge a -> b when the graph has it, else the bidirected a <-> b;
    ``(a, "->", b)`` and ``(a, "<->", b)`` say which (a hedge may hold both). An item the graph
    does not have is ignored (a stale highlight never breaks the drawing).
    """
    nodes: list[str] = []
    edges: list[list[str]] = []
    bidirected: list[list[str]] = []
    directed = set(graph.edges)
    bi = {frozenset(e): e for e in graph.bidirected}
    for item in highlight or ():
        if isinstance(item, str):
            if item in graph:
                nodes.append(item)
            continue
        parts = [str(v) for v in item]
        kind = parts.pop(1) if len(parts) == 3 else None
        if len(parts) != 2 or kind not in (None, "->", "<->"):
            continue
        a, b = parts
        if kind != "<->" and (a, b) in directed:
            edges.append([a, b])
        elif kind != "->" and frozenset((a, b)) in bi:
            bidirected.append(list(bi[frozenset((a, b))]))
    return {"nodes": nodes, "edges": edges, "bidirected": bidirected, "label": label}


def _legend(roles: list[str], adjusted: bool, mark: str | None) -> list[dict[str, str]]:
    order = [r for r in ROLE_COLOURS if r in roles]
    items = [{"label": r, "colour": ROLE_COLOURS[r], "style": "dashed" if r == "latent" else ""}
             for r in order]
    if adjusted:
        items.append({"label": "adjusted for (thick border)", "colour": "#ffffff", "style": "thick"})
    if mark is not None:
        items.append({"label": mark or "highlighted", "colour": "#ffffff", "style": "thick",
                      "border": MARK_COLOUR})
    return items


def editor_payload(graph: CausalGraph, ident: Identification | None = None, *,
                   adjustment_set: list[str] | None = None, do_view: bool = False,
                   height: int = 480, message: str = "", version: int = 0,
                   highlight: Iterable[str | Sequence[str]] | None = None, highlight_label: str = "",
                   columns: Iterable[Any] | None = None, ack: Mapping[str, Any] | None = None,
                   paths: list[list[Any]] | None = None, scope: str = "") -> dict[str, Any]:
    """The component's arguments: pyvis-styled nodes and edges, options, highlights.

    Parameters
    ----------
    highlight
        Nodes (names) and edges ((a, b) pairs) drawn distinctly, e.g. a hedge or a biasing
        path; ``highlight_label`` names it in the legend and the tooltips.
    columns
        The data's columns: those not in the drawing are offered as nodes (one click each, or
        all at once), added in the browser.
    ack
        The last editor batch Python applied (``{"inst", "seq"}``): the editor keeps newer
        local edits over a render that answers an older batch.
    version
        Bumped whenever the graph changed from outside the drawing; the editor then adopts it.
    paths
        :func:`biasing_paths`, when the caller caches it (it depends on the structure only).
    scope
        An opaque name of the analysis: a batch a page change lost is sent again only to an
        editor of the same analysis.
    """
    graph = with_layout(graph)
    roles = ident.node_roles if ident is not None else {}
    z = list(adjustment_set or [])
    positions = display_positions(graph)
    net = Network(directed=True)
    shown_roles: list[str] = []
    any_adjusted = False
    for v in graph.nodes:
        own = graph.roles.get(v, frozenset())
        role = roles.get(v) or next((r for r in ("exposure", "outcome", "latent") if r in own), "irrelevant")
        adjusted = v in z or "adjusted" in own
        any_adjusted = any_adjusted or adjusted
        if role not in shown_roles:
            shown_roles.append(role)
        title = f"{v}\n{ROLE_TEXT.get(role, role)}" + ("\nadjusted for" if adjusted else "")
        x, y = positions[v]
        net.add_node(v, label=graph.label(v), title=title, x=x, y=y, physics=False, shape="box",
                     color={"background": ROLE_COLOURS.get(role, "#edf2f7"),
                            "border": "#1a202c" if adjusted else "#4a5568"},
                     borderWidth=4 if adjusted else 1,
                     shapeProperties={"borderDashes": [5, 4] if role == "latent" else False})
    exposures = set(ident.treatment) if ident is not None else set(graph.exposures)
    for a, b in graph.edges:
        cut = do_view and b in exposures
        style = {"dashes": [6, 6], "color": {"color": "#cbd5e0"}, "title": "cut by do()"} if cut else {}
        net.add_edge(a, b, id=edge_id(a, b), **style)
    for a, b in graph.bidirected:
        net.add_edge(a, b, id=bidirected_id(a, b), arrows="to, from", dashes=True,
                     bidirected=True, title="latent common cause")
    nodes = []
    for n in net.nodes:
        n = dict(n)
        n["roles"] = sorted(graph.roles.get(n["id"], ()))
        nodes.append(n)
    edges = [dict(e) for e in net.edges]
    mark = mark_payload(graph, highlight, highlight_label)
    marked = bool(mark["nodes"] or mark["edges"] or mark["bidirected"])
    options = OPTIONS
    if len(edges) > LARGE:  # a big drawing pans and zooms without redrawing every arrow
        options = {**OPTIONS, "interaction": {**OPTIONS["interaction"], "hideEdgesOnDrag": True,
                                              "hideEdgesOnZoom": True}}
    return {"nodes": nodes, "edges": edges, "options": options, "height": height,
            "legend": _legend(shown_roles, any_adjusted, highlight_label if marked else None),
            "paths": _default_paths(graph, ident, z) if paths is None else paths, "mark": mark,
            "columns": [str(c) for c in columns or ()], "message": message, "version": version,
            "ack": dict(ack) if ack else None, "scope": scope}
