"""The causal graph as an inline SVG drawing, made by our code (no JavaScript, no fetch).

Nodes sit at the graph's saved positions when every node has one, else on layers by
topological generation. Each node is a rounded box coloured by its role with exactly one
``<text>`` (its name, escaped, shortened to fit with the full name in a ``<title>``); directed
edges are arrows, bidirected edges dashed arcs with two heads.

Examples
--------
>>> import causal_core as cc
>>> from causal_core.report_svg import dag_svg
>>> g = cc.CausalGraph.parse("dag { x [exposure]; y [outcome]; z -> x -> y; z -> y }")
>>> svg = dag_svg(g, {"x": "exposure", "y": "outcome", "z": "confounder"})
>>> svg.startswith("<svg"), svg.count("<text")
(True, 3)
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping

import networkx as nx

from .graph import CausalGraph

__all__ = ["ROLE_COLOURS", "dag_svg", "layout"]

#: Fill colour per node role (``Identification.node_roles``); unknown roles are grey.
ROLE_COLOURS: dict[str, str] = {
    "exposure": "#2ca02c", "outcome": "#1f77b4", "latent": "#ffffff",
    "confounder": "#ff7f0e", "mediator": "#9467bd", "collider": "#d62728",
    "instrument": "#17becf", "treatment descendant": "#c5b0d5", "outcome cause": "#aec7e8",
    "irrelevant": "#dddddd",
}
_DARK = {"exposure", "outcome", "confounder", "mediator", "collider"}
_CHAR_W, _BOX_H, _MAX_CHARS = 7.2, 30.0, 26
_GAP_X, _GAP_Y, _PAD = 190.0, 110.0, 30.0


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _short(name: str) -> str:
    return name if len(name) <= _MAX_CHARS else name[: _MAX_CHARS - 1] + "…"


def layout(g: CausalGraph) -> dict[str, tuple[float, float]]:
    """Node positions in drawing units: the saved ones when complete, else layered."""
    pos = dict(g.positions)
    if g.nodes and all(n in pos for n in g.nodes):
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
        # keep the drawing's proportions; the closest two nodes end up ~200 units apart
        pts = list(pos.values())
        dists = [math.dist(p, q) for i, p in enumerate(pts) for q in pts[i + 1:]]
        closest = min([d for d in dists if d > 0], default=max(span_x, span_y))
        scale = min(200.0 / closest, 1400.0 / span_x, 1000.0 / span_y)
        return {n: ((x - min(xs)) * scale, (y - min(ys)) * scale) for n, (x, y) in pos.items()}
    dg = nx.DiGraph()
    dg.add_nodes_from(g.nodes)
    dg.add_edges_from(g.edges)
    out: dict[str, tuple[float, float]] = {}
    for depth, layer in enumerate(nx.topological_generations(dg)):
        layer = sorted(layer, key=g.nodes.index)
        for i, n in enumerate(layer):
            out[n] = ((i - (len(layer) - 1) / 2) * _GAP_X, depth * _GAP_Y)
    return out


def _box_w(name: str, k: float = 1.0) -> float:
    return max(60.0 * k, (_CHAR_W * len(_short(name)) + 22.0) * k)


def _clip(cx: float, cy: float, w: float, tx: float, ty: float,
          h: float = _BOX_H) -> tuple[float, float]:
    """Where the segment from a box's centre towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (w / 2 + 4) / abs(dx) if dx else math.inf
    sy = (h / 2 + 4) / abs(dy) if dy else math.inf
    s = min(sx, sy, 1.0)
    return cx + dx * s, cy + dy * s


