"""What a refuter returns: the result types and the p-value they carry.

Every refuter returns a frozen :class:`RefutationResult` of one of three kinds
(:class:`FalsificationResult`, :class:`StabilityResult`, :class:`SensitivityResult`); a
:class:`ConfounderSurface` holds the sensitivity grid. The p-value is the two-sided midpoint
percentile of the reference value ``e`` among the simulated estimates ``s_1 .. s_S``::

    h = mean(1[s_i > e] + 0.5 * 1[s_i = e])
    p = 2 * min(h, 1 - h)

It is exact at every number of simulations (no normal approximation), never above 1, and
its resolution is ``1 / S``: ``p = 0`` means the reference lies outside every simulated value.

Examples
--------
>>> from causal_core.refuters.results import midpoint_p_value
>>> midpoint_p_value([1.0, 2.0, 3.0, 4.0], 2.0)
0.75
>>> midpoint_p_value([1.0, 2.0, 3.0, 4.0], 9.0)
0.0
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._json import plain as _plain
from ..exceptions import EstimationError

__all__ = ["midpoint_p_value", "ConfounderSurface", "RefutationResult", "FalsificationResult",
           "StabilityResult", "SensitivityResult", "RESULT_TYPES", "KINDS", "result_from_fields"]


def midpoint_p_value(simulated: Sequence[float] | np.ndarray, reference: float) -> float:
    """Two-sided midpoint-percentile p-value of ``reference`` among ``simulated``.

    ``h = mean(1[s > e] + ½·1[s = e])`` and ``p = 2·min(h, 1 − h)``, clipped to ``[0, 1]``.
    Non-finite simulated values are ignored.

    Parameters
    ----------
    simulated : array-like of float
        The simulated estimates.
    reference : float
        The value they are compared against (``e``).

    Returns
    -------
    float
        In ``[0, 1]``; its resolution is ``1 / len(simulated)``.

    Raises
    ------
    EstimationError
        No finite simulated value, or a non-finite reference.

    Examples
    --------
    >>> midpoint_p_value([0.0, 1.0], 0.5)
    1.0
    >>> midpoint_p_value([0.0, 1.0, 2.0, 3.0], 3.0)
    0.25
    """
    s = np.asarray(simulated, dtype=float).ravel()
    s = s[np.isfinite(s)]
    e = float(reference)
    if s.size == 0:
        raise EstimationError(
            "The p-value needs at least one finite simulated estimate; every simulation failed. "
            "Check the warnings of the refutation or use more data."
        )
    if not math.isfinite(e):
        raise EstimationError(f"The reference value must be a finite number; got {reference!r}.")
    h = (np.count_nonzero(s > e) + 0.5 * np.count_nonzero(s == e)) / s.size
    return float(min(1.0, max(0.0, 2.0 * min(h, 1.0 - h))))


def _frozen_array(values: Any, ndim: int) -> np.ndarray:
    arr = np.array(values, dtype=float, copy=True)
    if arr.ndim != ndim:
        raise EstimationError(f"Expected a {ndim}-dimensional array, got shape {arr.shape}.")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class ConfounderSurface:
    """The effect re-estimated under simulated unobserved confounders of varying strength.

    Strengths are partial R² (Cinelli & Hazlett 2020): ``r2_treatment[i]`` is the share of
    the treatment's residual variance (given the covariates) the confounder explains,
    ``r2_outcome[j]`` the share of the outcome's residual variance (given treatment and
    covariates). ``effects[i, j]`` is the estimate after adjusting for such a confounder.

    Attributes
    ----------
    r2_treatment, r2_outcome : tuple of float
        The grid axes.
    effects, ci_low, ci_high : ndarray, shape (len(r2_treatment), len(r2_outcome))
        Re-estimated effects and their confidence intervals (NaN where the estimator failed,
        e.g. no overlap left after adjusting for a strong confounder).
    sign_flip_r2 : float or None
        Smallest equal strength ``r`` (both partial R² = r) at which the estimate changes
        sign; None when it does not up to ``max_r2_searched``.
    significance_flip_r2 : float or None
        Smallest equal strength at which the interval includes zero (0.0 when the original
        interval already does); None when it never does up to ``max_r2_searched``.
    max_r2_searched : float
        The strongest equal strength searched (0.95, or less when the estimator fails beyond).
    benchmark_label : str
        E.g. ``"1x W1"``: the confounder as strong as k times the strongest observed covariate.
    benchmark_r2_treatment, benchmark_r2_outcome : float
        Its strengths (Cinelli & Hazlett's bounds).
    benchmark_effect, benchmark_ci_low, benchmark_ci_high : float
        The estimate adjusted for the benchmark confounder.
    """

    r2_treatment: tuple[float, ...]
    r2_outcome: tuple[float, ...]
    effects: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    sign_flip_r2: float | None
    significance_flip_r2: float | None
    max_r2_searched: float
    benchmark_label: str
    benchmark_r2_treatment: float
    benchmark_r2_outcome: float
    benchmark_effect: float
    benchmark_ci_low: float
    benchmark_ci_high: float

    def frame(self) -> pd.DataFrame:
        """Long table: one row per grid cell (``r2 treatment``, ``r2 outcome``, ``effect``,...)."""
        i, j = np.meshgrid(range(len(self.r2_treatment)), range(len(self.r2_outcome)),
                           indexing="ij")
        return pd.DataFrame({
            "r2 treatment": np.asarray(self.r2_treatment)[i.ravel()],
            "r2 outcome": np.asarray(self.r2_outcome)[j.ravel()],
            "effect": self.effects.ravel(),
            "ci lower": self.ci_low.ravel(),
            "ci upper": self.ci_high.ravel(),
        })

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary (matrices as nested lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfounderSurface):
            return NotImplemented
        return json.dumps(self.to_dict(), sort_keys=True) == json.dumps(other.to_dict(),
                                                                        sort_keys=True)

    __hash__ = None  # type: ignore[assignment]


#: The three kinds of check, never mixed: what each may conclude.
KINDS: dict[str, tuple[str, ...]] = {
    "falsification": ("passed", "failed", "inconclusive"),
    "stability": ("stable", "unstable"),
    "sensitivity": ("",),
}


@dataclass(frozen=True, eq=False)
class RefutationResult:
    """What one check found, every number computed up front.

    Three kinds of check share this shape, each its own subclass, never mixed up:

    * :class:`FalsificationResult` (``kind="falsification"``): a test that can fail. Its
      ``p_value`` tests ``null_hypothesis``; ``verdict`` is ``"failed"`` when ``p < alpha``,
      ``"inconclusive"`` when it did not fail but could not have seen a problem of the size
      that matters (``details["detectable"]``), else ``"passed"``.
    * :class:`StabilityResult` (``kind="stability"``): how far the estimate moves, in its own
      standard errors (``details["shift_se"]``) and in percent, against a tolerance stated up
      front (``details["tolerance_se"]``): ``"stable"`` or ``"unstable"``. No p-value.
    * :class:`SensitivityResult` (``kind="sensitivity"``): how strong a hidden confounder
      would have to be. Never pass/fail: ``verdict == ""``, ``passed is None``, no p-value.

    Attributes
    ----------
    method, label : str
        Registry name and display name of the check.
    estimator : str
        Registry name of the estimator that was re-run.
    treatment, outcome : str
    original_value : float
        The estimate under test.
    reference_value : float
        What the simulated estimates are compared against: the original estimate (it should
        not move) or 0 (the effect should vanish).
    simulated : ndarray
        The simulated estimates (read-only; may be empty for a check that simulates nothing).
        For ``unobserved_common_cause``: the effect surface, flattened row by row, without
        cells where the estimator failed (see ``surface``, where those cells are NaN).
    p_value : float or None
        Falsification tests only: the p-value of the test of ``null_hypothesis``.
    passed : bool or None
        True when the check found no problem (falsification: not failed; stability: stable);
        None for sensitivity, which is never pass/fail.
    alpha : float
        The level the verdict is judged at (the estimate's ``alpha``).
    null_hypothesis : str
        What the test assumes, in words.
    explanation : str
        One plain sentence with the numbers, generated from the same numbers as the verdict.
    n_simulations : int
        Simulations that produced an estimate (failed ones are reported in ``warnings``).
    params : dict
        The check's parameters.
    warnings : tuple of str
    surface : ConfounderSurface or None
        Only for ``unobserved_common_cause``.
    kind : str
        ``"falsification"``, ``"stability"`` or ``"sensitivity"``.
    verdict : str
        See above.
    question : str
        The question the check answers, in words.
    can_detect, cannot_detect : str
        One plain sentence each.
    next_step : str
        What to do when the check fails (or is inconclusive / unstable).
    details : dict of str to float
        The numbers behind the verdict (e.g. ``shift_se``, ``detectable``, ``statistic``).
    """

    method: str
    label: str
    estimator: str
    treatment: str
    outcome: str
    original_value: float
    reference_value: float
    simulated: np.ndarray
    p_value: float | None
    passed: bool | None
    alpha: float
    null_hypothesis: str
    explanation: str
    n_simulations: int
    params: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    surface: ConfounderSurface | None = None
    kind: str = "falsification"
    verdict: str = ""
    question: str = ""
    can_detect: str = ""
    cannot_detect: str = ""
    next_step: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "simulated", _frozen_array(self.simulated, 1))
        p = self.p_value
        if p is not None and isinstance(p, float) and math.isnan(p):
            object.__setattr__(self, "p_value", p := None)
        if self.kind not in KINDS:
            raise EstimationError(f"kind must be one of {sorted(KINDS)}; got {self.kind!r}.")
        if self.verdict not in KINDS[self.kind]:
            raise EstimationError(f"A {self.kind} check's verdict is one of "
                                  f"{list(KINDS[self.kind])}; got {self.verdict!r}.")
        if self.kind == "falsification":
            if p is None or not 0.0 <= p <= 1.0:
                raise EstimationError(f"p_value must lie in [0, 1]; got {p!r}.")
        elif p is not None:
            raise EstimationError(f"A {self.kind} check has no p-value; got {p!r}.")
        expect = None if self.kind == "sensitivity" else self.verdict in ("passed",
                                                                          "inconclusive", "stable")
        if (self.passed is None) != (expect is None) or (
                expect is not None and bool(self.passed) != expect):
            raise EstimationError(f"passed={self.passed!r} contradicts the verdict "
                                  f"{self.verdict!r}.")

    def summary(self) -> pd.DataFrame:
        """A tidy one-row table.

        Columns: ``kind``, ``verdict``, ``estimate``, ``reference``, ``simulated mean``,
        ``simulated sd``, ``simulated lower 95%``, ``simulated upper 95%`` (the central
        ``1 - alpha`` range of the simulated values), ``p``, ``passed``, ``n simulations``,
        ``estimator``.
        """
        lvl = f"{100.0 * (1.0 - self.alpha):.10g}%"
        s = self.simulated[np.isfinite(self.simulated)]
        q = np.quantile(s, [self.alpha / 2, 1 - self.alpha / 2]) if s.size else [np.nan] * 2
        row = {
            "refuter": self.label,
            "kind": self.kind,
            "verdict": self.verdict,
            "estimate": self.original_value,
            "reference": self.reference_value,
            "simulated mean": float(s.mean()) if s.size else float("nan"),
            "simulated sd": float(s.std(ddof=1)) if s.size > 1 else float("nan"),
            f"simulated lower {lvl}": float(q[0]),
            f"simulated upper {lvl}": float(q[1]),
            "p": self.p_value,
            "passed": self.passed,
            "n simulations": self.n_simulations,
            "estimator": self.estimator,
        }
        return pd.DataFrame([row]).set_index("refuter")

    def __repr__(self) -> str:
        from ..display import refutation_repr

        return refutation_repr(self)

    def _repr_html_(self) -> str:
        from ..display import html_of

        return html_of(self, self.summary())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary of every field (non-finite numbers become ``None``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RefutationResult):
            return NotImplemented
        return json.dumps(self.to_dict(), sort_keys=True) == json.dumps(other.to_dict(),
                                                                        sort_keys=True)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False, repr=False)  # the short repr of RefutationResult
class FalsificationResult(RefutationResult):
    """A test that can fail: placebo, dummy outcome, negative controls, the graph's implications."""

    kind: str = "falsification"


@dataclass(frozen=True, eq=False, repr=False)  # the short repr of RefutationResult
class StabilityResult(RefutationResult):
    """How far the estimate moves (random common cause, data subset, bootstrap)."""

    kind: str = "stability"


@dataclass(frozen=True, eq=False, repr=False)  # the short repr of RefutationResult
class SensitivityResult(RefutationResult):
    """How strong a hidden confounder would have to be (never pass/fail)."""

    kind: str = "sensitivity"


#: The result class of each kind.
RESULT_TYPES: dict[str, type[RefutationResult]] = {
    "falsification": FalsificationResult, "stability": StabilityResult,
    "sensitivity": SensitivityResult,
}


def result_from_fields(**fields: Any) -> RefutationResult:
    """The result object of the right kind (``fields["kind"]``, default falsification)."""
    cls = RESULT_TYPES.get(fields.get("kind", "falsification"), RefutationResult)
    return cls(**fields)
