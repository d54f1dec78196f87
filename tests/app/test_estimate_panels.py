"""AppTest: the classic example opens by link, with matching as the default, targets asked as
questions, and the propensity diagnostics beside the estimate card."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[2]


def _open(example: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["example"] = example
    at.run()
    at.switch_page("app_pages/estimate.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_classic_example_opens_on_matching_with_overlap_and_balance_beside_the_card():
    at = _open("marketing_classic")
    est = next(s for s in at.selectbox if s.label == "Estimator")
    assert est.value == "propensity_matching"
    question = next(s for s in at.selectbox if s.label == "Question")
    assert question.value == "ate" and "everyone" in question.format_func("ate")
    assert "those who were treated" in question.format_func("att")
    assert [t.label for t in at.tabs][:2] == ["Overlap", "Balance (Love plot)"]
    labels = [n.label for n in at.number_input]
    assert "Matches per unit" in labels and "n_neighbors" not in labels
    assert any(s.label == "Confidence interval" for s in at.selectbox)
    verdicts = [m.value for m in at.success] + [m.value for m in at.warning]
    assert any("After adjustment" in v and "covariates" in v for v in verdicts), verdicts


def test_programme_evaluation_defaults_to_the_effect_on_the_treated():
    at = _open("lalonde_experimental")
    question = next(s for s in at.selectbox if s.label == "Question")
    assert question.value == "att"
