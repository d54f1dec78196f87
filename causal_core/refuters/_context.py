"""Re-running "the same estimation": the refit context, progress and the simulation runner.

An :class:`~causal_core.estimators.EffectEstimate` records its method, its parameters and
the estimand it used (with the adjustment set, instruments or mediators). From these the
context rebuilds the estimator and the numeric problem once; refuters then modify the
problem's arrays (permute the treatment, add a column, take rows) and re-run the
estimator on them, without going through pandas again.

Examples
--------
>>> from causal_core.refuters._context import Progress
>>> seen = []
>>> p = Progress(seen.append, 4)
>>> p.advance(2); p.advance(2); p.finish()
>>> seen
[0.5, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..estimators import EffectEstimate
from ..estimators.base import Estimator, attempt, contrast, get_estimator_class
from ..estimators.prepare import Problem, prepare_problem
from ..exceptions import CausalCoreError, DataError, EstimationError, IdentificationError
from ..identify import Identification

__all__ = ["RefitContext", "build_context", "Progress", "run_simulations"]

_PROBE = "\x00probe-column\x00"
_BATCH_SIMULATIONS = 25  # simulations modified and valued together (progress after each)


@dataclass
class RefitContext:
    """Everything a refuter needs to re-run the estimation that produced ``estimate``."""

    identification: Identification
    estimate: EffectEstimate
    estimator: Estimator
    problem: Problem
    uses_covariates: bool
    ols_fast: bool
    scale: float
    notes: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)
    data: pd.DataFrame | None = None

    @property
    def kind(self) -> str:
        """The estimand kind of the estimate: backdoor, frontdoor or iv."""
        return self.estimate.estimand.kind

    def refit(self, problem: Problem, rng: np.random.Generator) -> EffectEstimate:
        """Run the estimator on a modified problem."""
        return self.estimator._estimate(
            problem, target=self.estimate.target, alpha=self.estimate.alpha, rng=rng
        )

    def value(self, problem: Problem, rng: np.random.Generator) -> float:
        """The point estimate on a modified problem: the estimator's value-only path when it
        has one (``_value``, equal to ``_estimate(...).value`` to the last bit), else a refit."""
        fast = getattr(self.estimator, "_value", None)
        if fast is not None:
            return float(fast(problem, target=self.estimate.target, rng=rng))
        return float(self.refit(problem, rng).value)


def _adjustment_arg(est: EffectEstimate) -> tuple[str, ...] | None:
    if est.estimand.kind in ("backdoor", "iv"):
        return tuple(est.estimand.adjustment_set)
    return None


def build_context(
    data: pd.DataFrame, identification: Identification, estimate: EffectEstimate
) -> RefitContext:
    """Rebuild the estimator and the numeric problem behind ``estimate``.

    Raises
    ------
    DataError, IdentificationError, EstimationError
        The inputs are of the wrong type, or do not match the estimate (other columns,
        other rows, another treatment).
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"The data must be a pandas DataFrame, got {type(data).__name__}: pass the same "
            "table the estimate was computed on."
        )
    if not isinstance(identification, Identification):
        raise IdentificationError(
            "identification must be the result of cc.identify(graph, treatment, outcome), got "
            f"{type(identification).__name__}."
        )
    if not isinstance(estimate, EffectEstimate):
        raise EstimationError(
            f"estimate must be the EffectEstimate returned by cc.estimate, got "
            f"{type(estimate).__name__}. Estimate the effect first, then refute it."
        )
    if tuple(identification.treatment) != (estimate.treatment,) or tuple(
        identification.outcome
    ) != (estimate.outcome,):
        raise IdentificationError(
            f"The estimate is of {estimate.treatment!r} on {estimate.outcome!r}, but the "
            f"identification is of {list(identification.treatment)} on "
            f"{list(identification.outcome)}. Pass the identification the estimate came from."
        )
    params = dict(estimate.params)
    notes: list[str] = []
    if params.get("ci") == "bootstrap":
        params["ci"] = "analytic"
        notes.append("Refits use the analytic interval instead of the bootstrap (same point "
                     "estimate, far faster).")
    cls = get_estimator_class(estimate.method)
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise EstimationError(
            f"The estimate's parameters {sorted(params)} do not fit the estimator "
            f"{estimate.method!r} ({exc}). Re-estimate with cc.estimate and refute that estimate."
        ) from None
    adj = _adjustment_arg(estimate)
    roles, used = estimator.roles(identification, adj)
    problem = prepare_problem(data, estimate.treatment, estimate.outcome, roles, used,
                              dropna=estimate.n_dropped > 0)
    rows_then = estimate.n_used + estimate.n_dropped
    rows_now = problem.n + problem.n_dropped
    if rows_then != rows_now:
        raise DataError(
            f"The estimate was computed on {rows_then} rows, but these data have {rows_now}. "
            "Refute an estimate with the data it was computed on (or re-estimate first)."
        )
    if problem.treatment_type != estimate.treatment_type:
        raise DataError(
            f"The treatment {estimate.treatment!r} is {problem.treatment_type} in these data but "
            f"was {estimate.treatment_type} when the effect was estimated. Pass the same data."
        )
    try:
        probe_roles, _ = estimator.roles(identification, [*(adj or ()), _PROBE])
        uses_cov = _PROBE in probe_roles.covariates
    except CausalCoreError:
        uses_cov = False
    ols_fast = (
        estimate.method in ("linear_regression", "naive")
        and problem.e.shape[1] == 0
        and problem.fe is None  # absorbed fixed effects: the generic refit path
        and problem.treatment_type in ("binary", "continuous")
        # the additive model only: the ATT/ATC and interactions=True fit T x covariate terms
        and (estimate.method == "naive" or (estimate.target == "ate"
                                            and not params.get("interactions")))
    )
    scale = 1.0
    if ols_fast:
        t0, t1, _, _ = contrast(problem, params.get("control_value"), params.get("treatment_value"))
        scale = t1 - t0
    return RefitContext(identification, estimate, estimator, problem, uses_cov, ols_fast,
                        float(scale), notes, data=data)


