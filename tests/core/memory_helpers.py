"""Python-side peak allocations of one call, for the memory tests of the loaders."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any


def traced_peak(work: Callable[[], Any]) -> tuple[Any, int]:
    """``work()`` and the peak bytes Python (and numpy) allocated while it ran."""
    tracemalloc.start()
    try:
        out = work()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
