"""Linear regression adjustment with heteroscedasticity-robust (HC1) standard errors.

``Y ~ 1 + T + X [+ E] [+ T:E]``: ``X`` the back-door covariates, ``E`` optional effect
modifiers. The effect of the contrast ``t0 -> t1`` is the average, over the target rows,
of the predicted outcome at ``t1`` minus that at ``t0``; it is linear in the coefficients,
so its standard error is exact under HC1 (delta method), and so are the per-bin effects.

``modifier_main_effects=False`` drops the ``E`` main effects: that is DoWhy's
specification (``Y ~ T + X + T*E``, with ``E`` the outcome's causes that are not
confounders), to reproduce its number.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=1000); t = w + rng.normal(size=1000)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 3 * t + 2 * w + rng.normal(size=1000)})
>>> g = cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")])
>>> round(cc.estimate(df, cc.identify(g, "t", "y"), method="linear_regression").value, 1)
3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import EstimationError
from ..identify import Estimand, Identification
from ._stats import normal_ci, ols
from .base import Estimator, contrast, register
from .prepare import Problem, Roles
from .result import EffectEstimate, SubgroupEffect

__all__ = ["LinearRegression", "outcome_only_causes"]


def outcome_only_causes(identification: Identification, covariates: Sequence[str]) -> list[str]:
    """Observed parents of the outcome that are neither the treatment, its descendants,
    nor already covariates: DoWhy's default effect modifiers."""
    g = identification.graph
    (t,), (y,) = identification.treatment[:1], identification.outcome[:1]
    desc = g.descendants([t])
    return [
        p
        for p in g.parents(y)
        if p != t and p not in desc and p not in covariates and g.is_observed(p)
    ]


def _treatment_terms(t: np.ndarray, kind: str, n_levels: int) -> np.ndarray:
    if kind == "categorical":
        return (t[:, None] == np.arange(1, n_levels)[None, :]).astype(float)
    return t[:, None]


