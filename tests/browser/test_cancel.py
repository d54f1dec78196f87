"""Cancel, clicked while a long estimate runs: the page stops waiting at once, says what was
cancelled, keeps every choice, and a changed choice computes again.

The long estimate: multiple imputation with 100 imputed data sets on a file with missing values
(each copy imputed and estimated in the job pool, with progress reported after each copy).
"""

from __future__ import annotations

import time

from causal_core.datasets.missing_examples import campaign_types
from tests.browser.test_own_data import _first_visit, _metric, _nav, _quick_model, _upload


def _set_m(s, m: int) -> None:
    box = s.page.get_by_role("spinbutton", name="Imputed data sets (m)")
    box.fill(str(m))
    box.press("Enter")


def test_cancel_stops_a_long_estimate_and_keeps_the_choices(session, tmp_path):
    csv = tmp_path / "stores.csv"
    csv.write_bytes(campaign_types(600).to_csv(index=False).encode())
    s = session
    _first_visit(s)
    _upload(s, csv)
    _quick_model(s, "campaign", "revenue")
    _nav(s, "4 · Estimate & Refute")
    s.page.get_by_text("Missing or infinite values").first.wait_for(timeout=60_000)
    _set_m(s, 100)
    s.wait_idle(60_000)
    s.page.get_by_test_id("stRadio").get_by_text("Multiple imputation (Rubin's rules)").click()
    cancel = s.page.get_by_role("button", name="Cancel")
    cancel.wait_for(timeout=60_000)
    bar = s.page.get_by_test_id("stProgress").first
    assert "Estimating with" in bar.inner_text()
    clicked = time.perf_counter()
    cancel.click()
    notice = s.page.get_by_text("You cancelled the estimate.")
    notice.wait_for(timeout=30_000)
    s.wait_idle(60_000)
    stopped = time.perf_counter() - clicked
    print(f"\ncancel answered in {stopped:.1f} s")
    assert s.page.get_by_test_id("stMetric").filter(has_text="Estimated effect").count() == 0
    # the choices are kept: multiple imputation with m = 100 is still what the page shows
    m_box = s.page.get_by_role("spinbutton", name="Imputed data sets (m)")
    if not m_box.is_visible():  # the panel folds once a choice is made
        s.page.get_by_text("choose how to handle them").click()
    assert m_box.input_value() == "100"
    assert s.page.get_by_role("radio", name="Multiple imputation (Rubin's rules)").is_checked()
    # a different choice is a different computation: it runs
    _set_m(s, 5)
    assert _metric(s)
    assert not s.page.get_by_text("You cancelled the estimate.").is_visible()
    assert not s.unexpected_console_errors()
