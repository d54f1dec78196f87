"""Propensity-score stratification (subclassification).

Rows are cut into quantile strata of the propensity score (quantiles of all rows for
the ATE, of the treated for the ATT, of the controls for the ATC). The ATC is computed as
minus the ATT of the flipped treatment (``1 - t``, score ``1 - e``), so it is exactly its
mirror image: quantile edges that fall on a unit's score (``np.quantile`` interpolates, so
an edge is a data point whenever its position is a whole number) would otherwise put that
unit on the upper side for the ATC's quantiles and on the lower side of the flipped ATT's.
The ATE has no such mirror: with an edge on a unit's score, ``-ATE(1 - t)`` differs from
``ATE(t)`` (by up to 0.04 at n = 601). Within each stratum the effect is estimated by
regression adjustment (by default: one least-squares fit with
stratum fixed effects, one treatment effect per stratum and common covariate slopes,
Imbens & Rubin 2015, ch. 17), or by the plain difference in means (``adjust=False``), and the
strata are averaged with weights for the target (all rows for the ATE, treated rows for the
ATT, controls for the ATC). Strata lacking ``min_per_group`` rows of either group are
dropped, and the rows they held are reported.

Known properties (see the coverage table in the README): the ATT and ATC miss the bar
(ATT +0.011, 5 Monte-Carlo SEs, in the non-linear design) and always carry a warning that
says so and names the estimators to use instead (:func:`target_warning`); the plain difference in means
keeps the confounding left inside each of the coarse strata (a bias of 1-2% of the effect
with 20 strata) and its Neyman variance, which takes the score as known, is too wide; the
regression adjustment removes the first and its HC1 variance fixes the second. Both add the
variance of the stratum weights (how many target units fall in each stratum), which matters
when effects differ between strata. ``ci="bootstrap"`` re-fits the score on each resample.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=4000); t = (w + rng.normal(size=4000) > 0).astype(int)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2.0 * t + w + rng.normal(size=4000)})
>>> g = cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")])
>>> est = cc.estimate(df, cc.identify(g, "t", "y"), method="propensity_stratification")
>>> bool(abs(est.value - 2.0) < 0.3)
True
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..exceptions import EstimationError
from ._stats import bootstrap_se_ci
from .base import CI_CHOICE, MAX_ITER, Estimator, ParamInfo, register
from .positivity import overlap_notes
from .prepare import Problem
from .propensity import PropensityFit, fit_propensity, propensity_diagnostics, require_both_groups
from .result import EffectEstimate
from .stratum_ols import stratum_ols

__all__ = ["PropensityStratification", "target_warning"]


def target_warning(target: str) -> str:
    """The warning every stratification ATT or ATC carries (measured in the README's
    coverage table: it misses the bar, and no number of strata fixed it)."""
    units, other = ("treated", "control") if target == "att" else ("control", "treated")
    return (
        f"Stratification's {target.upper()} weights the strata by their {units} units, and the "
        f"outermost strata, where {other} units are few and the scores spread widely, keep "
        "confounding that the within-stratum regression does not remove: in the coverage "
        "benchmark's non-linear design its ATT was 0.011 off (5 Monte-Carlo standard errors), "
        f"with 10 or 50 strata as bad or worse. For the {target.upper()} use propensity_matching, "
        "ipw or aipw."
    )


@register
class PropensityStratification(Estimator):
    """Subclassification on quantiles of the propensity score.

    Parameters
    ----------
    n_strata : int
        Number of quantile strata (fewer if scores tie).
    min_per_group : int
        Strata with fewer treated or control rows than this are dropped (and reported).
    ci : {"analytic", "bootstrap"}
    n_bootstrap : int
    max_iter : int
        Iterations of the propensity model.
    adjust : bool
        Regression adjustment within strata (True, the default): stratum effects from one
        least-squares fit with stratum fixed effects and common covariate slopes (Imbens &
        Rubin 2015, ch. 17), which removes the confounding left inside each stratum. False:
        plain differences in means (Neyman variance; biased by the residual confounding of
        coarse strata and over-wide with an estimated score).
    """

    name = "propensity_stratification"
    order = 3
    label = "Propensity score stratification"
    description = "Difference in means within quantile strata of the propensity score, averaged."
    targets = ("ate", "att", "atc")
    ci = "analytic or bootstrap"
    param_info = {
        "n_strata": ParamInfo("Number of strata", "Units are grouped by propensity score into "
                              "this many bins; the effect is averaged over bins.",
                              minimum=2, maximum=200),
        "min_per_group": ParamInfo("Fewest treated and controls per stratum", "Strata with "
                                   "fewer are dropped (and counted).", minimum=1, maximum=100),
        "ci": CI_CHOICE,
        "n_bootstrap": ParamInfo("Bootstrap resamples", "Only for the bootstrap interval.",
                                 minimum=20, maximum=5000),
        "max_iter": MAX_ITER,
    }

    def __init__(
        self,
        *,
        n_strata: int = 20,
        min_per_group: int = 2,
        ci: str = "analytic",
        n_bootstrap: int = 200,
        max_iter: int = 100,
        adjust: bool = True,
    ) -> None:
        self.adjust = adjust
        self.n_strata = n_strata
        self.min_per_group = min_per_group
        self.ci = ci
        self.n_bootstrap = n_bootstrap
        self.max_iter = max_iter

    def _point(self, problem: Problem, target: str, fit: PropensityFit | None = None) -> dict:
        if fit is None:
            fit = fit_propensity(problem.x, problem.t, max_iter=self.max_iter)
        if target == "atc":  # exactly minus the ATT of the flipped treatment (see the docstring)
            res = self._point(replace(problem, t=1.0 - problem.t), "att",
                              replace(fit, ps=1.0 - fit.ps, coef=-fit.coef))
            return {**res, "value": -res["value"], "tau_s": -res["tau_s"], "fit": fit}
        ps, t, y = fit.ps, problem.t, problem.y
        base = {"ate": ps, "att": ps[t == 1], "atc": ps[t == 0]}[target]
        edges = np.unique(np.quantile(base, np.linspace(0, 1, int(self.n_strata) + 1)[1:-1]))
        s = np.searchsorted(edges, ps, side="right")
        k = edges.size + 1
        tr = t == 1
        n1 = np.bincount(s[tr], minlength=k).astype(float)
        n0 = np.bincount(s[~tr], minlength=k).astype(float)
        ok = (n1 >= self.min_per_group) & (n0 >= self.min_per_group)
        if not ok.any():
            raise EstimationError(
                "No propensity stratum holds both treated and control rows: the groups do not "
                "overlap. Check the overlap plot or use fewer strata."
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            m1 = np.bincount(s[tr], y[tr], k) / n1
            m0 = np.bincount(s[~tr], y[~tr], k) / n0
            q1 = np.bincount(s[tr], y[tr] ** 2, k)
            q0 = np.bincount(s[~tr], y[~tr] ** 2, k)
            v1 = np.maximum(q1 - n1 * m1**2, 0) / np.maximum(n1 - 1, 1)
            v0 = np.maximum(q0 - n0 * m0**2, 0) / np.maximum(n0 - 1, 1)
        size = {"ate": n1 + n0, "att": n1, "atc": n0}[target] * ok
        wts = size / size.sum()
        tau_s = np.where(ok, m1 - m0, 0.0)
        row_ok = ok[s]
        if self.adjust and problem.x.shape[1]:
            tau_s, cov = self._adjusted(problem, s, ok, row_ok)
            value = float(wts @ tau_s)
            var = float(wts @ cov @ wts)
        else:
            value = float(wts @ tau_s)
            var = float((wts**2 * np.where(ok, v1 / np.maximum(n1, 1) + v0 / np.maximum(n0, 1),
                                           0)).sum())
        # the target weights are random too (how many target units fall in each stratum)
        var += float(wts @ (tau_s - value) ** 2) / max(float(size.sum()), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            per = {"ate": ((n1 + n0) / n1, (n1 + n0) / n0), "att": (np.ones(k), n1 / n0),
                   "atc": (n0 / n1, np.ones(k))}[target]
        w = np.where(tr, per[0][s], per[1][s]) * row_ok
        w = np.nan_to_num(w)
        return {"value": value, "se": float(np.sqrt(var)), "fit": fit, "w": w,
                "n_strata": k, "dropped_strata": int((~ok).sum()),
                "dropped_rows": int((~row_ok).sum()), "tau_s": tau_s, "ok": ok}

    @staticmethod
    def _adjusted(problem: Problem, s: np.ndarray, ok: np.ndarray, row_ok: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Per-stratum effects by one regression with stratum fixed effects, stratum-specific
        treatment effects and common covariate slopes: ``(tau_s, their HC1 covariance)``."""
        keep = np.flatnonzero(ok)
        code = np.searchsorted(keep, s[row_ok])
        k = keep.size
        names = [f"{problem.treatment} in stratum {j + 1}" for j in keep] + list(problem.x_names)
        fit = stratum_ols(code, k, problem.t[row_ok], problem.x[row_ok], problem.y[row_ok], names)
        tau = np.zeros(ok.size)
        cov = np.zeros((ok.size, ok.size))
        tau[keep] = fit.beta[:k]
        cov[np.ix_(keep, keep)] = fit.cov[:k, :k]
        return tau, cov

    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        if not isinstance(self.n_strata, int | np.integer) or self.n_strata < 1:
            raise EstimationError(f"n_strata must be a positive integer; got {self.n_strata!r}.")
        if self.ci not in ("analytic", "bootstrap"):
            raise EstimationError(f"ci must be 'analytic' or 'bootstrap'; got {self.ci!r}.")
        require_both_groups(problem, min_rows=max(2, int(self.min_per_group)))
        fit = fit_propensity(problem.x, problem.t, max_iter=self.max_iter)
        overlap, notes = overlap_notes(problem, target, fit)
        res = self._point(problem, target, fit)
        diag = propensity_diagnostics(res["fit"], problem, res["w"])
        notes += list(res["fit"].warnings)
        if res["dropped_strata"]:
            notes.append(
                f"{res['dropped_strata']} of {res['n_strata']} strata lacked {self.min_per_group} "
                f"treated or control rows and were dropped, with the {res['dropped_rows']} rows "
                "they held: the estimate describes the remaining (overlapping) rows."
            )
        if target in ("att", "atc"):
            notes.append(target_warning(target))
        extra: dict = {}
        se = res["se"]
        how = ("analytic: HC1 variance of the within-stratum regression (stratum fixed effects, "
               "common covariate slopes) plus the variance of the stratum weights, normal "
               "approximation" if self.adjust and problem.x.shape[1] else
               "analytic: Neyman variance within strata plus the variance of the stratum "
               "weights (propensity treated as known), normal approximation")
        if self.ci == "bootstrap":
            def stat(idx: np.ndarray) -> float:
                return self._point(problem.take(idx), target)["value"]

            se, lo, hi, _ = bootstrap_se_ci(
                stat, problem.n, n_bootstrap=int(self.n_bootstrap), alpha=alpha, rng=rng
            )
            extra = {"ci": (lo, hi)}
            how = f"bootstrap: percentile interval, {self.n_bootstrap} resamples (re-fit score)"
        diagnostics = {
            "propensity": diag,
            "overlap": overlap,
            "n_strata": res["n_strata"],
            "strata_dropped": res["dropped_strata"],
            "rows_in_dropped_strata": res["dropped_rows"],
            "stratum_effects": [float(v) if o else None
                                for v, o in zip(res["tau_s"], res["ok"], strict=True)],
        }
        return self.result(
            problem, value=res["value"], se=se, target=target, alpha=alpha, ci_method=how,
            warnings=notes, diagnostics=diagnostics, n_used=problem.n - res["dropped_rows"],
            n_dropped_extra=res["dropped_rows"], **extra,
        )
