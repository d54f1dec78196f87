"""The doing curve reports its progress after each model simulation, so the app's job pool can
stop it there (a closed tab, a Cancel click): before, it had no progress argument, and once a
large graph's model was fitted its curve ran on for seconds after the tab closed (seen in the
hung-input browser test: 1.5 and 3.0 s of the server's CPU in the 5 s after the tabs closed)."""

from __future__ import annotations

import pytest

from causal_core import whatif as wi
from causal_core.datasets import load_example


class Stop(Exception):
    pass


def stop(_fraction: float) -> None:
    """A progress callback that stops the work at its first report (as a cancelled job's does)."""
    raise Stop


@pytest.fixture(scope="module", params=[("marketing", "marketing_spend", "revenue"),
                                        ("marketing_binary", "campaign", "revenue")])
def question(request):
    name, t, y = request.param
    ex = load_example(name)
    q = wi.pose(ex.data, t, y)
    return ex.data, wi.fit_model(ex.data, ex.graph, q), q


def test_the_curve_reports_each_simulation_and_is_the_same_with_or_without_it(question):
    frame, scm, q = question
    seen: list[float] = []
    curve = wi.doing_curve(frame, scm, q, seed=3, progress=seen.append)
    steps = len(wi.doing_grid(frame, q)) + (q.kind != "continuous")  # + the discrete effect
    assert seen == [(i + 1) / steps for i in range(steps)]
    assert curve == wi.doing_curve(frame, scm, q, seed=3)


def test_an_exception_from_progress_stops_the_curve_at_that_simulation(question, monkeypatch):
    frame, scm, q = question
    calls = []
    real = type(scm).do
    monkeypatch.setattr(type(scm), "do", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))

    with pytest.raises(Stop):
        wi.doing_curve(frame, scm, q, progress=stop)
    assert len(calls) == 1  # of 25 (continuous) or 2 plus the effect's 2 (discrete)


def test_a_plans_answers_report_across_its_questions_and_stop_when_asked():
    """The Report page answers every What-if question in the pool: two questions, the second
    half of the fractions is the second question's, and a stop ends them at the first point."""
    import causal_core as cc

    ex = load_example("marketing")
    plan = cc.AnalysisPlan.for_data(ex.data, "marketing.csv", ex.graph, whatif_questions=(
        cc.WhatIfQuestion(unit=1), cc.WhatIfQuestion(x=50.0, unit=2)))
    scm = plan.whatif_model(ex.data)
    seen: list[float] = []
    answers = plan.whatif(ex.data, scm=scm, progress=seen.append)
    assert answers == plan.whatif(ex.data, scm=scm)  # the same numbers, reported or not
    points = len(wi.doing_grid(ex.data, wi.pose(ex.data, plan.treatment, plan.outcome)))
    assert seen == [(k + (i + 1) / points) / 2 for k in range(2) for i in range(points)]
    with pytest.raises(Stop):
        plan.whatif(ex.data, scm=scm, progress=stop)
