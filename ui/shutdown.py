"""A server that stops when it is told to: SIGTERM ends the process within a few seconds.

Streamlit's own SIGTERM handler asks its runtime to stop, then the interpreter waits at exit
for every non-daemon thread and for the job pool's workers to finish what they are running
(a refutation, a model fit), which can take minutes. This watchdog (one daemon thread per
process) sees the runtime enter STOPPING, cancels the pool's queued jobs and stops its worker
processes, gives Streamlit :data:`GRACE_SECONDS` to close its sessions, then ends the process.
"""

from __future__ import annotations

import os
import threading
import time

import streamlit as st

#: How long Streamlit may take to stop on its own before the process is ended.
GRACE_SECONDS = 2.0


def _watch() -> None:
    from streamlit import runtime
    from streamlit.runtime.runtime import RuntimeState

    while True:
        time.sleep(0.2)
        if not runtime.exists():
            continue
        if runtime.get_instance().state in (RuntimeState.STOPPING, RuntimeState.STOPPED):
            break
    _stop_workers()
    time.sleep(GRACE_SECONDS)
    os._exit(0)  # sessions are closed; what is left is work nobody will read


def _stop_workers() -> None:
    try:
        from ui import jobs

        current = jobs._pool  # noqa: SLF001 - only if a pool was ever started
        if current is None:
            return
        current.shutdown()
        for proc in list(getattr(current._executor, "_processes", {}).values()):  # noqa: SLF001
            proc.terminate()
    except Exception:  # never let the watchdog itself keep the process alive
        pass


@st.cache_resource(max_entries=1, show_spinner=False)
def install() -> threading.Thread:
    """Start the watchdog once per server process."""
    thread = threading.Thread(target=_watch, name="ce-shutdown-watchdog", daemon=True)
    thread.start()
    return thread
