"""Small numerical helpers shared by the estimators: safe OLS with HC1, intervals, bootstrap.

:func:`ols` centres and scales every column before solving (a covariate whose mean is a
million times its spread is as safe as any other), selects columns in order and drops
those that are (almost) linear combinations of earlier ones, naming them; columns marked
``protect`` (the treatment) are never dropped: if one is determined by the others, an
:class:`EstimationError` names the columns that determine it.

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators._stats import ols
>>> x = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
>>> round(float(ols(x, np.array([1.0, 3.0, 5.0, 7.1])).beta[1]), 6)
2.03
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from ..exceptions import EstimationError

__all__ = ["OLSFit", "ols", "scale_matrix", "require_rows", "select_columns", "qr_fit", "normal_ci",
           "t_ci", "bootstrap_se_ci", "weighted_smd", "COLLINEAR_TOL"]

#: A column whose share of variance not explained by the columns before it is below this
#: is treated as collinear (a variance inflation factor above 1e10).
COLLINEAR_TOL = 1e-10


@dataclass(frozen=True)
class OLSFit:
    """Coefficients, their covariance, the residuals and what the fit had to leave out.

    ``dropped`` lists the indices of collinear columns (coefficient 0, variance 0);
    ``dof`` the residual degrees of freedom (rows minus kept columns minus absorbed ones).
    """

    beta: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    rank: int
    dof: int = 0
    dropped: tuple[int, ...] = ()

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the coefficients."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))


def scale_matrix(design: np.ndarray) -> np.ndarray:
    """``A`` with ``design @ A`` centred (if there is a constant column) and unit-scaled."""
    k = design.shape[1]
    a = np.eye(k)
    if design.shape[0] == 0:
        return a
    lo, hi = design.min(axis=0), design.max(axis=0)
    const = np.flatnonzero((lo == hi) & (lo != 0))
    mu = design.mean(axis=0)
    if const.size:
        c = int(const[0])
        sd = design.std(axis=0)
        for j in range(k):
            if j == c or lo[j] == hi[j]:
                a[j, j] = 1.0 / lo[j] if lo[j] != 0 else 1.0
                continue
            a[j, j] = 1.0 / sd[j]
            a[c, j] = -mu[j] / sd[j] / design[0, c]
    else:
        rms = np.sqrt((design**2).mean(axis=0))
        a[np.diag_indices(k)] = 1.0 / np.where(rms > 0, rms, 1.0)
    return a


def _select(gram: np.ndarray, order: Sequence[int]) -> tuple[list[int], list[int], np.ndarray]:
    """Greedy column selection by incremental Cholesky: ``(kept, dropped, L)``."""
    kept: list[int] = []
    dropped: list[int] = []
    chol = np.zeros((0, 0))
    for j in order:
        gjj = gram[j, j]
        if gjj <= 0:
            dropped.append(j)
            continue
        if kept:
            lvec = linalg.solve_triangular(chol, gram[kept, j], lower=True)
            resid = gjj - float(lvec @ lvec)
        else:
            lvec, resid = np.zeros(0), gjj
        if resid <= COLLINEAR_TOL * gjj:
            dropped.append(j)
            continue
        m = len(kept)
        new = np.zeros((m + 1, m + 1))
        new[:m, :m] = chol
        new[m, :m] = lvec
        new[m, m] = np.sqrt(resid)
        chol = new
        kept.append(j)
    return kept, dropped, chol


def _determined_by(gram: np.ndarray, j: int, kept: list[int], names: Sequence[str]) -> list[str]:
    others = [i for i in kept if names[i] != "Intercept"]
    if not others:
        return []
    coef = np.linalg.lstsq(gram[np.ix_(others, others)], gram[others, j], rcond=None)[0]
    big = np.abs(coef) >= 0.1 * np.abs(coef).max()
    return [names[i] for i, b in zip(others, big, strict=True) if b]


def require_rows(n: int, terms: int, absorbed_dof: int = 0) -> None:
    """Raise an :class:`EstimationError` unless ``n`` rows exceed the model's terms."""
    if n <= terms + absorbed_dof:
        raise EstimationError(
            f"The regression has {terms + absorbed_dof} terms but only {n} rows: it needs more "
            "rows than terms. Use fewer covariates or more data."
        )


