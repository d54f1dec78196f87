"""The template every simulation refuter follows, and the two ways such a check is judged.

A simulation refuter modifies the problem ``n_simulations`` times (each time drawing only
from its own random generator), re-estimates, and judges the simulated estimates. Subclasses
provide ``one`` (modify and re-run the estimator once) and, for regression estimates,
``batch`` (the same simulations as batched least squares, identical up to rounding).

Two judgements, never mixed:

* :class:`StabilityRefuter` (random common cause, data subset, bootstrap): the *shift* of
  the mean re-estimate from the original, in the estimate's own standard errors and in percent,
  against a tolerance stated up front (``tolerance_se``, default 1 SE). No p-value: nothing is
  being tested, only measured. The sentence is made by :func:`stability_sentence` from that
  same shift.
* falsification tests (placebo, dummy outcome) test a null hypothesis whose p-value is
  uniform when the model is right: they do **not** ask where the reference value sits among
  the re-estimates (it sits in their middle by construction, so such p-values pile up near 1).

Examples
--------
>>> from causal_core.refuters._simulation import detectable
>>> round(detectable(1.0, 0.05), 2)
2.8
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from scipy import stats

from .. import fmt
from ..estimators.prepare import Problem
from ..exceptions import CausalCoreError, EstimationError
from . import _ols
from ._context import Progress, RefitContext, check_failures, run_simulations
from ._ols import OLSParts, ols_parts
from .base import RefutationResult, Refuter, result_from_fields

__all__ = ["SimulationRefuter", "StabilityRefuter", "stability_shift", "stability_sentence",
           "detectable",
           "falsification_verdict", "POWER"]

#: The power at which the smallest detectable effect of a falsification test is stated.
POWER = 0.8


def detectable(se: float, alpha: float, power: float = POWER) -> float:
    """The smallest true effect a two-sided z-test with standard error ``se`` detects with
    probability ``power``: ``(z_{1−α/2} + z_power) · se``.

    >>> round(detectable(1.0, 0.05), 2)
    2.8
    """
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


def falsification_verdict(p: float, alpha: float, powered: bool) -> str:
    """``"failed"`` when ``p < alpha``; else ``"passed"`` if the test had the power that
    matters, ``"inconclusive"`` if not."""
    if p < alpha:
        return "failed"
    return "passed" if powered else "inconclusive"


def stability_shift(original: float, sims: np.ndarray, se: float,
                    tolerance_se: float) -> dict[str, float]:
    """How far the mean re-estimate moved from ``original``: the numbers a stability check's
    verdict and sentence are both made from.

    ``shift_se`` is rounded to the two significant digits the sentence shows, and ``stable``
    is ``|shift_se| <= tolerance_se`` on that shown value, so the two can never disagree.
    """
    shift = float(np.mean(sims) - original)
    if abs(shift) <= 1e-9 * max(abs(original), 1.0):  # rounding, not a move
        shift = 0.0
    raw = shift / se if math.isfinite(se) and se > 0 else (0.0 if shift == 0 else float("inf"))
    shift_se = float(f"{raw:.2g}") if math.isfinite(raw) else raw
    spread = float(np.std(sims, ddof=1)) / se if math.isfinite(se) and se > 0 else float("nan")
    return {"original": float(original), "mean": float(np.mean(sims)), "shift": shift,
            "shift_se": shift_se, "shift_pct": shift / abs(original) if original else float("nan"),
            "spread_se": spread, "tolerance_se": float(tolerance_se), "se": float(se),
            "stable": float(abs(shift_se) <= tolerance_se)}


def stability_sentence(action: str, n: int, d: dict[str, float]) -> str:
    """The stability check's sentence, generated from :func:`stability_shift`'s numbers.

    >>> d = stability_shift(32.74, np.array([31.0, 31.8]), 2.62, 1.0)
    >>> stability_sentence("Adding a random covariate", 2, d)  # doctest: +NORMALIZE_WHITESPACE
    'Adding a random covariate 2 times moved the estimate on average from 32.7 to 31.4 (0.51 of
    its standard error, 4.1 %; the re-estimates scatter by 0.22 SE), within the tolerance of 1 SE
    stated up front: the estimate is stable.'
    """
    stable = abs(d["shift_se"]) <= d["tolerance_se"]
    pct = fmt.percent(abs(d["shift_pct"]), 2) if math.isfinite(d["shift_pct"]) else "n/a %"
    shown = fmt.number(abs(d["shift_se"]), 2) if math.isfinite(d["shift_se"]) else "n/a"
    where = "within" if stable else "beyond"
    end = "the estimate is stable." if stable else "the estimate is not stable."
    return (f"{action} {fmt.count(n)} times moved the estimate on average from "
            f"{fmt.number(d['original'])} to {fmt.number(d['mean'])} ({shown} of its standard "
            f"error, {pct}; the re-estimates scatter by {fmt.number(d['spread_se'], 2)} SE), "
            f"{where} the tolerance of {fmt.number(d['tolerance_se'])} SE stated up front: {end}")


class SimulationRefuter(Refuter):
    """Base of the checks that re-estimate on many randomly modified data sets."""

    #: Words for the explanation: what was done to the data.
    action: str = ""

    # ------------------------------------------------------------------ to override
    def check(self, ctx: RefitContext) -> None:
        """Validate parameters and applicability; raise :class:`EstimationError`."""
        check_applicable(self, ctx)

    def prepare(self, ctx: RefitContext) -> None:
        """Compute what every simulation shares (stored on ``ctx``)."""

    def modified(self, ctx: RefitContext, rng: np.random.Generator) -> Problem:
        """One simulation's modified problem, drawn from ``rng`` alone."""
        raise NotImplementedError

    def one(self, ctx: RefitContext, rng: np.random.Generator) -> float:
        """One simulated estimate (the generic path: modify the problem, re-run the estimator)."""
        return ctx.value(self.modified(ctx, rng), rng)

    def batch(self, ctx: RefitContext, rngs: list[np.random.Generator]) -> np.ndarray:
        """The same simulations as ``one``, vectorised for regression estimates."""
        raise NotImplementedError

    def has_batch(self, ctx: RefitContext) -> bool:
        """Whether :meth:`batch` applies to this context."""
        return ctx.ols_fast

    def null_hypothesis(self, ctx: RefitContext) -> str:
        """What the check assumes, in words."""
        raise NotImplementedError

    def _modify(self) -> Any:
        """:meth:`modified` when this check defines it and keeps :meth:`one` as the base's."""
        mine = type(self)
        if mine.modified is SimulationRefuter.modified or mine.one is not SimulationRefuter.one:
            return None
        return self.modified

    def judge(self, ctx: RefitContext, sims: np.ndarray) -> dict[str, Any]:
        """``p_value``, ``verdict``, ``details``, ``explanation`` and ``next_step``."""
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

    def run(self, ctx: RefitContext, *, n_simulations: int, rng: np.random.Generator,
            progress: Any, n_jobs: int) -> RefutationResult:
        """Simulate, judge and describe (see the module docstring)."""
        self.check(ctx)
        self.prepare(ctx)
        ctx.data = None  # not shipped to worker processes
        rngs = rng.spawn(n_simulations)
        fast = self.has_batch(ctx)
        values, errors = run_simulations(
            ctx, rngs, one=self.one, batch=self.batch if fast else None,
            batch_size=_ols.batch_size(ctx.problem.n), progress=Progress(progress, n_simulations),
            n_jobs=n_jobs, modify=self._modify(),
        )
        warnings = [*ctx.notes, *check_failures(values, errors, self.name)]
        sims = values[np.isfinite(values)]
        if sims.size < 2:
            raise EstimationError(f"The {self.label.lower()} check needs at least 2 simulated "
                                  "estimates; use more simulations.")
        verdict = self.judge(ctx, sims)
        return make_result(self, ctx, sims, verdict, warnings)


