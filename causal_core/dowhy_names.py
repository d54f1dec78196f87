"""What each causal_core estimator and refuter is called in DoWhy (for the script's side text).

The exported script shows, beside every ``causal_core`` call, the DoWhy call its readers know
(``CausalModel(...)``, ``identify_effect()``, ``estimate_effect(..., method_name=...)``,
``refute_estimate(..., method_name=...)``). A method without a DoWhy counterpart maps to
``None`` and the script says so instead of inventing one.

Examples
--------
>>> from causal_core.dowhy_names import DOWHY_ESTIMATORS, dowhy_lines
>>> DOWHY_ESTIMATORS["propensity_matching"]
'backdoor.propensity_score_matching'
>>> print(dowhy_lines("linear_regression", "ate", ["w"])["estimate"][9:])
estimate = model.estimate_effect(identified, method_name="backdoor.linear_regression", target_units="ate")
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DOWHY_ESTIMATORS", "DOWHY_REFUTERS", "dowhy_lines"]

#: causal_core estimator → DoWhy ``method_name`` (None: DoWhy has no built-in counterpart).
DOWHY_ESTIMATORS: dict[str, str | None] = {
    "linear_regression": "backdoor.linear_regression",
    "propensity_matching": "backdoor.propensity_score_matching",
    "propensity_stratification": "backdoor.propensity_score_stratification",
    "ipw": "backdoor.propensity_score_weighting",
    "naive": None,
    "aipw": None,
    "iv_wald": "iv.instrumental_variable",
    "iv_2sls": "iv.instrumental_variable",
    "frontdoor": "frontdoor.two_stage_regression",
}
#: causal_core refuter → DoWhy ``method_name``.
DOWHY_REFUTERS: dict[str, str | None] = {
    "placebo_treatment": "placebo_treatment_refuter",
    "random_common_cause": "random_common_cause",
    "data_subset": "data_subset_refuter",
    "bootstrap": "bootstrap_refuter",
    "dummy_outcome": "dummy_outcome_refuter",
    "unobserved_common_cause": "add_unobserved_common_cause",
}


def _q(text: str) -> str:
    """A double-quoted Python string literal for a registry name (letters, digits, _ and .)."""
    return '"' + "".join(c for c in text if c.isalnum() or c in "._") + '"'


def dowhy_lines(method: str, target: str, common_causes: Sequence[str],
                refuter: str | None = None) -> dict[str, str]:
    """The DoWhy call of each of the four steps, as one comment line each.

    Keys: ``"model"``, ``"identify"``, ``"estimate"``, ``"refute"``. Names are written by
    ``repr`` inside comments (a name cannot end the comment: ``repr`` escapes line breaks).
    """
    est = DOWHY_ESTIMATORS.get(method)
    ref = DOWHY_REFUTERS.get(refuter or "")
    return {
        "model": (f"# DoWhy: model = CausalModel(data=frame, treatment=TREATMENT, outcome=OUTCOME, "
                  f"common_causes={list(common_causes)!r})"),
        "identify": "# DoWhy: identified = model.identify_effect()",
        "estimate": (f"# DoWhy: estimate = model.estimate_effect(identified, method_name={_q(est)}, "
                     f"target_units={_q(target)})" if est else
                     f"# DoWhy: no built-in estimator matches {_q(method)}"),
        "refute": (f"# DoWhy: model.refute_estimate(identified, estimate, method_name={_q(ref)})"
                   if ref else "# DoWhy: model.refute_estimate(identified, estimate, "
                               "method_name=DOWHY_REFUTER[name])"),
    }
