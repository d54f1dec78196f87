"""``refute()``: try to break an estimate with one refuter.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.refuters import refute
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=1000); t = (w + rng.normal(size=1000) > 0).astype(int)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2.0 * t + w + rng.normal(size=1000)})
>>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
>>> est = cc.estimate(df, ident, method="ipw")
>>> res = refute(df, ident, est, method="placebo_treatment", n_simulations=20)
>>> 0.0 <= res.p_value <= 1.0
True
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pandas as pd

from .._registry import resolve
from ..estimators import EffectEstimate
from ..exceptions import EstimationError
from ..identify import Identification
from ._context import build_context
from .base import RefutationResult, Refuter, get_refuter_class

__all__ = ["refute"]


def _resolve(method: str | Refuter, params: dict[str, Any]) -> Refuter:
    return resolve(method, params, Refuter, get_refuter_class, "refuter")


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or not (
        low <= int(value) <= high
    ):
        raise EstimationError(f"{name} must be an integer from {low} to {high}; got {value!r}.")
    return int(value)


def refute(
    data: pd.DataFrame,
    identification: Identification,
    estimate: EffectEstimate,
    method: str | Refuter = "placebo_treatment",
    n_simulations: int = 100,
    random_state: int | np.random.Generator | None = 0,
    progress: Callable[[float], Any] | None = None,
    n_jobs: int = 1,
    **params: Any,
) -> RefutationResult:
    """Try to break ``estimate``: re-run the same estimation on deliberately modified data.

    Parameters
    ----------
    data : DataFrame
        The data the estimate was computed on. Never modified.
    identification : Identification
        The identification the estimate was computed from.
    estimate : EffectEstimate
        The result of :func:`causal_core.estimate`; its method, parameters and adjustment set
        are re-used.
    method : str or Refuter
        A registry name (see :func:`list_refuters`): ``"placebo_treatment"``,
        ``"random_common_cause"``, ``"data_subset"``, ``"bootstrap"``, ``"dummy_outcome"``,
        ``"unobserved_common_cause"``; or a refuter object.
    n_simulations : int
        Simulated estimates (2 to 100,000). The p-value's resolution is ``1 / n_simulations``.
    random_state : int, Generator or None
        Seed (``np.random.default_rng``); each simulation draws from its own child generator,
        so results do not depend on ``n_jobs``.
    progress : callable, optional
        Called with the finished share in (0, 1], increasing, ending at 1.0.
    n_jobs : int
        Processes for refuters that re-run a non-regression estimator (joblib; -1 = all
        cores). Regression estimates use batched least squares instead, and the
        unobserved-common-cause grid of an IPW estimate its cells' propensity models fitted
        together, in one process.
    **params
        Parameters of the refuter named by ``method``.

    Returns
    -------
    RefutationResult

    Raises
    ------
    EstimationError
        Unknown refuter or parameter, a refuter that does not apply to this estimate, or an
        estimator that fails on most modified data sets.
    DataError, IdentificationError
        Data or identification that do not match the estimate.
    """
    refuter = _resolve(method, params)
    n_sim = _check_int(n_simulations, "n_simulations", 2, 100_000)
    jobs = _check_int(n_jobs, "n_jobs", -64, 64)
    if jobs == 0:
        raise EstimationError("n_jobs must not be 0: use 1 (serial), k > 1 or -1 (all cores).")
    if progress is not None and not callable(progress):
        raise EstimationError(
            f"progress must be a callable taking a fraction in [0, 1]; got {type(progress).__name__}."
        )
    with _single_threaded_blas():
        ctx = build_context(data, identification, estimate)
        rng = np.random.default_rng(random_state)
        return refuter.run(ctx, n_simulations=n_sim, rng=rng, progress=progress, n_jobs=jobs)


def _single_threaded_blas() -> AbstractContextManager[Any]:
    """One BLAS thread while refuting: the batched products are many and small, and
    multi-threaded OpenBLAS slows them down badly when the cores are busy (parallelism comes
    from ``n_jobs`` instead)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
