"""Specification checks of the regression estimator: heterogeneity and curvature.

Both are Wald tests with the fit's robust covariance; each returns ``None`` (nothing to
say) or a warning whose sentence carries its p-value. A third, deterministic rule warns
whenever a 0/1 outcome is adjusted for covariates by a linear model (a linear probability
model): the tests above detect its misfit in only part of the samples where it matters.
The tests can detect an effect that varies linearly with the covariates (the additive
model's coefficient is then a variance-weighted average, not the ATE; Słoczyński 2022)
and curvature that the fitted values reveal (Ramsey's RESET); they cannot detect
non-linearity the fitted values do not reflect, nor any confounding.

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators.regression_checks import wald_p
>>> round(wald_p(np.array([0.0]), np.eye(1)), 3)
1.0
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._stats import OLSFit, ols
from .absorb import within

__all__ = ["wald_p", "reset_warning", "heterogeneity_warning", "binary_outcome_warning",
           "CHECK_LEVEL"]

#: Significance level of the specification checks (a warning below it).
CHECK_LEVEL = 0.01


def wald_p(coef: np.ndarray, cov: np.ndarray) -> float:
    """p-value of the joint Wald test that ``coef`` is zero (chi-squared)."""
    if coef.size == 0:
        return 1.0
    stat = float(coef @ np.linalg.pinv(cov) @ coef)
    return float(stats.chi2.sf(stat, df=coef.size))


def reset_warning(design: np.ndarray, y: np.ndarray, fit: OLSFit, absorbed_dof: int = 0,
                  fe: np.ndarray | None = None) -> str | None:
    """Ramsey's RESET: add the squared and cubed (standardised) fitted values (demeaned
    within the fixed effects ``fe`` when the design was)."""
    fitted = y - fit.resid
    sd = fitted.std()
    if not sd > 0 or design.shape[0] < design.shape[1] + 10:
        return None
    z = (fitted - fitted.mean()) / sd
    powers = np.column_stack([z**2, z**3])
    if fe is not None:
        powers = within(powers, fe)[0]
    aug = np.column_stack([design, powers])
    k = design.shape[1]
    big = ols(aug, y, absorbed_dof=absorbed_dof)
    keep = [j for j in (k, k + 1) if j not in big.dropped]
    p = wald_p(big.beta[keep], big.cov[np.ix_(keep, keep)])
    if p >= CHECK_LEVEL:
        return None
    return (f"The linear outcome model misses curvature (RESET test, p = {p:.2g}): the "
            "adjustment may be incomplete and the estimate biased. Add transformed covariates "
            "(squares, interactions, bins) or use AIPW with a flexible outcome model.")


def heterogeneity_warning(fit: OLSFit, inter_cols: list[int]) -> str | None:
    """Wald test of the treatment × covariate interactions of the interacted model."""
    keep = [j for j in inter_cols if j not in fit.dropped]
    p = wald_p(fit.beta[keep], fit.cov[np.ix_(keep, keep)])
    if p >= CHECK_LEVEL:
        return None
    return (f"The effect varies with the covariates (Wald test of the treatment × covariate "
            f"interactions, p = {p:.2g}); the additive model's treatment coefficient then "
            "weights units by the variance of their treatment given the covariates and is not "
            "the ATE. Set interactions=True for the ATE (Lin 2013).")


def binary_outcome_warning(y: np.ndarray, fitted: np.ndarray, n_covariates: int) -> str | None:
    """A 0/1 outcome adjusted for covariates by a linear model: always a warning.

    A probability is linear in continuous covariates only by coincidence, so the adjustment
    is an approximation whatever a test says; the sentence gives the share of fitted
    probabilities outside [0, 1], the visible part of the misfit.
    """
    if n_covariates == 0 or y.size == 0 or not np.isin(y, (0.0, 1.0)).all():
        return None
    out = float(np.mean((fitted < 0) | (fitted > 1)))
    return ("The outcome takes only the values 0 and 1, so the linear model is a linear "
            "probability model: it adjusts for the covariates exactly only if the probability "
            f"is linear in them ({100 * out:.1f}% of the fitted probabilities fall outside "
            "[0, 1]). Its effect is a risk difference under that approximation; compare with "
            "IPW or AIPW, which do not need the outcome model to be right.")
