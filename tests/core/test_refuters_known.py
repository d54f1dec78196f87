"""Refuters on data with known answers, and the p-value helper on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from causal_core.estimators import estimate
from causal_core.exceptions import EstimationError
from causal_core.graph import CausalGraph
from causal_core.identify import identify
from causal_core.refuters import midpoint_p_value, refute
from causal_core.sensitivity import adjusted_estimate, ovb_sensitivity

from .conftest_estimation import synthetic, synthetic_ident

DATA = synthetic(n=1500, seed=21)
IDENT = synthetic_ident()


# ---------------------------------------------------------------------- p-value helper
@pytest.mark.parametrize(
    ("sims", "ref", "p"),
    [
        ([1.0, 2.0, 3.0, 4.0], 2.0, 0.75),  # h = (2 + 0.5) / 4
        ([1.0, 2.0, 3.0, 4.0], 2.5, 1.0),   # h = 0.5
        ([1.0, 2.0, 3.0, 4.0], 0.0, 0.0),   # h = 1
        ([1.0, 2.0, 3.0, 4.0], 9.0, 0.0),   # h = 0
        ([1.0, 2.0, 3.0], 3.0, 1 / 3),      # h = 0.5 / 3
        ([3.0, 3.0, 3.0], 3.0, 1.0),        # all ties: h = 0.5
        ([5.0], 5.0, 1.0),
        ([5.0], 4.0, 0.0),
        ([1.0, np.nan, 3.0], 2.0, 1.0),     # non-finite values ignored
    ],
)
def test_midpoint_p_value_hand_computed(sims, ref, p):
    assert midpoint_p_value(sims, ref) == pytest.approx(p)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), st.floats(-1e6, 1e6))
def test_midpoint_p_value_is_a_symmetric_probability(sims, ref):
    p = midpoint_p_value(sims, ref)
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(midpoint_p_value([-s for s in sims], -ref))


def test_midpoint_p_value_rejects_nothing_to_compare():
    with pytest.raises(EstimationError, match="every simulation failed"):
        midpoint_p_value([np.nan], 0.0)
    with pytest.raises(EstimationError, match="finite"):
        midpoint_p_value([1.0], float("inf"))


# ---------------------------------------------------------------------- known behaviour
@pytest.mark.parametrize("method", ["linear_regression", "ipw", "aipw", "iv_2sls", "frontdoor"])
def test_placebo_on_a_real_effect_centres_on_zero_and_passes(method):
    est = estimate(DATA, IDENT, method=method)
    assert est.ci_low > 0  # a real effect (3.0)
    res = refute(DATA, IDENT, est, method="placebo_treatment", n_simulations=40)
    sims = res.simulated
    assert res.reference_value == 0.0 and res.passed
    assert abs(sims.mean()) < 3 * sims.std(ddof=1) / np.sqrt(sims.size) + 1e-9
    assert abs(sims.mean()) < 0.1 * abs(est.value)


def test_random_common_cause_does_not_move_an_exact_linear_estimate():
    rng = np.random.default_rng(2)
    w = rng.normal(size=300)
    t = w + rng.normal(size=300)
    df = pd.DataFrame({"w": w, "t": t, "y": 2.0 * t - 1.5 * w})  # exact: no noise
    ident = identify(CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
    est = estimate(df, ident)
    res = refute(df, ident, est, method="random_common_cause", n_simulations=50)
    np.testing.assert_allclose(res.simulated, 2.0, rtol=1e-9)
    assert res.passed


@pytest.mark.parametrize("method", ["linear_regression", "propensity_matching",
                                    "propensity_stratification", "ipw", "aipw", "iv_2sls"])
@pytest.mark.parametrize("refuter", ["random_common_cause", "data_subset", "bootstrap"])
def test_right_dag_is_not_rejected(method, refuter):
    est = estimate(DATA, IDENT, method=method)
    res = refute(DATA, IDENT, est, method=refuter, n_simulations=25)
    assert res.kind == "stability" and res.verdict == "stable" and res.passed
    assert abs(res.details["shift_se"]) <= 1.0


def test_dummy_outcome_flags_an_estimator_that_ignores_the_covariates():
    est = estimate(DATA, IDENT, method="linear_regression")
    assert refute(DATA, IDENT, est, method="dummy_outcome", n_simulations=40).passed
    naive = estimate(DATA, IDENT, method="naive")  # ignores the confounders W1, R
    res = refute(DATA, IDENT, naive, method="dummy_outcome", n_simulations=40)
    assert not res.passed and res.p_value < 0.05 and abs(res.simulated.mean()) > 0.5
    assert res.verdict == "failed" and res.next_step and "covariates" in res.explanation


def test_bootstrap_with_noise_on_confounders_moves_the_estimate():
    est = estimate(DATA, IDENT, method="linear_regression")
    res = refute(DATA, IDENT, est, method="bootstrap", n_simulations=40, noise=1.0)
    assert not res.passed and res.simulated.mean() > est.value  # attenuated adjustment
    assert res.verdict == "unstable" and res.details["shift_se"] > 1.0
    assert "beyond the tolerance of 1 SE" in res.explanation


def _omitted_confounder(effect: float, n: int = 3000, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w, u = rng.normal(size=n), rng.normal(size=n)
    t = 0.6 * w + 0.6 * u + rng.normal(size=n)
    y = effect * t + 0.6 * w + 0.6 * u + rng.normal(size=n)
    return pd.DataFrame({"w": w, "t": t, "y": y})  # u is never observed


OMIT_IDENT = identify(CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")


@pytest.mark.parametrize("method", ["linear_regression", "ipw"])
def test_omitted_confounder_is_flagged_as_fragile(method):
    df = _omitted_confounder(effect=0.0)
    if method == "ipw":
        df["t"] = (df["t"] > 0).astype(int)
    est = estimate(df, OMIT_IDENT, method=method)
    assert est.ci_low > 0  # a spurious "effect"
    res = refute(df, OMIT_IDENT, est, method="unobserved_common_cause")
    assert res.kind == "sensitivity" and res.passed is None and res.p_value is None
    s = res.surface
    assert s.benchmark_ci_low <= 0  # a confounder as strong as w explains it away
    assert res.explanation.startswith("A hidden confounder as strong as 1x w (")
    assert s.benchmark_label == "1x w"
    assert s.significance_flip_r2 is not None
    assert s.significance_flip_r2 <= max(s.benchmark_r2_treatment, s.benchmark_r2_outcome)
    # the effect shrinks as the confounder grows (diagonal of the surface)
    diag = np.diag(s.effects)
    assert np.all(np.diff(diag) < 0)
    if method == "linear_regression":
        assert ovb_sensitivity(df, OMIT_IDENT, est).fragile


def test_real_effect_survives_a_confounder_as_strong_as_the_observed_one():
    df = _omitted_confounder(effect=1.0)
    est = estimate(df, OMIT_IDENT)
    res = refute(df, OMIT_IDENT, est, method="unobserved_common_cause")
    assert res.surface.benchmark_ci_low > 0 and res.passed is None
    assert "(still positive and significant" in res.explanation
    assert not ovb_sensitivity(df, OMIT_IDENT, est).fragile


def test_confounder_surface_of_a_regression_is_cinelli_hazlett_exactly():
    df = _omitted_confounder(effect=0.3, n=800)
    est = estimate(df, OMIT_IDENT)
    sens = ovb_sensitivity(df, OMIT_IDENT, est)
    res = refute(df, OMIT_IDENT, est, method="unobserved_common_cause",
                 r2_treatment=[0.0, 0.05, 0.2], r2_outcome=[0.0, 0.1, 0.3, 0.6])
    s = res.surface
    gd, gy = np.meshgrid(s.r2_treatment, s.r2_outcome, indexing="ij")
    expected = adjusted_estimate(sens.estimate, sens.se, sens.dof, gd, gy)
    np.testing.assert_allclose(s.effects, expected, rtol=1e-9, atol=1e-12)
    # the sign flips where the robustness value says (bisection tolerance ~ 0.95/11/256)
    assert s.sign_flip_r2 == pytest.approx(sens.rv_q, abs=1e-3)
