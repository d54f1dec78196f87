"""The server's store of data an owner chose to put behind a read-only share link.

A share link (:mod:`ui.share`) carries the graph and the choices; when its owner ticks
"include the data", a frozen copy of the session's table is kept here under a fresh random id
(192 bits, :data:`causal_core.classroom.lesson.SHARED_DATA_CHARS` URL-safe characters), and
the link carries only that id: never the owner's token or secret. The table is kept once per
fingerprint, however many links (or sessions) share it. Links idle longer than
``idle_seconds`` expire; when the tables together pass ``max_bytes`` (or the links pass
``max_links``) the least recently used links go first, and a table goes with its last link. An
expired id is remembered (a bounded list) so whoever opens it is told "the shared data
expired" rather than "unknown".

What is kept is the session's data reference (:class:`ui.state.DataRef`: table, file name,
fingerprint, load report, date features) with its table swapped for the frozen copy. No
Streamlit here: :mod:`ui.share` is the glue. Times come from ``clock`` (tests pass their own).
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from causal_core.classroom.lesson import SHARED_DATA_CHARS
from ui.snapshot_store import expire_idle, remember_gone

__all__ = ["ShareStore"]


@dataclass
class _Link:
    ref: Any   # the owner's DataRef, its frame the kept copy
    used: float


class ShareStore:
    """Shared data references by link id, one table per fingerprint; see the module docstring."""

    def __init__(self, *, max_bytes: int, idle_seconds: float, max_links: int = 2_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._links: OrderedDict[str, _Link] = OrderedDict()
        self._frames: dict[str, tuple[Any, int]] = {}  # fingerprint -> (frozen table, bytes)
        self._gone: OrderedDict[str, Any] = OrderedDict()
        self.max_bytes, self.idle_seconds, self.max_links = max_bytes, idle_seconds, max_links
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def n_bytes(self) -> int:
        """Bytes the kept tables hold."""
        return sum(size for _, size in self._frames.values())

    @property
    def n_tables(self) -> int:
        """Distinct tables kept."""
        return len(self._frames)

    def __len__(self) -> int:
        return len(self._links)

    def put(self, ref: Any) -> str | None:
        """Keep ``ref`` (its ``frame`` copied, unless a table with its ``fingerprint`` is kept
        already) behind a new link id; the id, or None when the table alone is over ``max_bytes``."""
        size = int(ref.frame.memory_usage(index=True, deep=True).sum())
        if size > self.max_bytes:
            return None
        link = secrets.token_urlsafe(SHARED_DATA_CHARS * 3 // 4)
        with self._lock:
            self._expire()
            fp = ref.fingerprint
            if fp not in self._frames:  # the first share of this table: freeze a copy
                self._frames[fp] = (ref.frame.copy(deep=True), size)
            self._links[link] = _Link(dataclasses.replace(ref, frame=self._frames[fp][0]),
                                      self._clock())
            while self._links and (self.n_bytes > self.max_bytes
                                   or len(self._links) > self.max_links):
                self._drop(next(iter(self._links)))
            return link if link in self._links else None

    def get(self, link: str) -> tuple[str, Any]:
        """``(status, data reference)``: status is ``ok``, ``expired`` (idle too long or
        evicted) or ``unknown`` (never made here, or the server restarted)."""
        with self._lock:
            self._expire()
            entry = self._links.get(link)
            if entry is None:
                return ("expired" if link in self._gone else "unknown"), None
            entry.used = self._clock()
            self._links.move_to_end(link)
            return "ok", entry.ref

    def _expire(self) -> None:
        expire_idle(self._links, self._clock() - self.idle_seconds, self._drop)

    def _drop(self, link: str) -> None:
        fp = self._links.pop(link).ref.fingerprint
        if not any(e.ref.fingerprint == fp for e in self._links.values()):
            self._frames.pop(fp, None)
        remember_gone(self._gone, link)
