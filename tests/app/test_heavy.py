"""Cancelled heavy steps: the page says so, computes nothing, and runs the step again on request.

The click on Cancel itself happens while a script runs (a rerun interrupts the waiting page):
that needs a live server, see ``tests/browser/test_cancel.py``. Here the state it leaves, a
step recorded as cancelled, is put in place and the pages are read.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import session

COUNTER = "calls"


def _script() -> None:
    import streamlit as st

    from ui import heavy

    def compute(update):
        st.session_state["calls"] = st.session_state.get("calls", 0) + 1
        if update is not None:
            update(0.5, "half way")
        return 42

    out = heavy.run_step("step-key", "Working…", "the work", compute, done=False)
    st.write(f"result: {out}")


def _app() -> AppTest:
    return AppTest.from_function(_script, default_timeout=60)


def test_a_step_runs_under_its_bar_and_returns_its_result():
    at = _app().run()
    assert not at.exception
    assert at.session_state["calls"] == 1
    assert any("result: 42" in m.value for m in at.markdown)
    assert not at.info  # no cancellation notice


def test_a_cancelled_step_is_not_computed_and_runs_again_on_request():
    at = _app()
    at.session_state[session.CANCELLED] = {"step-key"}
    at.run()
    assert not at.exception
    assert "calls" not in at.session_state  # nothing computed
    assert [i.value for i in at.info] == ["You cancelled the work. Your choices are kept; "
                                          "nothing was computed for them."]
    assert any("result: None" in m.value for m in at.markdown)
    again = next(b for b in at.button if b.label == "Run the work again")
    again.click().run()
    assert at.session_state["calls"] == 1
    assert any("result: 42" in m.value for m in at.markdown)
    assert not at.info


def test_a_new_session_on_the_opening_example_queues_no_job_not_even_for_a_failing_check(monkeypatch):
    # Two checks do not apply to the opening example (no negative control): their errors were
    # not remembered, so every new session queued them again, behind anyone's long fit.
    from pathlib import Path

    from ui import jobs, state

    state._shared.clear()  # as on a fresh server: another test of this process may have filled it
    run, labels = jobs.run, []

    def counted(fn, *args, label="", **kwargs):
        labels.append(label)
        return run(fn, *args, label=label, **kwargs)

    monkeypatch.setattr(jobs, "run", counted)
    app = str(Path(__file__).parents[2] / "app.py")
    AppTest.from_file(app, default_timeout=300).run()
    first = list(labels)
    assert "Negative-control outcome" in first  # the first session computes, failures included
    labels.clear()
    at = AppTest.from_file(app, default_timeout=300).run()
    assert not at.exception
    assert labels == [], f"a second session queued {labels}"


def test_the_bar_is_redrawn_only_when_what_it_shows_changes(monkeypatch):
    # a waiting page reports every 0.25 s; an unchanged bar must not send the browser a message
    import streamlit as st

    from ui import heavy

    drawn = []

    class Bar:
        def progress(self, value, text=""):
            drawn.append((value, text))

    monkeypatch.setattr(st, "progress", lambda *a, **k: Bar())
    monkeypatch.setattr(st, "button", lambda *a, **k: False)
    with heavy.progress_box("Working", "k") as update:
        for _ in range(5):
            update(0.0, "waiting, 3 jobs ahead of you on this server")
        update(0.0, "waiting, 2 jobs ahead of you on this server")
        update(0.25, "25 %")
        update(0.2501, "25 %")  # the same per mille: not redrawn
        update(0.26, "26 %")
        update(0.26, "26 %")
        update(7, "done")  # clipped to 1
    assert drawn == [(0.0, "Working waiting, 3 jobs ahead of you on this server"),
                     (0.0, "Working waiting, 2 jobs ahead of you on this server"),
                     (0.25, "Working 25 %"), (0.26, "Working 26 %"), (1.0, "Working done")]
