"""E-values (VanderWeele & Ding 2017) for risk, odds and hazard ratios and mean differences.

An estimate of a 0/1 outcome is converted to a risk ratio with its baseline risk (not the
standardised-difference approximation meant for continuous outcomes).

See :mod:`causal_core.sensitivity` for the formulas.

Examples
--------
>>> from causal_core.sensitivity.evalue import e_value
>>> round(e_value(3.9, 1.8, 8.7).e_value_ci, 2)
3.0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._json import plain as _plain
from ..exceptions import EstimationError
from ..fmt import number

__all__ = ["EValue", "e_value", "e_value_for_estimate"]


@dataclass(frozen=True)
class EValue:
    """E-value of an estimate and of its confidence limit closer to the null.

    Attributes
    ----------
    scale : str
        The scale of the inputs: "rr", "or", "hr" or "smd".
    estimate, ci_low, ci_high : float
        The inputs (``nan`` when not given).
    rr, rr_ci_low, rr_ci_high : float
        The same on the (approximate) risk-ratio scale.
    e_value : float
        Minimum risk ratio a confounder needs with both treatment and outcome to explain the
        estimate away.
    e_value_ci : float
        The same for the confidence limit closer to 1 (1.0 when the interval includes 1;
        ``nan`` without an interval).
    explanation : str
    """

    scale: str
    estimate: float
    ci_low: float
    ci_high: float
    rr: float
    rr_ci_low: float
    rr_ci_high: float
    e_value: float
    e_value_ci: float
    explanation: str

    def summary(self) -> pd.DataFrame:
        """One row with the risk ratios and both E-values."""
        return pd.DataFrame([{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                              if f.name != "explanation"}]).set_index("scale")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _e(rr: float) -> float:
    r = rr if rr >= 1 else 1 / rr
    return float(r + np.sqrt(r * (r - 1)))


def _to_rr(v: float, scale: str, rare: bool) -> float:
    if scale == "rr" or (scale in ("or", "hr") and rare):
        return v
    if scale == "or":
        return float(np.sqrt(v))
    if scale == "hr":
        return float((1 - 0.5 ** np.sqrt(v)) / (1 - 0.5 ** np.sqrt(1 / v)))
    return float(np.exp(0.91 * v))


_SCALES = {"rr": "risk ratio", "or": "odds ratio", "hr": "hazard ratio",
           "smd": "standardised mean difference"}


def e_value(estimate: float, ci_low: float | None = None, ci_high: float | None = None, *,
            scale: str = "rr", rare: bool = False, se: float | None = None) -> EValue:
    """E-value of a risk ratio, odds ratio, hazard ratio or standardised mean difference.

    Parameters
    ----------
    estimate : float
        The point estimate on its scale (ratio > 0, or ``d`` for ``"smd"``).
    ci_low, ci_high : float, optional
        Its confidence interval (for ``"smd"``: give ``se`` instead, or the interval of d).
    scale : {"rr", "or", "hr", "smd"}
    rare : bool
        Outcome rare (< 15%): odds and hazard ratios approximate risk ratios directly.
    se : float, optional
        Standard error of ``d`` (``"smd"`` only); interval ``exp(0.91 d ± 1.78 se)``.

    Examples
    --------
    >>> ev = e_value(3.9, 1.8, 8.7)
    >>> round(ev.e_value, 2), round(ev.e_value_ci, 2)
    (7.26, 3.0)
    """
    if scale not in _SCALES:
        raise EstimationError(f"scale must be one of {', '.join(_SCALES)}; got {scale!r}.")
    vals = [v for v in (estimate, ci_low, ci_high) if v is not None]
    if not all(np.isfinite(float(v)) for v in vals) or (
            scale != "smd" and any(float(v) <= 0 for v in vals)):
        raise EstimationError(
            f"The {_SCALES[scale]} and its limits must be finite"
            + (" and positive" if scale != "smd" else "") + f"; got {vals!r}."
        )
    nan = float("nan")
    if scale == "smd" and se is not None:
        if not se >= 0:
            raise EstimationError(f"se must be a non-negative number; got {se!r}.")
        rr_lo, rr_hi = np.exp(0.91 * estimate - 1.78 * se), np.exp(0.91 * estimate + 1.78 * se)
    else:
        rr_lo = _to_rr(ci_low, scale, rare) if ci_low is not None else nan
        rr_hi = _to_rr(ci_high, scale, rare) if ci_high is not None else nan
    rr = _to_rr(float(estimate), scale, rare)
    if rr_lo > rr_hi:
        raise EstimationError(f"ci_low must not exceed ci_high; got {ci_low!r} > {ci_high!r}.")
    if rr >= 1:
        limit = rr_lo
        e_ci = nan if np.isnan(limit) else (1.0 if limit <= 1 else _e(limit))
    else:
        limit = rr_hi
        e_ci = nan if np.isnan(limit) else (1.0 if limit >= 1 else _e(limit))
    e = _e(rr)
    text = (f"To explain away the estimate, an unmeasured confounder would need a risk ratio of "
            f"at least {e:.2f} with both the treatment and the outcome")
    if not np.isnan(e_ci):
        text += (f"; {e_ci:.2f} to move the confidence interval to include no effect"
                 if e_ci > 1 else "; the confidence interval already includes no effect")
    return EValue(scale, float(estimate), nan if ci_low is None else float(ci_low),
                  nan if ci_high is None else float(ci_high), float(rr), float(rr_lo),
                  float(rr_hi), e, float(e_ci), text + ".")


def _is_binary(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s):
        return True
    v = pd.to_numeric(s, errors="coerce").dropna()
    return bool(len(v)) and set(np.unique(v.to_numpy())) <= {0.0, 1.0}


def _risks(estimate: Any, data: pd.DataFrame) -> tuple[float, str]:
    """Baseline risk ``p0`` of the target population and how it was obtained."""
    t_name, y_name = estimate.treatment, estimate.outcome
    frame = data.loc[:, [t_name, y_name]].dropna()
    treated_level = estimate.contrast[1]
    tr = (frame[t_name] == treated_level) | (frame[t_name].astype(str) == str(treated_level))
    y = pd.to_numeric(frame[y_name]).astype(float)
    tau = float(estimate.value)
    if estimate.target == "att":
        return float(y[tr].mean()) - tau, "the treated units' observed risk minus the ATT"
    if estimate.target == "atc":
        return float(y[~tr].mean()), "the control units' observed risk"
    return (float(y.mean()) - tau * float(tr.mean()),
            "the overall risk minus the ATE times the share treated (exact when the effect "
            "is the same for treated and controls)")


def e_value_for_estimate(estimate: Any, data: pd.DataFrame) -> EValue:
    """E-value of an :class:`~causal_core.estimators.EffectEstimate`.

    * **0/1 outcome, binary treatment**: the effect is a risk difference; with the baseline
      risk ``p0`` of the target population it becomes the risk ratio
      ``RR = (p0 + RD) / p0`` (interval ``(p0 + limit) / p0``), and the E-value is that of
      a risk ratio (VanderWeele & Ding 2017). ``scale`` is ``"rr"`` and the explanation
      states ``p0`` and how it was obtained.
    * **Other numeric outcomes**: the effect is standardised by the outcome's standard
      deviation in ``data`` (``d = value / sd(Y)``, ``se_d = se / sd(Y)``) and converted
      with ``RR ≈ exp(0.91 d)`` (``scale="smd"``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causal_core as cc
    >>> rng = np.random.default_rng(0)
    >>> t = rng.integers(0, 2, 1000); df = pd.DataFrame({"t": t, "y": t + rng.normal(size=1000)})
    >>> est = cc.estimate(df, cc.identify(cc.CausalGraph(edges=[("t", "y")]), "t", "y"))
    >>> e_value_for_estimate(est, df).e_value > 2
    True
    """
    name = getattr(estimate, "outcome", None)
    if name is None or not isinstance(data, pd.DataFrame) or name not in data.columns:
        raise EstimationError(
            f"Pass an EffectEstimate and the DataFrame it was computed on (with its outcome "
            f"column {name!r})."
        )
    binary_t = getattr(estimate, "treatment_type", "") == "binary"
    if binary_t and estimate.treatment in data.columns and _is_binary(data[name]):
        return _risk_ratio_e_value(estimate, data)
    sd = float(pd.to_numeric(data[name], errors="coerce").std())
    if not np.isfinite(sd) or sd <= 0:
        raise EstimationError(f"The outcome {name!r} has no spread (sd = {sd}); no E-value.")
    return e_value(float(estimate.value) / sd, scale="smd", se=float(estimate.se) / sd)


def _risk_ratio_e_value(estimate: Any, data: pd.DataFrame) -> EValue:
    p0, how = _risks(estimate, data)
    rd, lo, hi = float(estimate.value), float(estimate.ci_low), float(estimate.ci_high)
    p1 = p0 + rd
    if not (0 < p0 < 1 and 0 < p1 <= 1):
        raise EstimationError(
            f"The 0/1 outcome {estimate.outcome!r} gives a baseline risk of {number(p0)} and a risk "
            f"under treatment of {number(p1)} ({how}); a risk ratio needs both inside (0, 1]. The "
            "linear estimate extrapolates beyond possible risks: use a propensity method."
        )
    tiny = 1e-9
    ev = e_value(p1 / p0, max(p0 + lo, tiny) / p0, max(p0 + hi, tiny) / p0, scale="rr")
    text = (f"The outcome {estimate.outcome!r} is 0/1, so the {estimate.target.upper()} "
            f"({number(rd)}) is a risk difference; with the baseline risk p0 = {number(p0)} ({how}) it "
            f"is the risk ratio {number(p1 / p0)} = {number(p1)} / {number(p0)}, interval "
            f"({number((p0 + lo) / p0)}, {number((p0 + hi) / p0)}), the risk-ratio scale of VanderWeele "
            f"& Ding (2017). ")
    return dataclasses.replace(ev, explanation=text + ev.explanation)
