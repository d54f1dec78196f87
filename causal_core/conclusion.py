"""The one conclusion rule, and the verdict table: used by the page, the report and the script.

Three kinds of check feed it, never mixed (see :class:`~causal_core.refuters.RefutationResult`):

1. **Falsification tests** can fail. Only a failed one makes the headline
   *"Not supported as it stands"*; the statement names the test's null hypothesis and what to
   do next.
2. Otherwise the headline is graded, in order of severity: an interval that includes zero
   (*"Weak: consistent with no effect"*), an unstable estimate or a falsification test that
   could not decide (*"Tentative"*), no check run at all (*"Tentative: not yet challenged"*),
   else *"Supported, if the graph is right"*.
3. The statements then keep apart what the checks say: "the estimate is stable" (stability
   checks), "the data do not contradict the graph" (its testable implications), and "no test
   can rule out an unmeasured confounder; one would need to be this strong" (sensitivity:
   never pass/fail, it only says how strong).

Examples
--------
>>> from causal_core.conclusion import estimate_sentence
>>> estimate_sentence({"value": 32.74, "ci_low": 27.61, "ci_high": 37.87, "treatment": "campaign",
...                    "outcome": "revenue", "treatment_type": "binary", "contrast": [0, 1],
...                    "target": "ate", "alpha": 0.05, "method": "propensity_matching"})
'Setting campaign to 1 instead of 0 raises revenue by about 32.7 on average (95% confidence \
interval 27.6 to 37.9), if the graph is right.'
>>> estimate_sentence({"value": -5.0, "ci_low": -7.0, "ci_high": -3.0, "treatment": "x",
...                    "outcome": "y", "treatment_type": "continuous", "target": "ate",
...                    "alpha": 0.05, "method": "naive"})
'Rows with one unit more of x have y lower by about 5 on average (95% confidence interval -7 to \
-3): an association, not a causal effect, since nothing is adjusted for.'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import fmt

__all__ = ["Statement", "Conclusion", "CheckRow", "conclude", "check_rows", "estimate_sentence",
           "HEADLINES"]

#: Every headline the rule can give, from the most to the least severe.
HEADLINES: tuple[str, ...] = (
    "Not supported as it stands",
    "Weak: consistent with no effect",
    "Tentative: the estimate is not stable",
    "Tentative: some checks could not decide",
    "Tentative: not yet challenged",
    "Supported, if the graph is right",
)
_TONE = {0: "bad", 1: "weak", 2: "weak", 3: "weak", 4: "weak", 5: "good"}


@dataclass(frozen=True)
class Statement:
    """One sentence of the conclusion: its topic and how severe it is (0 = most)."""

    topic: str
    severity: int
    text: str


@dataclass(frozen=True)
class Conclusion:
    """The headline, its tone (``bad`` / ``weak`` / ``good``) and the ordered statements."""

    headline: str
    tone: str
    statements: tuple[Statement, ...]

    @property
    def sentences(self) -> list[str]:
        """The statements' texts, most severe first."""
        return [s.text for s in self.statements]


@dataclass(frozen=True)
class CheckRow:
    """One row of the verdict table (the same rows on the page and in the report)."""

    check: str
    kind: str
    verdict: str
    p_value: str
    shift: str
    simulations: str
    finding: str

    #: Column headers, in order.
    HEADER = ("check", "kind", "verdict", "p-value", "shift (SE)", "simulations", "finding")

    def cells(self) -> list[str]:
        """The row's cells in :attr:`HEADER` order."""
        return [self.check, self.kind, self.verdict, self.p_value, self.shift, self.simulations,
                self.finding]


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _est(est: Any) -> dict[str, Any]:
    if isinstance(est, Mapping):
        return dict(est)
    return est.to_dict()


