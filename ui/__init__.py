"""Streamlit glue shared by the pages: session state, cached engine calls, widgets."""
