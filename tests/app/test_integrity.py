"""Integrity rules of the session's analysis (issue 11), each proved on the app itself:

- restoring a saved analysis restores every choice and shows the same numbers without recomputing;
- nothing replaces the current analysis without a confirmation, and every replacement can be undone;
- a customised estimate is never overwritten by the default comparison run;
- moving nodes never recomputes (engine calls counted);
- after an upload the graph is reconciled with the columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import causal_core as cc
from causal_core.datasets import load_example
from tests.app import view
from tests.app.test_pages import new_app
from ui import jobs, session
from ui.state import estimate_key

ROOT = Path(__file__).parents[2]


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, (label, [b.label for b in at.button])
    return found[0]


@pytest.fixture
def calls(monkeypatch):
    """Every engine call the session makes: jobs sent to the pool, identifications."""
    seen: list[str] = []
    run, identify = jobs.run, cc.AnalysisPlan.identify

    def counted_run(fn, *args, **kwargs):
        seen.append(getattr(fn, "__name__", str(fn)))
        return run(fn, *args, **kwargs)

    def counted_identify(self, *args, **kwargs):
        seen.append("identify")
        return identify(self, *args, **kwargs)

    monkeypatch.setattr(jobs, "run", counted_run)
    monkeypatch.setattr(cc.AnalysisPlan, "identify", counted_identify)
    return seen


# ------------------------------------------------------------------ restore
@pytest.fixture(scope="module")
def saved_json() -> str:
    """A customised analysis of the binary marketing example: IPW, effect on the treated,
    clipped weights, a chosen adjustment set, 50 simulations; its number altered so that only a
    restore can show it."""
    ex = load_example("marketing_binary")
    plan = cc.AnalysisPlan.for_data(ex.data, ex.info.title, ex.graph, example="marketing_binary",
                                    estimator="ipw", params={"clip": 0.05}, target="att",
                                    n_simulations=50)
    d = json.loads(plan.run(ex.data).to_json())
    d["estimates"]["ipw"]["value"] = 31.2345
    return json.dumps(d)


def restore(at: AppTest, text: str) -> AppTest:
    goto(at, "app_pages/report.py")
    at.file_uploader[0].set_value(("saved.json", text.encode(), "application/json")).run()
    button(at, "Restore it").click().run()
    view.confirm(at)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_restore_restores_every_choice_and_the_numbers_without_recomputing(saved_json, calls):
    at = restore(new_app(), saved_json)
    assert any("Restored the analysis" in s.value for s in at.success)
    calls.clear()
    goto(at, "app_pages/estimate.py")
    assert at.selectbox(key=session.ESTIMATOR).value == "ipw"
    assert at.selectbox(key=session.TARGET).value == "att"
    assert at.number_input(key=session.param_key("ipw", "clip")).value == 0.05
    shown = next(m for m in at.metric if m.label == "Estimated effect").value
    assert shown == "31.23"  # the saved number: nothing was re-estimated
    p = view.plan(at)
    assert (p.estimator, dict(p.params), p.target, p.n_simulations) == ("ipw", {"clip": 0.05}, "att", 50)
    assert [c for c in calls if c != "identify"] == []  # estimates and refutations: from the file
    assert not at.exception


def test_restore_asks_first_and_can_be_undone(saved_json):
    at = new_app()
    before = view.plan(at)
    goto(at, "app_pages/report.py")
    at.file_uploader[0].set_value(("saved.json", saved_json.encode(), "application/json")).run()
    button(at, "Restore it").click().run()
    assert view.plan(at) == before  # only asked so far
    assert any("You can bring them back" in w.value for w in at.warning)
    view.confirm(at)
    assert view.plan(at).estimator == "ipw"
    button(at, "Undo: restore it").click().run()
    assert view.plan(at) == before
    assert view.data(at).example.info.name == "marketing"


# ------------------------------------------------------------------ confirm and undo
@pytest.mark.parametrize("page, label, setup", [
    ("app_pages/data.py", "Load this example", lambda at: at.selectbox[0].set_value("hospital").run()),
    ("app_pages/whatif.py", "Open the hospital example", None),
    ("app_pages/data.py", "Start a new analysis", None),
])
def test_every_replacing_action_asks_and_can_be_undone(page, label, setup):
    at = goto(new_app(), page)
    if setup is not None:
        setup(at)
    before_plan, before_data = view.plan(at), view.data(at).name
    button(at, label).click().run()
    assert view.plan(at) == before_plan and view.data(at).name == before_data  # asked, not done
    view.confirm(at)
    assert view.data(at) is None or view.data(at).name != before_data
    button(at, f"Undo: {label.lower()}").click().run()
    assert not at.exception
    assert view.plan(at) == before_plan and view.data(at).name == before_data
    assert any("Undone" in s.value for s in at.success)


def test_cancel_keeps_everything():
    at = goto(new_app(), "app_pages/whatif.py")
    before = view.plan(at)
    button(at, "Open the hospital example").click().run()
    button(at, "Cancel").click().run()
    assert view.plan(at) == before and not [b for b in at.button if b.label == "Replace"]


# ------------------------------------------------------------------ customised estimates
def test_a_customised_estimate_is_never_overwritten_by_the_comparison_run():
    at = new_app()
    at.selectbox[0].set_value("marketing_binary").run()
    button(at, "Load this example").click().run()
    view.confirm(at)
    goto(at, "app_pages/estimate.py")
    at.selectbox(key=session.ESTIMATOR).set_value("ipw").run()
    at.number_input(key=session.param_key("ipw", "clip")).set_value(0.05).run()
    assert not at.exception, [e.value for e in at.exception]
    p = view.plan(at)
    store = view.get(at, session.RESULTS)
    custom, default = store[p.key("estimate")], store[estimate_key(p.replace(params={}))]
    assert p.params and custom.params != default.params  # two slots, both kept
    assert view.estimates(at)["ipw"].params == custom.params
    goto(at, "app_pages/report.py")  # the report's run of the defaults leaves it alone
    assert view.plan(at) == p and view.estimates(at)["ipw"].params == custom.params


# ------------------------------------------------------------------ dragging
def test_moving_nodes_recomputes_nothing(calls):
    at = goto(new_app(), "app_pages/graph.py")
    g = view.graph(at)
    key = view.plan(at).key()
    value = {"seq": 99, "action": "move",
             "nodes": [{"id": v, "roles": sorted(g.roles.get(v, ())), "x": 500 + 37 * i, "y": -80 * i}
                       for i, v in enumerate(g.nodes)],
             "edges": [list(e) for e in g.edges], "bidirected": [list(e) for e in g.bidirected]}
    calls.clear()
    at.session_state[session.EDITOR] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert view.graph(at).positions != g.positions  # the drawing moved ...
    assert view.plan(at).key() == key
    for page in ("app_pages/identify.py", "app_pages/estimate.py"):
        goto(at, page)
    assert calls == [], calls  # ... and no engine call followed


# ------------------------------------------------------------------ upload
def test_after_an_upload_the_graph_is_reconciled_with_the_columns():
    at = new_app()
    csv = b"marketing_spend,seasonality,sales\n" + b"".join(
        f"{i % 9},{i % 4},{i % 7}\n".encode() for i in range(80))
    at.file_uploader[0].set_value(("mine.csv", csv, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    p = view.plan(at)
    assert p.treatment == "marketing_spend" and p.outcome == ""  # revenue is not a column
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "'revenue'" in warning and "'competitor_action'" in warning and "no column" in warning
    ticked = [m.value for m in at.sidebar.markdown if m.value.startswith(":green")]
    assert not any("Treatment and outcome chosen" in t for t in ticked), ticked
    button(at, "Undo: upload mine.csv").click().run()
    assert view.plan(at).outcome == "revenue" and view.data(at).example.info.name == "marketing"
