"""Tests of ``causal_core.graph_formats``: DAGitty, DOT, GML, JSON and edge lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causal_core.exceptions import GraphError
from causal_core.graph import ROLES, CausalGraph
from causal_core.graph_formats import parse_graph, to_dagitty, to_dot, to_gml, to_json

CASES = json.loads((Path(__file__).parents[1] / "data" / "dagitty_cases.json")
                   .read_text(encoding="utf-8"))
WRITERS = [to_dagitty, to_dot, to_gml, to_json]
Writer = Callable[[CausalGraph], str]


def edges(text: str) -> set[tuple[str, str]]:
    """The directed edges of the parsed text, as a set."""
    return set(parse_graph(text).edges)


def roles(text: str) -> dict[str, set[str]]:
    """The roles of the parsed text, as plain sets."""
    return {n: set(r) for n, r in parse_graph(text).roles.items()}


# ---------------------------------------------------------------------------------- DAGitty
@pytest.mark.parametrize("text", [
    "dag { a -> b }", "digraph { a -> b }", "pdag { a -> b }", "strict digraph G { a -> b }",
    "dag name { a -> b }", 'digraph "my graph" { a -> b }', "DAG { a -> b }",
    "graph { a -> b }", "  // comment\n dag {\n a -> b\n }\n",
])
def test_headers(text: str) -> None:
    assert parse_graph(text) == CausalGraph(edges=[("a", "b")])


def test_chain_mixed_and_reverse_arrows() -> None:
    assert edges("dag { a -> b -> c }") == {("a", "b"), ("b", "c")}
    assert edges("dag { a -> b <- c }") == {("a", "b"), ("c", "b")}
    assert edges("dag { a <- b }") == {("b", "a")}
    g = parse_graph("dag { x <- a -> m <- b -> y; a <-> b }")
    assert set(g.edges) == {("a", "x"), ("a", "m"), ("b", "m"), ("b", "y")}
    assert g.bidirected == (("a", "b"),)


def test_bidirected_in_chain() -> None:
    g = parse_graph("dag { a <-> b -> c }")
    assert g.bidirected == (("a", "b"),)
    assert g.edges == (("b", "c"),)


def test_groups() -> None:
    assert edges("dag { a -> {b c} }") == {("a", "b"), ("a", "c")}
    assert edges("dag { {a b} -> c }") == {("a", "c"), ("b", "c")}
    assert edges("dag { {a b} -> {c d} }") == {("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")}
    assert edges("dag { a -> {b {c d}} }") == {("a", "b"), ("a", "c"), ("a", "d")}
    assert edges("dag { {a {b c}} -> d }") == {("a", "d"), ("b", "d"), ("c", "d")}
    assert edges("dag { {a; b} <- z }") == {("z", "a"), ("z", "b")}


def test_group_with_edges_inside_counts_every_member() -> None:
    assert edges("dag { {a -> b} -> c }") == {("a", "b"), ("a", "c"), ("b", "c")}


def test_attributes_inside_a_group_apply() -> None:
    g = parse_graph("dag { {x [exposure] y} -> z }")
    assert g.exposures == ("x",)
    assert set(g.edges) == {("x", "z"), ("y", "z")}


@pytest.mark.parametrize(("word", "role"), [
    ("exposure", "exposure"), ("e", "exposure"), ("source", "exposure"),
    ("outcome", "outcome"), ("o", "outcome"), ("target", "outcome"),
    ("latent", "latent"), ("l", "latent"), ("unobserved", "latent"), ("u", "latent"),
    ("adjusted", "adjusted"), ("a", "adjusted"), ("selected", "selected"), ("s", "selected"),
])
def test_role_words(word: str, role: str) -> None:
    assert roles(f"dag {{ x [{word}] ; x -> y }}") == {"x": {role}}


def test_several_attributes_with_every_separator() -> None:
    g = parse_graph('dag { x [exposure,pos="1.5,-2"] y [o; l pos="0,3" label="Why"] x -> y }')
    assert g.roles == {"x": frozenset({"exposure"}), "y": frozenset({"outcome", "latent"})}
    assert g.positions == {"x": (1.5, -2.0), "y": (0.0, 3.0)}
    assert g.labels == {"y": "Why"}


def test_roles_accumulate_over_statements() -> None:
    assert roles("dag { x [exposure]\n x [latent]\n x -> y }") == {"x": {"exposure", "latent"}}


def test_position_forms() -> None:
    g = parse_graph('dag { a [pos=" -1e-3 , 2.5 "] b [pos="3,4!"] }')
    assert g.positions == {"a": (-0.001, 2.5), "b": (3.0, 4.0)}


def test_quoted_names() -> None:
    g = parse_graph('dag { "two words" -> "Größe" ; "say \\"hi\\"" -> "back\\\\slash" }')
    assert set(g.edges) == {("two words", "Größe"), ('say "hi"', "back\\slash")}


def test_string_concatenation_and_line_continuation() -> None:
    assert parse_graph('dag { "ab" + "cd" -> "e\\\nf" }').edges == (("abcd", "ef"),)


def test_unicode_and_special_bare_names() -> None:
    g = parse_graph("dag { Größe -> 中文 ; x.1 -> -2.5 ; _a -> ñ }")
    assert set(g.edges) == {("Größe", "中文"), ("x.1", "-2.5"), ("_a", "ñ")}


def test_separators_empty_statements_and_comments() -> None:
    text = """dag {
    # a preprocessor-style comment
    a -> b;; ;
    b -> c // to the end of the line
    /* a block
       comment */ c -> d
    d
    e
    }"""
    g = parse_graph(text)
    assert g.nodes == ("a", "b", "c", "d", "e")
    assert set(g.edges) == {("a", "b"), ("b", "c"), ("c", "d")}


def test_global_options_and_edge_attributes_are_ignored() -> None:
    g = parse_graph('dag { bb="0,0,1,1" rankdir=LR a -> b [pos="0.5,0.5" label="e1"] }')
    assert g == CausalGraph(edges=[("a", "b")])


def test_node_order_follows_the_text() -> None:
    assert parse_graph("dag { z; y -> x; a }").nodes == ("z", "y", "x", "a")


def test_dagitty_web_output() -> None:
    text = """dag {
bb="-4.5,-3.5,4.5,3.5"
A [selected,pos="-2.200,-1.520"]
B [pos="1.400,-1.460"]
D [outcome,pos="1.400,1.621"]
E [exposure,pos="-2.200,1.597"]
Z [adjusted,pos="-0.300,-0.082"]
A -> E
A -> Z [pos="-0.791,-1.045"]
B -> D
B -> Z [pos="0.680,-0.496"]
Z -> D
Z -> E
}
"""
    g = parse_graph(text)
    assert g.nodes == ("A", "B", "D", "E", "Z")
    assert set(g.edges) == {("A", "E"), ("A", "Z"), ("B", "D"), ("B", "Z"), ("Z", "D"),
                            ("Z", "E")}
    assert (g.selected, g.outcomes, g.exposures, g.adjusted) == (("A",), ("D",), ("E",), ("Z",))
    assert g.positions["A"] == (-2.2, -1.52)
    assert g.positions["Z"] == (-0.3, -0.082)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_dagitty_reference_cases(case: dict) -> None:
    g = parse_graph(case["dag"])
    for role in ROLES:
        assert set(g.nodes_with_role(role)) == set(case[role]), role
    assert parse_graph(to_dagitty(g)) == g


# ---------------------------------------------------------------------------------- DOT
def test_dowhy_dot() -> None:
    g = parse_graph('digraph {U[label="Unobserved Confounders" observed="no"]; U->y; '
                    "W0-> v0; v0->y; W0->y;}")
    assert set(g.edges) == {("U", "y"), ("W0", "v0"), ("v0", "y"), ("W0", "y")}
    assert g.latent == ("U",)
    assert g.label("U") == "Unobserved Confounders"


def test_networkx_pydot_style_dot() -> None:
    text = """strict digraph  {
U [label="Unobserved Confounders", observed=no];
y;
"a b";
U -> y;
"a b" -> y;
}
"""
    g = parse_graph(text)
    assert g.nodes == ("U", "y", "a b")
    assert set(g.edges) == {("U", "y"), ("a b", "y")}
    assert g.latent == ("U",)


def test_dot_defaults_subgraphs_and_graph_options() -> None:
    text = """digraph G {
      graph [rankdir=LR]; node [shape=box]; edge [color=gray];
      rankdir=LR;
      subgraph cluster_x { label="confounders"; w1; w2 -> t }
      w1 -> y; t -> y [color=red, penwidth=2];
    }"""
    g = parse_graph(text)
    assert set(g.nodes) == {"w1", "w2", "t", "y"}
    assert set(g.edges) == {("w2", "t"), ("w1", "y"), ("t", "y")}
    assert g.roles == {}


def test_dot_role_pos_and_dir_both() -> None:
    text = """digraph {
      "x" [role="exposure,latent", pos="1,2!", shape=box];
      "y" [role="outcome" label="Outcome"];
      "x" -> "y"; "x" -> "z" [dir=both, style=dashed]; "y" -> "z" [dir="both"];
    }"""
    g = parse_graph(text)
    assert g.roles == {"x": frozenset({"exposure", "latent"}), "y": frozenset({"outcome"})}
    assert g.positions == {"x": (1.0, 2.0)}
    assert g.labels == {"y": "Outcome"}
    assert g.edges == (("x", "y"),)
    assert set(g.bidirected) == {("x", "z"), ("y", "z")}


def test_dot_accepts_dagitty_role_words() -> None:
    assert roles('digraph { "x" [exposure]; y [o]; x -> y }') == {"x": {"exposure"},
                                                                  "y": {"outcome"}}


def test_undirected_dot_graph_is_an_error_with_hint() -> None:
    with pytest.raises(GraphError, match="digraph") as info:
        parse_graph("graph { a -- b }")
    assert (info.value.line, info.value.column) == (1, 11)
    assert "orient it as -> or use <-> for a latent common cause" in str(info.value)


# ---------------------------------------------------------------------------------- GML
def test_networkx_written_gml() -> None:
    h = nx.DiGraph()
    h.add_node("x", roles="exposure", x=1.0, y=-2.5, display="The X")
    h.add_node("y", roles="outcome, latent")
    h.add_edge("x", "y")
    h.add_edge("u", "y", bidirected=1)
    g = parse_graph("\n".join(nx.generate_gml(h)))
    assert g.nodes == ("x", "y", "u")
    assert g.edges == (("x", "y"),)
    assert g.bidirected == (("u", "y"),)
    assert g.roles == {"x": frozenset({"exposure"}), "y": frozenset({"outcome", "latent"})}
    assert g.positions == {"x": (1.0, -2.5)}
    assert g.labels == {"x": "The X"}


def test_gml_without_labels_uses_ids() -> None:
    text = "graph [\n directed 1\n node [ id 1 ]\n node [ id 2 ]\n edge [ source 1 target 2 ]\n]"
    assert parse_graph(text) == CausalGraph(edges=[("1", "2")])


def test_gml_undirected_and_malformed() -> None:
    with pytest.raises(GraphError, match="directed 1"):
        parse_graph('graph [ node [ id 0 label "a" ] ]')
    with pytest.raises(GraphError, match="GML text could not be read"):
        parse_graph('graph [ directed 1 node [ id 0 label "a" ] edge [ source 0 target 7 ] ]')
    with pytest.raises(GraphError, match="GML text could not be read") as info:
        parse_graph('graph [\n directed 1\n node [ id 0 label "a" ')
    assert info.value.line is not None


# ---------------------------------------------------------------------------------- JSON
def test_json_minimal_and_full() -> None:
    doc = {"format": "causal-explorer-graph", "version": 1,
           "nodes": ["a", {"name": "b", "label": "B", "roles": ["outcome"], "pos": [1, 2.5]}],
           "edges": [["a", "b"]], "bidirected": [["c", "b"]]}
    g = parse_graph(json.dumps(doc))
    assert g.nodes == ("a", "b", "c")
    assert g.edges == (("a", "b"),)
    assert g.bidirected == (("b", "c"),)
    assert g.outcomes == ("b",)
    assert g.positions == {"b": (1.0, 2.5)}
    assert g.labels == {"b": "B"}


def test_json_writer_layout() -> None:
    g = CausalGraph(edges=[("a", "é")], roles={"a": ["latent", "exposure"]})
    text = to_json(g)
    data = json.loads(text)
    assert list(data) == ["format", "version", "nodes", "edges", "bidirected"]
    assert data["nodes"][0] == {"name": "a", "roles": ["exposure", "latent"]}
    assert "é" in text


@pytest.mark.parametrize(("doc", "expected"), [
    ({"format": "cytoscape", "version": 1}, ["'cytoscape'", "causal-explorer-graph"]),
    ({"nodes": []}, ['no "format" field', "causal-explorer-graph"]),
    ({"format": "causal-explorer-graph", "version": 2}, ["version 2", '"version": 1', "newer"]),
    ({"format": "causal-explorer-graph", "version": "1"}, ["version '1'"]),
    ({"format": "causal-explorer-graph", "version": 1, "edges": [["a"]]}, ["pair"]),
    ({"format": "causal-explorer-graph", "version": 1, "nodes": [{"name": "a", "pos": [1]}]},
     ["two finite numbers"]),
    ({"format": "causal-explorer-graph", "version": 1, "nodes": [{"name": "a",
                                                                  "roles": ["boss"]}]},
     ["'boss'", "exposure"]),
])
def test_json_errors(doc: dict, expected: list[str]) -> None:
    with pytest.raises(GraphError) as info:
        parse_graph(json.dumps(doc))
    for part in expected:
        assert part in str(info.value)


def test_json_decode_error_has_position() -> None:
    with pytest.raises(GraphError, match="JSON is malformed") as info:
        parse_graph('{\n  "format": "causal-explorer-graph",\n  "nodes": [}')
    assert (info.value.line, info.value.column) == (3, 13)


# ---------------------------------------------------------------------------------- edge lines
def test_edge_lines() -> None:
    text = """# my model
