"""Every grader checked against brute force (definitions, every subset) on its scenarios."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
import pytest

import causal_core as cc
from causal_core.classroom import (
    KINDS,
    STRATEGIES,
    answer_key,
    get_exercise,
    grade,
    hints,
    list_exercises,
    list_scenarios,
    solution,
)
from causal_core.classroom.exercises import DSEP_OPTIONS
from causal_core.datasets import load_example
from causal_core.exceptions import DataError

from . import bruteforce as bf


def _ids(kind):
    return [e.id for e in list_exercises(kind)]


def _separated_by_paths(g, a, b, given):
    """d-separation from the definition: every path between a and b is blocked."""
    return all(not p.open for p in cc.list_paths(g, a, b, sorted(given), max_paths=10**6))


def _without(g, drop):
    return cc.CausalGraph(nodes=g.nodes, edges=[e for e in g.edges if e not in drop],
                          bidirected=g.bidirected, roles=g.roles)


def _has_instrument(g, x, y):
    """A conditional instrument (Brito & Pearl 2002) exists: some observed Z and some set W of
    non-mediators, non-descendants of Y, with Z separated from Y given W in the proper
    back-door graph and Z connected to X given W; every W tried."""
    dag = g.to_networkx()
    mediators = nx.descendants(dag, x) & nx.ancestors(dag, y)
    gbd = _without(g, {(x, v) for v in mediators | {y}})
    below_y = nx.descendants(dag, y) | {y}
    observed = [v for v in g.nodes if g.is_observed(v) and v not in (x, y)]
    for z in observed:
        pool = [v for v in observed if v != z and v not in mediators | below_y]
        for w in bf.subsets(pool):
            if _separated_by_paths(gbd, z, y, w) and not _separated_by_paths(gbd, z, x, w):
                return True
    return False


def test_enough_scenarios_and_every_kind():
    assert len(list_scenarios()) >= 30
    assert {e.kind for e in list_exercises()} == set(KINDS)
    sources = {s.id.split(":")[0] for s in list_scenarios()}
    assert sources == {"example", "dagitty", "generated"}


@pytest.mark.parametrize("eid", _ids("adjust_one"))
def test_adjust_one_accepts_exactly_the_brute_force_minimal_sets(eid):
    ex = get_exercise(eid)
    s = ex.scenario
    g = s.graph
    truth = bf.adjustment_sets(g, [s.treatment], [s.outcome], forced=g.adjusted)
    pool = [v for v in g.nodes if g.is_observed(v) and v not in (s.treatment, s.outcome)]
    candidates = list(bf.subsets(pool)) if len(pool) <= 8 else (
        [tuple(t) for t in truth] + [tuple(c) for c in combinations(pool, 1)]
        + [tuple(pool), tuple(pool[:-1])])
    for z in candidates:
        assert grade(ex, list(z)).correct == (sorted(z) in truth), (eid, z)
    assert grade(ex, None).correct == (truth == [])


@pytest.mark.parametrize("eid", _ids("adjust_all"))
def test_adjust_all_accepts_only_the_brute_force_listing(eid):
    ex = get_exercise(eid)
    s = ex.scenario
    truth = bf.adjustment_sets(s.graph, [s.treatment], [s.outcome], forced=s.graph.adjusted)
    assert grade(ex, truth).correct
    assert grade(ex, list(reversed(truth))).correct  # order does not matter
    if truth:
        assert not grade(ex, truth[1:]).correct
    assert not grade(ex, [*truth, [s.treatment]]).correct


@pytest.mark.parametrize("eid", _ids("dsep"))
def test_dsep_grader_agrees_with_path_by_path_separation(eid):
    ex = get_exercise(eid)
    sep = _separated_by_paths(ex.graph, *ex.pair, ex.given)
    assert grade(ex, DSEP_OPTIONS[0]).correct == sep
    assert grade(ex, DSEP_OPTIONS[1]).correct == (not sep)


def test_dsep_questions_have_both_answers():
    answers = {grade(get_exercise(e), DSEP_OPTIONS[0]).correct for e in _ids("dsep")}
    assert answers == {True, False}


@pytest.mark.parametrize("eid", _ids("strategy"))
def test_strategy_grader_agrees_with_brute_force_criteria(eid):
    ex = get_exercise(eid)
    s = ex.scenario
    x, y = s.treatment, s.outcome
    works = {"backdoor": bool(bf.adjustment_sets(s.graph, [x], [y], forced=s.graph.adjusted)),
             "frontdoor": bool(bf.frontdoor_sets(s.graph, x, y)),
             "iv": _has_instrument(s.graph, x, y)}
    works["none"] = not any(works.values())
    for label, key in STRATEGIES.items():
        assert grade(ex, label).correct == works[key], (eid, label)


def test_strategy_exercises_cover_every_answer():
    only = {tuple(o for o in STRATEGIES if grade(get_exercise(e), o).correct) for e in _ids("strategy")}
    for label in STRATEGIES:
        assert (label,) in only, label


@pytest.mark.parametrize("eid", _ids("failing_check"))
def test_failing_check_grader_agrees_with_separation_in_the_real_graph(eid):
    ex = get_exercise(eid)
    real = ex.scenario.graph
    implied = {f"{a} ⊥⊥ {b}" + (f" | {', '.join(z)}" if z else ""): (a, b, z)
               for a, b, z in cc.implied_independencies(ex.graph)}
    outcomes = set()
    for option in ex.options:
        a, b, z = implied[option]  # every option is an implication of the drawing
        assert _separated_by_paths(ex.graph, a, b, z)
        fails = not _separated_by_paths(real, a, b, z)
        assert grade(ex, option).correct == fails, (eid, option)
        outcomes.add(fails)
    assert outcomes == {True, False}  # a real choice
    assert ex.missing_edge in real.edges and ex.missing_edge not in ex.graph.edges


def test_the_failing_check_fails_on_data_from_the_real_process():
    ex = get_exercise("failing_check:example:marketing")
    data = load_example("marketing").data
    table = cc.test_implications(ex.graph, data, basis=False)  # the pairwise list the options use
    p = {f"{r.x} ⊥⊥ {r.y}" + (f" | {r.given}" if r.given else ""): r.p_value
         for r in table.itertuples()} if hasattr(table, "itertuples") else {}
    bad = [o for o in ex.options if grade(ex, o).correct]
    assert bad and all(p[o] < 1e-6 for o in bad), p
    assert all(p[o] > 0.001 for o in ex.options if o not in bad), p


@pytest.mark.parametrize("eid", _ids("estimate"))
def test_estimate_tolerance_separates_right_from_naive(eid):
    ex = get_exercise(eid)
    s = ex.scenario
    truth = s.true_effect
    assert grade(ex, truth + 0.99 * ex.tolerance).correct
    assert not grade(ex, truth - 1.01 * ex.tolerance).correct
    ex_data = load_example(s.example)
    ident = cc.identify(ex_data.graph, s.treatment, s.outcome)
    method = {"backdoor": "aipw" if set(ex_data.data[s.treatment].unique()) <= {0, 1}
              else "linear_regression", "frontdoor": "frontdoor", "iv": "iv_2sls"}[ident.estimand.kind]
    est = cc.estimate(ex_data.data, ident, method=method)
    assert grade(ex, est.value).correct, (eid, method, est.value, truth)


def test_estimate_exercises_reject_the_naive_answer_where_confounded():
    for eid in ("estimate:example:marketing", "estimate:example:marketing_binary",
                "estimate:example:instrument", "estimate:example:frontdoor"):
        ex = get_exercise(eid)
        d = load_example(ex.scenario.example).data
        naive = np.polyfit(d[ex.scenario.treatment], d[ex.scenario.outcome], 1)[0]
        assert not grade(ex, float(naive)).correct, (eid, naive)


def test_hints_count_biasing_paths_then_highlight_one():
    ex = get_exercise("adjust_one:example:marketing")
    first, second = hints(ex)
    assert first.text.startswith("Adjusting for nothing, 2 biasing")
    assert set(second.nodes) >= {"marketing_spend", "revenue"} and len(second.edges) == 2
    assert all(e in ex.graph.edges for e in second.edges)
    for eid in _ids("adjust_one"):
        s = get_exercise(eid).scenario
        n = sum(p.biasing for p in cc.list_paths(s.graph, s.treatment, s.outcome, max_paths=10**6))
        h = hints(get_exercise(eid))
        assert f" {n} biasing" in h[0].text
        assert len(h) == (2 if n else 1)
        if n:
            assert all(e in s.graph.edges or tuple(reversed(e)) in s.graph.bidirected
                       or set(e) <= set(s.graph.nodes) for e in h[1].edges)


def test_feedback_says_why_an_answer_is_wrong():
    ex = get_exercise("adjust_one:example:collider_trap")
    assert "not minimal" in grade(ex, ["experience", "bonus"]).feedback or \
        "Not valid" in grade(ex, ["experience", "bonus"]).feedback
    ex = get_exercise("adjust_one:dagitty:four_minimal_sets_h_i_x_z")
    assert grade(ex, ["h", "i", "x"]).feedback.startswith("Valid but not minimal")
    assert "Every minimal adjustment set" in solution(ex)


@pytest.mark.parametrize(("eid", "answer"), [
    ("adjust_one:example:marketing", "seasonality"),
    ("adjust_one:example:marketing", ["nope"]),
    ("adjust_all:example:marketing", [["seasonality"], "x"]),
    ("dsep:example:marketing", True),
    ("estimate:example:marketing", float("nan")),
    ("estimate:example:marketing", True),
    ("strategy:example:marketing", "magic"),
])
def test_malformed_answers_get_a_clear_error(eid, answer):
    with pytest.raises(DataError, match=eid.split(":")[0]):
        answer_key(get_exercise(eid), answer)


def test_unknown_ids_are_refused_clearly():
    with pytest.raises(DataError, match="There is no exercise"):
        get_exercise("adjust_one:nowhere")
    with pytest.raises(DataError, match="There is no exercise kind"):
        list_exercises("poetry")


def test_the_hospital_lesson_estimator_recovers_the_average_effect_and_regression_does_not():
    ex = load_example("hospital")
    ident = cc.identify(ex.graph)
    lesson = cc.estimate(ex.data, ident, method=ex.info.estimator)
    assert ex.info.estimator == "ipw"
    assert lesson.ci_low <= ex.info.true_effect <= lesson.ci_high
    regression = cc.estimate(ex.data, ident, method="linear_regression")
    assert not regression.ci_low <= ex.info.true_effect <= regression.ci_high


def test_units_are_picked_by_attributes_and_the_effect_modifier_is_read_from_the_truth():
    from causal_core.classroom.units import effect_modifier, find_unit

    ex = load_example("hospital")
    f = ex.data
    row = find_unit(f, {"followup_call": 1, "has_transport": 1, "age": 71.3})
    assert f.iloc[row]["followup_call"] == 1 and f.iloc[row]["has_transport"] == 1
    same = f[(f.followup_call == 1) & (f.has_transport == 1)]
    assert abs(f.iloc[row]["age"] - 71.3) == (same["age"] - 71.3).abs().min()
    assert effect_modifier(ex.truth) == "has_transport"
    with pytest.raises(DataError, match="No unit has"):
        find_unit(f, {"has_transport": 7})
