"""The unobserved-common-cause grid of an IPW estimate, its cells computed together
(``InversePropensityWeighting._intervals``: every cell's propensity model in one batched
fit): the same surface, flips, benchmark and failures as the per-cell path (a full
``_estimate`` per cell), to rounding (rtol 1e-12, as the other batched paths)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import causal_core as cc
from causal_core.estimators import ipw, propensity
from causal_core.estimators.ipw import InversePropensityWeighting
from causal_core.refuters._context import RefitContext, build_context

G = cc.CausalGraph(edges=[("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")])
IDENT = cc.identify(G, "t", "y")
RTOL = 1e-12


def frame(seed: int, n: int = 500, strength: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w1, w2 = rng.normal(size=n), rng.binomial(1, 0.4, n)
    t = rng.binomial(1, 1 / (1 + np.exp(-strength * (w1 + 0.8 * w2 - 0.3))))
    return pd.DataFrame({"w1": w1, "w2": w2, "t": t, "y": 1.5 * t + w1 - w2 + rng.normal(size=n)})


def _error(fn):
    try:
        fn()
    except cc.CausalCoreError as err:
        return str(err)
    return None


def _both(df, est, monkeypatch, **params):
    """(batched, per-cell): the refutation or its error message, both ways."""
    run = lambda: cc.refute(df, IDENT, est, method="unobserved_common_cause",  # noqa: E731
                            random_state=params.pop("seed", 0), **params)
    fast = _error(run) or run()
    with monkeypatch.context() as m:
        m.delattr(InversePropensityWeighting, "_intervals")
        slow = _error(run) or run()
    return fast, slow


def _close(a, b, where: str = "") -> None:
    """``a == b`` with numbers (and lists of them) to ``RTOL``, the rest exactly."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple | np.ndarray) and not isinstance(a, str):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b, strict=True)):
            _close(u, v, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=0, err_msg=where)
    else:
        assert a == b, where


def _alike(fast, slow) -> None:
    """The same refutation (or error message): numbers to ``RTOL``, words exactly (the
    sentences round the numbers: equal unless one sits on a rounding edge)."""
    if isinstance(slow, str):
        assert fast == slow
    else:
        _close(fast.to_dict(), slow.to_dict())


