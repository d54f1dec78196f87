"""One positivity (overlap) diagnosis shared by every back-door estimator, and the small-sample rule.

Every back-door estimator of a binary treatment calls :func:`diagnose_overlap` on the same
logistic propensity score. It has three outcomes:

* **fine**: the target population lies inside the common support and hardly any of it has
  an extreme score;
* **warning**: more than :data:`WARN_OUTSIDE` of the target population lies outside the
  common support (the score range both groups share), more than :data:`WARN_SHARE` has an
  extreme score (below :data:`EXTREME` or above ``1 - EXTREME`` on the side that lacks
  comparisons), or the covariates nearly separate the groups; the warning names the covariates that drive the
  propensity and the share of units affected;
* **error**: no comparison is possible (the covariates separate treated from control units
  perfectly: no treated unit has a comparable control or none the other way), raised as an
  :class:`EstimationError` before any model extrapolates.

:func:`diagnose_levels` applies the same diagnosis to a treatment with several levels, one
level at a time, on the multinomial propensity of that level (units that received it
against all others), with the same three outcomes.

:func:`small_sample_warnings` states the rule used for small groups: below
:data:`MIN_PER_ARM` units in a treatment arm, intervals are approximate.

Examples
--------
>>> import numpy as np
>>> from causal_core.estimators.positivity import overlap_from_scores
>>> rng = np.random.default_rng(0)
>>> ps = rng.uniform(0.2, 0.8, 400); t = (rng.random(400) < ps).astype(float)
>>> overlap_from_scores(ps, t, "ate").status
'fine'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._json import plain
from ..exceptions import EstimationError
from .prepare import Problem
from .propensity import PropensityFit, fit_propensity

__all__ = [
    "Overlap",
    "diagnose_overlap",
    "overlap_from_scores",
    "small_sample_warnings",
    "overlap_notes",
    "diagnose_levels",
    "MIN_PER_ARM",
    "EXTREME",
    "WARN_SHARE",
    "WARN_OUTSIDE",
]

#: Fewer units than this in a treatment arm: intervals are approximate (a warning says so).
MIN_PER_ARM = 30
#: A propensity below this (or above ``1 - EXTREME``) means fewer than one comparable unit
#: per 49 units of the other group: the effect there rests on very few comparisons.
EXTREME = 0.02
#: Share of the target population with an extreme score above which we warn.
WARN_SHARE = 0.02
#: Share of the target population outside the common support above which we warn (the
#: min/max rule is noisy: a random sample with good overlap leaves 1-3% outside).
WARN_OUTSIDE = 0.05
#: Standardised logistic coefficient above which the covariates nearly separate the groups.
QUASI_SEPARATION = 15.0

_POP = {"ate": "units", "att": "treated units", "atc": "control units"}


@dataclass(frozen=True)
class Overlap:
    """The positivity diagnosis of one estimate.

    Attributes
    ----------
    status : {"fine", "warning"}
        ("no comparison possible" is raised as an :class:`EstimationError` instead).
    target : str
        The target population (ATE: everyone, ATT: the treated, ATC: the controls).
    share_outside_support : float
        Share of the target population whose score lies outside the range both groups share.
    share_extreme : float
        Share of the target population with an extreme score on the side that lacks
        comparisons (ATT: treated above ``1 - EXTREME``; ATC: controls below ``EXTREME``;
        ATE: either).
    share_affected : float
        Share of the target population in either situation.
    n_affected : int
    separation : {"none", "quasi"}
    covariates : tuple of str
        The covariates that drive the propensity score most (or separate the groups alone).
    message : str
        The warning sentence ("" when fine).
    """

    status: str
    target: str
    share_outside_support: float
    share_extreme: float
    share_affected: float
    n_affected: int
    separation: str
    covariates: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _drivers(x: np.ndarray, t: np.ndarray, names: Sequence[str], coef: np.ndarray) -> list[str]:
    """Covariates that separate the groups on their own, else the largest standardised
    propensity coefficients (at most three)."""
    if x.shape[1] == 0:
        return []
    tr = t == 1
    lo1, hi1 = x[tr].min(axis=0), x[tr].max(axis=0)
    lo0, hi0 = x[~tr].min(axis=0), x[~tr].max(axis=0)
    alone = [n for n, a, b, c, d in zip(names, lo1, hi1, lo0, hi0, strict=True)
             if a > d or c > b]
    if alone:
        return alone[:3]
    if coef.size != x.shape[1] + 1:
        return []
    mag = np.abs(coef[1:])
    if not mag.size or mag.max() <= 0:
        return []
    order = np.argsort(-mag, kind="stable")
    return [names[j] for j in order[:3] if mag[j] >= 0.5 * mag.max()]


#: Scores closer than this count as equal when asking whether the groups are separated.
SEPARATION_TOL = 1e-9


def _comparable(ps1: np.ndarray, ps0: np.ndarray) -> tuple[int, int]:
    """How many treated units have a control with a score as high, and how many controls a
    treated unit with a score as low."""
    return (int((ps1 <= ps0.max() + SEPARATION_TOL).sum()),
            int((ps0 >= ps1.min() - SEPARATION_TOL).sum()))


def separated(ps: np.ndarray, t: np.ndarray) -> bool:
    """True when the groups are separated by their scores ``ps`` (no treated unit has a
    control as high, or no control a treated unit as low): the case
    :func:`overlap_from_scores` raises for."""
    tr = t == 1
    return 0 in _comparable(ps[tr], ps[~tr])


def overlap_from_scores(
    ps: np.ndarray,
    t: np.ndarray,
    target: str,
    *,
    covariates: Sequence[str] = (),
    max_coef: float = 0.0,
    treatment: str = "the treatment",
) -> Overlap:
    """The diagnosis from propensity scores ``ps`` of the 0/1 treatment ``t``.

    Raises
    ------
    EstimationError
        No treated unit has a control with a score as high, or no control a treated unit
        with a score as low: the groups are separated and no comparison is possible.
    """
    tr = t == 1
    ps1, ps0 = ps[tr], ps[~tr]
    tol = SEPARATION_TOL
    comp_t, comp_c = _comparable(ps1, ps0)
    if comp_t == 0 or comp_c == 0:
        by = f" by {', '.join(map(repr, covariates))}" if covariates else ""
        raise EstimationError(
            f"No comparison is possible: treated and control units are perfectly separated"
            f"{by} (every treated unit has a higher propensity score than every control, or "
            f"the other way round), so {treatment!r}'s effect could only be extrapolated from a "
            "model. Remove the covariate that duplicates the treatment, restrict the data to "
            "units that could have received either treatment, or change the adjustment set."
        )
    lo = max(ps1.min(), ps0.min()) - tol
    hi = min(ps1.max(), ps0.max()) + tol
    outside = (ps < lo) | (ps > hi)
    pop = {"ate": np.ones_like(tr), "att": tr, "atc": ~tr}[target]
    high, low = ps > 1 - EXTREME, ps < EXTREME
    extreme = {"ate": high | low, "att": high, "atc": low}[target]
    m = max(int(pop.sum()), 1)
    affected = pop & (outside | extreme)
    quasi = max_coef > QUASI_SEPARATION or min(comp_t / ps1.size, comp_c / ps0.size) < 0.05
    share = float(affected.sum() / m)
    share_out = float((pop & outside).sum() / m)
    share_ext = float((pop & extreme).sum() / m)
    status = "warning" if share_ext > WARN_SHARE or share_out > WARN_OUTSIDE or quasi else "fine"
    message = ""
    if status == "warning":
        who = _POP[target]
        drive = (f" The propensity is driven by {', '.join(map(repr, covariates))}."
                 if covariates else "")
        sep = (" The covariates nearly separate the groups (quasi-separation)." if quasi else "")
        message = (
            f"Weak overlap: {100 * share:.1f}% of the {who} ({int(affected.sum())} of {m}) have a "
            f"propensity score outside the range both groups share or beyond "
            f"[{EXTREME}, {1 - EXTREME}], so the {target.upper()} there rests on very few "
            f"comparable units or on extrapolation.{sep}{drive} Consider a target the data "
            "support (ATT or ATC), trimming, a caliper, or a different adjustment set."
        )
    return Overlap(
        status=status, target=target,
        share_outside_support=share_out, share_extreme=share_ext, share_affected=share,
        n_affected=int(affected.sum()), separation="quasi" if quasi else "none",
        covariates=tuple(covariates), message=message,
    )


def diagnose_overlap(
    problem: Problem, target: str, fit: PropensityFit | None = None, *, max_iter: int = 100
) -> Overlap | None:
    """The shared positivity diagnosis of a back-door problem with a binary treatment.

    ``fit`` is the estimator's own propensity model when it has one (else one is fitted).
    Returns ``None`` when it does not apply (no covariates, or a non-binary treatment).
    """
    if problem.treatment_type != "binary" or problem.x.shape[1] == 0:
        return None
    if fit is None or fit.coef.size != problem.x.shape[1] + 1:
        fit = fit_propensity(problem.x, problem.t, max_iter=max_iter)
    names = _drivers(problem.x, problem.t, problem.x_names, fit.coef)
    max_coef = float(np.max(np.abs(fit.coef[1:]), initial=0.0))
    return overlap_from_scores(fit.ps, problem.t, target, covariates=names, max_coef=max_coef,
                               treatment=problem.treatment)


def small_sample_warnings(problem: Problem, linear: bool) -> list[str]:
    """The small-sample rule: a warning below :data:`MIN_PER_ARM` units in a treatment arm
    (below that many rows for a continuous treatment)."""
    how = ("t-based with the residual degrees of freedom" if linear
           else "a normal approximation")
    if problem.treatment_type == "continuous":
        if problem.n < MIN_PER_ARM:
            return [f"Only {problem.n} rows: below {MIN_PER_ARM} the interval ({how}) is rough "
                    "and the robust standard error tends to be too small. Collect more data."]
        return []
    counts = np.bincount(problem.t.astype(int), minlength=len(problem.levels))
    j = int(np.argmin(counts))
    if counts[j] >= MIN_PER_ARM:
        return []
    return [f"Only {int(counts[j])} units have {problem.treatment!r} = {problem.levels[j]!r}: "
            f"below {MIN_PER_ARM} units per arm the interval ({how}) is rough and robust "
            "standard errors tend to be too small. Treat it as indicative only."]


def overlap_notes(
    problem: Problem, target: str, fit: PropensityFit | None = None
) -> tuple[Overlap | None, list[str]]:
    """``(diagnosis, warnings)``: :func:`diagnose_overlap` and its sentence, if any."""
    ov = diagnose_overlap(problem, target, fit)
    return ov, ([ov.message] if ov is not None and ov.message else [])


def diagnose_levels(
    ps: np.ndarray,
    t: np.ndarray,
    levels: Sequence[Any],
    x: np.ndarray,
    names: Sequence[str],
    coef: np.ndarray,
    treatment: str = "the treatment",
) -> tuple[dict[str, Overlap], list[str]]:
    """The positivity diagnosis of a multi-valued treatment, level by level.

    Parameters
    ----------
    ps : ndarray, shape (n, k)
        Multinomial propensities (column ``j``: probability of level ``j``).
    t : ndarray, shape (n,)
        Level codes ``0 .. k-1``.
    levels : sequence
        The level values (for messages).
    x : ndarray, shape (n, p)
        The covariates the propensity was fitted on, with their ``names``.
    coef : ndarray, shape (k, p + 1)
        Per level, intercept and standardised coefficients of the multinomial model.

    Returns
    -------
    (dict, list of str)
        Per level (its ``str``), the :class:`Overlap` of "received this level" against all
        other units on that level's propensity (every unit is in the target population:
        contrasts are average effects); and one warning per level whose diagnosis warns.

    Raises
    ------
    EstimationError
        The covariates separate the units of one level from all the others: its contrasts
        could only be extrapolated.
    """
    out: dict[str, Overlap] = {}
    notes: list[str] = []
    for j, level in enumerate(levels):
        got = (t == j).astype(float)
        drivers = _drivers(x, got, names, coef[j])
        try:
            ov = overlap_from_scores(ps[:, j], got, "ate", covariates=drivers,
                                     max_coef=float(np.max(np.abs(coef[j][1:]), initial=0.0)),
                                     treatment=treatment)
        except EstimationError:
            by = f" ({', '.join(map(repr, drivers))})" if drivers else ""
            raise EstimationError(
                f"No comparison is possible for level {level!r} of {treatment!r}: the "
                f"covariates{by} separate the units that received it from all the others (its "
                "propensity is higher, or lower, for every one of them than for any other unit), "
                f"so every contrast with {level!r} could only be extrapolated from a model. Merge "
                "or drop that level, restrict the data to units that could have received any "
                "level, or change the adjustment set."
            ) from None
        if ov.status == "warning":
            sep = (" The covariates nearly separate this level from the others "
                   "(quasi-separation)." if ov.separation == "quasi" else "")
            drive = (f" Its propensity is driven by {', '.join(map(repr, drivers))}."
                     if drivers else "")
            ov = dataclasses.replace(ov, message=(
                f"Weak overlap for level {level!r}: {100 * ov.share_affected:.1f}% of the units "
                f"({ov.n_affected} of {t.size}) have a probability of receiving it outside the "
                "range shared by the units that did and did not, or beyond "
                f"[{EXTREME}, {1 - EXTREME}], so the contrasts with {level!r} rest there on very "
                f"few comparable units or on extrapolation.{sep}{drive} Consider merging rare "
                "levels, trimming, or a different adjustment set."))
            notes.append(ov.message)
        out[str(level)] = ov
    return out, notes
