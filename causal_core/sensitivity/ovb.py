"""Omitted-variable-bias sensitivity (Cinelli & Hazlett 2020) for regression estimates.

See :mod:`causal_core.sensitivity` for the formulas.

Examples
--------
>>> from causal_core.sensitivity.ovb import robustness_value
>>> round(robustness_value(4.18445, 783), 4)
0.1388
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import fmt
from .._json import plain as _plain
from ..exceptions import EstimationError
from ..refuters.results import _frozen_array

__all__ = [
    "partial_r2", "partial_f2", "robustness_value", "bias", "adjusted_estimate",
    "adjusted_se", "adjusted_t", "confounder_bounds", "covariate_partial_r2",
    "covariate_groups", "BenchmarkBound", "OVBSensitivity", "ovb_sensitivity",
    "ovb_sensitivity_from_stats",
]

ArrayLike = float | np.ndarray


# ---------------------------------------------------------------------- closed forms
def partial_r2(t_statistic: float, dof: float) -> float:
    """Partial R² of a regressor from its t-statistic: ``t² / (t² + dof)``."""
    return float(t_statistic**2 / (t_statistic**2 + dof))


def partial_f2(t_statistic: float, dof: float) -> float:
    """Partial Cohen's f² of a regressor: ``t² / dof``."""
    return float(t_statistic**2 / dof)


def robustness_value(t_statistic: float, dof: float, q: float = 1.0,
                     alpha: float | None = None) -> float:
    """Robustness value ``RV_q`` (``alpha=None``) or ``RV_{q,α}`` (Cinelli & Hazlett 2020).

    Parameters
    ----------
    t_statistic : float
        The estimate's t-statistic (``estimate / se``).
    dof : float
        Residual degrees of freedom of the regression.
    q : float
        Share of the estimate to explain away (1 = all of it).
    alpha : float, optional
        Significance level; then the strength at which the ``1 − α`` interval reaches
        ``(1 − q) · estimate``.

    Examples
    --------
    >>> round(robustness_value(4.18445, 783), 6)
    0.138776
    """
    if dof <= 1:
        raise EstimationError(f"dof must exceed 1 for a robustness value; got {dof!r}.")
    fq = q * abs(t_statistic) / np.sqrt(dof)
    f_crit = 0.0 if alpha is None else abs(stats.t.ppf(alpha / 2, dof - 1)) / np.sqrt(dof - 1)
    fqa = fq - f_crit
    if fqa <= 0:
        return 0.0
    if f_crit > 0 and fq > 1 / f_crit:
        return float((fq**2 - f_crit**2) / (1 + fq**2))
    return float(0.5 * (np.sqrt(fqa**4 + 4 * fqa**2) - fqa**2))


