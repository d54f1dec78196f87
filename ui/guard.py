"""Nothing replaces the current analysis without a confirmation, and everything can be undone.

:func:`replacing_button` draws a button whose action replaces the analysis (an example, a new
analysis, a restored file): the first click asks, the second confirms, and the old analysis is
pushed on the undo stack (:func:`ui.state.remember`) before the action runs. :func:`undo_button`
brings it back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui import session, state

WARNING = ("This replaces your data, graph, choices and results. You can bring them back with "
           "“Undo” in the sidebar.")


def replacing_button(label: str, action: str, run: Callable[[], Any], *, where: Any = None,
                     what: str = "", **button_args: Any) -> bool:
    """A button that replaces the analysis with ``run()``; True once it has run.

    ``action`` names this button (it must be unique on the page); ``what`` says what comes in.
    Without data loaded there is nothing to lose, and ``run`` happens on the first click.
    """
    where = where or st
    if where.button(label, key=session.button_key(action), **button_args):
        if not state.has_work():
            _run(label, run)
            return True
        session.put(session.CONFIRM, action)
    if session.get(session.CONFIRM) != action:
        return False
    where.warning(f"{what} {WARNING}".strip())
    yes, no = where.columns(2)
    if yes.button("Replace", type="primary", key=session.button_key(action + ".yes")):
        session.drop(session.CONFIRM)
        _run(label, run)
        return True
    if no.button("Cancel", key=session.button_key(action + ".no")):
        session.drop(session.CONFIRM)
        st.rerun()
    return False


def _run(label: str, run: Callable[[], Any]) -> None:
    state.remember(label.lower())
    run()
    state.save()


def undo_button(where: Any = None) -> None:
    """The undo button (when something was replaced), and the notice after an undo."""
    where = where or st.sidebar
    notice = session.get(session.NOTICE)
    if notice:
        where.success(notice)
        session.drop(session.NOTICE)
    label = state.undo_label()
    if label and where.button(f"Undo: {label}", key=session.button_key("undo"),
                              help="Bring back the analysis as it was before."):
        state.undo()
        st.rerun()
