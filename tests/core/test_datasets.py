"""causal_core.datasets: every example loads, matches its graph, and its stated truth is true.

Effect checks use plain numpy least squares (never the project's estimators). Tolerances are
four standard errors computed from the same regression: with the example's n rows the
standard error shrinks like 1/sqrt(n), and 4 SE makes a false failure a 1-in-15,000 event for
an unbiased estimate (the data are seeded anyway, so each check is deterministic). Each check
also asserts that 4 SE is small next to the effect, so that a wrong truth could not pass.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from causal_core.datasets import DEFAULT_EXAMPLE, Example, ExampleInfo, list_examples, load_example
from causal_core.exceptions import DataError

NAMES = [e.name for e in list_examples()]
REQUIRED = ["marketing", "marketing_binary", "hospital", "lalonde_experimental", "lalonde_cps",
            "kidney_stones", "collider_trap", "instrument", "frontdoor"]


def ols(df: pd.DataFrame, outcome: str, regressors: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (intercept first) and their classical standard errors."""
    x = np.column_stack([np.ones(len(df))] + [df[c].to_numpy(dtype=float) for c in regressors])
    y = df[outcome].to_numpy(dtype=float)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = resid @ resid / (len(y) - x.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    return beta, se


def test_registry_lists_the_required_examples_default_first():
    assert set(REQUIRED) <= set(NAMES)
    assert NAMES[0] == DEFAULT_EXAMPLE == "marketing"
    for info in list_examples():
        assert isinstance(info, ExampleInfo)
        assert 2 <= len(re.findall(r"[.?!](?:\s|$)", info.story)) <= 4, info.story
        assert info.teaching_point and info.title
        assert info.n_rows > 0 and info.tags


@pytest.mark.parametrize("name", NAMES)
def test_example_matches_its_graph(name):
    ex = load_example(name)
    assert isinstance(ex, Example) and len(ex.data) == ex.info.n_rows
    g = ex.graph
    observed = [n for n in g.nodes if g.is_observed(n)]
    assert set(observed) == set(ex.data.columns)
    assert not set(g.latent) & set(ex.data.columns)
    assert g.exposures == (ex.info.treatment,) and g.outcomes == (ex.info.outcome,)
    assert ex.data.notna().all().all()
    assert ex.equations
    if ex.info.true_effect is not None:
        assert ex.info.reference_effect == ex.info.true_effect
        assert ex.truth["ATE"] == pytest.approx(ex.info.true_effect, abs=1e-6)
    if ex.adjustment_set is not None:
        assert set(ex.adjustment_set) <= set(ex.data.columns)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_and_no_global_randomness(name):
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking the legacy global is untouched)
    a, b = load_example(name, random_state=7), load_example(name, random_state=7)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert (np.random.get_state()[1] == state).all()  # noqa: NPY002
    if "synthetic" in a.info.tags:
        assert not load_example(name, random_state=8).data.equals(a.data)


def test_latent_variables_are_not_in_the_data():
    assert load_example("instrument").graph.latent == ("motivation",)
    assert "motivation" not in load_example("instrument").data
    assert load_example("frontdoor").graph.latent == ("genotype",)
    assert "genotype" not in load_example("frontdoor").data


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(DataError, match=r"no example named 'nope'. Valid names: marketing, "):
        load_example("nope")


def test_n_rows_and_its_limits():
    assert len(load_example("marketing", n=123).data) == 123
    sub = load_example("lalonde_cps", n=500, random_state=3)
    assert len(sub.data) == 500 and sub.info.n_rows == 500
    with pytest.raises(DataError, match=r"ships 445 rows; n=1,000 is more"):
        load_example("lalonde_experimental", n=1000)
    with pytest.raises(DataError, match=r"at least 20"):
        load_example("marketing", n=5)


