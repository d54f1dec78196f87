"""Random common cause: add a covariate of pure noise; the estimate should not move.

An independent standard-normal column joins the adjustment set (for an instrumental-variable
estimate, the instruments' conditioning set) and the effect is re-estimated. The p-value
asks whether the original estimate is a typical value among the re-estimates.

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
>>> refute(df, ident, est, method="random_common_cause", n_simulations=50).passed
True
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._context import RefitContext
from ._simulation import SimulationRefuter
from .base import register_refuter

__all__ = ["RandomCommonCause"]

_NAME = "random common cause"


@register_refuter
class RandomCommonCause(SimulationRefuter):
    """Adjust additionally for an independent random covariate; reference: the estimate.

    No parameters. Needs an estimator that adjusts for covariates.
    """

    name = "random_common_cause"
    label = "Random common cause"
    description = ("Adds a covariate of pure noise to the adjustment set; the estimate should "
                   "not move.")
    estimands = ("backdoor", "iv")
    needs_covariates = True
    order = 2
    action = "Adding a random covariate"

    def __init__(self) -> None:
        pass

    def one(self, ctx: RefitContext, rng: np.random.Generator) -> float:
        p = ctx.problem
        u = rng.standard_normal(p.n)
        return ctx.value(replace(p, x=np.column_stack([p.x, u]), x_names=(*p.x_names, _NAME)),
                         rng)

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        u = np.column_stack([r.standard_normal(ctx.problem.n) for r in rngs])
        return self.ols(ctx).random_covariate(u) * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return ("Adjusting also for a covariate that is pure noise leaves the estimate "
                "unchanged; the test asks whether the original estimate is a typical value "
                "among the re-estimates.")

    def verdict_pass(self, ctx: RefitContext) -> str:
        return "an irrelevant covariate does not move the estimate."

    def verdict_fail(self, ctx: RefitContext) -> str:
        return "an irrelevant covariate moves the estimate, so the estimate is unstable."
