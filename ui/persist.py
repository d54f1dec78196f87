"""Survive a page reload, privately: a snapshot per analysis, owned by the browser that made it.

A browser reload starts a new Streamlit session with empty ``session_state``. The URL keeps
``?a=<token>`` (which analysis: 128 random bits), and a cookie keeps this browser's secret
(who may open it). The snapshot store (:mod:`ui.snapshot_store`) opens a token only with the
secret that saved it, so a URL seen on a shared screen opens nothing and overwrites nothing:
that browser is told so and gets its own new analysis. Streamlit's ``st.context.cookies`` is
read-only, so the cookie is set by a one-line script in a zero-height ``components.html``
frame (same origin); the server knows the secret it generated, so saving works before the
cookie comes back on the next connection.

- Snapshots are bounded by bytes and idle time; an expired one says "this analysis expired".
- "Start a new analysis" gets a new token: the old URL keeps showing the old analysis.
- Two tabs on one URL: the second fork into a copy with its own token, with a notice, so
  neither overwrites the other's edits.
- Sharing is a separate, read-only link (:mod:`ui.share`): the graph, the example and the
  choices (the data only when the owner opts in), no session behind it; whoever opens it gets
  a copy.

Nothing is written to disk and nothing leaves the machine.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import streamlit as st

from ui import session
from ui.snapshot_store import SnapshotStore

PARAM = "a"
COOKIE = "ce_owner"
#: Bytes all snapshots may hold together, and how long an unused one is kept.
MAX_BYTES = 512 * 2**20
IDLE_SECONDS = 4 * 3600
MAX_SLOTS = 2_000
_COOKIE_DAYS = 30


@st.cache_resource(max_entries=1)
def _store() -> SnapshotStore:
    return SnapshotStore(max_bytes=MAX_BYTES, idle_seconds=IDLE_SECONDS, max_slots=MAX_SLOTS)


def _snapshot() -> dict[str, Any]:
    return {k: v for k, v in st.session_state.items()
            if str(k).startswith(session.PREFIX) and not session.is_widget(k)
            and k not in session.NOT_SNAPSHOTTED}


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _is_live(session_id: str | None) -> bool:
    """Whether another session that holds a snapshot is still connected."""
    if not session_id or session_id == _session_id():
        return False
    try:
        from streamlit import runtime

        return runtime.exists() and runtime.get_instance().is_active_session(session_id)
    except Exception:  # a private API: if it moves, fork to be safe
        return True


def _owner() -> str:
    secret = session.get(session.OWNER)
    if secret:
        return secret
    try:
        secret = st.context.cookies.get(COOKIE)
    except Exception:  # no browser (AppTest, bare mode)
        secret = None
    if not isinstance(secret, str) or not 16 <= len(secret) <= 64:
        secret = secrets.token_urlsafe(24)
    session.put(session.OWNER, secret)
    return secret


def _set_cookie(secret: str) -> None:
    """Keep the secret in this browser (a first-party cookie, set from a same-origin frame;
    the script is ours and the secret is URL-safe base64, JSON-quoted)."""
    value = json.dumps(f"{COOKIE}={secret}; path=/; max-age={_COOKIE_DAYS * 86400}; "
                       "SameSite=Strict")
    with st.sidebar:
        st.iframe(f"<script>document.cookie = {value};</script>", height=1)


def restore_or_create() -> bool:
    """On a session's first run: restore this browser's analysis named in the URL.

    Returns True if restored. Otherwise a new token is made; when the URL named an analysis
    that could not be opened, a notice says why (another browser's, expired, open elsewhere).
    """
    secret = _owner()
    try:
        known = st.context.cookies.get(COOKIE)
    except Exception:  # no browser (AppTest, bare mode)
        known = None
    if known != secret:
        _set_cookie(secret)
    if session.get(session.TOKEN):
        return False
    token = st.query_params.get(PARAM)
    status, snap, holder = _store().get(token, secret) if token else ("none", None, None)
    if snap is not None:
        for k, v in snap.items():
            st.session_state[k] = v
        if _is_live(holder):
            session.put(session.PERSIST_NOTICE, (
                "This analysis is also open in another tab. This tab continues as a copy with "
                "its own link, so neither tab overwrites the other's edits."))
            _new_token()
            save()
        else:
            session.put(session.TOKEN, token)
            _store().put(token, secret, snap, holder=_session_id())
        return True
    session.put(session.PERSIST_NOTICE, {
        "foreign": "The link you opened names an analysis that belongs to another browser: it "
                   "cannot be opened or changed from here. You are in a new analysis of your "
                   "own; ask its owner for a share link to see theirs.",
        "expired": f"This analysis expired (analyses are kept for {IDLE_SECONDS // 3600} hours "
                   "after their last use, and the oldest go first when the server is full). "
                   "You are in a new analysis; the report's analysis JSON restores a saved one.",
        "unknown": "This analysis is no longer on the server (it expired or the server "
                   "restarted). You are in a new analysis; the report's analysis JSON restores "
                   "a saved one.",
    }.get(status))
    _new_token()
    return False


def _new_token() -> None:
    token = secrets.token_urlsafe(16)
    session.put(session.TOKEN, token)
    st.query_params[PARAM] = token


def start_new() -> None:
    """A new analysis gets a new token; the old link keeps the old analysis."""
    _new_token()


def show_notice() -> None:
    """Show (once) why the URL's analysis was not opened, or that this tab forked."""
    notice = session.get(session.PERSIST_NOTICE)
    session.drop(session.PERSIST_NOTICE)
    if notice:
        st.info(notice)


def save() -> None:
    """Store this session's analysis under its token (only ever under this browser's secret).

    Called by :mod:`ui.state` on every change (not at the end of a run: after ``st.stop()`` or
    ``st.rerun()`` Streamlit refuses further calls in that run, even in a ``finally``).
    """
    token = session.get(session.TOKEN)
    if token:
        if st.query_params.get(PARAM) != token:
            st.query_params[PARAM] = token
        if not _store().put(token, _owner(), _snapshot(), holder=_session_id()):
            _new_token()  # the token is someone else's: never write there
            _store().put(session.get(session.TOKEN), _owner(), _snapshot(),
                         holder=_session_id())
