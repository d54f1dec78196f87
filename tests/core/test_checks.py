"""The three kinds of check, their calibration (small fixed-seed versions of
benchmarks/bench_refuter_calibration.py), the conclusion rule and the number formatting."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causal_core as cc
from causal_core import fmt
from causal_core.analysis import run_analysis
from causal_core.conclusion import HEADLINES, conclude, estimate_sentence
from causal_core.datasets import load_example
from causal_core.refuters._simulation import stability_sentence, stability_shift
from causal_core.report import conclusion

EDGES = [("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")]
IDENT = cc.identify(cc.CausalGraph(edges=EDGES), "t", "y")


def _data(n: int, confounded: bool, seed: int) -> pd.DataFrame:
    """As the calibration benchmark: u confounds t and y only when ``confounded``."""
    rng = np.random.default_rng([seed, int(confounded)])
    w1, w2, u = rng.normal(size=(3, n))
    cu = 1.0 if confounded else 0.0
    t = rng.binomial(1, 1 / (1 + np.exp(-(0.6 * w1 + 0.6 * w2 + 1.2 * cu * u))))
    y = t + w1 + w2 + 2.2 * cu * u + rng.normal(size=n)
    return pd.DataFrame({"w1": w1, "w2": w2, "t": t, "y": y,
                         "n": w1 + u + rng.normal(size=n), "z": w1 + u + rng.normal(size=n)})


def _verdict(df: pd.DataFrame, method: str, **kw) -> cc.RefutationResult:
    est = cc.estimate(df, IDENT, method="linear_regression")
    return cc.refute(df, IDENT, est, method=method, n_simulations=40, random_state=1, **kw)


# ---------------------------------------------------------------------- calibration
FALSIFICATION = {"placebo_treatment": {}, "dummy_outcome": {}, "graph_implications": {},
                 "negative_control_outcome": {"negative_control": "n"},
                 "negative_control_exposure": {"negative_control": "z"}}


def test_falsification_tests_rarely_alarm_under_a_correct_model():
    alarms = {k: 0 for k in FALSIFICATION}
    p_values = {k: [] for k in FALSIFICATION}
    for seed in range(40):
        df = _data(400, False, seed)
        for name, kw in FALSIFICATION.items():
            res = _verdict(df, name, **kw)
            assert res.kind == "falsification"
            alarms[name] += res.verdict == "failed"
            p_values[name].append(res.p_value)
    # 5 % of 40 is 2; P(Binomial(40, 0.05) >= 7) < 1.5 %
    assert all(v <= 6 for v in alarms.values()), alarms
    # exact-size tests: their p-values are spread out, not piled up near 1
    for name in ("negative_control_outcome", "negative_control_exposure", "graph_implications"):
        assert 0.2 < np.median(p_values[name]) < 0.8, (name, np.median(p_values[name]))


def test_negative_control_outcome_detects_a_strong_omitted_confounder_at_n_2000():
    found = {"negative_control_outcome": 0, "negative_control_exposure": 0, "others": 0}
    for seed in range(20):
        df = _data(2000, True, seed)
        found["negative_control_outcome"] += _verdict(
            df, "negative_control_outcome", negative_control="n").verdict == "failed"
        found["negative_control_exposure"] += _verdict(
            df, "negative_control_exposure", negative_control="z").verdict == "failed"
        found["others"] += _verdict(df, "placebo_treatment").verdict == "failed"
    assert found["negative_control_outcome"] >= 16 and found["negative_control_exposure"] >= 16
    assert found["others"] <= 2  # the placebo cannot see confounding, and says so
    info = {r.name: r for r in cc.list_refuters()}["placebo_treatment"]
    assert "confounding" in info.cannot_detect.lower()


def test_an_underpowered_negative_control_is_inconclusive_not_passed():
    res = _verdict(_data(60, False, 3), "negative_control_outcome", negative_control="n")
    assert res.verdict == "inconclusive" and res.passed
    assert res.details["detectable_sd"] > res.details["relevant_sd"]
    assert "inconclusive" in res.explanation and fmt.number(res.details["detectable_sd"], 2) \
        in res.explanation


def test_negative_controls_refuse_a_control_the_graph_says_is_affected():
    g = cc.CausalGraph(edges=[*EDGES, ("t", "n")])
    ident = cc.identify(g, "t", "y")
    df = _data(300, False, 0)
    est = cc.estimate(df, ident, method="linear_regression")
    with pytest.raises(cc.EstimationError, match="causes 'n'"):
        cc.refute(df, ident, est, method="negative_control_outcome", negative_control="n")
    with pytest.raises(cc.EstimationError, match="needs negative_control"):
        cc.refute(df, ident, est, method="negative_control_outcome")
    with pytest.raises(cc.EstimationError, match="not a column"):
        cc.refute(df, ident, est, method="negative_control_exposure", negative_control="nope")


# ---------------------------------------------------------------------- stability sentences
@settings(max_examples=300, deadline=None)
@given(st.floats(-1e6, 1e6), st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30),
       st.floats(1e-6, 1e5), st.floats(0.01, 5))
def test_stability_sentence_agrees_with_its_shift(original, sims, se, tol):
    d = stability_shift(original, np.array(sims), se, tol)
    text = stability_sentence("Doing something", len(sims), d)
    stable = bool(d["stable"])
    assert ("within the tolerance" in text) == stable
    assert ("the estimate is stable." in text) == stable
    assert ("beyond the tolerance" in text) == (not stable)
    shown = re.search(r"\((.+?) of its standard error", text).group(1)
    if "×" not in shown:  # the number shown is the number judged
        assert float(shown.replace(",", "")) == pytest.approx(abs(d["shift_se"]), rel=1e-9)


@pytest.mark.parametrize("method", ["random_common_cause", "data_subset", "bootstrap"])
def test_stability_checks_say_what_their_shift_says(method):
    for seed, tol in [(0, 1.0), (1, 0.01), (2, 0.3)]:
        est = cc.estimate(_data(300, False, seed), IDENT, method="ipw")
        res = cc.refute(_data(300, False, seed), IDENT, est, method=method, n_simulations=20,
                        random_state=seed, tolerance_se=tol)
        assert res.kind == "stability" and res.p_value is None
        stable = abs(res.details["shift_se"]) <= tol
        assert res.verdict == ("stable" if stable else "unstable")
        assert ("within the tolerance" in res.explanation) == stable
        mean = float(res.simulated.mean())
        assert f"to {fmt.number(mean)} (" in res.explanation


# ---------------------------------------------------------------------- the conclusion
@pytest.fixture(scope="module")
def campaign() -> cc.Analysis:
    ex = load_example("marketing_binary")
    return run_analysis(ex.data, "campaign.csv", ex.graph, estimator="propensity_matching",
                        n_simulations=50)


def test_campaign_with_matching_leads_with_a_supportive_graded_conclusion(campaign):
    headline, sentences = conclusion(campaign)
    assert headline == "Supported, if the graph is right"
    assert sentences[0].startswith("Setting campaign to 1 instead of 0 raises revenue by about")
    assert any(s.startswith("The estimate is stable") for s in sentences)
    assert any(s.startswith("The data do not contradict the graph") for s in sentences)
    confounding = next(s for s in sentences if s.startswith("No test can rule out"))
    assert "as strong as 1x seasonality would move it to" in confounding
    objs = campaign.refutation_objects()
    for r in objs.values():  # no check shown as failed with p > alpha
        assert (r.verdict == "failed") == (r.p_value is not None and r.p_value < r.alpha)
    assert objs["unobserved_common_cause"].passed is None
    rows = cc.check_rows(list(objs.values()))
    assert [r.check for r in rows][-1] == "Unobserved common cause"
    assert rows[-1].verdict == "sensitivity: not a test" and rows[-1].p_value == "–"


def test_conclusion_orders_by_severity_and_names_the_failed_null(campaign):
    objs = list(campaign.refutation_objects().values())
    est = campaign.estimates[campaign.estimator]
    placebo = next(r for r in objs if r.method == "placebo_treatment")
    from dataclasses import replace

    broken = replace(placebo, verdict="failed", passed=False, p_value=0.001,
                     next_step="Check the estimator.")
    c = conclude(est, [broken, *[r for r in objs if r is not placebo]])
    assert c.headline == HEADLINES[0] and c.tone == "bad"
    assert c.sentences[0].startswith("Placebo treatment failed (p = 0.001 < 0.05): the data "
                                     "reject its null hypothesis, that with the treatment")
    assert "Next: Check the estimator." in c.sentences[0]
    assert [s.severity for s in c.statements] == sorted(s.severity for s in c.statements)
    # an unstable estimate is tentative, never "not supported"
    rcc = next(r for r in objs if r.method == "random_common_cause")
    shaky = replace(rcc, verdict="unstable", passed=False,
                    details={**rcc.details, "shift_se": 3.0})
    assert conclude(est, [shaky]).headline == "Tentative: the estimate is not stable"


def test_the_naive_association_is_worded_as_association():
    e = {"value": 45.2, "ci_low": 40.0, "ci_high": 50.0, "treatment": "treat",
         "outcome": "re78", "treatment_type": "binary", "contrast": [0, 1], "target": "ate",
         "alpha": 0.05, "method": "naive"}
    text = estimate_sentence(e)
    assert "association, not a causal effect" in text and "raises" not in text
    assert text.startswith("Rows with treat = 1, compared with treat = 0, have re78 higher")
    c = conclude(e, [])
    assert any("measures association" in s for s in c.sentences)


# ---------------------------------------------------------------------- numbers
@given(st.floats(1e-3, 1e9 - 1, allow_nan=False) | st.floats(-1e9 + 1, -1e-3))
def test_numbers_never_use_scientific_notation_in_the_plain_range(x):
    text = fmt.number(x)
    assert "e" not in text and "×" not in text
    back = float(text.replace(",", ""))
    assert math.isclose(back, x, rel_tol=0.01) or abs(back - x) <= 0.5  # 3 digits, whole part kept


@given(st.floats(0, 1))
def test_p_values_read_as_people_write_them(p):
    text = fmt.pvalue(p)
    if p < 0.001:
        assert text == "< 0.001"
    else:
        assert "e" not in text and abs(float(text) - p) <= max(0.005, 0.05 * p)
