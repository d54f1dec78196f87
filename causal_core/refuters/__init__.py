"""Refuters: try to break an estimate, and say in plain words whether it held.

Each refuter lives in its own module and registers itself; :func:`refute` is the entry point
and :func:`list_refuters` describes the registry. All return a :class:`RefutationResult`.

Examples
--------
>>> from causal_core.refuters import list_refuters
>>> [r.name for r in list_refuters()]  # doctest: +NORMALIZE_WHITESPACE
['graph_implications', 'placebo_treatment', 'random_common_cause', 'data_subset', 'bootstrap',
 'dummy_outcome', 'unobserved_common_cause', 'negative_control_outcome',
 'negative_control_exposure']
"""

from __future__ import annotations

from . import (  # noqa: F401  (registration)
    bootstrap,
    data_subset,
    dummy_outcome,
    graph_implications,
    negative_control,
    placebo_treatment,
    random_common_cause,
    unobserved_common_cause,
)
from .api import refute
from .base import (
    KINDS,
    RESULT_TYPES,
    ConfounderSurface,
    FalsificationResult,
    RefutationResult,
    Refuter,
    RefuterInfo,
    SensitivityResult,
    StabilityResult,
    get_refuter_class,
    list_refuters,
    midpoint_p_value,
    register_refuter,
)
from .bootstrap import Bootstrap
from .data_subset import DataSubset
from .dummy_outcome import DummyOutcome
from .graph_implications import GraphImplications
from .negative_control import NegativeControlExposure, NegativeControlOutcome
from .placebo_treatment import PlaceboTreatment
from .random_common_cause import RandomCommonCause
from .unobserved_common_cause import UnobservedCommonCause

__all__ = [
    "refute",
    "list_refuters",
    "get_refuter_class",
    "register_refuter",
    "midpoint_p_value",
    "Refuter",
    "RefuterInfo",
    "RefutationResult",
    "FalsificationResult",
    "StabilityResult",
    "SensitivityResult",
    "RESULT_TYPES",
    "KINDS",
    "ConfounderSurface",
    "PlaceboTreatment",
    "RandomCommonCause",
    "DataSubset",
    "Bootstrap",
    "DummyOutcome",
    "UnobservedCommonCause",
    "GraphImplications",
    "NegativeControlOutcome",
    "NegativeControlExposure",
]
