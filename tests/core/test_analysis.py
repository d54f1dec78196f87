"""Analysis: save → load round-trips exactly; foreign, damaged, older and newer files fail clearly."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest

import causal_core as cc
from causal_core.analysis import FORMAT, SCHEMA_VERSION, Analysis, AnalysisError, run_analysis
from causal_core.datasets import load_example


@pytest.fixture(scope="module")
def marketing() -> Analysis:
    ex = load_example("marketing")
    return run_analysis(ex.data, "marketing.csv", ex.graph, example="marketing", n_simulations=40,
                        reference={"value": 2.0, "label": "true effect", "is_truth": True})


@pytest.fixture(scope="module")
def binary_ipw() -> Analysis:
    ex = load_example("marketing_binary")
    return run_analysis(ex.data, "binary.csv", ex.graph, estimator="ipw",
                        refuters=["placebo_treatment", "unobserved_common_cause"], n_simulations=20)


def test_round_trip_is_equal(marketing):
    text = marketing.to_json()
    back = Analysis.from_json(text)
    assert back == marketing
    assert back.to_json() == text
    assert Analysis.from_json(text.encode("utf-8")) == marketing


def test_round_trip_keeps_every_result(marketing):
    back = Analysis.from_json(marketing.to_json())
    assert set(back.refutations) == {"graph_implications", "placebo_treatment",
                                     "random_common_cause", "data_subset",
                                     "bootstrap", "dummy_outcome", "unobserved_common_cause"}
    assert back.sensitivity is not None and back.reference["value"] == 2.0
    refs = back.refutation_objects()
    assert all(isinstance(r, cc.RefutationResult) for r in refs.values())
    placebo = refs["placebo_treatment"]
    assert placebo.simulated.shape == (40,)
    assert placebo.to_dict() == marketing.refutations["placebo_treatment"]
    assert refs["unobserved_common_cause"].surface is not None
    est = back.primary_estimate()
    assert isinstance(est, cc.EffectEstimate) and est.to_dict() == marketing.estimates[est.method]
    sens = back.sensitivity_object()
    assert sens.to_dict() == marketing.sensitivity and sens.grid_estimate.ndim == 2


def test_round_trip_with_propensity_diagnostics_and_nan(binary_ipw):
    back = Analysis.from_json(binary_ipw.to_json())
    assert back == binary_ipw
    diag = back.primary_estimate().diagnostics["propensity"]
    assert isinstance(diag, cc.PropensityDiagnostics) and diag.balance
    surface = back.refutation_objects()["unobserved_common_cause"].surface
    assert surface.effects.ndim == 2


def test_non_finite_numbers_are_stored_as_null_and_come_back_as_nan(marketing):
    d = json.loads(marketing.to_json())
    d["estimates"]["naive"]["se"] = None
    a = Analysis.from_dict(d)
    assert Analysis.from_json(a.to_json()) == a
    assert math.isnan(a.estimate_objects()["naive"].se)
    assert "NaN" not in a.to_json()


def test_arrays_are_plain_lists(marketing):
    assert isinstance(marketing.refutations["placebo_treatment"]["simulated"], list)
    assert not any(isinstance(v, np.ndarray) for v in marketing.sensitivity.values())


def test_header_fields(marketing):
    d = json.loads(marketing.to_json())
    assert d["format"] == FORMAT and d["schema_version"] == SCHEMA_VERSION
    assert d["data"]["fingerprint"] == cc.fingerprint(load_example("marketing").data)
    assert d["data"]["columns"] == list(load_example("marketing").data.columns)
    assert d["data"]["n_rows"] == 2000


def _doc(a: Analysis, **changes) -> str:
    d = json.loads(a.to_json())
    for k, v in changes.items():
        if v is ...:
            del d[k]
        else:
            d[k] = v
    return json.dumps(d)


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ('{"a": NaN}', "not valid JSON"),
    ("[1, 2, 3]", "JSON object"),
    ('{"nodes": ["a"], "edges": []}', "not a Causal Explorer analysis"),
    ('{"format": "causal-explorer-graph", "schema_version": 1}', "not a Causal Explorer analysis"),
    ("", "not valid JSON"),
    ("[" * 100_000, "nests too deeply"),
])
def test_foreign_or_corrupted_files_raise_analysis_error(text, words):
    with pytest.raises(AnalysisError, match=words):
        Analysis.from_json(text)


def test_not_utf8_raises():
    with pytest.raises(AnalysisError, match="not UTF-8"):
        Analysis.from_json(b"\xff\xfe\x00garbage")


def test_truncated_file_raises(marketing):
    with pytest.raises(AnalysisError, match="not valid JSON"):
        Analysis.from_json(marketing.to_json()[:-200])


def test_newer_schema_says_update(marketing):
    with pytest.raises(AnalysisError, match="newer Causal Explorer .*schema version 99.*Update"):
        Analysis.from_json(_doc(marketing, schema_version=99))


def test_older_schema_says_resave(marketing):
    with pytest.raises(AnalysisError, match="older Causal Explorer .*schema version 0"):
        Analysis.from_json(_doc(marketing, schema_version=0))


@pytest.mark.parametrize("field, value, words", [
    ("treatment", 42, "'treatment' must be text; found a number"),
    ("schema_version", "1", "'schema_version' must be a whole number"),
    ("adjustment_set", "ab", "'adjustment_set' must be a list of text"),
    ("estimates", [], "'estimates' must be an object"),
    ("random_state", 1.5, "'random_state' must be a whole number"),
    ("graph", "dag { a -> }", "graph cannot be read"),
    ("treatment", "nobody", "not a node of its graph"),
    ("estimator", "aipw", "main estimator 'aipw' has no estimate"),
    ("outcome", ..., "no 'outcome' field"),
    ("whatif", "yes", "'whatif' must be a list of objects"),
])
def test_wrong_types_raise_clear_errors(marketing, field, value, words):
    with pytest.raises(AnalysisError, match=words):
        Analysis.from_json(_doc(marketing, **{field: value}))


def test_damaged_result_names_the_result(marketing):
    d = json.loads(marketing.to_json())
    d["refutations"]["placebo_treatment"]["p_value"] = "high"
    with pytest.raises(AnalysisError, match="'refutations.placebo_treatment' cannot be read"):
        Analysis.from_dict(d)
    d = json.loads(marketing.to_json())
    d["estimates"]["naive"]["surprise"] = 1
    with pytest.raises(AnalysisError, match="'estimates.naive' cannot be read"):
        Analysis.from_dict(d)


def test_error_is_a_causal_core_error():
    assert issubclass(AnalysisError, cc.CausalCoreError)


def test_a_pickle_is_refused_not_unpickled(marketing, tmp_path):
    flag = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (flag.write_text, ("pwned",))

    with pytest.raises(AnalysisError):
        Analysis.from_json(pickle.dumps(Boom()))
    with pytest.raises(AnalysisError):
        Analysis.from_json(pickle.dumps(marketing.to_dict()))
    assert not flag.exists()


def test_module_never_uses_pickle_or_eval():
    import inspect

    import causal_core.analysis as a
    import causal_core.analysis_restore as r

    for mod in (a, r):
        src = inspect.getsource(mod)
        assert "import pickle" not in src and "eval(" not in src and "exec(" not in src


def test_analysis_graph_treats_missing_columns_as_latent():
    ex = load_example("marketing")
    g = cc.CausalGraph.parse(ex.graph.to_dagitty().replace("}", "u -> revenue\nu -> seasonality\n}"))
    a = run_analysis(ex.data, "m.csv", g, refuters=[], compare=())
    assert a.analysis_graph().latent == ("u",)
    assert a.causal_graph() == g
