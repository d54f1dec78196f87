"""Survive a page reload: the analysis is kept server-side under a random token in the URL.

A browser reload starts a new Streamlit session with empty ``session_state``. The URL keeps
``?a=<token>``; the token (128 random bits, unguessable) names a snapshot of this session's
analysis in a process-wide store with a fixed number of slots (least recently used first out).
Nothing is written to disk and nothing leaves the machine.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

import streamlit as st

PARAM = "a"
_PREFIX = "ce."
_SKIP = {"ce.editor", "ce.graph_text_widget", "ce.own_set", "ce.upload_memo"}  # widget values: not restorable
MAX_SLOTS = 500


class _Store:
    def __init__(self, slots: int) -> None:
        self._data: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._slots = slots
        self._lock = threading.Lock()

    def get(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            snap = self._data.get(token)
            if snap is not None:
                self._data.move_to_end(token)
            return snap

    def put(self, token: str, snap: dict[str, Any]) -> None:
        with self._lock:
            self._data[token] = snap
            self._data.move_to_end(token)
            while len(self._data) > self._slots:
                self._data.popitem(last=False)


@st.cache_resource(max_entries=1)
def _store() -> _Store:
    return _Store(MAX_SLOTS)


def _snapshot() -> dict[str, Any]:
    return {k: v for k, v in st.session_state.items()
            if str(k).startswith(_PREFIX) and k not in _SKIP}


def restore_or_create() -> bool:
    """On a session's first run: restore the analysis named in the URL. True if restored."""
    if st.session_state.get("ce.token"):
        return False
    token = st.query_params.get(PARAM)
    snap = _store().get(token) if token else None
    if snap is not None:
        for k, v in snap.items():
            st.session_state[k] = v
        st.session_state["ce.token"] = token
        return True
    token = secrets.token_urlsafe(16)
    st.session_state["ce.token"] = token
    st.query_params[PARAM] = token
    return False


def save() -> None:
    """Store this session's analysis under its token.

    Called by :mod:`ui.state` on every change (not at the end of a run: after ``st.stop()`` or
    ``st.rerun()`` Streamlit refuses further calls in that run, even in a ``finally``).
    """
    token = st.session_state.get("ce.token")
    if token:
        if st.query_params.get(PARAM) != token:
            st.query_params[PARAM] = token
        _store().put(token, _snapshot())
