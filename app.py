"""Causal Explorer: the router. Page config, navigation over app_pages/, and the sidebar status.

The pages live in app_pages/, not pages/: Streamlit 1.67 treats a pages/ folder next to the
main script as a legacy multipage app until the first st.navigation call in the process, so a
deep link or reload into a fresh server would run a page without this router.
"""

import streamlit as st

import causal_core as cc
from ui import classroom, memory, model_sync, persist, share, shutdown, state
from ui.sidebar import show_status

st.set_page_config(page_title="Causal Explorer", page_icon="🪜", layout="wide")
shutdown.install()  # SIGTERM ends the server within a few seconds, running jobs or not
memory.install()  # no full garbage collection after every rerun (see ui/memory.py)

PAGES = [
    st.Page("app_pages/data.py", title="1 · Data", default=True),
    st.Page("app_pages/graph.py", title="2 · Model"),
    st.Page("app_pages/identify.py", title="3 · Identify"),
    st.Page("app_pages/estimate.py", title="4 · Estimate & Refute"),
    st.Page("app_pages/whatif.py", title="5 · What if"),
    st.Page("app_pages/report.py", title="6 · Report"),
]

CLASSROOM = [
    st.Page("app_pages/exercises.py", title="Exercises"),
    st.Page("app_pages/playground.py", title="Bias playground"),
    st.Page("app_pages/room.py", title="Room (teacher)"),
    st.Page("app_pages/presenter.py", title="Presenter view"),
]

page = st.navigation({"Analysis": PAGES, "Classroom": CLASSROOM})
persist.restore_or_create()
state.ensure_started()
persist.show_notice()  # why the URL's analysis was not opened, or that this tab forked
classroom.apply_link()  # a lesson link (?s=...) opens its page, exercise, example or DAG
model_sync.apply_pending_edit()  # the editor's last batch lands whatever page comes next
page.run()
# after the page, so the checklist shows what the page just did (pages return, never st.stop)
show_status(PAGES)
share.share_box()
st.sidebar.caption(f"causal_core {cc.__version__} · runs offline")
