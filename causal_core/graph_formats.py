"""Reading and writing causal graphs: DAGitty, DOT, GML, our JSON and plain edge lines.

:func:`parse_graph` detects the format of a text and returns a
:class:`~causal_core.graph.CausalGraph`; ``to_dagitty``, ``to_dot``, ``to_gml`` and ``to_json``
write one. The contract is the round trip: ``parse_graph(to_X(g)) == g`` for every graph ``g``
and every writer ``X``, whatever characters the node names hold.

The DAGitty/DOT tokenizer and parser live in :mod:`causal_core.graph_dot`.

Examples
--------
>>> g = parse_graph("dag { x [exposure]; y [outcome]; z -> {x y}; x -> y }")
>>> sorted(g.edges)
[('x', 'y'), ('z', 'x'), ('z', 'y')]
>>> parse_graph(to_json(g)) == g
True
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

import networkx as nx

from .exceptions import GraphError
from .graph import MAX_EDGES, MAX_NODES, ROLES, TOO_BIG_HINT, CausalGraph
from .graph_dot import (
    ROLE_WORDS,
    SUPPORTED_FORMATS,
    format_name,
    join_attributes,
    parse_statements,
    quote,
)

__all__ = ["JSON_FORMAT", "JSON_VERSION", "graph_from_json", "parse_graph", "to_dagitty",
           "to_dot", "to_gml", "to_json"]

#: The ``format`` field of our JSON documents.
JSON_FORMAT = "causal-explorer-graph"
#: The newest JSON version this code reads and the one it writes.
JSON_VERSION = 1

_LEADING = re.compile(r"(?:\s+|//[^\n]*|#[^\n]*|/\*.*?\*/|\ufeff)*", re.S)
_GML_START = re.compile(r'(?:(?:Creator|Version)\s+(?:"[^"]*"|\S+)\s+)*graph\s*\[', re.I)
_JSON_START = re.compile(r'\{\s*["}]')
_GML_POSITION = re.compile(r"\((\d+), (\d+)\)")
_TRUE = (1, True, "1", "true", "yes")
#: Deepest nesting of ``[ ]``/``{ }`` a JSON or GML graph may have (their readers recurse).
MAX_NESTING = 100
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)
_GML_TOKENS = re.compile(r'"[^"]*"?|[\[\]]')
_GML_KEYS = re.compile(r'"[^"]*"?|\b(node|edge)\s*\[')  # strings skipped

#: The longest graph text read, in characters. A graph at the edge limit takes about 0.5 MB
#: in DAGitty syntax and 1.9 MB as GML (the most verbose format, as networkx writes it).
MAX_GRAPH_CHARS = 2_000_000


# ---------------------------------------------------------------------------------- detection
def parse_graph(text: str) -> CausalGraph:
    """Parse a causal graph, detecting its format.

    Parameters
    ----------
    text : str
        A DAGitty ``dag { }``, a DOT ``digraph { }``, GML as networkx writes it, our JSON
        (``"format": "causal-explorer-graph"``) or plain ``a -> b`` lines.

    Returns
    -------
    CausalGraph

    Raises
    ------
    GraphError
        On empty text, an unknown format, a syntax error (with ``line`` and ``column``), an
        unknown role word, an undirected edge or a directed cycle.
    """
    if not isinstance(text, str):
        raise GraphError(f"The graph must be given as text, got {type(text).__name__}.")
    if len(text) > MAX_GRAPH_CHARS:
        raise GraphError(f"The graph text has {len(text):,} characters, more than the limit of "
                         f"{MAX_GRAPH_CHARS:,} (a graph of {MAX_EDGES:,} edges takes about a "
                         f"quarter of that in DAGitty syntax). {TOO_BIG_HINT}")
    try:
        return _parse_detected(text)
    except RecursionError:  # a backstop: every reader is depth-limited before it recurses
        raise GraphError("The graph text is nested too deeply to read. Rule: groups and lists "
                         f"nest at most {MAX_NESTING} levels. Write the graph with fewer "
                         "nested braces or brackets.") from None


def _parse_detected(text: str) -> CausalGraph:
    head = text[_LEADING.match(text).end():]
    if head == "":
        raise GraphError("The graph text is empty (only blanks or comments). Write a model "
                         "such as 'dag { x -> y }' or lines such as 'x -> y'.")
    if head[0] == "[" or _JSON_START.match(head):
        _check_nesting(text, "JSON", "[{", "]}", escapes=True)
        return _parse_json(text)
    if _GML_START.match(head):
        _check_nesting(text, "GML", "[", "]", escapes=False)
        _check_gml_size(text)
        return _parse_gml(text)
    if head[0] == "<":
        line = text.count("\n", 0, len(text) - len(head)) + 1
        column = len(text) - len(head) - (text.rfind("\n", 0, len(text) - len(head)) + 1) + 1
        raise GraphError(f"Line {line}, column {column}: this text looks like XML (such as "
                         f"GraphML), which is not supported. Supported formats: "
                         f"{SUPPORTED_FORMATS}.", line=line, column=column)
    return parse_statements(text)


def _check_nesting(text: str, what: str, opens: str, closes: str, *, escapes: bool) -> None:
    """Refuse texts nested deeper than :data:`MAX_NESTING`, in one pass (strings skipped)."""
    depth = 0
    for m in (_JSON_TOKENS if escapes else _GML_TOKENS).finditer(text):
        c = m.group()
        if c in opens:
            depth += 1
            if depth > MAX_NESTING:
                i = m.start()
                line = text.count("\n", 0, i) + 1
                column = i - (text.rfind("\n", 0, i) + 1) + 1
                raise GraphError(
                    f"Line {line}, column {column}: the {what} graph is nested more than "
                    f"{MAX_NESTING} levels deep. Rule: a graph file nests at most {MAX_NESTING} "
                    "levels; a real graph needs three or four. Check that this is the graph "
                    "file you meant.", line=line, column=column)
        elif c in closes:
            depth -= 1


def _check_gml_size(text: str) -> None:
    """Refuse a GML text with more nodes or edges than the limits before networkx reads it."""
    counts = Counter(m[1] for m in _GML_KEYS.finditer(text) if m[1])
    _check_listed("GML", counts["node"], counts["edge"])


def _check_listed(fmt: str, n_nodes: int, n_edges: int) -> None:
    """Refuse a graph file that lists more nodes or edges than the limits, before building."""
    for what, n, limit in (("nodes", n_nodes, MAX_NODES), ("edges", n_edges, MAX_EDGES)):
        if n > limit:
            raise GraphError(f"The {fmt} graph lists {n:,} {what}, more than the limit of "
                             f"{limit:,}. {TOO_BIG_HINT}")


# ---------------------------------------------------------------------------------- JSON
def _parse_json(text: str) -> CausalGraph:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraphError(f"Line {exc.lineno}, column {exc.colno}: the JSON is malformed: "
                         f"{exc.msg}.", line=exc.lineno, column=exc.colno) from None
    return graph_from_json(data)


def graph_from_json(data: Any) -> CausalGraph:
    """Build a graph from decoded JSON in our format (see :func:`to_json`).

    Raises
    ------
    GraphError
        When the document is not ours, is from a newer version, or a field has the wrong type.
    """
    _check_json_header(data)
    roles: dict[str, list[str]] = {}
    positions: dict[str, tuple[float, float]] = {}
    labels: dict[str, str] = {}
    listed = {key: _json_list(data, key) for key in ("nodes", "edges", "bidirected")}
    _check_listed("JSON", len(listed["nodes"]), len(listed["edges"]) + len(listed["bidirected"]))
    names = [_json_node(item, i, roles, positions, labels)
             for i, item in enumerate(listed["nodes"])]
    edges = [_json_pair(p, "edges", i) for i, p in enumerate(listed["edges"])]
    bidirected = [_json_pair(p, "bidirected", i) for i, p in enumerate(listed["bidirected"])]
    return CausalGraph(nodes=names, edges=edges, bidirected=bidirected, roles=roles,
                       positions=positions, labels=labels)


def _check_json_header(data: Any) -> None:
    supported = f"this program reads {{\"format\": \"{JSON_FORMAT}\", \"version\": {JSON_VERSION}}}"
    if not isinstance(data, dict):
        raise GraphError(f"The JSON is a {type(data).__name__}, not a graph object; "
                         f"{supported}. Other supported formats: {SUPPORTED_FORMATS}.")
    if data.get("format") != JSON_FORMAT:
        seen = (f"the format {data['format']!r}" if "format" in data
                else "no \"format\" field")
        raise GraphError(f"The JSON has {seen}; {supported}.")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise GraphError(f"The JSON has the version {version!r}; {supported}.")
    if version > JSON_VERSION:
        raise GraphError(f"The JSON graph has version {version}, written by a newer Causal "
                         f"Explorer; {supported}. Update the program, or export the graph in "
                         "DAGitty format.")


def _json_list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise GraphError(f"The JSON field {key!r} must be a list, got {type(value).__name__}.")
    return value


def _json_pair(item: Any, key: str, i: int) -> tuple[str, str]:
    if not (isinstance(item, list) and len(item) == 2 and all(isinstance(s, str) for s in item)):
        raise GraphError(f"The JSON field {key!r}, entry {i + 1}, must be a pair of node names "
                         f'such as ["a", "b"], got {item!r}.')
    return item[0], item[1]


def _json_node(item: Any, i: int, roles: dict[str, list[str]],
               positions: dict[str, tuple[float, float]], labels: dict[str, str]) -> str:
    where = f"The JSON node {i + 1}"
    if isinstance(item, str):
        return item
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise GraphError(f'{where} must be an object with a text "name", got {item!r}.')
    name = item["name"]
    if "label" in item:
        if not isinstance(item["label"], str):
            raise GraphError(f'{where} ({name!r}) has a "label" that is not text.')
        labels[name] = item["label"]
    if "roles" in item:
        roles[name] = _json_roles(item["roles"], where, name)
    if "pos" in item:
        positions[name] = _json_pos(item["pos"], where, name)
    return name


def _json_roles(value: Any, where: str, name: str) -> list[str]:
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise GraphError(f'{where} ({name!r}) has "roles" that are not a list of words.')
    bad = [w for w in words if w.lower() not in ROLE_WORDS]
    if bad:
        raise GraphError(f"{where} ({name!r}) has the unknown role {bad[0]!r}. "
                         f"Use one of: {', '.join(ROLES)}.")
    return [ROLE_WORDS[w.lower()] for w in words]


def _json_pos(value: Any, where: str, name: str) -> tuple[float, float]:
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
          and all(math.isfinite(v) for v in value))
    if not ok:
        raise GraphError(f'{where} ({name!r}) has "pos" {value!r}; write two finite numbers '
                         "such as [1.5, -2].")
    return float(value[0]), float(value[1])


# ---------------------------------------------------------------------------------- GML
def _parse_gml(text: str) -> CausalGraph:
    try:
        g = nx.parse_gml(text, label=None)
    except (nx.NetworkXError, ValueError) as exc:
        found = _GML_POSITION.search(str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        where = f"Line {line}, column {column}: the" if found else "The"
        raise GraphError(f"{where} GML text could not be read: {exc}. Hint: GML looks like "
                         "'graph [ directed 1 node [ id 0 label \"x\" ] ... ]'.",
                         line=line, column=column) from None
    if not g.is_directed():
        raise GraphError("The GML graph is undirected, but a causal graph needs arrows. "
                         "Hint: add 'directed 1' right after 'graph ['.")
    return _graph_from_nx(g)


def _graph_from_nx(g: nx.DiGraph) -> CausalGraph:
    names: dict[Any, str] = {}
    roles: dict[str, list[str]] = {}
    positions: dict[str, tuple[float, float]] = {}
    labels: dict[str, str] = {}
    for key, data in g.nodes(data=True):
        name = str(data.get("label", key))
        if name in names.values():
            raise GraphError(f"The GML graph has two nodes labelled {name!r}; "
                             "give every node its own label.")
        names[key] = name
        _gml_node(name, data, roles, positions, labels)
    edges, bidirected = [], []
    for u, v, data in g.edges(data=True):
        pair = (names[u], names[v])
        (bidirected if data.get("bidirected") in _TRUE else edges).append(pair)
    return CausalGraph(nodes=names.values(), edges=edges, bidirected=bidirected, roles=roles,
                       positions=positions, labels=labels)


def _gml_node(name: str, data: dict[str, Any], roles: dict[str, list[str]],
              positions: dict[str, tuple[float, float]], labels: dict[str, str]) -> None:
    words = data.get("roles", "")
    words = " ".join(words) if isinstance(words, list) else str(words)
    roles[name] = _json_roles(words.replace(",", " ").split(), "The GML node", name)
    xy = data if "x" in data else data.get("graphics", {})
    if isinstance(xy, dict) and "x" in xy and "y" in xy:
        positions[name] = _json_pos([xy["x"], xy["y"]], "The GML node", name)
    if "display" in data:
        labels[name] = str(data["display"])


# ---------------------------------------------------------------------------------- writers
def _roles_of(g: CausalGraph, node: str) -> list[str]:
    return [r for r in ROLES if r in g.roles.get(node, ())]


def _pos_text(g: CausalGraph, node: str) -> str:
    x, y = g.positions[node]
    return quote(f"{x!r},{y!r}")


def to_dagitty(g: CausalGraph) -> str:
    """Write ``g`` in DAGitty's ``dag { }`` syntax.

    Nodes with roles, a position or a label, and nodes without edges, get a line of their own;
    then come the edges ``a -> b`` and ``a <-> b``. Positions are written with ``repr`` so they
    read back exactly.
    """
    attached = {n for pair in g.edges + g.bidirected for n in pair}
    lines = ["dag {"]
    for n in g.nodes:
        attrs = _roles_of(g, n)
        if n in g.positions:
            attrs.append(f"pos={_pos_text(g, n)}")
        if n in g.labels:
            attrs.append(f"label={quote(g.labels[n])}")
        if attrs or n not in attached:
            lines.append(format_name(n) + join_attributes(attrs))
    lines += [f"{format_name(a)} -> {format_name(b)}" for a, b in g.edges]
    lines += [f"{format_name(a)} <-> {format_name(b)}" for a, b in g.bidirected]
    return "\n".join(lines) + "\n}\n"


def to_dot(g: CausalGraph) -> str:
    """Write ``g`` as a DOT ``digraph { }`` with quoted ids.

    Node attributes are ``role="exposure,latent"``, ``pos="x,y"`` and ``label="..."``;
    a bidirected edge is written ``"a" -> "b" [dir=both, style=dashed]``.
    """
    lines = ["digraph {"]
    for n in g.nodes:
        attrs = []
        if g.roles.get(n):
            attrs.append(f"role={quote(','.join(_roles_of(g, n)))}")
        if n in g.positions:
            attrs.append(f"pos={_pos_text(g, n)}")
        if n in g.labels:
            attrs.append(f"label={quote(g.labels[n])}")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {quote(n)}{suffix};")
    lines += [f"  {quote(a)} -> {quote(b)};" for a, b in g.edges]
    lines += [f"  {quote(a)} -> {quote(b)} [dir=both, style=dashed];" for a, b in g.bidirected]
    return "\n".join(lines) + "\n}\n"


def to_gml(g: CausalGraph) -> str:
    """Write ``g`` in GML with networkx.

    Node attributes: ``roles`` (space-separated), ``x``/``y`` (position), ``display`` (label).
    A bidirected edge is an edge with ``bidirected 1``; it is written against the direction of
    a directed edge between the same nodes, if there is one, so both fit in one ``DiGraph``.
    """
    dg = nx.DiGraph()
    for n in g.nodes:
        attrs: dict[str, Any] = {}
        if g.roles.get(n):
            attrs["roles"] = " ".join(_roles_of(g, n))
        if n in g.positions:
            attrs["x"], attrs["y"] = g.positions[n]
        if n in g.labels:
            attrs["display"] = g.labels[n]
        dg.add_node(n, **attrs)
    dg.add_edges_from(g.edges)
    directed = set(g.edges)
    for a, b in g.bidirected:
        dg.add_edge(*((b, a) if (a, b) in directed else (a, b)), bidirected=1)
    return "\n".join(nx.generate_gml(dg)) + "\n"


def to_json(g: CausalGraph) -> str:
    """Write ``g`` in our JSON format (``"format": "causal-explorer-graph"``, version 1)."""
    nodes = []
    for n in g.nodes:
        item: dict[str, Any] = {"name": n}
        if n in g.labels:
            item["label"] = g.labels[n]
        if g.roles.get(n):
            item["roles"] = _roles_of(g, n)
        if n in g.positions:
            item["pos"] = list(g.positions[n])
        nodes.append(item)
    doc = {"format": JSON_FORMAT, "version": JSON_VERSION, "nodes": nodes,
           "edges": [list(e) for e in g.edges], "bidirected": [list(e) for e in g.bidirected]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