def _check_r2(r2dz_x: ArrayLike, r2yz_dx: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(r2dz_x, dtype=float), np.asarray(r2yz_dx, dtype=float)
    if np.any((a < 0) | (a >= 1)) or np.any((b < 0) | (b > 1)):
        raise EstimationError(
            "Partial R² values must lie in [0, 1) for the treatment and [0, 1] for the outcome; "
            f"got {r2dz_x!r} and {r2yz_dx!r}."
        )
    return a, b


def bias(se: float, dof: float, r2dz_x: ArrayLike, r2yz_dx: ArrayLike) -> ArrayLike:
    """Absolute bias a confounder of the given partial R² strengths would induce."""
    a, b = _check_r2(r2dz_x, r2yz_dx)
    out = se * np.sqrt(dof) * np.sqrt(b * a / (1 - a))
    return float(out) if out.ndim == 0 else out


def adjusted_estimate(estimate: float, se: float, dof: float, r2dz_x: ArrayLike,
                      r2yz_dx: ArrayLike, reduce: bool = True) -> ArrayLike:
    """The estimate after removing (``reduce``) or adding the bias, towards/away from 0."""
    b = bias(se, dof, r2dz_x, r2yz_dx)
    sign = 1.0 if estimate >= 0 else -1.0
    return sign * (abs(estimate) - b) if reduce else sign * (abs(estimate) + b)


def adjusted_se(se: float, dof: float, r2dz_x: ArrayLike, r2yz_dx: ArrayLike) -> ArrayLike:
    """Standard error after adjusting for the confounder."""
    a, b = _check_r2(r2dz_x, r2yz_dx)
    out = se * np.sqrt((1 - b) / (1 - a)) * np.sqrt(dof / (dof - 1))
    return float(out) if out.ndim == 0 else out


def adjusted_t(estimate: float, se: float, dof: float, r2dz_x: ArrayLike, r2yz_dx: ArrayLike,
               reduce: bool = True, h0: float = 0.0) -> ArrayLike:
    """t-statistic (against ``h0``) after adjusting for the confounder."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (adjusted_estimate(estimate, se, dof, r2dz_x, r2yz_dx, reduce) - h0) / adjusted_se(
            se, dof, r2dz_x, r2yz_dx)


def confounder_bounds(r2dxj_x: float, r2yxj_dx: float, kd: float = 1.0,
                      ky: float | None = None) -> tuple[float, float]:
    """Strength ``(R²_{D~Z|X}, R²_{Y~Z|D,X})`` of a confounder ``kd``/``ky`` times as strong as
    a covariate with partial R² ``r2dxj_x`` (with treatment) and ``r2yxj_dx`` (with outcome).

    Raises :class:`EstimationError` for impossible multiples; the outcome strength is capped
    at 1.

    Examples
    --------
    >>> r2d, r2y = confounder_bounds(0.2, 0.1, kd=1)
    >>> round(r2d, 4)
    0.25
    """
    ky = kd if ky is None else ky
    if not (0 <= r2dxj_x < 1 and 0 <= r2yxj_dx < 1) or kd < 0 or ky < 0:
        raise EstimationError(
            f"Benchmark partial R² must lie in [0, 1) and kd, ky be non-negative; got "
            f"r2dxj_x={r2dxj_x!r}, r2yxj_dx={r2yxj_dx!r}, kd={kd!r}, ky={ky!r}."
        )
    r2dz = kd * r2dxj_x / (1 - r2dxj_x)
    r2zxj = kd * r2dxj_x**2 / ((1 - kd * r2dxj_x) * (1 - r2dxj_x)) if kd * r2dxj_x < 1 else 1.0
    if r2dz >= 1 or r2zxj >= 1:
        raise EstimationError(
            f"A confounder {fmt.number(kd)} times as strong as this covariate would explain all of "
            f"the treatment (implied partial R² {fmt.number(min(r2dz, 1.0))}): impossible. Use a "
            "smaller kd."
        )
    r2yz = ((np.sqrt(ky) + np.sqrt(r2zxj)) / np.sqrt(1 - r2zxj)) ** 2 * (r2yxj_dx / (1 - r2yxj_dx))
    return float(r2dz), float(min(r2yz, 1.0))


def _rss(design: np.ndarray, v: np.ndarray) -> float:
    coef = np.linalg.lstsq(design, v, rcond=None)[0]
    r = v - design @ coef
    return float(r @ r)


def covariate_partial_r2(t: np.ndarray, y: np.ndarray, x: np.ndarray,
                         groups: Mapping[str, Sequence[int]]) -> dict[str, tuple[float, float]]:
    """Per covariate (a group of columns of ``x``): ``(R²_{D~X_j|X_−j}, R²_{Y~X_j|D,X_−j})``.

    Group partial R² from residual sums of squares: ``(RSS_without − RSS_with) / RSS_without``.
    """
    n = t.size
    one = np.ones((n, 1))
    full_d = np.hstack([one, x])
    full_y = np.hstack([one, t[:, None], x])
    rss_d, rss_y = _rss(full_d, t), _rss(full_y, y)
    out: dict[str, tuple[float, float]] = {}
    for name, cols in groups.items():
        keep = [j for j in range(x.shape[1]) if j not in set(cols)]
        rd = _rss(np.hstack([one, x[:, keep]]), t)
        ry = _rss(np.hstack([one, t[:, None], x[:, keep]]), y)
        out[name] = (max(0.0, (rd - rss_d) / rd) if rd > 0 else 0.0,
                     max(0.0, (ry - rss_y) / ry) if ry > 0 else 0.0)
    return out


# ---------------------------------------------------------------------- OVB result
@dataclass(frozen=True)
class BenchmarkBound:
    """A confounder ``kd`` (``ky``) times as strong as an observed covariate, and its impact."""

    covariate: str
    kd: float
    ky: float
    r2dz_x: float
    r2yz_dx: float
    adjusted_estimate: float
    adjusted_se: float
    adjusted_t: float
    ci_low: float
    ci_high: float

    @property
    def label(self) -> str:
        """E.g. ``"1x female"``."""
        k = (f"{fmt.number(self.kd)}x" if self.kd == self.ky
             else f"{fmt.number(self.kd)}/{fmt.number(self.ky)}x")
        return f"{k} {self.covariate}"


@dataclass(frozen=True, eq=False)
class OVBSensitivity:
    """Cinelli & Hazlett's sensitivity analysis of one regression estimate.

    Attributes
    ----------
    treatment, outcome : str
    estimate, se : float
        The estimate and its classical (homoscedastic) OLS standard error.
    dof : int
        Residual degrees of freedom.
    t_statistic, r2yd_x, f2yd_x : float
        t-statistic, partial R² and partial f² of the treatment with the outcome.
    q, alpha : float
    rv_q, rv_qa : float
        Robustness values ``RV_q`` and ``RV_{q,α}``.
    benchmarks : tuple of BenchmarkBound
    grid_r2dz, grid_r2yz : tuple of float
        Axes of the contour grid.
    grid_estimate, grid_t : ndarray, shape (len(grid_r2dz), len(grid_r2yz))
        Adjusted estimate and t-statistic over the grid.
    fragile : bool
        True when a confounder as strong as an observed covariate (``kd = 1``) would make the
        estimate lose significance (without benchmarks: when ``RV_{q,α} = 0``).
    explanation : str
    notes : tuple of str
        Benchmark multiples left out because they are impossible.
    """

    treatment: str
    outcome: str
    estimate: float
    se: float
    dof: int
    t_statistic: float
    r2yd_x: float
    f2yd_x: float
    q: float
    alpha: float
    rv_q: float
    rv_qa: float
    benchmarks: tuple[BenchmarkBound, ...]
    grid_r2dz: tuple[float, ...]
    grid_r2yz: tuple[float, ...]
    grid_estimate: np.ndarray
    grid_t: np.ndarray
    fragile: bool
    explanation: str
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "grid_estimate", _frozen_array(self.grid_estimate, 2))
        object.__setattr__(self, "grid_t", _frozen_array(self.grid_t, 2))

    def summary(self) -> pd.DataFrame:
        """One row: estimate, se, t, dof, partial R² of the treatment, ``RV_q``, ``RV_q,α``."""
        return pd.DataFrame([{
            "treatment": self.treatment, "estimate": self.estimate, "se": self.se,
            "t": self.t_statistic, "dof": self.dof, "partial r2 treatment": self.r2yd_x,
            f"rv q={self.q:g}": self.rv_q,
            f"rv q={self.q:g} alpha={self.alpha:g}": self.rv_qa, "fragile": self.fragile,
        }]).set_index("treatment")

    def bounds(self) -> pd.DataFrame:
        """One row per benchmark bound (``r2dz_x``, ``r2yz_dx``, adjusted numbers)."""
        lvl = f"{100 * (1 - self.alpha):.10g}%"
        return pd.DataFrame([{
            "bound": b.label, "r2dz_x": b.r2dz_x, "r2yz_dx": b.r2yz_dx,
            "adjusted estimate": b.adjusted_estimate, "adjusted se": b.adjusted_se,
            "adjusted t": b.adjusted_t, f"ci lower {lvl}": b.ci_low, f"ci upper {lvl}": b.ci_high,
        } for b in self.benchmarks], columns=["bound", "r2dz_x", "r2yz_dx", "adjusted estimate",
                                              "adjusted se", "adjusted t", f"ci lower {lvl}",
                                              f"ci upper {lvl}"]).set_index("bound")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary of every field."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def ovb_sensitivity_from_stats(
    estimate: float, se: float, dof: int, *,
    benchmarks: Mapping[str, tuple[float, float]] | None = None,
    kd: float | Sequence[float] = (1.0, 2.0, 3.0), ky: float | Sequence[float] | None = None,
    q: float = 1.0, alpha: float = 0.05, treatment: str = "treatment", outcome: str = "outcome",
    grid_max: float | None = None, grid_size: int = 41,
) -> OVBSensitivity:
    """Cinelli–Hazlett sensitivity from summary statistics (e.g. a published table).

    Parameters
    ----------
    estimate, se, dof
        The OLS coefficient, its classical standard error and residual degrees of freedom.
    benchmarks : mapping, optional
        Covariate name → ``(R²_{D~X_j|X_−j}, R²_{Y~X_j|D,X_−j})``.
    kd, ky : float or list of float
        Multiples of each benchmark's strength (``ky`` defaults to ``kd``).
    q, alpha : float
        Share of the estimate to explain away; significance level.
    grid_max, grid_size
        The contour grid runs over ``[0, grid_max]²`` (default: enough to show the
        benchmarks and ``RV_q``).

    Examples
    --------
    >>> s = ovb_sensitivity_from_stats(0.09731582, 0.02325654, 783)
    >>> round(s.rv_q, 4), round(s.rv_qa, 4), round(s.r2yd_x, 4)
    (0.1388, 0.0763, 0.0219)
    """
    if not (np.isfinite(estimate) and np.isfinite(se) and se > 0 and dof > 1):
        raise EstimationError(
            f"Sensitivity needs a finite estimate, a positive standard error and dof > 1; got "
            f"estimate={estimate!r}, se={se!r}, dof={dof!r}."
        )
    if not 0 < alpha < 1 or not 0 < q:
        raise EstimationError(f"alpha must be in (0, 1) and q positive; got {alpha!r}, {q!r}.")
    kds = [float(k) for k in np.atleast_1d(kd)]
    kys = kds if ky is None else [float(k) for k in np.atleast_1d(ky)]
    if len(kys) != len(kds):
        raise EstimationError(f"kd and ky must have the same length; got {kds} and {kys}.")
    t_stat = estimate / se
    crit = float(stats.t.ppf(1 - alpha / 2, dof))  # as sensemakr's adjusted intervals
    bounds: list[BenchmarkBound] = []
    notes: list[str] = []
    for name, (r2d, r2y) in (benchmarks or {}).items():
        for a, b in zip(kds, kys, strict=True):
            try:
                r2dz, r2yz = confounder_bounds(r2d, r2y, a, b)
            except EstimationError:
                notes.append(f"No bound for {fmt.number(a)}x {name}: a confounder that strong would "
                             "explain all of the treatment's residual variance.")
                continue
            est = float(adjusted_estimate(estimate, se, dof, r2dz, r2yz))
            ase = float(adjusted_se(se, dof, r2dz, r2yz))
            bounds.append(BenchmarkBound(str(name), a, b, r2dz, r2yz, est, ase,
                                         est / ase if ase > 0 else float("inf"),
                                         est - crit * ase, est + crit * ase))
    rv_q = robustness_value(t_stat, dof, q)
    rv_qa = robustness_value(t_stat, dof, q, alpha)
    if grid_max is None:
        peak = max([rv_q, *[max(b.r2dz_x, b.r2yz_dx) for b in bounds]], default=rv_q)
        grid_max = float(min(0.99, max(0.4, 1.25 * peak)))
    grid = np.linspace(0.0, float(grid_max), int(grid_size))
    gd, gy = np.meshgrid(grid, grid, indexing="ij")
    g_est = adjusted_estimate(estimate, se, dof, gd, gy)
    g_t = adjusted_t(estimate, se, dof, gd, gy)
    ones = [b for b in bounds if b.kd == 1 and b.ky == 1]
    if ones:
        fragile = any(b.ci_low <= 0 <= b.ci_high for b in ones)
    else:
        fragile = rv_qa == 0.0
    strongest = max(ones, key=lambda b: b.r2dz_x * b.r2yz_dx, default=None)
    text = (f"A hidden confounder would need to explain {fmt.percent(rv_q)} of the residual "
            f"variance of both {treatment!r} and {outcome!r} to bring the estimate "
            f"{fmt.number(estimate)} to zero, and {fmt.percent(rv_qa)} to make it lose "
            f"significance at {fmt.number(alpha)}")
    if strongest is not None:
        sign = 1.0 if estimate >= 0 else -1.0
        word = "positive" if sign > 0 else "negative"
        adj = strongest.adjusted_estimate
        state = (f"no longer {word}" if adj * sign <= 0 else f"still {word}, but its interval "
                 "includes 0" if strongest.ci_low <= 0 <= strongest.ci_high
                 else f"still {word} and significant")
        text += (f"; a hidden confounder as strong as {strongest.covariate!r} would move it to "
                 f"{fmt.number(adj)} ({state}; {fmt.level(alpha)} CI "
                 f"{fmt.interval(strongest.ci_low, strongest.ci_high)})")
    text += "."
    return OVBSensitivity(
        treatment=treatment, outcome=outcome, estimate=float(estimate), se=float(se),
        dof=int(dof), t_statistic=float(t_stat), r2yd_x=partial_r2(t_stat, dof),
        f2yd_x=partial_f2(t_stat, dof), q=float(q), alpha=float(alpha), rv_q=rv_q, rv_qa=rv_qa,
        benchmarks=tuple(bounds), grid_r2dz=tuple(grid.tolist()), grid_r2yz=tuple(grid.tolist()),
        grid_estimate=np.asarray(g_est), grid_t=np.asarray(g_t), fragile=bool(fragile),
        explanation=text, notes=tuple(notes),
    )


def covariate_groups(x_names: Sequence[str], covariates: Sequence[str]) -> dict[str, list[int]]:
    """Encoded columns of each covariate (a categorical one has several ``name=level``)."""
    groups: dict[str, list[int]] = {}
    for c in covariates:
        cols = [j for j, nm in enumerate(x_names) if nm == c]
        if not cols:
            cols = [j for j, nm in enumerate(x_names) if nm.startswith(f"{c}=")]
        if cols:
            groups[str(c)] = cols
    return groups


def ovb_sensitivity(
    data: pd.DataFrame, identification: Any, estimate: Any, *,
    benchmark_covariates: Sequence[str] | str | None = None,
    kd: float | Sequence[float] = (1.0, 2.0, 3.0), ky: float | Sequence[float] | None = None,
    q: float = 1.0, alpha: float | None = None, grid_max: float | None = None,
    grid_size: int = 41,
) -> OVBSensitivity:
    """Cinelli–Hazlett sensitivity of a regression estimate, benchmarked on its covariates.

    Parameters
    ----------
    data, identification, estimate
        The data, identification and a ``linear_regression`` (or ``naive``) estimate of a
        binary or continuous treatment without effect modifiers.
    benchmark_covariates : list of str, optional
        Covariates to benchmark against (default: every covariate of the estimate).
    kd, ky, q, grid_max, grid_size
        See :func:`ovb_sensitivity_from_stats`.
    alpha : float, optional
        Default: the estimate's ``alpha``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causal_core as cc
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=2000); t = w + rng.normal(size=2000)
    >>> df = pd.DataFrame({"w": w, "t": t, "y": 0.5 * t + w + rng.normal(size=2000)})
    >>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
    >>> s = ovb_sensitivity(df, ident, cc.estimate(df, ident))
    >>> s.benchmarks[0].label, s.fragile
    ('1x w', False)
    """
    from ..refuters._context import build_context  # late: refuters import this module

    ctx = build_context(data, identification, estimate)
    if not ctx.ols_fast:
        raise EstimationError(
            f"Omitted-variable-bias sensitivity needs a linear regression estimate of a binary "
            f"or continuous treatment without effect modifiers; got {estimate.method_label} "
            f"({estimate.method}) of a {ctx.problem.treatment_type} treatment. Use the "
            "unobserved_common_cause refuter for other estimators, or e_value_for_estimate."
        )
    p = ctx.problem
    design = np.column_stack([np.ones(p.n), p.t, p.x])
    coef, _, rank, _ = np.linalg.lstsq(design, p.y, rcond=None)
    resid = p.y - design @ coef
    dof = p.n - int(rank)
    from ..refuters._ols import ols_parts

    parts = ols_parts(p.t, p.y, p.x)
    se = float(np.sqrt(resid @ resid / dof / parts.ss_t)) * abs(ctx.scale)
    covs = list(p.roles.covariates) if benchmark_covariates is None else (
        [benchmark_covariates] if isinstance(benchmark_covariates, str)
        else list(benchmark_covariates))
    groups = covariate_groups(p.x_names, covs)
    missing = [c for c in covs if c not in groups]
    if missing:
        raise EstimationError(
            f"Benchmark covariate {missing[0]!r} is not a (non-constant) covariate of this "
            f"estimate; its covariates are {list(p.roles.covariates)}."
        )
    r2 = covariate_partial_r2(p.t, p.y, p.x, groups)
    return ovb_sensitivity_from_stats(
        float(estimate.value), se, dof, benchmarks=r2, kd=kd, ky=ky, q=q,
        alpha=float(estimate.alpha if alpha is None else alpha), treatment=p.treatment,
        outcome=p.outcome, grid_max=grid_max, grid_size=grid_size,
    )
