"""One treatment effect per stratum, common covariate slopes: least squares without dummies.

The regression ``y ~ stratum fixed effects + Σ_s τ_s · t · 1[stratum s] + x β`` (propensity
stratification with regression adjustment) has one treatment column per stratum. After the
stratum means are absorbed (:func:`~causal_core.estimators.absorb.within`) the column of
stratum ``s`` is ``t̃ = t − mean_s(t)`` inside the stratum and 0 outside it, so the normal
equations and the HC1 meat are block-sparse: the treatment block is diagonal and every
other block is a per-stratum sum. :func:`stratum_ols` computes them with ``np.bincount`` in
O(n·p²) time and O(n·p) memory, instead of a dense ``n × (strata + p)`` design, and returns
what :func:`~causal_core.estimators._stats.ols` returns for that dense design (the tests
compare the two):

- the columns are scaled to unit root mean square and selected in ``ols``'s order (the
  covariates first, then the stratum effects) on the small ``(k + p) × (k + p)`` moment
  matrix by the same rule (:func:`~causal_core.estimators._stats.select_columns`): a
  covariate collinear with earlier ones is dropped, a stratum effect the others determine
  raises the same :class:`~causal_core.exceptions.EstimationError` naming it;
- the covariate slopes come from a QR fit of the covariates with the stratum effects
  partialled out within each stratum (Frisch–Waugh–Lovell), not from the normal equations,
  so the numerical accuracy is that of ``ols``; the stratum effects follow per stratum;
- the HC1 covariance is the sandwich over each row's influence on the coefficients, with the
  residual degrees of freedom of the dense fit (rows − strata absorbed − coefficients).

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators.stratum_ols import stratum_ols
>>> rng = np.random.default_rng(1)
>>> code = np.repeat([0, 1], 500); t = rng.integers(0, 2, 1000); x = rng.normal(size=(1000, 1))
>>> y = np.where(code == 0, 1.0, 3.0) * t + 2.0 * x[:, 0] + code + rng.normal(size=1000) * 0.1
>>> fit = stratum_ols(code, 2, t, x, y, ["t in 1", "t in 2", "x"])
>>> np.round(fit.beta, 1).tolist(), fit.dof
([1.0, 3.0, 2.0], 995)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._stats import OLSFit, qr_fit, require_rows, select_columns
from .absorb import within

__all__ = ["stratum_ols"]


def _per_stratum(code: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    """Sums of each column of ``values`` (n × m) within each of the ``k`` strata: k × m."""
    if values.shape[1] == 0:
        return np.zeros((k, 0))
    return np.stack([np.bincount(code, weights=values[:, j], minlength=k)
                     for j in range(values.shape[1])], axis=1)


def stratum_ols(
    code: np.ndarray, k: int, t: np.ndarray, x: np.ndarray, y: np.ndarray, names: Sequence[str]
) -> OLSFit:
    """Stratum fixed effects, a treatment effect per stratum and common slopes, HC1 covariance.

    Parameters
    ----------
    code : ndarray of int, shape (n,)
        Each row's stratum, ``0 … k − 1``.
    k : int
        Number of strata (one effect each).
    t : ndarray, shape (n,)
        The treatment.
    x : ndarray, shape (n, p)
        The covariates (common slopes).
    y : ndarray, shape (n,)
    names : sequence of str
        ``k + p`` names, the stratum effects' then the covariates', for messages.

    Returns
    -------
    OLSFit
        As :func:`~causal_core.estimators._stats.ols` returns for the dense design
        ``[t · 1[stratum s] for each s, x]`` demeaned within strata, with the stratum
        effects protected and ``absorbed_dof`` the strata: coefficients in that column
        order, their HC1 covariance, the residuals, rank, degrees of freedom and dropped
        columns.
    """
    n, p = x.shape
    m, absorbed, _ = within(np.column_stack([t, x, y]), code[:, None])
    require_rows(n, k + p, absorbed)
    tt, xx, yy = m[:, 0], m[:, 1:-1], m[:, -1]
    # moments of the dense design [D, X] (D's block is diagonal), scaled as ols scales it
    a = np.bincount(code, weights=tt * tt, minlength=k)
    b = _per_stratum(code, k, tt[:, None] * xx)
    gram = np.block([[np.diag(a), b], [b.T, xx.T @ xx]])
    ms = np.diag(gram) / n
    scale = 1.0 / np.sqrt(np.where(ms > 0, ms, 1.0))
    kept, dropped = select_columns(gram * np.outer(scale, scale) / n, names,
                                   protect=range(k))
    kx = np.array([j - k for j in kept if j >= k], dtype=int)
    # partial the stratum effects out of x and y within each stratum (Frisch–Waugh–Lovell)
    h = b[:, kx] / a[:, None]
    cy = np.bincount(code, weights=tt * yy, minlength=k) / a
    sx = scale[k + kx]
    beta_s, resid, q, rinv = qr_fit((xx[:, kx] - tt[:, None] * h[code]) * sx,
                                    yy - tt * cy[code])
    beta_x = sx * beta_s
    tau = cy - h @ beta_x
    # HC1: each row's influence on beta_x is ux, on tau_s it is t̃/a_s (own stratum) − h ux
    ue = (q @ rinv.T) * sx * resid[:, None]
    own = resid * tt / a[code]
    cxx = ue.T @ ue
    g1 = _per_stratum(code, k, own[:, None] * ue)
    ctx = g1 - h @ cxx
    ctt = np.diag(np.bincount(code, weights=own * own, minlength=k)) - g1 @ h.T - h @ ctx.T
    dof = max(n - len(kept) - int(absorbed), 1)
    cols = np.concatenate([np.arange(k), k + kx])
    beta = np.zeros(k + p)
    beta[cols] = np.concatenate([tau, beta_x])
    cov = np.zeros((k + p, k + p))
    cov[np.ix_(cols, cols)] = np.block([[ctt, ctx], [ctx.T, cxx]]) * (n / dof)
    return OLSFit(beta=beta, cov=cov, resid=resid, rank=len(kept), dof=int(dof),
                  dropped=tuple(dropped))
