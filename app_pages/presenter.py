"""Presenter view: large type, no sidebar, one idea per screen (made for a 1280x720 projector)."""

import streamlit as st

from causal_core.classroom import hints, solution
from causal_core.classroom.figures import answers_figure
from causal_core.classroom.room import answer_counts
from ui import classroom as cl
from ui.widgets import md

# Static CSS only (no user text): hide the sidebar and the toolbar, enlarge the type.
st.html("""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"] {display: none !important;}
.block-container {padding-top: 1.2rem !important; max-width: 100% !important;}
.stApp p, .stApp li, .stApp label, .stApp button p {font-size: 1.65rem !important; line-height: 1.35;}
.stApp h1 {font-size: 2.8rem !important;} .stApp h2 {font-size: 2.2rem !important;}
</style>""")


def screens(ex) -> list[tuple[str, object]]:
    """(heading, content) per screen: the question, each hint, the room's answers, the answer."""
    out: list[tuple[str, object]] = [("Question", None)]
    out += [(f"Hint {i + 1}", h) for i, h in enumerate(hints(ex))]
    if cl.get("teacher_room"):
        out.append(("Your answers", "room"))
    out.append(("Answer", "answer"))
    return out


def main() -> None:
    ex = cl.exercise()
    pages = screens(ex)
    step = min(int(cl.get("present.step", 0)), len(pages) - 1)
    heading, content = pages[step]
    st.markdown(f"# {md(heading)}")
    left, right = st.columns([3, 2], gap="large")
    with left:
        hint = content if heading.startswith("Hint") else None
        cl.show_graph(ex.graph, hint, width=760, font_size=24)
    with right:
        if heading == "Question":
            st.markdown(f"## {md(ex.prompt)}")
            for option in ex.options:
                st.markdown(f"- {md(option)}")
        elif hint is not None:
            st.markdown(f"## {md(hint.text)}")
        elif content == "room":
            answers = cl.store().answers(cl.get("teacher_room"), ex.id)
            st.markdown(f"## {len(answers)} answers")
            if answers:
                st.plotly_chart(answers_figure(answer_counts(answers), revealed=False, height=420))
        else:
            st.markdown(f"## {md(solution(ex))}")
    back, where, forward = st.columns([1, 2, 1])
    if back.button("◀ Back", disabled=step == 0, width="stretch"):
        cl.put("present.step", step - 1)
        st.rerun()
    where.markdown(f"**{step + 1} / {len(pages)}**", text_alignment="center")
    if forward.button("Next ▶", disabled=step == len(pages) - 1, width="stretch"):
        cl.put("present.step", step + 1)
        st.rerun()
    with st.expander("Choose the exercise"):
        picked = cl.kind_and_exercise_pickers("present")
        if picked.id != ex.id:
            cl.put("present.step", 0)
            st.rerun()


main()
