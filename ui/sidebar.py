"""The sidebar: where the analysis stands, and the next step."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.guard import replacing_button, undo_button


def steps() -> list[tuple[str, bool, str]]:
    """(step, done, hint) for each stage of the analysis, in order."""
    d, g, p = state.data(), state.graph(), state.plan()
    ident = state.identification() if g is not None else None
    ests = state.estimates()
    refs = state.refutations()
    posed = p is not None and p.posed and d is not None \
        and {p.treatment, p.outcome} <= set(d.frame.columns)
    return [
        ("Data loaded", d is not None, "Load a file or pick an example."),
        ("Graph drawn", g is not None and len(g.nodes) > 1, "Draw the causal graph."),
        ("Treatment and outcome chosen", posed, "Mark one exposure and one outcome, both columns "
                                                "of the data."),
        ("Effect identified", bool(ident and ident.identified), "See what the graph allows."),
        ("Effect estimated", bool(ests), "Run an estimator."),
        ("Estimate refuted", bool(refs), "Try to break the estimate."),
    ]


def show_status(pages: list) -> None:
    """Draw the checklist and a link to the next step."""
    with st.sidebar:
        st.markdown("**Where the analysis stands**")
        items = steps()
        st.caption(f"{sum(done for _, done, _ in items)} of {len(items)} steps done")
        for label, done, _ in items:
            st.markdown(f":green[**{label}**]" if done else f":gray[{label}]")
        todo = next((i for i, (_, done, _) in enumerate(items) if not done), None)
        if todo is not None:
            target = pages[min([0, 1, 1, 2, 3, 3][todo], len(pages) - 1)]
            st.caption("Next: " + items[todo][2])
            st.page_link(target, label=f"Go to {target.title}")
        if replacing_button("Start a new analysis", "new_analysis", state.reset,
                            help="Forget the data, graph and results (you can undo it)"):
            st.rerun()
        undo_button(st)
