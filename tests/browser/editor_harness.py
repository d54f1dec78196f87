"""A page with only the editor, read-only, drawing a hedge with the ``highlight`` argument
(the way the Identify page shows why an effect is not identifiable)."""

import streamlit as st

import causal_core as cc
from ui.dag_editor import dag_editor, editor_payload
from ui.dag_editor.styling import layered_layout

g = cc.CausalGraph(["c", "x", "y", "toString"], [("c", "x"), ("x", "y"), ("toString", "y")], [("x", "y")])
g = g.with_positions(layered_layout(g))
HEDGE = ["x", "y", ("x", "->", "y"), ("x", "<->", "y")]
dag_editor(editor_payload(g, highlight=HEDGE, highlight_label="hedge: not identifiable"),
           key="harness", readonly=True)
st.write("harness ready")
