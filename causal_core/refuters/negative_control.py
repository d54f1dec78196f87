"""Negative controls: the checks that can reveal an unmeasured confounder.

A **negative-control outcome** ``N`` is a measured variable the treatment cannot affect but
that shares the outcome's causes, measured or not (last year's revenue, a symptom the drug
cannot touch). The same estimation (same method, same adjustment set) is run with ``N`` in
place of the outcome: when the adjustment set blocks all confounding, the "effect" on ``N``
is 0. The test: ``z = effect_N / se_N``, two-sided normal p-value, failed when ``p < alpha``.
An unmeasured confounder of treatment and outcome that also drives ``N`` makes it fail.

A **negative-control exposure** ``Z`` is a measured variable that cannot affect the outcome
except through the treatment but shares the treatment's causes. When nothing unmeasured
confounds treatment and outcome, ``Y ⫫ Z | T, X`` (``X`` the adjustment set). The test: the
partial correlation of ``Y`` and ``Z`` given ``[T, X]`` (least squares), Fisher's z.

Both state the smallest association they could have seen with 80 % power; when that is larger
than a relevance threshold stated up front (0.2 standard deviations of ``N`` per unit of the
treatment contrast; a partial correlation of 0.1), a test that did not fail is
*inconclusive*, not passed.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> u = rng.normal(size=2000); w = rng.normal(size=2000)
>>> t = (w + u + rng.normal(size=2000) > 0).astype(int)
>>> df = pd.DataFrame({"w": w, "t": t, "y": 2 * t + w + u + rng.normal(size=2000),
...                    "n": u + w + rng.normal(size=2000)})
>>> ident = cc.identify(cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
>>> est = cc.estimate(df, ident, method="linear_regression")
>>> cc.refute(df, ident, est, method="negative_control_outcome", negative_control="n").verdict
'failed'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import fmt
from ..estimators.prepare import Problem, prepare_problem
from ..exceptions import EstimationError
from ._context import RefitContext
from ._ols import orthonormal_basis
from ._simulation import (
    check_applicable,
    check_number,
    detectable,
    falsification_verdict,
    make_result,
)
from .base import RefutationResult, Refuter, register_refuter

__all__ = ["NegativeControlOutcome", "NegativeControlExposure"]

_NEXT = ("Look for the unmeasured common cause the negative control points to: add it to the "
         "graph and the data, or treat the estimate as biased; if the control can in fact be "
         "affected by the treatment (or affect the outcome), pick another control.")


def _column(ref: Refuter, ctx: RefitContext) -> str:
    """The negative-control column, validated against the data, the estimate and the graph."""
    col = ref.negative_control  # type: ignore[attr-defined]
    data, p, est = ctx.data, ctx.problem, ctx.estimate
    if not isinstance(col, str) or not col:
        what = ("the treatment cannot affect" if ref.name.endswith("outcome")
                else "that cannot affect the outcome except through the treatment")
        raise EstimationError(
            f"The {ref.label.lower()} check needs negative_control='<column>': a measured "
            f"column {what}; got {col!r}.")
    if data is None or col not in data.columns:
        raise EstimationError(
            f"negative_control={col!r} is not a column of the data passed to refute. Pass the "
            "table that holds it (it may be outside the graph).")
    if col in (est.treatment, est.outcome) or col in p.roles.covariates:
        raise EstimationError(
            f"negative_control={col!r} is the treatment, the outcome or in the adjustment set; a "
            "negative control must be another column.")
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise EstimationError(f"negative_control={col!r} must be numeric (or 0/1); it holds "
                              f"{s.dtype} values.")
    g = ctx.identification.graph
    if col in g.nodes:
        if ref.name.endswith("outcome") and col in g.descendants([est.treatment]):
            raise EstimationError(
                f"The graph says {est.treatment!r} causes {col!r}, so it cannot serve as a "
                "negative-control outcome (which the treatment must not affect).")
        if ref.name.endswith("exposure"):
            dag = g.to_networkx().copy()
            dag.remove_node(est.treatment)
            import networkx as nx

            if est.outcome in dag and col in dag and nx.has_path(dag, col, est.outcome):
                raise EstimationError(
                    f"The graph has a path from {col!r} to {est.outcome!r} that avoids "
                    f"{est.treatment!r}, so it cannot serve as a negative-control exposure.")
    return col


class _NegativeControl(Refuter):
    estimands = ("backdoor",)
    kind = "falsification"
    reference = "zero"

    def __init__(self, *, negative_control: str | None = None) -> None:
        self.negative_control = negative_control

    def null_hypothesis(self, ctx: RefitContext) -> str:
        raise NotImplementedError

    def reference_value(self, ctx: RefitContext) -> float:
        return 0.0

    def judge(self, ctx: RefitContext, col: str, rng: np.random.Generator) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, ctx: RefitContext, *, n_simulations: int, rng: np.random.Generator,
            progress: Any, n_jobs: int) -> RefutationResult:
        check_applicable(self, ctx)
        col = _column(self, ctx)
        judged = self.judge(ctx, col, rng)
        if progress is not None:
            progress(1.0)
        sims = np.array([judged.pop("value")])
        return make_result(self, ctx, sims, {**judged, "n": 1}, list(ctx.notes))


def _nc_problem(ctx: RefitContext, outcome: str, covariates: tuple[str, ...]) -> Problem:
    p = ctx.problem
    roles = type(p.roles)(covariates=covariates, instruments=p.roles.instruments,
                          mediators=p.roles.mediators, modifiers=p.roles.modifiers)
    assert ctx.data is not None
    return prepare_problem(ctx.data, ctx.estimate.treatment, outcome, roles, p.estimand,
                           dropna=True)


@register_refuter
class NegativeControlOutcome(_NegativeControl):
    """Estimate the effect on a negative-control outcome with the same method; it must be 0.

    Parameters
    ----------
    negative_control : str
        A numeric column the treatment cannot affect, sharing the outcome's causes.
    relevant_sd : float
        The association (in standard deviations of the control per unit of the treatment
        contrast) the test must be able to see to pass rather than be inconclusive (0.2).
    """

    name = "negative_control_outcome"
    label = "Negative-control outcome"
    description = ("Estimates the effect on a column the treatment cannot affect (same method, "
                   "same adjustment); it must be 0. Can reveal an unmeasured confounder.")
    order = 7
    question = ("Does the method find an effect on a negative-control outcome, which the "
                "treatment cannot affect?")
    can_detect = ("An unmeasured (or unadjusted) confounder of treatment and outcome that also "
                  "drives the negative control.")
    cannot_detect = ("A confounder that does not touch the negative control, and any problem "
                     "when the control in fact is affected by the treatment.")

    def __init__(self, *, negative_control: str | None = None, relevant_sd: float = 0.2) -> None:
        self.negative_control = negative_control
        self.relevant_sd = relevant_sd

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return (f"The treatment has no effect on {self.negative_control!r} once the adjustment "
                "set is accounted for (nothing unmeasured confounds it).")

    def judge(self, ctx: RefitContext, col: str, rng: np.random.Generator) -> dict[str, Any]:
        rel = check_number(self.relevant_sd, "relevant_sd", 0.0, 10.0, low_open=True)
        prob = _nc_problem(ctx, col, ctx.problem.roles.covariates)
        nc = ctx.refit(prob, rng.spawn(1)[0])
        a = float(ctx.estimate.alpha)
        se = float(nc.se)
        if not np.isfinite(se) or se <= 0:
            raise EstimationError(f"The estimate on {col!r} has no standard error; the test needs "
                                  "one. Use an estimator that reports one.")
        z = float(nc.value) / se
        p = float(min(1.0, 2 * stats.norm.sf(abs(z))))
        unit = float(np.std(prob.t)) if prob.treatment_type == "continuous" else 1.0
        sd_n = float(np.std(prob.y))
        seen_sd = detectable(se, a) * unit / sd_n if sd_n > 0 else float("inf")
        verdict = falsification_verdict(p, a, seen_sd <= rel)
        head = (f"The same estimation with {col!r} as the outcome gives "
                f"{fmt.number(nc.value)} ({fmt.level(a)} CI {fmt.interval(nc.ci_low, nc.ci_high)}"
                f"; p = {fmt.pvalue(p)})")
        if verdict == "failed":
            text = (f"{head}: the treatment appears to 'affect' a variable it cannot affect, a "
                    "sign of confounding the adjustment set does not remove.")
        elif verdict == "passed":
            text = (f"{head}: no sign of unmeasured confounding that reaches {col!r} (an "
                    f"association of {fmt.number(seen_sd, 2)} SD would have been seen).")
        else:
            text = (f"{head}, but only an association above {fmt.number(seen_sd, 2)} SD of "
                    f"{col!r} could have been seen (the test needs {fmt.number(rel)} SD): "
                    "inconclusive.")
        return {"value": float(nc.value), "p_value": p, "verdict": verdict, "explanation": text,
                "details": {"effect": float(nc.value), "se": se, "statistic": z,
                            "ci_low": float(nc.ci_low), "ci_high": float(nc.ci_high),
                            "detectable_sd": seen_sd, "relevant_sd": rel},
                "next_step": _NEXT if verdict == "failed" else
                "Use more data, or a negative control more closely tied to the outcome's causes."}


@register_refuter
class NegativeControlExposure(_NegativeControl):
    """Test ``Y ⫫ Z | T, X`` for a negative-control exposure ``Z``.

    Parameters
    ----------
    negative_control : str
        A numeric column that cannot affect the outcome except through the treatment.
    relevant_r : float
        The partial correlation the test must be able to see to pass rather than be
        inconclusive (0.1).
    """

    name = "negative_control_exposure"
    label = "Negative-control exposure"
    description = ("Tests that a column which cannot affect the outcome (except through the "
                   "treatment) is unrelated to it given the treatment and the adjustment set.")
    order = 8
    question = ("Is the outcome related to a negative-control exposure once the treatment and "
                "the adjustment set are accounted for?")
    can_detect = ("An unmeasured confounder of treatment and outcome that also drives the "
                  "negative-control exposure, or that the treatment shares with it.")
    cannot_detect = ("A confounder unrelated to the control; it assumes the outcome depends "
                     "linearly on the treatment and the adjustment set.")

    def __init__(self, *, negative_control: str | None = None, relevant_r: float = 0.1) -> None:
        self.negative_control = negative_control
        self.relevant_r = relevant_r

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return (f"The outcome is independent of {self.negative_control!r} given the treatment "
                "and the adjustment set (partial correlation 0).")

    def judge(self, ctx: RefitContext, col: str, rng: np.random.Generator) -> dict[str, Any]:
        rel = check_number(self.relevant_r, "relevant_r", 0.0, 1.0, low_open=True, high_open=True)
        prob = _nc_problem(ctx, ctx.estimate.outcome, (*ctx.problem.roles.covariates, col))
        if col not in prob.x_names:
            raise EstimationError(f"{col!r} is constant in the rows used; it cannot serve as a "
                                  "negative control.")
        z_col = prob.x_names.index(col)
        zc = prob.x[:, z_col]
        rest = np.delete(prob.x, z_col, axis=1)
        t = prob.t
        if prob.treatment_type == "categorical":
            t = (t[:, None] == np.arange(1, len(prob.levels))[None, :]).astype(float)
        q = orthonormal_basis(np.column_stack([np.ones(prob.n), t, rest]))
        ry = prob.y - q @ (q.T @ prob.y)
        rz = zc - q @ (q.T @ zc)
        denom = float(np.sqrt((ry @ ry) * (rz @ rz)))
        if denom <= 0:
            raise EstimationError(f"{col!r} is constant once the treatment and adjustment set "
                                  "are accounted for; it cannot serve as a negative control.")
        r = float(np.clip(ry @ rz / denom, -0.999999, 0.999999))
        dof = prob.n - q.shape[1] - 2
        if dof < 2:
            raise EstimationError(f"Too few rows ({prob.n}) for the negative-control test.")
        stat = float(np.arctanh(r) * np.sqrt(dof))
        a = float(ctx.estimate.alpha)
        p = float(min(1.0, 2 * stats.norm.sf(abs(stat))))
        seen = float(np.tanh(detectable(1.0 / np.sqrt(dof), a)))
        verdict = falsification_verdict(p, a, seen <= rel)
        head = (f"Given the treatment and the adjustment set, {col!r} and the outcome have a "
                f"partial correlation of {fmt.number(r, 2)} (p = {fmt.pvalue(p)})")
        if verdict == "failed":
            text = (f"{head}: a variable that cannot affect the outcome is related to it, a sign "
                    "of confounding the adjustment set does not remove.")
        elif verdict == "passed":
            text = (f"{head}: no sign of unmeasured confounding that reaches {col!r} (a partial "
                    f"correlation of {fmt.number(seen, 2)} would have been seen).")
        else:
            text = (f"{head}, but only a partial correlation above {fmt.number(seen, 2)} could "
                    f"have been seen (the test needs {fmt.number(rel)}): inconclusive.")
        return {"value": r, "p_value": p, "verdict": verdict, "explanation": text,
                "details": {"partial_r": r, "statistic": stat, "detectable_r": seen,
                            "relevant_r": rel},
                "next_step": _NEXT if verdict == "failed" else "Use more data."}
