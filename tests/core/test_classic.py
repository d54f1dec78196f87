"""The classic four steps, literally: model, identify, estimate by propensity score matching,
refute with a random common cause; the script shows the DoWhy calls beside ours."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import causal_core as cc
from causal_core.analysis import run_analysis
from causal_core.datasets import load_example
from causal_core.report import to_script

ROOT = Path(__file__).parents[2]


def test_four_steps_recover_the_effect_and_survive_the_refuter():
    ex = load_example("marketing_classic")
    assert set(ex.data["marketing_spend"].unique()) == {0, 1}
    g = cc.quick_graph(ex.data.columns, "marketing_spend", "revenue",
                       common_causes=["seasonality", "competitor_action"])
    assert set(g.edges) == set(ex.graph.edges)
    ident = cc.identify(g)
    assert ident.estimand.kind == "backdoor"
    assert sorted(ident.estimand.adjustment_set) == ["competitor_action", "seasonality"]
    est = cc.estimate(ex.data, ident, method="propensity_matching")
    assert est.ci_low < ex.info.true_effect < est.ci_high
    naive = cc.estimate(ex.data, ident, method="naive")
    assert not naive.ci_low < ex.info.true_effect < naive.ci_high
    ref = cc.refute(ex.data, ident, est, method="random_common_cause", n_simulations=30)
    assert ref.passed and "random" in ref.label.lower()


def test_script_shows_the_dowhy_calls_and_reproduces_the_estimate(tmp_path):
    ex = load_example("marketing_classic")
    a = run_analysis(ex.data, "classic.csv", ex.graph, estimator="propensity_matching",
                     refuters=["random_common_cause"], n_simulations=20, compare=(),
                     example="marketing_classic")
    text = to_script(a, "classic.csv")
    for call in ("CausalModel(data=frame, treatment=TREATMENT, outcome=OUTCOME, "
                 "common_causes=['competitor_action', 'seasonality'])",
                 "model.identify_effect()",
                 'method_name="backdoor.propensity_score_matching"',
                 "'random_common_cause': 'random_common_cause'",
                 "model.refute_estimate(identified, estimate, method_name=DOWHY_REFUTER[name])"):
        assert call in text, call
    path = tmp_path / "analysis.py"
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"estimate = {a.primary_estimate().value!r}" in out.stdout
    assert "(the same)" in out.stdout and "Random common cause" in out.stdout