def estimate_sentence(est: Mapping[str, Any] | Any) -> str:
    """One plain sentence reading an estimate: causal wording for an adjusted estimate,
    association wording for the naive (unadjusted) one."""
    e = _est(est)
    value, lo, hi = e.get("value"), e.get("ci_low"), e.get("ci_high")
    level = f"{fmt.level(e.get('alpha') or 0.05)} confidence interval {fmt.interval(lo, hi)}"
    v = float(value or 0.0)
    t, y = e["treatment"], e["outcome"]
    if e.get("method") == "naive":
        if e.get("treatment_type") == "continuous":
            who = f"Rows with one unit more of {t}"
        else:
            t0, t1 = (e.get("contrast") or [0, 1])[:2]
            who = f"Rows with {t} = {t1}, compared with {t} = {t0},"
        word = "higher" if v > 0 else "lower"
        return (f"{who} have {y} {word} by about {fmt.number(abs(v))} on average ({level}): an "
                "association, not a causal effect, since nothing is adjusted for.")
    if e.get("treatment_type") == "continuous":
        change = f"Raising {t} by one unit"
    else:
        t0, t1 = (e.get("contrast") or [0, 1])[:2]
        change = f"Setting {t} to {t1} instead of {t0}"
    who = {"ate": "on average", "att": "for those who were treated",
           "atc": "for those who were not treated"}.get(e.get("target", ""), "on average")
    direction = "raises" if v > 0 else "lowers" if v < 0 else "does not change"
    amount = f" by about {fmt.number(abs(v))}" if v != 0 else ""
    return f"{change} {direction} {y}{amount} {who} ({level}), if the graph is right."


def _includes_zero(e: Mapping[str, Any]) -> bool:
    lo, hi = e.get("ci_low"), e.get("ci_high")
    return lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 <= hi


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _failed(r: Any) -> Statement:
    return Statement("falsification", 0, (
        f"{r.label} failed (p = {fmt.pvalue(r.p_value)} < {fmt.number(r.alpha)}): the data reject "
        f"its null hypothesis, that {_lower_first(r.null_hypothesis).rstrip('.')}. "
        f"Next: {r.next_step}"))


def _stability(stab: list[Any]) -> Statement | None:
    if not stab:
        return None
    bad = [r for r in stab if r.verdict == "unstable"]
    if bad:
        parts = "; ".join(f"{r.label.lower()} moved it by {fmt.number(abs(r.details['shift_se']), 2)} "
                          f"SE" for r in bad)
        return Statement("stability", 2, (
            f"The estimate is not stable: {parts} (tolerance {fmt.number(bad[0].details['tolerance_se'])}"
            f" SE). Next: {bad[0].next_step}"))
    worst = max(abs(r.details["shift_se"]) for r in stab)
    names = ", ".join(r.label.lower() for r in stab)
    return Statement("stability", 6, (
        f"The estimate is stable: {names} moved it by at most {fmt.number(worst, 2)} of its "
        f"standard error (tolerance {fmt.number(stab[0].details['tolerance_se'])} SE)."))


def _graph(checks: list[Any]) -> Statement:
    g = next((r for r in checks if r.method == "graph_implications"), None)
    if g is None:
        return Statement("graph", 7, "The graph's testable implications were not checked against "
                                     "the data.")
    n = int(g.details.get("n_tested", g.n_simulations))
    if g.verdict == "passed":
        return Statement("graph", 7, (
            f"The data do not contradict the graph: its {fmt.count(n)} testable implication"
            f"{'s' if n != 1 else ''} hold{'' if n != 1 else 's'} (Holm-adjusted p = "
            f"{fmt.pvalue(g.p_value)}). That does not prove the graph: many graphs fit the same "
            "data."))
    if g.verdict == "inconclusive":
        return Statement("graph", 3, f"The graph's implications could not be checked with enough "
                                     f"power: {g.explanation}")
    return _failed(g)