def dag_svg(g: CausalGraph, roles: Mapping[str, str] | None = None, width: int = 900,
            highlight: Iterable[tuple[str, str]] = (), font_size: float = 13.0) -> str:
    """The graph as an ``<svg>`` string, every name escaped.

    Parameters
    ----------
    g : CausalGraph
    roles : mapping of node to role, optional
        Usually ``Identification.node_roles``; colours the boxes (see :data:`ROLE_COLOURS`).
        Nodes marked latent are drawn dashed whatever their role.
    width : int
        Maximum displayed width in pixels (the drawing scales down, never up).
    highlight : iterable of (str, str)
        Edges drawn thick and orange (a hint's path); a pair matches a directed edge either way
        round and a bidirected edge.
    font_size : float
        Size of the node names in drawing units (boxes grow with it; 13 by default, larger
        for a projector).
    """
    k = font_size / 13.0
    box_h = _BOX_H * k
    marked = {frozenset(e) for e in highlight}
    roles = dict(roles or {})
    for n in g.nodes:
        if "exposure" in g.roles.get(n, ()):
            roles[n] = "exposure"
        elif "outcome" in g.roles.get(n, ()):
            roles[n] = "outcome"
    pos = layout(g)
    widths = {n: _box_w(n, k) for n in g.nodes}
    if pos:
        x0 = min(pos[n][0] - widths[n] / 2 for n in g.nodes) - _PAD
        x1 = max(pos[n][0] + widths[n] / 2 for n in g.nodes) + _PAD
        y0 = min(p[1] for p in pos.values()) - box_h - _PAD
        y1 = max(p[1] for p in pos.values()) + box_h + _PAD
    else:
        x0, x1, y0, y1 = 0.0, 200.0, 0.0, 60.0
    vw, vh = x1 - x0, y1 - y0
    parts = [
        f'<svg class="dag" role="img" '
        f'aria-label="causal graph" viewBox="{x0:.1f} {y0:.1f} {vw:.1f} {vh:.1f}" '
        f'width="{min(width, vw):.0f}" style="max-width:100%;height:auto;display:block;margin:auto">',
        '<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#333"/></marker></defs>',
    ]
    for a, b in g.edges:
        (ax, ay), (bx, by) = pos[a], pos[b]
        sx, sy = _clip(ax, ay, widths[a], bx, by, box_h)
        ex, ey = _clip(bx, by, widths[b], ax, ay, box_h)
        ink, thick = ("#e6550d", 4.5) if frozenset((a, b)) in marked else ("#333", 1.6)
        parts.append(f'<line class="edge" x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" '
                     f'y2="{ey:.1f}" stroke="{ink}" stroke-width="{thick}" '
                     f'marker-end="url(#dag-arrow)"/>')
    for a, b in g.bidirected:
        (ax, ay), (bx, by) = pos[a], pos[b]
        sx, sy = _clip(ax, ay, widths[a], bx, by, box_h)
        ex, ey = _clip(bx, by, widths[b], ax, ay, box_h)
        mx, my = (sx + ex) / 2, (sy + ey) / 2
        nx_, ny_ = -(ey - sy), ex - sx
        norm = math.hypot(nx_, ny_) or 1.0
        cx, cy = mx + 40 * nx_ / norm, my + 40 * ny_ / norm
        ink, thick = ("#e6550d", 4.5) if frozenset((a, b)) in marked else ("#777", 1.4)
        parts.append(f'<path class="bidirected" d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} '
                     f'{ex:.1f},{ey:.1f}" fill="none" stroke="{ink}" stroke-width="{thick}" '
                     f'stroke-dasharray="5,4" marker-start="url(#dag-arrow)" '
                     f'marker-end="url(#dag-arrow)"/>')
    for n in g.nodes:
        x, y = pos[n]
        w = widths[n]
        role = roles.get(n, "irrelevant")
        latent = not g.is_observed(n)
        fill = ROLE_COLOURS["latent"] if latent else ROLE_COLOURS.get(role, "#dddddd")
        ink = "#fff" if role in _DARK and not latent else "#111"
        dash = ' stroke-dasharray="4,3"' if latent else ""
        parts.append(
            f'<g class="node" data-role="{_esc(role)}"><title>{_esc(n)} ({_esc(role)})</title>'
            f'<rect x="{x - w / 2:.1f}" y="{y - box_h / 2:.1f}" width="{w:.1f}" '
            f'height="{box_h:.0f}" rx="8" fill="{fill}" stroke="#333"{dash}/>'
            f'<text x="{x:.1f}" y="{y + 4.5 * k:.1f}" text-anchor="middle" fill="{ink}" '
            f'font-family="sans-serif" font-size="{font_size:g}">{_esc(_short(n))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def legend_html(roles: Mapping[str, str]) -> str:
    """An HTML legend (outside the SVG) for the roles that occur."""
    used = [r for r in ROLE_COLOURS if r in set(roles.values())]
    items = "".join(
        f'<span class="legend-item"><span class="swatch" style="background:{ROLE_COLOURS[r]}">'
        f'</span>{_esc(r)}</span>' for r in used)
    return f'<div class="legend">{items}</div>'
