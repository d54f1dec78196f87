"""AppTest: the classroom pages launch, an exercise is graded, a lesson link opens its state."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from causal_core.classroom.lesson import LessonState, lesson_link

from .test_pages import ROOT, all_text, goto, new_app

PAGES = ["app_pages/exercises.py", "app_pages/playground.py", "app_pages/room.py",
         "app_pages/presenter.py"]


@pytest.fixture(autouse=True)
def _room_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CAUSAL_EXPLORER_DATABASE_URL", f"sqlite:///{tmp_path / 'rooms.sqlite3'}")


@pytest.mark.parametrize("page", PAGES)
def test_every_classroom_page_launches(page):
    at = goto(new_app(), page)
    assert not at.error, [e.value for e in at.error]


def test_a_lesson_link_opens_its_exercise_and_the_answer_is_graded():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["s"] = lesson_link(LessonState(page="exercises",
                                                   exercise="strategy:example:frontdoor"))
    at.run()
    assert not at.exception, at.exception
    assert "How can the effect of smoking on lung_damage" in all_text(at)
    at.radio[0].set_value("front-door formula")
    next(b for b in at.button if b.label == "Check my answer").click()
    at.run()
    assert any("Right" in s.value for s in at.success), [s.value for s in at.success]
    at.radio[0].set_value("back-door adjustment")
    next(b for b in at.button if b.label == "Check my answer").click()
    at.run()
    assert any("what works here: front-door formula" in e.value.replace("\\", "") for e in at.error)


def test_hints_open_one_step_at_a_time():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["s"] = lesson_link(LessonState(page="exercises",
                                                   exercise="adjust_one:example:marketing"))
    at.run()
    next(b for b in at.button if b.label == "Hint").click()
    at.run()
    assert [i.value for i in at.info][-1].replace("\\", "").startswith("Adjusting for nothing, 2")
    next(b for b in at.button if b.label == "Hint").click()
    at.run()
    assert "One of them" in at.info[-1].value
    assert not [b for b in at.button if b.label == "Hint"]


def test_a_broken_lesson_link_is_an_error_not_a_traceback():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["s"] = "ce1.garbage!"
    at.run()
    assert not at.exception
    assert any("lesson link could not be opened" in e.value for e in at.error)


def test_playground_randomise_toggle_makes_naive_unbiased():
    at = goto(new_app(), "app_pages/playground.py")
    text = all_text(at)
    assert "The naive estimate averages" in text and "naive estimate" in text
    naive = next(m.value for m in at.markdown if m.value.startswith("The naive"))
    assert "biased: its average misses" in naive.replace("\\", "")
    at.toggle[0].set_value(True)
    at.run()
    naive = next(m.value for m in at.markdown if m.value.startswith("The naive"))
    assert "unbiased" in naive


def test_room_flow_student_answer_reaches_the_teacher():
    teacher = goto(new_app(), "app_pages/room.py")
    next(b for b in teacher.button if b.label == "Open a room").click()
    teacher.run()
    code = next(m.value for m in teacher.markdown if m.value.startswith("## Room code")).split("`")[1]
    student = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    student.query_params["s"] = lesson_link(LessonState(page="exercises", room=code))
    student.run()
    assert f"In room {code}" in all_text(student)
    student.multiselect[0].set_value(["competitor_action", "seasonality"])
    next(b for b in student.button if b.label == "Send my answer").click()
    student.run()
    assert not student.exception
    teacher.run()
    assert "1 answer" in all_text(teacher)
    teacher.toggle[0].set_value(True)
    teacher.run()
    assert any("Every minimal adjustment set" in s.value.replace("\\", "") for s in teacher.success)


def test_the_readmission_lesson_estimate_page_opens_on_an_estimator_that_agrees():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["s"] = lesson_link(LessonState(page="estimate", example="hospital"))
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["ce.data"].example.info.name == "hospital"
    assert at.selectbox[0].value == "ipw"
    value = float(next(m for m in at.metric if "Estimated effect" in m.label).value.replace("−", "-"))
    assert abs(value - (-0.03)) < 0.004, value  # the lesson's average effect (regression: -0.023)
