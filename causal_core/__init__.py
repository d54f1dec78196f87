"""causal_core: the engine of Causal Explorer.

Model → Identify → Estimate → Refute, in pure Python (numpy, pandas, scipy, scikit-learn,
networkx, plotly). Never imports streamlit.

Examples
--------
>>> import causal_core as cc
>>> g = cc.CausalGraph.parse("dag { x [exposure]; y [outcome]; z -> x -> y; z -> y }")
>>> cc.identify(g, "x", "y").adjustment_sets
[['z']]
"""

from .adjustment import AdjustmentCheck, is_adjustment_set
from .analysis import Analysis, AnalysisError
from .citest import test_implications
from .conclusion import CheckRow, Conclusion, check_rows, conclude
from .data import LoadReport, fingerprint, load_table, profile, sheet_names
from .data_decode import decode_text
from .dates import date_columns, date_features
from .dsep import Path, basis_implications, d_separated, implied_independencies, list_paths
from .estimators import (
    AIPW,
    BalanceRow,
    EffectEstimate,
    Estimator,
    EstimatorInfo,
    FrontDoorTwoStage,
    InversePropensityWeighting,
    LinearRegression,
    NaiveAssociation,
    PropensityDiagnostics,
    PropensityMatching,
    PropensityStratification,
    SubgroupEffect,
    TwoStageLeastSquares,
    WaldIV,
    estimate,
    get_estimator_class,
    list_estimators,
    methods_that_fit,
    register,
)
from .exceptions import (
    CausalCoreError,
    DataError,
    EstimationError,
    GraphError,
    IdentificationError,
)
from .graph import ROLES, CausalGraph
from .idcheck import estimate_id, general_identification
from .identify import NODE_ROLES, Estimand, Identification, identify
from .imputation import estimate_missing, impute, pool_rubin, refute_missing
from .links import decode_state, encode_state
from .missing import MissingDataChoice, complete_cases, missingness_table
from .plan import AnalysisPlan, DataReference, WhatIfQuestion, latent_missing
from .quick import quick_graph
from .refuters import (
    ConfounderSurface,
    FalsificationResult,
    RefutationResult,
    RefuterInfo,
    SensitivityResult,
    StabilityResult,
    list_refuters,
    refute,
)
from .report import to_html, to_script
from .scm import InterventionEffect, Mechanism, NodeEffect, StructuralCausalModel, fit_scm
from .sensitivity import (
    EValue,
    OVBSensitivity,
    e_value,
    e_value_for_estimate,
    ovb_sensitivity,
    robustness_value,
)

__version__ = "0.1.0"

__all__ = [
    "decode_text",
    "__version__",
    "CausalCoreError",
    "DataError",
    "EstimationError",
    "GraphError",
    "IdentificationError",
    "ROLES",
    "CausalGraph",
    "AdjustmentCheck",
    "Estimand",
    "Identification",
    "NODE_ROLES",
    "Path",
    "d_separated",
    "identify",
    "estimate_id",
    "general_identification",
    "basis_implications",
    "implied_independencies",
    "is_adjustment_set",
    "list_paths",
    "test_implications",
    "AIPW",
    "BalanceRow",
    "EffectEstimate",
    "Estimator",
    "EstimatorInfo",
    "FrontDoorTwoStage",
    "InversePropensityWeighting",
    "LinearRegression",
    "NaiveAssociation",
    "PropensityDiagnostics",
    "PropensityMatching",
    "PropensityStratification",
    "SubgroupEffect",
    "TwoStageLeastSquares",
    "WaldIV",
    "estimate",
    "get_estimator_class",
    "list_estimators",
    "methods_that_fit",
    "register",
    "LoadReport",
    "fingerprint",
    "load_table",
    "profile",
    "sheet_names",
    "date_columns",
    "date_features",
    "ConfounderSurface",
    "RefutationResult",
    "FalsificationResult",
    "StabilityResult",
    "SensitivityResult",
    "RefuterInfo",
    "list_refuters",
    "refute",
    "conclude",
    "check_rows",
    "Conclusion",
    "CheckRow",
    "EValue",
    "OVBSensitivity",
    "e_value",
    "e_value_for_estimate",
    "ovb_sensitivity",
    "robustness_value",
    "InterventionEffect",
    "Mechanism",
    "NodeEffect",
    "StructuralCausalModel",
    "fit_scm",
    "Analysis",
    "AnalysisError",
    "AnalysisPlan",
    "DataReference",
    "WhatIfQuestion",
    "latent_missing",
    "to_html",
    "to_script",
    "encode_state",
    "decode_state",
    "MissingDataChoice",
    "complete_cases",
    "estimate_missing",
    "impute",
    "missingness_table",
    "pool_rubin",
    "refute_missing",
    "quick_graph",
]