def make_result(ref: Refuter, ctx: RefitContext, sims: np.ndarray, judged: dict[str, Any],
                warnings: list[str]) -> RefutationResult:
    """The result object of ``ref``'s kind from a judgement (see :meth:`~SimulationRefuter.judge`)."""
    est = ctx.estimate
    verdict = judged["verdict"]
    passed = None if ref.kind == "sensitivity" else verdict in ("passed", "inconclusive", "stable")
    reference = judged.get("reference")
    return result_from_fields(
        method=ref.name, label=ref.label, estimator=est.method, treatment=est.treatment,
        outcome=est.outcome, original_value=float(est.value),
        reference_value=float(ref.reference_value(ctx) if reference is None else reference),
        simulated=sims, p_value=judged.get("p_value"), passed=passed, alpha=float(est.alpha),
        null_hypothesis=judged.get("null_hypothesis") or ref.null_hypothesis(ctx),
        explanation=judged["explanation"], n_simulations=int(judged.get("n", sims.size)),
        params=ref.get_params(), warnings=tuple(warnings), kind=ref.kind, verdict=verdict,
        question=ref.question, can_detect=ref.can_detect, cannot_detect=ref.cannot_detect,
        next_step=judged.get("next_step", "") if verdict not in ("passed", "stable") else "",
        details={k: float(v) for k, v in judged.get("details", {}).items()},
        surface=judged.get("surface"),
    )


def estimate_se(ctx: RefitContext, sims: np.ndarray) -> float:
    """The estimate's own standard error (the simulations' spread when it has none)."""
    se = float(ctx.estimate.se)
    if not math.isfinite(se) or se <= 0:
        se = float(np.std(sims, ddof=1))
    return se if se > 0 else float("nan")


class StabilityRefuter(SimulationRefuter):
    """A stability check: how far the mean re-estimate moves, in standard errors."""

    kind = "stability"
    unstable_next: str = ("Look at what drives the estimate (outliers, small groups, poor "
                          "overlap) before relying on its exact size.")

    def tolerance(self) -> float:
        """The tolerance in standard errors (validated)."""
        return check_number(getattr(self, "tolerance_se", 1.0), "tolerance_se", 0.0, 100.0,
                            low_open=True)

    def reference_value(self, ctx: RefitContext) -> float:
        return float(ctx.estimate.value)

    def judge(self, ctx: RefitContext, sims: np.ndarray) -> dict[str, Any]:
        d = stability_shift(float(ctx.estimate.value), sims, estimate_se(ctx, sims),
                            self.tolerance())
        return {
            "p_value": None, "verdict": "stable" if d["stable"] else "unstable",
            "details": d, "explanation": stability_sentence(self.action, sims.size, d),
            "next_step": self.unstable_next,
        }


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
