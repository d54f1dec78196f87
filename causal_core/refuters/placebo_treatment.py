"""Placebo treatment: shuffle the treatment so it can have no effect; the effect should vanish.

The treatment column is permuted (for an instrumental-variable estimate the instruments are
permuted with it, row for row, so the first stage stays strong while every link to the
outcome is cut). Two questions, answered by the same placebo estimates ``s_1 .. s_S``:

* **the test** (it can fail): do the placebo estimates centre on 0, as they must for a method
  that finds no effect where there is none? Monte-Carlo noise alone would make a plain test of
  a zero mean fail in 5 % of runs of a perfect method, so the null hypothesis allows a bias up
  to a tolerance stated up front, ``δ = tolerance_sd · sd(s)`` (a quarter of the placebo
  spread): ``p = P(T_{S−1} > (|mean(s)| − δ) / (sd(s)/√S))``, the level-α test of
  ``|bias| ≤ δ``. Its false-alarm rate is at most α (far less for an unbiased method).
* **where the estimate stands**: the original estimate against the placebo distribution (the
  null distribution of the estimator when the treatment does nothing), the permutation
  p-value ``(1 + #{|s_i| ≥ |estimate|}) / (S + 1)``. When the estimate is no bigger than what
  a shuffled treatment gives, the check is *inconclusive*: it cannot tell the estimate from
  noise, and the smallest estimate it could have told apart is the ``1 − alpha`` quantile of
  ``|s_i|`` (``details["detectable"]``).

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
>>> res = refute(df, ident, est, method="placebo_treatment", n_simulations=50)
>>> res.verdict, res.kind, bool(abs(res.simulated.mean()) < 0.1)
('passed', 'falsification', True)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from .. import fmt
from ..estimators.prepare import Problem
from ._context import RefitContext
from ._simulation import SimulationRefuter, check_number, falsification_verdict
from .base import register_refuter

__all__ = ["PlaceboTreatment"]


@register_refuter
class PlaceboTreatment(SimulationRefuter):
    """Permute the treatment (and the instruments with it); the placebo estimates must centre on 0.

    Parameters
    ----------
    tolerance_sd : float
        The bias allowed under the null hypothesis, in standard deviations of the placebo
        estimates (0.25).
    """

    name = "placebo_treatment"
    label = "Placebo treatment"
    description = ("Shuffles the treatment (for IV, together with the instrument) so that it "
                   "cannot have an effect; the re-estimated effects should centre on 0.")
    reference = "zero"
    order = 1
    action = "Shuffling the treatment"
    question = "Does the method find an effect of a treatment that cannot have one?"
    can_detect = ("A method that manufactures effects: a bug, leakage of the outcome into the "
                  "covariates, or a bias built into the estimator.")
    cannot_detect = ("Confounding, measured or not: shuffling the treatment removes the "
                     "confounding too, so a biased estimate passes.")

    def __init__(self, *, tolerance_sd: float = 0.25) -> None:
        self.tolerance_sd = tolerance_sd

    def modified(self, ctx: RefitContext, rng: np.random.Generator) -> Problem:
        p = ctx.problem
        perm = rng.permutation(p.n)
        z = p.z[perm] if ctx.kind == "iv" else p.z
        return replace(p, t=p.t[perm], z=z)

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        perms = np.stack([r.permutation(ctx.problem.n) for r in rngs])
        return self.ols(ctx).placebo(perms) * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        what = "the treatment and the instrument together" if ctx.kind == "iv" else "the treatment"
        return (f"With {what} shuffled, the method's estimates centre on 0, within "
                f"{fmt.number(float(self.tolerance_sd))} of their standard deviation (it finds no "
                "effect where there is none).")

    def judge(self, ctx: RefitContext, sims: np.ndarray) -> dict[str, Any]:
        tol = check_number(self.tolerance_sd, "tolerance_sd", 0.0, 10.0)
        a, n = float(ctx.estimate.alpha), sims.size
        mean, sd = float(sims.mean()), float(sims.std(ddof=1))
        mc_se = sd / np.sqrt(n)
        excess = abs(mean) - tol * sd
        t = excess / mc_se if mc_se > 0 else (-np.inf if excess <= 0 else np.inf)
        p = float(min(1.0, stats.t.sf(t, n - 1)))
        orig = abs(float(ctx.estimate.value))
        p_est = float((1 + np.count_nonzero(np.abs(sims) >= orig)) / (n + 1))
        seen = float(np.quantile(np.abs(sims), 1 - a))
        verdict = falsification_verdict(p, a, p_est < a)
        head = (f"{self.action} {fmt.count(n)} times gave placebo estimates averaging "
                f"{fmt.number(mean)} (spread {fmt.number(sd)}); the test of a centre within "
                f"±{fmt.number(tol * sd)} of 0 gives p = {fmt.pvalue(p)}")
        if verdict == "failed":
            text = (f"{head}: the method finds an effect even of a meaningless treatment, so the "
                    "estimate may come from the method or the data rather than the treatment.")
        elif verdict == "passed":
            text = (f"{head}, as it should; the estimate {fmt.number(ctx.estimate.value)} stands "
                    f"clear of the placebo estimates (permutation p = {fmt.pvalue(p_est)}).")
        else:
            text = (f"{head}, as it should; but the estimate {fmt.number(ctx.estimate.value)} is "
                    f"no larger than what a shuffled treatment gives (permutation p = "
                    f"{fmt.pvalue(p_est)}; only estimates beyond ±{fmt.number(seen)} stand out), "
                    "so the check cannot tell it from noise.")
        return {
            "p_value": p, "verdict": verdict, "explanation": text,
            "details": {"placebo_mean": mean, "placebo_sd": sd, "statistic": t,
                        "tolerance": tol * sd,
                        "estimate_p": p_est, "detectable": seen},
            "next_step": ("Check the estimator and its inputs: a covariate that is a consequence "
                          "of the outcome, a data leak, or an estimator setting that builds in "
                          "an effect." if verdict == "failed" else
                          "Collect more data or use a more precise estimator; until then the "
                          "estimate cannot be told from chance."),
        }
