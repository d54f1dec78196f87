"""The HTML report in headless Chromium: opened from file://, it renders and fetches nothing.

Uses the ``browser`` fixture of conftest.py (Debian's chromium with --no-sandbox --disable-gpu
--disable-background-networking); no Streamlit server is needed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import causal_core as cc
from causal_core.analysis import run_analysis
from causal_core.datasets import load_example
from causal_core.report import to_html

ROOT = Path(__file__).parents[2]
# The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1), so that a test
# run never changes the working tree; otherwise they go to a temporary folder.
SHOTS = (ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS")
         else Path(tempfile.mkdtemp(prefix="ce-shots-")))
SCREENSHOT = SHOTS / "report.png"
SCREENSHOT_PLOTS = SHOTS / "report-estimates.png"
LOCAL = ("file:", "data:", "blob:", "about:")


def _open(browser, path: Path, viewport=(1280, 1700)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    seen = {"requests": [], "dialogs": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    # anything that tries to leave the file is refused (and recorded above)
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL)
               else route.abort())
    page.goto(path.as_uri())
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2",
                           timeout=30_000)
    page.wait_for_timeout(500)
    return context, page, seen


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory) -> Path:
    ex = load_example("marketing")
    a = run_analysis(ex.data, "marketing.csv", ex.graph, example="marketing",
                     reference={"value": ex.info.true_effect, "label": "true effect",
                                "is_truth": True})
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(to_html(a), encoding="utf-8")
    return path


def test_report_renders_offline_and_requests_nothing(browser, seed_report):
    context, page, seen = _open(browser, seed_report)
    try:
        plots = page.locator(".js-plotly-plot").count()
        assert plots >= 2, plots
        assert plots == 9  # forest plot, seven checks, sensitivity contour
        assert page.locator("svg.dag g.node").count() == 4
        assert page.locator("svg.dag text").count() == 4
        assert page.locator("#conclusion h2").inner_text().startswith("Conclusion: Supported")
        outside = [u for u in seen["requests"] if not u.startswith(LOCAL)]
        assert outside == [], outside
        assert seen["errors"] == [] and seen["dialogs"] == []
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)
        assert SCREENSHOT.stat().st_size > 50_000
        top = page.locator("h2", has_text="Estimates").bounding_box()["y"]
        page.screenshot(path=str(SCREENSHOT_PLOTS), full_page=True,
                        clip={"x": 0, "y": top - 20, "width": 1280, "height": 1500})
        assert SCREENSHOT_PLOTS.stat().st_size > 50_000
    finally:
        context.close()


def test_hostile_names_run_no_script_in_the_browser(browser, tmp_path):
    ex = load_example("marketing")
    names = {"seasonality": "<img src=x onerror=alert(1)>",
             "competitor_action": '"><svg onload=alert(2)>',
             "marketing_spend": "</script><script>alert(3)</script>", "revenue": "revenue"}
    df = ex.data.rename(columns=names)
    g = cc.CausalGraph(edges=[(names[a], names[b]) for a, b in ex.graph.edges]).with_roles(
        exposure=names["marketing_spend"], outcome="revenue")
    a = run_analysis(df, "<img src=y onerror=alert(4)>.csv", g, n_simulations=20)
    path = tmp_path / "hostile.html"
    path.write_text(to_html(a), encoding="utf-8")
    context, page, seen = _open(browser, path)
    try:
        assert seen["dialogs"] == []
        assert page.locator("img").count() == 0
        assert page.locator("svg.dag text").all_text_contents()[0].startswith("<img")
        assert [u for u in seen["requests"] if not u.startswith(LOCAL)] == []
    finally:
        context.close()


_LABELS_JS = """
() => {
  const out = [];
  const box = (e) => { const r = e.getBoundingClientRect();
                       return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, w: r.width}; };
  document.querySelectorAll('.js-plotly-plot').forEach((plot, i) => {
    const svg = plot.querySelector('.main-svg');
    const frame = box(svg);
    const pick = (sel) => Array.from(plot.querySelectorAll(sel))
        .filter(e => (e.textContent || '').trim() && box(e).w > 0).map(e => ({
            text: e.textContent, ...box(e)}));
    out.push({plot: i, frame, title: pick('.gtitle'),
              xt: pick('.xtick text'), yt: pick('.ytick text'),
              xtitle: pick('.g-xtitle text'), ytitle: pick('.g-ytitle text')});
  });
  return out;
}
"""


def _overlap(a, b, pad=0.5):
    return a["x0"] < b["x1"] - pad and b["x0"] < a["x1"] - pad and \
        a["y0"] < b["y1"] - pad and b["y0"] < a["y1"] - pad


@pytest.fixture(scope="module")
def campaign_report(tmp_path_factory) -> Path:
    ex = load_example("marketing_binary")
    a = run_analysis(ex.data, "campaign.csv", ex.graph, estimator="propensity_matching",
                     n_simulations=50, example="marketing_binary",
                     reference={"value": ex.info.true_effect, "label": "true effect",
                                "is_truth": True})
    path = tmp_path_factory.mktemp("campaign") / "report.html"
    path.write_text(to_html(a), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 1440])
def test_no_plot_label_is_clipped_or_overlapping(browser, campaign_report, width):
    context, page, seen = _open(browser, campaign_report, viewport=(width, 1000))
    try:
        # forest plot + seven checks (matching: no regression sensitivity contour)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length"
                               " >= 8", timeout=30_000)
        page.wait_for_timeout(800)
        plots = page.evaluate(_LABELS_JS)
        assert len(plots) == 8
        problems = []
        for p in plots:
            f = p["frame"]
            labels = p["title"] + p["xt"] + p["yt"] + p["xtitle"] + p["ytitle"]
            assert p["xtitle"] or p["ytitle"], p  # the measurement found the axis titles
            for lab in labels:  # inside the figure: nothing clipped at its edges
                if lab["x0"] < f["x0"] - 1 or lab["x1"] > f["x1"] + 1 or \
                        lab["y0"] < f["y0"] - 1 or lab["y1"] > f["y1"] + 1:
                    problems.append(("clipped", p["plot"], lab["text"],
                                     [round(lab[k]) for k in ("x0", "y0", "x1", "y1")],
                                     [round(f[k]) for k in ("x0", "y0", "x1", "y1")]))
            for title, ticks in ((p["ytitle"], p["yt"]), (p["xtitle"], p["xt"])):
                for t in title:
                    for k in ticks:
                        if _overlap(t, k):
                            problems.append(("overlap", p["plot"], t["text"], k["text"]))
        assert problems == [], problems
        if width == 1280:  # the README's screenshot of the report at 1280 px
            page.set_viewport_size({"width": 1280, "height": 1400})
            page.screenshot(path=str(SHOTS / "report-1280.png"), full_page=False)
        assert seen["errors"] == []
    finally:
        context.close()


def test_report_shows_the_estimand_as_mathematics_offline(browser, campaign_report):
    context, page, seen = _open(browser, campaign_report)
    try:
        math = page.locator("div.estimand math")
        assert math.count() == 1
        box = math.bounding_box()
        assert box["height"] > 15 and box["width"] > 150  # rendered as a formula, not raw text
        assert "\\sum" not in math.evaluate("m => m.textContent")
        assert [u for u in seen["requests"] if not u.startswith(LOCAL)] == []
    finally:
        context.close()
