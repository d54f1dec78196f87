"""The drawn DAG editor in a real browser: draw, roles by keyboard, cycles, text sync, reload,
hostile names, and no request leaving 127.0.0.1."""

from __future__ import annotations

import json
import random
import statistics
import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import causal_core as cc
from tests.browser.conftest import EDITOR_FRAME, ROOT, serve

XSS = ["<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
       "</script><script>alert(1)</script>", "a href <b>x</b>"]


# ------------------------------------------------------------------ helpers
def model(s):
    return s.editor_frame().evaluate("() => window.__dagEditor.model()")


def wait_editor(s, predicate_js="() => true"):
    frame = s.editor_frame()
    frame.wait_for_function("() => window.__dagEditor !== undefined", timeout=20_000)
    frame.wait_for_function(predicate_js, timeout=20_000)
    return frame


def canvas_point(s, x, y):
    """Page coordinates of a point given in the canvas' own coordinates."""
    frame = s.editor_frame()
    box = s.page.wait_for_selector(EDITOR_FRAME).bounding_box()
    pt = frame.evaluate("([x, y]) => { const d = window.__dagEditor.network.canvasToDOM({x: x, y: y});"
                        " const r = document.getElementById('net').getBoundingClientRect();"
                        " return {x: d.x + r.left, y: d.y + r.top}; }", [x, y])
    return box["x"] + pt["x"], box["y"] + pt["y"]


def node_point(s, name):
    frame = s.editor_frame()
    pos = frame.evaluate("(n) => { const e = window.__dagEditor; const id = e.nid(n);"
                         " return e.network.getPositions([id])[id]; }", name)
    return canvas_point(s, pos["x"], pos["y"])


def has_node_js(name):
    return f"() => window.__dagEditor.model().names.includes({json.dumps(name)})"


def add_node_at(s, name, x, y, wait=True):
    s.prompt_answers.append(name)
    px, py = canvas_point(s, x, y)
    s.page.mouse.dblclick(px, py)
    if wait:
        s.wait_idle()
    wait_editor(s, has_node_js(name))


def drag(s, start, end, wait=True):
    s.page.mouse.move(*start)
    if not wait:
        # a person's pause between two gestures (scripted drags back to back are faster than
        # any hand; the edits themselves are not waited for)
        s.page.wait_for_timeout(350)
    s.page.mouse.down()
    s.page.mouse.move(*end, steps=12)
    s.page.mouse.up()
    if wait:
        s.wait_idle()


def select(s, name):
    s.editor_frame().evaluate("(n) => window.__dagEditor.network.selectNodes([window.__dagEditor.nid(n)])",
                              name)


def wait_edge(s, a, b, timeout=10_000):
    """Wait until the editor's own model has the arrow a -> b (say what it has if not)."""
    js = "([a, b]) => window.__dagEditor.model().edges.some(e => e[0] === a && e[1] === b)"
    try:
        s.editor_frame().wait_for_function(js, arg=[a, b], timeout=timeout)
    except Exception:  # noqa: BLE001 - re-raised with what the editor shows
        raise AssertionError(f"no arrow {a!r} -> {b!r}; status {status(s)!r}; "
                             f"edges {model(s)['edges']}") from None


def wait_synced(s, timeout=30_000):
    """Every edit made in the editor has been sent and Python has answered the last batch."""
    wait_editor(s, "() => window.__dagEditor.synced()")
    s.wait_idle(timeout)


def python_graph(s):
    """The session's graph as Python has it (read back from the text box Python fills)."""
    return cc.CausalGraph.parse(text_box(s).input_value())


def text_box(s):
    return s.page.get_by_role("textbox", name="The same graph as text (DAGitty syntax)")


def wait_text(s, *parts, timeout=30_000):
    """Wait until the Python side has the change: the text box (drawn by Python) shows it.

    The editor's own model updates at once; the rerun that turns it into the session's graph
    comes a moment later, and a page change or reload before it would lose the edit.
    """
    import re

    from playwright.sync_api import expect

    for part in parts:
        expect(text_box(s)).to_have_value(re.compile(re.escape(part)), timeout=timeout)


