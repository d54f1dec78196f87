"""Instrumental variables: the Wald ratio and two-stage least squares.

Both report the first-stage F-statistic of the excluded instruments and warn when it is
below 10 (Staiger & Stock 1997): a weak instrument biases 2SLS towards OLS and makes its
interval unreliable. Standard errors are heteroscedasticity-robust (HC1). With a binary
treatment and heterogeneous effects, the estimate is a local average effect (compliers).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> u = rng.normal(size=5000); z = rng.integers(0, 2, 5000)
>>> t = z + u + rng.normal(size=5000); y = 2.0 * t + 3 * u + rng.normal(size=5000)
>>> df = pd.DataFrame({"z": z, "t": t, "y": y})
>>> g = cc.CausalGraph(edges=[("z", "t"), ("t", "y")], bidirected=[("t", "y")])
>>> est = cc.estimate(df, cc.identify(g, "t", "y"), method="iv_2sls")
>>> bool(est.ci_low < 2.0 < est.ci_high)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import EstimationError
from ..identify import Estimand, Identification
from ._stats import ols, scale_matrix
from .base import Estimator, contrast, methods_that_fit, register
from .prepare import Problem, Roles
from .result import EffectEstimate

__all__ = ["TwoStageLeastSquares", "WaldIV", "two_sls"]


def two_sls(
    y: np.ndarray, t: np.ndarray, z: np.ndarray, w: np.ndarray
) -> tuple[float, float, float, int]:
    """2SLS of ``y`` on ``t`` instrumented by ``z``, with exogenous ``w`` (intercept added).

    Returns ``(coefficient, HC1 standard error, first-stage F, instruments)``.
    """
    n = y.size
    one = np.ones((n, 1))
    exog = np.hstack([one, w])
    zfull = np.hstack([exog, z])
    names = ["Intercept", *[f"covariate {j}" for j in range(w.shape[1])],
             *[f"instrument {j}" for j in range(z.shape[1])]]
    first = ols(zfull, t, robust=False, names=names)
    t_hat = zfull @ first.beta
    rss_u = float(((t - t_hat) ** 2).sum())
    g_r = ols(exog, t, robust=False).beta
    rss_r = float(((t - exog @ g_r) ** 2).sum())
    q = z.shape[1]
    dof = n - zfull.shape[1]
    f_stat = ((rss_r - rss_u) / q) / (rss_u / dof) if rss_u > 0 else np.inf
    if not rss_r - rss_u > 1e-12 * max(rss_r, 1e-300):
        raise EstimationError(
            "The instruments do not move the treatment at all once the covariates are taken "
            "into account (first-stage F = 0): no IV estimate is possible. Check the instrument."
        )
    x_hat = np.hstack([one, t_hat[:, None], w])
    x = np.hstack([one, t[:, None], w])
    a = scale_matrix(x_hat)
    xs = x_hat @ a
    bread_s = np.linalg.pinv(xs.T @ xs)
    beta = a @ (bread_s @ (xs.T @ y))
    u = y - x @ beta
    meat = (xs * (u**2)[:, None]).T @ xs
    cov = a @ (bread_s @ meat @ bread_s) @ a.T * n / (n - x.shape[1])
    return float(beta[1]), float(np.sqrt(max(cov[1, 1], 0.0))), float(f_stat), q


class _IVBase(Estimator):
    estimands = ("iv",)
    treatment_types = ("binary", "continuous")
    targets = ("ate",)

    instruments: Sequence[str] | str | None

    def roles(
        self, identification: Identification, adjustment_set: Sequence[str] | None
    ) -> tuple[Roles, Estimand]:
        est = identification.estimand
        assert est is not None
        notes: list[str] = []
        if self.instruments is not None:
            inst = [self.instruments] if isinstance(self.instruments, str) else list(self.instruments)
            cond = list(adjustment_set or (est.adjustment_set if est.kind == "iv" else ()))
            notes.append("Instruments were given by the user and are not checked against the graph.")
        elif est.kind == "iv":
            inst, cond = list(est.instruments), list(est.adjustment_set)
        elif identification.instruments:
            pairs = sorted(identification.instruments, key=lambda p: (len(p[1]), str(p[0])))
            cond = list(pairs[0][1])
            inst = [str(i) for i, c in pairs if sorted(c) == sorted(cond)]
            notes.append(
                f"The graph's estimand is {est.kind}; instruments {inst} (conditioning on "
                f"{cond or 'nothing'}) were taken from the identification's instrument list."
            )
        else:
            raise EstimationError(
                f"{self.label} needs an instrument, but the identification found none for "
                f"{est.treatment[0]!r} -> {est.outcome[0]!r} (its estimand is {est.kind}). Methods "
                f"that fit a {est.kind} estimand: {', '.join(methods_that_fit(estimand=est.kind))}. "
                "Or pass instruments=[...] if you know a valid instrument."
            )
        if adjustment_set is not None:
            cond = list(adjustment_set)
        if not inst:
            raise EstimationError("instruments is empty; name at least one instrument column.")
        used = Estimand(
            kind="iv", treatment=est.treatment, outcome=est.outcome,
            adjustment_set=tuple(cond), instruments=tuple(inst),
            description=f"Instrumental variables {inst}"
            + (f" given {cond}" if cond else "") + ".",
        )
        return Roles(covariates=tuple(cond), instruments=tuple(inst), notes=tuple(notes)), used

    def _finish(self, problem: Problem, *, target: str, alpha: float, label: str) -> EffectEstimate:
        t0, t1, l0, l1 = contrast(problem, getattr(self, "control_value", None),
                                  getattr(self, "treatment_value", None))
        if problem.z.shape[1] == 0:
            raise EstimationError(
                f"The instrument column(s) {list(problem.roles.instruments)} are constant in the "
                "rows used: an instrument must vary."
            )
        beta, se, f_stat, q = two_sls(problem.y, problem.t, problem.z, problem.x)
        scale = t1 - t0
        notes: list[str] = []
        if f_stat < 10:
            notes.append(
                f"Weak instrument: the first-stage F-statistic is {f_stat:.1f} (below 10). The "
                "estimate is biased towards the confounded OLS and its interval is unreliable; "
                "find a stronger instrument."
            )
        if problem.treatment_type == "binary":
            notes.append(
                "With a binary treatment and effects that differ between units, the IV estimate "
                "is the average effect among compliers (a LATE)."
            )
        return self.result(
            problem, value=beta * scale, se=se * abs(scale), target=target, alpha=alpha,
            ci_method=f"analytic: HC1 robust standard error of {label}, normal approximation",
            contrast=(l0, l1), warnings=notes,
            diagnostics={"first_stage_F": f_stat, "n_instruments": q,
                         "instruments": list(problem.z_names)},
        )


@register
class WaldIV(_IVBase):
    """The Wald ratio: one binary instrument, no covariates.

    ``(E[Y | Z=1] - E[Y | Z=0]) / (E[T | Z=1] - E[T | Z=0])``.

    Parameters
    ----------
    instruments : str or list of str, optional
        The instrument; default: the identification's.
    """

    name = "iv_wald"
    order = 6
    label = "Wald ratio (IV)"
    description = "Ratio of the instrument's effects on outcome and treatment (one binary instrument)."

    def __init__(self, *, instruments: Sequence[str] | str | None = None) -> None:
        self.instruments = instruments

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        if problem.z.shape[1] != 1 or np.unique(problem.z[:, 0]).size != 2:
            raise EstimationError(
                f"The Wald ratio needs exactly one binary instrument; got "
                f"{list(problem.roles.instruments)} ({problem.z.shape[1]} encoded column(s)). "
                "Use method='iv_2sls' for several or non-binary instruments."
            )
        if problem.x.shape[1]:
            raise EstimationError(
                f"The Wald ratio takes no covariates, but the instrument is conditioned on "
                f"{list(problem.roles.covariates)}. Use method='iv_2sls'."
            )
        return self._finish(problem, target=target, alpha=alpha, label="the Wald ratio")


@register
class TwoStageLeastSquares(_IVBase):
    """Two-stage least squares with any number of instruments and covariates.

    Parameters
    ----------
    instruments : str or list of str, optional
        Instruments; default: the identification's.
    control_value, treatment_value : optional
        Contrast for a continuous treatment (default one unit).
    """

    name = "iv_2sls"
    order = 7
    label = "Two-stage least squares (IV)"
    description = "2SLS with one or more instruments and covariates; first-stage F reported."

    def __init__(
        self,
        *,
        instruments: Sequence[str] | str | None = None,
        control_value: Any = None,
        treatment_value: Any = None,
    ) -> None:
        self.instruments = instruments
        self.control_value = control_value
        self.treatment_value = treatment_value

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        return self._finish(problem, target=target, alpha=alpha, label="2SLS")
