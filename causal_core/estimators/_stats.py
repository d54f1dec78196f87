"""Small numerical helpers shared by the estimators: OLS with HC1, normal intervals, bootstrap.

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators._stats import ols
>>> x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
>>> round(float(ols(x, np.array([1.0, 3.0, 5.0, 7.0])).beta[1]), 6)
2.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..exceptions import EstimationError

__all__ = ["OLSFit", "ols", "normal_ci", "bootstrap_se_ci", "weighted_smd"]


@dataclass(frozen=True)
class OLSFit:
    """Coefficients, their HC1 covariance and the residuals of a least-squares fit."""

    beta: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    rank: int

    @property
    def se(self) -> np.ndarray:
        """Robust standard errors of the coefficients."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))


def ols(design: np.ndarray, y: np.ndarray, *, robust: bool = True) -> OLSFit:
    """Least squares with heteroscedasticity-robust (HC1) or classical covariance.

    Parameters
    ----------
    design : ndarray, shape (n, k)
        The design matrix, intercept included.
    y : ndarray, shape (n,)
    robust : bool
        HC1 sandwich covariance when True, classical ``s² (X'X)⁻¹`` otherwise.

    Returns
    -------
    OLSFit
    """
    n, k = design.shape
    if n <= k:
        raise EstimationError(
            f"The regression has {k} terms but only {n} rows: it needs more rows than terms. "
            "Use fewer covariates or more data."
        )
    xtx = design.T @ design
    beta, rank, bread = solve_normal(xtx, design.T @ y, design, y)
    resid = y - design @ beta
    dof = max(n - rank, 1)
    if robust:
        meat = (design * (resid**2)[:, None]).T @ design
        cov = bread @ meat @ bread * (n / dof)
    else:
        cov = bread * float(resid @ resid) / dof
    return OLSFit(beta=beta, cov=cov, resid=resid, rank=int(rank))


def solve_normal(
    xtx: np.ndarray, xty: np.ndarray, design: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray]:
    """``(beta, rank, (X'X)^-1)``: normal equations when well conditioned, else SVD."""
    k = xtx.shape[0]
    scale = np.sqrt(np.clip(np.diag(xtx), 1e-300, None))
    scaled = xtx / np.outer(scale, scale)
    if np.linalg.cond(scaled) < 1e8:
        inv = np.linalg.inv(scaled) / np.outer(scale, scale)
        return inv @ xty, k, inv
    beta, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    return beta, int(rank), np.linalg.pinv(xtx)


def normal_ci(value: float, se: float, alpha: float) -> tuple[float, float, float]:
    """``(ci_low, ci_high, p_value)`` from a normal approximation."""
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    if not np.isfinite(se) or se <= 0:
        p = 0.0 if value != 0 else 1.0
        return value, value, p
    p = float(2.0 * stats.norm.sf(abs(value) / se))
    return value - z * se, value + z * se, p


def bootstrap_se_ci(
    stat: Callable[[np.ndarray], float],
    n: int,
    *,
    n_bootstrap: int,
    alpha: float,
    rng: np.random.Generator,
) -> tuple[float, float, float, np.ndarray]:
    """Non-parametric bootstrap: ``(se, ci_low, ci_high, draws)`` with percentile limits.

    ``stat(idx)`` returns the estimate on the rows ``idx`` (drawn with replacement).
    Draws that fail (e.g. a resample without treated rows) are skipped; if more than
    half fail an :class:`EstimationError` is raised.
    """
    if n_bootstrap < 20:
        raise EstimationError(
            f"n_bootstrap={n_bootstrap} is too small for a bootstrap interval: it needs at "
            "least 20 resamples (200 or more is usual). Raise n_bootstrap."
        )
    draws = np.empty(n_bootstrap)
    ok = np.ones(n_bootstrap, dtype=bool)
    for b in range(n_bootstrap):
        idx = rng.integers(0, n, size=n)
        try:
            draws[b] = stat(idx)
        except EstimationError:
            ok[b] = False
    draws = draws[ok & np.isfinite(draws)]
    if draws.size < n_bootstrap / 2:
        raise EstimationError(
            f"Only {draws.size} of {n_bootstrap} bootstrap resamples gave an estimate: the data "
            "are too small or too unbalanced for a bootstrap interval. Use the analytic interval."
        )
    lo, hi = np.quantile(draws, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(np.std(draws, ddof=1)), float(lo), float(hi), draws


def weighted_smd(
    x: np.ndarray, t: np.ndarray, w_after: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Standardised mean differences of each column of ``x`` before and after weighting.

    The denominator is the unweighted pooled standard deviation ``sqrt((s1² + s0²) / 2)``
    in both cases, so the two numbers are comparable (Austin 2009).
    """
    if x.shape[1] == 0:
        return np.zeros(0), np.zeros(0)
    t1 = (t == 1).astype(float)
    t0 = 1.0 - t1
    n1, n0 = t1.sum(), t0.sum()
    m1, m0 = t1 @ x / n1, t0 @ x / n0
    sq = x * x
    v1 = (t1 @ sq - n1 * m1**2) / max(n1 - 1, 1)
    v0 = (t0 @ sq - n0 * m0**2) / max(n0 - 1, 1)
    sd = np.sqrt(np.maximum((v1 + v0) / 2.0, 0.0))
    sd = np.where(sd > 0, sd, 1.0)
    before = (m1 - m0) / sd
    w1, w0 = w_after * t1, w_after * t0
    if w1.sum() <= 0 or w0.sum() <= 0:
        return before, np.full_like(before, np.nan)
    after = (w1 @ x / w1.sum() - w0 @ x / w0.sum()) / sd
    return before, after
