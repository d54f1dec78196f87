"""Contract test over every registered refuter × every estimator it applies to."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from causal_core.estimators import estimate
from causal_core.exceptions import CausalCoreError, DataError, EstimationError, IdentificationError
from causal_core.graph import CausalGraph
from causal_core.identify import identify
from causal_core.refuters import (
    RefutationResult,
    get_refuter_class,
    list_refuters,
    refute,
)
from causal_core.refuters._context import build_context, check_failures

from .conftest_estimation import synthetic, synthetic_ident

DATA = synthetic(n=600, seed=5)
DATA["NC"] = DATA["W1"] + np.random.default_rng(9).normal(size=len(DATA))  # a negative control
IDENT = synthetic_ident()
METHODS = ["naive", "linear_regression", "propensity_matching", "propensity_stratification",
           "ipw", "aipw", "iv_2sls", "iv_wald", "frontdoor"]
REFUTERS = [r.name for r in list_refuters()]
ESTIMATES = {m: estimate(DATA, IDENT, method=m) for m in METHODS}
FAST = {"unobserved_common_cause": {"n_grid": 3},
        "negative_control_outcome": {"negative_control": "NC"},
        "negative_control_exposure": {"negative_control": "NC"}}
SIMULATING = ["placebo_treatment", "random_common_cause", "data_subset", "bootstrap",
              "dummy_outcome"]


def _applies(refuter: str, method: str) -> bool:
    info = next(r for r in list_refuters() if r.name == refuter)
    est = ESTIMATES[method]
    ctx = build_context(DATA, IDENT, est)
    takes_covariates = ctx.uses_covariates and method != "iv_wald"  # Wald: no covariates
    return (est.estimand.kind in info.estimands
            and est.treatment_type in info.treatment_types
            and (takes_covariates or not info.needs_covariates))


def _run(refuter: str, method: str, data: pd.DataFrame = DATA, **kw) -> RefutationResult:
    return refute(data, IDENT, ESTIMATES[method], method=refuter, n_simulations=8,
                  **{**FAST.get(refuter, {}), **kw})


def test_registry_lists_every_refuter_with_its_params():
    assert REFUTERS == ["graph_implications", "placebo_treatment", "random_common_cause",
                        "data_subset", "bootstrap", "dummy_outcome", "unobserved_common_cause",
                        "negative_control_outcome", "negative_control_exposure"]
    infos = {r.name: r for r in list_refuters()}
    assert infos["data_subset"].params == {"fraction": 0.8, "tolerance_se": 1.0}
    assert infos["bootstrap"].params == {"noise": 0.0, "noisy_columns": None, "tolerance_se": 1.0}
    kinds = {r.name: r.kind for r in list_refuters()}
    assert {k for k, v in kinds.items() if v == "stability"} == {
        "random_common_cause", "data_subset", "bootstrap"}
    assert [k for k, v in kinds.items() if v == "sensitivity"] == ["unobserved_common_cause"]
    assert all(r.question and r.can_detect and r.cannot_detect for r in list_refuters())
    assert infos["random_common_cause"].needs_covariates
    assert infos["placebo_treatment"].reference == "zero"
    json.dumps([r.to_dict() for r in list_refuters()])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("refuter", REFUTERS)
def test_contract(refuter: str, method: str):
    if not _applies(refuter, method):
        with pytest.raises(EstimationError, match="refuter|check"):
            _run(refuter, method)
        return
    before = DATA.copy(deep=True)
    seen: list[float] = []
    res = _run(refuter, method, progress=seen.append)
    pd.testing.assert_frame_equal(DATA, before)  # input not mutated
    assert isinstance(res, RefutationResult)
    assert res.method == refuter and res.estimator == method
    assert res.kind == get_refuter_class(refuter).kind
    assert res.question and res.can_detect and res.cannot_detect
    if res.kind == "falsification":
        assert 0.0 <= res.p_value <= 1.0 and isinstance(res.passed, bool)
        assert res.verdict in ("passed", "failed", "inconclusive")
        assert (res.verdict == "failed") == (res.p_value < res.alpha)
    elif res.kind == "stability":
        assert res.p_value is None and isinstance(res.passed, bool)
        assert res.verdict == ("stable" if abs(res.details["shift_se"])
                               <= res.details["tolerance_se"] else "unstable")
    else:
        assert res.p_value is None and res.passed is None and res.verdict == ""
    assert res.simulated.size > 0 and np.all(np.isfinite(res.simulated))
    assert not res.simulated.flags.writeable
    assert res.explanation and res.null_hypothesis
    # progress: increasing fractions in (0, 1], ending at 1
    assert seen and seen[-1] == 1.0 and all(0 < f <= 1 for f in seen)
    assert all(a < b for a, b in zip(seen, seen[1:], strict=False))
    # same seed -> same result; the result is JSON-able and summarises to one row
    assert _run(refuter, method) == res
    json.dumps(res.to_dict())
    assert res.summary().shape[0] == 1 and "p" in res.summary().columns
    # columns reordered -> same answer
    assert _run(refuter, method, data=DATA[DATA.columns[::-1]]) == res


@pytest.mark.parametrize("refuter", ["placebo_treatment", "bootstrap", "data_subset"])
def test_other_seed_other_draws(refuter: str):
    a = _run(refuter, "linear_regression", random_state=1)
    b = _run(refuter, "linear_regression", random_state=2)
    assert not np.allclose(a.simulated, b.simulated)


@pytest.mark.parametrize("refuter", [*SIMULATING, "unobserved_common_cause"])
def test_batched_least_squares_equals_rerunning_the_estimator(refuter: str):
    est = ESTIMATES["linear_regression"]
    kw = FAST.get(refuter, {})
    if refuter == "bootstrap":
        kw = {"noise": 0.3}
    fast_ctx = build_context(DATA, IDENT, est)
    slow_ctx = build_context(DATA, IDENT, est)
    slow_ctx.ols_fast = False
    cls = get_refuter_class(refuter)
    runs = [cls(**kw).run(c, n_simulations=6, rng=np.random.default_rng(3), progress=None,
                          n_jobs=1) for c in (fast_ctx, slow_ctx)]
    np.testing.assert_allclose(runs[0].simulated, runs[1].simulated, rtol=1e-8, atol=1e-10)


def test_parallel_equals_serial():
    serial = _run("placebo_treatment", "ipw")
    assert _run("placebo_treatment", "ipw", n_jobs=2) == serial


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "placebo"}, EstimationError, "Unknown refutation method 'placebo'"),
        ({"method": "data_subset", "fractoin": 0.5}, EstimationError, "no parameter 'fractoin'"),
        ({"method": "data_subset", "fraction": 1.5}, EstimationError, r"fraction must be .*1\.5"),
        ({"method": "data_subset", "fraction": 0.001}, EstimationError, "too few"),
        ({"method": "bootstrap", "noise": -1}, EstimationError, "noise must be"),
        ({"method": "bootstrap", "noise": 0.1, "noisy_columns": ["Z"]}, EstimationError,
         "not a covariate"),
        ({"method": "bootstrap", "noise": 0.1, "noisy_columns": ["R"]}, EstimationError,
         "categorical"),
        ({"method": "unobserved_common_cause", "benchmark_r2": 2.0}, EstimationError,
         "benchmark_r2"),
        ({"method": "unobserved_common_cause", "r2_outcome": [0.1, 1.2]}, EstimationError,
         "r2_outcome"),
        ({"method": "unobserved_common_cause", "n_grid": 1}, EstimationError, "n_grid"),
        ({"n_simulations": 1}, EstimationError, "n_simulations must be an integer"),
        ({"n_simulations": "10"}, EstimationError, "n_simulations"),
        ({"n_jobs": 0}, EstimationError, "n_jobs"),
        ({"progress": "bar"}, EstimationError, "progress must be a callable"),
        ({"method": 3}, EstimationError, "method must be"),
    ],
)
def test_bad_input_raises_clear_errors(kwargs, error, match):
    kw = {"method": "placebo_treatment", "n_simulations": 5, **kwargs}
    with pytest.raises(error, match=match):
        refute(DATA, IDENT, ESTIMATES["linear_regression"], **kw)


def test_mismatched_inputs_raise():
    est = ESTIMATES["linear_regression"]
    with pytest.raises(DataError, match="600 rows"):
        refute(DATA.iloc[:500], IDENT, est, n_simulations=5)
    with pytest.raises(DataError, match="DataFrame"):
        refute(DATA.to_numpy(), IDENT, est, n_simulations=5)
    with pytest.raises(DataError, match="no column 'W1'"):
        refute(DATA.drop(columns="W1"), IDENT, est, n_simulations=5)
    other = identify(CausalGraph(edges=[("W1", "M"), ("M", "Y")]), "M", "Y")
    with pytest.raises(IdentificationError, match="identification"):
        refute(DATA, other, est, n_simulations=5)
    with pytest.raises(EstimationError, match="EffectEstimate"):
        refute(DATA, IDENT, est.value, n_simulations=5)
    refuter = get_refuter_class("data_subset")(fraction=0.5)
    with pytest.raises(EstimationError, match="set_params"):
        refute(DATA, IDENT, est, method=refuter, fraction=0.4)
    with pytest.raises(CausalCoreError):
        refuter.set_params(nope=1)


def test_refuter_object_and_bootstrap_ci_estimates():
    est = estimate(DATA, IDENT, method="propensity_matching", ci="bootstrap", n_bootstrap=20)
    refuter = get_refuter_class("data_subset")(fraction=0.6)
    res = refute(DATA, IDENT, est, method=refuter, n_simulations=5)
    assert res.params == {"fraction": 0.6, "tolerance_se": 1.0}
    assert any("analytic interval" in w for w in res.warnings)


def test_failed_simulations_are_reported_or_raise():
    values = np.array([1.0, np.nan, 2.0] + [1.5] * 17)
    (msg,) = check_failures(values, ["boom"], "bootstrap")
    assert msg.startswith("1 of 20 simulations failed") and "boom" in msg
    assert check_failures(np.ones(5), [], "bootstrap") == []
    with pytest.raises(EstimationError, match="5 of 10 bootstrap simulations failed"):
        check_failures(np.array([np.nan] * 5 + [1.0] * 5), ["boom"], "bootstrap")
