"""What the editor draws: pyvis builds node and edge styles from the graph and its roles."""

from __future__ import annotations

import json
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


def layered_layout(graph: CausalGraph, dx: float = 170.0,
                   dy: float = 120.0) -> dict[str, tuple[float, float]]:
    """Positions with every cause above its effects: layer = longest path from a root."""
    depth: dict[str, int] = {}
    for v in graph.topological_order():
        depth[v] = max((depth[p] + 1 for p in graph.parents(v)), default=0)
    layers: dict[int, list[str]] = {}
    for v in graph.nodes:
        layers.setdefault(depth[v], []).append(v)
    pos: dict[str, tuple[float, float]] = {}
    for d, members in layers.items():
        for i, v in enumerate(members):
            pos[v] = ((i - (len(members) - 1) / 2) * dx, d * dy)
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


def _highlight(graph: CausalGraph, ident: Identification | None, z: list[str]) -> dict[str, list[str]]:
    """For each node on an open biasing path (given z), the ids of that path's edges."""
    if ident is None or len(ident.treatment) != 1 or len(ident.outcome) != 1:
        return {}
    out: dict[str, set[str]] = {}
    for p in list_paths(graph, ident.treatment[0], ident.outcome[0], z, max_paths=300):
        if not p.biasing:
            continue
        ids = set()
        for (a, b), arrow in zip(zip(p.nodes, p.nodes[1:], strict=False), p.arrows, strict=True):
            if arrow == "<->":
                ids.add(bidirected_id(a, b))
            else:
                ids.add(edge_id(a, b) if arrow == "->" else edge_id(b, a))
        for v in p.nodes:
            out.setdefault(v, set()).update(ids)
    return {v: sorted(ids) for v, ids in out.items()}


def _legend(roles: list[str], adjusted: bool) -> list[dict[str, str]]:
    order = [r for r in ROLE_COLOURS if r in roles]
    items = [{"label": r, "colour": ROLE_COLOURS[r], "style": "dashed" if r == "latent" else ""}
             for r in order]
    if adjusted:
        items.append({"label": "adjusted for (thick border)", "colour": "#ffffff", "style": "thick"})
    return items


def editor_payload(graph: CausalGraph, ident: Identification | None = None, *,
                   adjustment_set: list[str] | None = None, do_view: bool = False,
                   height: int = 480, message: str = "", version: int = 0) -> dict[str, Any]:
    """The component's arguments: pyvis-styled nodes and edges, options, highlights."""
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
    return {"nodes": nodes, "edges": edges, "options": OPTIONS, "height": height,
            "legend": _legend(shown_roles, any_adjusted),
            "highlight": _highlight(graph, ident, z), "message": message, "version": version}
