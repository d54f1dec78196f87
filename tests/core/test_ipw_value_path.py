"""IPW's value-only path (what a check's simulations call): the same number as the full
estimate to the last bit, the same failures, and the same check results as without it; and
its batched form (``_values``, a check's simulations fitted together): each problem's own fit
and value to rounding, with the same failures."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import causal_core as cc
from causal_core.estimators.ipw import InversePropensityWeighting
from causal_core.refuters._context import build_context

G = cc.CausalGraph(edges=[("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")])


def frame(seed: int, n: int = 400, strength: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w1, w2 = rng.normal(size=n), rng.binomial(1, 0.4, n)
    t = rng.binomial(1, 1 / (1 + np.exp(-strength * (w1 + 0.8 * w2 - 0.3))))
    return pd.DataFrame({"w1": w1, "w2": w2, "t": t, "y": 1.5 * t + w1 - w2 + rng.normal(size=n)})


def problem(df: pd.DataFrame):
    ident = cc.identify(G, "t", "y")
    return build_context(df, ident, cc.estimate(df, ident, method="ipw")).problem


@pytest.mark.parametrize("target,normalize,clip,trim", list(itertools.product(
    ("ate", "att", "atc"), (True, False), (None, 0.05), (None, 0.04))))
def test_the_value_path_gives_the_full_estimates_value_to_the_last_bit(target, normalize, clip, trim):
    est = InversePropensityWeighting(normalize=normalize, clip=clip, trim=trim)
    for seed in range(5):
        p = problem(frame(seed, strength=1.0 + seed))  # some seeds with extreme scores
        rng = np.random.default_rng(0)
        full = est._estimate(p, target=target, alpha=0.05, rng=rng).value
        assert est._value(p, target=target, rng=rng) == full  # exact, not approximate


def _error(fn):
    try:
        fn()
    except cc.EstimationError as err:
        return str(err)
    return None


def test_the_value_path_fails_where_the_full_estimate_fails_with_the_same_words():
    p = problem(frame(1))
    est = InversePropensityWeighting()
    rng = np.random.default_rng(0)
    # one covariate that separates the groups: its scores separate them too
    cut = p.x[:, 0] > np.median(p.x[:, 0])
    sep = replace(p, x=p.x[:, :1], x_names=p.x_names[:1], t=cut.astype(p.t.dtype))
    full = _error(lambda: est._estimate(sep, target="ate", alpha=0.05, rng=rng))
    assert full and "No comparison is possible" in full
    assert _error(lambda: est._value(sep, target="ate", rng=rng)) == full
    # two covariates, the first separating: scores of 0 or 1 to machine precision (the full
    # estimate raised numpy's LinAlgError here before, a crash rather than a message)
    near = replace(p, t=cut.astype(p.t.dtype))
    full = _error(lambda: est._estimate(near, target="ate", alpha=0.05, rng=rng))
    assert full and "0 or 1" in full
    assert _error(lambda: est._value(near, target="ate", rng=rng)) == full
    # an invalid clip is refused the same way
    bad = InversePropensityWeighting(clip=0.7)
    full = _error(lambda: bad._estimate(p, target="ate", alpha=0.05, rng=rng))
    assert full and _error(lambda: bad._value(p, target="ate", rng=rng)) == full


@pytest.mark.parametrize("method", ["placebo_treatment", "random_common_cause", "data_subset",
                                    "bootstrap", "dummy_outcome"])
def test_checks_of_an_ipw_estimate_are_the_same_with_and_without_the_value_path(method, monkeypatch):
    df = frame(3, n=600)
    ident = cc.identify(G, "t", "y")
    est = cc.estimate(df, ident, method="ipw", target="att")
    fast = cc.refute(df, ident, est, method=method, n_simulations=40, random_state=7)
    monkeypatch.delattr(InversePropensityWeighting, "_value")
    slow = cc.refute(df, ident, est, method=method, n_simulations=40, random_state=7)
    assert fast.to_dict() == slow.to_dict()


# ------------------------------------------------------------- the batched path (_values)
def _fits_alike(a, b) -> None:
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.ps, b.ps, rtol=1e-12, atol=1e-15)
    assert (a.converged, a.n_iter, a.warnings) == (b.converged, b.n_iter, b.warnings)


@pytest.mark.parametrize("max_iter", [2, 100])  # 2: some fits stop unconverged, with the warning
def test_fits_made_together_are_each_problems_own_fit(max_iter):
    from causal_core.estimators.propensity import fit_propensity, fit_propensity_many

    rng = np.random.default_rng(5)
    n, k = 300, 3
    xs = rng.normal(size=(7, n, k)) * [1.0, 10.0, 0.1]
    lin = np.einsum("snk,k->sn", xs, [1.0, 0.1, 5.0]) * np.arange(1, 8)[:, None]  # up to near-separation
    ts = (rng.uniform(size=(7, n)) < 1 / (1 + np.exp(-lin))).astype(float)
    xs[3, :, 2] = 0.0  # a constant covariate
    ts[6] = (xs[6, :, 0] > 0).astype(float)  # separated: a coefficient past the warning's 15
    together = fit_propensity_many(xs, ts, max_iter=max_iter)
    alone = [fit_propensity(xs[i], ts[i], max_iter=max_iter) for i in range(7)]
    for a, b in zip(together, alone, strict=True):
        _fits_alike(a, b)
    assert any(not f.converged for f in alone) == (max_iter == 2)
    assert any("separate" in w for f in alone for w in f.warnings)


def test_the_batched_values_are_the_value_path_with_the_same_failures():
    est = InversePropensityWeighting(trim=0.02)
    p = problem(frame(2, n=500))
    rng = np.random.default_rng(1)
    cut = p.x[:, 0] > np.median(p.x[:, 0])
    problems = [
        p,
        replace(p, t=p.t[rng.permutation(p.n)]),                       # placebo-like
        p.take(np.sort(rng.permutation(p.n)[:400])),                   # another shape
        replace(p, y=p.y + 1.0),                                       # same x and t as p
        replace(p, t=np.ones_like(p.t)),                               # one group only
        replace(p, x=p.x[:, :1], x_names=p.x_names[:1], t=cut.astype(p.t.dtype)),  # separated
        replace(p, t=cut.astype(p.t.dtype)),                           # scores of 0 or 1
    ]
    batched = est._values(problems, target="att")
    for q, (value, err) in zip(problems, batched, strict=True):
        alone = _error(lambda q=q: est._value(q, target="att", rng=rng))
        assert err == alone
        if alone is None:
            np.testing.assert_allclose(value, est._value(q, target="att", rng=rng), rtol=1e-12)
        else:
            assert np.isnan(value)
    assert [e is None for _, e in batched] == [True, True, True, True, False, False, False]


@pytest.mark.parametrize("method,fitted", [("placebo_treatment", 40), ("dummy_outcome", 2)])
def test_a_check_fits_its_simulations_together_and_an_unchanged_model_once(method, fitted,
                                                                          monkeypatch):
    """40 simulations in batches of 25: two batched calls; the dummy outcome leaves the
    covariates and the treatment as they are, so each batch fits one model, not 25."""
    from causal_core.estimators import ipw

    sizes = []
    real = ipw.fit_propensity_many
    monkeypatch.setattr(ipw, "fit_propensity_many",
                        lambda xs, ts, **kw: sizes.append(len(xs)) or real(xs, ts, **kw))
    df = frame(4, n=300)
    ident = cc.identify(G, "t", "y")
    est = cc.estimate(df, ident, method="ipw")
    cc.refute(df, ident, est, method=method, n_simulations=40, random_state=3)
    assert len(sizes) == 2 and sum(sizes) == fitted


@pytest.mark.parametrize("k", [3, 10])  # a weighted Gram by pairs (k <= 8) and by matrix product
def test_fits_made_together_are_the_penalised_maximum_likelihood_of_an_independent_solver(k):
    """Each fit of a batch equals scikit-learn's L-BFGS on the same standardised design and
    ridge (C = 1 / (penalty * n), intercept not penalised), to 1e-6."""
    from sklearn.linear_model import LogisticRegression

    from causal_core.estimators.propensity import fit_propensity_many

    rng = np.random.default_rng(k)
    n, penalty = 400, 1e-3
    xs = rng.normal(size=(4, n, k)) * np.linspace(0.5, 3.0, k)
    ts = (rng.uniform(size=(4, n)) < 1 / (1 + np.exp(-xs @ np.linspace(-0.6, 0.6, k)))).astype(float)
    for fit, t in zip(fit_propensity_many(xs, ts, penalty=penalty), ts, strict=True):
        assert fit.converged and fit.design.shape == (n, k + 1)
        ref = LogisticRegression(C=1 / (penalty * n), tol=1e-12, max_iter=10_000)
        ref.fit(fit.design[:, 1:], t)
        np.testing.assert_allclose(fit.coef, [ref.intercept_[0], *ref.coef_[0]], atol=1e-6)
        np.testing.assert_allclose(fit.ps, ref.predict_proba(fit.design[:, 1:])[:, 1], atol=1e-6)
