"""AppTest: the sidebar's read-only share link carries the owner's choices, and opening it in
a new session gives a copy with the same choices and the same estimate (no token, no data)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from streamlit.testing.v1 import AppTest

from causal_core.classroom.lesson import read_lesson_link
from tests.app import view
from ui import session

ROOT = Path(__file__).parents[2]


def _metric(at: AppTest) -> str:
    return next(m for m in at.metric if "Estimated effect" in m.label).value


def test_the_share_link_opens_a_copy_with_the_owners_choices_and_numbers():
    owner = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    owner.query_params["example"] = "hospital"
    view.run(owner)
    view.run(owner, "app_pages/estimate.py")
    owner.selectbox(key=session.ESTIMATOR).set_value("aipw")
    view.run(owner)
    plan = view.plan(owner)
    assert plan.estimator == "aipw"
    url = next(c.value for c in owner.sidebar.code if "?s=" in c.value)
    text = parse_qs(urlsplit(url).query)["s"][0]
    lesson = read_lesson_link(text)
    assert lesson.example == "hospital" and lesson.page == "estimate"
    assert lesson.choices == plan.choices()
    assert view.get(owner, session.TOKEN) not in url  # nothing of the owner's session

    guest = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    guest.query_params["s"] = text
    view.run(guest)
    copy = view.plan(guest)
    assert (copy.estimator, copy.target, copy.random_state, copy.n_simulations) == (
        plan.estimator, plan.target, plan.random_state, plan.n_simulations)
    assert copy.key("estimate") == plan.key("estimate")
    view.run(guest, "app_pages/estimate.py")
    assert guest.selectbox(key=session.ESTIMATOR).value == "aipw"
    assert _metric(guest) == _metric(owner)
    assert view.get(guest, session.TOKEN) != view.get(owner, session.TOKEN)
