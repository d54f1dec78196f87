"""Dummy outcome: replace the outcome with one the treatment cannot affect; effect ~ 0.

The dummy outcome is ``g(X) + e_π``: ``g(X)`` the covariate part of a linear fit of the
outcome on treatment and covariates (the estimator's covariates and the graph's back-door
adjustment set), ``e_π`` that fit's residuals shuffled. It keeps the
covariates' influence on the outcome (so a method that fails to adjust for them finds a
spurious effect) but has no effect of the treatment by construction.

The test (it can fail): is the mean dummy estimate ``m`` zero? Because ``g(X)`` is the same in
every simulation, ``m`` carries this data set's chance imbalance of the covariates between
treatment groups, which varies from data set to data set as much as the estimator's own
sampling error does. So ``m`` is judged against the estimate's standard error ``se`` (which
bounds that chance imbalance plus the permutation noise): ``z = m / se``, two-sided normal
p-value, failed when ``p < alpha``. A bias smaller than ``(z_{1−α/2} + z_{0.8}) · se``
(``details["detectable"]``) could go unseen; when that is larger than the estimate itself
the check is *inconclusive*.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.refuters import refute
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=1000); t = w + rng.normal(size=1000)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2 * t + w + rng.normal(size=1000)})
>>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
>>> est = cc.estimate(df, ident, method="linear_regression")
>>> refute(df, ident, est, method="dummy_outcome", n_simulations=50).verdict
'passed'
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from .. import fmt
from ..estimators.prepare import Problem, encode_columns
from ._context import RefitContext
from ._simulation import SimulationRefuter, detectable, estimate_se, falsification_verdict
from .base import register_refuter

__all__ = ["DummyOutcome"]


def _treatment_terms(t: np.ndarray, kind: str, n_levels: int) -> np.ndarray:
    if kind == "categorical":
        return (t[:, None] == np.arange(1, n_levels)[None, :]).astype(float)
    return t[:, None]


def _graph_covariates(ctx: RefitContext) -> np.ndarray:
    """The graph's back-door covariates that the estimator itself does not use (encoded)."""
    ident, p = ctx.identification, ctx.problem
    est = ident.estimand
    if est is not None and est.kind == "backdoor":
        cols = list(est.adjustment_set)
    else:
        cols = list(ident.adjustment_sets[0]) if ident.adjustment_sets else []
    cols = [c for c in cols if c not in p.roles.covariates]
    data = ctx.data
    if not cols or data is None or p.n_dropped or any(c not in data.columns for c in cols):
        return np.zeros((p.n, 0))
    x, _, _ = encode_columns(data.loc[:, cols], "covariate")
    return x if np.isfinite(x).all() else np.zeros((p.n, 0))


@register_refuter
class DummyOutcome(SimulationRefuter):
    """Outcome replaced by covariate signal plus shuffled residuals; reference value 0.

    No parameters.
    """

    name = "dummy_outcome"
    label = "Dummy outcome"
    description = ("Replaces the outcome with one built from the covariates plus shuffled "
                   "noise, which the treatment cannot affect; the estimates should centre on 0.")
    reference = "zero"
    order = 5
    action = "Replacing the outcome with a dummy"
    question = ("Does the method find an effect on an outcome made only of the covariates' "
                "influence, which the treatment cannot affect?")
    can_detect = ("A method that does not fully remove the influence of the covariates it "
                  "adjusts for (a misspecified model, poor overlap).")
    cannot_detect = ("An unmeasured confounder: the dummy outcome is built from measured "
                     "covariates only.")

    def __init__(self) -> None:
        pass

    def prepare(self, ctx: RefitContext) -> None:
        p = ctx.problem
        if "dummy" not in ctx.cache:
            d = _treatment_terms(p.t, p.treatment_type, len(p.levels))
            base = np.column_stack([np.ones(p.n), p.x, _graph_covariates(ctx)])
            coef = np.linalg.lstsq(np.column_stack([base, d]), p.y, rcond=None)[0]
            g = base @ coef[: base.shape[1]]
            ctx.cache["dummy"] = (g, p.y - g - d @ coef[base.shape[1]:])

    def modified(self, ctx: RefitContext, rng: np.random.Generator) -> Problem:
        g, e = ctx.cache["dummy"]
        perm = rng.permutation(ctx.problem.n)
        return replace(ctx.problem, y=g + e[perm])

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        perms = np.stack([r.permutation(ctx.problem.n) for r in rngs])
        return self.ols(ctx).dummy_outcome(*ctx.cache["dummy"], perms) * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return ("On an outcome made of the covariates' contribution plus shuffled residuals, "
                "which the treatment cannot affect, the method's estimate is 0 up to its "
                "standard error.")

    def judge(self, ctx: RefitContext, sims: np.ndarray) -> dict[str, Any]:
        a = float(ctx.estimate.alpha)
        se = estimate_se(ctx, sims)
        mean = float(sims.mean())
        z = mean / se
        p = float(min(1.0, 2 * stats.norm.sf(abs(z))))
        seen = detectable(se, a)
        verdict = falsification_verdict(p, a, seen <= abs(float(ctx.estimate.value)))
        head = (f"{self.action} {fmt.count(sims.size)} times gave estimates averaging "
                f"{fmt.number(mean)}, {fmt.number(abs(z), 2)} standard errors from 0 "
                f"(p = {fmt.pvalue(p)})")
        if verdict == "failed":
            text = (f"{head}: the method finds an effect on an outcome the treatment cannot "
                    "affect, so it does not fully remove the covariates' influence.")
        elif verdict == "passed":
            text = f"{head}: no effect where there is none, as it should."
        else:
            text = (f"{head}, as it should; but a bias up to {fmt.number(seen)} could go unseen, "
                    f"more than the estimate {fmt.number(ctx.estimate.value)} itself, so the "
                    "check is inconclusive.")
        return {
            "p_value": p, "verdict": verdict, "explanation": text,
            "details": {"dummy_mean": mean, "statistic": z, "se": se, "detectable": seen},
            "next_step": ("Model the covariates more flexibly (another estimator, interactions, "
                          "splines) or check the overlap of treated and untreated." if verdict == "failed"
                          else "Collect more data or use a more precise estimator."),
        }
