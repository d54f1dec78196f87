"""Uploaded files are read once: the result (or the error) is remembered by the file's id.

Streamlit reruns the page script on every interaction, with the uploaded file still in its
widget. Reading it again on each rerun would repeat a slow or failing parse for ever; here the
outcome of the first read is kept, so a bad file costs one error, not one per click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

import causal_core as cc
from ui import session

T = TypeVar("T")
KEY = session.UPLOAD_MEMO  # {widget file_id: result or CausalCoreError}; not part of a snapshot
_KEEP = 4


def once(upload: Any, read: Callable[[bytes], T]) -> T | cc.CausalCoreError:
    """``read(upload's bytes)`` the first time this file is seen; the same outcome afterwards.

    An engine error is returned (not raised) so the caller shows it; any other exception is
    remembered as a :class:`~causal_core.CausalCoreError` naming the file, so it is not raised
    again on the next rerun.
    """
    memo: dict[str, Any] = st.session_state.setdefault(KEY, {})
    if upload.file_id not in memo:
        try:
            memo[upload.file_id] = read(upload.getvalue())
        except cc.CausalCoreError as err:
            memo[upload.file_id] = err
        except (RecursionError, MemoryError, ValueError, UnicodeError, OverflowError) as err:
            memo[upload.file_id] = cc.CausalCoreError(
                f"{upload.name!r} could not be read ({type(err).__name__}). Check that it is the "
                "file you meant, in one of the supported formats.")
        while len(memo) > _KEEP:
            memo.pop(next(iter(memo)))
    return memo[upload.file_id]
