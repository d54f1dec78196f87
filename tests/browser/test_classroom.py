"""The classroom in Chromium: an exercise graded with hints, a room's answer revealed to a
student, and the presenter view on a 1280x720 projector. Screenshots go to docs/screenshots
with UPDATE_SCREENSHOTS=1 (else to a temporary folder)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from causal_core.classroom.lesson import LessonState, lesson_link

from .conftest import ROOT, Session

SHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS")
         else Path(tempfile.mkdtemp(prefix="ce-shots-")))
FRONTDOOR = "strategy:example:frontdoor"


def _open(browser, app_url, lesson: LessonState, viewport=(1400, 1000)) -> tuple:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    s = Session(context.new_page(), app_url)
    s.page.goto(f"{app_url}/{lesson.page}?s={lesson_link(lesson)}")
    s.wait_idle(timeout=60_000)
    return context, s


def _click(s: Session, text: str) -> None:
    s.page.get_by_role("button", name=text).click()
    s.wait_idle()


def test_exercise_is_graded_with_hints_step_by_step(browser, app_url):
    context, s = _open(browser, app_url, LessonState(page="exercises", exercise=FRONTDOOR))
    try:
        page = s.page
        page.get_by_text("How can the effect of smoking on lung_damage").wait_for()
        page.get_by_text("back-door adjustment").click()
        s.wait_idle()
        _click(s, "Check my answer")
        page.get_by_text("No: what works here: front-door formula").wait_for()
        page.get_by_text("front-door formula", exact=True).click()
        s.wait_idle()
        _click(s, "Check my answer")
        page.get_by_text("Right: what works here").wait_for()
        _click(s, "Hint")
        page.get_by_text("Adjusting for nothing, 1 biasing").wait_for()
        _click(s, "Hint")
        page.get_by_text("One of them: smoking").wait_for()
        assert "genotype" in page.get_by_text("One of them: smoking").inner_text()
        assert page.get_by_role("button", name="Hint").count() == 0
        img = page.locator("[data-testid='stImage'] img").first
        assert img.get_attribute("src").startswith("data:image/svg+xml")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "exercise.png"))
        assert s.unexpected_console_errors() == []
    finally:
        context.close()


def test_room_answer_reaches_the_teacher_and_the_reveal_reaches_the_student(browser, app_url):
    t_ctx, teacher = _open(browser, app_url, LessonState(page="room", exercise=FRONTDOOR))
    s_ctx = None
    try:
        _click(teacher, "Open a room")
        heading = teacher.page.get_by_text("Room code:").inner_text()
        code = heading.split(":")[1].strip()
        assert len(code) == 6, heading
        s_ctx, student = _open(browser, app_url, LessonState(page="exercises", room=code))
        student.page.get_by_text(f"In room {code}").wait_for()
        student.page.get_by_text("front-door formula", exact=True).click()
        student.wait_idle()
        _click(student, "Send my answer")
        student.page.get_by_text("Sent: front-door formula").wait_for()
        teacher.page.get_by_text("1 answer", exact=True).wait_for(timeout=15_000)
        teacher.page.locator(".js-plotly-plot").first.wait_for()
        teacher.page.get_by_text("Reveal the answer").click()
        teacher.wait_idle()
        teacher.page.get_by_text("What works: front-door formula.").wait_for()
        teacher.page.screenshot(path=str(SHOTS / "room.png"))
        student.page.get_by_text("Revealed: What works: front-door formula.").wait_for(timeout=15_000)
        student.page.get_by_text("Your answer front-door formula: Right").wait_for()
        student.page.screenshot(path=str(SHOTS / "room-student.png"))
    finally:
        t_ctx.close()
        if s_ctx is not None:
            s_ctx.close()


def test_presenter_view_is_readable_on_a_1280x720_projector(browser, app_url):
    context, s = _open(browser, app_url,
                       LessonState(page="presenter", exercise="adjust_one:example:hospital"),
                       viewport=(1280, 720))
    try:
        page = s.page
        page.get_by_text("Question", exact=True).wait_for()
        from playwright.sync_api import expect

        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden(timeout=10_000)
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                             "'[data-testid=\"stMarkdownContainer\"] p')).fontSize)")
        assert size >= 24, size
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, width
        prompt = page.get_by_text("Find a minimal set of variables to adjust for")
        box = prompt.bounding_box()
        assert box["y"] + box["height"] <= 720  # the question is on the first screen
        page.screenshot(path=str(SHOTS / "presenter.png"))
        _click(s, "Next ▶")
        page.get_by_text("Hint 1", exact=True).wait_for()
        page.get_by_text("Adjusting for nothing, 4 biasing").wait_for()
        _click(s, "Next ▶")
        page.get_by_text("One of them").wait_for()
        page.screenshot(path=str(SHOTS / "presenter-hint.png"))
        _click(s, "Next ▶")
        page.get_by_text("Every minimal adjustment set: {age, has_transport}.").wait_for()
    finally:
        context.close()
