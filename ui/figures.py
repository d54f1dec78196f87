"""Figures drawn once per result object, not on every rerun.

Building a plotly figure (its validation, :func:`causal_core.refute_plots.readable`) cost the
Estimate page 0.4 s of server CPU per student in a 10-student wave, rebuilt on every rerun
for results that never change (results are frozen, and shared by every session that asks
the same content). A figure is kept as long as its result object lives, keyed by the
object's identity, so nothing else needs a key; a page must not modify a figure it got.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["figure_of", "figure_by_key"]

#: Figures kept by content key (:func:`figure_by_key`), the least recently used dropped first.
KEYED = 512

_figures: dict[tuple[int, str], tuple[weakref.ref, Any]] = {}
_keyed: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def _forget(key: tuple[int, str]) -> None:
    with _lock:
        _figures.pop(key, None)


def figure_of(result: Any, kind: str, make: Callable[[Any], Any]) -> Any:
    """The figure ``make(result)`` of kind ``kind``, built once while ``result`` lives."""
    key = (id(result), kind)
    with _lock:
        hit = _figures.get(key)
    if hit is not None and hit[0]() is result:
        return hit[1]
    fig = make(result)
    with _lock:
        _figures[key] = (weakref.ref(result), fig)
    weakref.finalize(result, _forget, key)
    return fig


def figure_by_key(key: str, make: Callable[[], Any]) -> Any:
    """The figure ``make()`` for a content key (one that names everything the figure shows,
    such as a plan's comparison key), built once while among the :data:`KEYED` most recent.

    For figures of several results at once, which :func:`figure_of` cannot key by one object.
    """
    with _lock:
        if key in _keyed:
            _keyed.move_to_end(key)
            return _keyed[key]
    fig = make()
    with _lock:
        _keyed[key] = fig
        while len(_keyed) > KEYED:
            _keyed.popitem(last=False)
    return fig
