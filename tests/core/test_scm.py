"""The structural causal model: known truths on generated data, refusals, determinism."""

from __future__ import annotations

import dataclasses
import doctest

import numpy as np
import pandas as pd
import pytest

import causal_core.scm
import causal_core.scm_mechanisms
from causal_core import CausalGraph, identify
from causal_core.exceptions import (
    CausalCoreError,
    DataError,
    EstimationError,
    IdentificationError,
)
from causal_core.scm import InterventionEffect, StructuralCausalModel, fit_scm

# ---------------------------------------------------------------- generators with known truth
LINEAR = CausalGraph.parse("dag { z -> x -> m -> y; z -> y }")
B_ZX, B_XM, B_MY, B_ZY = 0.8, 1.5, 2.0, 1.0  # true ATE of x on y per unit: B_XM * B_MY = 3


def linear_data(n: int = 5000, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    z = r.normal(size=n)
    x = B_ZX * z + r.normal(size=n)
    m = B_XM * x + r.normal(size=n)
    y = B_MY * m + B_ZY * z + r.normal(size=n)
    return pd.DataFrame({"z": z, "x": x, "m": m, "y": y})


NONLINEAR = CausalGraph.parse("dag { z -> x -> y; z -> y }")


def nonlinear_data(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    z = r.normal(size=n)
    x = 0.5 * z + r.normal(size=n)
    y = 2 * np.sin(x) + x**2 + z + 0.5 * r.normal(size=n)
    return pd.DataFrame({"z": z, "x": x, "y": y})


HOSPITAL = CausalGraph.parse(
    "dag { age -> followup_call -> readmission_risk; age -> readmission_risk; "
    "has_transport -> readmission_risk }"
)
CALL_EFFECT = -0.12  # a follow-up call lowers the risk by 0.12, but only with transport


def hospital_data(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    age = r.uniform(20, 90, n).round()
    transport = (r.random(n) < 0.6).astype(int)
    call = (r.random(n) < 1 / (1 + np.exp(-(age - 60) / 8))).astype(int)  # older patients get called
    risk = 0.10 + 0.004 * (age - 20) + CALL_EFFECT * call * transport + 0.05 * r.normal(size=n)
    return pd.DataFrame({"age": age, "has_transport": transport, "followup_call": call,
                         "readmission_risk": risk})


def ols(y: np.ndarray, *cols: np.ndarray) -> np.ndarray:
    """Coefficients (intercept first) of y on cols, by numpy lstsq."""
    X = np.column_stack([np.ones(len(y)), *cols])
    return np.linalg.lstsq(X, y, rcond=None)[0]


@pytest.fixture(scope="module")
def lin() -> tuple[pd.DataFrame, StructuralCausalModel]:
    data = linear_data()
    return data, fit_scm(LINEAR, data, random_state=0)


@pytest.fixture(scope="module")
def nonlin() -> tuple[pd.DataFrame, StructuralCausalModel]:
    data = nonlinear_data()
    return data, fit_scm(NONLINEAR, data, random_state=0)


# ---------------------------------------------------------------- rung 2: do() and the ATE
def test_cv_picks_linear_on_linear_gaussian_data(lin):
    _, scm = lin
    assert {v: m.model for v, m in scm.mechanisms.items()} == {
        "z": "empirical", "x": "linear", "m": "linear", "y": "linear"}
    y = scm.mechanisms["y"]
    assert (y.kind, y.parents, y.score_name, y.n_train) == ("regression", ("m", "z"), "r2", 5000)
    assert y.score > 0.9 and dict(y.cv_scores)["linear"] >= dict(y.cv_scores)["boosting"] - 1e-3
    table = scm.summary()
    assert list(table.index) == ["z", "x", "m", "y"]
    assert {"parents", "kind", "model", "score", "score_name", "n_train"} <= set(table.columns)


def test_linear_ate_recovers_truth_and_equals_the_fitted_coefficients(lin):
    data, scm = lin
    res = scm.ate("x", 1.0, 0.0, n=20_000, random_state=1)
    assert isinstance(res, InterventionEffect)
    assert [e.node for e in res.effects] == ["m", "y"]
    # With linear mechanisms and common random numbers the paired difference is the same for every
    # draw, so the Monte-Carlo SE is zero and the ATE is exactly the product of fitted slopes.
    b_xm = ols(data.m.to_numpy(), data.x.to_numpy())[1]
    b_my = ols(data.y.to_numpy(), data.m.to_numpy(), data.z.to_numpy())[1]
    assert res.effect_on("m").effect == pytest.approx(b_xm, abs=1e-6)
    assert res.effect_on("y").effect == pytest.approx(b_xm * b_my, abs=1e-6)
    assert res.effect_on("y").se < 1e-9
    # Against the truth 3.0: SE(b_xm) ≈ 1/(1.28·√5000) = 0.011, SE(b_my) ≈ 1/(1.8·√5000) = 0.008,
    # so SE(b_xm·b_my) ≈ √((2·0.011)² + (1.5·0.008)²) ≈ 0.025; 0.13 is five standard errors.
    assert res.effect_on("y").effect == pytest.approx(B_XM * B_MY, abs=0.13)
    assert res.effect_on("m").effect == pytest.approx(B_XM, abs=0.06)  # 5 × 0.011


def test_do_cuts_incoming_edges_and_shift_interventions(lin):
    _, scm = lin
    out = scm.do({"x": 2.0}, n=4000, random_state=3)
    assert (out["x"] == 2.0).all()
    assert abs(np.corrcoef(out["z"], out["y"])[0, 1]) > 0.1  # z still drives y directly
    base = scm.sample(4000, random_state=3)
    shifted = scm.do({"x": lambda v: v + 1.0}, n=4000, random_state=3)
    # Same seed → same noise: the shift moves every draw of x by exactly 1, y by b_xm·b_my.
    np.testing.assert_allclose(shifted["x"] - base["x"], 1.0, atol=1e-9)
    slope = scm.ate("x", 1.0, 0.0, outcome="y", n=100, random_state=0).value
    np.testing.assert_allclose(shifted["y"] - base["y"], slope, atol=1e-9)


def test_scm_ate_agrees_with_backdoor_ols(lin):
    data, scm = lin
    adjust = identify(LINEAR, "x", "y").estimand.adjustment_set
    assert tuple(adjust) == ("z",)
    beta = ols(data.y.to_numpy(), data.x.to_numpy(), *(data[c].to_numpy() for c in adjust))[1]
    scm_ate = scm.ate("x", 1.0, 0.0, outcome="y", random_state=0).value
    # The OLS slope has SE ≈ sd(y | x, z)/(sd(x | z)·√n) = √5/√5000 ≈ 0.032; the SCM's product of
    # slopes ≈ 0.025 (above). Their difference is below 0.15 ≈ 4 SE of the difference.
    assert scm_ate == pytest.approx(beta, abs=0.15)


def test_nonlinear_cv_picks_boosting_and_recovers_the_ate(nonlin):
    _, scm = nonlin
    assert scm.mechanisms["y"].model == "boosting"
    scores = dict(scm.mechanisms["y"].cv_scores)
    assert scores["boosting"] > scores["linear"] + 0.2  # measured: 0.95 vs 0.54
    assert scm.mechanisms["x"].model == "linear"  # x = 0.5 z + noise is linear
    res = scm.ate("x", 1.0, -1.0, outcome="y", n=20_000, random_state=0)
    truth = 4 * np.sin(1.0)  # E[y | do(x=1)] − E[y | do(x=-1)]; x² and z cancel
    # The Monte-Carlo SE is ≈0.002; the error is the boosting fit's bias near x = ±1. Over seeds
    # 0–4 (n = 3000) it measured at most 0.06; 0.2 (6% of the effect) leaves room for that.
    assert res.se < 0.01
    assert res.value == pytest.approx(truth, abs=0.2)


def test_sample_reproduces_the_marginals(nonlin):
    data, scm = nonlin
    sim = scm.sample(20_000, random_state=5)
    for col in data.columns:
        assert sim[col].mean() == pytest.approx(data[col].mean(), abs=0.1), col
        assert sim[col].std() == pytest.approx(data[col].std(), rel=0.08), col


# ---------------------------------------------------------------- rung 3: counterfactuals
def test_linear_counterfactual_is_the_closed_form(lin):
    data, scm = lin
    units = data.iloc[[0, 7, 42, 99, 1234]]
    cf = scm.counterfactual(units, {"x": 0.0})
    b_xm = ols(data.m.to_numpy(), data.x.to_numpy())[1]
    b_my = ols(data.y.to_numpy(), data.m.to_numpy(), data.z.to_numpy())[1]
    m_cf = units.m + b_xm * (0.0 - units.x)  # the unit's own noise is kept
    y_cf = units.y + b_my * (m_cf - units.m)
    assert list(cf.index) == list(units.index)
    np.testing.assert_allclose(cf["z"], units.z, atol=0)  # non-descendants keep observed values
    np.testing.assert_allclose(cf["x"], 0.0)
    np.testing.assert_allclose(cf["m"], m_cf, atol=1e-6)
    np.testing.assert_allclose(cf["y"], y_cf, atol=1e-6)
    # Against the true coefficients: slope errors ≈0.01–0.03 times |x| ≤ 4.
    true_y = units.y - B_MY * B_XM * units.x
    np.testing.assert_allclose(cf["y"], true_y, atol=0.4)


def test_counterfactual_accepts_series_and_dict_and_a_node_subset(lin):
    data, scm = lin
    row = data.iloc[3]
    from_series = scm.counterfactual(row, {"x": 1.0})
    from_dict = scm.counterfactual(row.to_dict(), {"x": 1.0})
    np.testing.assert_allclose(from_series.to_numpy(float), from_dict.to_numpy(float))
    only_m = scm.counterfactual({"z": row.z, "x": row.x, "m": row.m}, {"x": 1.0}, nodes=["m"])
    assert list(only_m.columns) == ["m"]
    assert only_m["m"].iloc[0] == pytest.approx(from_series["m"].iloc[0])


def test_counterfactual_of_the_observed_value_is_the_observation(nonlin):
    data, scm = nonlin  # boosting mechanism for y: abduction must still be exact
    units = data.iloc[:50]
    cf = scm.counterfactual(units, {"x": lambda v: v})
    np.testing.assert_allclose(cf.to_numpy(float), units.to_numpy(float), atol=1e-9)


def test_unit_effects_are_the_counterfactual_differences(lin):
    data, scm = lin
    eff = scm.unit_effects("x", 1.0, 0.0, "y", rows=data.iloc[:100])
    assert eff.shape == (100,) and list(eff.index) == list(range(100))
    ate = scm.ate("x", 1.0, 0.0, outcome="y", random_state=0).value
    np.testing.assert_allclose(eff, ate, atol=1e-6)  # linear: the same effect for every unit
    assert len(scm.unit_effects("x", 1.0, 0.0, "y")) == len(data)  # default: the fitted rows


def test_hospital_call_changes_nothing_without_transport():
    data = hospital_data()
    scm = fit_scm(HOSPITAL, data, random_state=0)
    # The call works only with transport: an interaction that the linear model cannot express,
    # so cross-validation picks boosting for the risk (measured R² 0.67 vs 0.57).
    assert scm.mechanisms["readmission_risk"].model == "boosting"
    seeing = data.groupby("followup_call").readmission_risk.mean().diff().iloc[1]
    doing = scm.ate("followup_call", 1, 0, outcome="readmission_risk", random_state=0).value
    assert seeing > 0.02  # calls go with more readmissions: older patients get called
    assert doing == pytest.approx(0.6 * CALL_EFFECT, abs=0.025)  # truth −0.072; measured −0.065
    eff = scm.unit_effects("followup_call", 1, 0, "readmission_risk")
    without, with_ = eff[data.has_transport == 0], eff[data.has_transport == 1]
    # Boosting's trees are piecewise constant, so a no-transport unit's change is ≈0, not exactly 0
    # (measured over seeds 0–2: |mean| ≤ 0.009, 95th percentile of |effect| ≤ 0.053).
    assert abs(without.mean()) < 0.02
    assert without.abs().quantile(0.95) < 0.07
    assert with_.mean() == pytest.approx(CALL_EFFECT, abs=0.035)  # measured −0.104
    unit = data[(data.has_transport == 0) & (data.followup_call == 1)].iloc[[0]]
    cf = scm.counterfactual(unit, {"followup_call": 0})
    assert cf["readmission_risk"].iloc[0] == pytest.approx(unit.readmission_risk.iloc[0], abs=0.07)


# ---------------------------------------------------------------- categorical nodes
def categorical_data(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    z = r.normal(size=n)
    channel = np.where(z + r.normal(size=n) > 0.3, "web", np.where(r.random(n) < 0.5, "phone", "shop"))
    y = z + np.select([channel == "web", channel == "phone"], [2.0, 1.0], 0.0) + r.normal(size=n)
    return pd.DataFrame({"z": z, "channel": channel, "y": y})


CATEGORICAL = CausalGraph.parse("dag { z -> channel -> y; z -> y }")


def test_categorical_node_gets_a_classifier_and_counterfactuals_through_it_are_refused():
    data = categorical_data()
    scm = fit_scm(CATEGORICAL, data, random_state=0)
    mech = scm.mechanisms["channel"]
    assert (mech.kind, mech.score_name) == ("classifier", "accuracy") and mech.score > 0.5
    shares = scm.sample(20_000, random_state=0)["channel"].value_counts(normalize=True)
    for level, share in data.channel.value_counts(normalize=True).items():
        assert shares[level] == pytest.approx(share, abs=0.03)
    web = scm.do({"channel": "web"}, n=5000, random_state=0)
    assert (web["channel"] == "web").all()
    assert scm.ate("channel", "web", "shop", outcome="y", random_state=0).value == pytest.approx(2, abs=0.15)
    # Intervening on the categorical node itself is fine: y is numeric.
    cf = scm.counterfactual(data.iloc[:5], {"channel": "web"})
    assert (cf["channel"] == "web").all()
    with pytest.raises(EstimationError) as err:
        scm.counterfactual(data.iloc[:5], {"z": 0.0})
    msg = str(err.value)
    assert "'channel'" in msg and "noise cannot be recovered" in msg and "do(z)" in msg
    with pytest.raises(DataError, match="'email'"):
        scm.do({"channel": "email"}, n=10)
    with pytest.raises(EstimationError, match="categorical"):
        scm.ate("z", 1.0, 0.0, outcome="channel")


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(("text", "needle"), [
    ("dag { u [latent]; u -> x -> y; u -> y }", "latent 'u'"),
    ("dag { x -> y; x <-> y }", "'x' <-> 'y'"),
])
def test_refuses_unobserved_nodes(text, needle):
    with pytest.raises(IdentificationError) as err:
        fit_scm(CausalGraph.parse(text), pd.DataFrame({"x": range(20), "y": range(20), "u": range(20)}))
    assert needle in str(err.value) and "every node observed" in str(err.value)


def test_refuses_bad_data():
    data = linear_data(200)
    with pytest.raises(DataError, match=r"'m', 'y' have no column"):
        fit_scm(LINEAR, data[["z", "x"]])
    holes = data.copy()
    holes.loc[[3, 8], "m"] = np.nan
    with pytest.raises(DataError) as err:
        fit_scm(LINEAR, holes)
    assert "2 of 200 rows" in str(err.value) and "dropna" in str(err.value)
    many = data.assign(m=[f"level {i}" for i in range(200)])
    with pytest.raises(DataError, match="'m' is text with 200 distinct values"):
        fit_scm(LINEAR, many)
    with pytest.raises(CausalCoreError, match="models"):
        fit_scm(LINEAR, data, models=("forest",))


def test_refuses_bad_questions(lin):
    data, scm = lin
    with pytest.raises(IdentificationError, match="'w' is not a node"):
        scm.do({"w": 1.0}, n=10)
    with pytest.raises(DataError, match="not a finite number"):
        scm.do({"x": "high"}, n=10)
    with pytest.raises(DataError, match="no value for 'm'"):
        scm.counterfactual(data[["z", "x", "y"]].iloc[:2], {"x": 0.0})
    with pytest.raises(EstimationError, match="n=0"):
        scm.sample(0)
    res = scm.ate("x", 1.0, 0.0, outcome="y", random_state=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n = 3  # type: ignore[misc]
    assert scm.ate("m", 1.0, 0.0, outcome="x", random_state=0).notes  # not a descendant: noted
    assert set(res.to_dict()) >= {"treatment", "t1", "t0", "effects"} and res.t1 == 1.0


# ---------------------------------------------------------------- determinism and purity
def test_same_seed_same_answers_and_input_untouched():
    data = nonlinear_data(800)
    before = data.copy()
    a = fit_scm(NONLINEAR, data, random_state=7)
    b = fit_scm(NONLINEAR, data, random_state=7)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    pd.testing.assert_frame_equal(a.sample(500, random_state=1), b.sample(500, random_state=1))
    pd.testing.assert_frame_equal(a.do({"x": 1.0}, 500, random_state=2),
                                  b.do({"x": 1.0}, 500, random_state=2))
    assert not a.sample(500, random_state=1).equals(a.sample(500, random_state=2))
    units = data.iloc[:10]
    a.counterfactual(units, {"x": 0.5})
    a.unit_effects("x", 1.0, 0.0, "y", rows=units)
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.parametrize("module", [causal_core.scm, causal_core.scm_mechanisms])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_mixed_column_types_and_small_inputs():
    r = np.random.default_rng(0)
    data = pd.DataFrame({"flag": r.random(400) < 0.5, "grp": pd.Categorical(r.choice(["a", "b", "c"], 400)),
                         "lone": r.normal(size=400)})
    data["y"] = data.flag * 1.0 + (data.grp == "b") * 2 + r.normal(size=400)
    scm = fit_scm(CausalGraph.parse("dag { flag -> y; grp -> y; lone }"), data)
    assert scm.mechanisms["flag"].kind == "root" and scm.mechanisms["y"].kind == "regression"
    assert scm.ate("flag", True, False, outcome="y", random_state=0).value == pytest.approx(1, abs=0.3)
    assert scm.ate("grp", "b", "a", outcome="y", random_state=0).value == pytest.approx(2, abs=0.35)
    assert "no descendants" in scm.ate("lone", 1.0, 0.0, random_state=0).notes[0]
    cf = scm.counterfactual(data.iloc[0], {"grp": "b"}, nodes="y")
    assert list(cf.columns) == ["y"]
    twice = pd.concat([data, data["y"]], axis=1)
    with pytest.raises(DataError, match="several columns named 'y'"):
        fit_scm(CausalGraph.parse("flag -> y"), twice)
