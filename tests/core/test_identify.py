"""Identification: DAGitty's own test cases, brute-force cross-checks and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import causal_core as cc
from tests.core import bruteforce as bf

CASES = json.loads((Path(__file__).parents[1] / "data" / "dagitty_cases.json").read_text())


def _ids(cases):
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_dagitty_total_effect_sets(case):
    g = cc.CausalGraph.parse(case["dag"])
    ident = cc.identify(g, case["exposure"], case["outcome"])
    assert ident.adjustment_sets == case["expected_min_adjustment_sets"]


DIRECT = [c for c in CASES if "expected_min_adjustment_sets_direct" in c]
IMPLIED = [c for c in CASES if "expected_implications" in c]
IVS = [c for c in CASES if "expected_instruments" in c]
CHECKS = [c for c in CASES if "expected_is_adjustment_set" in c]


def test_reference_file_has_each_kind_of_case():
    assert len(CASES) >= 15 and DIRECT and IMPLIED and IVS and CHECKS


@pytest.mark.parametrize("case", DIRECT, ids=_ids(DIRECT))
def test_dagitty_direct_effect_sets(case):
    g = cc.CausalGraph.parse(case["dag"])
    ident = cc.identify(g, case["exposure"], case["outcome"], effect="direct")
    assert ident.adjustment_sets == case["expected_min_adjustment_sets_direct"]


@pytest.mark.parametrize("case", IMPLIED, ids=_ids(IMPLIED))
def test_dagitty_implications(case):
    g = cc.CausalGraph.parse(case["dag"])
    got = [{"x": a, "y": b, "given": z} for a, b, z in cc.implied_independencies(g)]
    assert got == case["expected_implications"]


@pytest.mark.parametrize("case", IVS, ids=_ids(IVS))
def test_dagitty_instruments(case):
    g = cc.CausalGraph.parse(case["dag"])
    ident = cc.identify(g, case["exposure"], case["outcome"])
    got = [{"instrument": z, "conditional_on": w} for z, w in ident.instruments]
    assert got == case["expected_instruments"]
    assert ident.estimand.kind == "iv"


@pytest.mark.parametrize("case", CHECKS, ids=_ids(CHECKS))
def test_dagitty_is_adjustment_set(case):
    g = cc.CausalGraph.parse(case["dag"])
    for item in case["expected_is_adjustment_set"]:
        check = cc.is_adjustment_set(g, case["exposure"], case["outcome"], item["Z"],
                                     effect=item["effect"])
        assert check.valid is item["valid"], (item, check.reason)


# --------------------------------------------------------------------- brute force
@st.composite
def random_dags(draw, max_nodes=9):
    n = draw(st.integers(3, max_nodes))
    names = [f"v{i}" for i in range(n)]
    pairs = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n)]
    edges = [p for p in pairs if draw(st.booleans()) and draw(st.booleans())]
    bidirected = [p for p in pairs if p not in edges and draw(st.integers(0, 9)) == 0]
    latent = [v for v in names if draw(st.integers(0, 5)) == 0]
    observed = [v for v in names if v not in latent]
    if len(observed) < 2:
        latent = latent[2:]
        observed = [v for v in names if v not in latent]
    k = draw(st.integers(1, 2)) if len(observed) >= 4 else 1
    chosen = draw(st.permutations(observed))
    xs, ys = sorted(chosen[:k]), sorted(chosen[k:2 * k])
    g = cc.CausalGraph(names, edges, bidirected, roles={v: ["latent"] for v in latent})
    forced = [v for v in chosen[2 * k:] if draw(st.integers(0, 6)) == 0]
    return g, xs, ys, forced


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags())
def test_adjustment_sets_match_brute_force(case):
    g, xs, ys, forced = case
    fast = cc.identify(g, xs, ys, include=forced, max_sets=None).adjustment_sets
    assert fast == bf.adjustment_sets(g, xs, ys, forced)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags(max_nodes=7))
def test_is_adjustment_set_matches_definition(case):
    g, xs, ys, _ = case
    pool = [v for v in g.nodes if v not in xs and v not in ys]
    for z in bf.subsets(pool):
        check = cc.is_adjustment_set(g, xs, ys, z)
        assert check.valid == (bf.is_valid_adjustment(g, xs, ys, z) and
                               not set(z) & set(g.latent)), (z, check.reason)
        if not check.valid:
            assert check.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags(max_nodes=8))
def test_implied_independencies_match_brute_force(case):
    g = case[0]
    fast = sorted((a, b, z) for a, b, z in cc.implied_independencies(g))
    observed = sorted(v for v in g.nodes if g.is_observed(v))
    slow = sorted((a, b, z) for i, a in enumerate(observed) for b in observed[i + 1:]
                  if not g.adjacent(a, b) for z in bf.separating_sets(g, a, b))
    assert fast == slow


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_dags(max_nodes=7))
def test_frontdoor_sets_match_brute_force(case):
    g, xs, ys, _ = case
    x, y = xs[0], ys[0]
    ident = cc.identify(g, x, y)
    assert ident.frontdoor_sets == bf.frontdoor_sets(g, x, y)


@settings(max_examples=100, deadline=None)
@given(random_dags(max_nodes=8))
def test_optimal_and_chosen_sets_are_valid(case):
    g, xs, ys, _ = case
    ident = cc.identify(g, xs, ys)
    if ident.optimal_set is not None:
        assert bf.is_valid_adjustment(g, xs, ys, ident.optimal_set)
    if ident.adjustment_sets:
        assert ident.estimand.kind == "backdoor"
        assert bf.is_valid_adjustment(g, xs, ys, ident.estimand.adjustment_set)


# --------------------------------------------------------------------- named examples
def test_front_door_classic():
    g = cc.CausalGraph.parse("dag { x [exposure]; y [outcome]; x -> m -> y; x <-> y }")
    ident = cc.identify(g)
    assert ident.adjustment_sets == []
    assert ident.frontdoor_sets == [["m"]]
    assert ident.estimand.kind == "frontdoor" and ident.estimand.mediators == ("m",)
    assert r"\text{m}" in ident.estimand.latex


def test_frontdoor_can_need_a_member_off_the_causal_path():
    # n confounds z -> y but not x: {z} alone fails (iii), {z, n} works.
    g = cc.CausalGraph.parse("x -> z -> y; n -> z; n -> y; x <-> y")
    assert cc.identify(g, "x", "y").frontdoor_sets == [["n", "z"]]


def test_optimal_set_prefers_outcome_causes():
    g = cc.CausalGraph.parse("w -> x -> y; w -> y; a -> y; z -> x")
    ident = cc.identify(g, "x", "y")
    assert ident.adjustment_sets == [["w"]]
    assert ident.optimal_set == ["a", "w"]
    assert ident.estimand.adjustment_set == ("a", "w")


def test_conditional_instrument():
    g = cc.CausalGraph.parse("w -> z -> x -> y; w -> y; u -> x; u -> y; u [latent]")
    g = cc.CausalGraph.parse("dag { u [latent]; w -> z -> x -> y; w -> y; u -> x; u -> y }")
    ident = cc.identify(g, "x", "y")
    assert ident.adjustment_sets == []
    assert ("z", ["w"]) in ident.instruments
    assert ident.estimand.kind == "iv" and ident.estimand.adjustment_set == ("w",)


def test_not_identified_says_why():
    g = cc.CausalGraph.parse("x -> y; x <-> y")
    ident = cc.identify(g, "x", "y")
    assert ident.estimand is None and not ident.identified
    assert any("latent" in n for n in ident.notes)


def test_max_sets_truncates_and_says_so():
    # k independent confounders, each with a proxy pair: 2**k minimal sets
    lines = []
    for i in range(6):
        lines += [f"c{i} -> x", f"c{i} -> p{i}", f"p{i} -> y"]
    g = cc.CausalGraph.parse("\n".join(lines + ["x -> y"]))
    full = cc.identify(g, "x", "y", max_sets=None)
    assert len(full.adjustment_sets) == 2 ** 6 and not full.truncated
    cut = cc.identify(g, "x", "y", max_sets=10)
    assert len(cut.adjustment_sets) == 10 and cut.truncated
    assert any("first 10" in n for n in cut.notes)
    assert all(s in full.adjustment_sets for s in cut.adjustment_sets)


def test_node_roles_for_colouring():
    g = cc.CausalGraph.parse("dag { u [latent]; z -> x; c -> x; c -> y; x -> m -> y; "
                             "x -> d; a -> k; b -> k; a -> x; b -> y; u -> y; x -> y }")
    roles = cc.identify(g, "x", "y").node_roles
    assert roles["x"] == "exposure" and roles["y"] == "outcome" and roles["u"] == "latent"
    assert roles["c"] == "confounder" and roles["m"] == "mediator"
    assert roles["z"] == "instrument" and roles["d"] == "treatment descendant"
    assert roles["k"] == "collider"
    assert set(roles.values()) <= set(cc.NODE_ROLES)


def test_is_adjustment_set_reasons():
    g = cc.CausalGraph.parse("dag { u [latent]; z -> x -> m -> y; z -> y; u -> z }")
    assert cc.is_adjustment_set(g, "x", "y", ["z"]).valid
    med = cc.is_adjustment_set(g, "x", "y", ["z", "m"])
    assert not med.valid and "'m'" in med.reason and "mediator" in med.reason
    lat = cc.is_adjustment_set(g, "x", "y", ["u"])
    assert not lat.valid and "latent" in lat.reason
    open_path = cc.is_adjustment_set(g, "x", "y", [])
    assert not open_path.valid and "x <- z -> y" in open_path.reason
    assert open_path.open_paths[0].biasing


def test_selected_nodes_follow_dagitty():
    # selection on a cause of x only: harmless, and the selected node is not listed
    g = cc.CausalGraph.parse("dag { s [selected]; a -> s; a -> x; x -> y }")
    assert cc.identify(g, "x", "y").adjustment_sets == [[]]
    # selection on a child of y: no valid set
    g2 = cc.CausalGraph.parse("dag { s [selected]; x -> y -> s }")
    ident = cc.identify(g2, "x", "y")
    assert ident.adjustment_sets == [] and any("selection" in n for n in ident.notes)


def test_identification_to_dict_is_json():
    g = cc.CausalGraph.parse("z -> x -> y; z -> y")
    d = cc.identify(g, "x", "y").to_dict()
    assert json.loads(json.dumps(d))["adjustment_sets"] == [["z"]]


# --------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "treatment, outcome, match",
    [
        ("nope", "y", "'nope' is not a node"),
        ("x", "nope", "'nope' is not a node"),
        ("x", "x", "both the treatment and the outcome"),
        ("u", "y", "latent"),
        (None, "y", "No treatment given"),
        ("x", None, "No outcome given"),
    ],
)
def test_bad_questions_raise_clear_errors(treatment, outcome, match):
    g = cc.CausalGraph.parse("dag { u [latent]; u -> x -> y }")
    with pytest.raises(cc.IdentificationError, match=match):
        cc.identify(g, treatment, outcome)


def test_bad_include_and_effect():
    g = cc.CausalGraph.parse("x -> y")
    with pytest.raises(cc.IdentificationError, match="not a node"):
        cc.identify(g, "x", "y", include=["q"])
    with pytest.raises(cc.IdentificationError, match="'total' or 'direct'"):
        cc.identify(g, "x", "y", effect="indirect")
    with pytest.raises(cc.IdentificationError, match="CausalGraph"):
        cc.identify("x -> y", "x", "y")
