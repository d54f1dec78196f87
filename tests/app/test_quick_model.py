"""AppTest: the quick model on the Model page draws the graph from the picks, and picks
survive reruns that happen between them and the click (a form lost them in the browser)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from causal_core.datasets.missing_examples import campaign_types
from tests.app import view
from ui import session

ROOT = Path(__file__).parents[2]


def _run(at: AppTest, page: str | None = None) -> AppTest:
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_quick_model_picks_survive_reruns_and_draw_the_graph():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    _run(at)
    _run(at, "app_pages/data.py")
    at.file_uploader[0].set_value(("stores.csv", campaign_types(300).to_csv(index=False).encode(),
                                   "text/csv"))
    _run(at)
    _run(at, "app_pages/graph.py")
    at.selectbox(key=session.QUICK + "treatment").set_value("campaign")
    _run(at)
    at.selectbox(key=session.QUICK + "outcome").set_value("revenue")
    _run(at)
    at.checkbox(key=session.QUICK + "rest").check()
    _run(at)
    _run(at)  # another rerun before the click (in the browser: the editor reporting late)
    at.button(key=session.QUICK + "draw").click()
    _run(at)
    g = view.graph(at)
    assert (g.exposures, g.outcomes) == (("campaign",), ("revenue",))
    assert {tuple(e) for e in g.edges} == {("campaign", "revenue"), ("store_size", "campaign"),
                                           ("store_size", "revenue"), ("region", "campaign"),
                                           ("region", "revenue")}


def test_quick_model_without_a_treatment_says_what_to_pick_and_keeps_the_graph():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    _run(at)
    _run(at, "app_pages/data.py")
    at.file_uploader[0].set_value(("stores.csv", campaign_types(300).to_csv(index=False).encode(),
                                   "text/csv"))
    _run(at)
    _run(at, "app_pages/graph.py")
    before = view.graph(at)
    at.selectbox(key=session.QUICK + "outcome").set_value("revenue")
    _run(at)
    at.button(key=session.QUICK + "draw").click()
    _run(at)
    assert any("needs a treatment and an outcome" in e.value for e in at.error)
    assert view.graph(at) == before
