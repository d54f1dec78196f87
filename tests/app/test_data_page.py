"""AppTest of the Data page: a workbook's sheet chosen by name; dates turned into features."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

import causal_core as cc
from causal_core.dates import date_feature_names
from tests.app import view
from tests.app.test_pages import new_app
from ui import session

ROOT = Path(__file__).parents[2]


def marketing_like(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "marketing_spend": rng.integers(0, 2, n), "seasonality": rng.normal(size=n),
        "competitor_action": rng.integers(0, 2, n), "revenue": rng.normal(size=n),
        "week": pd.date_range("2024-01-01", periods=n, freq="7D").strftime("%Y-%m-%d")})


def sheet_box(at: AppTest):
    return [s for s in at.selectbox if s.label == "Sheet"]


def test_a_workbook_of_several_sheets_is_read_from_the_sheet_chosen():
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as w:
        pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]}).to_excel(w, sheet_name="Notes", index=False)
        marketing_like(30).to_excel(w, sheet_name="Data 2024", index=False)
    at = new_app()
    at.file_uploader[0].set_value(("book.xlsx", buf.getvalue(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.options for s in sheet_box(at)] == [["Notes", "Data 2024"]]
    assert list(view.data(at).frame.columns) == ["a", "b"]  # the first sheet by default
    sheet_box(at)[0].select("Data 2024").run()
    assert not at.exception, [e.value for e in at.exception]
    d = view.data(at)
    assert d.report.sheet == "Data 2024" and len(d.frame) == 30 and "revenue" in d.frame.columns
    assert list(view.get(at, session.UPLOAD_SHEETS).values()) == ["Data 2024"]  # kept per file
    assert view.plan(at).data.fingerprint == d.fingerprint
    at.run()  # a rerun reads nothing again and keeps the choice
    assert sheet_box(at)[0].value == "Data 2024" and view.data(at).fingerprint == d.fingerprint


def test_a_csv_has_no_sheet_picker():
    at = new_app()
    at.file_uploader[0].set_value(("t.csv", marketing_like().to_csv(index=False).encode(),
                                   "text/csv")).run()
    assert not at.exception and sheet_box(at) == []


def test_dates_become_columns_and_every_choice_stays():
    at = new_app()
    at.file_uploader[0].set_value(("weeks.csv", marketing_like().to_csv(index=False).encode(),
                                   "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    before = view.plan(at).replace(adjustment_set=("competitor_action", "seasonality"))
    at.session_state[session.PLAN] = before
    at.run()
    assert [m.value for m in at.multiselect if m.label == "Date columns"] == [["week"]]
    [button] = [b for b in at.button if b.label == "Turn date columns into features"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    d, after = view.data(at), view.plan(at)
    assert set(date_feature_names("week")) <= set(d.frame.columns)
    assert d.frame["week_days"].tolist() == [7.0 * i for i in range(80)]
    assert after.graph == before.graph and after.graph.roles == before.graph.roles
    assert (after.treatment, after.outcome) == (before.treatment, before.outcome)
    assert after.adjustment_set == before.adjustment_set and after.estimator == before.estimator
    assert after.data.fingerprint == cc.fingerprint(d.frame) != before.data.fingerprint
    assert "week_year" in after.data.columns
    assert [m for m in at.multiselect if m.label == "Date columns"] == []  # nothing left to do
    [undo] = [b for b in at.button if b.label.startswith("Undo: turn date columns")]
    undo.click().run()
    assert "week_year" not in view.data(at).frame.columns
