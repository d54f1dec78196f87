"""Placebo treatment: shuffle the treatment so it can have no effect; the effect should vanish.

The treatment column is permuted (for an instrumental-variable estimate the instruments are
permuted with it, row for row, so the first stage stays strong while every link to the
outcome is cut). The re-estimated effects should centre on 0; the p-value asks whether 0 is
a typical value among them.

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
>>> res.passed, bool(abs(res.simulated.mean()) < 0.1)
(True, True)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._context import RefitContext
from ._simulation import SimulationRefuter
from .base import register_refuter

__all__ = ["PlaceboTreatment"]


@register_refuter
class PlaceboTreatment(SimulationRefuter):
    """Permute the treatment (and the instruments with it); reference value 0.

    No parameters.
    """

    name = "placebo_treatment"
    label = "Placebo treatment"
    description = ("Shuffles the treatment (for IV, together with the instrument) so that it "
                   "cannot have an effect; the re-estimated effects should centre on 0.")
    reference = "zero"
    order = 1
    action = "Shuffling the treatment"

    def __init__(self) -> None:
        pass

    def one(self, ctx: RefitContext, rng: np.random.Generator) -> float:
        p = ctx.problem
        perm = rng.permutation(p.n)
        z = p.z[perm] if ctx.kind == "iv" else p.z
        return ctx.value(replace(p, t=p.t[perm], z=z), rng)

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        perms = np.stack([r.permutation(ctx.problem.n) for r in rngs])
        return self.ols(ctx).placebo(perms) * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        what = "the treatment and the instrument together" if ctx.kind == "iv" else "the treatment"
        return (f"Shuffling {what} removes any causal effect, so the estimates on shuffled data "
                "centre on 0; the test asks whether 0 is a typical value among them.")

    def verdict_pass(self, ctx: RefitContext) -> str:
        return "the method finds no effect where there is none, as it should."

    def verdict_fail(self, ctx: RefitContext) -> str:
        return ("the method finds an effect even of a meaningless treatment, so the original "
                "estimate may come from the method or the data rather than from the treatment.")
