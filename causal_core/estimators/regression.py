"""Linear regression adjustment with heteroscedasticity-robust (HC1) standard errors.

``Y ~ 1 + T + X [+ E] [+ T:(X - x̄)] [+ T:(E - ē)]``: ``X`` the back-door covariates, ``E``
optional effect modifiers, ``x̄``, ``ē`` their means over the target population (everyone
for the ATE, the treated for the ATT, the controls for the ATC). With the interactions
the treatment coefficient is the average effect over the target population, so the ATT
and the ATC are what their names say even when effects differ between units (by default
the ATT and ATC fit treatment × covariate interactions; the ATE does with
``interactions=True``, Lin 2013). The standard error adds, to the HC1 delta-method
variance, the sampling variance of the target means (``γ' S γ / m``). Intervals are
Student-t with the residual degrees of freedom. The result's ``diagnostics["specification"]``
says which model was fitted.

Checks that can warn: the shared positivity diagnosis (binary treatment), a Wald test of
heterogeneity when the additive model is used for the ATE, Ramsey's RESET for curvature,
a 0/1 outcome (a linear probability model: always warned), collinear covariates (named)
and the small-sample rule.

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
from ._stats import OLSFit, ols, t_ci
from .absorb import MAX_SWEEPS, single_arm_share, within
from .base import Estimator, ParamInfo, contrast, register
from .positivity import WARN_SHARE, overlap_notes
from .prepare import Problem, Roles
from .regression_checks import binary_outcome_warning, heterogeneity_warning, reset_warning
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
    interactions : bool or None
        Treatment × covariate interactions over the adjustment set. ``None``: for the ATT
        and ATC (so they are not the ATE under another name), not for the ATE (whose
        additive model is then checked for heterogeneity); ``True``: always; ``False``:
        never (the ATT and ATC then assume one common effect, and say so).
    """

    name = "linear_regression"
    order = 1
    label = "Linear regression adjustment"
    description = "OLS of the outcome on treatment and covariates; HC1 robust standard errors."
    treatment_types = ("binary", "continuous", "categorical")
    targets = ("ate", "att", "atc")
    absorbs_fixed_effects = True
    param_info = {
        "interactions": ParamInfo("Treatment × covariate interactions", "Let the effect differ "
                                  "with the covariates (Lin 2013). Automatic: for the ATT and "
                                  "ATC, not for the ATE (DoWhy's specification).",
                                  choices={None: "automatic", True: "yes", False: "no"}),
        "n_bins": ParamInfo("Bins per effect modifier", "For effects by subgroup.",
                            minimum=2, maximum=20),
        "modifier_main_effects": ParamInfo("Effect modifiers also affect the outcome directly"),
    }

    def __init__(
        self,
        *,
        effect_modifiers: Sequence[str] | str | None = None,
        modifier_main_effects: bool = True,
        n_bins: int = 4,
        control_value: Any = None,
        treatment_value: Any = None,
        interactions: bool | None = None,
    ) -> None:
        self.effect_modifiers = effect_modifiers
        self.modifier_main_effects = modifier_main_effects
        self.n_bins = n_bins
        self.control_value = control_value
        self.treatment_value = treatment_value
        self.interactions = interactions

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

    def _interact(self, problem: Problem, target: str) -> bool:
        if self.interactions not in (None, True, False):
            raise EstimationError(
                f"interactions must be True, False or None (automatic); got {self.interactions!r}."
            )
        if self.interactions is None:
            return target != "ate" and problem.x.shape[1] > 0
        return bool(self.interactions) and problem.x.shape[1] > 0

    def _model(self, problem: Problem, d: np.ndarray, rows: np.ndarray, interact: bool) -> dict:
        """The design ``[1, D, X, E, D:(H - h̄)]`` with ``H = [X (if interact), E]``."""
        n = problem.n
        parts = [np.ones((n, 1)), d, problem.x]
        names = ["Intercept", *self._tnames(problem), *problem.x_names]
        if problem.e.shape[1] and self.modifier_main_effects:
            fresh = [j for j, nm in enumerate(problem.e_names) if nm not in problem.x_names]
            parts.append(problem.e[:, fresh])
            names += [problem.e_names[j] for j in fresh]
        h_parts = ([problem.x] if interact else []) + [problem.e]
        h = np.hstack(h_parts) if h_parts else np.zeros((n, 0))
        h_names = [*(problem.x_names if interact else ()), *problem.e_names]
        h_mean = h[rows].mean(axis=0) if h.shape[1] else np.zeros(0)
        inter_at = sum(p.shape[1] for p in parts)
        if h.shape[1]:
            parts.append((d[:, :, None] * (h - h_mean)[:, None, :]).reshape(n, -1))
            names += [f"{a}:{b}" for a in self._tnames(problem) for b in h_names]
        design = np.hstack(parts)
        n_t = d.shape[1]
        tcols = list(range(1, 1 + n_t))
        order = [j for j in range(inter_at) if j not in tcols] + tcols + list(
            range(inter_at, design.shape[1]))
        return {"design": design, "names": names, "h": h, "h_mean": h_mean,
                "inter_at": inter_at, "tcols": tcols, "order": order}

    @staticmethod
    def _tnames(problem: Problem) -> list[str]:
        tn = problem.treatment
        if problem.treatment_type == "categorical":
            return [f"{tn}={lv}" for lv in problem.levels[1:]]
        return [tn]

    @staticmethod
    def _gradient(dg: np.ndarray, shift: np.ndarray, k: int, inter_at: int) -> np.ndarray:
        """Coefficient weights of the effect at interaction offset ``shift`` (h - h̄)."""
        c = np.zeros(k)
        c[1 : 1 + dg.size] = dg
        if shift.size:
            c[inter_at:] = np.outer(dg, shift).ravel()
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
        interact = self._interact(problem, target)
        overlap, notes = overlap_notes(problem, target)
        n_levels = len(problem.levels)
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
        d = _treatment_terms(problem.t, kind, n_levels)
        mod = self._model(problem, d, rows, interact)
        design, inter_at = mod["design"], mod["inter_at"]
        fit, used = self._fit(problem, mod)
        notes += used["notes"]
        dropped = [j for j in fit.dropped if not (problem.fe is not None and j == 0)]
        if dropped:
            shown = ", ".join(repr(mod["names"][j]) for j in dropped)
            notes.append(
                f"Collinear terms left out of the regression (each is a linear combination of "
                f"the terms before it in the rows used): {shown}."
            )
        g = _treatment_terms(np.array([t0, t1]), kind, n_levels)
        dg = g[1] - g[0]
        k = design.shape[1]
        c = self._gradient(dg, np.zeros(mod["h"].shape[1]), k, inter_at)
        value = float(c @ fit.beta)
        var = float(c @ fit.cov @ c) + self._mean_variance(fit, mod, dg, rows)
        se = float(np.sqrt(max(var, 0.0)))
        notes += self._checks(problem, target, interact, used, fit, mod)
        subgroups = self._subgroups(problem, fit, dg, mod, rows, alpha)
        diagnostics = {
            "specification": self._spec(problem, target, interact),
            "coefficients": dict(zip(mod["names"], fit.beta.tolist(), strict=True)),
            "r_squared": float(1 - fit.resid.var() / problem.y.var()) if problem.y.var() else 1.0,
            "residual_dof": fit.dof,
            "collinear_terms": [mod["names"][j] for j in dropped],
            "absorbed_fixed_effects": list(problem.fe_names),
        }
        if overlap is not None:
            diagnostics["overlap"] = overlap
        return self.result(
            problem, value=value, se=se, target=target, alpha=alpha,
            ci_method=f"analytic: HC1 robust standard errors (delta method), Student-t with "
            f"{fit.dof} degrees of freedom"
            + (f" ({used['absorbed']} absorbed by the fixed effects)" if used["absorbed"] else ""),
            contrast=(l0, l1), warnings=notes, diagnostics=diagnostics, subgroups=subgroups,
            dof=fit.dof,
        )

    @staticmethod
    def _mean_variance(fit: OLSFit, mod: dict, dg: np.ndarray, rows: np.ndarray) -> float:
        """Sampling variance of the target means of the interacted columns: ``γ' S γ / m``."""
        h = mod["h"]
        if not h.shape[1]:
            return 0.0
        gamma = fit.beta[mod["inter_at"]:].reshape(dg.size, h.shape[1]).T @ dg
        m = int(rows.sum())
        if m < 2:
            return 0.0
        s = np.atleast_2d(np.cov(h[rows], rowvar=False))
        return float(gamma @ s @ gamma) / m

    def _fit(self, problem: Problem, mod: dict) -> tuple[OLSFit, dict]:
        """OLS of the model, after absorbing fixed effects (within transformation) if any."""
        design, y, absorbed, notes = mod["design"], problem.y, 0, []
        if problem.fe is not None:
            both, absorbed, ok = within(np.column_stack([design, y]), problem.fe)
            design, y = both[:, :-1], both[:, -1]
            design[:, 0] = 0.0  # the intercept is absorbed
            if not ok:
                notes.append(
                    f"Absorbing the fixed effects {list(problem.fe_names)} did not fully "
                    f"converge in {MAX_SWEEPS} sweeps; the estimate may be slightly off."
                )
            tcol = design[:, mod["tcols"]]
            if not np.any(np.abs(tcol) > 1e-9 * max(np.abs(mod["design"][:, mod["tcols"]]).max(),
                                                    1e-300)):
                raise EstimationError(
                    f"The treatment {problem.treatment!r} does not vary within any level of "
                    f"{list(problem.fe_names)}: with these fixed effects no comparison is "
                    "possible. Leave the column out or use coarser groups."
                )
            share = single_arm_share(problem.t, problem.fe[:, 0])
            if share > WARN_SHARE:
                notes.append(
                    f"{100 * share:.1f}% of the units are in levels of {problem.fe_names[0]!r} "
                    "where every unit has the same treatment: with fixed effects they do not "
                    "inform the effect, which compares units within levels."
                )
        fit = ols(design, y, names=mod["names"], protect=mod["tcols"], order=mod["order"],
                  absorbed_dof=absorbed)
        return fit, {"design": design, "y": y, "absorbed": absorbed, "notes": notes}

    def _checks(self, problem: Problem, target: str, interact: bool, used: dict,
                fit: OLSFit, mod: dict) -> list[str]:
        notes: list[str] = []
        if target != "ate" and not interact and problem.x.shape[1]:
            notes.append(
                f"interactions=False: the {target.upper()} is the treatment coefficient of the "
                "additive model, which assumes the effect is the same for everyone (then it "
                "equals the ATE). Leave interactions on to let it differ."
            )
        if target == "ate" and not interact and problem.x.shape[1] and \
                problem.treatment_type != "continuous":
            alt = self._model(problem, mod["design"][:, mod["tcols"]], np.ones(problem.n, bool),
                              True)
            try:
                big = self._fit(problem, alt)[0]
            except EstimationError:
                big = None
            if big is not None:
                cols = list(range(alt["inter_at"], alt["design"].shape[1]))
                cols = cols[: len(alt["tcols"]) * problem.x.shape[1]]
                w = heterogeneity_warning(big, cols)
                if w:
                    notes.append(w)
        w = reset_warning(used["design"], used["y"], fit, used["absorbed"], problem.fe)
        if w:
            notes.append(w)
        w = binary_outcome_warning(problem.y, problem.y - fit.resid, problem.x.shape[1])
        if w:
            notes.append(w)
        return notes

    def _spec(self, problem: Problem, target: str, interact: bool) -> str:
        spec = "OLS of the outcome on the treatment"
        if problem.x_names:
            spec += " and the covariates"
        pop = {"ate": "all units", "att": "the treated", "atc": "the controls"}[target]
        if interact:
            spec += (f", with treatment × covariate interactions centred at the means of {pop}: "
                     f"the treatment coefficient is the {target.upper()}")
        elif problem.x_names:
            spec += ", additive (one common effect)"
        if problem.e.shape[1]:
            spec += "; treatment × " + ", ".join(problem.roles.modifiers) + " interactions"
            if not self.modifier_main_effects:
                spec += " (no modifier main effects: DoWhy's specification)"
        return spec

    def _subgroups(
        self, problem: Problem, fit: OLSFit, dg: np.ndarray, mod: dict, rows: np.ndarray,
        alpha: float,
    ) -> tuple[SubgroupEffect, ...]:
        out: list[SubgroupEffect] = []
        frame = problem.modifier_frame
        k, h, h_mean = mod["design"].shape[1], mod["h"], mod["h_mean"]
        for col in frame.columns:
            s = frame[col]
            if pd.api.types.is_numeric_dtype(s) and s.nunique() > int(self.n_bins):
                bins = pd.qcut(s, int(self.n_bins), duplicates="drop").astype(str)
            else:
                bins = s.astype(str)
            bins_arr = bins.to_numpy()
            for label in pd.unique(bins_arr[rows]):
                mask = rows & (bins_arr == label)
                c = self._gradient(dg, h[mask].mean(axis=0) - h_mean, k, mod["inter_at"])
                v = float(c @ fit.beta)
                se = float(np.sqrt(max(c @ fit.cov @ c, 0.0)))
                lo, hi, _ = t_ci(v, se, alpha, fit.dof)
                out.append(SubgroupEffect(str(col), str(label), int(mask.sum()), v, se, lo, hi))
        return tuple(out)
