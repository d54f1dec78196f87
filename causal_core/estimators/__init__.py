"""Estimators: from data and an identified estimand to an effect with honest uncertainty.

Each family lives in its own module and registers itself; :func:`estimate` is the entry
point and :func:`list_estimators` describes the registry.

Examples
--------
>>> import causal_core as cc
>>> [e.name for e in cc.list_estimators()][:3]
['naive', 'linear_regression', 'propensity_matching']
"""

from __future__ import annotations

from . import aipw, frontdoor, ipw, iv, matching, naive, regression, stratification  # noqa: F401
from .aipw import AIPW
from .api import estimate
from .base import (
    Estimator,
    EstimatorInfo,
    ParamInfo,
    get_estimator_class,
    list_estimators,
    methods_that_fit,
    register,
)
from .frontdoor import FrontDoorTwoStage
from .ipw import InversePropensityWeighting
from .iv import TwoStageLeastSquares, WaldIV
from .matching import PropensityMatching
from .naive import NaiveAssociation
from .regression import LinearRegression
from .result import BalanceRow, EffectEstimate, PropensityDiagnostics, SubgroupEffect
from .stratification import PropensityStratification

__all__ = [
    "estimate",
    "list_estimators",
    "methods_that_fit",
    "register",
    "get_estimator_class",
    "Estimator",
    "EstimatorInfo",
    "ParamInfo",
    "EffectEstimate",
    "PropensityDiagnostics",
    "BalanceRow",
    "SubgroupEffect",
    "NaiveAssociation",
    "LinearRegression",
    "PropensityMatching",
    "PropensityStratification",
    "InversePropensityWeighting",
    "AIPW",
    "WaldIV",
    "TwoStageLeastSquares",
    "FrontDoorTwoStage",
]
