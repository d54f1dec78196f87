"""The HTML report: self-contained, offline, every name escaped, a failed test stated first."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest

import causal_core as cc
from causal_core.analysis import Analysis, AnalysisError, run_analysis
from causal_core.datasets import load_example
from causal_core.report import conclusion, missing_arrows, to_html
from causal_core.report_svg import dag_svg

PAYLOADS = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>",
            '"><svg onload=alert(1)>']
HOSTILE_CODE = '"); import os; os.system("echo pwned") #'


class _Links(HTMLParser):
    """Every src/href attribute value, every tag name, and the text inside <svg><text>."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.svg_texts: list[str] = []
        self._in_svg = 0
        self._in_text = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.lower() in {"src", "href", "xlink:href", "action", "srcset", "poster", "data"}:
                self.urls.append((tag, name, value or ""))
        if tag == "svg":
            self._in_svg += 1
        if tag == "text" and self._in_svg:
            self._in_text = True
            self.svg_texts.append("")

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg -= 1
        if tag == "text":
            self._in_text = False

    def handle_data(self, data):
        if self._in_text:
            self.svg_texts[-1] += data


def _parse(doc: str) -> _Links:
    p = _Links()
    p.feed(doc)
    p.close()
    return p


@pytest.fixture(scope="module")
def marketing() -> Analysis:
    ex = load_example("marketing")
    return run_analysis(ex.data, "marketing.csv", ex.graph, example="marketing", n_simulations=30,
                        reference={"value": 2.0, "label": "true effect", "is_truth": True})


@pytest.fixture(scope="module")
def report(marketing) -> str:
    return to_html(marketing)


@pytest.fixture(scope="module")
def hostile() -> tuple[Analysis, str]:
    ex = load_example("marketing")
    names = dict(zip(["seasonality", "competitor_action", "marketing_spend", "revenue"],
                     [PAYLOADS[0], PAYLOADS[2], PAYLOADS[1], HOSTILE_CODE], strict=True))
    df = ex.data.rename(columns=names)
    g = cc.CausalGraph(edges=[(names[a], names[b]) for a, b in ex.graph.edges]).with_roles(
        exposure=names["marketing_spend"], outcome=names["revenue"])
    a = run_analysis(df, "<b>mine</b>.csv", g, n_simulations=20,
                     title='<script>alert("title")</script>')
    return a, to_html(a)


def test_no_external_url_in_any_src_or_href(report):
    links = _parse(report)
    for tag, attr, value in links.urls:
        v = value.strip().lower()
        assert not v.startswith(("http:", "https:", "//", "ftp:")), (tag, attr, value)
        assert v.startswith(("#", "data:", "blob:")) or v == "", (tag, attr, value)
    # the only scripts are inline: none has a src
    assert not any(t == "script" for t, a, _ in links.urls)
    assert "<link" not in report.split("<script", 1)[0]  # no stylesheet or font fetched


def test_no_url_in_css_or_svg_outside_the_plotly_bundle(report):
    head_css = re.search(r"<style>(.*?)</style>", report, re.S).group(1)
    assert "url(" not in head_css and "@import" not in head_css
    body = report.split("<body>", 1)[1]
    svg = re.search(r'<svg class="dag".*?</svg>', body, re.S).group(0)
    assert "http" not in svg and "href" not in svg


def test_plotly_is_embedded_exactly_once(report):
    import plotly.offline

    js = plotly.offline.get_plotlyjs()
    assert report.count(js[:2000]) == 1
    assert report.count("Plotly.newPlot") >= 9  # forest, 7 checks, sensitivity
    assert 'include_plotlyjs' not in report and "cdn.plot.ly" not in report.replace(js, "")


