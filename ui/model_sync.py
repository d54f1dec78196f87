"""Keep the drawing, the DAGitty text and the session's graph in step, both ways.

- Drawing → graph: each batch of edits the editor sends (a new ``seq``) becomes the session's
  graph at the start of the next run, whatever page that run draws.
- Text → graph: a parsed text replaces the graph; nodes keep their drawn positions.
- Graph → text: whenever the graph changed by other means, the text box shows it anew;
  while the text has a syntax error, the user's text is kept, never overwritten.
"""

from __future__ import annotations

import hashlib

import streamlit as st

import causal_core as cc
from ui import session, state
from ui.dag_editor import dag_editor, editor_payload, graph_from_value
from ui.dag_editor.styling import biasing_paths, question
from ui.widgets import md

TEXT_KEY = session.GRAPH_TEXT
EDITOR_KEY = session.EDITOR
_SYNCED = session.TEXT_SYNCED     # the graph the text box last showed
_DRAFT = session.TEXT_DRAFT       # the text box's unparsed text (its widget value can be forgotten)
_ERROR = session.TEXT_ERROR
_SEEN = session.EDITOR_SEEN       # {"inst", "seq"} of the last editor batch turned into a graph
_EDIT_ERROR = session.EDITOR_ERROR  # why the last batch could not be used


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
        st.session_state[_DRAFT] = text  # kept while the box is off screen
        return
    st.session_state[_ERROR] = None
    st.session_state.pop(_DRAFT, None)
    old = state.graph()
    if old is not None:
        kept = {v: old.positions[v] for v in parsed.nodes if v not in parsed.positions and v in old.positions}
        parsed = parsed.with_positions(kept)
    state.set_graph(parsed, external=True)
    st.session_state[_SYNCED] = state.graph()


def prepare_text_box() -> None:
    """Before drawing the text box: show the graph's text unless the user is mid-error."""
    g = state.graph()
    if TEXT_KEY not in st.session_state and text_error() and _DRAFT in st.session_state:
        # Streamlit forgets a widget's value on a page that does not draw it: the user's
        # unparsed text comes back from the draft, with its error
        st.session_state[TEXT_KEY] = st.session_state[_DRAFT]
        return
    if g is None:
        st.session_state.setdefault(TEXT_KEY, "dag {\n}\n")
        return
    if TEXT_KEY not in st.session_state or (st.session_state.get(_SYNCED) != g and not text_error()):
        st.session_state[TEXT_KEY] = g.to_dagitty()
        st.session_state[_SYNCED] = g
        st.session_state[_ERROR] = None


def apply_pending_edit() -> None:
    """Turn the editor's latest batch into the session's graph, once, at the start of a run.

    Called by the router before any page draws (not by the editor's page), so a batch that
    arrives together with a click on the navigation still lands, and the page that follows
    already shows it. A batch is applied once: it is identified by the editor instance that
    sent it and its sequence number.
    """
    value = st.session_state.get(EDITOR_KEY)
    if not isinstance(value, dict) or "nodes" not in value:
        return
    stamp = {"inst": str(value.get("inst", "")), "seq": value.get("seq")}
    if stamp == st.session_state.get(_SEEN):
        return
    st.session_state[_SEEN] = stamp
    g = state.graph() or cc.CausalGraph()
    try:
        new = graph_from_value(value, g)
    except cc.GraphError as err:
        st.session_state[_EDIT_ERROR] = str(err)
        return
    st.session_state[_EDIT_ERROR] = None
    if value.get("action") == "relayout":
        new = cc.CausalGraph(new.nodes, new.edges, new.bidirected,
                             roles={n: sorted(r) for n, r in new.roles.items()}, labels=dict(new.labels))
        state.set_graph(new, external=True, keep_positions=False)
    else:
        state.set_graph(new, external=False)
    st.session_state[_ERROR] = None


@st.cache_data(max_entries=64, show_spinner=False)
def _paths(graph_json: str, treatment: str, outcome: str, z: tuple[str, ...]) -> list:
    """The biasing paths depend on the structure only: cached like every engine call."""
    return biasing_paths(cc.CausalGraph.parse(graph_json), treatment, outcome, list(z))


def hedge_mark(ident: cc.Identification | None) -> tuple[list[str], str]:
    """The nodes to highlight when no formula exists (the hedge), and their label."""
    if ident is None or ident.estimand is not None or not ident.hedge:
        return [], ""
    return list(ident.hedge), "the hedge: why no formula identifies the effect"


def editor_scope() -> str:
    """An opaque name of this analysis for the editor: a digest of its token, not the token."""
    token = str(session.get(session.TOKEN, ""))
    return hashlib.sha256(b"editor-scope:" + token.encode()).hexdigest()[:16] if token else ""


def draw_editor(ident: cc.Identification | None, *, do_view: bool, readonly: bool = False,
                columns: list[str] | None = None,
                highlight: list[str | tuple[str, str]] | None = None, highlight_label: str = "") -> None:
    """Draw the editor (its edits were applied by :func:`apply_pending_edit` before the page).

    ``columns``: the data's columns, offered as nodes when not in the graph. ``highlight``:
    nodes and (a, b) edges drawn distinctly (e.g. a hedge), named by ``highlight_label``.
    """
    apply_pending_edit()  # the router already did; this keeps the page usable on its own
    g = state.graph() or cc.CausalGraph()
    z = state.effective_adjustment()
    q = question(ident)
    paths = [] if q is None else _paths(state.structure_key(g), *q, tuple(z))
    payload = editor_payload(g, ident, adjustment_set=z, paths=paths,
                             do_view=do_view, version=state.graph_version(), columns=columns,
                             highlight=highlight, highlight_label=highlight_label,
                             ack=st.session_state.get(_SEEN), scope=editor_scope())
    if st.session_state.get(_EDIT_ERROR):
        st.error(md(f"The drawing could not be used: {st.session_state[_EDIT_ERROR]}"))
    dag_editor(payload, key=EDITOR_KEY, readonly=readonly)
