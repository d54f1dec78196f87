"""The server's store of session snapshots: owned, bounded by bytes and idle time, remembered.

Each snapshot is kept under a random token and belongs to the browser whose secret saved it
first (only a hash of the secret is kept). Reading or writing with another secret is refused,
so a token seen on a shared screen opens nothing. Snapshots idle longer than ``idle_seconds``
expire; when the total size passes ``max_bytes`` (or the count passes ``max_slots``) the least
recently used go first. A token that expired is remembered (a bounded list) so its owner is
told "this analysis expired" instead of seeing an empty app without a word.

No Streamlit here: :mod:`ui.persist` is the glue. Times come from ``clock`` (tests pass their own).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["SnapshotStore", "snapshot_bytes", "owner_hash", "expire_idle", "remember_gone"]

_TOMBSTONES = 20_000


def owner_hash(secret: str) -> str:
    """What the store keeps of a browser's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def snapshot_bytes(snap: dict[str, Any]) -> int:
    """The memory a snapshot holds, counting its DataFrames (and DataRef-like ``.frame``s)."""
    total = 0
    seen: set[int] = set()
    for value in snap.values():
        frame = value if isinstance(value, pd.DataFrame) else getattr(value, "frame", None)
        if isinstance(frame, pd.DataFrame) and id(frame) not in seen:
            seen.add(id(frame))
            total += int(frame.memory_usage(index=True, deep=False).sum())
        total += 1_024  # every other value: small, counted flat
    return total


@dataclass
class _Entry:
    owner: str
    snap: dict[str, Any]
    size: int
    used: float
    holder: str | None = None  # the session that last restored or saved it


class SnapshotStore:
    """Snapshots by token, each owned by one secret; see the module docstring."""

    def __init__(self, *, max_bytes: int, idle_seconds: float, max_slots: int = 2_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[str, _Entry] = OrderedDict()
        self._gone: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0
        self.max_bytes, self.idle_seconds, self.max_slots = max_bytes, idle_seconds, max_slots
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def n_bytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)

    def get(self, token: str, secret: str) -> tuple[str, dict[str, Any] | None, str | None]:
        """``(status, snapshot, holder)``: status is ``ok``, ``foreign`` (another browser's),
        ``expired`` (idle too long or evicted) or ``unknown``."""
        with self._lock:
            self._expire()
            entry = self._data.get(token)
            if entry is None:
                return ("expired" if token in self._gone else "unknown"), None, None
            if entry.owner != owner_hash(secret):
                return "foreign", None, None
            entry.used = self._clock()
            self._data.move_to_end(token)
            return "ok", entry.snap, entry.holder

    def put(self, token: str, secret: str, snap: dict[str, Any], holder: str | None = None) -> bool:
        """Save ``snap`` under ``token``; False (nothing written) if another secret owns it."""
        owner = owner_hash(secret)
        with self._lock:
            old = self._data.get(token)
            if old is not None and old.owner != owner:
                return False
            if old is not None:
                self._bytes -= old.size
            size = snapshot_bytes(snap)
            self._data[token] = _Entry(owner, snap, size, self._clock(), holder)
            self._data.move_to_end(token)
            self._bytes += size
            self._gone.pop(token, None)
            self._expire()
            while self._data and (self._bytes > self.max_bytes or len(self._data) > self.max_slots):
                self._drop(next(iter(self._data)))
            return token in self._data

    def _expire(self) -> None:
        expire_idle(self._data, self._clock() - self.idle_seconds, self._drop)

    def _drop(self, token: str) -> None:
        entry = self._data.pop(token)
        self._bytes -= entry.size
        remember_gone(self._gone, token)


def expire_idle(entries: OrderedDict[str, Any], since: float, drop: Callable[[str], None]) -> None:
    """Drop (with ``drop``) the entries, oldest use first, last used before ``since``; each
    entry has a ``used`` time and ``entries`` is in order of use."""
    while entries:
        key, entry = next(iter(entries.items()))
        if entry.used >= since:
            break
        drop(key)


def remember_gone(gone: OrderedDict[str, Any], key: str) -> None:
    """Remember that ``key`` expired (the oldest memories go past :data:`_TOMBSTONES`)."""
    gone[key] = "expired"
    while len(gone) > _TOMBSTONES:
        gone.popitem(last=False)
