"""Results show themselves briefly in a notebook: one line for print(), an escaped HTML table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causal_core as cc

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(0)
    n = 400
    z = rng.normal(size=n)
    t = (z + rng.normal(size=n) > 0).astype(int)
    df = pd.DataFrame({EVIL: z, "t": t, "y": 2.0 * t + z + rng.normal(size=n)})
    g = cc.CausalGraph(edges=[(EVIL, "t"), (EVIL, "y"), ("t", "y")]).with_roles(exposure="t", outcome="y")
    ident = cc.identify(g)
    est = cc.estimate(df, ident, method="linear_regression")
    ref = cc.refute(df, ident, est, method="placebo_treatment", n_simulations=30, random_state=0)
    plan = cc.AnalysisPlan.for_data(df, "evil.csv", g)
    return ident, est, ref, plan


def test_print_is_one_short_line_with_the_numbers(results):
    ident, est, ref, plan = results
    for obj in (ident, est, ref, plan):
        text = repr(obj)
        assert "\n" not in text and len(text) < 260, text
        assert "array" not in text and "diagnostics" not in text
    assert f"{est.value:.4g}" in repr(est) and "linear_regression" in repr(est)
    assert ref.verdict in repr(ref) and "30 simulations" in repr(ref)
    assert "backdoor" in repr(ident)


def test_html_tables_escape_user_names(results):
    for obj in results:
        page = obj._repr_html_()
        assert "<table" in page and "<img" not in page


def test_summaries_are_tidy_tables(results):
    ident, est, ref, plan = results
    s = ident.summary()
    assert list(s.columns) == ["strategy", "set", "chosen"] and s["chosen"].sum() == 1
    assert s.loc[s["chosen"], "set"].iloc[0] == EVIL
    p = plan.summary()
    assert p.loc["estimator", "value"] == "linear_regression" and p.loc["target", "value"] == "ATE"
