"""The shared propensity model and its diagnostics.

A logistic regression of the treatment on the standardised covariates, fitted by Newton's
method with a tiny ridge penalty (so quasi-separation cannot make it diverge). It never
fails silently: non-convergence and near-separation come back as warnings that say what
to do. Diagnostics: the overlap histogram, standardised mean differences before and after
the estimator's weights (the Love plot), effective sample sizes and extreme weights.

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators.propensity import fit_propensity
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(500, 2)); t = (x[:, 0] + rng.normal(size=500) > 0).astype(float)
>>> fit = fit_propensity(x, t)
>>> fit.converged, bool(0 < fit.ps.min() and fit.ps.max() < 1)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ..exceptions import EstimationError
from ._stats import weighted_smd
from .prepare import Problem
from .result import BalanceRow, PropensityDiagnostics

__all__ = [
    "PropensityFit",
    "fit_propensity",
    "propensity_diagnostics",
    "balancing_weights",
    "require_both_groups",
]

_SEPARATION = 15.0


@dataclass(frozen=True)
class PropensityFit:
    """Fitted scores, the standardised design (intercept first) and convergence facts."""

    ps: np.ndarray
    coef: np.ndarray
    design: np.ndarray
    converged: bool
    n_iter: int
    warnings: tuple[str, ...]
    penalty: float


def require_both_groups(problem: Problem, min_rows: int = 2) -> None:
    """Raise :class:`EstimationError` unless both treatment groups have ``min_rows`` rows."""
    n1 = int((problem.t == 1).sum())
    n0 = problem.n - n1
    if min(n1, n0) < min_rows:
        raise EstimationError(
            f"Treatment {problem.treatment!r} has {n1} treated and {n0} control rows; "
            f"propensity methods need at least {min_rows} of each. Check the data or filter."
        )


def fit_propensity(
    x: np.ndarray, t: np.ndarray, *, penalty: float = 1e-4, max_iter: int = 100, tol: float = 1e-9
) -> PropensityFit:
    """Logistic regression of ``t`` (0/1) on standardised ``x`` by penalised Newton steps.

    Parameters
    ----------
    x : ndarray, shape (n, p)
    t : ndarray, shape (n,)
    penalty : float
        Ridge penalty on the standardised slopes, per row (the intercept is free).
    max_iter : int
        Newton iterations before giving up (with a warning).
    tol : float
        Convergence tolerance on the largest coefficient change.
    """
    n = x.shape[0]
    if x.shape[1]:
        mu, sd = x.mean(axis=0), x.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        design = np.hstack([np.ones((n, 1)), (x - mu) / sd])
    else:
        design = np.ones((n, 1))
    k = design.shape[1]
    lam = np.full(k, penalty * n)
    lam[0] = 0.0
    p1 = float(np.clip(t.mean(), 1e-12, 1 - 1e-12))
    beta = np.zeros(k)
    beta[0] = np.log(p1 / (1 - p1))

    def loglik(eta: np.ndarray, b: np.ndarray) -> float:
        softplus = np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))
        return float(t @ eta - softplus.sum() - 0.5 * lam @ b**2)

    eta = design @ beta
    obj = loglik(eta, beta)
    converged = False
    it = 0
    while it < int(max_iter):
        it += 1
        p = expit(eta)
        grad = design.T @ (t - p) - lam * beta
        root = design * np.sqrt(p * (1 - p))[:, None]
        hess = root.T @ root + np.diag(lam)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        scale = 1.0
        for _ in range(30):
            cand = beta + scale * step
            eta_new = design @ cand
            new = loglik(eta_new, cand)
            if new >= obj - 1e-12 * abs(obj):
                break
            scale /= 2.0
        beta, eta, obj = cand, eta_new, new
        if np.max(np.abs(scale * step)) < tol * (1 + np.max(np.abs(beta))):
            converged = True
            break
    ps = expit(eta)
    notes: list[str] = []
    if not converged:
        notes.append(
            f"The propensity model (logistic regression) did not converge in {it} iterations; "
            "its scores may be unreliable. Remove covariates that nearly separate the groups, "
            "merge rare categories, or raise max_iter."
        )
    if np.max(np.abs(beta[1:]), initial=0.0) > _SEPARATION:
        notes.append(
            "Some covariates almost perfectly separate treated from control rows (a standardised "
            "propensity coefficient above 15): overlap is poor and weights will be extreme. "
            "Check the overlap plot; consider trimming or a different adjustment set."
        )
    return PropensityFit(ps, beta, design, converged, it, tuple(notes), penalty)


def balancing_weights(ps: np.ndarray, t: np.ndarray, target: str) -> np.ndarray:
    """Inverse-probability weights for ``target`` (ATE, ATT or ATC)."""
    if target == "att":
        return np.where(t == 1, 1.0, ps / (1 - ps))
    if target == "atc":
        return np.where(t == 1, (1 - ps) / ps, 1.0)
    return np.where(t == 1, 1 / ps, 1 / (1 - ps))


def _ess(w: np.ndarray) -> float:
    s2 = float(w @ w)
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


def propensity_diagnostics(
    fit: PropensityFit,
    problem: Problem,
    w_after: np.ndarray,
    *,
    n_clipped: int = 0,
    n_trimmed: int = 0,
    weight_share_clipped: float = 0.0,
    weight_share_trimmed: float = 0.0,
    n_bins: int = 40,
) -> PropensityDiagnostics:
    """Overlap, balance and weight diagnostics for the weights ``w_after`` the method used."""
    t, ps = problem.t, fit.ps
    tr = t == 1
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    c1 = np.histogram(ps[tr], bins=edges)[0]
    c0 = np.histogram(ps[~tr], bins=edges)[0]
    lo = max(ps[tr].min(), ps[~tr].min())
    hi = min(ps[tr].max(), ps[~tr].max())
    before, after = weighted_smd(problem.x, t, w_after)
    balance = tuple(
        BalanceRow(name, float(b), float(a))
        for name, b, a in zip(problem.x_names, before, after, strict=True)
    )
    total = w_after.sum()
    k = max(1, int(np.ceil(0.01 * w_after.size)))
    top = np.partition(w_after, w_after.size - k)[-k:].sum() if w_after.size else 0.0
    return PropensityDiagnostics(
        converged=fit.converged,
        bin_edges=tuple(edges.tolist()),
        counts_treated=tuple(int(v) for v in c1),
        counts_control=tuple(int(v) for v in c0),
        ps_min_treated=float(ps[tr].min()),
        ps_max_treated=float(ps[tr].max()),
        ps_min_control=float(ps[~tr].min()),
        ps_max_control=float(ps[~tr].max()),
        share_outside_overlap=float(np.mean((ps < lo) | (ps > hi))),
        balance=balance,
        ess_treated=_ess(w_after[tr]),
        ess_control=_ess(w_after[~tr]),
        n_treated=int(tr.sum()),
        n_control=int((~tr).sum()),
        share_extreme_ps=float(np.mean((ps < 0.05) | (ps > 0.95))),
        weight_share_top_1pct=float(top / total) if total > 0 else 0.0,
        n_clipped=int(n_clipped),
        n_trimmed=int(n_trimmed),
        weight_share_clipped=float(weight_share_clipped),
        weight_share_trimmed=float(weight_share_trimmed),
    )
