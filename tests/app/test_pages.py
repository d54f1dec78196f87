"""AppTest: every page launches, the flow works, bad input is an st.error, sessions are apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from causal_core.datasets import list_examples
from tests.app import view
from ui import session

ROOT = Path(__file__).parents[2]
PAGES = ["app_pages/data.py", "app_pages/graph.py", "app_pages/identify.py", "app_pages/estimate.py"]


def new_app() -> AppTest:
    # LaLonde (16,177 rows): every estimator and check on the first visit, 45-51 s alone
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """What a markdown string displays (the pages backslash-escape user text)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def errors(at: AppTest) -> str:
    return " ".join(shown(e.value) for e in at.error)


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [t.value for t in at.title] + [s.value for s in at.subheader]
    return "\n".join(shown(str(p)) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_launches_on_the_seed_example(page):
    at = goto(new_app(), page)
    assert not at.error, [e.value for e in at.error]


def test_first_visit_opens_on_the_analysed_marketing_example():
    at = goto(new_app(), "app_pages/estimate.py")
    text = all_text(at)
    assert "true effect" in text
    assert any("Estimated effect" in m.label for m in at.metric)


def test_estimate_covers_the_true_effect_on_marketing():
    at = goto(new_app(), "app_pages/estimate.py")
    est = view.estimates(at)["linear_regression"]
    truth = next(e for e in list_examples() if e.name == "marketing").true_effect
    assert est.ci_low <= truth <= est.ci_high
    naive = view.estimates(at)["naive"]
    assert not naive.ci_low <= truth <= naive.ci_high  # confounding is visible


@pytest.mark.parametrize("name", [e.name for e in list_examples()])
def test_each_example_loads_and_every_page_runs(name):
    at = new_app()
    at.selectbox[0].set_value(name).run()
    load = [b for b in at.button if b.label == "Load this example"]  # none: already loaded
    if load:
        load[0].click().run()
        view.confirm(at)
    assert not at.exception
    assert view.data(at).example.info.name == name
    for page in PAGES[1:]:
        goto(at, page)
        assert not at.exception


def test_bad_csv_shows_an_error_and_keeps_the_previous_data():
    at = new_app()
    at.file_uploader[0].set_value(("broken.csv", b"a,b\n1,2\n3,4,5,6\n", "text/csv")).run()
    assert not at.exception
    text = errors(at)
    assert "broken.csv" in text and "line 3" in text.lower()
    assert view.data(at).example is not None  # the example is still loaded


def test_upload_replaces_the_data_and_sessions_stay_apart():
    a, b = new_app(), new_app()
    csv = b"x,y,z\n" + b"".join(f"{i % 7},{i % 5},{i % 3}\n".encode() for i in range(60))
    a.file_uploader[0].set_value(("mine.csv", csv, "text/csv")).run()
    assert not a.exception
    assert view.data(a).name == "mine.csv"
    b.run()
    assert view.data(b).name != "mine.csv"
    assert view.get(a, session.TOKEN) != view.get(b, session.TOKEN)


def test_editor_value_becomes_the_graph_and_the_text():
    at = goto(new_app(), "app_pages/graph.py")
    value = {"seq": 1, "action": "add-edge",
             "nodes": [{"id": "a", "roles": ["exposure"], "x": 0, "y": 0},
                       {"id": "b", "roles": ["outcome"], "x": 0, "y": 100}],
             "edges": [["a", "b"]], "bidirected": []}
    at.session_state[session.EDITOR] = value
    at.run()
    assert not at.exception
    g = view.graph(at)
    assert g.edges == (("a", "b"),) and g.exposures == ("a",) and g.positions["b"] == (0.0, 100.0)
    assert "a -> b" in at.text_area[0].value


def test_text_edit_keeps_positions_and_a_syntax_error_is_shown():
    at = goto(new_app(), "app_pages/graph.py")
    before = view.graph(at)
    at.text_area[0].set_value(before.to_dagitty().replace("}", "extra -> revenue\n}")).run()
    after = view.graph(at)
    assert "extra" in after.nodes
    assert all(after.positions[v] == before.positions[v] for v in before.nodes)
    at.text_area[0].set_value("dag { a -> }").run()
    assert not at.exception
    assert "Line 1" in errors(at)
    assert view.graph(at) == after  # nothing lost


def test_cycle_in_text_is_refused_with_its_nodes():
    at = goto(new_app(), "app_pages/graph.py")
    at.text_area[0].set_value("a -> b -> c -> a").run()
    assert "'a' -> 'b' -> 'c' -> 'a'" in errors(at)


def test_identify_page_checks_a_users_own_set():
    at = goto(new_app(), "app_pages/identify.py")
    at.multiselect(key=session.OWN_SET).set_value(["seasonality"]).run()
    assert not at.exception
    assert "biasing path stays open" in errors(at) and "competitor_action" in errors(at)
    at.multiselect(key=session.OWN_SET).set_value(["seasonality", "competitor_action"]).run()
    assert any("blocked" in shown(x.value) for x in at.success)


def test_refutation_verdicts_on_marketing():
    at = goto(new_app(), "app_pages/estimate.py")
    refs = view.refutations(at)
    assert {"graph_implications", "placebo_treatment", "random_common_cause", "data_subset",
            "bootstrap", "dummy_outcome", "unobserved_common_cause"} <= set(refs)
    assert all(r.passed is not False for r in refs.values()), {
        k: r.explanation for k, r in refs.items()}
    assert refs["unobserved_common_cause"].passed is None  # sensitivity: never pass/fail
    # the page leads with the engine's conclusion, the same rule as the report
    assert any(s.value.startswith("**Supported, if the graph is right.**") for s in at.success), [
        x.value for x in [*at.success, *at.warning, *at.error]]


def test_a_wrong_graph_is_flagged_by_its_testable_implications():
    """Drop the confounders' arrows: the graph now claims independencies the data contradict.

    (Refuters test the estimate's stability, not missing arrows; the DAG check does.)"""
    at = goto(new_app(), "app_pages/graph.py")
    at.text_area[0].set_value("dag { marketing_spend [exposure]\nrevenue [outcome]\n"
                              "marketing_spend -> revenue\nseasonality\ncompetitor_action }").run()
    assert not at.exception
    assert any("contradicted at the 5% level" in w.value and not w.value.startswith("No")
               for w in at.warning), [w.value for w in at.warning]


def test_markdown_in_column_names_is_shown_as_typed():
    at = new_app()
    csv = b'"[click](javascript:alert(1))","$x$",y\n' + b"".join(
        f"{i % 5},{i % 3},{i % 7}\n".encode() for i in range(50))
    at.file_uploader[0].set_value(("md.csv", csv, "text/csv")).run()
    goto(at, "app_pages/graph.py")
    info = " ".join(i.value for i in at.info)
    assert r"\[click\]\(javascript\:alert\(1\)\)" in info and r"\$x\$" in info
    assert shown(info).count("[click](javascript:alert(1))") == 1
