"""The What-if page's larger panels: the worked example's banner and the unit-level effects."""

from __future__ import annotations

from typing import Any

import streamlit as st

from causal_core.classroom.units import effect_modifier
from causal_core.whatif import Question
from ui import state
from ui import whatif_state as ws
from ui.guard import replacing_button
from ui.whatif_views import effects_histogram, fmt


def worked_example() -> int:
    """The hospital story as the page's worked example; returns the unit to open on."""
    d = state.data()
    if d.example is None or d.example.info.name != "hospital":
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption("Worked example: the hospital story. Seeing follow-up calls goes with a higher "
                     "readmission risk, doing shows what calls really do, and imagining shows that for "
                     "a patient without transport a call changes nothing.")
        if replacing_button("Open the hospital example", "open_hospital",
                            lambda: state.load_example_into_session("hospital"), where=right,
                            what="The hospital example comes with its own data and graph."):
            st.rerun()
        return 0
    without, with_ = ws.hospital_units()
    st.info(f"**Worked example.** {d.example.info.teaching_point} In Imagining, row {without} is a "
            f"called patient without transport and row {with_} a called patient with transport.")
    return without


def unit_effects(q: Question, x: Any, row: int, y_cf: Any) -> None:
    """The histogram of every (sampled) unit's own effect, the picked unit marked; split by the
    example's effect modifier when it has one."""
    f = state.data().frame
    contrast = ws.effect_contrast(q, x)
    effects = ws.unit_effects_sample(q, x)
    label = (f"change in {q.outcome} with +1 {q.treatment}" if contrast is None else
             f"{q.outcome}: {q.treatment} = {fmt(contrast[0])} minus {fmt(contrast[1])}")
    mine = ws.own_effect(q, row, x, y_cf)
    ex = state.data().example
    by = effect_modifier(ex.truth) if ex is not None else None
    groups = f.loc[effects.index, by] if by in f.columns else None
    st.plotly_chart(effects_histogram(q, effects, label, mine, groups), width="stretch", key="whatif.units")
    st.caption(f"Each unit's own effect (abduction, action, prediction) for {len(effects):,} "
               + ("randomly chosen rows (seed 0)." if len(effects) < len(f) else "rows."))
