"""Keep the drawing, the DAGitty text and the session's graph in step, both ways.

- Drawing → graph: each edit the editor sends (a new ``seq``) becomes the session's graph.
- Text → graph: a parsed text replaces the graph; nodes keep their drawn positions.
- Graph → text: whenever the graph changed by other means, the text box shows it anew;
  while the text has a syntax error, the user's text is kept, never overwritten.
"""

from __future__ import annotations

import streamlit as st

import causal_core as cc
from ui import state
from ui.dag_editor import dag_editor, editor_payload, graph_from_value

TEXT_KEY = "ce.graph_text_widget"
EDITOR_KEY = "ce.editor"
_SYNCED = "ce.text_synced_to"     # the graph the text box last showed
_ERROR = "ce.text_error"
_SEEN = "ce.editor_seen"          # the last editor value turned into a graph


def text_error() -> str | None:
    """The current syntax error of the text box, if any."""
    return st.session_state.get(_ERROR)


def on_text_change() -> None:
    """Callback of the text box: parse, keep positions, or remember the error."""
    text = st.session_state.get(TEXT_KEY, "")
    try:
        parsed = cc.CausalGraph.parse(text)
    except cc.GraphError as err:
        st.session_state[_ERROR] = str(err)
        return
    st.session_state[_ERROR] = None
    old = state.graph()
    if old is not None:
        kept = {v: old.positions[v] for v in parsed.nodes if v not in parsed.positions and v in old.positions}
        parsed = parsed.with_positions(kept)
    state.set_graph(parsed, external=True)
    st.session_state[_SYNCED] = state.graph()


def prepare_text_box() -> None:
    """Before drawing the text box: show the graph's text unless the user is mid-error."""
    g = state.graph()
    if g is None:
        st.session_state.setdefault(TEXT_KEY, "dag {\n}\n")
        return
    if st.session_state.get(_SYNCED) != g and not text_error():
        st.session_state[TEXT_KEY] = g.to_dagitty()
        st.session_state[_SYNCED] = g


def draw_editor(ident: cc.Identification | None, *, do_view: bool, readonly: bool = False) -> None:
    """Draw the editor and apply the user's latest edit (then rerun so every widget agrees)."""
    g = state.graph() or cc.CausalGraph()
    payload = editor_payload(g, ident, adjustment_set=state.effective_adjustment(),
                             do_view=do_view, version=state.graph_version())
    value = dag_editor(payload, key=EDITOR_KEY, readonly=readonly)
    if not value or value == st.session_state.get(_SEEN):
        return
    st.session_state[_SEEN] = value
    try:
        new = graph_from_value(value, g)
    except cc.GraphError as err:
        st.error(f"The drawing could not be used: {err}")
        return
    if value.get("action") == "relayout":
        new = cc.CausalGraph(new.nodes, new.edges, new.bidirected,
                             roles={n: sorted(r) for n, r in new.roles.items()}, labels=dict(new.labels))
        state.set_graph(new, external=True, keep_positions=False)
    else:
        state.set_graph(new, external=False)
    st.session_state[_ERROR] = None
    st.rerun()
