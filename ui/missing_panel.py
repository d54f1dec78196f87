"""The missing-data choice, where it is made: the engine's missingness table and the three options."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.missing import STRATEGIES, missing_counts
from ui import session, state
from ui.widgets import md

_HELP = {
    "none": "Nothing is dropped or filled in: estimation stops with a message naming the columns.",
    "complete_cases": "Rows with a missing value in a column of the graph are dropped (counted "
                      "below). Unbiased only if missingness does not depend on the outcome.",
    "multiple_imputation": "Each missing value is filled in m times from the other columns "
                           "(chained equations); the m estimates are pooled by Rubin's rules, so "
                           "the interval includes the uncertainty about the missing values.",
}


@st.cache_data(max_entries=16, show_spinner=False)
def _table(fp: str, columns: tuple[str, ...], _frame: pd.DataFrame) -> pd.DataFrame:
    return cc.missingness_table(_frame, list(columns))


def _apply_widgets() -> None:
    """The widgets' choice into the plan at once (a callback: runs before any page, so a click
    on the navigation right after a choice does not lose it)."""
    current = state.missing_choice()
    strategy = session.get(session.MISSING_STRATEGY, current.strategy)
    m = session.get(session.MISSING_M, current.m)
    state.set_missing_choice(cc.MissingDataChoice(strategy, m=int(m), max_iter=current.max_iter))


def missing_choice_panel() -> cc.MissingDataChoice:
    """Show what is missing and let the user choose; returns the choice in force.

    Draws nothing when the columns of the graph are complete.
    """
    d = state.data()
    frame = state.analysis_frame()
    counts = missing_counts(frame)
    current = state.missing_choice()
    if not counts:
        return current
    with st.expander(f"Missing values in {len(counts)} column(s) of the graph: choose how to "
                     "handle them", expanded=current.strategy == "none"):
        table = _table(d.fingerprint, tuple(frame.columns), frame)
        shown = table.loc[table["missing"] > 0, ["missing", "share", "p_value", "depends_on",
                                                 "reading"]]
        st.dataframe(shown, width="stretch", column_config={
            "share": st.column_config.NumberColumn(format="percent"),
            "p_value": st.column_config.NumberColumn("p (depends on others)", format="%.2g")})
        st.caption("p: likelihood-ratio test that a column's missingness does not depend on the "
                   "other columns (logistic regression). A small p rules out 'missing completely "
                   "at random'; no test can rule out dependence on the missing values themselves.")
        c1, c2 = st.columns([3, 1])
        strategy = c1.radio("Missing values", STRATEGIES, key=session.MISSING_STRATEGY,
                            on_change=_apply_widgets,
                            index=STRATEGIES.index(current.strategy),
                            format_func=lambda s: cc.MissingDataChoice(s).label.split(",")[0],
                            help="\n\n".join(f"**{cc.MissingDataChoice(k).label}**: {v}"
                                             for k, v in _HELP.items()))
        m = int(c2.number_input("Imputed data sets (m)", 2, 100, value=current.m, step=1,
                                key=session.MISSING_M, on_change=_apply_widgets,
                                help="Multiple imputation only. More data sets: a steadier "
                                     "pooled estimate, slower."))
        st.caption(md(_HELP[strategy]))
    choice = cc.MissingDataChoice(strategy, m=m, max_iter=current.max_iter)
    state.set_missing_choice(choice)
    return choice
