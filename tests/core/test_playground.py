"""The bias playground against closed forms of the linear model it simulates."""

from __future__ import annotations

import numpy as np
import pytest

import causal_core as cc
from causal_core.classroom.figures import bias_figure
from causal_core.classroom.playground import MAX_WORK, simulate_bias
from causal_core.exceptions import DataError

CONF = cc.CausalGraph.parse("z -> x; z -> y; x -> y; x -> c; y -> c")
A, B, C = 0.8, 0.6, 0.3
STRENGTHS = {"z -> x": A, "z -> y": B, "x -> y": C, "x -> c": 1.0, "y -> c": 1.0}


def _within(est, value, k=4.0):
    se = est.std(ddof=1) / np.sqrt(len(est))
    return abs(est.mean() - value) < k * se


def test_true_effect_is_the_sum_over_directed_paths():
    g = cc.CausalGraph.parse("x -> m -> y; x -> y; w -> y")
    sim = simulate_bias(g, "x", "y", strengths={"x -> m": 0.5, "m -> y": 0.4, "x -> y": 0.3},
                        n=200, n_reps=5)
    assert sim.true_effect == pytest.approx(0.5 * 0.4 + 0.3, abs=1e-12)


def test_naive_adjusted_and_collider_against_closed_forms():
    sim = simulate_bias(CONF, "x", "y", strengths=STRENGTHS, n=400, n_reps=200, random_state=3)
    assert sim.true_effect == pytest.approx(C)
    assert sim.adjustment_set == ("z",) and sim.collider == "c"
    naive = C + A * B / (A**2 + 1)  # slope of y on x: cov(x, y) / var(x)
    assert _within(sim.estimates["naive"], naive)
    assert not _within(sim.estimates["naive"], C)
    assert _within(sim.estimates["adjusted"], C)
    assert not _within(sim.estimates["collider-conditioned"], C)
    assert len(sim.estimates["naive"]) == 200


def test_randomising_the_treatment_makes_the_naive_estimate_right():
    sim = simulate_bias(CONF, "x", "y", strengths=STRENGTHS, n=400, n_reps=200, randomise=True,
                        random_state=3)
    assert sim.true_effect == pytest.approx(C)  # cutting arrows into x leaves its effect alone
    assert _within(sim.estimates["naive"], C)
    text = sim.sentences()[0]
    assert text.startswith("The naive estimate") and "unbiased" in text


def test_a_bidirected_edge_is_a_latent_common_cause():
    g = cc.CausalGraph.parse("dag { x [exposure]; y [outcome]; x -> y; x <-> y }")
    sim = simulate_bias(g, strengths={"x -> y": 0.2, "x <-> y": 0.7}, n=400, n_reps=200)
    assert _within(sim.estimates["naive"], 0.2 + 0.49 / 1.49)
    assert "adjusted" not in sim.estimates and sim.adjustment_set is None
    assert any("No back-door adjustment set" in n for n in sim.notes)


def test_same_seed_same_estimates_and_a_figure():
    one = simulate_bias(CONF, "x", "y", n=100, n_reps=30, random_state=7)
    two = simulate_bias(CONF, "x", "y", n=100, n_reps=30, random_state=7)
    for k in one.estimates:
        np.testing.assert_array_equal(one.estimates[k], two.estimates[k])
    fig = bias_figure(one)
    assert [t.name for t in fig.data] == list(one.estimates)


def test_replications_come_in_chunks_without_changing_their_number():
    sim = simulate_bias(CONF, "x", "y", n=30_000, n_reps=150, random_state=1)
    assert all(len(v) == 150 for v in sim.estimates.values())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n": 5}, "n must be a whole number"),
    ({"n": True}, "n must be a whole number"),
    ({"n_reps": 10**6}, "n_reps must be"),
    ({"n": 100_000, "n_reps": 2000}, f"the limit is {MAX_WORK:,}"),
    ({"strengths": {"y -> x": 1.0}}, "not in the graph"),
    ({"strengths": {"x -> y": float("inf")}}, "from -10 to 10"),
])
def test_bad_settings_are_refused_clearly(kwargs, message):
    with pytest.raises(DataError, match=message):
        simulate_bias(CONF, "x", "y", **kwargs)
