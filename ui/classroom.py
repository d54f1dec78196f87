"""Streamlit glue of the classroom: its session keys, the lesson link, the room store, and
the widgets that draw an exercise. Every verdict, hint and number comes from
``causal_core.classroom``; this module keeps state and renders.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

import causal_core as cc
from causal_core.classroom import Exercise, Hint, get_exercise, hints, list_exercises
from causal_core.classroom.exercises import KINDS
from causal_core.classroom.lesson import LessonState, lesson_link, read_lesson_link
from causal_core.classroom.store import RoomStore
from causal_core.report_svg import dag_svg
from ui import session
from ui.widgets import md, show_error

PARAM = "s"  # the lesson link's query parameter
#: Lesson page names -> page files (the router registers them).
PAGE_FILES: dict[str, str] = {
    "data": "app_pages/data.py", "model": "app_pages/graph.py", "identify": "app_pages/identify.py",
    "estimate": "app_pages/estimate.py", "whatif": "app_pages/whatif.py",
    "report": "app_pages/report.py", "exercises": "app_pages/exercises.py",
    "playground": "app_pages/playground.py", "presenter": "app_pages/presenter.py",
    "room": "app_pages/room.py",
}


def get(key: str, default: Any = None) -> Any:
    """A classroom session value."""
    return st.session_state.get(session.classroom_key(key), default)


def put(key: str, value: Any) -> None:
    """Set a classroom session value."""
    st.session_state[session.classroom_key(key)] = value


def student_id() -> str:
    """This browser session's anonymous id in rooms (random; no name is asked)."""
    if not get("student"):
        put("student", "s-" + secrets.token_urlsafe(9))
    return get("student")


def exercise() -> Exercise:
    """The exercise this session works on (default: the first)."""
    eid = get("exercise")
    try:
        return get_exercise(eid) if eid else list_exercises()[0]
    except cc.CausalCoreError:
        return list_exercises()[0]


@st.cache_resource(max_entries=1, show_spinner=False)
def store() -> RoomStore:
    """The server's room store (SQLite file, or PostgreSQL from CAUSAL_EXPLORER_DATABASE_URL)."""
    return RoomStore()


# ------------------------------------------------------------------ the lesson link
def apply_link() -> None:
    """Open the state a lesson link carries, once per session (each student their own copy)."""
    text = st.query_params.get(PARAM)
    if not text or get("link") == text:
        return
    put("link", text)
    from ui import share, state

    try:
        lesson = read_lesson_link(text)
        if lesson.example is not None:
            state.load_example_into_session(lesson.example)
        shared = share.open_shared(lesson)  # the owner's data, if they shared them
        if shared is not None:
            state.set_data(shared)
        if lesson.dag is not None or (lesson.seed is not None and lesson.example is None):
            state.set_graph(lesson.graph(), external=True, keep_positions=False)
        if lesson.choices is not None and state.plan() is not None:
            state.set_plan(state.plan().with_choices(lesson.choices))  # a shared analysis
            session.forget_widgets()  # the widgets show the link's choices
    except cc.CausalCoreError as err:
        show_error(err, "This lesson link could not be opened")
        return
    if lesson.exercise is not None:
        put("exercise", lesson.exercise)
        put("kind", get_exercise(lesson.exercise).kind)
    if lesson.room is not None:
        put("room", lesson.room)
    st.switch_page(PAGE_FILES[lesson.page])


def link_url(lesson: LessonState) -> str:
    """The full URL of a lesson link (this server, the page, the state; nothing of this session)."""
    url = st.context.url or "http://localhost:8501/"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/{lesson.page if lesson.page != 'model' else 'graph'}" \
           f"?{PARAM}={lesson_link(lesson)}"


# ------------------------------------------------------------------ drawing an exercise
def show_graph(g: cc.CausalGraph, hint: Hint | None = None, width: int = 900,
               font_size: float = 13.0, roles: dict[str, str] | None = None) -> None:
    """The graph as an image (names escaped by the engine's SVG), a hint's path highlighted."""
    svg = dag_svg(g, roles, highlight=hint.edges if hint else (), width=width, font_size=font_size)
    st.image(svg, width="stretch")


def hint_step(ex: Exercise) -> int:
    """How many hints this session has opened on this exercise."""
    return int(get(f"hints.{ex.id}", 0))


def shown_hints(ex: Exercise) -> list[Hint]:
    """The hints opened so far."""
    return hints(ex)[: hint_step(ex)]


def more_hint(ex: Exercise) -> None:
    """Open the next hint."""
    put(f"hints.{ex.id}", min(hint_step(ex) + 1, len(hints(ex))))


def answer_input(ex: Exercise, key: str) -> Any:
    """The answer widget for this kind of exercise; returns the JSON-plain answer."""
    k = session.classroom_key(f"answer.{key}.{ex.id}")
    if ex.kind == "adjust_one":
        nodes = [v for v in ex.graph.nodes if ex.graph.is_observed(v)
                 and v not in (ex.scenario.treatment, ex.scenario.outcome)]
        none = st.checkbox("No set works", key=k + ".none")
        picked = st.multiselect("Adjust for", nodes, key=k, disabled=none)
        return None if none else sorted(picked)
    if ex.kind == "adjust_all":
        text = st.text_area("One set per line, names separated by commas (an empty line: the "
                            "empty set)", key=k, height=120)
        lines = [ln.strip() for ln in text.splitlines()] if text.strip() else []
        return [[v.strip() for v in ln.split(",") if v.strip()] for ln in lines]
    if ex.kind == "estimate":
        return st.number_input("Your estimate", value=0.0, format="%.4f", key=k)
    return st.radio("Your answer", ex.options, index=None, key=k, format_func=md)


def kind_and_exercise_pickers(key: str) -> Exercise:
    """Two select boxes (kind, then exercise); the choice is kept in the session."""
    kinds = list(KINDS)
    current = exercise()
    kind = st.selectbox("Exercise type", kinds, index=kinds.index(current.kind),
                        format_func=KINDS.get, key=session.classroom_key(f"{key}.kind"))
    choices = list_exercises(kind)
    ids = [e.id for e in choices]
    index = ids.index(current.id) if current.id in ids else 0
    eid = st.selectbox("Scenario", ids, index=index, key=session.classroom_key(f"{key}.exercise"),
                       format_func=lambda i: get_exercise(i).scenario.title)
    put("exercise", eid)
    return get_exercise(eid)


@st.cache_data(max_entries=32, show_spinner="Simulating 200 samples...")
def simulate(graph_json: str, strengths_json: str, n: int, randomise: bool) -> Any:
    """The engine's bias simulation, cached on its inputs (the graph as our JSON text)."""
    import json

    from causal_core.classroom.playground import simulate_bias

    g = cc.CausalGraph.parse(graph_json)
    return simulate_bias(g, strengths=json.loads(strengths_json), n=n, n_reps=200,
                         randomise=randomise, random_state=0)
