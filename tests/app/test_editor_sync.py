"""The editor's Python side (AppTest cannot run its JavaScript; a batch is set as its value):
a drag never calls the engine, a batch lands whatever page the run draws, a batch is applied
once, and the payload keeps names out of JavaScript object keys."""

from __future__ import annotations

import inspect
from collections import Counter

import causal_core as cc
from tests.app import view
from tests.app.test_pages import goto, new_app
from ui import session
from ui.dag_editor.styling import editor_payload, layered_layout, mark_payload


def _batch(g: cc.CausalGraph, seq: int, *, move: dict | None = None, extra_edge=None, inst="t") -> dict:
    pos = {**g.positions, **(move or {})}
    return {"inst": inst, "seq": seq, "action": "move" if move else "add-edge",
            "nodes": [{"id": v, "roles": sorted(g.roles.get(v, ())), "x": pos[v][0], "y": pos[v][1]}
                      for v in g.nodes],
            "edges": [list(e) for e in g.edges] + ([list(extra_edge)] if extra_edge else []),
            "bidirected": [list(e) for e in g.bidirected]}


def _count_engine_calls(monkeypatch) -> Counter:
    """Wrap every public function of causal_core and every step of ``cc.AnalysisPlan``: the
    engine calls the app makes."""
    calls: Counter = Counter()
    for name, fn in list(vars(cc).items()):
        if name.startswith("_") or not inspect.isfunction(fn):
            continue

        def counted(*a, __fn=fn, __name=name, **k):
            calls[__name] += 1
            return __fn(*a, **k)

        monkeypatch.setattr(cc, name, counted)
    # the analysis steps are the plan's methods (ui.state calls them, not cc.identify & co.)
    for name in ("identify", "estimate", "compare_estimates", "refute_one", "sensitivity",
                 "whatif_model", "whatif"):
        method = getattr(cc.AnalysisPlan, name)

        def step(self, *a, __fn=method, __name=name, **k):
            calls[__name] += 1
            return __fn(self, *a, **k)

        monkeypatch.setattr(cc.AnalysisPlan, name, step)
    # the counting wrappers are local functions, which the job pool cannot send to a worker:
    # run its jobs here, so that they are counted too
    from ui import jobs

    monkeypatch.setattr(jobs, "run", lambda fn, *a, label="", on_update=None, budget=None, **k: fn(*a, **k))
    return calls


def test_a_drag_calls_no_engine_function_and_an_arrow_does(monkeypatch):
    at = goto(new_app(), "app_pages/graph.py")
    g = view.graph(at)
    assert g.exposures and g.outcomes  # the analysed example: identification is on the page
    calls = _count_engine_calls(monkeypatch)
    v = g.nodes[0]
    x, y = g.positions[v]
    at.session_state[session.EDITOR] = _batch(g, 1, move={v: (x + 240.0, y + 90.0)})
    at.run()
    assert not at.exception
    moved = view.graph(at)
    assert moved.positions[v] == (x + 240.0, y + 90.0)  # the drag landed ...
    assert sum(calls.values()) == 0, calls               # ... and nothing was recomputed
    # the counter does see engine calls: a new arrow changes the structure
    free = next((a, b) for a in moved.nodes for b in moved.nodes
                if a != b and (a, b) not in moved.edges and b not in moved.ancestors([a])
                and (b, a) not in moved.edges)
    at.session_state[session.EDITOR] = _batch(moved, 2, extra_edge=free)
    at.run()
    assert not at.exception
    assert free in view.graph(at).edges
    assert calls["identify"] >= 1, calls


def test_a_batch_lands_on_whatever_page_the_run_draws_and_only_once():
    at = goto(new_app(), "app_pages/graph.py")
    g = view.graph(at)
    v = g.nodes[0]
    at.session_state[session.EDITOR] = _batch(g, 1, move={v: (1234.0, 567.0)})
    goto(at, "app_pages/identify.py")  # the batch arrives with the click on the navigation
    assert view.graph(at).positions[v] == (1234.0, 567.0)
    assert at.session_state[session.EDITOR_SEEN] == {"inst": "t", "seq": 1}
    # a text edit afterwards is not undone by the same (already applied) batch on a later run
    goto(at, "app_pages/graph.py")
    text = view.graph(at).to_dagitty().replace("}", "zz -> revenue\n}")
    at.text_area[0].set_value(text).run()
    at.run()
    assert "zz" in view.graph(at).nodes


