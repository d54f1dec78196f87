"""The graph's testable implications as one falsification test (Holm-corrected).

Every conditional independence the graph implies (``cc.implied_independencies``) is tested
on the data with the partial correlation and Fisher's z (``cc.test_implications``). One test
per implication would raise false alarms in proportion to their number, so the p-values are
adjusted by Holm's step-down method: the check fails when any adjusted p-value is below
``alpha``, and under a correct graph (and linear, Gaussian-ish relations) its false-alarm rate
is at most ``alpha`` however many implications there are. The smallest partial correlation it
could have seen (80 % power, at the Bonferroni level) is reported; when it exceeds 0.1
(``relevant_r``) a check that did not fail is *inconclusive*.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=2000); t = w + rng.normal(size=2000); m = t + rng.normal(size=2000)
>>> df = pd.DataFrame({"w": w, "t": t, "m": m, "y": m + w + rng.normal(size=2000)})
>>> g = cc.CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "m"), ("m", "y")])
>>> ident = cc.identify(g, "t", "y")
>>> cc.refute(df, ident, cc.estimate(df, ident), method="graph_implications").verdict
'passed'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import fmt
from ..citest import test_implications
from ..exceptions import EstimationError
from ._context import RefitContext
from ._simulation import check_number, detectable, falsification_verdict, make_result
from .base import RefutationResult, Refuter, register_refuter

__all__ = ["GraphImplications", "holm"]


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (same order as ``p``).

    >>> holm(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    m = p.size
    order = np.argsort(p)
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


@register_refuter
class GraphImplications(Refuter):
    """Test the graph's implied conditional independencies on the data, Holm-corrected.

    Parameters
    ----------
    max_tests : int
        Cap on the implications tested (500).
    relevant_r : float
        The partial correlation the test must be able to see to pass rather than be
        inconclusive (0.1).
    """

    name = "graph_implications"
    label = "The graph's implications"
    description = ("Tests every conditional independence the graph implies on the data "
                   "(partial correlations, Holm-corrected); a rejection contradicts the graph.")
    kind = "falsification"
    reference = "zero"
    order = 0
    question = "Do the data contradict any independence the graph claims?"
    can_detect = ("A missing arrow between measured variables that the data show (a wrong "
                  "graph), within what linear partial correlations can see.")
    cannot_detect = ("Anything about unmeasured variables, arrows whose absence implies no "
                     "independence, or non-linear dependence.")

    def __init__(self, *, max_tests: int = 500, relevant_r: float = 0.1) -> None:
        self.max_tests = max_tests
        self.relevant_r = relevant_r

    def null_hypothesis(self, ctx: RefitContext) -> str:
        return ("Every conditional independence the graph implies holds in the data (each "
                "partial correlation is 0).")

    def reference_value(self, ctx: RefitContext) -> float:
        return 0.0

    def run(self, ctx: RefitContext, *, n_simulations: int, rng: np.random.Generator,
            progress: Any, n_jobs: int) -> RefutationResult:
        cap = int(check_number(self.max_tests, "max_tests", 1, 100_000, integer=True))
        rel = check_number(self.relevant_r, "relevant_r", 0.0, 1.0, low_open=True, high_open=True)
        assert ctx.data is not None
        res = test_implications(ctx.identification.graph, ctx.data, alpha=ctx.estimate.alpha,
                                max_tests=cap)
        tested = res[res["testable"]]
        if tested.empty:
            why = "it implies no conditional independence" if res.empty else (
                "none of its implications can be tested on these data (" + str(res["note"].iloc[0])
                + ")")
            raise EstimationError(f"The graph's implications cannot be checked: {why}.")
        a = float(ctx.estimate.alpha)
        adj = holm(tested["p_value"].to_numpy())
        p = float(adj.min())
        m = len(tested)
        worst = tested.iloc[int(np.argmin(adj))]
        dof = float(tested["n"].min()) - max(len(str(g).split(", ")) for g in tested["given"]) - 3
        seen = float(np.tanh(detectable(1.0 / np.sqrt(max(dof, 1.0)), a / m)))
        verdict = falsification_verdict(p, a, seen <= rel)
        given = f" given {worst['given']}" if worst["given"] else ""
        claim = f"{worst['x']!r} ⊥⊥ {worst['y']!r}{given}"
        head = (f"{fmt.count(m)} implication{'s' if m != 1 else ''} of the graph tested; the "
                f"weakest, {claim}, has partial correlation {fmt.number(worst['partial_r'], 2)} "
                f"(Holm-adjusted p = {fmt.pvalue(p)})")
        if verdict == "failed":
            text = (f"{head}: the data contradict the graph there, so the estimate rests on a "
                    "claim the data reject.")
        elif verdict == "passed":
            text = (f"{head}: the data do not contradict the graph (a partial correlation of "
                    f"{fmt.number(seen, 2)} would have been seen).")
        else:
            text = (f"{head}, but only partial correlations above {fmt.number(seen, 2)} could "
                    f"have been seen (the test needs {fmt.number(rel)}): inconclusive.")
        if progress is not None:
            progress(1.0)
        judged = {
            "p_value": p, "verdict": verdict, "explanation": text, "n": m,
            "details": {"n_tested": m, "n_rejected": int((adj < a).sum()),
                        "worst_partial_r": float(worst["partial_r"]), "detectable_r": seen,
                        "relevant_r": rel},
            "next_step": (f"Revise the graph where the data disagree ({claim} does not hold): "
                          "add the arrow or the common cause that explains the dependence, then "
                          "re-identify." if verdict == "failed" else "Use more data."),
        }
        return make_result(self, ctx, tested["partial_r"].to_numpy(dtype=float), judged,
                           list(ctx.notes))
