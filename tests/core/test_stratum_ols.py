"""stratum_ols (block-sparse, no dummy matrix) against ols on the dense dummy design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causal_core as cc
from causal_core.estimators import stratification
from causal_core.estimators._stats import ols
from causal_core.estimators.absorb import within
from causal_core.estimators.stratum_ols import stratum_ols
from causal_core.exceptions import EstimationError


def dense_stratum_ols(code, k, t, x, y, names):
    """The computation stratum_ols replaces: an n × (k + p) design of stratum-specific
    treatment dummies and covariates, demeaned within strata, handed to ols."""
    d = (code[:, None] == np.arange(k)[None, :]) * t[:, None]
    both, absorbed, _ = within(np.column_stack([d, x, y]), code[:, None])
    return ols(both[:, :-1], both[:, -1], names=names, protect=range(k), absorbed_dof=absorbed)


def design(seed, n=3000, k=6, p=3, heterogeneous=True):
    rng = np.random.default_rng(seed)
    code = rng.integers(0, k, size=n)
    x = rng.normal(size=(n, p)) + code[:, None] * 0.3
    t = (rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - 0.5 * x[:, -1])))).astype(float)
    tau = 1.0 + (0.5 * code if heterogeneous else 0.0)
    y = tau * t + x @ np.linspace(1.0, -1.0, p) + 0.2 * code + rng.normal(size=n) * (1 + t)
    return code, k, t, x, y


def names_for(k, p):
    return [f"t in stratum {j + 1}" for j in range(k)] + [f"x{j}" for j in range(p)]


def assert_same(new, old):
    for a, b in ((new.beta, old.beta), (new.cov, old.cov), (new.resid, old.resid)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8 * float(np.abs(b).max()))
    assert (new.rank, new.dof, new.dropped) == (old.rank, old.dof, old.dropped)


def same_error(*args):
    """Both fits raise an EstimationError with the same message: that message."""
    with pytest.raises(EstimationError) as dense_err:
        dense_stratum_ols(*args)
    with pytest.raises(EstimationError) as new_err:
        stratum_ols(*args)
    assert str(new_err.value) == str(dense_err.value)
    return str(new_err.value)


@pytest.mark.parametrize("seed,k,p", [(0, 6, 3), (1, 20, 3), (2, 2, 1), (3, 1, 4), (4, 12, 6)])
def test_matches_the_dense_fit(seed, k, p):
    code, k, t, x, y = design(seed, k=k, p=p)
    names = names_for(k, p)
    new, old = stratum_ols(code, k, t, x, y, names), dense_stratum_ols(code, k, t, x, y, names)
    assert_same(new, old)
    assert old.dropped == ()
    assert np.ptp(new.beta[:k]) > 0.3 or k == 1  # the effects differ by stratum


def test_badly_scaled_covariates_match():
    code, k, t, x, y = design(5)
    x = np.column_stack([1e6 + x[:, 0] * 1e-3, x[:, 1] * 1e8, x[:, 2]])
    names = names_for(k, 3)
    assert_same(stratum_ols(code, k, t, x, y, names), dense_stratum_ols(code, k, t, x, y, names))


def test_a_collinear_covariate_is_dropped_as_ols_drops_it():
    code, k, t, x, y = design(6)
    x = np.column_stack([x, x[:, 0] - 2.0 * x[:, 1]])  # a copy of two others
    names = names_for(k, 4)
    new, old = stratum_ols(code, k, t, x, y, names), dense_stratum_ols(code, k, t, x, y, names)
    assert old.dropped == (k + 3,)
    assert_same(new, old)


def test_a_covariate_constant_within_strata_is_dropped_as_ols_drops_it():
    code, k, t, x, y = design(7)
    x = np.column_stack([code * 2.0 + 1.0, x])  # absorbed by the stratum effects
    names = names_for(k, 4)
    new, old = stratum_ols(code, k, t, x, y, names), dense_stratum_ols(code, k, t, x, y, names)
    assert old.dropped == (k,)
    assert_same(new, old)


def test_a_stratum_effect_that_cannot_be_estimated_raises_the_same_error():
    code, k, t, x, y = design(8)
    dup = np.where(code == 2, t, 0.0)  # duplicates the treatment inside stratum 3
    x = np.column_stack([x[:, 0], dup, x[:, 1]])
    message = same_error(code, k, t, x, y, names_for(k, 3))
    assert "'t in stratum 3'" in message and "x1" in message


def test_too_few_rows_raise_the_same_error():
    code, k, t, x, y = design(9, n=14, k=4, p=6)
    assert "14 terms but only 14 rows" in same_error(code, k, t, x, y, names_for(k, 6))


@pytest.mark.parametrize("target", ["ate", "att", "atc"])
def test_the_estimator_with_dropped_strata_matches_the_dense_fit(monkeypatch, target):
    rng = np.random.default_rng(10)
    n = 1500
    w1, w2 = rng.normal(size=n), rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(2.5 * w1 - w2)))).astype(int)  # poor overlap
    df = pd.DataFrame({"w1": w1, "w2": w2, "t": t,
                       "y": (1 + w1) * t + w1 - w2 + rng.normal(size=n)})
    ident = cc.identify(cc.CausalGraph.parse("w1 -> t\nw2 -> t\nw1 -> y\nw2 -> y\nt -> y"), "t", "y")
    params = {"n_strata": 20, "min_per_group": 8}
    new = cc.estimate(df, ident, method="propensity_stratification", target=target, **params)
    monkeypatch.setattr(stratification, "stratum_ols", dense_stratum_ols)
    old = cc.estimate(df, ident, method="propensity_stratification", target=target, **params)
    assert new.diagnostics["strata_dropped"] > 0
    np.testing.assert_allclose([new.value, new.se], [old.value, old.se], rtol=1e-8)
    effects = new.diagnostics["stratum_effects"]
    assert [e is None for e in effects] == [e is None for e in old.diagnostics["stratum_effects"]]
    np.testing.assert_allclose([e for e in effects if e is not None],
                               [e for e in old.diagnostics["stratum_effects"] if e is not None],
                               rtol=1e-8)
