"""``t_ci`` calls scipy's special functions directly: the same numbers as ``scipy.stats``.

The reference is the code it replaced (``stats.norm`` or a frozen ``stats.t``), run on a grid
of values, standard errors, levels and degrees of freedom, edges included; the two must agree
to the bit, so no estimate, interval or p-value anywhere changes.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from causal_core.estimators._stats import normal_ci, t_ci


def _reference(value, se, alpha, dof=None):
    dist = stats.norm if dof is None or not np.isfinite(dof) else stats.t(df=max(float(dof), 1.0))
    if not np.isfinite(se) or se <= 0:
        return value, value, 0.0 if value != 0 else 1.0
    q = float(dist.ppf(1.0 - alpha / 2.0))
    p = float(2.0 * dist.sf(abs(value) / se))
    return value - q * se, value + q * se, p


VALUES = [0.0, -0.0, 1e-300, 0.3, -2.5, 7.0, 1e8, -1e300, math.inf, math.nan]
SES = [1e-12, 0.01, 0.5, 3.0, 1e200, 0.0, -1.0, math.nan, math.inf]
ALPHAS = [1e-6, 0.01, 0.05, 0.1, 0.5, 0.999]
DOFS = [None, math.inf, math.nan, 0.2, 1.0, 1.5, 3.0, 29.0, 1e4, 1e12]


def _same(a, b):
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("dof", DOFS)
def test_equal_to_scipy_stats_to_the_bit(dof):
    for value, se, alpha in itertools.product(VALUES, SES, ALPHAS):
        got, want = t_ci(value, se, alpha, dof), _reference(value, se, alpha, dof)
        assert _same(got, want), (value, se, alpha, dof, got, want)


def test_equal_on_random_draws():
    rng = np.random.default_rng(0)
    for _ in range(3000):
        value = rng.normal(0, 10) * 10.0 ** rng.integers(-3, 4)
        se = rng.gamma(1.0) * 10.0 ** rng.integers(-3, 3)
        alpha, dof = rng.uniform(1e-4, 0.5), [None, rng.uniform(1, 200)][rng.integers(2)]
        assert _same(t_ci(value, se, alpha, dof), _reference(value, se, alpha, dof))
    assert _same(normal_ci(1.0, 0.5, 0.05), _reference(1.0, 0.5, 0.05))


def test_known_values():
    lo, hi, p = t_ci(1.96, 1.0, 0.05)
    assert lo == pytest.approx(1.96 - 1.959963984540054, abs=1e-15) and p == pytest.approx(0.05, abs=1e-4)
    lo, hi, p = t_ci(0.0, 1.0, 0.05, dof=10)  # t(10) 97.5 % quantile 2.228138851986...
    assert hi == pytest.approx(2.2281388519649385, rel=1e-12) and p == 1.0
