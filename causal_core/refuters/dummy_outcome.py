"""Dummy outcome: replace the outcome with one the treatment cannot affect; effect ~ 0.

The dummy outcome is ``g(X) + e_π``: ``g(X)`` the covariate part of a linear fit of the
outcome on treatment and covariates (the estimator's covariates and the graph's back-door
adjustment set), ``e_π`` that fit's residuals shuffled. It keeps the
covariates' influence on the outcome (so a method that fails to adjust for them finds a
spurious effect) but has no effect of the treatment by construction. The estimates should
centre on 0; the p-value asks whether 0 is a typical value among them.

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
>>> refute(df, ident, est, method="dummy_outcome", n_simulations=50).passed
True
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..estimators.prepare import encode_columns
from ._context import RefitContext
from ._simulation import SimulationRefuter
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

    def one(self, ctx: RefitContext, rng: np.random.Generator) -> float:
        g, e = ctx.cache["dummy"]
        perm = rng.permutation(ctx.problem.n)
        return ctx.value(replace(ctx.problem, y=g + e[perm]), rng)

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        perms = np.stack([r.permutation(ctx.problem.n) for r in rngs])
        return self.ols(ctx).dummy_outcome(*ctx.cache["dummy"], perms) * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return ("An outcome made of the covariates' contribution plus shuffled residuals has no "
                "effect of the treatment, so the estimates on it centre on 0; the test asks "
                "whether 0 is a typical value among them.")

    def verdict_pass(self, ctx: RefitContext) -> str:
        return "the method finds no effect on an outcome the treatment cannot affect."

    def verdict_fail(self, ctx: RefitContext) -> str:
        return ("the method finds an effect on an outcome the treatment cannot affect: it does "
                "not fully remove the covariates' influence (misspecified model or poor overlap).")
