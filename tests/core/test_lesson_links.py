"""Lesson links: every state round-trips exactly; anything else is refused clearly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causal_core.classroom import list_exercises, list_scenarios
from causal_core.classroom.lesson import LESSON_PAGES, LessonState, lesson_link, read_lesson_link
from causal_core.classroom.store import CODE_ALPHABET, CODE_LENGTH
from causal_core.datasets import list_examples
from causal_core.exceptions import DataError
from causal_core.links import encode_state

_states = st.builds(
    LessonState,
    page=st.sampled_from(LESSON_PAGES),
    exercise=st.none() | st.sampled_from([e.id for e in list_exercises()]),
    example=st.none() | st.sampled_from([e.name for e in list_examples()]),
    seed=st.none() | st.integers(0, 2**31 - 1),
    dag=st.none() | st.sampled_from([s.graph.to_dagitty() for s in list_scenarios()]),
    room=st.none() | st.text(st.sampled_from(CODE_ALPHABET), min_size=CODE_LENGTH,
                             max_size=CODE_LENGTH),
)


@settings(max_examples=80, deadline=None)
@given(_states)
def test_every_lesson_state_round_trips_exactly(state):
    text = lesson_link(state)
    assert read_lesson_link(text) == state
    assert len(text) < 2000


def test_a_link_shows_its_graph():
    dag = list_scenarios()[0].graph
    assert LessonState(page="model", dag=dag.to_dagitty()).graph() == dag
    assert LessonState(page="model", example="hospital").graph().exposures == ("followup_call",)
    assert LessonState(page="exercises").graph() is None


@pytest.mark.parametrize(("state", "message"), [
    ({"page": "nowhere"}, "page must be one of"),
    ({"exercise": "adjust_one:example:marketing"}, "names no page"),
    ({"page": "exercises", "exercise": "nope"}, "There is no exercise"),
    ({"page": "data", "example": "nope"}, "There is no example"),
    ({"page": "model", "dag": "a -> b -> a"}, "does not parse"),
    ({"page": "model", "seed": -1}, "seed must be"),
    ({"page": "model", "seed": True}, "seed must be"),
    ({"page": "room", "room": "<script>"}, "A room code"),
    ({"page": "room", "admin": True}, "unknown field 'admin'"),
])
def test_bad_lesson_states_are_refused(state, message):
    with pytest.raises(DataError, match=message):
        read_lesson_link(encode_state(state))


def _shared_plan():
    import causal_core as cc
    from causal_core.missing import MissingDataChoice

    g = cc.CausalGraph.parse("w -> t\nw -> y\nt -> y\nz -> t").with_roles(exposure=["t"],
                                                                          outcome=["y"])
    return g, cc.AnalysisPlan(graph=g, treatment="t", outcome="y").replace(
        estimator="propensity_matching", params={"n_neighbors": 3}, target="att", n_simulations=200,
        missing_data=MissingDataChoice("multiple_imputation", m=7), random_state=11, whatif_seed=5)


def test_a_share_link_carries_the_choices_and_rebuilds_the_same_plan():
    g, plan = _shared_plan()
    state = LessonState(page="estimate", dag=g.to_dagitty(), choices=plan.choices())
    back = read_lesson_link(lesson_link(state))
    assert back == state
    rebuilt = back.plan()
    for name in ("estimator", "params", "target", "n_simulations", "missing_data", "random_state",
                 "whatif_seed", "treatment", "outcome"):
        assert getattr(rebuilt, name) == getattr(plan, name), name
    assert rebuilt.key("refute") == plan.key("refute")  # the same results keys: the same numbers
    assert "data" not in plan.choices() and "graph" not in plan.choices()


@pytest.mark.parametrize(("choices", "message"), [
    ({"estimator": "ipw", "data": {"fingerprint": "x"}}, "cannot set"),
    ({"target": "everyone"}, "target must be one of"),
    ({"estimator": "ipw", "params": {"no_such_parameter": 1}}, "no_such_parameter"),
    ({"estimator": "no_such_estimator"}, "no_such_estimator"),
    ([1, 2], "must be a mapping"),
])
def test_bad_share_link_choices_are_refused(choices, message):
    g, _ = _shared_plan()
    with pytest.raises(DataError, match=message):
        read_lesson_link(encode_state({"page": "estimate", "dag": g.to_dagitty(), "choices": choices}))


def test_choices_without_their_graph_are_refused():
    with pytest.raises(DataError, match="need the DAG"):
        read_lesson_link(encode_state({"page": "estimate", "example": "marketing",
                                       "choices": {"estimator": "ipw"}}))


def test_a_shared_data_id_round_trips_and_is_only_an_id():
    g, plan = _shared_plan()
    link = "aB3_-" + "x" * 27  # 32 URL-safe characters: the id, nothing else of the owner
    state = LessonState(page="estimate", dag=g.to_dagitty(), choices=plan.choices(),
                        shared_data=link)
    back = read_lesson_link(lesson_link(state))
    assert back == state and back.shared_data == link
    assert "shared_data" not in LessonState(page="model").to_dict()  # off unless given


@pytest.mark.parametrize("bad", [
    "x" * 31, "x" * 33, "", "x" * 31 + "=", "x" * 31 + "/", "x" * 31 + "\n", "x" * 31 + "é",
    "../" + "x" * 29, 12345, ["x" * 32], "x" * 10_000,
])
def test_a_malformed_shared_data_id_is_refused_clearly(bad):
    with pytest.raises(DataError, match="shared-data id must be 32 characters"):
        read_lesson_link(encode_state({"page": "model", "dag": "x -> y", "shared_data": bad}))
