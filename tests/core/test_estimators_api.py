"""estimate(): options, errors, result objects."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from causal_core.estimators import (
    EffectEstimate,
    LinearRegression,
    PropensityDiagnostics,
    estimate,
    list_estimators,
)
from causal_core.exceptions import DataError, EstimationError, IdentificationError
from causal_core.graph import CausalGraph
from causal_core.identify import identify

from .conftest_estimation import synthetic, synthetic_ident

DATA = synthetic()
IDENT = synthetic_ident()


def test_summary_level_follows_alpha_and_to_dict_is_json():
    est = estimate(DATA, IDENT, method="ipw", alpha=0.1)
    assert "ci lower 90%" in est.summary().columns
    assert est.level == "90%"
    d = est.to_dict()
    json.dumps(d)
    assert d["diagnostics"]["propensity"]["converged"] is True
    assert "M-estimation" in est.summary()["ci method"].iloc[0]


def test_list_estimators_describes_each():
    infos = {e.name: e for e in list_estimators()}
    assert infos["iv_2sls"].estimands == ("iv",)
    assert infos["frontdoor"].estimands == ("frontdoor",)
    assert "continuous" in infos["linear_regression"].treatment_types
    assert infos["aipw"].params["n_folds"] == 5
    json.dumps([e.to_dict() for e in list_estimators()])


def test_unidentified_effect_raises():
    ident = replace(IDENT, estimand=None)
    with pytest.raises(IdentificationError, match="not identified"):
        estimate(DATA, ident)


def test_several_treatments_raise():
    ident = replace(IDENT, treatment=("T", "Z"))
    with pytest.raises(EstimationError, match="one treatment at a time"):
        estimate(DATA, ident)


def test_backdoor_method_on_iv_estimand_names_fitting_methods():
    g = CausalGraph(edges=[("Z", "T"), ("T", "Y")], bidirected=[("T", "Y")])
    ident = identify(g, "T", "Y")
    assert ident.estimand is not None and ident.estimand.kind == "iv"
    with pytest.raises(EstimationError) as err:
        estimate(DATA, ident, method="ipw")
    assert "iv_2sls" in str(err.value) and "iv_wald" in str(err.value)
    est = estimate(DATA, ident, method="iv_wald")
    assert est.diagnostics["first_stage_F"] > 10


def test_unknown_method_and_object_with_params():
    with pytest.raises(EstimationError, match="Unknown estimation method"):
        estimate(DATA, IDENT, method="magic")
    with pytest.raises(EstimationError, match="set_params"):
        estimate(DATA, IDENT, method=LinearRegression(), n_bins=3)


def test_user_adjustment_set_overrides_and_bad_alpha():
    est = estimate(DATA, IDENT, method="linear_regression", adjustment_set=["W1"])
    assert est.estimand.adjustment_set == ("W1",)
    with pytest.raises(EstimationError, match="alpha"):
        estimate(DATA, IDENT, alpha=1.5)


def test_categorical_covariate_is_one_hot_encoded():
    est = estimate(DATA, IDENT, method="linear_regression")
    coefs = est.diagnostics["coefficients"]
    assert "R=north" in coefs and "R=south" in coefs and "R=east" not in coefs


def test_two_level_text_treatment_and_categorical_treatment():
    d = DATA.assign(T=np.where(DATA["T"] == 1, "yes", "no"))
    est = estimate(d, IDENT, method="linear_regression")
    assert est.contrast == ("no", "yes")
    assert est.value == pytest.approx(estimate(DATA, IDENT, method="linear_regression").value)
    rng = np.random.default_rng(0)
    d3 = DATA.assign(T=rng.choice(["a", "b", "c"], len(DATA)))
    d3["Y"] = d3["Y"] + np.where(d3["T"] == "c", 2.0, 0.0)
    est = estimate(d3, IDENT, method="linear_regression", control_value="a", treatment_value="c")
    assert est.treatment_type == "categorical" and est.ci_low < est.value < est.ci_high
    with pytest.raises(EstimationError, match="needs a binary"):
        estimate(d3, IDENT, method="ipw")
    with pytest.raises(EstimationError, match="not a value"):
        estimate(d3, IDENT, method="naive", treatment_value="zzz")


def test_continuous_contrast_scales_the_effect():
    d = synthetic(continuous=True)
    one = estimate(d, IDENT, method="linear_regression")
    two = estimate(d, IDENT, method="linear_regression", control_value=1, treatment_value=3)
    assert two.value == pytest.approx(2 * one.value)
    with pytest.raises(EstimationError, match="continuous"):
        estimate(d, IDENT, method="linear_regression", target="att")


def test_effect_modifier_bins():
    d = DATA.assign(Y=DATA["Y"] + 2.0 * DATA["T"] * (DATA["W1"] > 0))
    est = estimate(d, IDENT, method="linear_regression", effect_modifiers=["R"])
    assert {g.bin for g in est.subgroups} == {"north", "south", "east"}
    assert len(est.summary()) == 4


def test_ipw_trim_and_clip_are_reported():
    est = estimate(DATA, IDENT, method="ipw", trim=0.2)
    diag = est.diagnostics["propensity"]
    assert isinstance(diag, PropensityDiagnostics)
    assert diag.n_trimmed > 0 and est.n_dropped == diag.n_trimmed
    assert 0 < diag.weight_share_trimmed < 1
    assert any("Trimming dropped" in w for w in est.warnings)
    est = estimate(DATA, IDENT, method="ipw", clip=0.25)
    assert est.diagnostics["propensity"].n_clipped > 0
    assert any("Clipping" in w for w in est.warnings)


def test_balance_improves_and_ess_reported():
    for method in ("propensity_matching", "propensity_stratification", "ipw", "aipw"):
        diag = estimate(DATA, IDENT, method=method).diagnostics["propensity"]
        table = diag.balance_frame()
        assert table["smd after"].abs().max() < 0.1 < table["smd before"].abs().max()
        assert 0 < diag.ess_treated <= diag.n_treated + 1e-9


def test_bootstrap_ci_is_labelled_and_seeded():
    a = estimate(DATA, IDENT, method="propensity_matching", ci="bootstrap", n_bootstrap=30,
                 random_state=1)
    b = estimate(DATA, IDENT, method="propensity_matching", ci="bootstrap", n_bootstrap=30,
                 random_state=1)
    assert a.ci_method.startswith("bootstrap") and (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    with pytest.raises(EstimationError, match="n_bootstrap"):
        estimate(DATA, IDENT, method="propensity_stratification", ci="bootstrap", n_bootstrap=5)


def test_caliper_drops_and_reports():
    est = estimate(DATA, IDENT, method="propensity_matching", caliper=0.001, target="att")
    assert est.n_dropped > 0 and any("caliper" in w for w in est.warnings)


def test_weak_instrument_warns():
    rng = np.random.default_rng(3)
    d = DATA.assign(Z=rng.integers(0, 2, len(DATA)))
    est = estimate(d, IDENT, method="iv_wald")
    assert est.diagnostics["first_stage_F"] < 10
    assert any("Weak instrument" in w for w in est.warnings)


def test_non_convergence_is_a_warning():
    d = DATA.assign(W1=DATA["T"] * 3.0 + DATA["W1"])  # strong, but the groups overlap
    est = estimate(d, IDENT, method="ipw", max_iter=1)
    assert any("did not converge" in w for w in est.warnings)
    # a covariate that separates the groups perfectly is no longer a warning but an error
    sep = DATA.assign(W1=DATA["T"] * 10.0 + 1e-3 * DATA["W1"])
    with pytest.raises(EstimationError, match="No comparison is possible"):
        estimate(sep, IDENT, method="ipw", max_iter=2)


def test_data_errors_are_clear():
    with pytest.raises(DataError, match="DataFrame"):
        estimate(DATA.to_dict(), IDENT)
    with pytest.raises(DataError, match="single value"):
        estimate(DATA.assign(T=1), IDENT)
    with pytest.raises(DataError, match="dates"):
        estimate(DATA.assign(W1=pd.Timestamp("2020-01-01")), IDENT)


def test_result_is_frozen():
    est = estimate(DATA, IDENT)
    assert isinstance(est, EffectEstimate)
    with pytest.raises(AttributeError):
        est.value = 0.0  # type: ignore[misc]
