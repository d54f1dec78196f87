"""One contract test over every registered estimator (DESIGN.md §3)."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from causal_core.estimators import estimate, get_estimator_class, list_estimators
from causal_core.exceptions import CausalCoreError, DataError, EstimationError

from .conftest_estimation import SYNTH_EFFECT, synthetic, synthetic_ident

NAMES = [e.name for e in list_estimators()]
DATA = synthetic()
IDENT = synthetic_ident()
ADJUSTS = {"naive": False}


def _run(data: pd.DataFrame, name: str, **kw):
    return estimate(data, IDENT, method=name, random_state=kw.pop("random_state", 5), **kw)


def test_registry_is_complete():
    assert NAMES == [
        "naive", "linear_regression", "propensity_matching", "propensity_stratification",
        "ipw", "aipw", "iv_wald", "iv_2sls", "frontdoor",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_contract(name):
    cls = get_estimator_class(name)
    info = next(e for e in list_estimators() if e.name == name)
    # scikit-learn rules: keyword-only, store-only __init__, get_params round trip
    sig = inspect.signature(cls.__init__)
    assert all(p.kind is p.KEYWORD_ONLY for p in list(sig.parameters.values())[1:])
    est_obj = cls()
    assert cls(**est_obj.get_params()).get_params() == est_obj.get_params() == info.params
    assert info.label and info.description and info.targets and info.treatment_types

    snapshot = DATA.copy(deep=True)
    est = _run(DATA, name)
    # does not mutate its input
    pd.testing.assert_frame_equal(DATA, snapshot)
    # recovers the known effect within its CI (the naive baseline is confounded on purpose)
    if ADJUSTS.get(name, True):
        assert est.ci_low <= SYNTH_EFFECT <= est.ci_high, (est.value, est.ci_low, est.ci_high)
    else:
        assert not est.ci_low <= SYNTH_EFFECT <= est.ci_high
    assert np.isfinite([est.value, est.se, est.ci_low, est.ci_high]).all()
    assert est.ci_low <= est.value <= est.ci_high
    assert est.method == name and est.n_used == len(DATA)
    # same answer with columns reordered
    rev = _run(DATA[DATA.columns[::-1]], name)
    assert rev.value == pytest.approx(est.value, rel=1e-9, abs=1e-12)
    assert rev.se == pytest.approx(est.se, rel=1e-7)
    # same seed -> same answer
    again = _run(DATA, name)
    assert (again.value, again.ci_low, again.ci_high) == (est.value, est.ci_low, est.ci_high)
    # the estimator object works as the method, and summary/to_dict are well formed
    via_obj = estimate(DATA, IDENT, method=cls(), random_state=5)
    assert via_obj.value == est.value
    table = est.summary()
    assert list(table.columns[:4]) == ["estimate", "se", "ci lower 95%", "ci upper 95%"]
    assert est.to_dict()["method"] == name


@pytest.mark.parametrize("name", NAMES)
def test_contract_bad_input(name):
    with pytest.raises(DataError) as err:
        _run(DATA.drop(columns=["T"]), name)
    assert "'T'" in str(err.value) and "columns are" in str(err.value)
    holed = DATA.copy()
    holed.loc[0, "Y"] = np.nan
    with pytest.raises(DataError, match="dropna"):
        _run(holed, name)
    with pytest.raises(EstimationError, match="no parameter"):
        _run(DATA, name, not_a_param=1)
    with pytest.raises(CausalCoreError):
        _run(DATA, name, target="everyone")
    text = DATA.assign(Y=DATA["Y"].astype(str) + "$")
    with pytest.raises(DataError, match="outcome column 'Y' must be numeric"):
        _run(text, name)


@pytest.mark.parametrize("name", NAMES)
def test_contract_treatment_types(name):
    info = next(e for e in list_estimators() if e.name == name)
    cont = synthetic(continuous=True)
    if "continuous" in info.treatment_types:
        est = _run(cont, name)
        if name != "naive":
            assert est.ci_low <= SYNTH_EFFECT <= est.ci_high, (est.value, est.ci_low)
    else:
        with pytest.raises(EstimationError) as err:
            _run(cont, name)
        assert "continuous" in str(err.value) and "linear_regression" in str(err.value)
    # bool and 0/1 treatments give the same answer
    as_bool = DATA.assign(T=DATA["T"].astype(bool))
    assert _run(as_bool, name).value == pytest.approx(_run(DATA, name).value, rel=1e-9)
