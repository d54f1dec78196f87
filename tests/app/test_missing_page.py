"""AppTest: a file with missing values and a categorical treatment; each missing-data choice
leads to an estimate, and the choice reaches the report and the script."""

from __future__ import annotations

import causal_core as cc
from causal_core.analysis import assemble
from causal_core.datasets.missing_examples import CAMPAIGN_DAG, campaign_types
from causal_core.report import to_html, to_script
from tests.app import view
from ui import session


def test_each_missing_data_choice_gives_an_estimate_and_is_reported():
    at = view.app_with_upload("stores.csv", campaign_types(400).to_csv(index=False).encode())
    box = next(t for t in at.text_area if "as text" in t.label)
    box.set_value(CAMPAIGN_DAG)
    view.run(at)
    view.run(at, "app_pages/estimate.py")
    assert any("Missing or infinite values" in e.value for e in at.error)
    radio = next(r for r in at.radio if r.label == "Missing values")
    seen = {}
    for strategy in ("complete_cases", "multiple_imputation"):
        at.number_input(key=session.MISSING_M).set_value(3)
        radio = next(r for r in at.radio if r.label == "Missing values")
        radio.set_value(strategy)
        view.run(at)
        assert not at.error, [e.value for e in at.error]
        assert any(h.value == "Each level against a reference" for h in at.subheader)
        seen[strategy] = next(m.value for m in at.metric if "Estimated effect" in m.label)
        view.run(at, "app_pages/report.py")
        p = view.plan(at)
        assert p.missing_data.strategy == strategy  # the choice is the plan's
        analysis = assemble(p, estimates={p.estimator: view.estimates(at)[p.estimator]})
        assert analysis.primary_estimate().diagnostics["missing_data"]["strategy"] == strategy
        words = ("Missing values: complete cases" if strategy == "complete_cases"
                 else "Missing values: multiple imputation, 3 imputed")
        assert words in to_html(analysis)
        assert f"MISSING_DATA = {{'strategy': {strategy!r}" in to_script(analysis, "stores.csv")
        view.run(at, "app_pages/estimate.py")
    assert seen["complete_cases"] != seen["multiple_imputation"]


def test_a_choice_followed_at_once_by_a_click_on_the_navigation_is_kept():
    """The browser run that found it: choose multiple imputation, click Report before the
    Estimate page has run again: the choice (and an estimator choice) must be the plan's."""
    at = view.app_with_upload("stores.csv", campaign_types(400).to_csv(index=False).encode())
    next(t for t in at.text_area if "as text" in t.label).set_value(CAMPAIGN_DAG)
    view.run(at)
    view.run(at, "app_pages/estimate.py")
    at.number_input(key=session.MISSING_M).set_value(3)  # fewer copies: the choice is the point
    next(r for r in at.radio if r.label == "Missing values").set_value("multiple_imputation")
    at.switch_page("app_pages/whatif.py")  # the click on the navigation, before any rerun
    at.run()
    assert view.plan(at).missing_data == cc.MissingDataChoice("multiple_imputation", m=3)
    view.run(at, "app_pages/estimate.py")
    box = at.selectbox(key=session.ESTIMATOR)
    before = box.value
    fitting = [e.name for e in cc.list_estimators()
               if "categorical" in e.treatment_types and "backdoor" in e.estimands]
    chosen = next(n for n in fitting if n != before)
    box.set_value(chosen)
    at.switch_page("app_pages/whatif.py")
    at.run()
    assert view.plan(at).estimator == chosen
