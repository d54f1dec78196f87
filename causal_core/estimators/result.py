"""Result objects of the estimators: frozen, every number computed up front.

Examples
--------
>>> from causal_core.estimators.result import level_label
>>> level_label(0.05)
'95%'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._json import plain as _plain
from ..identify import Estimand

__all__ = [
    "BalanceRow",
    "EffectEstimate",
    "PropensityDiagnostics",
    "SubgroupEffect",
    "level_label",
]


def level_label(alpha: float) -> str:
    """The confidence level as text, e.g. ``0.05 -> '95%'``."""
    return f"{100.0 * (1.0 - alpha):.10g}%"


@dataclass(frozen=True)
class BalanceRow:
    """Standardised mean difference of one (encoded) covariate before and after adjustment."""

    covariate: str
    smd_before: float
    smd_after: float


@dataclass(frozen=True)
class PropensityDiagnostics:
    """Overlap, balance and weight diagnostics of a propensity-score estimate.

    Attributes
    ----------
    converged : bool
        Whether the logistic propensity model converged.
    bin_edges : tuple of float
        Edges of the propensity histogram (``len(counts_treated) + 1`` values in [0, 1]).
    counts_treated, counts_control : tuple of int
        Rows of each group per propensity bin (the overlap plot).
    ps_min_treated, ps_max_treated, ps_min_control, ps_max_control : float
        Range of the propensity score in each group.
    share_outside_overlap : float
        Share of rows whose score lies outside the other group's score range.
    balance : tuple of BalanceRow
        Standardised mean differences before and after (the Love plot).
    ess_treated, ess_control : float
        Kish effective sample size of each group under the estimator's weights.
    n_treated, n_control : int
        Rows in each group.
    share_extreme_ps : float
        Share of rows with a score below 0.05 or above 0.95 (inverse weights above 20).
    weight_share_top_1pct : float
        Share of the total weight held by the heaviest 1% of rows.
    n_clipped, n_trimmed : int
        Rows whose score was clipped, or that were dropped by trimming.
    weight_share_clipped, weight_share_trimmed : float
        Share of the total weight carried by clipped rows, or that trimmed rows would
        have carried.
    """

    converged: bool
    bin_edges: tuple[float, ...]
    counts_treated: tuple[int, ...]
    counts_control: tuple[int, ...]
    ps_min_treated: float
    ps_max_treated: float
    ps_min_control: float
    ps_max_control: float
    share_outside_overlap: float
    balance: tuple[BalanceRow, ...]
    ess_treated: float
    ess_control: float
    n_treated: int
    n_control: int
    share_extreme_ps: float
    weight_share_top_1pct: float
    n_clipped: int = 0
    n_trimmed: int = 0
    weight_share_clipped: float = 0.0
    weight_share_trimmed: float = 0.0

    def balance_frame(self) -> pd.DataFrame:
        """The balance table: one row per covariate, ``smd before`` and ``smd after``."""
        return pd.DataFrame(
            {
                "covariate": [b.covariate for b in self.balance],
                "smd before": [b.smd_before for b in self.balance],
                "smd after": [b.smd_after for b in self.balance],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class SubgroupEffect:
    """The effect within one bin of an effect modifier."""

    modifier: str
    bin: str
    n: int
    value: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class EffectEstimate:
    """An estimated causal effect, with its uncertainty and diagnostics.

    Attributes
    ----------
    value : float
        The point estimate of ``target`` for the contrast ``control -> treated``.
    se : float
        Its standard error.
    ci_low, ci_high : float
        The ``1 - alpha`` confidence interval.
    alpha : float
        One minus the confidence level.
    p_value : float
        Two-sided p-value of "no effect".
    method, method_label : str
        Registry name and display name of the estimator.
    estimand : Estimand
        The estimand actually used (its sets are those the estimator used).
    target : {"ate", "att", "atc"}
    treatment, outcome : str
    treatment_type : {"binary", "continuous", "categorical"}
    contrast : tuple
        ``(control value, treatment value)`` the effect compares.
    n_used, n_dropped : int
        Rows used, and rows removed by listwise deletion (``dropna=True``) or trimming.
    ci_method : str
        How the interval was computed ("analytic: ..." or "bootstrap: ...").
    warnings : tuple of str
        Everything the user should know (weak instrument, non-convergence, dropped strata...).
    diagnostics : dict
        Method-specific numbers; ``"propensity"`` holds a :class:`PropensityDiagnostics`.
    subgroups : tuple of SubgroupEffect
        Per-bin effects when effect modifiers were given.
    params : dict
        The estimator's parameters.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causal_core as cc
    >>> from causal_core.identify import Estimand, Identification
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=500); t = (w + rng.normal(size=500) > 0).astype(int)
    >>> df = pd.DataFrame({"w": w, "t": t, "y": 2 * t + w + rng.normal(size=500)})
    >>> est = cc.estimate(df, cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"),
    ...     ("t", "y")]), "t", "y"), method="linear_regression")
    >>> list(est.summary().columns[:4])
    ['estimate', 'se', 'ci lower 95%', 'ci upper 95%']
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    alpha: float
    p_value: float
    method: str
    method_label: str
    estimand: Estimand
    target: str
    treatment: str
    outcome: str
    treatment_type: str
    contrast: tuple[Any, Any]
    n_used: int
    n_dropped: int
    ci_method: str
    warnings: tuple[str, ...] = ()
    diagnostics: dict[str, Any] = field(default_factory=dict)
    subgroups: tuple[SubgroupEffect, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> str:
        """The confidence level as text, e.g. ``'95%'``."""
        return level_label(self.alpha)

    def summary(self) -> pd.DataFrame:
        """A tidy table: the effect, then one row per effect-modifier bin.

        Columns: ``estimate``, ``se``, ``ci lower 95%``, ``ci upper 95%`` (the level follows
        ``alpha``), ``p``, ``target``, ``method``, ``ci method``, ``n``.
        """
        lvl = self.level
        name = f"{self.target.upper()} of {self.treatment} on {self.outcome}"
        rows = [
            {
                "effect": name,
                "estimate": self.value,
                "se": self.se,
                f"ci lower {lvl}": self.ci_low,
                f"ci upper {lvl}": self.ci_high,
                "p": self.p_value,
                "target": self.target,
                "method": self.method,
                "ci method": self.ci_method,
                "n": self.n_used,
            }
        ]
        for g in self.subgroups:
            rows.append(
                {
                    "effect": f"{name} | {g.modifier} in {g.bin}",
                    "estimate": g.value,
                    "se": g.se,
                    f"ci lower {lvl}": g.ci_low,
                    f"ci upper {lvl}": g.ci_high,
                    "p": float("nan"),
                    "target": self.target,
                    "method": self.method,
                    "ci method": self.ci_method,
                    "n": g.n,
                }
            )
        return pd.DataFrame(rows).set_index("effect")

    def __repr__(self) -> str:
        from ..display import estimate_repr

        return estimate_repr(self)

    def _repr_html_(self) -> str:
        from ..display import html_of

        return html_of(self, self.summary())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary of every field (non-finite numbers become ``None``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
