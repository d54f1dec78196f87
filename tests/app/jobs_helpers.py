"""Top-level functions the job pool's spawned workers can import (tests only)."""

from __future__ import annotations

import os
import time

import causal_core as cc


def slow_sum(n: int, progress=None) -> int:
    """Sum 0..n-1, reporting progress ten times, sleeping a little each time."""
    total = 0
    for k in range(10):
        time.sleep(0.05)
        total += sum(range(k * n // 10, (k + 1) * n // 10))
        if progress is not None:
            progress((k + 1) / 10)
    return total


def pid() -> int:
    return os.getpid()


def fails() -> None:
    raise cc.EstimationError("the treatment column 'x' has one value: nothing to compare")


def sleeps(seconds: float, progress=None) -> str:
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(0.02)
        if progress is not None:
            progress(0.5)
    return "finished"