def test_names_never_become_object_keys_and_highlight_marks_only_what_exists():
    names = ["__proto__", "constructor", "toString", "hasOwnProperty", 'say "hi"', "<script>", "\u202eabc"]
    g = cc.CausalGraph(names, list(zip(names, names[1:], strict=False)))
    g = g.with_positions(layered_layout(g))
    payload = editor_payload(g, highlight=["constructor", ("toString", "hasOwnProperty"), ("nope", "x"),
                                           "missing"], highlight_label="a hedge", columns=["a", "__proto__"])
    assert [n["id"] for n in payload["nodes"]] == names
    assert payload["mark"] == {"nodes": ["constructor"], "edges": [["toString", "hasOwnProperty"]],
                               "bidirected": [], "label": "a hedge"}
    assert payload["paths"] == [] and isinstance(payload["paths"], list)
    assert payload["legend"][-1]["label"] == "a hedge"
    # a bidirected pair is found in either order
    h = cc.CausalGraph(["a", "b"], [], [("a", "b")])
    assert mark_payload(h, [("b", "a")])["bidirected"] == [["a", "b"]]


def test_layered_layout_wraps_wide_layers_and_keeps_causes_above_effects():
    nodes = [f"v{i}" for i in range(500)]
    edges = [(nodes[0], v) for v in nodes[1:250]]
    g = cc.CausalGraph(nodes, edges)
    pos = layered_layout(g, max_row=20)
    assert len(set(pos.values())) == 500                     # no two nodes on one spot
    assert max(abs(x) for x, _ in pos.values()) <= 170 * 10  # rows of at most 20
    assert all(pos[a][1] < pos[b][1] for a, b in edges)


def test_highlight_can_name_both_edges_between_two_nodes():
    g = cc.CausalGraph(["x", "y"], [("x", "y")], [("x", "y")])  # the bow: a hedge holds both
    mark = mark_payload(g, ["x", "y", ("x", "->", "y"), ("y", "<->", "x"), ("y", "->", "x")])
    assert mark["edges"] == [["x", "y"]] and mark["bidirected"] == [["x", "y"]]
    assert mark_payload(g, [("x", "y")])["bidirected"] == []  # a bare pair prefers the arrow


def test_the_text_box_shows_the_graph_again_after_another_page():
    """Streamlit forgets a widget's value on a run that does not draw it: coming back to the
    Model page, the text box shows the graph again (it came back empty in a browser run), and an
    unparsed text comes back with its error."""
    at = goto(new_app(), "app_pages/graph.py")
    shown = at.text_area[0].value
    assert "->" in shown
    goto(at, "app_pages/identify.py")
    goto(at, "app_pages/graph.py")
    assert at.text_area[0].value == shown == view.graph(at).to_dagitty()
    broken = shown.replace("}", "a -> \n}")
    at.text_area[0].set_value(broken).run()
    goto(at, "app_pages/identify.py")
    goto(at, "app_pages/graph.py")
    assert at.text_area[0].value == broken
    assert "a -> " not in view.graph(at).to_dagitty()  # the graph kept its last valid form


def test_a_hedge_is_highlighted_on_the_canvas_and_nothing_else_is():
    from ui.model_sync import hedge_mark

    bow = cc.identify(cc.CausalGraph.parse("x -> y\nx <-> y"), "x", "y")
    nodes, label = hedge_mark(bow)
    assert bow.estimand is None and set(nodes) == {"x", "y"} and "hedge" in label
    payload = editor_payload(cc.CausalGraph.parse("x -> y\nx <-> y"), bow, highlight=nodes,
                             highlight_label=label)
    assert sorted(payload["mark"]["nodes"]) == ["x", "y"] and payload["mark"]["label"] == label
    identified = cc.identify(cc.CausalGraph.parse("w -> x\nw -> y\nx -> y"), "x", "y")
    assert hedge_mark(identified) == ([], "")


def test_a_graph_over_the_size_limits_is_refused_and_the_text_kept():
    """9 KB of groups multiply into 40,000 edges: the box keeps the text, the page names the
    limit and the line, and the graph keeps its last valid form (issue 16)."""
    at = goto(new_app(), "app_pages/graph.py")
    before = view.graph(at)
    big = ("dag { {" + " ".join(f"a{i}" for i in range(200)) + "} -> {"
           + " ".join(f"b{i}" for i in range(200)) + "} }")
    at.text_area[0].set_value(big).run()
    shown = " ".join(e.value for e in at.error)
    assert "40,000 edges, more than the limit of 20,000" in shown and "Line 1" in shown
    assert at.text_area[0].value == big
    assert view.graph(at) == before
