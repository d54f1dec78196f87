"""What if, in words: the sentences and numbers the What-if page, the report and the script show.

:func:`fmt` writes a number as people read it; :func:`gap_sentence` puts seeing against doing;
:func:`against_estimate` compares the fitted model's effect with the chosen estimate
(:class:`Agreement`). The rungs themselves are in :mod:`causal_core.whatif`, which re-exports
these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .fmt import number, signed

if TYPE_CHECKING:
    from .whatif import Curve, Question

__all__ = ["Agreement", "against_estimate", "fmt", "gap_sentence"]


@dataclass(frozen=True)
class Agreement:
    """How the model's effect compares with the chosen estimate.

    ``status``: ``"agrees"`` (inside the interval, same sign), ``"outside"`` (beyond the
    interval) or ``"sign"`` (opposite signs: the strongest disagreement); ``sentence`` says so
    with the numbers.
    """

    status: str
    model_effect: float
    estimate: float
    ci_low: float
    ci_high: float
    sentence: str


def against_estimate(model: float, est: Any) -> Agreement:
    """Compare the fitted model's effect (for the estimate's target) with the chosen estimate."""
    who = {"ate": "everyone (ATE)", "att": "the treated (ATT)", "atc": "the untreated (ATC)"}
    head = (f"The fitted model's effect for {who.get(est.target, est.target)} is {fmt(model)}; the "
            f"chosen estimate ({est.method_label}) is {fmt(est.value)}, {est.level} interval "
            f"{fmt(est.ci_low)} to {fmt(est.ci_high)}.")
    if np.sign(model) != np.sign(est.value) and model != 0 and est.value != 0:
        status = "sign"
        tail = (" They disagree in sign: the model says the treatment works the other way. Trust "
                "neither until the difference is understood: the model's mechanisms or the "
                "estimator's assumptions (overlap, functional form) are wrong for these data.")
    elif not est.ci_low <= model <= est.ci_high:
        status = "outside"
        tail = (" The model's effect is outside that interval: the two disagree beyond sampling "
                "error. A regression assumes one effect for everyone, the model's mechanisms may "
                "let it vary; a weighting or matching estimate depends on overlap.")
    else:
        status, tail = "agrees", " They agree: the model's effect is inside that interval."
    return Agreement(status, float(model), float(est.value), float(est.ci_low), float(est.ci_high),
                     head + tail)


def fmt(v: Any, sign: bool = False) -> str:
    """A number in 4 significant digits, whole from 10,000 on (no exponent); levels as they are.

    >>> fmt(1234.56), fmt(0.00123), fmt(12345.6), fmt(2.5, sign=True), fmt("north")
    ('1,235', '0.00123', '12,346', '+2.5', 'north')
    """
    if not isinstance(v, float | int | np.floating | np.integer) or isinstance(v, bool):
        return str(v)
    return (signed if sign else number)(v, 4)  # causal_core.fmt: no exponent from 1e-3 to 1e9


def gap_sentence(q: Question, seeing: Curve, doing: Curve, confounders: list[str] | None) -> str:
    """Seeing versus doing in plain words (names as written: escape them where they are shown),
    naming the confounders (None: no back-door path)."""
    see, do = seeing.effect, doing.effect
    t, y = q.treatment, q.outcome
    if q.kind == "continuous":
        head = (f"Seeing: units with one more unit of {t} have {y} {fmt(see, True)} on average. "
                f"Doing: raising {t} by one unit causes {fmt(do, True)}.")
    else:
        t1, t0 = fmt(q.levels[-1]), fmt(q.levels[0])
        head = (f"Seeing: units with {t} = {t1} have {y} {fmt(see, True)} compared with "
                f"{t} = {t0}. Doing: setting {t} to {t1} instead of {t0} causes {fmt(do, True)}.")
    gap = see - do
    if confounders:
        names = ", ".join(confounders[:-1]) + (" and " if len(confounders) > 1 else "") + confounders[-1]
        verb = "moves" if len(confounders) == 1 else "move"
        why = (f"The difference ({fmt(gap, True)}) is confounding by {names}, which {verb} both "
               f"{t} and {y}: the association mixes their influence with the treatment's.")
        if abs(gap) < 0.1 * max(abs(see), abs(do), 1e-12):
            why = (f"Here the two nearly agree ({fmt(gap, True)}): {names} "
                   f"{'confounds' if len(confounders) == 1 else 'confound'} little in these data.")
    else:
        why = (f"The graph has no back-door path from {t} to {y}, so seeing and doing should "
               f"agree; the difference ({fmt(gap, True)}) is sampling noise and model error.")
    return f"{head} {why}"
