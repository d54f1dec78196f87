"""Pick a unit of the data by its attributes (the What-if page's Imagining column)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from causal_core.classroom.units import find_unit, is_discrete
from ui.widgets import md

MAX_ATTRIBUTES = 4


def pick_unit(frame: pd.DataFrame, columns: list[str], default_row: int, key: str) -> int:
    """Widgets for up to four attributes (opening on ``default_row``'s values); the closest row."""
    start = frame.iloc[default_row]
    wanted = {}
    for col in [c for c in columns if c in frame.columns][:MAX_ATTRIBUTES]:
        s = frame[col]
        k = f"{key}.{col}"
        if is_discrete(s):
            levels = sorted(s.dropna().unique().tolist())
            wanted[col] = st.selectbox(md(col), levels, index=levels.index(start[col]), key=k)
        else:
            lo, hi = float(s.min()), float(s.max())
            wanted[col] = st.slider(md(col), lo, hi, float(start[col]), key=k)
    return find_unit(frame, wanted)
