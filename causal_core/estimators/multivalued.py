"""Multi-valued treatments: each level against a chosen reference level.

``estimate_contrasts(data, identification, method, reference=...)`` returns one
:class:`EffectEstimate` per non-reference level (average effect of setting the treatment to
that level instead of the reference), all from one fit:

- ``"regression"``: least squares of the outcome on level indicators and the adjustment set
  (constant effects; robust standard errors);
- ``"ipw"``: normalised (Hájek) inverse-probability weighting with a multinomial logistic
  propensity model (Imbens 2000), standard errors from the influence function;
- ``"aipw"``: augmented IPW (doubly robust; Cattaneo 2010): per-level linear outcome models plus
  the weighted residuals, standard errors from the efficient influence function.

The weighting standard errors treat the propensity model as known, which is conservative for
the average effect. Propensities are clipped to ``[clip, 1 - clip]`` (the number clipped is
reported).

Examples
--------
>>> import causal_core as cc
>>> from causal_core.estimators.multivalued import estimate_contrasts, three_arm_design
>>> df, truth = three_arm_design(3000, 0)
>>> ident = cc.identify(cc.CausalGraph.parse("w -> t\\nw -> y\\nt -> y"), "t", "y")
>>> res = estimate_contrasts(df, ident, "aipw", reference="a")
>>> [(e.contrast, round(e.value)) for e in res]
[(('a', 'b'), 1), (('a', 'c'), 3)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import EstimationError
from ..identify import Identification
from ._stats import ols
from .prepare import Roles, prepare_problem
from .result import EffectEstimate

__all__ = ["CONTRAST_METHODS", "estimate_contrasts", "multinomial_propensity", "three_arm_design"]

#: Method name → label.
CONTRAST_METHODS = {"regression": "Linear regression", "ipw": "Inverse propensity weighting",
                    "aipw": "Doubly robust (AIPW)"}


def three_arm_design(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """A known-truth design: levels a, b, c, confounded by ``w``; effects b−a = 1, c−a = 3."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n)
    logits = np.column_stack([np.zeros(n), 0.8 * w, -0.3 + 1.2 * w])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    code = (rng.random(n)[:, None] > np.cumsum(p, axis=1)[:, :2]).sum(axis=1)
    y = np.array([0.0, 1.0, 3.0])[code] + 2.0 * w + rng.normal(size=n)
    return (pd.DataFrame({"w": w, "t": np.array(["a", "b", "c"])[code], "y": y}),
            {"b": 1.0, "c": 3.0})


