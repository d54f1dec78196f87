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
from typing import Any

import numpy as np
from scipy.special import expit

from ..exceptions import EstimationError
from ._stats import weighted_smd
from .prepare import Problem
from .result import BalanceRow, PropensityDiagnostics

__all__ = [
    "PropensityFit",
    "fit_propensity",
    "fit_propensity_many",
    "propensity_diagnostics",
    "balancing_weights",
    "require_both_groups",
]

_SEPARATION = 15.0
Rows = slice | np.ndarray  # all the fits (a view) or the indices of some


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
    return fit_propensity_many(np.asarray(x, dtype=float)[None], np.asarray(t)[None],
                               penalty=penalty, max_iter=max_iter, tol=tol)[0]


def fit_propensity_many(
    xs: np.ndarray, ts: np.ndarray, *, penalty: float = 1e-4, max_iter: int = 100,
    tol: float = 1e-9
) -> list[PropensityFit]:
    """:func:`fit_propensity` for ``S`` problems of one shape at once (one fit per problem).

    Each problem is standardised, started, stepped, halved and stopped by its own numbers,
    exactly as a fit of its own; only the arithmetic is batched (a check's 100 refits on
    2,000 rows cost one pass of array operations per Newton step instead of 100), so a
    coefficient agrees with the single fit's to within rounding, far inside ``tol``.

    Parameters
    ----------
    xs : ndarray, shape (S, n, p)
    ts : ndarray, shape (S, n)
    penalty, max_iter, tol
        As :func:`fit_propensity`.
    """
    n_fits, n, n_x = xs.shape
    k = n_x + 1
    # the standardised design, one row per coefficient (intercept first): each fit's
    # products over its n rows are then contiguous rows, which numpy runs fastest
    rows_of = np.ones((n_fits, k, n))
    if n_x:
        mu, sd = xs.mean(axis=1, keepdims=True), xs.std(axis=1, keepdims=True)
        rows_of[:, 1:, :] = ((xs - mu) / np.where(sd > 0, sd, 1.0)).transpose(0, 2, 1)
    t = np.asarray(ts, dtype=float)
    lam = np.full(k, penalty * n)
    lam[0] = 0.0
    p1 = np.clip(t.mean(axis=1), 1e-12, 1 - 1e-12)
    beta = np.zeros((n_fits, k))
    beta[:, 0] = np.log(p1 / (1 - p1))

    def linear(rows: Rows, b: np.ndarray) -> np.ndarray:
        return (b[:, None, :] @ rows_of[rows])[:, 0, :]

    def loglik(rows: Rows, eta: np.ndarray, b: np.ndarray) -> np.ndarray:
        # log(1 + e) for e = exp(-|eta|) in (0, 1]: within 1e-16 of log1p, at half its cost
        softplus = np.maximum(eta, 0.0) + np.log(1.0 + np.exp(-np.abs(eta)))
        return np.vecdot(t[rows], eta) - softplus.sum(axis=1) - 0.5 * (b**2) @ lam

    live: Rows = slice(None)  # the fits still stepping: all of them (a view), then an index
    eta = linear(live, beta)
    obj = loglik(live, eta, beta)
    converged = np.zeros(n_fits, dtype=bool)
    n_iter = np.zeros(n_fits, dtype=int)
    for _ in range(int(max_iter)):
        n_iter[live] += 1
        d = rows_of[live]
        p = expit(eta[live])
        grad = np.vecdot(d, (t[live] - p)[:, None, :]) - lam * beta[live]
        hess = _weighted_gram(d, p * (1 - p)) + np.diag(lam)
        step = _newton_steps(hess, grad)
        cand, eta_new, new, scale = _halve_until_better(
            live, n_fits, beta[live], step, obj[live], linear, loglik)
        beta[live], eta[live], obj[live] = cand, eta_new, new
        done = (np.abs(scale[:, None] * step).max(axis=1)
                < tol * (1 + np.abs(cand).max(axis=1)))
        if done.any():
            idx = np.arange(n_fits)[live]
            converged[idx[done]] = True
            live = idx[~done]
            if live.size == 0:
                break
    ps = expit(eta)
    return [PropensityFit(ps[i], beta[i], rows_of[i].T, bool(converged[i]), int(n_iter[i]),
                          _fit_notes(bool(converged[i]), int(n_iter[i]), beta[i]), penalty)
            for i in range(n_fits)]


def _weighted_gram(rows_of: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per fit, ``X' diag(w) X`` of its design given as rows (shape ``(S, k, n)``).

    With a few coefficients, one dot product per pair of them is several times faster than
    numpy's stacked matrix product on these shapes (measured: 0.19 against 0.52 ms for 25
    fits, k = 3, n = 2,000); each fit's numbers are its own either way.
    """
    weighted = rows_of * w[:, None, :]
    k = rows_of.shape[1]
    if k > 8:
        return weighted @ rows_of.transpose(0, 2, 1)
    out = np.empty((rows_of.shape[0], k, k))
    for a in range(k):
        for b in range(a, k):
            out[:, a, b] = out[:, b, a] = np.vecdot(weighted[:, a], rows_of[:, b])
    return out


def _newton_steps(hess: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Each problem's Newton step ``hess⁻¹ grad`` (least squares where a Hessian is singular)."""
    try:
        return np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        out = np.empty_like(grad)
        for i in range(grad.shape[0]):
            try:
                out[i] = np.linalg.solve(hess[i], grad[i])
            except np.linalg.LinAlgError:
                out[i] = np.linalg.lstsq(hess[i], grad[i], rcond=None)[0]
        return out


def _halve_until_better(rows: Rows, n_fits: int, beta: np.ndarray, step: np.ndarray,
                        obj: np.ndarray, linear: Any, loglik: Any) -> tuple[np.ndarray, ...]:
    """Per fit among ``rows``, the first of the steps ``step / 2^j`` (j < 30) that does not
    lower the penalised log-likelihood (else the last one tried): the new coefficients,
    linear predictor and objective, and the scale at which each fit stopped (halved once
    more when no step was accepted, as a loop that halves after each failure ends)."""
    scale = np.ones(step.shape[0])
    cand = beta + step
    eta = linear(rows, cand)
    new = loglik(rows, eta, cand)
    todo = np.flatnonzero(new < obj - 1e-12 * np.abs(obj))
    if todo.size:
        index = np.arange(n_fits)[rows]
        for _ in range(29):
            scale[todo] /= 2.0
            c = beta[todo] + scale[todo, None] * step[todo]
            e = linear(index[todo], c)
            cand[todo], eta[todo], new[todo] = c, e, loglik(index[todo], e, c)
            todo = todo[new[todo] < obj[todo] - 1e-12 * np.abs(obj[todo])]
            if todo.size == 0:
                break
        scale[todo] /= 2.0
    return cand, eta, new, scale


def _fit_notes(converged: bool, n_iter: int, coef: np.ndarray) -> tuple[str, ...]:
    notes: list[str] = []
    if not converged:
        notes.append(
            f"The propensity model (logistic regression) did not converge in {n_iter} "
            "iterations; its scores may be unreliable. Remove covariates that nearly separate "
            "the groups, merge rare categories, or raise max_iter."
        )
    if np.max(np.abs(coef[1:]), initial=0.0) > _SEPARATION:
        notes.append(
            "Some covariates almost perfectly separate treated from control rows (a standardised "
            "propensity coefficient above 15): overlap is poor and weights will be extreme. "
            "Check the overlap plot; consider trimming or a different adjustment set."
        )
    return tuple(notes)


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
