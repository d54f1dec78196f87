"""AppTest of the Report page: it launches, offers the downloads, restores a saved analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import causal_core as cc
from causal_core.analysis import Analysis, run_analysis
from causal_core.datasets import load_example
from tests.app import view
from ui import session
from ui.widgets import md

ROOT = Path(__file__).parents[2]
PAGE = "app_pages/report.py"


def report_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, name: str, raw: bytes) -> AppTest:
    """Upload a saved analysis and, when it can be read, confirm its restore."""
    at.file_uploader[0].set_value((name, raw, "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    restore = [b for b in at.button if b.label == "Restore it"]
    if restore:
        restore[0].click().run()
        view.confirm(at)
        assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def saved() -> Analysis:
    """The marketing example with one arrow removed and a single refutation."""
    ex = load_example("marketing")
    g = cc.CausalGraph.parse(ex.graph.to_dagitty().replace("competitor_action -> revenue\n", ""))
    return run_analysis(ex.data, ex.info.title, g, refuters=["placebo_treatment"],
                        n_simulations=20, example="marketing")


def test_page_launches_on_the_seed_example_with_its_downloads():
    at = report_page()
    assert not at.error, [e.value for e in at.error]
    assert any("Supported" in s.value for s in at.success)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["HTML report", "Python script", "Analysis (.json)", "Example data (.csv)"]
    assert view.estimates(at)  # the defaults were estimated for the report
    assert "placebo_treatment" in view.refutations(at)


def test_the_preview_is_drawn_only_when_asked_and_then_sandboxed():
    """The preview is the whole report (about 5 MB with plotly): it was sent into the page on
    every rerun of the Report page. It is now behind a toggle, off by default."""
    at = report_page()

    def reports():  # the page's other frame is the owner cookie's one-line script
        return [f for f in at.get("iframe") if "sandbox=" in f.proto.srcdoc]

    assert not reports()
    toggle = next(t for t in at.toggle if t.label == "Show the report here")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    (frame,) = reports()
    page = frame.proto.srcdoc
    assert 'sandbox="allow-scripts' in page and "allow-same-origin" not in page
    assert len(page) > 1_000_000  # the report itself, plotly embedded


def test_uploading_a_saved_analysis_restores_it_without_recomputing(saved):
    d = json.loads(saved.to_json())
    d["estimates"]["linear_regression"]["value"] = 123.456  # only a restore can show this number
    at = upload(report_page(), "saved.json", json.dumps(d).encode())
    assert not at.error, [e.value for e in at.error]
    assert any("Restored the analysis" in s.value for s in at.success)
    assert not at.warning, [w.value for w in at.warning]  # same example data: same fingerprint
    assert view.graph(at) == saved.causal_graph()
    assert set(view.refutations(at)) == {"placebo_treatment"}
    assert view.estimates(at)["linear_regression"].value == 123.456
    assert any("by about 123 " in s.value for s in at.success)  # the report shows the saved number
    restored = view.get(at, session.RESTORED)[1]
    assert restored.estimates["linear_regression"]["value"] == 123.456


def test_a_restore_with_other_data_warns(saved):
    ex = load_example("marketing")
    other = run_analysis(ex.data.head(500), "mine.csv", ex.graph, refuters=[], compare=())
    at = upload(report_page(), "other.json", other.to_json().encode())
    assert any("not the table this analysis was saved with" in w.value for w in at.warning)
    assert any("Load 'mine\\.csv' on the Data page" in w.value for w in at.warning)
    assert any("mine\\.csv" in w.value for w in at.warning)
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("name, raw, words", [
    ("broken.json", b'{"format": "causal-explorer-analysis", "schema_v', "not valid JSON"),
    ("graph.json", cc.CausalGraph.parse("a -> b").to_json().encode(), "not a Causal Explorer"),
    ("binary.json", bytes(range(256)), "not UTF-8"),
])
def test_corrupted_or_foreign_json_shows_an_error_and_keeps_the_analysis(name, raw, words):
    at = report_page()
    graph_before = view.graph(at)
    at = upload(at, name, raw)
    errors = [e.value for e in at.error]
    assert errors and md(words) in errors[0] and md(name) in errors[0]
    assert view.graph(at) == graph_before
    assert at.get("download_button")  # the current analysis is still reported
