"""The estimator contract and the registry.

An estimator follows scikit-learn's rules: keyword-only parameters stored as given by
``__init__`` (no validation there), ``get_params()`` / ``set_params()``. Class attributes
say what it needs: the estimand kinds it fits (``"backdoor"``, ``"frontdoor"``, ``"iv"``),
the treatment types (``"binary"``, ``"continuous"``, ``"categorical"``) and the targets
(``"ate"``, ``"att"``, ``"atc"``). ``register`` adds a class to the registry under its
``name``; ``list_estimators()`` describes every entry, so the app can draw its panels.

Examples
--------
>>> from causal_core.estimators import list_estimators
>>> "linear_regression" in [e.name for e in list_estimators()]
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from ..exceptions import CausalCoreError, EstimationError
from ..identify import Estimand, Identification
from ._stats import t_ci
from .positivity import small_sample_warnings
from .prepare import Problem, Roles
from .result import EffectEstimate

__all__ = [
    "Estimator",
    "EstimatorInfo",
    "ParamInfo",
    "register",
    "get_estimator_class",
    "list_estimators",
    "methods_that_fit",
    "contrast",
]

_REGISTRY: dict[str, type[Estimator]] = {}
E = TypeVar("E", bound="type[Estimator]")


@dataclass(frozen=True)
class ParamInfo:
    """What a person reads about one parameter: its label, help, choices and limits.

    ``choices`` maps each allowed value to its label (a select box); ``minimum`` and
    ``maximum`` bound a number; ``optional``: empty is allowed and means the default (None).
    """

    label: str
    help: str = ""
    choices: dict[Any, str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {"label": self.label, "help": self.help, "optional": self.optional,
                "choices": None if self.choices is None else {str(k): v for k, v in
                                                              self.choices.items()},
                "minimum": self.minimum, "maximum": self.maximum}


#: The confidence-interval choice shared by the estimators that offer a bootstrap.
CI_CHOICE = ParamInfo("Confidence interval", "Analytic: a formula, instant. Bootstrap: re-run "
                      "the whole method on resampled data, slower but fewer assumptions.",
                      choices={"analytic": "analytic (formula)", "bootstrap": "bootstrap"})
#: The iteration limit of the logistic propensity model.
MAX_ITER = ParamInfo("Propensity model iterations", "Newton steps of the logistic propensity "
                     "model before giving up with a warning.", minimum=5, maximum=1000)


@dataclass(frozen=True)
class EstimatorInfo:
    """What one registered estimator is and what it supports."""

    name: str
    label: str
    description: str
    estimands: tuple[str, ...]
    treatment_types: tuple[str, ...]
    targets: tuple[str, ...]
    ci: str
    params: dict[str, Any] = field(default_factory=dict)
    param_info: dict[str, ParamInfo] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {
            "param_info": {k: v.to_dict() for k, v in self.param_info.items()},
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "estimands": list(self.estimands),
            "treatment_types": list(self.treatment_types),
            "targets": list(self.targets),
            "ci": self.ci,
            "params": dict(self.params),
        }


class Estimator:
    """Base class of every estimator.

    Subclasses set the class attributes below, take keyword-only parameters in ``__init__``
    and store them unchanged, and implement :meth:`_estimate`.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    estimands: ClassVar[tuple[str, ...]] = ("backdoor",)
    treatment_types: ClassVar[tuple[str, ...]] = ("binary",)
    targets: ClassVar[tuple[str, ...]] = ("ate",)
    ci: ClassVar[str] = "analytic"
    order: ClassVar[int] = 100
    #: Parameter name → what a person reads about it (label, help, choices, limits).
    param_info: ClassVar[dict[str, ParamInfo]] = {}

    # ------------------------------------------------------------------ scikit-learn contract
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Estimator:
        """Set parameters by name; unknown names raise :class:`EstimationError`."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise EstimationError(
                    f"{type(self).__name__} has no parameter {key!r}. "
                    f"Its parameters are: {', '.join(valid) or 'none'}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ roles
    def roles(
        self, identification: Identification, adjustment_set: Sequence[str] | None
    ) -> tuple[Roles, Estimand]:
        """The columns to use and the estimand to report, for a back-door estimator."""
        est = identification.estimand
        assert est is not None
        if adjustment_set is not None:
            cols = tuple(dict.fromkeys(str(c) for c in adjustment_set))
            notes: tuple[str, ...] = ()
            if est.kind != "backdoor":
                notes = (
                    f"The graph gives a {est.kind} estimand; the adjustment set "
                    f"{list(cols)} was supplied by the user and is not checked against the graph.",
                )
            estimand = Estimand(
                kind="backdoor",
                treatment=est.treatment,
                outcome=est.outcome,
                adjustment_set=cols,
                description=f"Back-door adjustment for {list(cols)} (user-given set).",
            )
            return Roles(covariates=cols, notes=notes), estimand
        if est.kind != "backdoor":
            raise EstimationError(
                f"{self.label} adjusts for confounders and needs a back-door estimand, but the "
                f"identification chose a {est.kind} estimand ({est.description or est.kind}). "
                f"Methods that fit a {est.kind} estimand: "
                f"{', '.join(methods_that_fit(estimand=est.kind))}. Or pass adjustment_set=[...] "
                "if you know a valid set."
            )
        return Roles(covariates=tuple(est.adjustment_set)), est

    # ------------------------------------------------------------------ estimation
    def _estimate(
        self, problem: Problem, *, target: str, alpha: float, rng: np.random.Generator
    ) -> EffectEstimate:
        raise NotImplementedError

    def checked_interval(self, problem: Problem, *, value: float, se: float, alpha: float,
                         dof: float | None = None) -> tuple[float, float, float]:
        """``(ci_low, ci_high, p_value)`` as :meth:`result` computes them, raising where it
        raises (no finite estimate, no usable standard error): what a refuter that needs only
        the interval uses instead of a whole :class:`EffectEstimate`."""
        value, se = float(value), float(se)
        if not np.isfinite(value):
            raise EstimationError(
                f"{self.label} produced no finite estimate (got {value}) for {problem.treatment!r} "
                f"-> {problem.outcome!r}. The groups may not overlap or the data may be too few; "
                "check the diagnostics or try another method."
            )
        if not np.isfinite(se) or se < 0:
            raise EstimationError(
                f"{self.label} produced no usable standard error (got {se}) for "
                f"{problem.treatment!r} -> {problem.outcome!r}; the data may be too few or "
                "degenerate. Check the diagnostics or try another method."
            )
        return t_ci(value, se, alpha, dof)

    def result(
        self,
        problem: Problem,
        *,
        value: float,
        se: float,
        target: str,
        alpha: float,
        ci_method: str,
        ci: tuple[float, float] | None = None,
        contrast: tuple[Any, Any] | None = None,
        warnings: Sequence[str] = (),
        diagnostics: dict[str, Any] | None = None,
        subgroups: tuple = (),
        n_used: int | None = None,
        n_dropped_extra: int = 0,
        dof: float | None = None,
    ) -> EffectEstimate:
        """Build the :class:`EffectEstimate`.

        The interval is Student-t with ``dof`` degrees of freedom when given (linear
        estimators), normal otherwise, unless ``ci`` is given. The small-sample rule
        (:func:`~causal_core.estimators.positivity.small_sample_warnings`) adds its warning.
        """

        value, se = float(value), float(se)
        lo, hi, p = self.checked_interval(problem, value=value, se=se, alpha=alpha, dof=dof)
        small = small_sample_warnings(problem, linear=dof is not None)
        if ci is not None:
            lo, hi = float(ci[0]), float(ci[1])
        if contrast is None:
            contrast = problem.levels[:2] if problem.levels else (0.0, 1.0)
        return EffectEstimate(
            value=value,
            se=se,
            ci_low=lo,
            ci_high=hi,
            alpha=alpha,
            p_value=p,
            method=self.name,
            method_label=self.label,
            estimand=problem.estimand,
            target=target,
            treatment=problem.treatment,
            outcome=problem.outcome,
            treatment_type=problem.treatment_type,
            contrast=tuple(contrast),
            n_used=problem.n if n_used is None else int(n_used),
            n_dropped=problem.n_dropped + int(n_dropped_extra),
            ci_method=ci_method,
            warnings=tuple(dict.fromkeys([*problem.warnings, *warnings, *small])),
            diagnostics=dict(diagnostics or {}),
            subgroups=tuple(subgroups),
            params=self.get_params(),
        )


def contrast(
    problem: Problem, control_value: Any = None, treatment_value: Any = None
) -> tuple[float, float, Any, Any]:
    """``(t0, t1, label0, label1)``: the treatment contrast in the problem's coding.

    Continuous: values (default ``0 -> 1``, one unit). Binary and categorical: level codes
    (default the first two levels; a binary treatment's default is control -> treated).
    """
    if problem.treatment_type == "continuous":
        t0 = 0.0 if control_value is None else control_value
        t1 = 1.0 if treatment_value is None else treatment_value
        try:
            t0, t1 = float(t0), float(t1)
        except (TypeError, ValueError):
            raise EstimationError(
                f"control_value and treatment_value must be numbers for the continuous treatment "
                f"{problem.treatment!r}; got {control_value!r} and {treatment_value!r}."
            ) from None
        if t0 == t1:
            raise EstimationError(
                f"control_value and treatment_value are both {t0}: the contrast is empty. "
                "Choose two different treatment values."
            )
        return t0, t1, t0, t1
    levels = list(problem.levels)

    def code(value: Any, default: int) -> int:
        if value is None:
            return default
        for i, lv in enumerate(levels):
            if lv == value or str(lv) == str(value):
                return i
        raise EstimationError(
            f"{value!r} is not a value of the treatment {problem.treatment!r}; its values are "
            f"{', '.join(map(repr, levels[:20]))}. Pick the contrast among them."
        )

    c0, c1 = code(control_value, 0), code(treatment_value, 1)
    if c0 == c1:
        raise EstimationError(
            f"control_value and treatment_value both name {levels[c0]!r}: the contrast is empty."
        )
    return float(c0), float(c1), levels[c0], levels[c1]


#: What a simulation's refit may fail with and be counted as a failed simulation.
REFIT_ERRORS = (CausalCoreError, np.linalg.LinAlgError, ValueError, FloatingPointError)


def attempt(work: Callable[[], Any]) -> tuple[Any, str | None]:
    """``(work(), None)``, or ``(nan, the message)`` when it fails with a :data:`REFIT_ERRORS`.

    >>> attempt(lambda: 1.5), attempt(lambda: float("x"))[1]
    ((1.5, None), "could not convert string to float: 'x'")
    """
    try:
        return work(), None
    except REFIT_ERRORS as exc:
        return float("nan"), str(exc)


def register(cls: E) -> E:
    """Class decorator: add an :class:`Estimator` subclass to the registry under ``cls.name``."""
    if not cls.name or cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise EstimationError(
            f"Cannot register {cls.__name__}: its name {cls.name!r} is empty or already taken."
        )
    _REGISTRY[cls.name] = cls
    return cls


def get_estimator_class(name: str) -> type[Estimator]:
    """The registered class called ``name``."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise EstimationError(
            f"Unknown estimation method {name!r}. Use one of: {', '.join(sorted(_REGISTRY))} "
            "(see cc.list_estimators()), or pass an Estimator object."
        ) from None


def list_estimators() -> list[EstimatorInfo]:
    """Every registered estimator: name, label, description, what it supports, its defaults."""
    out = []
    for name, cls in sorted(_REGISTRY.items(), key=lambda kv: kv[1].order):
        params = {k: v for k, v in cls().get_params().items()}
        out.append(
            EstimatorInfo(
                name=name,
                label=cls.label,
                description=cls.description,
                estimands=cls.estimands,
                treatment_types=cls.treatment_types,
                targets=cls.targets,
                ci=cls.ci,
                params=params,
                param_info=dict(cls.param_info),
            )
        )
    return out


def methods_that_fit(
    *, estimand: str | None = None, treatment_type: str | None = None, target: str | None = None
) -> list[str]:
    """Names of the registered estimators that support all the given conditions."""
    return [
        name
        for name, cls in sorted(_REGISTRY.items(), key=lambda kv: kv[1].order)
        if (estimand is None or estimand in cls.estimands)
        and (treatment_type is None or treatment_type in cls.treatment_types)
        and (target is None or target in cls.targets)
    ]
