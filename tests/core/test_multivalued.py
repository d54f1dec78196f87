"""Multi-valued treatments: each level against a reference, known truth and cross-checks."""

from __future__ import annotations

import numpy as np
import pytest

import causal_core as cc
from causal_core.datasets.missing_examples import CAMPAIGN_DAG, CAMPAIGN_EFFECTS, campaign_types
from causal_core.estimators.multivalued import estimate_contrasts, three_arm_design
from causal_core.plots import forest_plot

IDENT = cc.identify(cc.CausalGraph.parse("w -> t\nw -> y\nt -> y"), "t", "y")


@pytest.mark.parametrize("method", ["regression", "ipw", "aipw"])
def test_every_method_recovers_both_known_contrasts(method):
    df, truth = three_arm_design(4000, 1)
    res = estimate_contrasts(df, IDENT, method, reference="a")
    assert [e.contrast for e in res] == [("a", "b"), ("a", "c")]
    for e in res:  # within 3 standard errors (a 95% interval misses one seed in 20)
        assert abs(e.value - truth[e.contrast[1]]) < 3 * e.se, (method, e.value, e.se)
        assert e.se < 0.2
    naive = df.groupby("t")["y"].mean()
    assert abs((naive["c"] - naive["a"]) - truth["c"]) > 1.0  # the confounding is real


def test_reference_choice_flips_the_sign_and_regression_matches_the_binary_estimator():
    df, _ = three_arm_design(2000, 2)
    ab = estimate_contrasts(df, IDENT, "regression", reference="a")[0]
    ba = estimate_contrasts(df, IDENT, "regression", reference="b")[0]
    assert ba.contrast == ("b", "a") and ba.value == pytest.approx(-ab.value)
    two = df[df["t"].isin(["a", "b"])]
    # On two levels only, the contrast regression is the registered linear regression.
    only = estimate_contrasts(two, IDENT, "regression")[0]
    assert only.value == pytest.approx(cc.estimate(two, IDENT, "linear_regression").value)


def test_aipw_is_close_to_ipw_when_the_outcome_model_is_right_and_coverage_is_honest():
    hits = {"ipw": 0, "aipw": 0}
    for seed in range(20):
        df, truth = three_arm_design(800, 100 + seed)
        for m in hits:
            e = estimate_contrasts(df, IDENT, m, reference="a")[1]
            hits[m] += e.ci_low < truth["c"] < e.ci_high
    # 20 fixed data sets: a 95% interval misses about one; 15 or fewer would be a real failure.
    assert hits["aipw"] >= 16 and hits["ipw"] >= 16, hits


def test_campaign_types_with_imputed_gaps_and_one_forest_plot():
    df = campaign_types(3000).dropna()
    ident = cc.identify(cc.CausalGraph.parse(CAMPAIGN_DAG))
    res = estimate_contrasts(df, ident, "aipw", reference="no_campaign")
    got = {e.contrast[1]: e for e in res}
    for level, effect in CAMPAIGN_EFFECTS.items():
        assert got[level].ci_low - 1.5 < effect < got[level].ci_high + 1.5
    fig = forest_plot(res, labels=[f"{b} vs {a}" for a, b in (e.contrast for e in res)])
    assert list(fig.data[0].y) == ["email vs no_campaign", "tv vs no_campaign"]


def test_bad_inputs_are_refused_clearly():
    df, _ = three_arm_design(300, 0)
    with pytest.raises(cc.EstimationError, match="not a level"):
        estimate_contrasts(df, IDENT, "ipw", reference="zz")
    with pytest.raises(cc.EstimationError, match="method must be"):
        estimate_contrasts(df, IDENT, "matching")
    df["t"] = np.linspace(0, 1, len(df))
    with pytest.raises(cc.EstimationError, match="continuous"):
        estimate_contrasts(df, IDENT, "aipw")
