"""Unobserved common cause: how strong would a missing confounder have to be?

A confounder ``Z`` is simulated with a chosen strength, measured as partial R² (Cinelli &
Hazlett 2020): ``r2_treatment`` = share of the treatment's residual variance (given the
covariates) that ``Z`` explains, ``r2_outcome`` = share of the outcome's residual variance
(given treatment and covariates). ``Z`` is built in the data from the residuals of the
treatment and outcome regressions plus independent noise, so that it has exactly these
strengths in the sample and pushes the estimate towards zero; then the effect is
re-estimated *adjusting also for Z*, with the same estimator. For a regression estimate this
reproduces Cinelli & Hazlett's bias formula exactly (and is computed in closed form).

Over a grid of strengths this gives the effect surface (a heatmap), and along the diagonal
(equal strengths) the strength at which the estimate changes sign or loses significance.
A benchmark, a confounder ``benchmark_k`` times as strong as the strongest observed
covariate (Cinelli & Hazlett's bounds), puts the numbers in context. This is sensitivity, not
a test: it never passes or fails (``passed is None``, no p-value); it says where the estimate
would go ("a hidden confounder as strong as 1x w would move the estimate to 0.62, still
positive").

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.refuters import refute
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=2000); t = 0.5 * w + rng.normal(size=2000)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 1.0 * t + 0.5 * w + rng.normal(size=2000)})
>>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
>>> res = refute(df, ident, cc.estimate(df, ident), method="unobserved_common_cause")
>>> res.surface.effects.shape, res.kind, res.passed
((6, 6), 'sensitivity', None)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .. import fmt
from .. import sensitivity as sens
from ..estimators._stats import normal_ci
from ..estimators.base import REFIT_ERRORS
from ..estimators.prepare import Problem
from ..exceptions import EstimationError
from ._context import _BATCH_SIMULATIONS, Progress, RefitContext, _chunks
from ._ols import orthonormal_basis
from ._simulation import check_applicable, check_number
from .base import (
    ConfounderSurface,
    RefutationResult,
    Refuter,
    SensitivityResult,
    register_refuter,
)

__all__ = ["UnobservedCommonCause"]

_MAX_R2 = 0.95
_Z = "simulated confounder"


def _finite(v: np.ndarray) -> np.ndarray:
    return v[np.isfinite(v)]


@register_refuter
class UnobservedCommonCause(Refuter):
    """Grid of simulated confounders; effect surface and the strength that flips the result.

    Parameters
    ----------
    r2_treatment, r2_outcome : list of float, optional
        Grid of partial R² strengths (each in [0, 0.95]); default ``n_grid`` values from 0 to
        a maximum that shows the benchmark.
    n_grid : int
        Grid points per axis when the grids are not given (default 6).
    benchmark_k : float
        The benchmark confounder is ``benchmark_k`` times as strong as the strongest observed
        covariate (default 1).
    benchmark_r2 : float, optional
        Use this partial R² (for both treatment and outcome) as the benchmark instead; needed
        when the estimate adjusts for no covariate.

    ``n_simulations`` is not used: each grid cell is one construction of the confounder (one
    noise draw from ``random_state`` shared by all cells, so the surface is smooth).
    """

    name = "unobserved_common_cause"
    label = "Unobserved common cause"
    description = ("Simulates a missing confounder over a grid of strengths; shows how the "
                   "effect changes and at which strength its sign or significance flips.")
    estimands = ("backdoor",)
    treatment_types = ("binary", "continuous")
    needs_covariates = True
    reference = "zero"
    order = 6
    kind = "sensitivity"
    question = "How strong would a missing confounder have to be to change the conclusion?"
    can_detect = ("How far a hidden confounder of a given strength (as strong as a measured "
                  "covariate, or any partial R²) would move the estimate.")
    cannot_detect = ("Whether such a confounder exists: no data can say that; only subject "
                     "knowledge (or a negative control) can.")

    def __init__(
        self,
        *,
        r2_treatment: Sequence[float] | None = None,
        r2_outcome: Sequence[float] | None = None,
        n_grid: int = 6,
        benchmark_k: float = 1.0,
        benchmark_r2: float | None = None,
    ) -> None:
        self.r2_treatment = r2_treatment
        self.r2_outcome = r2_outcome
        self.n_grid = n_grid
        self.benchmark_k = benchmark_k
        self.benchmark_r2 = benchmark_r2

    # ------------------------------------------------------------------ set-up
    def _grid(self, values: Sequence[float] | None, top: float, name: str) -> np.ndarray:
        if values is None:
            return np.linspace(0.0, top, int(self.n_grid))
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size < 1 or not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > _MAX_R2:
            raise EstimationError(
                f"{name} must be a list of partial R² values in [0, {_MAX_R2}]; got {values!r}."
            )
        return np.sort(arr)

    def _benchmark(self, ctx: RefitContext) -> tuple[str, float, float]:
        if self.benchmark_r2 is not None:
            r = check_number(self.benchmark_r2, "benchmark_r2", 0.0, _MAX_R2)
            return f"partial R² {fmt.number(r)}", r, r
        p = ctx.problem
        groups = sens.covariate_groups(p.x_names, p.roles.covariates)
        if not groups:
            raise EstimationError(
                "The estimate adjusts for no covariate, so there is no observed covariate to "
                "benchmark a confounder against. Pass benchmark_r2=... (e.g. 0.05)."
            )
        k = check_number(self.benchmark_k, "benchmark_k", 0.0, 100.0, low_open=True)
        best: tuple[float, str, float, float] | None = None  # strength, label, r2dz, r2yz
        for name, (r2d, r2y) in sens.covariate_partial_r2(p.t, p.y, p.x, groups).items():
            if k * r2d / (1 - r2d) >= _MAX_R2:
                # k times this covariate would explain (nearly) all of the treatment: such a
                # confounder cannot exist, so this covariate cannot serve as the benchmark
                ctx.notes.append(
                    f"{name!r} explains {fmt.percent(r2d)} of the treatment: a confounder "
                    f"{fmt.number(k)}x as strong cannot exist, so it is not used as a benchmark.")
                continue
            try:
                r2dz, r2yz = sens.confounder_bounds(r2d, r2y, k, k)
            except EstimationError as exc:
                raise EstimationError(
                    f"benchmark_k={self.benchmark_k}: {exc} (benchmark covariate {name!r})"
                ) from None
            if max(r2dz, r2yz) > _MAX_R2:
                ctx.notes.append(
                    f"A confounder {fmt.number(k)}x as strong as {name!r} would have partial R² "
                    f"{fmt.number(r2dz)} (treatment) and {fmt.number(r2yz)} (outcome); capped at "
                    f"{_MAX_R2}.")
            r2dz, r2yz = min(r2dz, _MAX_R2), min(r2yz, _MAX_R2)
            strength = r2yz * r2dz / (1 - r2dz)
            if best is None or strength > best[0]:
                best = (strength, f"{fmt.number(k)}x {name}", r2dz, r2yz)
        if best is None:
            raise EstimationError(
                f"Every covariate explains so much of the treatment that a confounder {fmt.number(k)}x as "
                "strong cannot exist, so none can serve as a benchmark. Pass a smaller "
                "benchmark_k, or benchmark_r2=... (e.g. 0.05)."
            )
        return best[1], best[2], best[3]

    def _basis(self, ctx: RefitContext, rng: np.random.Generator) -> dict[str, Any]:
        p = ctx.problem
        q = orthonormal_basis(np.column_stack([np.ones(p.n), p.x]))
        qt = np.ascontiguousarray(q.T)
        t_res = p.t - q @ (qt @ p.t)
        y_res = p.y - q @ (qt @ p.y)
        beta = float(t_res @ y_res / (t_res @ t_res))
        e_res = y_res - beta * t_res
        basis = np.column_stack([q, t_res, e_res])
        for _ in range(5):  # a draw (almost) inside the span of the data would be degenerate
            noise = rng.standard_normal(p.n)
            eps = noise - basis @ np.linalg.lstsq(basis, noise, rcond=None)[0]
            if np.linalg.norm(eps) > 1e-3 * np.linalg.norm(noise):
                break
        else:
            raise EstimationError(
                f"Too few rows ({p.n}) beyond the {basis.shape[1]} regressors to simulate a "
                "confounder independent of the data."
            )
        unit = [v / np.linalg.norm(v) for v in (t_res, e_res, eps)]
        # Z relates to the outcome in the direction that explains the estimate away
        sign = 1.0 if ctx.scale * ctx.estimate.value >= 0 else -1.0
        return {"a_t": unit[0], "a_e": unit[1], "a_eps": unit[2], "sign": sign,
                "t_res": t_res, "y_res": y_res, "rank": q.shape[1],
                "seed": int(rng.integers(2**63 - 1))}

    # ------------------------------------------------------------------ one cell
    @staticmethod
    def _z(b: dict[str, Any], r2d: float, r2y: float) -> np.ndarray:
        rho_t = np.sqrt(r2d)
        rho_e = b["sign"] * np.sqrt(r2y * (1 - r2d))
        rho_n = np.sqrt(max(0.0, (1 - r2y) * (1 - r2d)))
        z = rho_t * b["a_t"] + rho_e * b["a_e"] + rho_n * b["a_eps"]
        return z * np.sqrt(z.size)

    def _problem(self, ctx: RefitContext, b: dict[str, Any], r2d: float, r2y: float) -> Problem:
        """The estimate's problem with the cell's confounder as one more covariate."""
        p = ctx.problem
        z = self._z(b, r2d, r2y)
        return replace(p, x=np.column_stack([p.x, z]), x_names=(*p.x_names, _Z))

    def _cell(self, ctx: RefitContext, b: dict[str, Any], r2d: float,
              r2y: float) -> tuple[float, float, float, float]:
        if ctx.ols_fast:
            return self._cell_ols(ctx, b, self._z(b, r2d, r2y))
        est = ctx.refit(self._problem(ctx, b, r2d, r2y), np.random.default_rng(b["seed"]))
        return est.value, est.ci_low, est.ci_high, est.p_value

    def _cells(self, ctx: RefitContext, b: dict[str, Any], jobs: list[tuple[float, float]]
               ) -> list[tuple[float, float, float, float]]:
        """:meth:`_safe_cell` of each cell of ``jobs`` by the estimator's batched path
        (``_intervals``, e.g. IPW's propensity models of all the cells fitted together):
        the same numbers to rounding and the same failures, in the same order."""
        out = ctx.estimator._intervals(
            [self._problem(ctx, b, x, y) for x, y in jobs], target=ctx.estimate.target,
            alpha=ctx.estimate.alpha)
        for (x, y), (_, err) in zip(jobs, out, strict=True):
            if err is not None:
                self._failed(b, x, y, err)
        return [cell for cell, _ in out]

    @staticmethod
    def _batched(ctx: RefitContext) -> bool:
        """Whether the cells go through the estimator's batched path (:meth:`_cells`)."""
        return not ctx.ols_fast and hasattr(ctx.estimator, "_intervals")

    @staticmethod
    def _cell_ols(ctx: RefitContext, b: dict[str, Any],
                  z: np.ndarray) -> tuple[float, float, float, float]:
        t_res, y_res = b["t_res"], b["y_res"]
        g = np.array([[t_res @ t_res, t_res @ z], [t_res @ z, z @ z]])
        coef = np.linalg.solve(g, np.array([t_res @ y_res, z @ y_res]))
        resid = y_res - coef[0] * t_res - coef[1] * z
        t_perp = t_res - (t_res @ z) / (z @ z) * z
        ss = t_perp @ t_perp
        n = t_res.size
        var = (t_perp**2 * resid**2).sum() / ss**2 * n / (n - b["rank"] - 2)
        value = float(coef[0]) * ctx.scale
        se = float(np.sqrt(var)) * abs(ctx.scale)
        lo, hi, pv = normal_ci(value, se, ctx.estimate.alpha)
        return value, lo, hi, pv

    # ------------------------------------------------------------------ flips
    def _flip(self, ctx: RefitContext, b: dict[str, Any], bad: Any, diag: np.ndarray,
              cells: dict[float, tuple[float, float, float, float]], prog: Progress) -> float | None:
        flags = [bad(cells[r]) for r in diag]
        if flags[0]:
            return 0.0
        if not any(flags):
            return None
        i = flags.index(True)
        lo, hi = float(diag[i - 1]), float(diag[i])
        for _ in range(8):
            mid = (lo + hi) / 2
            res = self._safe_cell(ctx, b, mid, mid)
            prog.advance(1)
            lo, hi = (lo, mid) if (np.isnan(res[0]) or bad(res)) else (mid, hi)
        return float((lo + hi) / 2)

    def _safe_cell(self, ctx: RefitContext, b: dict[str, Any], r2d: float,
                   r2y: float) -> tuple[float, float, float, float]:
        """The cell's (effect, ci_low, ci_high, p); NaNs when the estimator fails there
        (e.g. no overlap left once a strong confounder is adjusted for)."""
        if self._batched(ctx):
            return self._cells(ctx, b, [(r2d, r2y)])[0]
        try:
            return self._cell(ctx, b, r2d, r2y)
        except REFIT_ERRORS as exc:
            self._failed(b, r2d, r2y, str(exc))
            nan = float("nan")
            return nan, nan, nan, nan

    @staticmethod
    def _failed(b: dict[str, Any], r2d: float, r2y: float, message: str) -> None:
        b.setdefault("errors", []).append(
            f"R² treatment {fmt.number(r2d)}, R² outcome {fmt.number(r2y)}: {message}")

    # ------------------------------------------------------------------ run
    def run(self, ctx: RefitContext, *, n_simulations: int, rng: np.random.Generator,
            progress: Any, n_jobs: int) -> RefutationResult:
        """Evaluate the grid, the diagonal and the benchmark (see the module docstring)."""
        check_applicable(self, ctx)
        check_number(self.n_grid, "n_grid", 2, 50, integer=True)
        label, bd, by = self._benchmark(ctx)
        top = float(min(0.9, max(0.3, 1.5 * max(bd, by))))
        gd = self._grid(self.r2_treatment, top, "r2_treatment")
        gy = self._grid(self.r2_outcome, top, "r2_outcome")
        diag = np.linspace(0.0, _MAX_R2, 12)
        b = self._basis(ctx, rng.spawn(1)[0])
        prog = Progress(progress, gd.size * gy.size + diag.size + 17)
        jobs = [(x, y) for x in gd for y in gy] + [(r, r) for r in diag] + [(bd, by)]
        results = self._evaluate(ctx, b, jobs, prog, n_jobs)
        n_grid = gd.size * gy.size
        grid = np.array(results[:n_grid]).reshape(gd.size, gy.size, 4)
        cells = {float(r): results[n_grid + i] for i, r in enumerate(diag)}
        bench = results[-1]
        if np.isnan(bench[0]):
            raise EstimationError(
                f"The estimator fails once a confounder as strong as {label} is adjusted for "
                f"({b['errors'][-1]}). Use benchmark_r2=... with a weaker strength, or another "
                "estimator."
            )
        ok = [not np.isnan(cells[float(r)][0]) for r in diag]
        if not all(ok):  # search only up to the last strength the estimator handles
            diag = diag[: ok.index(False)]
        max_searched = float(diag[-1]) if diag.size else 0.0
        orig = ctx.estimate
        sgn = 1.0 if orig.value >= 0 else -1.0

        def flipped(c: tuple[float, ...]) -> bool:
            return c[0] * sgn <= 0

        def insignificant(c: tuple[float, ...]) -> bool:
            return flipped(c) or c[1] <= 0 <= c[2]

        sign_r2 = self._flip(ctx, b, flipped, diag, cells, prog) if diag.size > 1 else None
        sig_r2 = 0.0 if orig.ci_low <= 0 <= orig.ci_high else (
            self._flip(ctx, b, insignificant, diag, cells, prog) if diag.size > 1 else None)
        warnings = list(ctx.notes)
        if b.get("errors"):
            warnings.append(
                f"The estimator failed for {len(b['errors'])} simulated confounder(s) (left blank "
                f"in the surface); first: {b['errors'][0]}")
        prog.finish()
        surface = ConfounderSurface(
            r2_treatment=tuple(gd.tolist()), r2_outcome=tuple(gy.tolist()),
            effects=grid[..., 0], ci_low=grid[..., 1], ci_high=grid[..., 2],
            sign_flip_r2=sign_r2, significance_flip_r2=sig_r2, max_r2_searched=max_searched,
            benchmark_label=label, benchmark_r2_treatment=bd, benchmark_r2_outcome=by,
            benchmark_effect=bench[0], benchmark_ci_low=bench[1], benchmark_ci_high=bench[2],
        )
        return SensitivityResult(
            method=self.name, label=self.label, estimator=orig.method, treatment=orig.treatment,
            outcome=orig.outcome, original_value=float(orig.value), reference_value=0.0,
            simulated=_finite(grid[..., 0].ravel()), p_value=None, passed=None,
            alpha=float(orig.alpha),
            null_hypothesis=(f"None: this is sensitivity, not a test. It asks what a missing "
                             f"confounder as strong as {label} (partial R² {fmt.number(bd)} with "
                             f"the treatment, {fmt.number(by)} with the outcome) would do."),
            explanation=self._explain(orig, surface),
            n_simulations=int(len(jobs)), params=self.get_params(), warnings=tuple(warnings),
            surface=surface, question=self.question, can_detect=self.can_detect,
            cannot_detect=self.cannot_detect,
            details={"benchmark_effect": float(bench[0]), "benchmark_ci_low": float(bench[1]),
                     "benchmark_ci_high": float(bench[2]),
                     "sign_flip_r2": float("nan") if sign_r2 is None else float(sign_r2),
                     "significance_flip_r2": (float("nan") if sig_r2 is None
                                              else float(sig_r2))},
        )

    def _evaluate(self, ctx: RefitContext, b: dict[str, Any], jobs: list[tuple[float, float]],
                  prog: Progress, n_jobs: int) -> list[tuple[float, float, float, float]]:
        if self._batched(ctx):  # in one process whatever n_jobs: cheaper than workers
            out = []
            for chunk in _chunks(jobs, _BATCH_SIMULATIONS):
                out.extend(self._cells(ctx, b, chunk))
                prog.advance(len(chunk))
            return out
        if n_jobs == 1 or ctx.ols_fast:
            out = []
            for x, y in jobs:
                out.append(self._safe_cell(ctx, b, x, y))
                prog.advance(1)
            return out
        from joblib import Parallel, delayed

        results = []
        runner = Parallel(n_jobs=n_jobs, return_as="generator")
        for res in runner(delayed(self._safe_cell)(ctx, b, x, y) for x, y in jobs):
            results.append(res)
            prog.advance(1)
        return results

    @staticmethod
    def _explain(orig: Any, s: ConfounderSurface) -> str:
        sgn = 1.0 if orig.value >= 0 else -1.0
        b = s.benchmark_effect
        word = "positive" if sgn > 0 else "negative"
        if b * sgn <= 0:
            state = f"no longer {word}"
        elif s.benchmark_ci_low <= 0 <= s.benchmark_ci_high:
            state = f"still {word}, but its interval includes 0"
        else:
            state = f"still {word} and significant"
        text = (f"A hidden confounder as strong as {s.benchmark_label} (partial R² "
                f"{fmt.number(s.benchmark_r2_treatment)} with the treatment, "
                f"{fmt.number(s.benchmark_r2_outcome)} with the outcome) would move the estimate "
                f"from {fmt.number(orig.value)} to {fmt.number(b)} ({state}; {fmt.level(orig.alpha)}"
                f" CI {fmt.interval(s.benchmark_ci_low, s.benchmark_ci_high)}). ")
        if s.sign_flip_r2 is None:
            text += (f"No confounder up to a partial R² of {fmt.number(s.max_r2_searched)} with "
                     "both changes its sign")
        else:
            text += (f"To bring it to zero, one would need to explain "
                     f"{fmt.percent(s.sign_flip_r2)} of the residual variance of both")
        if s.significance_flip_r2 is not None and s.significance_flip_r2 > 0:
            text += f"; {fmt.percent(s.significance_flip_r2)} makes it lose significance"
        return text + "."
