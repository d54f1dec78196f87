"""Bootstrap: re-estimate on resamples of the rows, optionally with measurement noise.

Each simulation draws ``n`` rows with replacement. With ``noise > 0`` it also adds normal
noise of standard deviation ``noise × sd(column)`` to the chosen covariates (default: every
numeric covariate), mimicking measurement error: an estimate that needs its covariates
measured exactly then moves away from the original. A stability check: the mean bootstrap
estimate's shift from the original (the bootstrap estimate of bias), in the estimate's standard
errors, is compared with a tolerance stated up front (``tolerance_se``, default 1).

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
>>> refute(df, ident, est, method="bootstrap", n_simulations=50).verdict
'stable'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .. import fmt
from ..estimators.prepare import Problem
from ..exceptions import EstimationError
from ._context import RefitContext
from ._ols import gram_parts, raw_design
from ._simulation import StabilityRefuter, check_applicable, check_number
from .base import register_refuter

__all__ = ["Bootstrap"]


@register_refuter
class Bootstrap(StabilityRefuter):
    """Resample rows with replacement, optionally adding noise to covariates.

    Parameters
    ----------
    noise : float
        Standard deviation of the added noise as a multiple of each noisy column's standard
        deviation (0 = plain bootstrap, the default).
    noisy_columns : list of str, optional
        Covariates that receive the noise; default: every numeric covariate.
    tolerance_se : float
        The largest mean shift, in the estimate's standard errors, still called stable (1).
    """

    name = "bootstrap"
    label = "Bootstrap"
    description = ("Re-estimates on resamples of the rows, optionally with measurement noise on "
                   "chosen covariates; the estimate should be stable.")
    order = 4
    question = ("Does the estimate hold when the rows are resampled (and, with noise, when the "
                "covariates are measured less exactly)?")
    can_detect = ("An estimator biased in finite samples (the bootstrap estimate of bias), and, "
                  "with noise, an estimate that needs its covariates measured exactly.")
    cannot_detect = ("Confounding or a wrong graph: every resample carries the same bias as the "
                     "data.")

    def __init__(self, *, noise: float = 0.0, noisy_columns: Sequence[str] | None = None,
                 tolerance_se: float = 1.0) -> None:
        self.noise = noise
        self.noisy_columns = noisy_columns
        self.tolerance_se = tolerance_se

    @property
    def action(self) -> str:  # type: ignore[override]
        if float(self.noise) > 0:
            return f"Resampling the rows with noise ({fmt.number(float(self.noise))} sd) on covariates"
        return "Resampling the rows"

    def check(self, ctx: RefitContext) -> None:
        check_applicable(self, ctx)
        check_number(self.noise, "noise", 0.0, 100.0)
        if float(self.noise) > 0:
            ctx.cache["noisy"] = self._noisy(ctx)

    def _noisy(self, ctx: RefitContext) -> np.ndarray:
        p = ctx.problem
        names = list(p.x_names)
        if not names:
            raise EstimationError(
                f"noise={self.noise} adds measurement noise to covariates, but the "
                f"{ctx.estimate.method_label} estimate uses none. Set noise=0."
            )
        cols = self.noisy_columns
        if cols is None:
            picked = [c for c in p.roles.covariates if c in names]
        else:
            picked = [cols] if isinstance(cols, str) else [str(c) for c in cols]
        for c in picked:
            if c not in p.roles.covariates:
                raise EstimationError(
                    f"noisy_columns names {c!r}, which is not a covariate of this estimate; its "
                    f"covariates are {list(p.roles.covariates)}."
                )
            if c not in names:
                raise EstimationError(
                    f"Covariate {c!r} is categorical (one-hot encoded); noise applies to numeric "
                    "covariates only. Leave it out of noisy_columns."
                )
        if not picked:
            raise EstimationError("No numeric covariate to add noise to; set noise=0.")
        return np.array([names.index(c) for c in picked], dtype=int)

    def prepare(self, ctx: RefitContext) -> None:
        p = ctx.problem
        if "noisy" in ctx.cache:
            ctx.cache["noise_sd"] = float(self.noise) * p.x[:, ctx.cache["noisy"]].std(axis=0)
        if ctx.ols_fast and "gram" not in ctx.cache:
            ctx.cache["gram"] = gram_parts(p.t, p.y, p.x)
            ctx.cache["raw"] = raw_design(p.t, p.y, p.x)

    def modified(self, ctx: RefitContext, rng: np.random.Generator) -> Problem:
        p = ctx.problem
        idx = rng.integers(0, p.n, size=p.n)
        q = p.take(idx)
        if "noise_sd" in ctx.cache:
            cols = ctx.cache["noisy"]
            x = q.x.copy()
            x[:, cols] += rng.standard_normal((p.n, cols.size)) * ctx.cache["noise_sd"]
            q = replace(q, x=x)
        return q

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        g, raw, n = ctx.cache["gram"], ctx.cache["raw"], ctx.problem.n
        out = np.empty(len(rngs))
        for i, r in enumerate(rngs):
            idx = r.integers(0, n, size=n)
            if "noise_sd" in ctx.cache:
                cols = ctx.cache["noisy"]
                zr = raw[idx]
                zr[:, 2 + cols] += r.standard_normal((n, cols.size)) * ctx.cache["noise_sd"]
                out[i] = g.weighted(np.ones(n), g.standardize(zr))
            else:
                out[i] = g.weighted(np.bincount(idx, minlength=n).astype(float))
        return out * ctx.scale

    def null_hypothesis(self, ctx: RefitContext) -> str:
        extra = ""
        if float(self.noise) > 0:
            extra = (f" with noise of {fmt.number(float(self.noise))} standard deviations added "
                     "to the covariates")
        return (f"A stable estimate, re-estimated on resamples of the rows{extra}, moves on "
                "average by at most the tolerance (in its own standard errors).")