def test_report_sections(report):
    for words in ["Conclusion", "The question", "The data", "The causal model",
                  "Assumptions in words", "Identification", "Estimates", "Checks",
                  "Sensitivity to a hidden confounder", "Reproduce", "Robustness value",
                  "marketing.csv", "2,000 rows"]:
        assert words in report, words
    assert html.escape(r"\sum_{\text{competitor\_action}, \text{seasonality}}") in report
    assert "<b>seasonality</b> and <b>competitor_action</b>: neither causes" in report
    # the estimand as MathML (offline, no script), its LaTeX source kept behind a summary
    math = re.search(r'<math display="block".*?</math>', report, re.S).group(0)
    assert "<munder><mo>∑</mo>" in math and "<mtext>seasonality</mtext>" in math
    assert "<mi>do</mi>" in math and "\\sum" not in math


def test_every_payload_appears_escaped_never_raw(hostile):
    _, doc = hostile
    for p in PAYLOADS + [HOSTILE_CODE]:
        assert p not in doc, p
        assert html.escape(p) in doc, p
    assert "<b>mine</b>" not in doc and html.escape("<b>mine</b>") in doc
    assert '<script>alert("title")</script>' not in doc
    tags = set(_parse(doc).tags)
    assert "img" not in tags
    assert _parse(doc).urls == []  # no payload became an attribute either
    scripts = re.findall(r"<script\b", doc)
    assert len(scripts) == 2 + 9  # config, bundle, one per figure (forest, 7 checks, contour)


def test_payloads_inside_plotly_figures_stay_json(hostile):
    _, doc = hostile
    for fig_script in re.findall(r'<script type="text/javascript">\s*window\.PLOTLYENV.*?</script>',
                                 doc, re.S):
        assert "alert(1)</script>" not in fig_script


def test_dag_svg_has_one_text_per_node(marketing, hostile):
    for a in (marketing, hostile[0]):
        g = a.causal_graph()
        svg = dag_svg(g, a.identification["node_roles"])
        texts = _parse(svg).svg_texts
        assert len(texts) == len(g.nodes)
        assert svg.count("<text") == len(g.nodes)
        assert svg.count('class="edge"') == len(g.edges)


def test_dag_svg_draws_latent_and_bidirected_and_layers_without_positions():
    g = cc.CausalGraph.parse("dag { x [exposure]; y [outcome]; u [latent]; u -> x; u -> y; "
                             "x -> m -> y; a <-> y }")
    svg = dag_svg(g, {})
    assert svg.count("<text") == 5 and 'class="bidirected"' in svg
    assert 'stroke-dasharray="4,3"' in svg  # the latent node


def test_long_names_are_shortened_in_the_box_but_complete_in_the_title():
    name = "a_very_long_column_name_that_goes_on_and_on"
    svg = dag_svg(cc.CausalGraph(edges=[(name, "y")]), {})
    assert f"<title>{name} (irrelevant)</title>" in svg
    assert "…</text>" in svg


def test_assumptions_list_every_missing_arrow_capped():
    g = cc.CausalGraph(nodes=[f"v{i}" for i in range(12)], edges=[("v0", "v1")])
    assert len(missing_arrows(g)) == 66 - 1
    a = Analysis.from_dict({**json.loads(_tiny().to_json()), "graph": g.with_roles(
        exposure="v0", outcome="v1").to_json()})
    doc = to_html(a)
    assert "65 pairs of observed variables are claimed unconnected" in doc
    assert "… and 25 more pairs." in doc


def _tiny() -> Analysis:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"v{i}": rng.normal(size=200) for i in range(12)})
    g = cc.CausalGraph(nodes=list(df.columns), edges=[("v0", "v1")]).with_roles(exposure="v0",
                                                                               outcome="v1")
    return run_analysis(df, "tiny.csv", g, refuters=[], compare=())


