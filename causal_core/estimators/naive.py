"""Naive association: the rung-1 baseline every causal estimate is compared against.

Difference in means for a binary (or categorical, between two levels) treatment; the
least-squares slope for a continuous one. No adjustment at all.

Examples
--------
>>> import pandas as pd
>>> import causal_core as cc
>>> df = pd.DataFrame({"t": [0, 0, 1, 1], "y": [1.0, 2.0, 4.0, 5.0]})
>>> g = cc.CausalGraph(edges=[("t", "y")])
>>> cc.estimate(df, cc.identify(g, "t", "y"), method="naive").value
3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..exceptions import EstimationError
from ..identify import Identification
from ._stats import ols
from .base import Estimator, contrast, register
from .prepare import Problem, Roles
from .result import EffectEstimate

__all__ = ["NaiveAssociation"]


@register
class NaiveAssociation(Estimator):
    """Unadjusted association between treatment and outcome.

    Parameters
    ----------
    control_value, treatment_value : optional
        The contrast: levels for a binary/categorical treatment, values for a continuous one
        (default ``0 -> 1``, i.e. the slope).
    """

    name = "naive"
    order = 0
    label = "Naive association"
    description = "Difference in means (or OLS slope) with no adjustment: the rung-1 baseline."
    estimands = ("backdoor", "frontdoor", "iv")
    treatment_types = ("binary", "continuous", "categorical")
    targets = ("ate", "att", "atc")

    def __init__(self, *, control_value: Any = None, treatment_value: Any = None) -> None:
        self.control_value = control_value
        self.treatment_value = treatment_value

    def roles(
        self, identification: Identification, adjustment_set: Sequence[str] | None
    ) -> tuple[Roles, Any]:
        notes: tuple[str, ...] = ()
        if adjustment_set:
            notes = ("The naive association ignores the adjustment set.",)
        return Roles(notes=notes), identification.estimand

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        t0, t1, l0, l1 = contrast(problem, self.control_value, self.treatment_value)
        notes = ["Association only: confounding is not adjusted for."]
        if problem.treatment_type == "continuous":
            design = np.column_stack([np.ones(problem.n), problem.t])
            fit = ols(design, problem.y)
            value = fit.beta[1] * (t1 - t0)
            se = fit.se[1] * abs(t1 - t0)
            dof = float(fit.dof)
            ci = f"analytic: HC1 robust standard error of the slope, Student-t with {fit.dof} dof"
        else:
            y1, y0 = problem.y[problem.t == t1], problem.y[problem.t == t0]
            if y1.size < 2 or y0.size < 2:
                raise EstimationError(
                    f"The naive difference needs at least 2 rows at {l1!r} and at {l0!r} of "
                    f"{problem.treatment!r}; there are {y1.size} and {y0.size}."
                )
            value = y1.mean() - y0.mean()
            a1, a0 = y1.var(ddof=1) / y1.size, y0.var(ddof=1) / y0.size
            se = np.sqrt(a1 + a0)
            den = a1**2 / (y1.size - 1) + a0**2 / (y0.size - 1)
            dof = float((a1 + a0) ** 2 / den) if den > 0 else float(y1.size + y0.size - 2)
            ci = (f"analytic: Welch (unequal-variance) standard error, Student-t with "
                  f"{dof:.1f} Welch–Satterthwaite dof")
        if target != "ate":
            notes.append(f"Without adjustment the {target.upper()} is the same association.")
        return self.result(
            problem, value=value, se=se, target=target, alpha=alpha, ci_method=ci,
            contrast=(l0, l1), warnings=notes, dof=dof,
        )