def status(s):
    return s.editor.locator("#status").inner_text()


def assert_offline(s):
    hosts = {urlparse(u).hostname for u in s.requests if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts <= {"127.0.0.1"}, hosts


def new_analysis(s):
    # a fresh page: its first run analyses the opening example (slow on a busy machine)
    s.page.goto(s.url + "/")
    s.wait_idle(timeout=180_000)
    s.page.get_by_role("button", name="Start a new analysis").click()
    s.wait_idle()
    s.page.get_by_role("button", name="Replace").click()  # it asks first (and can be undone)
    s.wait_idle()
    s.goto("graph")
    wait_editor(s)


# ------------------------------------------------------------------ tests
def test_draw_roles_by_keyboard_and_identify_follows(session):
    s = session
    new_analysis(s)
    add_node_at(s, "a", -150, 0)
    add_node_at(s, "b", 150, 0)
    s.editor.locator("button[data-act='add-edge']").click()
    drag(s, node_point(s, "a"), node_point(s, "b"))
    wait_editor(s, "() => window.__dagEditor.model().edges.length === 1")
    assert "Added a → b" in status(s)
    # a cycle is refused, with the cycle named
    drag(s, node_point(s, "b"), node_point(s, "a"))
    assert "cycle" in status(s) and "b → a" in status(s)
    assert model(s)["edges"] == [["a", "b"]]
    s.editor.locator("button[data-act='add-edge']").click()
    # roles by keyboard, as in DAGitty
    s.page.mouse.click(*node_point(s, "a"))
    s.page.keyboard.press("e")
    s.wait_idle()
    s.page.mouse.click(*node_point(s, "b"))
    s.page.keyboard.press("o")
    s.wait_idle()
    roles = {n: v["roles"] for n, v in model(s)["nodes"].items()}
    assert roles == {"a": ["exposure"], "b": ["outcome"]}
    wait_text(s, "a [exposure", "b [outcome", "a -> b")
    s.goto("identify")
    s.page.get_by_text("no adjustment needed").first.wait_for()
    # the text editor on the Model page adds a confounder; the drawing follows
    s.goto("graph")
    box = text_box(s)
    box.fill(box.input_value().replace("}", "c -> a\nc -> b\n}"))
    box.press("Control+Enter")
    s.wait_idle()
    wait_editor(s, has_node_js("c"))
    assert ["c", "a"] in model(s)["edges"]
    s.goto("identify")
    s.page.get_by_text("{ c }").first.wait_for()
    assert_offline(s)
    assert not [d for d in s.dialogs if d[0] != "prompt"]


def test_positions_survive_a_reload(session):
    s = session
    new_analysis(s)
    add_node_at(s, "p", 0, 0)
    add_node_at(s, "q", 200, 0)
    drag(s, node_point(s, "q"), canvas_point(s, 260, 140))
    moved = model(s)["nodes"]["q"]
    assert (moved["x"], moved["y"]) != (200, 0)
    wait_text(s, f'q [pos="{float(moved["x"])!r},{float(moved["y"])!r}"]')
    s.page.reload()
    s.wait_idle()
    wait_editor(s, has_node_js("q"))
    again = model(s)["nodes"]["q"]
    assert (again["x"], again["y"]) == (moved["x"], moved["y"])
    assert_offline(s)


def test_hostile_names_load_draw_and_edit_as_plain_text(session, tmp_path):
    s = session
    header = ",".join('"' + n.replace('"', '""') + '"' for n in XSS)
    rows = "\n".join(",".join(str((i * (k + 1)) % 7) for k in range(len(XSS))) for i in range(40))
    csv = tmp_path / "hostile.csv"
    csv.write_text(header + "\n" + rows + "\n", encoding="utf-8")
    s.goto("")
    s.page.get_by_role("tab", name="Upload your own").click()
    s.page.locator("input[type='file']").set_input_files(str(csv))
    s.wait_idle()
    s.page.get_by_text("hostile.csv").first.wait_for()
    s.goto("graph")
    quoted = [('"' + n.replace("\\", "\\\\").replace('"', '\\"') + '"') for n in XSS]
    text = "dag {\n" + "\n".join(f"{a} -> {b}" for a, b in zip(quoted, quoted[1:], strict=False)) + "\n}"
    box = text_box(s)
    box.fill(text)
    box.press("Control+Enter")
    s.wait_idle()
    frame = wait_editor(s, has_node_js(XSS[0]))
    assert set(model(s)["nodes"]) == set(XSS)
    # nothing of the names became markup anywhere
    assert frame.locator("img, svg, script:not([src])").count() == 0
    assert s.page.locator("img[src='x'], svg[onload]").count() == 0
    # edit: rename one hostile node to another hostile name
    # select through vis-network (mouse selection is covered above; here a rerun under load
    # could land between a click and the button press)
    renamed = has_node_js("<b onmouseover=alert(2)>bold</b>")
    for attempt in range(2):  # a rerun of the editor under load can drop the selection
        select(s, XSS[3])
        s.prompt_answers[:] = ["<b onmouseover=alert(2)>bold</b>"]
        s.editor.locator("button[data-act='rename']").click()
        s.wait_idle()
        try:
            wait_editor(s, renamed)
            break
        except PlaywrightTimeout:
            # retried only when the rename did not happen at all (one failed CI run, beside
            # the other test worker; passes alone)
            if attempt:
                raise
            if s.editor_frame().evaluate(renamed):  # it happened, late
                break
    wait_text(s, "<b onmouseover=alert(2)>bold</b>")
    assert [d for d in s.dialogs if d[0] != "prompt"] == []
    assert s.unexpected_console_errors() == []
    assert_offline(s)


# ------------------------------------------------------------------ any name works (issue 16)
HOSTILE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", 'say "hi"',
                 "<script>alert(1)</script>", "\u202eevil\u202c", "🦄 unicorn"]


