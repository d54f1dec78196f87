"""Sensitivity analysis against published numbers, and a brute-force cross-check."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from causal_core.estimators import estimate
from causal_core.exceptions import EstimationError
from causal_core.graph import CausalGraph
from causal_core.identify import identify
from causal_core.sensitivity import (
    adjusted_estimate,
    adjusted_se,
    adjusted_t,
    confounder_bounds,
    e_value,
    e_value_for_estimate,
    ovb_sensitivity,
    ovb_sensitivity_from_stats,
    partial_r2,
    robustness_value,
)

from .conftest_estimation import synthetic, synthetic_ident

# Darfur example (Cinelli & Hazlett 2020, Section 5; sensemakr's test suite): the effect of
# being directly harmed on attitudes towards peace, 783 residual degrees of freedom.
DARFUR = {"estimate": 0.09731582, "se": 0.02325654, "dof": 783}


def test_darfur_robustness_values():
    # the closed-form check: t = 4.18, 783 dof
    assert robustness_value(4.18, 783) == pytest.approx(0.139, abs=5e-4)
    assert robustness_value(4.18, 783, alpha=0.05) == pytest.approx(0.076, abs=5e-4)
    # sensemakr's values for t = 4.18445
    assert robustness_value(4.18445, 783) == pytest.approx(0.1387764, abs=1e-6)
    assert robustness_value(4.18445, 783, alpha=0.05) == pytest.approx(0.07625797, abs=1e-6)
    s = ovb_sensitivity_from_stats(**DARFUR)
    assert s.r2yd_x == pytest.approx(0.02187309, abs=1e-6)
    assert s.f2yd_x == pytest.approx(0.02236222, abs=1e-6)
    assert s.t_statistic == pytest.approx(4.18445, abs=1e-4)


def test_darfur_female_benchmarks():
    # female's partial R² from its published t-values (-2.680 with the treatment, -9.789 with
    # the outcome; 783 dof) — rounded inputs, so agreement to ~3 significant digits
    bench = {"female": (partial_r2(-2.680, 783), partial_r2(-9.789, 783))}
    s = ovb_sensitivity_from_stats(**DARFUR, benchmarks=bench, kd=[1, 2, 3])
    got = [(b.r2dz_x, b.r2yz_dx, b.adjusted_estimate, b.adjusted_se, b.ci_low, b.ci_high)
           for b in s.benchmarks]
    expected = [  # sensemakr: bounds of 1x, 2x, 3x female
        (0.00916428667504862, 0.12464092303637, 0.0752202712144491, 0.0218733277437572,
         0.032282966, 0.11815758),
        (0.0183285733500972, 0.249324064199975, 0.0529151723844518, 0.0203500620779637,
         0.012968035, 0.09286231),
        (0.0274928600251459, 0.374050471038094, 0.0303960234641548, 0.0186700648170924,
         -0.006253282, 0.06704533),
    ]
    np.testing.assert_allclose(got, expected, rtol=2e-3, atol=5e-5)
    assert [b.label for b in s.benchmarks] == ["1x female", "2x female", "3x female"]


def test_rv_makes_the_adjusted_estimate_vanish():
    s = ovb_sensitivity_from_stats(**DARFUR)
    a = dict(estimate=DARFUR["estimate"], se=DARFUR["se"], dof=DARFUR["dof"])
    assert adjusted_estimate(**a, r2dz_x=s.rv_q, r2yz_dx=s.rv_q) == pytest.approx(0, abs=1e-10)
    assert adjusted_t(**a, r2dz_x=s.rv_qa, r2yz_dx=s.rv_qa) == pytest.approx(1.963, abs=2e-3)
    half = robustness_value(s.t_statistic, DARFUR["dof"], q=0.5)
    assert adjusted_estimate(**a, r2dz_x=half, r2yz_dx=half) == pytest.approx(
        DARFUR["estimate"] / 2, rel=1e-9)


def _trig_data() -> pd.DataFrame:
    i = np.arange(1, 201)
    x1, x2 = np.sin(i), np.cos(1.7 * i)
    d = 0.5 * x1 + 0.6 * np.sin(3.1 * i)
    y = 0.4 * d + 0.8 * x1 + 0.3 * x2 + 0.5 * np.cos(2.3 * i)
    return pd.DataFrame({"x1": x1, "x2": x2, "d": d, "y": y})


def test_regression_estimate_matches_sensemakr_on_deterministic_data():
    # sensemakr(lm(y ~ d + x1 + x2), "d", benchmark_covariates = "x2", kd = 1:2), as quoted in
    # a public test suite; the data are a deterministic function of the row number.
    df = _trig_data()
    g = CausalGraph(edges=[("x1", "d"), ("x2", "d"), ("x1", "y"), ("x2", "y"), ("d", "y")])
    ident = identify(g, "d", "y")
    est = estimate(df, ident)
    s = ovb_sensitivity(df, ident, est, benchmark_covariates="x2", kd=[1, 2])
    assert s.dof == 196
    np.testing.assert_allclose([s.rv_q, s.rv_qa, s.r2yd_x],
                               [0.392125514801805, 0.302160713916727, 0.201884150359101],
                               rtol=1e-9)
    np.testing.assert_allclose([b.r2yz_dx for b in s.benchmarks],
                               [0.360605510962075, 0.721211021924157], rtol=1e-8)
    np.testing.assert_allclose([b.adjusted_estimate for b in s.benchmarks],
                               [0.407276404370285, 0.407147837764754], rtol=1e-9)
    np.testing.assert_allclose([b.ci_low for b in s.benchmarks],
                               [0.315799103054239, 0.346743696480369], rtol=1e-8)
    np.testing.assert_allclose([b.ci_high for b in s.benchmarks],
                               [0.498753705686331, 0.46755197904914], rtol=1e-8)
    assert s.benchmarks[0].adjusted_se == pytest.approx(0.0463847620602711, rel=1e-8)
    assert not s.fragile and "(still positive and significant" in s.explanation
    assert "would move it to 0.407" in s.explanation
    assert s.grid_estimate.shape == (41, 41)
    json.dumps(s.to_dict())
    assert list(s.bounds().index) == ["1x x2", "2x x2"]


def test_brute_force_confounder_at_the_robustness_value_kills_the_estimate():
    """Build a confounder Z with partial R² = RV_1 with treatment and outcome by hand, add it
    to the regression, and check the coefficient is driven to zero (and RV_{1,α} to the
    significance border)."""
    rng = np.random.default_rng(7)
    n = 1000
    w = rng.normal(size=n)
    t = 0.5 * w + rng.normal(size=n)
    y = 0.15 * t + w + rng.normal(size=n)
    df = pd.DataFrame({"w": w, "t": t, "y": y})
    ident = identify(CausalGraph(edges=[("w", "t"), ("w", "y"), ("t", "y")]), "t", "y")
    s = ovb_sensitivity(df, ident, estimate(df, ident))

    def residual(v, *cols):
        a = np.column_stack([np.ones(n), *cols])
        return v - a @ np.linalg.lstsq(a, v, rcond=None)[0]

    def fit(z):
        a = np.column_stack([np.ones(n), t, w, z])
        coef, res, *_ = np.linalg.lstsq(a, y, rcond=None)
        sigma2 = res[0] / (n - 4)
        return coef[1], np.sqrt(sigma2 * np.linalg.inv(a.T @ a)[1, 1])

    t_r = residual(t, w)
    e_r = residual(y, t, w)
    noise = residual(rng.normal(size=n), w, t, y)
    unit = [v / np.linalg.norm(v) for v in (t_r, e_r, noise)]
    for r2, target in ((s.rv_q, "zero"), (s.rv_qa, "border")):
        z = (np.sqrt(r2) * unit[0] + np.sqrt(r2 * (1 - r2)) * unit[1]
             + (1 - r2) * unit[2])
        # the construction has the intended strengths, measured by regressions
        r2_dz = 1 - (residual(t, w, z) ** 2).sum() / (t_r**2).sum()
        r2_yz = 1 - (residual(y, t, w, z) ** 2).sum() / (e_r**2).sum()
        assert r2_dz == pytest.approx(r2, rel=1e-8) and r2_yz == pytest.approx(r2, rel=1e-8)
        coef, se = fit(z)
        if target == "zero":
            assert coef == pytest.approx(0.0, abs=1e-10)
        else:
            assert coef / se == pytest.approx(1.9623, abs=2e-3)  # t quantile, 996 dof


def test_confounder_bounds_and_their_limits():
    r2d, r2y = confounder_bounds(0.2, 0.1, kd=1)
    assert r2d == pytest.approx(0.25)
    assert 0 < r2y <= 1
    with pytest.raises(EstimationError, match="smaller kd"):
        confounder_bounds(0.6, 0.1, kd=2)
    with pytest.raises(EstimationError, match=r"\[0, 1\)"):
        confounder_bounds(1.2, 0.1)
    with pytest.raises(EstimationError, match="Partial R"):
        adjusted_se(0.1, 100, 1.0, 0.5)


def test_ovb_needs_a_regression_estimate():
    data, ident = synthetic(n=400), synthetic_ident()
    with pytest.raises(EstimationError, match="unobserved_common_cause"):
        ovb_sensitivity(data, ident, estimate(data, ident, method="ipw"))
    with pytest.raises(EstimationError, match="not a .*covariate"):
        ovb_sensitivity(data, ident, estimate(data, ident), benchmark_covariates=["Z"])
    s = ovb_sensitivity(data, ident, estimate(data, ident), kd=[1, 50])
    assert s.notes and "50x" in s.notes[0]
    assert {b.covariate for b in s.benchmarks} == {"R", "W1"}  # categorical R as one group


# ---------------------------------------------------------------------- E-values
@pytest.mark.parametrize(
    ("args", "kwargs", "point", "ci"),
    [
        # VanderWeele & Ding (2017): RR 3.9 (95% CI 1.8 to 8.7) -> E-values 7.26 and 3.00
        ((3.9, 1.8, 8.7), {}, 7.26303434, 3.0),
        # EValue::evalues.OR(2.5, 1.4, 4.0, rare = FALSE)
        ((2.5, 1.4, 4.0), {"scale": "or"}, 2.53971129469801, 1.6488166904897),
        # EValue::evalues.HR(1.8, 1.2, 2.6, rare = TRUE / FALSE)
        ((1.8, 1.2, 2.6), {"scale": "hr", "rare": True}, 3.0, 1.68989794855664),
        ((1.8, 1.2, 2.6), {"scale": "hr"}, 2.36714327129528, 1.52553091757873),
        # EValue::evalues.MD(0.5, se = 0.2)
        ((0.5,), {"scale": "smd", "se": 0.2}, 2.52914198186127, 1.44302956344269),
        # EValue::evalues.OLS(1.2, se = 0.4, sd = 3): d = 1.2 / 3, se_d = 0.4 / 3
        ((0.4,), {"scale": "smd", "se": 0.4 / 3}, 2.23397067263333, 1.52654088731104),
        # protective risk ratio: use 1/RR and the upper limit
        ((0.5, 0.3, 0.8), {}, 2 + np.sqrt(2), 1.25 + np.sqrt(1.25 * 0.25)),
        # interval includes the null
        ((1.3, 0.9, 1.9), {}, 1.3 + np.sqrt(1.3 * 0.3), 1.0),
    ],
)
def test_e_values_match_published_numbers(args, kwargs, point, ci):
    ev = e_value(*args, **kwargs)
    assert ev.e_value == pytest.approx(point, rel=1e-8)
    assert ev.e_value_ci == pytest.approx(ci, rel=1e-8)
    json.dumps(ev.to_dict())
    assert ev.summary().shape[0] == 1 and ev.explanation


def test_e_value_errors_and_estimates():
    with pytest.raises(EstimationError, match="positive"):
        e_value(-1.0)
    with pytest.raises(EstimationError, match="scale"):
        e_value(2.0, scale="logit")
    with pytest.raises(EstimationError, match="ci_low must not exceed"):
        e_value(2.0, 3.0, 1.5)
    assert np.isnan(e_value(2.0).e_value_ci)
    data, ident = synthetic(n=800), synthetic_ident()
    est = estimate(data, ident)
    ev = e_value_for_estimate(est, data)
    d = est.value / data["Y"].std()
    assert ev.estimate == pytest.approx(d) and ev.e_value > 1
    with pytest.raises(EstimationError, match="DataFrame"):
        e_value_for_estimate(est, data.drop(columns="Y"))
