"""2 · Model: draw the causal graph, or write it; choose the question; check it against the data."""

import streamlit as st

import causal_core as cc
from ui import model_sync, state
from ui.quick_model import quick_model_form
from ui.uploads import once
from ui.widgets import EXPORTS, md, show_error


def main() -> None:
    """Draw the page (returns early instead of st.stop(), so the sidebar can follow)."""
    st.title("Model: what causes what")
    st.caption("Every arrow is a claim that one variable causes another; every missing arrow is a "
               "claim that it does not. Draw what you know. Treatment and outcome are roles in the graph.")

    d = state.data()
    g = state.graph()
    ident = state.identification()

    quick_model_form()
    left, right = st.columns([3, 2], gap="large")
    with left:
        do_view = st.toggle("do() view: cut the arrows into the treatment",
                            help="Graph surgery — what intervening on the treatment does to the model "
                                 "(rung 2 of the ladder).")
        hedge, label = model_sync.hedge_mark(ident)
        model_sync.draw_editor(ident, do_view=do_view,
                               columns=[str(c) for c in d.frame.columns] if d is not None else None,
                               highlight=hedge, highlight_label=label)
        st.caption("Double-click empty space to add a variable, drag with **→ Arrow** to add a cause, "
                   "select a node and press **e** (exposure), **o** (outcome), **u** (latent), "
                   "**a** (adjusted). Selecting a node highlights the open biasing paths through it. "
                   "The data's columns not yet in the graph are offered above the drawing.")

    with right:
        model_sync.prepare_text_box()
        st.text_area("The same graph as text (DAGitty syntax)", key=model_sync.TEXT_KEY, height=260,
                     on_change=model_sync.on_text_change,
                     help="Edit and press Ctrl+Enter (or click outside) to apply. Also accepts DOT, GML, "
                          "JSON and one 'a -> b' per line.")
        if model_sync.text_error():
            st.error(md(f"The text was not applied. {model_sync.text_error()}"))
        if g is not None and len(g.nodes) > 0:
            nodes = list(g.nodes)
            current_t = g.exposures[0] if len(g.exposures) == 1 else None
            current_y = g.outcomes[0] if len(g.outcomes) == 1 else None
            c1, c2 = st.columns(2)
            t = c1.selectbox("Treatment (exposure)", nodes,
                             index=nodes.index(current_t) if current_t else None, placeholder="Choose…")
            y = c2.selectbox("Outcome", nodes, index=nodes.index(current_y) if current_y else None,
                             placeholder="Choose…")
            others = [v for v in nodes if v not in (t, y)]
            latent = st.multiselect("Latent (unmeasured)", others,
                                    default=[v for v in g.latent if v in others])
            adjusted = st.multiselect("Always adjusted for", others,
                                      default=[v for v in g.adjusted if v in others])
            if t is not None and t == y:
                st.error("The treatment and the outcome must be different variables.")
            else:
                try:
                    new = g.with_roles(exposure=[t] if t else [], outcome=[y] if y else [],
                                       latent=latent, adjusted=adjusted)
                except cc.GraphError as err:
                    show_error(err)
                else:
                    if new != g:
                        state.set_graph(new, external=True)
                        st.rerun()

    if g is None or not g.nodes:
        st.info("Start drawing, or write the graph in the text box.")
        return

    with st.expander("Import or export the graph"):
        cols = st.columns(len(EXPORTS))
        for col, (label, fname, fmt) in zip(cols, EXPORTS, strict=True):
            col.download_button(label, data=fmt(g), file_name=fname, mime="text/plain",
                                width="stretch")
        up = st.file_uploader("Import a graph file (DAGitty, DOT, GML, JSON, edge list)",
                              type=["txt", "dot", "gv", "gml", "json", "dagitty"])
        if up is not None:
            imported = once(up, lambda raw: cc.CausalGraph.parse(cc.decode_text(raw, up.name)))
            if isinstance(imported, cc.CausalCoreError):
                show_error(imported, what=f"The file {up.name!r}")
            elif st.button(md(f"Use the graph from {up.name}")):
                state.set_graph(imported, external=True)
                st.rerun()

    if d is not None:
        unused = [c for c in d.frame.columns if c not in g]
        missing = state.missing_nodes()
        if missing:
            st.warning(md("Not in the data, so treated as latent (unmeasured): " + ", ".join(missing)))
        if unused:
            st.info(md("Columns not in the graph (ignored): " + ", ".join(map(str, unused))))
        with st.expander("Check the DAG against the data"):
            st.caption("Each missing arrow implies an independence the data can contradict. A small "
                       "p-value means the data disagree with the graph (partial correlation, Fisher z).")
            try:
                table = state.implications()
            except cc.CausalCoreError as err:
                show_error(err)
            else:
                if table.empty:
                    st.write("This graph implies no testable independence (every pair is connected).")
                else:
                    st.caption(md(table.attrs.get("scope", "")))
                    bad = int(table["rejected"].sum())
                    verdict = (f"{bad} of {int(table['testable'].sum())} tested implications are "
                               "contradicted at the 5% level." if bad else
                               "No tested implication is contradicted at the 5% level.")
                    (st.warning if bad else st.success)(verdict)
                    st.dataframe(table, hide_index=True, width="stretch")


main()