def _confounding(checks: list[Any], sensitivity: Any) -> list[Statement]:
    out = []
    ncs = [r for r in checks if r.method.startswith("negative_control") and r.verdict == "passed"]
    for r in ncs:
        out.append(Statement("confounding", 8, (
            f"{r.label} ({r.params.get('negative_control')!r}) found no sign of an unmeasured "
            "confounder; it can only see confounders that also reach that control.")))
    parts = []
    if sensitivity is not None:
        rv = _get(sensitivity, "rv_q")
        parts.append(f"it would need to explain {fmt.percent(rv)} of the residual variance of "
                     "both treatment and outcome to bring the estimate to zero")
    ucc = next((r for r in checks if r.method == "unobserved_common_cause"), None)
    if ucc is not None and ucc.surface is not None:
        s = ucc.surface
        sgn = 1.0 if ucc.original_value >= 0 else -1.0
        word = "positive" if sgn > 0 else "negative"
        state = (f"no longer {word}" if s.benchmark_effect * sgn <= 0 else
                 f"still {word}, but its interval includes 0"
                 if s.benchmark_ci_low <= 0 <= s.benchmark_ci_high else f"still {word}")
        parts.append(f"one as strong as {s.benchmark_label} would move it to "
                     f"{fmt.number(s.benchmark_effect)} ({state})")
    tail = ("; ".join(parts) + ".") if parts else (
        "no sensitivity analysis was run to say how strong it would have to be.")
    out.append(Statement("confounding", 9, "No test can rule out an unmeasured confounder; "
                         + (f"as for how strong one would need to be: {tail}" if parts else tail)))
    return out


def conclude(estimate: Mapping[str, Any] | Any, checks: Sequence[Any] = (),
             sensitivity: Any = None) -> Conclusion:
    """The conclusion from an estimate, the checks run on it and the OVB sensitivity.

    Parameters
    ----------
    estimate : EffectEstimate or its ``to_dict()``
    checks : list of RefutationResult
        Any mix of falsification, stability and sensitivity results.
    sensitivity : OVBSensitivity or its ``to_dict()``, optional

    Returns
    -------
    Conclusion
        Headline (one of :data:`HEADLINES`), tone and statements, most severe first.
    """
    e = _est(estimate)
    checks = list(checks)
    fals = [r for r in checks if r.kind == "falsification"]
    stab = [r for r in checks if r.kind == "stability"]
    failed = [r for r in fals if r.verdict == "failed"]
    undecided = [r for r in fals if r.verdict == "inconclusive"]
    st: list[Statement] = [_failed(r) for r in failed if r.method != "graph_implications"]
    st.append(Statement("estimate", 1, estimate_sentence(e)))
    if e.get("method") == "naive":
        st.append(Statement("estimate", 1, "The naive comparison adjusts for nothing, so it "
                                           "measures association; pick an adjusting estimator "
                                           "for a causal effect."))
    if _includes_zero(e):
        st.append(Statement("estimate", 1, "The interval includes zero: the data are also "
                                           "consistent with no effect."))
    stability = _stability(stab)
    if stability is not None:
        st.append(stability)
    st.append(_graph(checks))
    for r in undecided:
        if r.method != "graph_implications":
            st.append(Statement("falsification", 3, f"{r.label} could not decide: {r.explanation}"))
    others = [r for r in fals if r.verdict == "passed" and r.method in ("placebo_treatment",
                                                                        "dummy_outcome")]
    if others:
        st.append(Statement("falsification", 6, (
            "The method finds no effect where there is none ("
            + ", ".join(r.label.lower() for r in others) + ").")))
    if not checks:
        st.append(Statement("checks", 4, "No check was run, so the estimate has not been "
                                         "challenged."))
    st.extend(_confounding(checks, sensitivity))
    if failed:
        level = 0
    elif _includes_zero(e):
        level = 1
    elif any(r.verdict == "unstable" for r in stab):
        level = 2
    elif undecided:
        level = 3
    elif not checks:
        level = 4
    else:
        level = 5
    st.sort(key=lambda s: s.severity)
    return Conclusion(HEADLINES[level], _TONE[level], tuple(st))


def check_rows(checks: Sequence[Any]) -> list[CheckRow]:
    """The verdict table: one row per check, failed first, then by kind."""
    rank = {"failed": 0, "unstable": 1, "inconclusive": 2, "passed": 3, "stable": 4, "": 5}
    rows = []
    for r in sorted(checks, key=lambda r: rank.get(r.verdict, 9)):
        shift = (fmt.number(r.details.get("shift_se"), 2) if r.kind == "stability" else "–")
        verdict = r.verdict or "sensitivity: not a test"
        sims = fmt.count(r.n_simulations) if r.kind != "sensitivity" else "–"
        rows.append(CheckRow(r.label, r.kind, verdict,
                             fmt.pvalue(r.p_value) if r.kind == "falsification" else "–",
                             shift, sims, r.explanation))
    return rows