@register
class LinearRegression(Estimator):
    """Back-door adjustment by ordinary least squares, HC1 standard errors.

    Parameters
    ----------
    effect_modifiers : list of str, "auto" or None
        Columns interacted with the treatment; ``"auto"`` takes the outcome's observed causes
        that are not covariates (as DoWhy does). Per-bin effects appear in ``subgroups``.
    modifier_main_effects : bool
        Include the modifiers' main effects (True, the standard model) or only the
        interactions (False, DoWhy's specification).
    n_bins : int
        Quantile bins for a numeric modifier's per-bin effects.
    control_value, treatment_value : optional
        The contrast ``t0 -> t1`` (default ``0 -> 1``: per unit for a continuous treatment).
    """

    name = "linear_regression"
    order = 1
    label = "Linear regression adjustment"
    description = "OLS of the outcome on treatment and covariates; HC1 robust standard errors."
    treatment_types = ("binary", "continuous", "categorical")
    targets = ("ate", "att", "atc")

    def __init__(
        self,
        *,
        effect_modifiers: Sequence[str] | str | None = None,
        modifier_main_effects: bool = True,
        n_bins: int = 4,
        control_value: Any = None,
        treatment_value: Any = None,
    ) -> None:
        self.effect_modifiers = effect_modifiers
        self.modifier_main_effects = modifier_main_effects
        self.n_bins = n_bins
        self.control_value = control_value
        self.treatment_value = treatment_value

    def roles(
        self, identification: Identification, adjustment_set: Sequence[str] | None
    ) -> tuple[Roles, Estimand]:
        roles, estimand = super().roles(identification, adjustment_set)
        em = self.effect_modifiers
        if em is None:
            mods: list[str] = []
        elif isinstance(em, str) and em == "auto":
            mods = outcome_only_causes(identification, roles.covariates)
        elif isinstance(em, str):
            mods = [em]
        else:
            mods = [str(c) for c in em]
        treat = identification.treatment[0]
        if treat in mods:
            raise EstimationError(
                f"The treatment {treat!r} cannot be its own effect modifier; remove it from "
                "effect_modifiers."
            )
        return Roles(covariates=roles.covariates, modifiers=tuple(mods), notes=roles.notes), estimand

    def _design(self, problem: Problem, n_levels: int) -> tuple[np.ndarray, int, int]:
        d = _treatment_terms(problem.t, problem.treatment_type, n_levels)
        parts = [np.ones((problem.n, 1)), d, problem.x]
        if problem.e.shape[1] and self.modifier_main_effects:
            fresh = [j for j, nm in enumerate(problem.e_names) if nm not in problem.x_names]
            parts.append(problem.e[:, fresh])
        if problem.e.shape[1]:
            parts.append((d[:, :, None] * problem.e[:, None, :]).reshape(problem.n, -1))
        return np.hstack(parts), d.shape[1], sum(p.shape[1] for p in parts[:-1])

    def _gradient(self, dg: np.ndarray, e_mean: np.ndarray, k: int, inter_at: int) -> np.ndarray:
        c = np.zeros(k)
        c[1 : 1 + dg.size] = dg
        if e_mean.size:
            c[inter_at:] = np.outer(dg, e_mean).ravel()
        return c

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        if int(self.n_bins) < 1:
            raise EstimationError(f"n_bins must be a positive integer; got {self.n_bins!r}.")
        t0, t1, l0, l1 = contrast(problem, self.control_value, self.treatment_value)
        kind = problem.treatment_type
        if target != "ate" and kind == "continuous":
            raise EstimationError(
                f"The {target.upper()} needs a binary treatment (who is 'treated'?); "
                f"{problem.treatment!r} is continuous. Use target='ate'."
            )
        n_levels = len(problem.levels)
        design, n_t, inter_at = self._design(problem, n_levels)
        if not problem.e.shape[1]:
            inter_at = design.shape[1]
        fit = ols(design, problem.y)
        notes: list[str] = []
        if fit.rank < design.shape[1]:
            notes.append(
                "Some covariates are collinear (the design matrix is rank deficient); the "
                "treatment coefficient is still estimated if the treatment varies beyond them."
            )
            _check_treatment_varies(problem, design, n_t)
        g = _treatment_terms(np.array([t0, t1]), kind, n_levels)
        dg = g[1] - g[0]
        rows = np.ones(problem.n, dtype=bool)
        if target == "att":
            rows = problem.t == t1
        elif target == "atc":
            rows = problem.t == t0
        if not rows.any():
            raise EstimationError(
                f"No rows have {problem.treatment!r} = {(l1 if target == 'att' else l0)!r}: "
                f"the {target.upper()} has no population to average over."
            )
        e_mean = problem.e[rows].mean(axis=0) if problem.e.shape[1] else np.zeros(0)
        c = self._gradient(dg, e_mean, design.shape[1], inter_at)
        value = float(c @ fit.beta)
        se = float(np.sqrt(max(c @ fit.cov @ c, 0.0)))
        subgroups = self._subgroups(problem, fit, dg, design.shape[1], inter_at, rows, alpha)
        spec = "OLS"
        if problem.e.shape[1]:
            spec += " with treatment × " + ", ".join(problem.roles.modifiers) + " interactions"
            if not self.modifier_main_effects:
                spec += " (no modifier main effects: DoWhy's specification)"
        diagnostics = {
            "specification": spec,
            "coefficients": dict(zip(self._names(problem, n_levels), fit.beta.tolist(),
                                     strict=False)),
            "r_squared": float(1 - fit.resid.var() / problem.y.var()) if problem.y.var() else 1.0,
        }
        return self.result(
            problem, value=value, se=se, target=target, alpha=alpha,
            ci_method="analytic: HC1 robust standard errors (delta method), normal approximation",
            contrast=(l0, l1), warnings=notes, diagnostics=diagnostics, subgroups=subgroups,
        )

    def _names(self, problem: Problem, n_levels: int) -> list[str]:
        tn = problem.treatment
        tnames = (
            [f"{tn}={lv}" for lv in problem.levels[1:]]
            if problem.treatment_type == "categorical" else [tn]
        )
        names = ["Intercept", *tnames, *problem.x_names]
        if problem.e.shape[1] and self.modifier_main_effects:
            names += [nm for nm in problem.e_names if nm not in problem.x_names]
        names += [f"{a}:{b}" for a in tnames for b in problem.e_names]
        return names

    def _subgroups(
        self, problem: Problem, fit: Any, dg: np.ndarray, k: int, inter_at: int,
        rows: np.ndarray, alpha: float,
    ) -> tuple[SubgroupEffect, ...]:
        out: list[SubgroupEffect] = []
        frame = problem.modifier_frame
        for col in frame.columns:
            s = frame[col]
            if pd.api.types.is_numeric_dtype(s) and s.nunique() > int(self.n_bins):
                bins = pd.qcut(s, int(self.n_bins), duplicates="drop").astype(str)
            else:
                bins = s.astype(str)
            bins_arr = bins.to_numpy()
            for label in pd.unique(bins_arr[rows]):
                mask = rows & (bins_arr == label)
                c = self._gradient(dg, problem.e[mask].mean(axis=0), k, inter_at)
                v = float(c @ fit.beta)
                se = float(np.sqrt(max(c @ fit.cov @ c, 0.0)))
                lo, hi, _ = normal_ci(v, se, alpha)
                out.append(SubgroupEffect(str(col), str(label), int(mask.sum()), v, se, lo, hi))
        return tuple(out)


def _check_treatment_varies(problem: Problem, design: np.ndarray, n_t: int) -> None:
    others = np.delete(design, np.s_[1 : 1 + n_t], axis=1)
    d = design[:, 1 : 1 + n_t]
    coef = np.linalg.lstsq(others, d, rcond=None)[0]
    resid = d - others @ coef
    if np.all(resid.var(axis=0) <= 1e-12 * max(d.var(), 1e-300)):
        raise EstimationError(
            f"The treatment {problem.treatment!r} is fully determined by the covariates "
            f"{list(problem.roles.covariates)}: no variation is left to estimate its effect "
            "(a positivity violation). Drop the covariate that duplicates the treatment."
        )
