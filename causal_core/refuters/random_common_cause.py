"""Random common cause: add a covariate of pure noise; the estimate should not move.

An independent standard-normal column joins the adjustment set (for an instrumental-variable
estimate, the instruments' conditioning set) and the effect is re-estimated. A stability check:
the mean re-estimate's shift from the original, in the estimate's standard errors, is compared
with a tolerance stated up front (``tolerance_se``, default 1).

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
>>> res = refute(df, ident, est, method="random_common_cause", n_simulations=50)
>>> res.kind, res.verdict
('stability', 'stable')
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..estimators.prepare import Problem
from ._context import RefitContext
from ._simulation import StabilityRefuter
from .base import register_refuter

__all__ = ["RandomCommonCause"]

_NAME = "random common cause"


@register_refuter
class RandomCommonCause(StabilityRefuter):
    """Adjust additionally for an independent random covariate; how far does the estimate move?

    Parameters
    ----------
    tolerance_se : float
        The largest mean shift, in the estimate's standard errors, still called stable (1).

    Needs an estimator that adjusts for covariates.
    """

    name = "random_common_cause"
    label = "Random common cause"
    description = ("Adds a covariate of pure noise to the adjustment set; the estimate should "
                   "not move.")
    estimands = ("backdoor", "iv")
    needs_covariates = True
    order = 2
    action = "Adding a random covariate"
    question = "Does adjusting also for a covariate of pure noise move the estimate?"
    can_detect = ("An estimator that is fragile to what it adjusts for (e.g. matching that "
                  "degrades with one more covariate, or an unstable model fit).")
    cannot_detect = ("Confounding of any kind, measured or not: noise confounds nothing, so a "
                     "biased estimate stays just as biased.")

    def __init__(self, *, tolerance_se: float = 1.0) -> None:
        self.tolerance_se = tolerance_se

    def modified(self, ctx: RefitContext, rng: np.random.Generator) -> Problem:
        p = ctx.problem
        u = rng.standard_normal(p.n)
        return replace(p, x=np.column_stack([p.x, u]), x_names=(*p.x_names, _NAME))

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        u = np.column_stack([r.standard_normal(ctx.problem.n) for r in rngs])
        return self.ols(ctx).random_covariate(u) * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return ("A stable estimate moves by at most the tolerance (in its own standard errors) "
                "when a covariate of pure noise is also adjusted for.")