class Progress:
    """Report the share of finished simulations to a callback, increasing, ending at 1."""

    def __init__(self, callback: Callable[[float], Any] | None, total: int) -> None:
        self.callback = callback
        self.total = max(int(total), 1)
        self.done = 0
        self.last = 0.0

    def advance(self, k: int = 1) -> None:
        """``k`` more simulations finished."""
        self.done = min(self.total, self.done + int(k))
        self._emit(self.done / self.total)

    def finish(self) -> None:
        """Everything finished (reports 1.0 if not yet reported)."""
        self._emit(1.0)

    def _emit(self, frac: float) -> None:
        if self.callback is not None and frac > self.last:
            self.last = frac
            self.callback(float(frac))


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _generic_chunk(one: Callable[..., float], ctx: RefitContext,
                   rngs: list[np.random.Generator]) -> list[tuple[float, str | None]]:
    return [attempt(lambda rng=rng: float(one(ctx, rng))) for rng in rngs]


def _modified_chunk(modify: Callable[..., Problem], ctx: RefitContext,
                    rngs: list[np.random.Generator]) -> list[tuple[float, str | None]]:
    """The simulations of ``rngs`` by the estimator's batched path: every modified problem
    first (each from its own generator), then their values together (``_values``)."""
    made = [attempt(lambda rng=rng: modify(ctx, rng)) for rng in rngs]
    good = [i for i, (_, err) in enumerate(made) if err is None]
    values = ctx.estimator._values([made[i][0] for i in good], target=ctx.estimate.target)
    out: list[tuple[float, str | None]] = [(float("nan"), err) for _, err in made]
    for i, (v, err) in zip(good, values, strict=True):
        out[i] = (float(v), err)
    return out


def run_simulations(
    ctx: RefitContext,
    rngs: Sequence[np.random.Generator],
    *,
    one: Callable[[RefitContext, np.random.Generator], float],
    batch: Callable[[RefitContext, list[np.random.Generator]], np.ndarray] | None,
    batch_size: int,
    progress: Progress,
    n_jobs: int,
    modify: Callable[[RefitContext, np.random.Generator], Problem] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Simulated estimates, one per generator in ``rngs``, and the failure messages.

    ``batch`` (vectorised, e.g. batched least squares) is used when given; otherwise, in one
    process, ``modify`` (the modified problem of a simulation) with the estimator's batched
    values (``_values``, e.g. IPW's propensity models fitted together) when both exist, else
    ``one`` re-runs the estimator per simulation, in parallel over ``n_jobs`` processes
    (joblib). Each simulation draws only from its own generator, so results do not depend on
    ``n_jobs`` or on the path taken (beyond rounding).
    """
    values: list[float] = []
    errors: list[str] = []
    if batch is not None:
        for chunk in _chunks(rngs, batch_size):
            values.extend(np.asarray(batch(ctx, chunk), dtype=float).tolist())
            progress.advance(len(chunk))
    elif n_jobs == 1:
        batched = modify is not None and hasattr(ctx.estimator, "_values")
        for chunk in _chunks(rngs, _BATCH_SIMULATIONS if batched else 1):
            done = (_modified_chunk(modify, ctx, chunk) if batched
                    else _generic_chunk(one, ctx, chunk))
            for v, err in done:
                values.append(v)
                if err:
                    errors.append(err)
            progress.advance(len(chunk))
    else:
        from joblib import Parallel, delayed

        workers = Parallel(n_jobs=n_jobs, return_as="generator")
        n_workers = max(1, workers._effective_n_jobs())
        chunks = _chunks(rngs, -(-len(rngs) // (4 * n_workers)))
        for res in workers(delayed(_generic_chunk)(one, ctx, c) for c in chunks):
            for v, err in res:
                values.append(v)
                if err:
                    errors.append(err)
            progress.advance(len(res))
    progress.finish()
    return np.asarray(values, dtype=float), errors


def check_failures(values: np.ndarray, errors: list[str], what: str) -> list[str]:
    """Raise when more than 10% of the simulations failed; else a warning when some did."""
    n_bad = int((~np.isfinite(values)).sum())
    if n_bad == 0:
        return []
    first = errors[0] if errors else "a non-finite estimate"
    if n_bad > 0.1 * values.size:
        raise EstimationError(
            f"{n_bad} of {values.size} {what} simulations failed (first error: {first}). The "
            "estimator does not work on the modified data; use more data, a larger fraction, "
            "or another refuter."
        )
    return [f"{n_bad} of {values.size} simulations failed and were left out (first error: "
            f"{first})."]
