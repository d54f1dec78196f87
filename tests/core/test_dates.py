"""Date columns turned into numeric features, checked against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import causal_core as cc
from causal_core.dates import date_feature_names
from causal_core.exceptions import DataError
from causal_core.quick import model_columns


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "visit": pd.to_datetime(["2024-02-29 12:00", "2023-12-31 00:00", None, "2024-01-01 06:00"]),
        "spend": [1.0, 2.0, 3.0, 4.0], "note": ["a", "b", "c", "d"]})


def test_known_values_with_a_missing_date():
    out = cc.date_features(frame(), "visit")
    assert list(out.columns) == ["visit", "spend", "note", "visit_year", "visit_month",
                                 "visit_dayofweek", "visit_days"]
    # 2024-02-29 was a Thursday (3), 2023-12-31 a Sunday (6), 2024-01-01 a Monday (0)
    np.testing.assert_array_equal(out["visit_year"], [2024, 2023, np.nan, 2024])
    np.testing.assert_array_equal(out["visit_month"], [2, 12, np.nan, 1])
    np.testing.assert_array_equal(out["visit_dayofweek"], [3, 6, np.nan, 0])
    np.testing.assert_allclose(out["visit_days"], [60.5, 0.0, np.nan, 1.25])
    assert all(out[c].dtype == "float64" for c in date_feature_names("visit"))
    pd.testing.assert_frame_equal(out[["visit", "spend", "note"]], frame())  # the rest unchanged


def test_whole_numbers_without_missing_dates_and_time_zones():
    df = pd.DataFrame({"d": pd.to_datetime(["2020-01-05", "2021-07-04"]).tz_localize("Europe/Paris")})
    out = cc.date_features(df, "d")
    assert out["d_year"].tolist() == [2020, 2021] and out["d_year"].dtype == "int64"
    assert out["d_dayofweek"].tolist() == [6, 6]  # both Sundays
    assert out["d_days"].tolist() == pytest.approx([0.0, 546 - 1 / 24])  # elapsed: summer time


def test_features_are_usable_columns_and_the_date_stays_left_out():
    out = cc.date_features(frame(), "visit")
    usable, left = model_columns(out)
    assert set(date_feature_names("visit")) <= set(usable) and "visit" in left
    assert cc.date_columns(out) == ["visit"]


@pytest.mark.parametrize("column, message", [
    ("spend", r"'spend' holds continuous values \(float64\), not dates.*date columns are 'visit'"),
    ("note", r"'note' holds text values"),
    ("nope", r"no column 'nope'.*'visit', 'spend', 'note'"),
])
def test_refuses_what_is_not_a_date_column(column, message):
    with pytest.raises(DataError, match=message):
        cc.date_features(frame(), column)


def test_refuses_a_second_run_and_an_empty_date_column():
    once = cc.date_features(frame(), "visit")
    with pytest.raises(DataError, match="already has the column.*'visit_year'"):
        cc.date_features(once, "visit")
    empty = pd.DataFrame({"d": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns]"), "y": [1, 2]})
    with pytest.raises(DataError, match="no date in any row"):
        cc.date_features(empty, "d")
    with pytest.raises(DataError, match="no date column"):
        cc.date_features(pd.DataFrame({"y": [1, 2]}), "y")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                             max_value=pd.Timestamp("2200-01-01").to_pydatetime()),
                min_size=1, max_size=30))
def test_features_agree_with_python_datetime(values):
    out = cc.date_features(pd.DataFrame({"d": pd.to_datetime(values)}), "d")
    first = min(values)
    for i, v in enumerate(values):
        assert out["d_year"][i] == v.year and out["d_month"][i] == v.month
        assert out["d_dayofweek"][i] == v.weekday()
        assert out["d_days"][i] == pytest.approx((v - first).total_seconds() / 86400, abs=1e-6)


def test_days_over_three_centuries_do_not_overflow():
    """Found by the hypothesis test in a clean-clone run: 1903 and 2196 in one column raised a
    raw OverflowError (nanosecond timedeltas cover 292 years)."""
    out = cc.date_features(pd.DataFrame({"d": pd.to_datetime(["1903-01-01", "2196-01-01", None])}),
                           "d")
    expected = (pd.Timestamp("2196-01-01").to_pydatetime()
                - pd.Timestamp("1903-01-01").to_pydatetime()).days
    assert out["d_days"][0] == 0 and out["d_days"][1] == expected and np.isnan(out["d_days"][2])
