"""The sidebar's read-only share link, and opening one with the data its owner shared.

The link is a lesson link (:mod:`causal_core.classroom.lesson`): the graph, the example and
the choices (estimator, parameters, question, missing-data handling, simulations, seeds),
never a session token. Uploaded data go with it only when the owner ticks "include the data":
a frozen copy then waits in the server's share store (:mod:`ui.share_store`, bounded by bytes
and idle time) under a fresh random id, and the link carries that id. Whoever opens the link
gets a new analysis of their own with a copy of those data, and cannot change the owner's.
An id that expired opens the graph and choices with a notice asking for a fresh link.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from causal_core import CausalCoreError
from causal_core.classroom.lesson import LessonState
from ui import session
from ui.share_store import ShareStore

#: Bytes all shared tables may hold together, and how long an unopened link keeps its data.
MAX_BYTES = 512 * 2**20
IDLE_SECONDS = 24 * 3600
MAX_LINKS = 2_000
LABEL = "Include the data (anyone with the link can read them)"


@st.cache_resource(max_entries=1)
def store() -> ShareStore:
    """The server's share store (one per server process)."""
    return ShareStore(max_bytes=MAX_BYTES, idle_seconds=IDLE_SECONDS, max_links=MAX_LINKS)


def _data_id() -> tuple[str | None, str | None]:
    """This session's link id for its current data (made once per table), or why there is none."""
    from ui import state

    d = state.data()
    if d is None:
        return None, "No data are loaded."
    links = dict(session.get(session.SHARE_LINKS) or {})
    link = links.get(d.fingerprint)
    if link is None or store().get(link)[0] != "ok":
        link = store().put(d)
        if link is None:
            return None, (f"The data are too large to share (over {MAX_BYTES // 2**20} MB in "
                          "memory); the link carries the graph and choices only.")
        links[d.fingerprint] = link
        session.put(session.SHARE_LINKS, links)
    return link, None


def share_box() -> None:
    """The link to a copy of this analysis; with the data only when the owner opts in."""
    from ui import classroom, state

    g, d = state.graph(), state.data()
    if g is None or not g.nodes:
        return
    with st.sidebar.expander("Share a read-only link"):
        example = d.example.info.name if d is not None and d.example is not None else None
        with_data = example is None and d is not None and st.checkbox(
            LABEL, value=False, key=session.SHARE_DATA,
            help="A frozen copy of the table is kept on this server for "
                 f"{IDLE_SECONDS // 3600} hours after the link was last opened.")
        link, why = _data_id() if with_data else (None, None)
        try:
            p = state.plan()
            url = classroom.link_url(LessonState(
                page="estimate" if p is not None and p.posed else "model", example=example,
                dag=g.to_dagitty(), choices=p.choices() if p is not None else None,
                shared_data=link))
        except CausalCoreError as err:  # names the limit (a very large graph)
            st.caption(f"No link for this graph: {err}")
            return
        st.code(url, language=None, wrap_lines=True)
        if why:
            st.caption(why)
        what = (", example" if example else "") + (", a copy of the data" if link else "")
        st.caption(f"Opens a copy of this graph{what} and your choices (estimator, question, "
                   "missing values, simulations, seeds). It cannot read or change this "
                   "analysis" + ("; anyone with this link can read the data." if link else
                                 "; uploaded data are not in it." if example is None else "."))


def open_shared(lesson: LessonState) -> Any:
    """The data a link shares (a :class:`ui.state.DataRef` of the frozen copy), or None with
    a notice when its id expired or is unknown here."""
    if lesson.shared_data is None:
        return None
    status, shared = store().get(lesson.shared_data)
    if shared is None:
        why = ("expired (shared data are kept for "
               f"{IDLE_SECONDS // 3600} hours after the link was last opened)"
               if status == "expired" else "are not on this server (they expired, or the "
               "server restarted)")
        session.put(session.PERSIST_NOTICE, (
            f"The data shared with this link {why}. The graph and the choices are open; ask "
            "the link's owner for a fresh link to see the data."))
    return shared
