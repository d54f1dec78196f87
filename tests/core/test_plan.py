"""AnalysisPlan: one frozen value of every choice; its key, its JSON, its steps."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causal_core as cc
from causal_core.analysis import Analysis, run_analysis
from causal_core.datasets import load_example
from causal_core.plan import AnalysisPlan, WhatIfQuestion, latent_missing


@pytest.fixture(scope="module")
def ex():
    return load_example("marketing")


@pytest.fixture(scope="module")
def plan(ex):
    return AnalysisPlan.for_data(ex.data, "marketing.csv", ex.graph, example="marketing",
                                 refuters=("placebo_treatment",), n_simulations=10, compare=("naive",))


# ------------------------------------------------------------------ the key
def test_key_ignores_positions_labels_and_node_order(plan, ex):
    g = ex.graph
    moved = g.with_positions({v: (i * 7.0, -3.0 * i) for i, v in enumerate(g.nodes)})
    relabelled = cc.CausalGraph(tuple(reversed(g.nodes)), g.edges, g.bidirected,
                                roles={n: sorted(r) for n, r in g.roles.items()},
                                labels={g.nodes[0]: "Something else"})
    for other in (moved, relabelled):
        assert plan.replace(graph=other).key() == plan.key()
        assert plan.replace(graph=other) != plan  # but the drawing is kept in the plan


CHANGES = {
    "estimator": "ipw", "params": {"n_bins": 3}, "target": "att",
    "adjustment_set": ("seasonality", "competitor_action"), "compare": ("naive", "ipw"),
    "refuters": ("data_subset",), "n_simulations": 20, "random_state": 7,
    "refuter_params": {"placebo_treatment": {"kind": "permute"}},
    "whatif_questions": (WhatIfQuestion(x=3.0, unit=5),), "whatif_seed": 3,
}
STEP_FIELDS = {
    "identify": set(),
    "estimate": {"estimator", "params", "target", "adjustment_set", "random_state"},
    "refute": {"estimator", "params", "target", "adjustment_set", "random_state", "refuters",
               "n_simulations", "refuter_params"},
    "whatif": {"whatif_questions", "whatif_seed"},
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_every_choice_changes_the_key_of_exactly_the_steps_that_use_it(plan, name):
    changed = plan.replace(**{name: CHANGES[name]})
    assert changed.key() != plan.key()
    for step, fields in STEP_FIELDS.items():
        assert (changed.key(step) != plan.key(step)) == (name in fields), (name, step)


def test_graph_structure_and_data_change_the_keys(plan, ex):
    g = ex.graph
    fewer = cc.CausalGraph(g.nodes, [e for e in g.edges if e != ("seasonality", "revenue")],
                           roles={n: sorted(r) for n, r in g.roles.items()})
    assert plan.replace(graph=fewer).key("identify") != plan.key("identify")
    other = AnalysisPlan.for_data(ex.data.iloc[:500], "m.csv", ex.graph, refuters=plan.refuters,
                                  n_simulations=10, compare=plan.compare)
    assert other.key("identify") == plan.key("identify")
    assert other.key("estimate") != plan.key("estimate")


def test_parameters_equal_to_the_defaults_are_the_same_plan(plan):
    full = cc.get_estimator_class("linear_regression")().get_params()
    assert plan.replace(params=full) == plan and plan.replace(params=full).key() == plan.key()
    assert dict(plan.replace(params={**full, "n_bins": 3}).params) == {"n_bins": 3}


def test_the_plan_is_frozen(plan):
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.estimator = "ipw"  # type: ignore[misc]
    with pytest.raises(TypeError):
        plan.params["n_bins"] = 3  # type: ignore[index]
    assert hash(plan) == hash(plan.replace())


# ------------------------------------------------------------------ JSON
def test_json_round_trip_keeps_every_choice(plan):
    rich = plan.replace(**{k: v for k, v in CHANGES.items() if k != "estimator"})
    back = AnalysisPlan.from_dict(json.loads(json.dumps(rich.to_dict())))
    assert back == rich and back.key() == rich.key()
    assert back.graph.positions == rich.graph.positions


names = st.text("abcxyz _-é\"'<>", min_size=1, max_size=6).filter(lambda s: s.strip() == s and s)


@settings(max_examples=40, deadline=None)
@given(t=names, y=names, seed=st.integers(0, 2**31), sims=st.integers(1, 500),
       x=st.one_of(st.none(), st.floats(-1e9, 1e9), st.integers(-5, 5), st.text(max_size=4)),
       target=st.sampled_from(["ate", "att", "atc"]))
def test_json_round_trip_property(t, y, seed, sims, x, target):
    if t == y:
        return
    g = cc.CausalGraph(edges=[(t, y)]).with_roles(exposure=t, outcome=y)
    p = AnalysisPlan(graph=g, random_state=seed, n_simulations=sims, target=target,
                     whatif_questions=(WhatIfQuestion(x=x, unit=3),), adjustment_set=())
    back = AnalysisPlan.from_dict(json.loads(json.dumps(p.to_dict())))
    assert back == p and back.key() == p.key()


@pytest.mark.parametrize("change, words", [
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"format": "causal-explorer-graph"}, "not an analysis plan"),
    ({"version": 99}, "version 99"),
    ({"n_simulations": "100"}, "'n_simulations' must be a whole number"),
    ({"n_simulations": True}, "'n_simulations' must be a whole number"),
    ({"n_simulations": 0}, "at least 1"),
    ({"adjustment_set": "seasonality"}, "'adjustment_set' must be a list of names"),
    ({"target": "everyone"}, "target must be one of"),
    ({"missing_data": "guess"}, "missing-data policy"),
    ({"treatment": "nobody"}, "treatment 'nobody' is not a node"),
    ({"graph": "a -> -> b"}, "graph cannot be read"),
    ({"params": {"n_bins": float("inf")}}, "not finite"),
    ({"whatif_questions": [{"x": 1, "unit": -1}]}, "row number"),
    ({"data": {"file_name": "f"}}, "no 'n_rows' field"),
])
def test_from_dict_is_strict(plan, change, words):
    d = {**plan.to_dict(), **change}
    with pytest.raises(cc.DataError, match=words):
        AnalysisPlan.from_dict(d)


# ------------------------------------------------------------------ the steps
def test_steps_are_the_engine_calls(plan, ex):
    ident = cc.identify(ex.graph)
    est = cc.estimate(ex.data, ident, method="linear_regression", random_state=0)
    assert plan.identify() == ident
    assert plan.estimate(ex.data) == est
    ref = cc.refute(ex.data, ident, est, method="placebo_treatment", n_simulations=10, random_state=0)
    assert plan.refute(ex.data, est) == {"placebo_treatment": ref}
    assert plan.sensitivity(ex.data, est).to_dict() == cc.ovb_sensitivity(ex.data, ident, est).to_dict()


def test_run_is_run_analysis_and_the_analysis_holds_its_plan(plan, ex):
    a = plan.run(ex.data)
    b = run_analysis(ex.data, "marketing.csv", ex.graph, example="marketing",
                     refuters=["placebo_treatment"], n_simulations=10)
    assert a.to_dict() | {"created": ""} == b.to_dict() | {"created": ""}
    assert a.plan == plan
    back = Analysis.from_json(a.to_json())
    assert back.plan == plan and back.plan.key() == plan.key()
    assert back.plan.estimate(ex.data).value == a.primary_estimate().value  # to the last digit


def test_customised_plan_survives_the_analysis_round_trip(ex):
    p = AnalysisPlan.for_data(ex.data, "m.csv", ex.graph, estimator="propensity_stratification",
                              params={"n_strata": 5}, target="att", refuters=(), compare=(),
                              random_state=3)
    with pytest.raises(cc.EstimationError):  # a continuous treatment: stratification refuses
        p.run(ex.data)
    lal = load_example("lalonde_cps")
    p = AnalysisPlan.for_data(lal.data, "l.csv", lal.graph, estimator="propensity_stratification",
                              params={"n_strata": 5}, target="att", refuters=(), compare=("naive",),
                              random_state=3, adjustment_set=("age", "educ", "re74", "re75"))
    a = Analysis.from_json(p.run(lal.data).to_json())
    assert a.plan == p
    assert (a.estimator, a.target, a.params["n_strata"], a.adjustment_choice) == (
        "propensity_stratification", "att", 5, ("age", "educ", "re74", "re75"))


def test_missing_columns_become_latent_in_one_place(ex):
    g = cc.CausalGraph.parse(ex.graph.to_dagitty().replace("}", "hidden -> revenue\n}"))
    assert latent_missing(g, ex.data.columns).latent == ("hidden",)
    plan = AnalysisPlan.for_data(ex.data, "m.csv", g, refuters=(), compare=())
    assert plan.analysis_graph().latent == ("hidden",)
    assert "hidden" not in plan.identify().adjustment_sets[0]
    assert plan.run(ex.data).analysis_graph().latent == ("hidden",)


def test_bad_data_are_refused_with_the_reason(plan, ex):
    with pytest.raises(cc.DataError, match="not the table the plan is for"):
        plan.run(ex.data.iloc[:100])
    with pytest.raises(cc.DataError, match="'revenue' is not a column"):
        plan.estimate(ex.data.drop(columns="revenue"))
    with pytest.raises(cc.DataError, match="both 'revenue'"):
        plan.replace(treatment="revenue")


def test_a_plan_pickles_for_the_worker_processes(plan):
    import pickle

    rich = plan.replace(params={"n_bins": 3}, refuter_params={"placebo_treatment": {"kind": "permute"}})
    back = pickle.loads(pickle.dumps(rich))
    assert back == rich and back.key() == rich.key() and back.graph.positions == rich.graph.positions
    assert pickle.loads(pickle.dumps(rich.estimate)).__self__ == rich  # bound steps travel too
