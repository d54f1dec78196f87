"""Front-door adjustment, linear two-stage.

Stage 1 regresses each mediator on the treatment (``a``); stage 2 regresses the outcome on
the mediators and the treatment (``b``, the mediators' effects with the treatment blocking
their back-door paths). The effect is ``a · b``; its standard error is the delta method with
HC1 covariances of both stages (asymptotically independent), ``b'Σa b + a'Σb a``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> u = rng.normal(size=5000); t = u + rng.normal(size=5000)
>>> m = 2 * t + rng.normal(size=5000); y = 1.5 * m + 2 * u + rng.normal(size=5000)
>>> df = pd.DataFrame({"t": t, "m": m, "y": y})
>>> g = cc.CausalGraph(edges=[("t", "m"), ("m", "y")], bidirected=[("t", "y")])
>>> est = cc.estimate(df, cc.identify(g, "t", "y"), method="frontdoor")
>>> bool(abs(est.value - 3.0) < 0.3)  # true effect 3.0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import EstimationError
from ..identify import Estimand, Identification
from ._stats import ols
from .base import Estimator, contrast, methods_that_fit, register
from .prepare import Problem, Roles
from .result import EffectEstimate

__all__ = ["FrontDoorTwoStage"]


@register
class FrontDoorTwoStage(Estimator):
    """Linear front-door estimator (product of the two stages).

    Parameters
    ----------
    mediators : str or list of str, optional
        The front-door set; default: the identification's.
    control_value, treatment_value : optional
        Contrast for a continuous treatment (default one unit).
    """

    name = "frontdoor"
    order = 8
    label = "Front-door two-stage regression"
    description = "Treatment → mediator and mediator → outcome regressions, multiplied."
    estimands = ("frontdoor",)
    treatment_types = ("binary", "continuous")
    targets = ("ate",)

    def __init__(
        self,
        *,
        mediators: Sequence[str] | str | None = None,
        control_value: Any = None,
        treatment_value: Any = None,
    ) -> None:
        self.mediators = mediators
        self.control_value = control_value
        self.treatment_value = treatment_value

    def roles(
        self, identification: Identification, adjustment_set: Sequence[str] | None
    ) -> tuple[Roles, Estimand]:
        est = identification.estimand
        assert est is not None
        notes: list[str] = []
        if self.mediators is not None:
            med = [self.mediators] if isinstance(self.mediators, str) else list(self.mediators)
            notes.append("Mediators were given by the user and are not checked against the graph.")
        elif est.kind == "frontdoor":
            med = list(est.mediators)
        elif identification.frontdoor_sets:
            med = list(identification.frontdoor_sets[0])
            notes.append(
                f"The graph's estimand is {est.kind}; the front-door set {med} was taken from "
                "the identification's front-door sets."
            )
        else:
            raise EstimationError(
                f"{self.label} needs a front-door set, but the identification found none "
                f"(its estimand is {est.kind}). Methods that fit a {est.kind} estimand: "
                f"{', '.join(methods_that_fit(estimand=est.kind))}."
            )
        if not med:
            raise EstimationError("mediators is empty; name at least one mediator column.")
        if adjustment_set:
            notes.append("The front-door estimator ignores the adjustment set.")
        used = Estimand(
            kind="frontdoor", treatment=est.treatment, outcome=est.outcome,
            mediators=tuple(med), description=f"Front-door adjustment through {med}.",
        )
        return Roles(mediators=tuple(med), notes=tuple(notes)), used

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        t0, t1, l0, l1 = contrast(problem, self.control_value, self.treatment_value)
        n, m = problem.n, problem.m
        if m.shape[1] == 0:
            raise EstimationError(
                f"The mediator column(s) {list(problem.roles.mediators)} are constant: "
                "the front-door path carries no variation."
            )
        d1 = np.column_stack([np.ones(n), problem.t])
        coef = np.linalg.lstsq(d1, m, rcond=None)[0]
        a = coef[1]
        resid = m - d1 @ coef
        h = (np.linalg.pinv(d1.T @ d1) @ d1.T)[1]
        cov_a = (resid * (h**2)[:, None]).T @ resid * n / (n - 2)
        d2 = np.column_stack([np.ones(n), m, problem.t])
        fit = ols(d2, problem.y)
        k = m.shape[1]
        b = fit.beta[1 : 1 + k]
        cov_b = fit.cov[1 : 1 + k, 1 : 1 + k]
        scale = t1 - t0
        value = float(a @ b) * scale
        se = float(np.sqrt(max(b @ cov_a @ b + a @ cov_b @ a, 0.0))) * abs(scale)
        return self.result(
            problem, value=value, se=se, target=target, alpha=alpha,
            ci_method="analytic: delta method with HC1 covariances of both stages, normal "
            "approximation",
            contrast=(l0, l1),
            diagnostics={"treatment_to_mediator": dict(zip(problem.m_names, a.tolist(),
                                                            strict=True)),
                         "mediator_to_outcome": dict(zip(problem.m_names, b.tolist(),
                                                         strict=True))},
        )
