"""Exercises: questions with known answers, graded by the engine, with hints step by step."""

import streamlit as st

import causal_core as cc
from causal_core.classroom import grade, hints, solution
from causal_core.classroom.lesson import LessonState
from ui import classroom as cl
from ui import session
from ui.widgets import md, show_error


def _room_panel(ex) -> bool:
    """The joined room's state; True when its answer is revealed."""
    code = cl.get("room")
    try:
        room = cl.store().room(code)
    except cc.CausalCoreError as err:
        show_error(err)
        cl.put("room", None)
        return False
    st.caption(md(f"In room {room.code}: your answers go to the teacher's screen."))
    if room.exercise_id != ex.id:
        cl.put("exercise", room.exercise_id)
        st.rerun()
    return room.revealed


def _join_room() -> None:
    with st.expander("Join a room" if not cl.get("room") else f"Room {cl.get('room')}"):
        code = st.text_input("Room code (from the teacher's screen)", max_chars=6,
                             key=session.classroom_key("room_input"))
        if st.button("Join", disabled=not code):
            try:
                cl.put("room", cl.store().room(code).code)
            except cc.CausalCoreError as err:
                show_error(err)
            else:
                st.rerun()
        if cl.get("room") and st.button("Leave the room"):
            cl.put("room", None)
            st.rerun()


@st.fragment(run_every="3s")
def _live(ex) -> None:
    """Re-read the room every few seconds: follows the teacher's exercise and reveal."""
    revealed = _room_panel(ex)
    if revealed:
        st.success(md("Revealed: " + solution(ex)))
        sent = cl.get(f"sent.{ex.id}")
        if sent is not None:
            (st.success if sent[1] else st.error)(md(f"Your answer {sent[0]}: {sent[2]}"))
    else:
        st.caption("The teacher has not revealed the answer yet.")


def main() -> None:
    st.title("Exercises")
    st.caption("Every answer is checked by the engine on the scenario's graph, so any valid "
               "answer counts. Hints come one step at a time.")
    _join_room()
    in_room = bool(cl.get("room"))
    ex = cl.exercise() if in_room else cl.kind_and_exercise_pickers("ex")
    shown = cl.shown_hints(ex)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(md(ex.title))
        cl.show_graph(ex.graph, shown[-1] if shown else None)
        st.caption(md(f"Scenario source: {ex.scenario.source}"))
    with right:
        st.markdown(f"#### {md(ex.prompt)}")
        answer = cl.answer_input(ex, "ex")
        if st.button("Check my answer" if not in_room else "Send my answer", type="primary"):
            try:
                result = grade(ex, answer)
                if in_room:
                    cl.store().submit(cl.get("room"), cl.student_id(), ex.id, result.answer,
                                      result.correct)
            except cc.CausalCoreError as err:
                show_error(err)
            else:
                cl.put(f"sent.{ex.id}", (result.answer, result.correct, result.feedback))
        sent = cl.get(f"sent.{ex.id}")
        if sent is not None and not in_room:
            (st.success if sent[1] else st.error)(md(sent[2]))
        elif sent is not None:
            st.info(md(f"Sent: {sent[0]}"))
        for h in shown:
            st.info(md(h.text))
        if len(shown) < len(hints(ex)) and st.button("Hint", help="One step at a time"):
            cl.more_hint(ex)
            st.rerun()
        if in_room:
            _live(ex)
        elif st.toggle("Show the answer", key=session.classroom_key(f"reveal.{ex.id}")):
            st.success(md(solution(ex)))
        st.caption("A link to this exercise (each student who opens it gets their own copy):")
        st.code(cl.link_url(LessonState(page="exercises", exercise=ex.id)), language=None)


main()
