"""``estimate()``: from data and an identification to an :class:`EffectEstimate`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._registry import resolve
from ..exceptions import DataError, EstimationError, IdentificationError
from ..identify import Identification
from .base import Estimator, get_estimator_class, methods_that_fit
from .prepare import prepare_problem
from .result import EffectEstimate

__all__ = ["estimate"]

_TARGETS = ("ate", "att", "atc")


def _single(names: Sequence[str], what: str) -> str:
    if len(names) != 1:
        raise EstimationError(
            f"Estimation handles one {what} at a time; the identification has {len(names)} "
            f"({', '.join(map(repr, names))}). Identify the effect of a single {what}."
        )
    return names[0]


def _resolve_method(method: str | Estimator, params: dict[str, Any]) -> Estimator:
    return resolve(method, params, Estimator, get_estimator_class, "estimator")


def estimate(
    data: pd.DataFrame,
    identification: Identification,
    method: str | Estimator = "linear_regression",
    target: str = "ate",
    alpha: float = 0.05,
    random_state: int | None = 0,
    adjustment_set: Sequence[str] | None = None,
    dropna: bool = False,
    **params: Any,
) -> EffectEstimate:
    """Estimate the identified causal effect from data.

    Parameters
    ----------
    data : DataFrame
        One row per unit; column names match the graph's nodes. Never modified.
    identification : Identification
        The result of :func:`causal_core.identify`.
    method : str or Estimator
        A registry name (see :func:`list_estimators`) or an estimator object.
    target : {"ate", "att", "atc"}
        Average effect over everyone, the treated, or the controls.
    alpha : float
        One minus the confidence level of the interval.
    random_state : int or None
        Seed for cross-fitting and bootstrap (``np.random.default_rng``).
    adjustment_set : list of str, optional
        Back-door covariates; ``None`` uses the estimand's set.
    dropna : bool
        ``False``: missing values raise :class:`DataError`. ``True``: listwise deletion,
        counted in ``n_dropped``.
    **params
        Parameters of the estimator named by ``method``.

    Returns
    -------
    EffectEstimate

    Raises
    ------
    IdentificationError
        The effect is not identified (``identification.estimand is None``).
    EstimationError
        The method does not fit the estimand, treatment type or target; or fails on the data.
    DataError
        Missing columns or values, unusable column types.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causal_core as cc
    >>> rng = np.random.default_rng(1)
    >>> w = rng.normal(size=2000); t = (w + rng.normal(size=2000) > 0).astype(int)
    >>> df = pd.DataFrame({"w": w, "t": t, "y": 2.0 * t + w + rng.normal(size=2000)})
    >>> g = cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")])
    >>> est = cc.estimate(df, cc.identify(g, "t", "y"), method="ipw")
    >>> bool(abs(est.value - 2.0) < 0.3)  # true effect 2.0
    True
    """
    if not isinstance(identification, Identification):
        raise IdentificationError(
            "identification must be the result of cc.identify(graph, treatment, outcome), got "
            f"{type(identification).__name__}."
        )
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"The data must be a pandas DataFrame, got {type(data).__name__}. "
            "Load it with cc.load_table or pandas first."
        )
    treatment = _single(identification.treatment, "treatment")
    outcome = _single(identification.outcome, "outcome")
    est = identification.estimand
    if est is None:
        why = "; ".join(identification.notes) if identification.notes else ""
        raise IdentificationError(
            f"The effect of {treatment!r} on {outcome!r} is not identified in this graph "
            f"(no valid adjustment set, front-door set or instrument){': ' + why if why else ''}. "
            "Measure a confounder, add assumptions to the graph, or look for an instrument."
        )
    if target not in _TARGETS:
        raise EstimationError(
            f"target must be one of {', '.join(_TARGETS)}; got {target!r}."
        )
    if not isinstance(alpha, int | float) or not 0.0 < float(alpha) < 1.0:
        raise EstimationError(f"alpha must be a number between 0 and 1 (e.g. 0.05); got {alpha!r}.")
    if isinstance(adjustment_set, str):
        adjustment_set = [adjustment_set]
    estimator = _resolve_method(method, params)
    if target not in estimator.targets:
        raise EstimationError(
            f"{estimator.label} estimates {', '.join(t.upper() for t in estimator.targets)}, "
            f"not {target.upper()}. Methods that estimate the {target.upper()}: "
            f"{', '.join(methods_that_fit(target=target))}."
        )
    roles, used_estimand = estimator.roles(identification, adjustment_set)
    problem = prepare_problem(data, treatment, outcome, roles, used_estimand, dropna=dropna)
    if problem.treatment_type not in estimator.treatment_types:
        fits = methods_that_fit(
            estimand=est.kind, treatment_type=problem.treatment_type, target=target
        )
        raise EstimationError(
            f"{estimator.label} ({estimator.name}) needs a "
            f"{' or '.join(estimator.treatment_types)} treatment, but {treatment!r} is "
            f"{problem.treatment_type}"
            + (f" ({len(np.unique(problem.t))} distinct values)" if problem.t.size else "")
            + f". Methods that fit a {problem.treatment_type} treatment here: "
            f"{', '.join(fits) or 'none'}."
        )
    if problem.fe is not None and not getattr(estimator, "absorbs_fixed_effects", False):
        per = problem.n / max(int(problem.fe.max(axis=0).sum()) + problem.fe.shape[1], 1)
        raise EstimationError(
            f"The covariate(s) {list(problem.fe_names)} have more than 100 levels (about "
            f"{per:.0f} rows per level here). Linear regression absorbs such columns as fixed "
            f"effects; {estimator.label} ({estimator.name}) would need one dummy column per "
            "level, which its models cannot fit reliably. Use method='linear_regression', group "
            "rare levels into fewer categories, or leave the column out if it is not a confounder."
        )
    rng = np.random.default_rng(random_state)
    return estimator._estimate(problem, target=target, alpha=float(alpha), rng=rng)
