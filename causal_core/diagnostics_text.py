"""What the propensity diagnostics say, in sentences (shown beside the overlap and Love plots).

Examples
--------
>>> from causal_core.estimators.result import BalanceRow, PropensityDiagnostics
>>> from causal_core.diagnostics_text import balance_sentence
>>> d = PropensityDiagnostics(True, (0.0, 1.0), (5,), (5,), 0.1, 0.9, 0.1, 0.9, 0.0,
...     (BalanceRow("age", 0.5, 0.04), BalanceRow("income", 0.3, 0.15)), 5.0, 5.0, 5, 5, 0.0, 0.1)
>>> level, text = balance_sentence(d)
>>> level, text[:52]
('warning', 'After adjustment 1 of 2 covariates still differ by m')
"""

from __future__ import annotations

from typing import Any

from .estimators.result import PropensityDiagnostics

__all__ = ["OVERLAP_EXPLAINED", "BALANCE_EXPLAINED", "balance_sentence", "diagnostic_notes"]

#: What the overlap histogram shows.
OVERLAP_EXPLAINED = ("The histogram shows each group's propensity score (the modelled chance of "
                     "being treated). Where only one group has units, there is no one to compare "
                     "them with and the estimate there is an extrapolation.")
#: What the Love plot shows.
BALANCE_EXPLAINED = ("The Love plot shows, per covariate, how far treated and controls differ "
                     "(standardised mean difference) before and after the method's weighting or "
                     "matching. Points beyond 0.1 mean the groups still differ on that covariate.")


def balance_sentence(diag: PropensityDiagnostics, threshold: float = 0.1) -> tuple[str, str]:
    """``(level, sentence)``: "fine" or "warning", from the standardised mean differences after."""
    rows = list(diag.balance)
    if not rows:
        return "fine", "There are no covariates to balance."
    bad = [b for b in rows if abs(b.smd_after) > threshold]
    worst = max(rows, key=lambda b: abs(b.smd_after))
    if bad:
        return "warning", (f"After adjustment {len(bad)} of {len(rows)} covariates still differ by "
                           f"more than {threshold:g} standard deviations (largest: "
                           f"{worst.covariate!r}, {abs(worst.smd_after):.2g}).")
    return "fine", (f"After adjustment all {len(rows)} covariates differ by at most {threshold:g} "
                    f"standard deviations (largest: {worst.covariate!r}, "
                    f"{abs(worst.smd_after):.2g}).")


def diagnostic_notes(diagnostics: dict[str, Any]) -> list[tuple[str, str]]:
    """The overlap verdict (the estimator's own positivity diagnosis) and the balance verdict."""
    out: list[tuple[str, str]] = []
    overlap = diagnostics.get("overlap")
    if overlap is not None:
        status = getattr(overlap, "status", None) or (overlap.get("status") if isinstance(
            overlap, dict) else None)
        message = getattr(overlap, "message", None) or (overlap.get("message", "") if isinstance(
            overlap, dict) else "")
        out.append(("warning", message) if status == "warning" and message else
                   ("fine", "Overlap: the target population lies inside the common support."))
    diag = diagnostics.get("propensity")
    if isinstance(diag, PropensityDiagnostics):
        out.append(balance_sentence(diag))
    return out
