"""AppTest: a share link carries the owner's uploaded data only when the owner ticks the box;
the guest then gets a copy of their own with the same plan and the same estimate."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from streamlit.testing.v1 import AppTest

from causal_core.classroom.lesson import LessonState, lesson_link, read_lesson_link
from causal_core.links import encode_state
from tests.app import view
from tests.app.test_data_page import marketing_like
from tests.app.test_pages import new_app
from ui import session, share

ROOT = Path(__file__).parents[2]


def _metric(at: AppTest) -> str:
    return next(m for m in at.metric if "Estimated effect" in m.label).value


def _link(at: AppTest) -> str:
    url = next(c.value for c in at.sidebar.code if "?s=" in c.value)
    return parse_qs(urlsplit(url).query)["s"][0]


def _owner_with_upload() -> AppTest:
    owner = new_app()
    raw = marketing_like(300, seed=4).drop(columns="week").to_csv(index=False).encode()
    owner.file_uploader[0].set_value(("mine.csv", raw, "text/csv")).run()
    assert not owner.exception, [e.value for e in owner.exception]
    assert view.data(owner).name == "mine.csv"
    view.run(owner, "app_pages/estimate.py")
    return owner


def _guest(text: str) -> AppTest:
    guest = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    guest.query_params["s"] = text
    view.run(guest)
    return guest


def test_opted_in_link_opens_a_copy_of_the_data_with_the_same_estimate():
    owner = _owner_with_upload()
    assert read_lesson_link(_link(owner)).shared_data is None  # off by default
    owner.checkbox(key=session.SHARE_DATA).check().run()
    text = _link(owner)
    lesson = read_lesson_link(text)
    assert lesson.shared_data is not None and lesson.example is None
    for secret in (view.get(owner, session.TOKEN), view.get(owner, session.OWNER)):
        assert secret not in text and secret not in lesson.shared_data
    assert _link(owner) == text  # a rerun keeps the link: one id per table

    guest = _guest(text)
    mine, theirs = view.data(owner), view.data(guest)
    assert theirs.name == "mine.csv" and theirs.fingerprint == mine.fingerprint
    pd.testing.assert_frame_equal(theirs.frame, mine.frame)
    assert theirs.frame is not mine.frame  # a frozen copy, not the owner's table
    assert view.plan(guest).key("estimate") == view.plan(owner).key("estimate")
    view.run(guest, "app_pages/estimate.py")
    assert _metric(guest) == _metric(owner)
    assert view.get(guest, session.TOKEN) != view.get(owner, session.TOKEN)

    guest.selectbox(key=session.ESTIMATOR).set_value("naive")  # the guest changes their copy
    view.run(guest)
    assert view.plan(guest).estimator == "naive"
    view.run(owner)
    assert view.plan(owner).estimator != "naive" and view.data(owner).fingerprint == mine.fingerprint

    owner.checkbox(key=session.SHARE_DATA).uncheck().run()
    assert read_lesson_link(_link(owner)).shared_data is None  # off again: no data


def test_without_opt_in_the_guest_gets_no_data_of_the_owner():
    owner = _owner_with_upload()
    guest = _guest(_link(owner))
    assert view.data(guest).fingerprint != view.data(owner).fingerprint
    assert view.data(guest).name != "mine.csv"
    assert view.plan(guest).graph.nodes == view.plan(owner).graph.nodes  # the graph is shared


def test_an_expired_or_unknown_id_opens_graph_and_choices_with_a_notice():
    owner = _owner_with_upload()
    owner.checkbox(key=session.SHARE_DATA).check().run()
    text = _link(owner)
    store = share.store()
    idle, store.idle_seconds = store.idle_seconds, -1.0  # every link is now past its idle time
    try:
        guest = _guest(text)
    finally:
        store.idle_seconds = idle
    notes = " ".join(i.value for i in guest.info)
    assert "The data shared with this link expired" in notes and "fresh link" in notes
    assert view.data(guest).fingerprint != view.data(owner).fingerprint
    assert view.plan(guest).estimator == view.plan(owner).estimator  # the choices came

    lesson = read_lesson_link(text)
    other = LessonState(**{**lesson.to_dict(), "shared_data": "Z" * 32})
    guest = _guest(lesson_link(other))
    assert "are not on this server" in " ".join(i.value for i in guest.info)


def test_a_malformed_id_is_the_engines_clear_error():
    guest = _guest(encode_state({"page": "model", "dag": "x -> y", "shared_data": "abc"}))
    errors = " ".join(e.value for e in guest.error).replace("\\", "")  # markdown escapes
    assert "This lesson link could not be opened" in errors
    assert "shared-data id must be 32 characters" in errors
