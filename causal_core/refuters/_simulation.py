"""The template every simulation refuter follows.

A simulation refuter modifies the problem ``n_simulations`` times (each time drawing only
from its own random generator), re-estimates, and compares the simulated estimates with a
reference value by the midpoint-percentile p-value. Subclasses provide ``one`` (modify and
re-run the estimator once) and, for regression estimates, ``batch`` (the same simulations
as batched least squares, identical up to rounding).

Examples
--------
>>> from causal_core.refuters._simulation import fmt
>>> fmt(0.000123456), fmt(1234.5678)
('0.0001235', '1235')
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..exceptions import CausalCoreError, EstimationError
from . import _ols
from ._context import Progress, RefitContext, check_failures, run_simulations
from ._ols import OLSParts, ols_parts
from .base import RefutationResult, Refuter, midpoint_p_value

__all__ = ["SimulationRefuter", "fmt"]


def fmt(x: float) -> str:
    """A number for a sentence: four significant digits."""
    return f"{x:.4g}"


class SimulationRefuter(Refuter):
    """Base of the refuters that re-estimate on many randomly modified data sets."""

    #: Words for the explanation: what was done to the data.
    action: str = ""

    # ------------------------------------------------------------------ to override
    def check(self, ctx: RefitContext) -> None:
        """Validate parameters and applicability; raise :class:`EstimationError`."""
        check_applicable(self, ctx)

    def prepare(self, ctx: RefitContext) -> None:
        """Compute what every simulation shares (stored on ``ctx``)."""

    def one(self, ctx: RefitContext, rng: np.random.Generator) -> float:
        """One simulated estimate (the generic path: modify the problem, re-run the estimator)."""
        raise NotImplementedError

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        """The same simulations as ``one``, vectorised for regression estimates."""
        raise NotImplementedError

    def has_batch(self, ctx: RefitContext) -> bool:
        """Whether :meth:`batch` applies to this context."""
        return ctx.ols_fast

    def null_hypothesis(self, ctx: RefitContext) -> str:
        """What the test assumes, in words."""
        raise NotImplementedError

    # ------------------------------------------------------------------ shared
    @staticmethod
    def ols(ctx: RefitContext) -> OLSParts:
        """The regression pieces every batched simulation reuses (computed once per context)."""
        if "ols" not in ctx.cache:
            p = ctx.problem
            ctx.cache["ols"] = ols_parts(p.t, p.y, p.x)
        return ctx.cache["ols"]

    def reference_value(self, ctx: RefitContext) -> float:
        """0 for refuters that remove the effect; the original estimate otherwise."""
        return 0.0 if self.reference == "zero" else float(ctx.estimate.value)

    def explain(self, ctx: RefitContext, sims: np.ndarray, ref: float, p: float,
                passed: bool) -> str:
        """One plain sentence with the numbers."""
        a = ctx.estimate.alpha
        lo, hi = np.quantile(sims, [a / 2, 1 - a / 2])
        lvl = f"{100 * (1 - a):.10g}%"
        head = (f"{self.action} {len(sims)} times gave estimates averaging {fmt(sims.mean())} "
                f"({lvl} between {fmt(lo)} and {fmt(hi)}), against "
                + ("the expected 0" if self.reference == "zero"
                   else f"the original estimate {fmt(ref)}")
                + f" (p = {p:.2f}): ")
        return head + (self.verdict_pass(ctx) if passed else self.verdict_fail(ctx))

    def verdict_pass(self, ctx: RefitContext) -> str:
        """End of the explanation when the refuter finds no problem."""
        return "no sign of a problem."

    def verdict_fail(self, ctx: RefitContext) -> str:
        """End of the explanation when it does."""
        return "the estimate did not hold up."

    def run(self, ctx: RefitContext, *, n_simulations: int, rng: np.random.Generator,
            progress: Any, n_jobs: int) -> RefutationResult:
        """Simulate, test and describe (see the module docstring)."""
        self.check(ctx)
        self.prepare(ctx)
        ctx.data = None  # not shipped to worker processes
        rngs = rng.spawn(n_simulations)
        fast = self.has_batch(ctx)
        values, errors = run_simulations(
            ctx, rngs, one=self.one, batch=self.batch if fast else None,
            batch_size=_ols.batch_size(ctx.problem.n), progress=Progress(progress, n_simulations),
            n_jobs=n_jobs,
        )
        warnings = [*ctx.notes, *check_failures(values, errors, self.name)]
        sims = values[np.isfinite(values)]
        ref = self.reference_value(ctx)
        p = midpoint_p_value(sims, ref)
        passed = bool(p >= ctx.estimate.alpha)
        return RefutationResult(
            method=self.name, label=self.label, estimator=ctx.estimate.method,
            treatment=ctx.estimate.treatment, outcome=ctx.estimate.outcome,
            original_value=float(ctx.estimate.value), reference_value=ref, simulated=sims,
            p_value=p, passed=passed, alpha=float(ctx.estimate.alpha),
            null_hypothesis=self.null_hypothesis(ctx),
            explanation=self.explain(ctx, sims, ref, p, passed),
            n_simulations=int(sims.size), params=self.get_params(), warnings=tuple(warnings),
        )


def check_applicable(ref: Refuter, ctx: RefitContext) -> None:
    """Raise a clear :class:`EstimationError` when ``ref`` does not apply to the estimate."""
    est = ctx.estimate
    if ctx.kind not in ref.estimands:
        raise EstimationError(
            f"The {ref.label.lower()} refuter does not apply to a {ctx.kind} estimate "
            f"({est.method_label}); it applies to {', '.join(ref.estimands)} estimates."
        )
    if ctx.problem.treatment_type not in ref.treatment_types:
        raise EstimationError(
            f"The {ref.label.lower()} refuter needs a {' or '.join(ref.treatment_types)} "
            f"treatment; {est.treatment!r} is {ctx.problem.treatment_type}."
        )
    if ref.needs_covariates and not ctx.uses_covariates:
        raise EstimationError(
            f"The {ref.label.lower()} refuter adds a covariate to the adjustment, but "
            f"{est.method_label} ({est.method}) does not adjust for covariates. Refute an "
            "estimate that adjusts (e.g. linear_regression, ipw, propensity_matching, aipw, "
            "iv_2sls), or use placebo_treatment, data_subset, bootstrap or dummy_outcome."
        )
    if ref.needs_covariates and not ctx.ols_fast and "covariate_ok" not in ctx.cache:
        p = ctx.problem
        extra = np.random.default_rng(0).standard_normal(p.n)
        try:
            ctx.refit(replace(p, x=np.column_stack([p.x, extra]), x_names=(*p.x_names, "probe")),
                      np.random.default_rng(0))
        except CausalCoreError as exc:
            raise EstimationError(
                f"The {ref.label.lower()} refuter adds a covariate to the adjustment, but "
                f"{est.method_label} ({est.method}) cannot take one: {exc}"
            ) from None
        ctx.cache["covariate_ok"] = True


def check_number(value: Any, name: str, low: float, high: float, *, integer: bool = False,
                 low_open: bool = False, high_open: bool = False) -> float:
    """Validate a numeric refuter parameter (bounds inclusive unless ``*_open``)."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kinds) and not isinstance(value, bool | np.bool_)
    if ok:
        v = float(value)
        ok = np.isfinite(v) and (v > low if low_open else v >= low) and (
            v < high if high_open else v <= high)
    if not ok:
        lb = "(" if low_open else "["
        hb = ")" if high_open else "]"
        kind = "an integer" if integer else "a number"
        raise EstimationError(f"{name} must be {kind} in {lb}{low:g}, {high:g}{hb}; got {value!r}.")
    return float(value)
