"""6 · Report: the analysis as an HTML report, a runnable script and a saved file; restore one."""

import streamlit as st

import causal_core as cc
from causal_core.report import conclusion
from ui import report_bridge as bridge
from ui import session, state
from ui.guard import replacing_button
from ui.widgets import md, show_error

MAX_UPLOAD = 50_000_000


def restore_section() -> None:
    """Upload a saved analysis: restore graph, choices and results (without recomputing)."""
    with st.expander("Restore a saved analysis", expanded=session.get(session.RESTORE_PENDING) is not None):
        up = st.file_uploader("A .json file saved from this page", type=["json"],
                              help="Restores the graph, the choices and every result as saved. "
                                   "The data are not in the file: load them on the Data page.")
        if up is not None and session.get(session.RESTORE_SEEN) != up.file_id:
            session.put(session.RESTORE_SEEN, up.file_id)
            try:
                if up.size > MAX_UPLOAD:
                    raise cc.CausalCoreError(f"{up.name} is {up.size:,} bytes; a saved analysis is "
                                             f"at most {MAX_UPLOAD:,}.")
                session.put(session.RESTORE_PENDING, (up.name, bridge.load_saved(up.getvalue())))
            except cc.CausalCoreError as err:
                session.drop(session.RESTORE_PENDING)
                _messages([("error", f"{up.name} was not restored. {err}")])
        pending = session.get(session.RESTORE_PENDING)
        if pending is not None:
            name, analysis = pending
            st.info(md(f"{name}: the analysis of {analysis.treatment!r} on {analysis.outcome!r} "
                       f"saved {analysis.created or '(no date)'}."))
            if replacing_button("Restore it", "restore", lambda: _restore(analysis),
                                what="The saved analysis brings its own graph, choices and results."):
                st.rerun()
        sig, messages = session.get(session.RESTORE_MESSAGES, (None, []))
        if sig == bridge.session_signature():  # until the analysis changes
            for kind, text in messages:
                getattr(st, kind)(md(text))


def _messages(messages: list[tuple[str, str]]) -> None:
    session.put(session.RESTORE_MESSAGES, (bridge.session_signature(), messages))


def _restore(analysis) -> None:
    session.drop(session.RESTORE_PENDING)
    d = state.data()
    warnings = bridge.restore(analysis, d.fingerprint if d is not None else None)
    _messages([("success", f"Restored the analysis of {analysis.treatment!r} on {analysis.outcome!r} "
                           f"saved {analysis.created or '(no date)'}: graph, choices and results as "
                           "saved."), *[("warning", w) for w in warnings]])


def downloads(analysis) -> None:
    """The HTML report, the script (and its data for an example), the analysis file."""
    stem = f"causal-{analysis.treatment}-on-{analysis.outcome}"
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:60]
    html = bridge.report_html(analysis)
    cols = st.columns(4)
    cols[0].download_button("HTML report", html, f"{stem}.html", "text/html", type="primary",
                            on_click="ignore", help="One file; opens offline in any browser.")
    cols[1].download_button("Python script", bridge.script_text(analysis), "analysis.py",
                            "text/x-python", on_click="ignore",
                            help=md(f"Reruns the analysis with causal_core on "
                                    f"{bridge.data_filename(analysis)} and prints the same estimate."))
    cols[2].download_button("Analysis (.json)", analysis.to_json(), f"{stem}.json",
                            "application/json", on_click="ignore",
                            help="Load it here later to restore this analysis.")
    csv = bridge.example_csv() if analysis.data.example else None
    if csv is not None:
        cols[3].download_button("Example data (.csv)", csv, bridge.data_filename(analysis),
                                "text/csv", on_click="ignore",
                                help="The example's table: the script reads this file.")
    st.caption(f"{len(html) / 1e6:.1f} MB report, plotly embedded once: no internet needed to "
               "open it.")


def main() -> None:
    """Draw the page (returns early instead of st.stop(), so the sidebar can follow)."""
    st.title("Report: share and reproduce")
    st.caption("Everything this analysis did, as an HTML report for readers, a Python script for "
               "reviewers who want to rerun it, and a file to pick it up again later.")
    restore_section()

    try:
        analysis = bridge.current_analysis()
    except cc.CausalCoreError as err:
        show_error(err, "The analysis cannot be reported yet")
        return
    if analysis is None:
        st.info("Load data, then mark one treatment and one outcome on the Model page; the report "
                "needs an identified effect to estimate.")
        return

    headline, sentences = conclusion(analysis)
    box = st.success if headline.startswith("Supported") else st.warning
    box = st.error if headline.startswith("Not supported") else box
    box(f"**{md(headline)}.** {md(sentences[0])}")
    if analysis.data.fingerprint != (state.data().fingerprint if state.data() else None):
        st.caption("This report shows the saved results; the loaded data differ from the saved table.")

    with st.expander("What-if answers"):
        st.caption("The questions asked on the What-if page are in the report, answered on every "
                   "rung (seeing, doing, imagining). Without one, this adds the default question "
                   "(it fits the structural causal model if it is not fitted yet).")
        if st.button("Add the What-if answers"):
            try:
                n = bridge.add_whatif_answers()
            except cc.CausalCoreError as err:
                show_error(err, "No what-if answers")
            else:
                if n == 0:
                    st.info("Pose a question on the Model page first.")
                elif n:
                    st.rerun()  # None: the model fit was cancelled, and its notice says so

    try:
        downloads(analysis)
    except cc.CausalCoreError as err:
        show_error(err, "The exports could not be built")
        return
    st.subheader("Preview")
    # lazy: the preview is the whole report (plotly embedded), sent to the browser on every
    # rerun it is drawn in; off by default (a rerun of this page: 0.25 s of CPU with it, 0.13 s
    # without, AppTest)
    if st.toggle("Show the report here", key=session.REPORT_PREVIEW,
                 help="Draws the whole report in this page (about 5 MB with plotly each time the "
                      "page is drawn). The HTML report button gives the same file."):
        st.iframe(bridge.report_preview(analysis), height=900)


main()
