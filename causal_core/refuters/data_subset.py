"""Data subset: re-estimate on random subsets of the rows; the estimate should be stable.

Each simulation keeps ``round(fraction · n)`` rows drawn without replacement. A stability
check: the mean subset estimate's shift from the original, in the estimate's standard errors,
is compared with a tolerance stated up front (``tolerance_se``, default 1).

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
>>> refute(df, ident, est, method="data_subset", n_simulations=50, fraction=0.7).verdict
'stable'
"""

from __future__ import annotations

import numpy as np

from ..estimators.prepare import Problem
from ..exceptions import EstimationError
from ._context import RefitContext
from ._ols import gram_parts
from ._simulation import StabilityRefuter, check_applicable, check_number
from .base import register_refuter

__all__ = ["DataSubset"]


@register_refuter
class DataSubset(StabilityRefuter):
    """Re-estimate on random subsets of the rows; how far does the estimate move?

    Parameters
    ----------
    fraction : float
        Share of the rows each subset keeps, in (0, 1). Default 0.8.
    tolerance_se : float
        The largest mean shift, in the estimate's standard errors, still called stable (1).
    """

    name = "data_subset"
    label = "Data subset"
    description = "Re-estimates on random subsets of the rows; the estimate should be stable."
    order = 3
    question = "Does the estimate hold on random subsets of the rows?"
    can_detect = ("An estimate that depends on which rows are used, or an estimator that is "
                  "biased in smaller samples.")
    cannot_detect = ("Confounding or a wrong graph: every subset carries the same bias as the "
                     "whole data set.")

    def __init__(self, *, fraction: float = 0.8, tolerance_se: float = 1.0) -> None:
        self.fraction = fraction
        self.tolerance_se = tolerance_se

    @property
    def action(self) -> str:  # type: ignore[override]
        return f"Re-estimating on random {100 * float(self.fraction):.0f}% subsets"

    def _m(self, n: int) -> int:
        return int(round(float(self.fraction) * n))

    def check(self, ctx: RefitContext) -> None:
        check_applicable(self, ctx)
        check_number(self.fraction, "fraction", 0.0, 1.0, low_open=True, high_open=True)
        m = self._m(ctx.problem.n)
        if m < 10:
            raise EstimationError(
                f"fraction={self.fraction} keeps {m} of {ctx.problem.n} rows: too few to "
                "re-estimate. Use a larger fraction (e.g. 0.8)."
            )

    def prepare(self, ctx: RefitContext) -> None:
        if ctx.ols_fast and "gram" not in ctx.cache:
            p = ctx.problem
            ctx.cache["gram"] = gram_parts(p.t, p.y, p.x)

    def modified(self, ctx: RefitContext, rng: np.random.Generator) -> Problem:
        p = ctx.problem
        keep = np.sort(rng.permutation(p.n)[: self._m(p.n)])
        return p.take(keep)

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        g, n = ctx.cache["gram"], ctx.problem.n
        m = self._m(n)
        out = np.empty(len(rngs))
        for i, r in enumerate(rngs):
            perm = r.permutation(n)
            if m >= n - m:
                out[i] = g.subset(perm[m:])
            else:
                zk = g.z[perm[:m]]
                out[i] = g.beta(zk.T @ zk)
        return out * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return (f"A stable estimate, re-estimated on random {100 * float(self.fraction):.0f}% "
                "subsets of the rows, moves on average by at most the tolerance (in its own "
                "standard errors).")
