"""Parameter metadata for people: every declared label, choice and limit fits the estimator."""

from __future__ import annotations

import pytest

import causal_core as cc

INFOS = cc.list_estimators()


@pytest.mark.parametrize("info", INFOS, ids=[i.name for i in INFOS])
def test_metadata_matches_the_parameters_and_their_defaults(info):
    assert set(info.param_info) <= set(info.params), info.name
    for name, meta in info.param_info.items():
        default = info.params[name]
        assert meta.label and meta.label != name
        if meta.choices is not None:
            assert default in meta.choices, (info.name, name)
        if default is None:
            assert meta.optional or meta.choices is not None, (info.name, name)
        elif meta.minimum is not None and not isinstance(default, bool):
            assert meta.minimum <= default <= meta.maximum, (info.name, name)
    assert info.to_dict()["param_info"].keys() == info.param_info.keys()


def test_the_propensity_methods_explain_every_number_a_person_sets():
    by = {i.name: i for i in INFOS}
    for name in ("propensity_matching", "propensity_stratification", "ipw", "aipw"):
        numeric = [k for k, v in by[name].params.items()
                   if isinstance(v, int | float) and not isinstance(v, bool)]
        assert set(numeric) <= set(by[name].param_info), name
    assert by["propensity_matching"].param_info["n_neighbors"].label == "Matches per unit"


def test_every_declared_choice_is_accepted_by_the_estimator():
    ex = __import__("causal_core.datasets", fromlist=["load_example"]).load_example(
        "marketing_classic", n=400)
    ident = cc.identify(ex.graph)
    for info in INFOS:
        for name, meta in info.param_info.items():
            for value in (meta.choices or {}):
                if "backdoor" in info.estimands and "binary" in info.treatment_types:
                    cc.estimate(ex.data, ident, method=info.name, **{name: value})
