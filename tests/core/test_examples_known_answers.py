"""Every synthetic worked example is answered by its natural estimator: workshops rely on it.

The natural estimator follows the estimand: back-door with a binary treatment → AIPW (the
average effect even when it differs between units, as in the hospital story), with a
continuous treatment → linear regression; instrument → 2SLS; front-door → the two-stage
front-door estimator. The 95% interval must cover the example's true effect.
"""

from __future__ import annotations

import pytest

import causal_core as cc
from causal_core.datasets import list_examples, load_example

SYNTHETIC = [e.name for e in list_examples() if e.true_effect is not None]
CONFOUNDED = [e.name for e in list_examples() if e.true_effect is not None and "confounding" in e.tags]


def natural_method(ident: cc.Identification, treatment_is_binary: bool) -> str:
    kind = ident.estimand.kind
    if kind == "iv":
        return "iv_2sls"
    if kind == "frontdoor":
        return "frontdoor"
    return "aipw" if treatment_is_binary else "linear_regression"


def test_there_are_synthetic_examples():
    assert len(SYNTHETIC) >= 6 and len(CONFOUNDED) >= 3


@pytest.mark.parametrize("name", SYNTHETIC)
def test_natural_estimator_covers_the_true_effect(name):
    ex = load_example(name)
    ident = cc.identify(ex.graph)
    assert ident.estimand is not None
    binary = ex.data[ex.info.treatment].nunique() == 2
    est = cc.estimate(ex.data, ident, method=natural_method(ident, binary))
    assert est.ci_low <= ex.info.true_effect <= est.ci_high, (est.value, est.ci_low, est.ci_high)


@pytest.mark.parametrize("name", CONFOUNDED)
def test_naive_association_is_visibly_wrong_where_the_story_says_so(name):
    ex = load_example(name)
    naive = cc.estimate(ex.data, cc.identify(ex.graph), method="naive")
    assert not naive.ci_low <= ex.info.true_effect <= naive.ci_high