def test_conclusion_puts_a_failed_falsification_test_first(marketing):
    d = json.loads(marketing.to_json())
    d["refutations"]["placebo_treatment"].update(passed=False, p_value=0.01, verdict="failed",
                                                 next_step="Check the estimator.")
    failed = Analysis.from_dict(d)
    headline, sentences = conclusion(failed)
    assert headline == "Not supported as it stands"
    assert sentences[0].startswith("Placebo treatment failed (p = 0.01 < 0.05): the data reject "
                                   "its null hypothesis, that with the treatment shuffled")
    assert sentences[0].endswith("Next: Check the estimator.")
    doc = to_html(failed)
    verdict = re.search(r'<section class="verdict bad".*?</section>', doc, re.S).group(0)
    first = re.search(r"<p>(.*?)</p>", verdict).group(1)
    assert first.startswith("Placebo treatment failed")
    # in the checks section, the failed card comes first, and names what to do next
    cards = re.findall(r'<div class="card( failed)?"><h3>(.*?) <span', doc)
    assert cards[0] == (" failed", "Placebo treatment")
    assert "<b>Next:</b> Check the estimator." in doc


def test_a_stability_or_sensitivity_result_cannot_be_made_to_fail(marketing):
    d = json.loads(marketing.to_json())
    d["refutations"]["data_subset"]["p_value"] = 0.01  # stability has no p-value
    with pytest.raises(AnalysisError, match="no p-value"):
        Analysis.from_dict(d).refutation_objects()
    d = json.loads(marketing.to_json())
    d["refutations"]["unobserved_common_cause"]["passed"] = False  # never pass/fail
    with pytest.raises(AnalysisError, match="contradicts"):
        Analysis.from_dict(d).refutation_objects()


def test_conclusion_strength_follows_the_checks(marketing):
    headline, sentences = conclusion(marketing)
    assert headline == "Supported, if the graph is right"
    assert sentences[0].startswith("Raising marketing_spend by one unit raises revenue")
    assert any(s.startswith("The estimate is stable: ") for s in sentences)
    assert any(s.startswith("The data do not contradict the graph") for s in sentences)
    assert any(s.startswith("No test can rule out an unmeasured confounder; ") for s in sentences)
    d = json.loads(marketing.to_json())
    d["refutations"] = {}
    d["refutation_runs"] = {}
    d["sensitivity"] = None
    headline, sentences = conclusion(Analysis.from_dict(d))
    assert headline == "Tentative: not yet challenged"
    assert any("has not been challenged" in s for s in sentences)
    d["estimates"][d["estimator"]]["ci_low"] = -1.0
    headline, _ = conclusion(Analysis.from_dict(d))
    assert headline.startswith("Weak")


def test_whatif_answers_are_rendered_escaped(marketing):
    d = json.loads(marketing.to_json())
    d["whatif"] = [{"question": "Doing: <i>x</i>?", "answer": "It changes by +2",
                    "result": {"effects": [{"node": "<b>y</b>", "mean_t1": 1.0, "mean_t0": 0.5,
                                            "effect": 0.5, "se": 0.0, "ci_low": 0.5,
                                            "ci_high": 0.5}], "notes": ["<u>note</u>"]}}]
    doc = to_html(Analysis.from_dict(d))
    assert "What if" in doc and "&lt;i&gt;x&lt;/i&gt;" in doc and "&lt;b&gt;y&lt;/b&gt;" in doc
    assert "<u>note</u>" not in doc


def test_whatif_curves_become_one_plot(marketing):
    d = json.loads(marketing.to_json())
    d["whatif"] = [{"question": "Seeing?", "answer": "a", "result": {
                        "kind": "seeing", "effect": 4.0, "x": [0, 1], "mean_outcome": [0, 4]}},
                   {"question": "Doing?", "answer": "b", "result": {
                       "kind": "doing", "effect": 2.0, "x": [0, 1], "mean_outcome": [0, 2]}},
                   {"question": "Broken?", "result": {"x": ["<b>"], "mean_outcome": "no"}}]
    doc = to_html(Analysis.from_dict(d))
    assert "Seeing versus doing" in doc and doc.count("Plotly.newPlot") == 10