a -> b
"two words" <- b

b <-> c
c -> d -> e
lonely
"""
    g = parse_graph(text)
    assert g.nodes == ("a", "b", "two words", "c", "d", "e", "lonely")
    assert set(g.edges) == {("a", "b"), ("b", "two words"), ("c", "d"), ("d", "e")}
    assert g.bidirected == (("b", "c"),)


def test_edge_lines_with_roles() -> None:
    assert roles("x [exposure]\nx -> y\ny [Outcome]") == {"x": {"exposure"}, "y": {"outcome"}}


def test_edge_lines_may_start_with_a_group() -> None:
    assert edges("{a b} -> c") == {("a", "c"), ("b", "c")}


def test_single_name_is_a_node() -> None:
    assert parse_graph("x") == CausalGraph(nodes=["x"])


# ---------------------------------------------------------------------------------- writers
def test_to_dagitty_layout() -> None:
    g = CausalGraph(nodes=["iso"], edges=[("x", "two words")], bidirected=[("x", "node")],
                    roles={"x": ["outcome", "exposure"]}, positions={"x": (1.0, -2.0)},
                    labels={"x": "The X"})
    assert to_dagitty(g) == ('dag {\niso\nx [exposure,outcome,pos="1.0,-2.0",label="The X"]\n'
                             'x -> "two words"\n"node" <-> x\n}\n')


def test_to_dot_layout() -> None:
    g = CausalGraph(edges=[("a", "b")], bidirected=[("a", "c")], roles={"a": ["latent"]})
    assert to_dot(g) == ('digraph {\n  "a" [role="latent"];\n  "b";\n  "c";\n'
                         '  "a" -> "b";\n  "a" -> "c" [dir=both, style=dashed];\n}\n')


TRICKY = ['a "quoted" <b>&amp; ü', "back\\slash\\", "x -> y", "{", "}", "[", "]", ";", "#",
          "//", "/*", "a b", "中文", "-", "-1", "--x", "node", "Graph", "dag", "subgraph",
          "strict", "e", "1.5", ".", '"', "&#38;", "<script>alert(1)</script>", "a=b", "+", "😀",
          "a\u00a0b", "a-b", "-a", "x.y", "Größe"]


@pytest.mark.parametrize("writer", WRITERS)
def test_tricky_names_round_trip(writer: Writer) -> None:
    names = TRICKY
    g = CausalGraph(nodes=names, edges=list(zip(names, names[1:], strict=False)),
                    bidirected=[(names[0], names[-1])],
                    roles={n: [ROLES[i % 5]] for i, n in enumerate(names)},
                    labels={n: n + ' "label" \\ ' for n in names[:5]})
    h = parse_graph(writer(g))
    assert h == g
    if writer is not to_dagitty:
        assert h.nodes == g.nodes


@pytest.mark.parametrize("writer", WRITERS)
def test_directed_and_bidirected_edge_between_same_nodes(writer: Writer) -> None:
    g = CausalGraph(edges=[("a", "b")], bidirected=[("a", "b")])
    assert parse_graph(writer(g)) == g


@pytest.mark.parametrize("writer", WRITERS)
def test_empty_graph_round_trip(writer: Writer) -> None:
    assert parse_graph(writer(CausalGraph())) == CausalGraph()


ALPHABET = 'ab Z9_.-"\\<>&{}[];#/é中xy=+@!'
NAMES = st.text(alphabet=ALPHABET, min_size=1, max_size=8).filter(lambda s: s.strip() != "")
COORDS = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def graphs(draw: st.DrawFn) -> CausalGraph:
    """Random DAGs with tricky names, roles, positions, labels and bidirected edges."""
    names = draw(st.lists(NAMES, min_size=1, max_size=10, unique=True))
    order = draw(st.permutations(names))
    pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]]
    directed = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    bidirected = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4)) if pairs else []
    pick = st.sampled_from(names)
    return CausalGraph(
        nodes=names, edges=directed, bidirected=bidirected,
        roles=draw(st.dictionaries(pick, st.frozensets(st.sampled_from(ROLES)))),
        positions=draw(st.dictionaries(pick, st.tuples(COORDS, COORDS))),
        labels=draw(st.dictionaries(pick, st.text(alphabet=ALPHABET + "\n\t", max_size=8))),
    )


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_round_trip_through_every_writer(g: CausalGraph) -> None:
    for writer in WRITERS:
        assert parse_graph(writer(g)) == g, writer.__name__


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("text", "line", "column", "expected"), [
    ("dag {\n  a -> b\n  c -> ]\n}", 3, 8,
     ["expected a node name or '{' after '->', found ']'", "a node on both sides"]),
    ("a -> b\nc <-", 2, 5, ["after '<-'", "the end of the text"]),
    ("dag { -> b }", 1, 7, ["expected a node name before '->'"]),
    ('dag {\n "abc -> b }', 2, 2, ["never closed", "closing '\"'"]),
    ("dag {\n a -> b\n", 1, 5, ["'{' is never closed", "expected '}'"]),
    ("dag { a -> {b c }", 1, 5, ["'{' is never closed"]),
    ("dag { x [exposure\n y -> z }", 1, 9, ["'[' is never closed", "expected ']'"]),
    ("dag { x [exposure", 1, 9, ["'[' is never closed"]),
    ("dag { /* x", 1, 7, ["'*/'"]),
    ("dag {\n x [exposre] }", 2, 5,
     ["'exposre'", "Did you mean 'exposure'", "exposure (e)", "outcome (o)", "latent (l",
      "adjusted (a)", "selected (s)"]),
    ('digraph { x [role="exposure,boss"] }', 1, 19, ["'boss'", "exposure (e)"]),
    ('dag { x [pos="abc"] }', 1, 14, ["'abc'", "not two finite numbers", 'pos="x,y"']),
    ('dag { x [pos="1,2,3"] }', 1, 14, ["'1,2,3'"]),
    ('dag { x [pos="nan,1"] }', 1, 14, ["finite"]),
    ("dag { x [label] }", 1, 10, ["needs a value", 'label="Age"']),
    ("dag { x = }", 1, 11, ["expected a value after 'x='"]),
    ("dag {\n  a -- b\n}", 2, 5,
     ["a -- b", "orient it as -> or use <-> for a latent common cause"]),
    ("dag { a @-> b }", 1, 9, ["a @-> b", "orient it as ->"]),
    ("dag { x --@ {y z} }", 1, 9, ["x --@ {y z}", "orient it as ->"]),
    ("dag { a -> b [dir=none] }", 1, 19, ["dir=none", "orient it as ->"]),
    ("dag { a -> a }", 1, 9, ["a -> a", "itself"]),
    ('dag { "" -> a }', 1, 7, ["empty"]),
    ("dag { a -> b } c", 1, 16, ["after the closing '}'", "found 'c'"]),
    ("digraph G a -> b", 1, 11, ["expected '{' after 'digraph G'"]),
    ("a -> b }", 1, 8, ["'}' without a matching '{'"]),
    ("dag { a -> b; c ! d }", 1, 17, ["found '!'"]),
    ("smoking-status -> y", 1, 1, ["'-' inside the name 'smoking-status'", '"smoking-status"']),
    ("mag { a -> b }", 1, 1, ["'mag {'", "not a supported graph type", "DAGitty", "DOT", "GML",
                              "JSON", "a -> b"]),
    ("\n  pag G { a @-> b }", 2, 3, ["'pag {'", "Supported formats"]),
    ("<?xml version='1.0'?><graphml/>", 1, 1, ["XML", "Supported formats"]),
])
def test_syntax_errors(text: str, line: int, column: int, expected: list[str]) -> None:
    with pytest.raises(GraphError) as info:
        parse_graph(text)
    err = info.value
    assert (err.line, err.column) == (line, column), str(err)
    assert str(err).startswith(f"Line {line}, column {column}: ")
    for part in expected:
        assert part in str(err)


@pytest.mark.parametrize("text", [
    "dag { a -> b -> c -> a }", "a -> b\nb -> c\nc -> a", '{"format": "causal-explorer-graph", '
    '"version": 1, "edges": [["a", "b"], ["b", "c"], ["c", "a"]]}',
    "graph [ directed 1 node [ id 0 label \"a\" ] node [ id 1 label \"b\" ] "
    "edge [ source 0 target 1 ] edge [ source 1 target 0 ] ]",
])
def test_cycle_surfaces_when_parsing(text: str) -> None:
    with pytest.raises(GraphError, match="directed cycle") as info:
        parse_graph(text)
    assert "'a'" in str(info.value) and "'b'" in str(info.value)


def test_cycle_is_named_in_order() -> None:
    with pytest.raises(GraphError, match="'a' -> 'b' -> 'c' -> 'a'"):
        parse_graph("dag { a -> b -> c -> a }")


@pytest.mark.parametrize("text", ["", "   \n\t ", "// nothing here\n# nor here\n/* */"])
def test_empty_text(text: str) -> None:
    with pytest.raises(GraphError, match="The graph text is empty"):
        parse_graph(text)


def test_non_text_input() -> None:
    with pytest.raises(GraphError, match="must be given as text"):
        parse_graph(b"dag { a -> b }")  # type: ignore[arg-type]