def test_example_is_frozen():
    ex = load_example("marketing", n=50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.data = ex.data  # type: ignore[misc]


# ----------------------------------------------------------------------------------- truths
@pytest.mark.parametrize("name", ["marketing", "marketing_binary", "collider_trap"])
def test_backdoor_adjustment_recovers_the_linear_truth(name):
    ex = load_example(name)
    beta, se = ols(ex.data, ex.info.outcome, [ex.info.treatment, *ex.adjustment_set])
    truth = ex.info.true_effect
    assert 4 * se[1] < 0.25 * abs(truth)
    assert abs(beta[1] - truth) < 4 * se[1], (beta[1], truth, se[1])


@pytest.mark.parametrize("name", ["marketing", "marketing_binary"])
def test_marketing_naive_association_is_visibly_wrong(name):
    ex = load_example(name)
    naive, _ = ols(ex.data, ex.info.outcome, [ex.info.treatment])
    assert abs(naive[1] - ex.info.true_effect) > 0.3 * ex.info.true_effect
    assert 1.6 < naive[1] / ex.info.true_effect < 2.6  # "about twice the truth"


def test_collider_adjustment_is_the_trap():
    ex = load_example("collider_trap")
    trapped, _ = ols(ex.data, "productivity", ["training_hours", "experience", "bonus"])
    assert abs(trapped[1] - 0.5) > 0.3 * 0.5


def test_instrument_recovers_the_truth_naive_does_not():
    ex = load_example("instrument")
    z, x, y = (ex.data[c].to_numpy(float) for c in ("reminder", "app_usage", "spending"))
    iv = np.cov(z, y)[0, 1] / np.cov(z, x)[0, 1]
    resid = (y - y.mean()) - iv * (x - x.mean())
    se = resid.std() * z.std() / (np.sqrt(len(z)) * abs(np.cov(z, x)[0, 1]))
    assert 4 * se < 0.25 * 3.0 and abs(iv - 3.0) < 4 * se, (iv, se)
    naive, _ = ols(ex.data, "spending", ["app_usage"])
    assert naive[1] - 3.0 > 1.0


def test_frontdoor_recovers_the_truth():
    ex = load_example("frontdoor")
    a, se_a = ols(ex.data, "tar", ["smoking"])
    b, se_b = ols(ex.data, "lung_damage", ["tar", "smoking"])
    effect = a[1] * b[1]
    se = np.sqrt((b[1] * se_a[1]) ** 2 + (a[1] * se_b[1]) ** 2)  # delta method
    assert 4 * se < 0.25 and abs(effect - 1.0) < 4 * se, (effect, se)
    naive, _ = ols(ex.data, "lung_damage", ["smoking"])
    assert naive[1] > 1.5


def test_hospital_three_rungs():
    ex = load_example("hospital")
    d = ex.data
    called = d.followup_call == 1
    naive = d.loc[called, "readmission_risk"].mean() - d.loc[~called, "readmission_risk"].mean()
    assert naive > 0.03  # rung 1: calls go with a HIGHER readmission risk
    for transport, truth in ((1, -0.06), (0, 0.0)):
        beta, se = ols(d[d.has_transport == transport], "readmission_risk", ["followup_call", "age"])
        assert 4 * se[1] < 0.06 and abs(beta[1] - truth) < 4 * se[1], (transport, beta[1], se[1])
    d = d.assign(call_x_transport=d.followup_call * d.has_transport)
    beta, se = ols(d, "readmission_risk", ["followup_call", "call_x_transport", "age", "has_transport"])
    ate = beta[1] + beta[2] * d.has_transport.mean()
    assert abs(ate - ex.info.true_effect) < 4 * se[2]
    assert ex.truth["effect | has_transport=0"] == 0.0 and ex.truth["effect | has_transport=1"] == -0.06
    assert d.readmission_risk.between(0, 0.49).all()  # a risk: no clipping needed, truth exact
    # age is symmetric around 65, where P(transport) = 1/2, so P(transport) = 1/2 exactly
    assert ex.info.true_effect == pytest.approx(-0.03, abs=1e-9)


def test_kidney_stones_simpsons_paradox():
    ex = load_example("kidney_stones")
    d = ex.data
    assert len(d) == 700 and int(d.success.sum()) == 273 + 289
    rate = d.groupby(["large_stone", "open_surgery"])["success"].mean()
    share = d["large_stone"].value_counts(normalize=True)
    adjusted = sum(share[s] * (rate[(s, 1)] - rate[(s, 0)]) for s in (0, 1))
    assert adjusted == pytest.approx(ex.info.true_effect, abs=1e-6) and adjusted > 0.05
    naive = d.loc[d.open_surgery == 1, "success"].mean() - d.loc[d.open_surgery == 0, "success"].mean()
    assert naive == pytest.approx(273 / 350 - 289 / 350) and naive < 0


def test_lalonde_experimental_benchmark():
    ex = load_example("lalonde_experimental")
    d = ex.data
    diff = d.loc[d.treat == 1, "re78"].mean() - d.loc[d.treat == 0, "re78"].mean()
    assert diff == pytest.approx(1794.34, abs=0.01)
    assert ex.info.true_effect is None and ex.info.reference_effect == 1794.34
    assert (d.treat == 1).sum() == 185 and len(d) == 445
    assert ex.graph.parents("treat") == ()  # randomised: no arrows into the treatment


def test_lalonde_cps_is_confounded():
    ex = load_example("lalonde_cps")
    d = ex.data
    assert len(d) == 16_177 and (d.treat == 1).sum() == 185
    naive = d.loc[d.treat == 1, "re78"].mean() - d.loc[d.treat == 0, "re78"].mean()
    assert naive == pytest.approx(-8497.516, abs=0.01)
    assert set(ex.graph.parents("treat")) == set(ex.adjustment_set)
