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
  returns after a wave);
* after that collection, and in a pool worker after each job (``ui/jobs.py``), the C
  allocator gives its free pages back to the system (:func:`release_free_memory`): freed
  Python and numpy memory otherwise stays in the process, spread over the allocator's
  per-thread arenas (a server runs a script thread per session);
* pyarrow (Parquet uploads, Streamlit's tables) allocates with the C allocator too, not its
  own mimalloc pool, which kept what a Parquet read had freed: a 1M-row Parquet upload left
  the server 97 MB bigger, 70 MB with the C allocator (:func:`_arrow_uses_malloc`; the pool
  workers inherit the setting through the environment).

Nothing here imports Streamlit, so the pool workers can use it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
import time
from functools import cache

#: Seconds between the background full collections.
FULL_EVERY = 30.0

__all__ = ["FULL_EVERY", "install", "release_free_memory"]

_lock = threading.Lock()
_collector: list[threading.Thread] = []


@cache
def _malloc_trim() -> object | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> bool:
    """Give the C allocator's free pages back to the system; False where it cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def _collect_every(period: float) -> None:
    while True:
        time.sleep(period)
        gc.collect()
        release_free_memory()


def _arrow_uses_malloc() -> None:
    """pyarrow's allocations through the C allocator (unless ``ARROW_DEFAULT_MEMORY_POOL`` is
    set otherwise), in this process and in the processes it starts."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system" and "pyarrow" in sys.modules:
        import pyarrow  # already imported: the variable is read only at its import

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


def install() -> threading.Thread:
    """Freeze what the imports made and start the periodic collector, once per process;
    pyarrow set to allocate with the C allocator."""
    with _lock:
        if not _collector:
            _arrow_uses_malloc()
            gc.collect()
            gc.freeze()
            thread = threading.Thread(target=_collect_every, args=(FULL_EVERY,), name="ce-gc",
                                      daemon=True)
            thread.start()
            _collector.append(thread)
        return _collector[0]
