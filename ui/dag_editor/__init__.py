"""The drawn DAG editor: a bidirectional Streamlit component around vis-network.

The static frontend (``frontend/``: plain HTML/JS, no build step) speaks Streamlit's component
protocol. vis-network itself is copied at run time from the installed pyvis package into
``frontend/vendor/`` (not committed, no CDN). pyvis builds the node and edge styling from the
``CausalGraph`` and the identification's node roles (:mod:`ui.dag_editor.styling`).

Every edit comes back as nodes (with roles and positions), edges and bidirected edges;
:func:`graph_from_value` turns that into a ``CausalGraph``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyvis
import streamlit.components.v1 as components

from causal_core import CausalGraph, GraphError

from .styling import editor_payload, layered_layout

__all__ = ["dag_editor", "graph_from_value", "editor_payload", "layered_layout"]

FRONTEND = Path(__file__).parent / "frontend"
_VENDOR_FILES = ("vis-network.min.js", "vis-network.css")


def _vis_source() -> Path:
    base = Path(pyvis.__file__).parent
    for sub in ("lib/vis-9.1.2", "templates/lib/vis-9.1.2"):
        if (base / sub / "vis-network.min.js").exists():
            return base / sub
    raise FileNotFoundError("pyvis does not ship vis-network 9.1.2; reinstall pyvis==0.3.2")


def ensure_vendor() -> Path:
    """Copy vis-network from the installed pyvis package next to the editor's page."""
    vendor = FRONTEND / "vendor"
    vendor.mkdir(exist_ok=True)
    src = _vis_source()
    for name in _VENDOR_FILES:
        target = vendor / name
        if not target.exists() or target.stat().st_size != (src / name).stat().st_size:
            shutil.copyfile(src / name, target)
    return vendor


ensure_vendor()
_component = components.declare_component("dag_editor", path=str(FRONTEND))


def dag_editor(payload: Mapping[str, Any], *, key: str, readonly: bool = False) -> dict | None:
    """Draw the editor; return the last edit the user made (or None before any edit)."""
    return _component(**payload, readonly=readonly, key=key, default=None)


def graph_from_value(value: Mapping[str, Any], previous: CausalGraph | None = None) -> CausalGraph:
    """Turn the editor's value into a ``CausalGraph``.

    Display labels and the ``selected`` role are kept from ``previous`` for nodes that still
    exist (the editor does not edit them).

    Raises
    ------
    GraphError
        If the value is malformed or describes a cyclic graph.
    """
    try:
        nodes = [str(n["id"]) for n in value["nodes"]]
        roles = {str(n["id"]): [str(r) for r in n.get("roles", [])] for n in value["nodes"]}
        positions = {str(n["id"]): (float(n["x"]), float(n["y"])) for n in value["nodes"]
                     if n.get("x") is not None and n.get("y") is not None}
        edges = [(str(a), str(b)) for a, b in value.get("edges", [])]
        bidirected = [(str(a), str(b)) for a, b in value.get("bidirected", [])]
    except (KeyError, TypeError, ValueError) as err:
        raise GraphError(
            f"The editor sent a graph this version cannot read ({err}). Reload the page."
        ) from None
    labels: dict[str, str] = {}
    if previous is not None:
        for n in nodes:
            if n in previous:
                if "selected" in previous.roles.get(n, ()):
                    roles[n] = [*roles[n], "selected"]
                if n in previous.labels:
                    labels[n] = previous.labels[n]
    return CausalGraph(nodes, edges, bidirected, roles=roles, positions=positions, labels=labels)