def test_any_name_draws_renames_connects_and_deletes_without_losing_an_edit(session):
    s = session
    new_analysis(s)
    # drawn as fast as the browser allows: no waiting for Python between edits
    for i, name in enumerate(HOSTILE_NAMES):
        add_node_at(s, name, -210 + 140 * (i % 4), -60 + 150 * (i // 4), wait=False)
    # every node drawn reached Python before arrows are dragged: on a loaded machine Python's
    # answer to the node batch can land mid-drag and move the target under the pointer
    wait_synced(s)
    s.editor.locator("button[data-act='add-edge']").click()
    pairs = [("__proto__", "constructor"), ("constructor", "toString"), ("toString", "hasOwnProperty"),
             ('say "hi"', "<script>alert(1)</script>"), ("\u202eevil\u202c", "🦄 unicorn"),
             ("__proto__", "🦄 unicorn")]
    for a, b in pairs:
        drag(s, node_point(s, a), node_point(s, b), wait=False)
        wait_edge(s, a, b)
    s.editor.locator("button[data-act='add-edge']").click()
    # the cycle check walks a Map: a name like "constructor" is not a built-in child list
    assert s.editor_frame().evaluate("() => window.__dagEditor.model().edges.length") == len(pairs)
    select(s, "toString")
    s.prompt_answers.append("valueOf")
    s.editor.locator("button[data-act='rename']").click()
    wait_editor(s, has_node_js("valueOf"))
    select(s, "hasOwnProperty")
    s.editor.locator("button[data-act='delete']").click()
    wait_editor(s, "() => !window.__dagEditor.model().names.includes('hasOwnProperty')")
    local = model(s)
    wait_synced(s)
    g = python_graph(s)
    expected = [n for n in HOSTILE_NAMES if n != "hasOwnProperty"]
    expected[expected.index("toString")] = "valueOf"
    assert sorted(g.nodes) == sorted(expected) == sorted(local["names"])
    assert set(g.edges) == {("__proto__", "constructor"), ("constructor", "valueOf"),
                            ('say "hi"', "<script>alert(1)</script>"), ("\u202eevil\u202c", "🦄 unicorn"),
                            ("__proto__", "🦄 unicorn")}
    # a right-to-left override is shown as a visible tag, on the canvas and in the status line
    label = s.editor_frame().evaluate(
        "(n) => window.__dagEditor.nodes.get(window.__dagEditor.nid(n)).label", "\u202eevil\u202c")
    assert label == "\u27e6U+202E\u27e7evil\u27e6U+202C\u27e7"
    select(s, "\u202eevil\u202c")
    s.page.keyboard.press("e")
    assert "\u27e6U+202E\u27e7" in status(s) and "\u202e" not in status(s)
    frame = s.editor_frame()
    assert frame.locator("script:not([src])").count() == 0
    assert s.unexpected_console_errors() == []
    assert [d for d in s.dialogs if d[0] != "prompt"] == []
    # the drawing survives a reload (Python's graph is the one drawn again)
    wait_synced(s)
    s.page.reload()
    s.wait_idle()
    wait_editor(s, has_node_js("__proto__"))
    assert sorted(model(s)["names"]) == sorted(expected)
    assert_offline(s)


# ------------------------------------------------------------------ instant, batched (issue 17)
def _timed_edits(s, names, pairs):
    """Per-node and per-arrow wall time until the edit is drawn (no wait for Python)."""
    t_nodes, t_arrows = [], []
    for i, name in enumerate(names):
        t0 = time.perf_counter()
        add_node_at(s, name, -210 + 140 * (i % 4), -60 + 140 * (i // 4), wait=False)
        t_nodes.append(time.perf_counter() - t0)
    # on a loaded machine (load 8) Python's answer to the node batch could land mid-drag and
    # the arrow was never drawn: the arrows start once Python has the nodes
    wait_synced(s)
    s.editor.locator("button[data-act='add-edge']").click()
    for a, b in pairs:
        t0 = time.perf_counter()
        drag(s, node_point(s, a), node_point(s, b), wait=False)
        wait_editor(s, f"() => window.__dagEditor.model().edges.length >= {pairs.index((a, b)) + 1}")
        t_arrows.append(time.perf_counter() - t0)
    s.editor.locator("button[data-act='add-edge']").click()
    return t_nodes, t_arrows


def test_edits_are_drawn_at_once_sent_in_batches_and_none_is_lost_on_navigation(session):
    s = session
    new_analysis(s)
    names = [f"v{i}" for i in range(8)]
    pairs = [(names[i], names[i + 1]) for i in range(7)]
    t_nodes, t_arrows = _timed_edits(s, names, pairs)
    t0 = time.perf_counter()
    wait_synced(s)
    t_sync = time.perf_counter() - t0
    batches = s.editor_frame().evaluate("() => window.__dagEditor.sent()")
    g = python_graph(s)
    assert set(g.nodes) == set(names) and set(g.edges) == set(pairs)  # no edit lost
    assert batches < len(names) + len(pairs)  # sent in batches, not one round trip per edit
    own = s.editor_frame().evaluate("() => window.__dagEditor.timing.edits")
    own_node = statistics.median(ms for a, ms in own if a == "add-node")
    own_arrow = statistics.median(ms for a, ms in own if a == "add-edge")
    print(f"\n[editor timing] per node {statistics.median(t_nodes):.3f} s (median of {len(t_nodes)}), "
          f"per arrow {statistics.median(t_arrows):.3f} s (median of {len(t_arrows)}) of scripted input; "
          f"the editor's own time from input to drawing: node {own_node:.1f} ms, arrow {own_arrow:.1f} ms; "
          f"{len(names) + len(pairs)} edits in {batches} batches; "
          f"Python in step {t_sync:.2f} s after the last")
    # the last edit before a click on the navigation is not lost
    add_node_at(s, "last_one", 0, 200, wait=False)
    s.page.get_by_role("link", name="3 · Identify").click()
    s.wait_idle()
    s.page.get_by_role("link", name="2 · Model").click()
    s.wait_idle()
    wait_text(s, "last_one")
    assert "last_one" in python_graph(s).nodes
    assert s.unexpected_console_errors() == []


DROP_NEXT_BATCH = """() => {
  // the next batch's message is lost, as when Streamlit unmounts the frame before handling it
  const p = window.parent, own = p.postMessage;
  p.postMessage = function (msg) {
    if (msg && msg.type === "streamlit:setComponentValue") { p.postMessage = own; return; }
    return own.apply(p, arguments);
  };
}"""


def test_a_batch_a_page_change_dropped_is_sent_again_by_the_next_editor(session):
    s = session
    new_analysis(s)
    add_node_at(s, "kept_one", 0, 0)
    wait_synced(s)
    wait_text(s, "kept_one")
    s.editor_frame().evaluate(DROP_NEXT_BATCH)
    add_node_at(s, "lost_one", 160, 0, wait=False)
    s.editor_frame().evaluate("() => window.__dagEditor.flush()")
    s.wait_idle()
    assert "lost_one" not in python_graph(s).nodes  # the message was dropped
    s.page.get_by_role("link", name="3 · Identify").click()
    s.wait_idle()
    s.page.get_by_role("link", name="2 · Model").click()
    s.wait_idle()
    wait_text(s, "lost_one")
    assert {"kept_one", "lost_one"} <= set(python_graph(s).nodes)
    assert "sent again" in status(s)
    # once Python has it, it is not sent a second time (a reload shows the same graph)
    wait_synced(s)
    before = python_graph(s)
    s.page.reload()
    s.wait_idle(timeout=120_000)
    s.goto("graph")
    wait_editor(s)
    assert python_graph(s) == before and "sent again" not in status(s)
    assert s.unexpected_console_errors() == []


def test_columns_not_in_the_graph_are_offered_and_added_in_the_browser(session):
    s = session
    s.goto("graph")  # the opening example: its data have columns the graph may not use
    frame = wait_editor(s)
    wait_synced(s)
    text = text_box(s).input_value()
    box = s.editor.locator("#columns")
    fresh_graph = "dag {\n" + "\n".join(n for n in python_graph(s).nodes[:2]) + "\n}"
    # keep two of the graph's nodes: every other column is then offered
    tb = text_box(s)
    tb.fill(fresh_graph)
    tb.press("Control+Enter")
    s.wait_idle()
    frame.wait_for_function("() => document.querySelectorAll('#columns .chip').length > 1")
    offered = box.locator(".chip:not(.all)").all_inner_texts()
    assert offered and all(t.startswith("+ ") for t in offered)
    box.locator("button[data-act='add-columns']").click()
    frame.wait_for_function("() => document.getElementById('columns').hidden")
    wait_synced(s)
    added = {t[2:] for t in offered}
    assert added <= set(python_graph(s).nodes)
    assert text  # the example had a graph to start from
    assert s.unexpected_console_errors() == []


# ------------------------------------------------------------------ 500 nodes (issue 14)
def _big_dag(n=500, seed=0):
    rng = random.Random(seed)
    names = [f"v{i}" for i in range(n)]
    edges = sorted({(names[rng.randrange(max(0, i - 30), i)], names[i])
                    for i in range(1, n) for _ in range(2)})
    return names, edges


TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
MEASURE_JS = """
async ([kind, reps]) => {
  const ed = window.__dagEditor; const net = ed.network;
  const el = document.querySelector('#net canvas');
  const r = el.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const frame = () => new Promise(res => net.once('afterDrawing', () => res(performance.now())));
  const out = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const drawn = frame();
    if (kind === 'zoom') {
      el.dispatchEvent(new WheelEvent('wheel',
        {deltaY: i % 2 ? 120 : -120, clientX: cx, clientY: cy, bubbles: true}));
    } else if (kind === 'pan') {
      const v = net.getViewPosition();
      net.moveTo({position: {x: v.x + 40, y: v.y + 25}});
    } else if (kind === 'select') {
      const id = ed.nid('v' + (37 * i % 500));
      net.selectNodes([id]);
      net.emit('selectNode', {nodes: [id]});
      net.redraw();
    }
    out.push((await drawn) - t0);
  }
  return out;
}
"""


def test_a_500_node_graph_pastes_lays_out_and_stays_responsive(session):
    s = session
    new_analysis(s)
    names, edges = _big_dag()
    text = "dag {\n" + "\n".join(f"{a} -> {b}" for a, b in edges) + "\n}"
    box = text_box(s)
    box.fill(text)
    t0 = time.perf_counter()
    box.press("Control+Enter")
    frame = wait_editor(s, "() => window.__dagEditor.nodes.length === 500")
    frame.evaluate(TWO_FRAMES)  # the canvas has drawn them
    t_paste = time.perf_counter() - t0
    s.wait_idle()
    render_ms = frame.evaluate("() => window.__dagEditor.timing.lastRenderMs")
    pos = frame.evaluate("() => window.__dagEditor.network.getPositions()")
    assert len(pos) == 500 and len({(p["x"], p["y"]) for p in pos.values()}) == 500  # laid out, none stacked
    by = {k[2:]: p for k, p in pos.items()}
    assert all(by[a]["y"] < by[b]["y"] for a, b in edges)  # causes above effects
    frame.evaluate("() => window.__dagEditor.network.fit({animation: false})")
    lat = {k: frame.evaluate(MEASURE_JS, [k, 12]) for k in ("zoom", "pan", "select")}
    scale = frame.evaluate("() => window.__dagEditor.network.getScale()")
    assert scale > 0
    assert frame.evaluate("() => window.__dagEditor.network.getSelectedNodes().length") == 1
    # a real mouse drag of one node: sent to Python as a move, drawn at once
    frame.evaluate("() => window.__dagEditor.network.moveTo({position: window.__dagEditor.network"
                   ".getPositions(['n:v0'])['n:v0'], scale: 1.0, animation: false})")
    start = node_point(s, "v0")
    t1 = time.perf_counter()
    drag(s, start, (start[0] + 60, start[1] - 40), wait=False)
    wait_editor(s, "() => window.__dagEditor.pending() > 0 || window.__dagEditor.sent() > 0")
    t_drag = time.perf_counter() - t1
    wait_synced(s)
    t_drag_sync = time.perf_counter() - t1
    med = {k: statistics.median(v) for k, v in lat.items()}
    print(f"\n[editor 500 nodes, {len(edges)} arrows] paste to drawn {t_paste:.2f} s (editor's own render "
          f"{render_ms:.0f} ms); frame after zoom {med['zoom']:.1f} ms, pan {med['pan']:.1f} ms, "
          f"select {med['select']:.1f} ms (medians of 12, max {max(map(max, lat.values())):.1f} ms); "
          f"node drag drawn in {t_drag:.2f} s, Python in step {t_drag_sync:.2f} s")
    assert s.unexpected_console_errors() == []


# ------------------------------------------------------------------ highlight (issue 14)
@pytest.fixture(scope="module")
def harness_url():
    yield from serve(ROOT / "tests" / "browser" / "editor_harness.py")


def test_highlight_draws_a_hedge_distinctly(browser, harness_url):
    from tests.browser.conftest import Session

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        s = Session(context.new_page(), harness_url)
        s.goto("")
        frame = wait_editor(s, "() => window.__dagEditor.nodes.length === 4")
        node = "(n) => window.__dagEditor.nodes.get(window.__dagEditor.nid(n))"
        marked = [frame.evaluate(node, n) for n in ("x", "y")]
        plain = [frame.evaluate(node, n) for n in ("c", "toString")]
        assert all(n["borderWidth"] == 5 and n["color"]["border"] == "#6b46c1" for n in marked)
        assert all(n.get("borderWidth") != 5 for n in plain)
        assert all("hedge: not identifiable" in n["title"] for n in marked)
        edges = frame.evaluate("() => window.__dagEditor.edges.get()")
        colour = {e["id"]: (e.get("color") or {}).get("color") for e in edges}
        assert colour['e:["x","y"]'] == colour['b:["<->","x","y"]'] == "#6b46c1"
        assert colour['e:["c","x"]'] != "#6b46c1" and colour['e:["toString","y"]'] != "#6b46c1"
        assert "hedge: not identifiable" in s.editor.locator("#legend").inner_text()
        assert not s.editor.locator("#toolbar").is_visible()  # read-only
        assert s.unexpected_console_errors() == []
        assert_offline(s)
    finally:
        context.close()
