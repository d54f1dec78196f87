"""Sensitivity to unobserved confounding: omitted-variable bias and E-values.

**Omitted-variable bias** (Cinelli & Hazlett 2020, "Making sense of sensitivity", JRSS-B).
For an OLS estimate ``τ̂`` with standard error ``se`` and residual degrees of freedom
``dof``, a confounder ``Z`` that explains ``R²_{D~Z|X}`` of the treatment's residual
variance and ``R²_{Y~Z|D,X}`` of the outcome's changes the estimate by::

    |bias| = se · sqrt(dof) · sqrt(R²_{Y~Z|D,X} · R²_{D~Z|X} / (1 − R²_{D~Z|X}))

The robustness value ``RV_q`` is the equal strength of both partial R² that removes
``100·q %`` of the estimate; ``RV_{q,α}`` the strength that makes it lose significance at
level α. Bounds compare ``Z`` with an observed covariate ``X_j``: a confounder ``k_D`` times
as strong as ``X_j`` with the treatment and ``k_Y`` times with the outcome has
``R²_{D~Z|X} = k_D · f²_{D~X_j|X_{−j}}`` and the ``R²_{Y~Z|D,X}`` of their eq. (B.9).

**E-values** (VanderWeele & Ding 2017, Annals of Internal Medicine): the minimum strength of
association, on the risk-ratio scale, that a confounder needs with both treatment and
outcome to explain an observed risk ratio away: ``E = RR + sqrt(RR · (RR − 1))`` (for RR ≥ 1;
``1/RR`` otherwise). Odds and hazard ratios are converted to risk ratios (square root when
the outcome is common), a mean difference through the standardised difference ``d``:
``RR ≈ exp(0.91 d)``, interval ``exp(0.91 d ± 1.78 se_d)``.

Examples
--------
>>> from causal_core.sensitivity import e_value, robustness_value
>>> round(robustness_value(4.18445, 783), 4), round(robustness_value(4.18445, 783, alpha=0.05), 4)
(0.1388, 0.0763)
>>> round(e_value(3.9, 1.8, 8.7).e_value, 2)
7.26
"""

from __future__ import annotations

from .evalue import EValue, e_value, e_value_for_estimate
from .ovb import (
    BenchmarkBound,
    OVBSensitivity,
    adjusted_estimate,
    adjusted_se,
    adjusted_t,
    bias,
    confounder_bounds,
    covariate_groups,
    covariate_partial_r2,
    ovb_sensitivity,
    ovb_sensitivity_from_stats,
    partial_f2,
    partial_r2,
    robustness_value,
)

__all__ = [
    "partial_r2", "partial_f2", "robustness_value", "bias", "adjusted_estimate",
    "adjusted_se", "adjusted_t", "confounder_bounds", "covariate_partial_r2",
    "covariate_groups", "BenchmarkBound", "OVBSensitivity", "ovb_sensitivity",
    "ovb_sensitivity_from_stats", "EValue", "e_value", "e_value_for_estimate",
]
