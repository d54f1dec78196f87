"""1 · Data: load your table or an example; see what is in it."""

from typing import Any

import streamlit as st

import causal_core as cc
from causal_core.data import SUPPORTED_EXTENSIONS
from causal_core.datasets import list_examples
from causal_core.dates import DATE_FEATURES, date_feature_names
from causal_core.plan import missing_sentence
from causal_core.plots import distribution_figure
from ui import session, state
from ui.figures import figure_of
from ui.guard import replacing_button
from ui.widgets import md, show_error


def main() -> None:
    """Draw the page (returns early instead of st.stop(), so the sidebar can follow)."""
    st.title("Data: what did you measure?")
    st.caption("Causal Explorer works on one table: one row per unit (a customer, a patient, a week), "
               "one column per variable. Nothing leaves this machine.")

    examples = {e.name: e for e in list_examples()}
    src_examples, src_upload = st.tabs(["Worked examples", "Upload your own"])

    with src_examples:
        current = state.data()
        names = list(examples)
        default = current.example.info.name if current is not None and current.example else names[0]
        name = st.selectbox("Example", names, index=names.index(default),
                            format_func=lambda n: examples[n].title)
        info = examples[name]
        st.write(info.story)
        st.caption(f"{info.treatment} → {info.outcome} · {info.n_rows:,} rows · {info.effect_label}")
        st.info("Teaching point: " + info.teaching_point)
        loaded = current is not None and current.example is not None and current.example.info.name == name
        if not loaded and replacing_button("Load this example", "load_example",
                                           lambda: state.load_example_into_session(name),
                                           what=f"{info.title} comes with its own data and graph.",
                                           type="primary"):
            st.rerun()

    with src_upload:
        up = st.file_uploader("CSV, TSV, Excel (.xlsx) or Parquet",
                              type=[e.lstrip(".") for e in SUPPORTED_EXTENSIONS],
                              help="Delimiter, encoding and decimal commas are detected.")
        sheet = _sheet_of(up) if up is not None else None
        if up is not None and session.get(session.UPLOAD_SEEN) != (up.file_id, sheet):
            session.put(session.UPLOAD_SEEN, (up.file_id, sheet))
            try:
                state.load_upload(up.getvalue(), up.name, sheet)
            except cc.CausalCoreError as err:
                session.put(session.UPLOAD_ERROR, f"{up.name} was not loaded. {err}")
            else:
                session.put(session.UPLOAD_ERROR, None)
                st.rerun()
        if session.get(session.UPLOAD_ERROR):
            st.error(md(session.get(session.UPLOAD_ERROR)))
            if state.data() is not None:
                st.caption("Your previous data are still loaded.")

    d = state.data()
    if d is None:
        st.info("Load an example or upload a file to begin.")
        return

    st.subheader(md(f"Loaded: {d.name}"))
    st.caption(f"{len(d.frame):,} rows × {d.frame.shape[1]} columns")
    missing = state.missing_nodes()
    if missing:
        st.warning(md(missing_sentence(missing)))
    if d.report is not None:
        for w in d.report.warnings:  # encodings, infinities, one column: shown, not folded away
            st.warning(md(w))
        notes = list(d.report.coercions) + list(d.report.dropped)
        if notes:
            with st.expander(f"What loading changed ({len(notes)})"):
                for n in notes:
                    st.text("• " + n)

    try:
        profile = state.profile()
    except cc.CausalCoreError as err:
        show_error(err)
        return
    _date_features(profile)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**Columns**")
        st.dataframe(profile, hide_index=True, width="stretch")
    with right:
        col = st.selectbox("Distribution of", list(d.frame.columns))
        fig = figure_of(d.frame, f"distribution:{col}",  # the column's counts, once per table
                        lambda frame: distribution_figure(frame[col], col))
        st.plotly_chart(fig, width="stretch")
    st.markdown("**Preview**")
    st.dataframe(d.frame.head(50), width="stretch")


def _sheet_of(up: Any) -> str | None:
    """The sheet to read from an uploaded workbook of several (chosen here, remembered per
    file); None for one sheet or another format."""
    try:
        sheets = cc.sheet_names(up.getbuffer(), up.name)  # no copy unless a workbook
    except cc.CausalCoreError:
        return None  # loading the file says what is wrong with it
    if len(sheets) < 2:
        return None
    chosen = dict(session.get(session.UPLOAD_SHEETS) or {})
    key = session.upload_sheet_key(up.file_id)
    state.widget_default(key, chosen.get(up.file_id, sheets[0]), sheets)
    sheet = st.selectbox("Sheet", sheets, key=key,
                         help=f"{up.name} has {len(sheets)} sheets; the table is read from this one.")
    chosen.pop(up.file_id, None)
    session.put(session.UPLOAD_SHEETS, dict([*list(chosen.items())[-7:], (up.file_id, sheet)]))
    return sheet


def _date_features(profile: Any) -> None:
    """Offer to turn the date columns (left out of models) into numeric features."""
    d = state.data()
    dates = [c for c in profile.loc[profile["kind"] == "datetime", "column"]
             if not set(date_feature_names(c)) <= set(map(str, d.frame.columns))]
    if not dates:
        return
    with st.expander(f"Dates ({len(dates)}): turn them into features a model can use"):
        st.caption("Each date becomes four numeric columns: " + "; ".join(
            f"_{k}: {v}" for k, v in DATE_FEATURES.items()) + ". The date column stays as it is.")
        picked = session.get(session.DATE_COLUMNS)
        if picked is None or not set(picked) <= set(dates):  # first time, or another table
            session.put(session.DATE_COLUMNS, dates)
        chosen = st.multiselect("Date columns", dates, key=session.DATE_COLUMNS)
        if st.button("Turn date columns into features", key=session.button_key("date_features"),
                     disabled=not chosen):
            try:
                state.add_date_features(chosen)
            except cc.CausalCoreError as err:
                session.put(session.DATES_ERROR, str(err))
            else:
                session.put(session.DATES_ERROR, None)
                st.rerun()
        if session.get(session.DATES_ERROR):
            st.error(md(session.get(session.DATES_ERROR)))


main()
