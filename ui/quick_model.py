"""The quick-model form on the Model page: roles picked from the columns, the graph drawn."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.quick import model_columns
from ui import session, state
from ui.widgets import md, show_error

_ROLES = (("common_causes", "Common causes (affect both)"),
          ("instruments", "Instruments (affect the treatment only)"),
          ("mediators", "Mediators (on the way from treatment to outcome)"),
          ("effect_modifiers", "Other causes of the outcome"))


@st.cache_data(max_entries=16, show_spinner=False)
def _left_out(fp: str, _frame: pd.DataFrame) -> dict[str, str]:
    return model_columns(_frame)[1]


def quick_model_form() -> None:
    """Pick treatment, outcome and common causes, as DoWhy's CausalModel takes them."""
    d, g = state.data(), state.graph()
    if d is None:
        return
    columns = [str(c) for c in d.frame.columns]
    left = _left_out(d.fingerprint, d.frame)
    fresh = g is None or not any(v in columns for v in g.nodes)
    with st.expander("Quick model: pick treatment, outcome and common causes", expanded=fresh):
        st.caption("Like DoWhy's CausalModel(data, treatment, outcome, common_causes=[...]): the "
                   "graph is drawn from your picks and replaces the current one; edit it after.")
        # Plain widgets, not a form: each pick is kept in the session at once, so no rerun
        # between the picks and the click can lose it (a form's unsent values do not survive
        # a rerun under AppTest: tests/app/test_quick_model.py fails with a form).
        c1, c2 = st.columns(2)
        t = c1.selectbox("Treatment", columns, index=None, placeholder="Choose…",
                         key=session.QUICK + "treatment")
        y = c2.selectbox("Outcome", columns, index=None, placeholder="Choose…",
                         key=session.QUICK + "outcome")
        picks = {name: st.multiselect(label, columns, key=session.QUICK + name)
                 for name, label in _ROLES}
        rest = st.checkbox("Every other column is a common cause", key=session.QUICK + "rest",
                           help="Columns you gave no role point into both treatment and "
                                "outcome (the cautious default for pre-treatment variables).")
        if left:
            st.caption(md("Left out of models unless you pick them: " + "; ".join(
                f"{c} ({why})" for c, why in left.items())))
        go = st.button("Draw the model", type="primary", key=session.QUICK + "draw")
        if not go:
            return
        try:
            new = cc.quick_graph(columns, t, y, **picks, rest_are_common_causes=rest,
                                 leave_out=list(left))
        except cc.GraphError as err:
            show_error(err)
            return
        state.remember("draw the quick model")  # the graph it replaces can be brought back
        state.set_graph(new, external=True, keep_positions=False)
        st.rerun()