def select_columns(
    gram: np.ndarray,
    names: Sequence[str],
    *,
    protect: Sequence[int] = (),
    order: Sequence[int] | None = None,
) -> tuple[list[int], list[int]]:
    """``(kept, dropped)`` column indices (both sorted) of a scaled gram matrix.

    Columns are admitted in ``order`` (default: the unprotected ones, then ``protect``); one
    (almost) collinear with those admitted before it is dropped. If a protected column is
    dropped an :class:`EstimationError` names the columns that determine it.
    """
    prot = [int(j) for j in protect]
    if order is None:
        order = [j for j in range(gram.shape[0]) if j not in prot] + prot
    kept, dropped, _ = _select(gram, order)
    for j in prot:
        if j in dropped:
            before = list(order)[: list(order).index(j)]
            by = _determined_by(gram, j, [i for i in kept if i in before], names)
            raise EstimationError(
                f"{names[j]!r} is (almost) fully determined by "
                + (f"the covariates {by}" if by else "the other terms of the model")
                + ": no variation is left to estimate its effect (a positivity violation). "
                "Drop the covariate that duplicates the treatment, or check the data."
            )
    return sorted(kept), sorted(dropped)


def qr_fit(xs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Least squares of ``y`` on the full-rank columns ``xs`` by QR: ``(beta, resid, q, r⁻¹)``.

    ``q @ r⁻¹.T`` maps ``y`` to ``beta`` row by row (``beta = (q @ r⁻¹.T).T @ y``), which is
    what a sandwich covariance needs.
    """
    if xs.shape[1] == 0:
        return np.zeros(0), np.asarray(y, dtype=float).copy(), np.zeros((xs.shape[0], 0)), np.zeros((0, 0))
    q, r = np.linalg.qr(xs)
    beta = linalg.solve_triangular(r, q.T @ y)
    rinv = linalg.solve_triangular(r, np.eye(r.shape[0]))
    return beta, y - xs @ beta, q, rinv


def ols(
    design: np.ndarray,
    y: np.ndarray,
    *,
    robust: bool = True,
    names: Sequence[str] | None = None,
    protect: Sequence[int] = (),
    absorbed_dof: int = 0,
    order: Sequence[int] | None = None,
) -> OLSFit:
    """Least squares on centred and scaled columns, HC1 (or classical) covariance.

    Parameters
    ----------
    design : ndarray, shape (n, k)
        The design matrix (intercept included, or columns already demeaned).
    y : ndarray, shape (n,)
    robust : bool
        HC1 sandwich covariance when True, classical ``s² (X'X)⁻¹`` otherwise.
    names : sequence of str, optional
        Column names, used in messages about collinear columns.
    protect : sequence of int
        Columns that must be estimated (the treatment); if one is determined by the other
        columns an :class:`EstimationError` names those columns.
    absorbed_dof : int
        Degrees of freedom used up before the fit (absorbed fixed effects).
    order : sequence of int, optional
        The order in which columns are admitted (a later column collinear with earlier ones
        is dropped); default: the unprotected columns, then the protected ones.

    Returns
    -------
    OLSFit
    """
    n, k = design.shape
    names = list(names) if names is not None else [f"column {j}" for j in range(k)]
    require_rows(n, k, absorbed_dof)
    a = scale_matrix(design)
    xs = design @ a
    gram = xs.T @ xs / n
    kept, dropped = select_columns(gram, names, protect=protect, order=order)
    beta_s, resid, q, rinv = qr_fit(xs[:, kept], y)
    bread = rinv @ rinv.T
    dof = max(n - len(kept) - int(absorbed_dof), 1)
    if robust:
        root = q * resid[:, None]
        meat_q = root.T @ root
        cov_s = rinv @ meat_q @ rinv.T * (n / dof)
    else:
        cov_s = bread * float(resid @ resid) / dof
    ak = a[:, kept]
    return OLSFit(beta=ak @ beta_s, cov=ak @ cov_s @ ak.T, resid=resid, rank=len(kept),
                  dof=int(dof), dropped=tuple(dropped))


def t_ci(value: float, se: float, alpha: float, dof: float | None = None
         ) -> tuple[float, float, float]:
    """``(ci_low, ci_high, p_value)``: Student-t with ``dof`` degrees of freedom, or normal.

    The quantile and tail come from the special functions ``scipy.stats``' ``norm`` and ``t``
    evaluate (``ndtri``/``ndtr``, ``stdtrit``/``stdtr``), called directly: the same numbers
    to the bit (tested) without building a distribution object per call, which cost a
    check's grid of 49 intervals about 0.3 ms each.
    """
    if not np.isfinite(se) or se <= 0:
        p = 0.0 if value != 0 else 1.0
        return value, value, p
    z = abs(value) / se
    if dof is None or not np.isfinite(dof):
        q = float(special.ndtri(1.0 - alpha / 2.0))
        p = float(2.0 * special.ndtr(-z))
    else:
        df = max(float(dof), 1.0)
        q = float(special.stdtrit(df, 1.0 - alpha / 2.0))
        p = float(2.0 * special.stdtr(df, -z))
    return value - q * se, value + q * se, p


def normal_ci(value: float, se: float, alpha: float) -> tuple[float, float, float]:
    """``(ci_low, ci_high, p_value)`` from a normal approximation."""
    return t_ci(value, se, alpha, None)


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
