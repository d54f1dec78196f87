"""Every key this app keeps in ``st.session_state``, in one place (no other module spells one).

The analysis of a session is two values: the loaded data (``DATA``) and the
:class:`causal_core.AnalysisPlan` of every choice, the drawn graph included (``PLAN``), plus the
results already computed for it (``RESULTS``: plan step key → result). Replacing them (an
example, a new analysis, a restored file) first pushes the whole analysis on ``UNDO``.
The remaining keys are page bookkeeping and widget keys (:func:`is_widget`), forgotten whenever
the analysis is replaced, so every widget shows the plan's value again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

PREFIX = "ce."  # every key of this app starts with this (ui.persist snapshots them)

# ------------------------------------------------------------------ the analysis
DATA = PREFIX + "data"                  # ui.state.DataRef of the loaded table
GRAPH_VERSION = PREFIX + "graph_version"  # bumped when the graph changes from outside the drawing
PLAN = PREFIX + "plan"                  # the AnalysisPlan of every choice
RESULTS = PREFIX + "results"            # plan step key → EffectEstimate / RefutationResult / ...
STARTED = PREFIX + "started"
UNDO = PREFIX + "undo"                  # [(label, snapshot)] of replaced analyses, newest last
CONFIRM = PREFIX + "confirm"            # the replacing action waiting for its confirmation
NOTICE = PREFIX + "notice"              # one message to show after a rerun (e.g. "Undone: ...")
TOKEN = PREFIX + "token"                # ui.persist's session token
OWNER = PREFIX + "owner"                # this browser's secret (never in a snapshot)
PERSIST_NOTICE = PREFIX + "persist_notice"  # why the URL's analysis was not opened
UPLOAD_MEMO = PREFIX + "upload_memo"    # ui.uploads: {file id: result or error}
RESTORED = PREFIX + "restored"          # (session signature, Analysis) of a restored file
CANCELLED = PREFIX + "cancelled"        # ui.heavy: the heavy steps this user cancelled (keys)
WHATIF_MODEL = PREFIX + "whatif_model"  # ui.whatif_state: (content key, this session's fitted model)
SHARE_LINKS = PREFIX + "share_links"    # ui.share: {data fingerprint: the link id its data wait under}

#: The keys that make up the analysis (what undo saves and restores).
ANALYSIS_KEYS = (DATA, GRAPH_VERSION, PLAN, RESULTS, RESTORED)

# ------------------------------------------------------------------ classroom (ui/classroom.py)
CLASSROOM = PREFIX + "class."             # + a classroom value's or widget's name


def classroom_key(name: str) -> str:
    """The key of one classroom value or widget."""
    return CLASSROOM + name


# ------------------------------------------------------------------ pages' bookkeeping
UPLOAD_SEEN = PREFIX + "upload_seen"
UPLOAD_ERROR = PREFIX + "upload_error"
UPLOAD_SHEETS = PREFIX + "upload_sheets"  # {uploaded file id: the sheet chosen for it}
DATES_ERROR = PREFIX + "dates_error"      # why the date columns could not be turned into features
RESTORE_SEEN = PREFIX + "report.upload_seen"
RESTORE_MESSAGES = PREFIX + "report.messages"
TEXT_SYNCED = PREFIX + "text_synced_to"   # the graph the text box last showed
TEXT_ERROR = PREFIX + "text_error"
TEXT_DRAFT = PREFIX + "text_draft"        # the text box's text while it does not parse
EDITOR_SEEN = PREFIX + "editor_seen"      # {"inst", "seq"} of the last editor batch applied
EDITOR_ERROR = PREFIX + "editor_error"    # why the last editor batch could not be used

# ------------------------------------------------------------------ widget keys
EDITOR = PREFIX + "editor"
GRAPH_TEXT = PREFIX + "graph_text_widget"
OWN_SET = PREFIX + "own_set"
WIDGET = PREFIX + "w."                    # the prefix of the other widget keys
ESTIMATOR = WIDGET + "estimator"
TARGET = WIDGET + "target"
SIMULATIONS = WIDGET + "simulations"
WHATIF_X = WIDGET + "whatif_x"            # + data fingerprint and treatment
WHATIF_ROW = WIDGET + "whatif_row"
CONTRAST_REFERENCE = WIDGET + "contrast.reference"
CONTRAST_METHOD = WIDGET + "contrast.method"
MISSING_STRATEGY = WIDGET + "missing.strategy"
MISSING_M = WIDGET + "missing.m"
SHARE_DATA = WIDGET + "share_data"        # the share box's "include the data" checkbox
REPORT_PREVIEW = WIDGET + "report_preview"  # the Report page's "show the report here" toggle
QUICK = WIDGET + "quick."                 # + the quick-model form's field
UPLOAD_SHEET = WIDGET + "upload_sheet."   # + the uploaded file's id: its sheet picker
DATE_COLUMNS = WIDGET + "date_columns"    # the date columns to turn into features
NEGATIVE_CONTROL = WIDGET + "nc."         # + the negative-control refuter's name
PARAM = PREFIX + "params."                # + "<estimator>.<parameter>"
BUTTON = PREFIX + "btn."                  # + an action name
RESTORE_PENDING = PREFIX + "report.pending"  # a parsed saved analysis waiting for confirmation


def button_key(action: str) -> str:
    """The key of an action's button."""
    return BUTTON + action


def upload_sheet_key(file_id: str) -> str:
    """The widget key of an uploaded workbook's sheet picker."""
    return UPLOAD_SHEET + str(file_id)


def negative_control_key(refuter: str) -> str:
    """The widget key of a negative-control refuter's column picker."""
    return NEGATIVE_CONTROL + refuter


def param_key(estimator: str, name: str) -> str:
    """The widget key of one estimator parameter."""
    return f"{PARAM}{estimator}.{name}"


def is_widget(key: Any) -> bool:
    """True for a widget's key (its value belongs to the browser, not to the analysis): not
    restorable across a reload, forgotten when the analysis is replaced."""
    return key in (EDITOR, GRAPH_TEXT, OWN_SET) or str(key).startswith((WIDGET, PARAM, BUTTON))


#: Keys never put in a snapshot: widget values (see :func:`is_widget`), this browser's identity
#: and per-connection memos.
NOT_SNAPSHOTTED = (TOKEN, OWNER, PERSIST_NOTICE, UPLOAD_MEMO, CANCELLED, WHATIF_MODEL)


def get(key: str, default: Any = None) -> Any:
    """The session's value under ``key``."""
    return st.session_state.get(key, default)


def put(key: str, value: Any) -> None:
    """Set ``key`` (no save: see :func:`ui.state.save`)."""
    st.session_state[key] = value


def drop(key: str) -> None:
    """Forget ``key``."""
    st.session_state.pop(key, None)


def forget_widgets() -> None:
    """Forget every widget value, so that each widget shows the plan's choice again."""
    for key in [k for k in st.session_state if is_widget(k)]:
        del st.session_state[key]
    for key in (TEXT_SYNCED, TEXT_ERROR, TEXT_DRAFT, EDITOR_SEEN, EDITOR_ERROR):
        drop(key)


def ours() -> list[str]:
    """Every key of this app in the session."""
    return [str(k) for k in st.session_state if str(k).startswith(PREFIX)]
