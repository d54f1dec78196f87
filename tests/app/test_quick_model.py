"""AppTest: the quick model on the Model page draws the graph from the picks, and picks
survive reruns that happen between them and the click (a form's unsent values did not)."""

from __future__ import annotations

from causal_core.datasets.missing_examples import campaign_types
from tests.app import view
from ui import session


def test_quick_model_picks_survive_reruns_and_draw_the_graph():
    at = view.app_with_upload("stores.csv", campaign_types(300).to_csv(index=False).encode())
    at.selectbox(key=session.QUICK + "treatment").set_value("campaign")
    view.run(at)
    at.selectbox(key=session.QUICK + "outcome").set_value("revenue")
    view.run(at)
    at.checkbox(key=session.QUICK + "rest").check()
    view.run(at)
    view.run(at)  # another rerun before the click (e.g. the editor reporting its drawing)
    at.button(key=session.QUICK + "draw").click()
    view.run(at)
    g = view.graph(at)
    assert (g.exposures, g.outcomes) == (("campaign",), ("revenue",))
    assert {tuple(e) for e in g.edges} == {("campaign", "revenue"), ("store_size", "campaign"),
                                           ("store_size", "revenue"), ("region", "campaign"),
                                           ("region", "revenue")}


def test_quick_model_without_a_treatment_says_what_to_pick_and_keeps_the_graph():
    at = view.app_with_upload("stores.csv", campaign_types(300).to_csv(index=False).encode())
    before = view.graph(at)
    at.selectbox(key=session.QUICK + "outcome").set_value("revenue")
    view.run(at)
    at.button(key=session.QUICK + "draw").click()
    view.run(at)
    assert any("needs a treatment and an outcome" in e.value for e in at.error)
    assert view.graph(at) == before