CASES = {
    "confounded ATE": (dict(seed=0), {}, {}),
    "confounded ATT, another seed": (dict(seed=1), {"target": "att"}, {"seed": 5}),
    "Horvitz-Thompson ATC": (dict(seed=2), {"target": "atc", "normalize": False}, {"seed": 2}),
    "weak overlap, clipped": (dict(seed=3, strength=3.0), {"clip": 0.05}, {}),
    "weak overlap, trimmed": (dict(seed=4, strength=2.0), {"trim": 0.05}, {"seed": 9}),
    "cells that separate the groups fail": (dict(seed=5), {},
                                            {"r2_treatment": [0.0, 0.5, 0.95], "n_grid": 3}),
    "models that stop unconverged": (dict(seed=6), {"max_iter": 2}, {"n_grid": 4}),
    "benchmark fails": (dict(seed=7), {}, {"benchmark_r2": 0.95}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_batched_grid_is_the_per_cell_grid(case, monkeypatch):
    data, est_params, ref_params = CASES[case]
    df = frame(**data)
    target = est_params.pop("target", "ate")
    est = cc.estimate(df, IDENT, method="ipw", target=target, **est_params)
    fast, slow = _both(df, est, monkeypatch, **ref_params)
    _alike(fast, slow)
    assert isinstance(fast, str) == (case == "benchmark fails")
    diag = est.diagnostics["propensity"]
    assert (diag.n_clipped > 0, diag.n_trimmed > 0) == ("clipped" in case, "trimmed" in case)
    if case == "cells that separate the groups fail":
        assert any("failed for" in w and "No comparison" in w for w in fast.warnings)
        assert np.isnan(fast.surface.effects).any() and not np.isnan(fast.surface.effects).all()
    if case == "benchmark fails":
        assert isinstance(fast, str) and "fails once a confounder" in fast


def test_a_cell_whose_fit_raises_fails_alone_with_its_own_message(monkeypatch):
    """A propensity fit that raises (numpy's LinAlgError here, forced for the cells whose
    confounder's first value lies in (0.75, 0.85): four cells) blanks that cell only, with
    the message the per-cell path records: the batch it was in is fitted again one problem
    at a time."""
    real = propensity.fit_propensity_many

    def fragile(xs, ts, **kw):
        first = xs[:, 0, -1]
        if xs.shape[2] == 3 and ((first > 0.75) & (first < 0.85)).any():
            raise np.linalg.LinAlgError("SVD did not converge (forced)")
        return real(xs, ts, **kw)

    monkeypatch.setattr(propensity, "fit_propensity_many", fragile)  # what fit_propensity calls
    monkeypatch.setattr(ipw, "fit_propensity_many", fragile)         # the batched fits
    df = frame(8)
    est = cc.estimate(df, IDENT, method="ipw")
    fast, slow = _both(df, est, monkeypatch, n_grid=4)
    _alike(fast, slow)
    blank = np.isnan(fast.surface.effects)
    assert blank[:3].sum() == 3 and not blank[:3].all()  # 3 forced; the 4th row separates
    assert any("failed for 10 " in w and "(forced)" in w for w in fast.warnings)


def test_the_grid_of_an_ipw_estimate_is_fitted_in_batches_without_refits(monkeypatch):
    refits, sizes = [], []
    real_refit, real_many = RefitContext.refit, ipw.fit_propensity_many
    monkeypatch.setattr(RefitContext, "refit",
                        lambda self, *a, **k: refits.append(1) or real_refit(self, *a, **k))
    monkeypatch.setattr(ipw, "fit_propensity_many",
                        lambda xs, ts, **kw: sizes.append(len(xs)) or real_many(xs, ts, **kw))
    df = frame(0)
    est = cc.estimate(df, IDENT, method="ipw")
    res = cc.refute(df, IDENT, est, method="unobserved_common_cause")
    assert len(refits) == 1  # check_applicable's probe: can the estimator take a covariate?
    # 36 grid cells + 12 on the diagonal + the benchmark in batches of 25, then the searches
    # of the flips one strength at a time
    assert sizes[:2] == [25, 24] and set(sizes[2:]) <= {1}
    assert res.n_simulations == 49


def test_other_estimators_keep_the_per_cell_path(monkeypatch):
    refits = []
    real_refit = RefitContext.refit
    monkeypatch.setattr(RefitContext, "refit",
                        lambda self, *a, **k: refits.append(1) or real_refit(self, *a, **k))
    df = frame(0, n=300)
    est = cc.estimate(df, IDENT, method="aipw")
    cc.refute(df, IDENT, est, method="unobserved_common_cause", n_grid=2)
    assert len(refits) >= 2 * 2 + 12 + 1


# ------------------------------------------------------------- _intervals against _estimate
def _problem(df: pd.DataFrame):
    return build_context(df, IDENT, cc.estimate(df, IDENT, method="ipw")).problem


@pytest.mark.parametrize("target,normalize,clip,trim", list(itertools.product(
    ("ate", "att", "atc"), (True, False), (None, 0.05), (None, 0.04))))
def test_intervals_are_the_full_estimates_numbers_with_the_same_failures(target, normalize,
                                                                         clip, trim):
    est = InversePropensityWeighting(normalize=normalize, clip=clip, trim=trim)
    p = _problem(frame(2, strength=2.5))
    rng = np.random.default_rng(1)
    cut = p.x[:, 0] > np.median(p.x[:, 0])
    problems = [
        p,
        replace(p, t=p.t[rng.permutation(p.n)]),
        p.take(np.sort(rng.permutation(p.n)[:400])),                   # another shape
        replace(p, y=p.y + 1.0),                                       # same x and t as p
        replace(p, t=np.ones_like(p.t)),                               # one group only
        replace(p, x=p.x[:, :1], x_names=p.x_names[:1], t=cut.astype(p.t.dtype)),  # separated
        replace(p, t=cut.astype(p.t.dtype)),                           # scores of 0 or 1
    ]
    batched = est._intervals(problems, target=target, alpha=0.1)
    for q, (cell, err) in zip(problems, batched, strict=True):
        alone = _error(lambda q=q: est._estimate(q, target=target, alpha=0.1, rng=rng))
        assert err == alone
        if alone is None:
            full = est._estimate(q, target=target, alpha=0.1, rng=rng)
            np.testing.assert_allclose(cell, (full.value, full.ci_low, full.ci_high,
                                              full.p_value), rtol=RTOL, atol=0)
        else:
            assert np.isnan(cell).all()
    assert [e is None for _, e in batched][:5] == [True, True, True, True, False]
    assert batched[5][1] is not None and batched[6][1] is not None


def test_the_batched_grid_ignores_n_jobs_and_starts_no_worker(monkeypatch):
    import joblib

    df = frame(1, n=300)
    est = cc.estimate(df, IDENT, method="ipw")
    one = cc.refute(df, IDENT, est, method="unobserved_common_cause", n_grid=3)
    monkeypatch.setattr(joblib, "Parallel", lambda *a, **k: pytest.fail("a worker pool"))
    two = cc.refute(df, IDENT, est, method="unobserved_common_cause", n_grid=3, n_jobs=2)
    assert one.to_dict() == two.to_dict()
