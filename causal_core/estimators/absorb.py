"""Fixed effects absorbed by the within transformation (no dummy columns).

A categorical covariate with more levels than dummy coding can carry (a village, a store,
a school identifier) enters the regression as fixed effects: every column and the outcome
are demeaned within its levels (Frisch–Waugh–Lovell), so its hundreds of level effects are
never estimated. With several such columns the demeaning alternates between them until it
converges (the method of alternating projections, Guimarães & Portugal 2010), bounded by
:data:`MAX_SWEEPS` sweeps. The residual degrees of freedom subtract the absorbed levels.

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators.absorb import within
>>> m, dof, ok = within(np.array([[1.0], [3.0], [10.0], [14.0]]), np.array([[0], [0], [1], [1]]))
>>> m.ravel().tolist(), dof, ok
([-1.0, 1.0, -2.0, 2.0], 2, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["within", "single_arm_share", "MAX_SWEEPS"]

#: Most demeaning sweeps over several fixed effects before giving up (with a warning).
MAX_SWEEPS = 500


def _demean(m: np.ndarray, codes: np.ndarray, n_levels: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_levels).astype(float)
    counts[counts == 0] = 1.0
    sums = np.stack([np.bincount(codes, weights=m[:, j], minlength=n_levels)
                     for j in range(m.shape[1])], axis=1)
    return m - (sums / counts[:, None])[codes]


def within(m: np.ndarray, fe: np.ndarray, *, tol: float = 1e-11) -> tuple[np.ndarray, int, bool]:
    """``(demeaned m, absorbed degrees of freedom, converged)``.

    ``fe`` holds one column of integer level codes per absorbed factor.
    """
    levels = [int(fe[:, g].max()) + 1 if fe.shape[0] else 0 for g in range(fe.shape[1])]
    out = m.astype(float, copy=True)
    dof = sum(levels) - max(fe.shape[1] - 1, 0)
    if fe.shape[1] == 1:
        return _demean(out, fe[:, 0], levels[0]), dof, True
    scale = max(float(np.abs(out).max(initial=0.0)), 1e-300)
    for _ in range(MAX_SWEEPS):
        before = out
        for g in range(fe.shape[1]):
            out = _demean(out, fe[:, g], levels[g])
        if float(np.abs(out - before).max(initial=0.0)) < tol * scale:
            return out, dof, True
    return out, dof, False


def single_arm_share(t: np.ndarray, codes: np.ndarray) -> float:
    """Share of units in levels where every unit has the same treatment value."""
    n_levels = int(codes.max()) + 1
    lo = np.full(n_levels, np.inf)
    hi = np.full(n_levels, -np.inf)
    np.minimum.at(lo, codes, t)
    np.maximum.at(hi, codes, t)
    return float(np.mean(lo[codes] == hi[codes]))
