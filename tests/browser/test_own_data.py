"""A new user's own file, by scripted clicks in Chromium.

1. LaLonde (NSW trainees + CPS controls, as the public CSV ships): upload, quick model
   (treatment, outcome, "every other column is a common cause"), Estimate & Refute: a refuted
   estimate in under 60 s of wall-clock time, clicks and computation included.
2. A file with missing values and a categorical treatment: each missing-data choice leads to
   an estimate, and the downloaded script carries the choice.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from playwright.sync_api import expect

from causal_core.datasets.missing_examples import campaign_types

ROOT = Path(__file__).parents[2]
LALONDE = ROOT / "causal_core" / "datasets" / "data" / "lalonde_nsw_cps.csv.gz"


def _first_visit(s) -> None:
    """The first visit analyses the opening example (not part of the timed flow)."""
    s.page.goto(s.url)
    s.wait_idle(240_000)


def _nav(s, title: str) -> None:
    s.page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    s.wait_idle(120_000)


def _field(s, label: str):
    """The text field of the first select box labelled ``label``."""
    return s.page.get_by_test_id("stSelectbox").filter(has_text=label).first.locator("input")


def _pick(s, label: str, value: str) -> None:
    """Choose ``value`` in the select box labelled ``label``, and check that it was chosen.

    The box is a combobox: its text is replaced by ``value`` (never appended to), the filtered
    option is clicked, and the box's value is read back. On a loaded machine a click can land
    while the box is still being drawn, so a choice that did not take is tried again.
    """
    field = _field(s, label)
    for _ in range(3):
        field.click()
        field.fill(value)
        option = s.page.get_by_role("option", name=value, exact=True)
        try:
            option.click(timeout=10_000)
        except Exception:  # the list filtered to the one match and closed it: Enter picks it
            field.press("Enter")
        s.wait_idle(60_000)
        # The typed text shows whether or not the option was taken: leave the box, so that
        # it shows its committed choice (an untaken one reverts to the old text), and read that.
        field.blur()
        s.page.wait_for_timeout(300)
        if field.input_value() == value:
            return
    raise AssertionError(f"could not choose {value!r} in {label!r}; it shows {field.input_value()!r}")


def _upload(s, path: Path) -> None:
    s.page.locator("input[type='file']").first.set_input_files(str(path))
    s.wait_idle(60_000)


def _quick_model(s, treatment: str, outcome: str) -> None:
    _nav(s, "2 · Model")
    form = s.page.get_by_test_id("stExpander").filter(has_text="Quick model")
    if not form.get_by_test_id("stSelectbox").first.is_visible():  # collapsed: the graph uses columns
        form.get_by_text("Quick model: pick treatment").click()
    # Picking the second box while the first box's rerun is still being applied can clear
    # the first (seen in 1 of 3 scripted runs at 1280 x 720; Streamlit's combobox): both are
    # read back after the second pick and picked again when one was cleared.
    for _ in range(3):
        _pick(s, "Treatment", treatment)
        _pick(s, "Outcome", outcome)
        s.page.wait_for_timeout(500)
        s.wait_idle(60_000)
        if [_field(s, "Treatment").input_value(), _field(s, "Outcome").input_value()] == [
                treatment, outcome]:
            break
    s.page.get_by_text("Every other column is a common cause").click()
    s.page.get_by_role("button", name="Draw the model").click()
    s.wait_idle(60_000)
    # the drawn graph has the picks as its roles (the role boxes beside the editor)
    roles = s.page.get_by_test_id("stSelectbox").filter(has_text="Treatment (exposure)").first
    expect(roles.locator("input")).to_have_value(treatment, timeout=60_000)


def _metric(s) -> str:
    m = s.page.get_by_test_id("stMetric").filter(has_text="Estimated effect").first
    m.wait_for(timeout=120_000)
    return m.get_by_test_id("stMetricValue").inner_text()


def test_lalonde_from_upload_to_a_refuted_estimate_in_under_a_minute(session, tmp_path):
    csv = tmp_path / "lalonde_nsw_cps.csv"
    csv.write_bytes(gzip.decompress(LALONDE.read_bytes()))
    s = session
    _first_visit(s)
    start = time.perf_counter()
    _upload(s, csv)
    t_upload = time.perf_counter() - start
    _quick_model(s, "treat", "re78")
    t_model = time.perf_counter() - start
    _nav(s, "4 · Estimate & Refute")
    value = _metric(s)
    t_estimate = time.perf_counter() - start
    # the sensitivity section comes after every check has run
    s.page.get_by_text("How strong would a hidden confounder need to be?").wait_for(timeout=120_000)
    s.wait_idle(120_000)
    verdicts = s.page.get_by_test_id("stDataFrame").first
    verdicts.wait_for(timeout=60_000)
    elapsed = time.perf_counter() - start
    print(f"\nLaLonde: uploaded {t_upload:.1f} s, model drawn {t_model:.1f} s, estimate shown "
          f"{t_estimate:.1f} s, refuted {elapsed:.1f} s (estimate {value})")
    assert value
    assert elapsed < 60, f"{elapsed:.1f} s"
    assert not s.unexpected_console_errors()


def campaign_on_the_estimate_page(s, folder: Path, rows: int = 600) -> None:
    """Upload the campaign file (missing values, a three-level treatment), draw its quick
    model and open the Estimate page, which stops at the missing values."""
    csv = folder / "stores.csv"
    csv.write_bytes(campaign_types(rows).to_csv(index=False).encode())
    _first_visit(s)
    _upload(s, csv)
    _quick_model(s, "campaign", "revenue")
    _nav(s, "4 · Estimate & Refute")
    s.page.get_by_text("Missing or infinite values").first.wait_for(timeout=60_000)


def choose_in_missing_panel(s, label: str) -> None:
    """Click the missing-data option ``label``, unfolding the panel first when it is folded
    (it folds once a choice is made; a folded panel's options are inert)."""
    choice = s.page.get_by_test_id("stRadio").get_by_text(label)
    try:
        choice.click(timeout=5_000)
    except Exception:  # folded
        s.page.get_by_text("choose how to handle them").click()
        choice.click()


def test_missing_values_and_a_categorical_treatment_each_choice_estimates(session, tmp_path):
    s = session
    campaign_on_the_estimate_page(s, tmp_path)
    seen = {}
    for label, strategy in (("Complete cases (drop incomplete rows)", "complete_cases"),
                            ("Multiple imputation (Rubin's rules)", "multiple_imputation")):
        choose_in_missing_panel(s, label)
        s.wait_idle(180_000)
        seen[strategy] = _metric(s)
        s.page.get_by_text("Each level against a reference").wait_for(timeout=120_000)
        _nav(s, "6 · Report")
        with s.page.expect_download(timeout=120_000) as dl:
            s.page.get_by_role("button", name="Python script").click()
        text = Path(dl.value.path()).read_text(encoding="utf-8")
        assert f"MISSING_DATA = {{'strategy': {strategy!r}" in text
        _nav(s, "4 · Estimate & Refute")
    assert seen["complete_cases"] != seen["multiple_imputation"]
    assert not s.unexpected_console_errors()
