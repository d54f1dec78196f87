"""IPW's value-only path (what a check's simulations call): the same number as the full
estimate to the last bit, the same failures, and the same check results as without it."""

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