def multinomial_propensity(x: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    """``P[i, j]``: probability of level ``j`` given the covariates of row ``i`` (multinomial logit)."""
    from sklearn.linear_model import LogisticRegression

    if x.shape[1] == 0:
        freq = np.bincount(t.astype(int), minlength=k) / len(t)
        return np.tile(freq, (len(t), 1))
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(z, t.astype(int))
    out = np.zeros((len(t), k))
    out[:, model.classes_.astype(int)] = model.predict_proba(z)
    return out


def _arm_predictions(x: np.ndarray, y: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    design = np.column_stack([np.ones(len(y)), x])
    out = np.zeros((len(y), k))
    for j in range(k):
        rows = t == j
        if rows.sum() <= design.shape[1]:
            raise EstimationError(f"Level {j} has {int(rows.sum())} rows: too few for its "
                                  "outcome model. Merge rare levels or use regression.")
        beta = np.linalg.lstsq(design[rows], y[rows], rcond=None)[0]
        out[:, j] = design @ beta
    return out


def _result(problem: Any, method: str, ref: int, j: int, value: float, se: float, alpha: float,
            ci_method: str, notes: list[str], diag: dict[str, Any]) -> EffectEstimate:
    crit = float(stats.norm.ppf(1 - alpha / 2))
    p = float(2 * stats.norm.sf(abs(value) / se)) if se > 0 else 0.0
    return EffectEstimate(
        value=float(value), se=float(se), ci_low=float(value - crit * se),
        ci_high=float(value + crit * se), alpha=alpha, p_value=p, method=f"contrast_{method}",
        method_label=CONTRAST_METHODS[method], estimand=problem.estimand, target="ate",
        treatment=problem.treatment, outcome=problem.outcome, treatment_type="categorical",
        contrast=(problem.levels[ref], problem.levels[j]), n_used=problem.n,
        n_dropped=problem.n_dropped, ci_method=ci_method, warnings=tuple(notes),
        diagnostics=diag, params={"reference": problem.levels[ref]})


def estimate_contrasts(data: pd.DataFrame, identification: Identification,
                       method: str = "aipw", *, reference: Any = None, alpha: float = 0.05,
                       adjustment_set: Sequence[str] | None = None, clip: float = 0.01,
                       dropna: bool = False) -> list[EffectEstimate]:
    """The average effect of each treatment level against ``reference``.

    Parameters
    ----------
    data : DataFrame
    identification : Identification
        A back-door estimand (its adjustment set is used unless ``adjustment_set`` is given).
    method : {"regression", "ipw", "aipw"}
    reference : treatment value, optional
        The level every other is compared with (default: the first level, sorted).
    alpha : float
    adjustment_set : list of str, optional
    clip : float
        Propensities are clipped to ``[clip, 1 - clip]`` (weighting methods).
    dropna : bool
        Listwise deletion of rows with missing values (otherwise they raise).

    Returns
    -------
    list of EffectEstimate
        One per non-reference level, in level order; ``contrast`` is ``(reference, level)``.

    Raises
    ------
    EstimationError
        Unknown method, not a back-door estimand, a treatment with fewer than 3 levels is fine
        but a continuous one is not, or an unknown reference level.
    """
    if method not in CONTRAST_METHODS:
        raise EstimationError(f"method must be one of {', '.join(CONTRAST_METHODS)}; got "
                              f"{method!r}.")
    est = identification.estimand
    if est is None or est.kind != "backdoor":
        raise EstimationError("Contrasts of several treatment levels need a back-door estimand "
                              "(an adjustment set); this effect is not identified that way.")
    if not 0 < float(alpha) < 1 or not 0 <= float(clip) < 0.5:
        raise EstimationError(f"alpha must lie in (0, 1) and clip in [0, 0.5); got {alpha!r}, "
                              f"{clip!r}.")
    z = list(est.adjustment_set if adjustment_set is None else adjustment_set)
    problem = prepare_problem(data, identification.treatment[0], identification.outcome[0],
                              Roles(covariates=tuple(z)), est, dropna=dropna)
    if problem.treatment_type == "continuous":
        raise EstimationError(f"The treatment {problem.treatment!r} is continuous: level "
                              "contrasts need a treatment with a few distinct values.")
    levels = list(problem.levels)
    ref = 0 if reference is None else next(
        (i for i, lv in enumerate(levels) if lv == reference or str(lv) == str(reference)), -1)
    if ref < 0:
        raise EstimationError(f"{reference!r} is not a level of {problem.treatment!r}; its "
                              f"levels are {', '.join(map(repr, levels[:20]))}.")
    k, t, y, x = len(levels), problem.t.astype(int), problem.y, problem.x
    notes = list(problem.warnings)
    others = [j for j in range(k) if j != ref]
    if method == "regression":
        dummies = np.column_stack([(t == j).astype(float) for j in others])
        fit = ols(np.column_stack([np.ones(len(y)), dummies, x]), y)
        return [_result(problem, method, ref, j, fit.beta[1 + i], fit.se[1 + i], alpha,
                        "analytic: robust (HC) standard errors", notes, {})
                for i, j in enumerate(others)]
    ps = multinomial_propensity(x, t, k)
    n_clipped = int(((ps < clip) | (ps > 1 - clip)).any(axis=1).sum())
    ps = np.clip(ps, clip, 1 - clip)
    if n_clipped:
        notes.append(f"{n_clipped:,} rows had a level propensity outside [{clip}, {1 - clip}] "
                     "and were clipped: overlap is limited; check the level counts.")
    ind = (t[:, None] == np.arange(k)[None, :]).astype(float)
    if method == "ipw":
        w = ind / ps
        mu = (w * y[:, None]).sum(axis=0) / w.sum(axis=0)
        psi = w * (y[:, None] - mu[None, :]) / w.mean(axis=0)[None, :] + mu[None, :]
    else:
        m = _arm_predictions(x, y, t, k)
        psi = m + ind * (y[:, None] - m) / ps
        mu = psi.mean(axis=0)
    diag = {"level_counts": {str(levels[j]): int(ind[:, j].sum()) for j in range(k)},
            "n_clipped": n_clipped}
    n = len(y)
    return [_result(problem, method, ref, j, mu[j] - mu[ref],
                    float(np.std(psi[:, j] - psi[:, ref], ddof=1) / np.sqrt(n)), alpha,
                    "analytic: influence function (propensity treated as known)", notes, diag)
            for j in others]
