"""Room: the teacher opens a code, students answer, a live histogram, reveal, CSV export."""

import streamlit as st

import causal_core as cc
from causal_core.classroom import solution
from causal_core.classroom.figures import answers_figure
from causal_core.classroom.lesson import LessonState
from causal_core.classroom.room import answer_counts, answers_csv
from ui import classroom as cl
from ui import session
from ui.widgets import md, show_error


@st.fragment(run_every="2s")
def live_answers(code: str, exercise_id: str, revealed: bool) -> None:
    """The room's answers to the exercise on screen, re-read every two seconds."""
    answers = cl.store().answers(code, exercise_id)
    st.markdown(f"### {len(answers)} answer{'' if len(answers) == 1 else 's'}")
    if answers:
        st.plotly_chart(answers_figure(answer_counts(answers), revealed), width="stretch",
                        key=session.classroom_key(f"hist.{code}"))


def main() -> None:
    st.title("Room")
    st.caption("Open a room, put its code (or its link) on the screen: students answer on the "
               "Exercises page and their answers appear here. Answers are anonymous.")
    store = cl.store()
    code = cl.get("teacher_room")
    if code is None:
        ex = cl.kind_and_exercise_pickers("room")
        if st.button("Open a room", type="primary"):
            try:
                cl.put("teacher_room", store.open_room(ex.id))
            except cc.CausalCoreError as err:
                show_error(err)
                return
            st.rerun()
        st.caption(f"Answers are stored in {store.backend}.")
        return
    room = store.room(code)
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown(f"## Room code: `{room.code}`")
        st.code(cl.link_url(LessonState(page="exercises", room=room.code)), language=None)
        ex = cl.kind_and_exercise_pickers("room")
        if ex.id != room.exercise_id:
            store.set_exercise(code, ex.id)
            st.rerun()
        st.markdown(f"**{md(ex.prompt)}**")
        cl.show_graph(ex.graph)
    with right:
        revealed = st.toggle("Reveal the answer", value=room.revealed)
        if revealed != room.revealed:
            store.reveal(code, revealed)
            st.rerun()
        if revealed:
            st.success(md(solution(ex)))
        live_answers(code, ex.id, revealed)
        st.download_button("Export every answer (CSV)", answers_csv(store.answers(code)),
                           file_name=f"room-{room.code}.csv", mime="text/csv")
        if st.button("Close this room on my screen"):
            cl.put("teacher_room", None)
            st.rerun()


main()
