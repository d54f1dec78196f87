"""Batched least squares for refuting regression estimates (the fast path).

For ``Y ~ 1 + T + X`` the treatment coefficient is, by Frisch–Waugh–Lovell,
``β = t̃'ỹ / t̃'t̃`` with ``t̃``, ``ỹ`` the residuals of ``T`` and ``Y`` on ``[1, X]``. The
residual maker is computed once (a pivoted QR of ``[1, X]``); then

* permuting the treatment needs ``t_p'ỹ`` and ``‖Q't_p‖²`` for a batch of permutations
  (one matrix product);
* adding a random covariate ``u`` is a 2×2 solve per column of a batch ``U``;
* a dummy outcome ``g + e_π`` needs one dot product per simulation;
* row subsets and bootstrap resamples re-use the cross-products of the standardised
  ``[1, T, X, Y]``: the Gram matrix of a resample is ``Z' diag(w) Z`` (or, for a subset,
  the full Gram minus that of the rows left out).

Examples
--------
>>> import numpy as np
>>> from causal_core.refuters._ols import ols_parts
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(200, 2)); t = x[:, 0] + rng.normal(size=200)
>>> y = 2 * t + x @ [1.0, -1.0]
>>> round(ols_parts(t, y, x).beta, 6)
2.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

__all__ = ["OLSParts", "ols_parts", "GramParts", "gram_parts"]

#: Largest number of float64 cells a batch may allocate (about 40 MB).
MAX_CELLS = 5_000_000


def batch_size(n: int) -> int:
    """Simulations per batch so that an ``n × batch`` matrix stays below :data:`MAX_CELLS`."""
    return int(max(1, min(256, MAX_CELLS // max(n, 1))))


def orthonormal_basis(design: np.ndarray) -> np.ndarray:
    """Orthonormal basis (C-ordered) of the column space of ``design``.

    Fast path: eigen-decomposition of the Gram matrix of the column-scaled design, used when
    it is well conditioned (smallest/largest eigenvalue above 1e-8); otherwise a
    rank-revealing pivoted QR.
    """
    if design.shape[1] == 0:
        return np.zeros((design.shape[0], 0))
    scale = np.sqrt((design**2).sum(axis=0))
    scale[scale == 0] = 1.0
    a = design / scale
    w, v = np.linalg.eigh(a.T @ a)
    if w[0] > 1e-8 * w[-1]:
        return np.ascontiguousarray(a @ (v / np.sqrt(w)))
    q, r, _ = linalg.qr(a, mode="economic", pivoting=True)
    d = np.abs(np.diag(r))
    rank = int((d > d[0] * max(a.shape) * np.finfo(float).eps).sum())
    return np.ascontiguousarray(q[:, :rank])


@dataclass(frozen=True)
class OLSParts:
    """Residual maker of ``[1, X]`` and the residualised treatment and outcome."""

    q: np.ndarray
    qt: np.ndarray
    t: np.ndarray
    y: np.ndarray
    t_res: np.ndarray
    y_res: np.ndarray
    ss_t: float
    ss_tc: float
    beta: float
    resid: np.ndarray

    @property
    def n(self) -> int:
        """Rows."""
        return int(self.t.size)

    @property
    def rank(self) -> int:
        """Rank of ``[1, X]``."""
        return int(self.q.shape[1])

    def residualize(self, v: np.ndarray) -> np.ndarray:
        """``v`` minus its projection on ``[1, X]`` (column-wise)."""
        return v - self.q @ (self.qt @ v)

    def placebo(self, perms: np.ndarray) -> np.ndarray:
        """Treatment coefficients after permuting ``T`` by each row of ``perms``."""
        tp = self.t[perms]  # (c, n), centred T permuted
        num = tp @ self.y_res
        den = self.ss_tc - ((self.qt @ tp.T) ** 2).sum(axis=0)
        return num / den

    def random_covariate(self, u: np.ndarray) -> np.ndarray:
        """Treatment coefficients after adding each column of ``u`` (n × c) as a covariate."""
        ur = self.residualize(u)
        b = self.t_res @ ur
        c = (ur * ur).sum(axis=0)
        e = self.y_res @ ur
        d = float(self.t_res @ self.y_res)
        return (d * c - e * b) / (self.ss_t * c - b * b)

    def dummy_outcome(self, g: np.ndarray, e: np.ndarray, perms: np.ndarray) -> np.ndarray:
        """Treatment coefficients for the outcomes ``g + e[perm]`` (``t̃'M v = t̃'v``)."""
        return (self.t_res @ g + e[perms] @ self.t_res) / self.ss_t


def ols_parts(t: np.ndarray, y: np.ndarray, x: np.ndarray) -> OLSParts:
    """Decompose ``Y ~ 1 + T + X`` once (``t`` one column)."""
    n = t.size
    q = orthonormal_basis(np.column_stack([np.ones(n), x]))
    tc = t - t.mean()
    qt = np.ascontiguousarray(q.T)
    t_res = tc - q @ (qt @ tc)
    y_res = y - q @ (qt @ y)
    ss_t = float(t_res @ t_res)
    beta = float(t_res @ y_res) / ss_t if ss_t > 0 else float("nan")
    return OLSParts(q=q, qt=qt, t=tc, y=y, t_res=t_res, y_res=y_res, ss_t=ss_t,
                    ss_tc=float(tc @ tc), beta=beta, resid=y_res - beta * t_res)


@dataclass(frozen=True)
class GramParts:
    """Standardised ``Z = [1, T, X, Y]`` for resample regressions via cross-products."""

    z: np.ndarray
    mu: np.ndarray
    sd: np.ndarray
    gram: np.ndarray

    def standardize(self, raw: np.ndarray) -> np.ndarray:
        """Apply the full-sample centring and scaling to raw ``[1, T, X, Y]`` rows."""
        return (raw - self.mu) / self.sd

    def beta(self, g: np.ndarray) -> float:
        """Treatment coefficient (original units) from a Gram matrix of standardised ``Z``."""
        k = g.shape[0] - 1
        sol = np.linalg.lstsq(g[:k, :k], g[:k, k], rcond=None)[0]
        return float(sol[1] * self.sd[-1] / self.sd[1])

    def subset(self, left_out: np.ndarray) -> float:
        """Coefficient on all rows except ``left_out``."""
        zo = self.z[left_out]
        return self.beta(self.gram - zo.T @ zo)

    def weighted(self, w: np.ndarray, z: np.ndarray | None = None) -> float:
        """Coefficient with row weights (bootstrap counts) ``w``, optionally other ``z``."""
        z = self.z if z is None else z
        return self.beta((z * w[:, None]).T @ z)


def raw_design(t: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``[1, T, X, Y]`` as one matrix."""
    n = t.size
    return np.column_stack([np.ones(n), t, x, y])


def gram_parts(t: np.ndarray, y: np.ndarray, x: np.ndarray) -> GramParts:
    """Standardise ``[1, T, X, Y]`` (intercept untouched) and form its Gram matrix."""
    raw = raw_design(t, y, x)
    mu = raw.mean(axis=0)
    sd = raw.std(axis=0)
    mu[0], sd[0] = 0.0, 1.0
    sd[sd == 0] = 1.0
    z = (raw - mu) / sd
    return GramParts(z=z, mu=mu, sd=sd, gram=z.T @ z)
