"""Progress and a cancel button for the heavy steps a page waits on (estimates, the
comparison, the checks), and what the page says once the user cancelled one.

A heavy step runs in the server's job pool (:mod:`ui.jobs`) while the page waits and redraws
its progress bar. **Cancel** is a button: clicking it reruns the script, which interrupts the
waiting page at its next progress update (the job is then cancelled: dropped if still queued,
stopped at the engine's next progress report if running) and records the step as cancelled,
so the rerun does not start it again. The page then says what was cancelled and offers to run
it again. Nothing here computes: each step's work is the caller's ``compute`` callable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from ui import session

Progress = Callable[..., Any]


def cancelled(key: str) -> bool:
    """True when the user cancelled the step ``key`` (and has not asked to run it again)."""
    return key in session.get(session.CANCELLED, ())


def _cancel(key: str) -> None:
    session.put(session.CANCELLED, {*session.get(session.CANCELLED, ()), key})


def resume(key: str) -> None:
    """Forget that the step ``key`` was cancelled (the next run computes it)."""
    session.put(session.CANCELLED, set(session.get(session.CANCELLED, ())) - {key})


def _widget(prefix: str, key: str) -> str:
    return session.BUTTON + prefix + hashlib.sha256(key.encode()).hexdigest()[:16]


@contextmanager
def progress_box(label: str, key: str) -> Iterator[Progress]:
    """A progress bar with a Cancel button while the block runs; yields ``update(fraction,
    status="")``, shown as the label followed by the status (redrawn only when the bar's
    per-mille position or its text changes). Both disappear when the block ends (or is
    interrupted)."""
    box = st.empty()
    with box.container():
        bar = st.progress(0.0, text=label)
        st.button("Cancel", key=_widget("cancel.", key + "\n" + label), on_click=_cancel, args=(key,),
                  help="Stop this computation. Nothing you chose is changed; run it again "
                       "whenever you like.")

    drawn: list[tuple[int, str]] = []  # what the bar shows now: (per mille, text)

    def update(fraction: float, status: str = "") -> None:
        # A waiting page calls this every 0.25 s; redrawing an unchanged bar sends the browser
        # a message and costs the server's one interpreter lock for nothing.
        value = min(max(float(fraction), 0.0), 1.0)
        text = f"{label} {status}".strip()
        if drawn and drawn[0] == (round(1000 * value), text):
            return
        drawn[:] = [(round(1000 * value), text)]
        bar.progress(value, text=text)

    try:
        yield update
    finally:
        box.empty()


def cancelled_notice(key: str, what: str) -> bool:
    """Say that ``what`` was cancelled and offer to run it again; False when it was not."""
    if not cancelled(key):
        return False
    st.info(f"You cancelled {what}. Your choices are kept; nothing was computed for them.")
    st.button(f"Run {what} again", key=_widget("resume.", key), on_click=resume, args=(key,))
    return True


def run_step(key: str, label: str, what: str, compute: Callable[[Progress | None], Any], *,
             done: bool) -> Any | None:
    """The result of the heavy step ``key``, or None when the user cancelled it.

    ``done``: the result is already known (no bar, no button). Otherwise ``compute(update)``
    runs under a progress bar labelled ``label`` with a Cancel button.
    """
    if cancelled_notice(key, what):
        return None
    if done:
        return compute(None)
    with progress_box(label, key) as update:
        return compute(update)


__all__ = ["cancelled", "cancelled_notice", "progress_box", "resume", "run_step"]
