"""The refuter base class and the registry; the result types are in :mod:`.results`.

A refuter tries to break an estimate: it re-runs *the same estimation* (same method, same
parameters, same adjustment set) on deliberately modified data and compares what comes out
with a reference value — the original estimate (nothing should move) or zero (the effect
should vanish). Every refuter returns the same frozen :class:`RefutationResult`
(:mod:`causal_core.refuters.results`, re-exported here with the p-value).

Examples
--------
>>> from causal_core.refuters.base import midpoint_p_value
>>> midpoint_p_value([1.0, 2.0, 3.0, 4.0], 9.0)
0.0
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from .._json import plain as _plain
from ..exceptions import EstimationError
from .results import (  # noqa: F401 (the result types' public home was this module)
    KINDS,
    RESULT_TYPES,
    ConfounderSurface,
    FalsificationResult,
    RefutationResult,
    SensitivityResult,
    StabilityResult,
    midpoint_p_value,
    result_from_fields,
)

__all__ = [
    "midpoint_p_value",
    "ConfounderSurface",
    "RefutationResult",
    "FalsificationResult",
    "StabilityResult",
    "SensitivityResult",
    "RESULT_TYPES",
    "KINDS",
    "result_from_fields",
    "Refuter",
    "RefuterInfo",
    "register_refuter",
    "get_refuter_class",
    "list_refuters",
]

_REGISTRY: dict[str, type[Refuter]] = {}
R = TypeVar("R", bound="type[Refuter]")


@dataclass(frozen=True)
class RefuterInfo:
    """What one registered refuter does and where it applies."""

    name: str
    label: str
    description: str
    estimands: tuple[str, ...]
    treatment_types: tuple[str, ...]
    needs_covariates: bool
    reference: str
    params: dict[str, Any] = field(default_factory=dict)
    kind: str = "falsification"
    question: str = ""
    can_detect: str = ""
    cannot_detect: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return _plain({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


class Refuter:
    """Base class of every refuter (scikit-learn style: keyword-only, store-only ``__init__``).

    Class attributes say where it applies: ``estimands`` (kinds of the estimate's estimand),
    ``treatment_types``, ``needs_covariates`` (the estimator must adjust for covariates, so
    that a covariate can be added), and ``reference`` (``"estimate"`` or ``"zero"``).
    Subclasses implement :meth:`run`.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    estimands: ClassVar[tuple[str, ...]] = ("backdoor", "frontdoor", "iv")
    treatment_types: ClassVar[tuple[str, ...]] = ("binary", "continuous", "categorical")
    needs_covariates: ClassVar[bool] = False
    reference: ClassVar[str] = "estimate"
    order: ClassVar[int] = 100
    #: ``"falsification"``, ``"stability"`` or ``"sensitivity"`` (see :class:`RefutationResult`).
    kind: ClassVar[str] = "falsification"
    #: The question the check answers; what it can and cannot detect (one sentence each).
    question: ClassVar[str] = ""
    can_detect: ClassVar[str] = ""
    cannot_detect: ClassVar[str] = ""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The refuter's parameters, as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Refuter:
        """Set parameters by name; unknown names raise :class:`EstimationError`."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise EstimationError(
                    f"The {self.name} refuter has no parameter {key!r}. Its parameters are: "
                    f"{', '.join(valid) or 'none'}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def run(self, ctx: Any, *, n_simulations: int, rng: np.random.Generator,
            progress: Any, n_jobs: int) -> RefutationResult:
        """Run the refutation on a prepared context (see :mod:`._context`)."""
        raise NotImplementedError


def register_refuter(cls: R) -> R:
    """Class decorator: add a :class:`Refuter` subclass to the registry under ``cls.name``."""
    if not cls.name or (cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls):
        raise EstimationError(
            f"Cannot register {cls.__name__}: its name {cls.name!r} is empty or already taken."
        )
    _REGISTRY[cls.name] = cls
    return cls


def get_refuter_class(name: str) -> type[Refuter]:
    """The registered refuter class called ``name``."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise EstimationError(
            f"Unknown refutation method {name!r}. Use one of: {', '.join(sorted(_REGISTRY))} "
            "(see cc.list_refuters()), or pass a Refuter object."
        ) from None


def list_refuters() -> list[RefuterInfo]:
    """Every registered refuter: name, label, description, where it applies, its defaults.

    Examples
    --------
    >>> import causal_core.refuters as r
    >>> [i.name for i in r.list_refuters()][:2]
    ['graph_implications', 'placebo_treatment']
    """
    return [
        RefuterInfo(name=name, label=cls.label, description=cls.description,
                    estimands=cls.estimands, treatment_types=cls.treatment_types,
                    needs_covariates=cls.needs_covariates, reference=cls.reference,
                    params=cls().get_params(), kind=cls.kind, question=cls.question,
                    can_detect=cls.can_detect, cannot_detect=cls.cannot_detect)
        for name, cls in sorted(_REGISTRY.items(), key=lambda kv: kv[1].order)
    ]
