"""The server's garbage collection, set for a room of sessions.

Streamlit runs a full collection (``gc.collect(2)``) after every script run by default. On
this server each one scanned the ~200,000 objects of the imported libraries (numpy, pandas,
scikit-learn, plotly, Streamlit) and took about 0.1 s, on every rerun of every session: in a
10-student wave it was the largest single cost of the server process (16.7 of its 58 sampled
seconds, py-spy). Here instead:

* once per server, the objects alive after the imports are frozen (:func:`gc.freeze`): no
  collection scans them again (they are modules, classes and functions, never garbage);
* ``runner.postScriptGC`` is off (``.streamlit/config.toml``): Python's own generational
  collector runs as objects are made;
* a daemon thread runs a full collection every :data:`FULL_EVERY` seconds, so reference
  cycles a closed session left behind are freed even when nothing else allocates (memory
  returns after a wave).
"""

from __future__ import annotations

import gc
import threading
import time

import streamlit as st

#: Seconds between the background full collections.
FULL_EVERY = 30.0

__all__ = ["FULL_EVERY", "install"]


def _collect_every(period: float) -> None:
    while True:
        time.sleep(period)
        gc.collect()


@st.cache_resource(max_entries=1, show_spinner=False)
def install() -> threading.Thread:
    """Freeze what the imports made and start the periodic collector, once per server."""
    gc.collect()
    gc.freeze()
    thread = threading.Thread(target=_collect_every, args=(FULL_EVERY,), name="ce-gc", daemon=True)
    thread.start()
    return thread
