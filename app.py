"""Causal Explorer: the router. Pages are added by later steps; for now the engine's status."""

import streamlit as st

import causal_core as cc

st.set_page_config(page_title="Causal Explorer", page_icon="🪜", layout="wide")

st.title("Causal Explorer")
st.write(
    "Take your own data up Pearl's ladder of causation — seeing, doing, imagining — with "
    "the Model → Identify → Estimate → Refute workflow."
)
st.caption(f"Engine: causal_core {cc.__version__}")
