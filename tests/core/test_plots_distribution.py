"""The Data page's distribution figure (causal_core.plots.distribution_figure): its counts are
the data's, what it leaves out is said, and any name stays text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from causal_core.plots import distribution_figure


def test_numbers_are_counted_in_equal_bins_that_cover_every_finite_value():
    rng = np.random.default_rng(0)
    values = rng.normal(size=5_000)
    fig = distribution_figure(pd.Series(values), "x", bins=40)
    bar = fig.data[0]
    counts, edges = np.histogram(values, bins=40)
    assert list(bar.y) == counts.tolist() and sum(bar.y) == values.size
    np.testing.assert_allclose(bar.x, (edges[:-1] + edges[1:]) / 2)
    np.testing.assert_allclose(np.asarray(bar.customdata)[:, 0], edges[:-1])
    assert fig.layout.title.text == "Distribution of x"


def test_what_is_not_drawn_is_said_and_the_rest_counted():
    s = pd.Series([1.0, 2.0, np.inf, -np.inf, np.nan, 3.0])
    fig = distribution_figure(s, "x", bins=3)
    assert sum(fig.data[0].y) == 3
    title = fig.layout.title.text.replace("<br>", " ")
    assert "1 missing" in title and "2 infinite" in title and "not shown" in title
    empty = distribution_figure(pd.Series([np.nan, np.nan]), "x")
    assert not empty.data and empty.layout.annotations[0].text == "no values to draw"


def test_labels_are_counted_most_frequent_first_with_the_rest_in_one_bar():
    s = pd.Series(["b"] * 5 + ["a"] * 3 + [f"id{i}" for i in range(40)] + [None])
    fig = distribution_figure(s, "g", top=10)
    bar = fig.data[0]
    assert list(bar.x[:2]) == ["b", "a"] and list(bar.y[:2]) == [5, 3]
    assert bar.x[-1] == "other (32 values)" and bar.y[-1] == 32
    assert sum(bar.y) == 48
    flags = distribution_figure(pd.Series([True, False, True]), "f").data[0]
    assert list(flags.x) == ["True", "False"] and list(flags.y) == [2, 1]


def test_whole_number_codes_get_a_bar_per_value_in_order():
    s = pd.Series([1, 0, 1, 1, 5, 0, np.nan])
    bar = distribution_figure(s, "c").data[0]
    assert list(bar.x) == [0.0, 1.0, 5.0] and list(bar.y) == [2, 3, 1]
    assert list(distribution_figure(s, "c").layout.xaxis.tickvals) == [0.0, 1.0, 5.0]
    many = distribution_figure(pd.Series(np.arange(13)), "c").data[0]
    assert len(many.x) == 40  # more than 12 values: binned
    halves = distribution_figure(pd.Series([0.5, 1.0, 1.5]), "c").data[0]
    assert len(halves.x) == 40


def test_dates_are_binned_on_a_date_axis():
    s = pd.Series(pd.date_range("2024-01-01", periods=366, freq="D"))
    fig = distribution_figure(s, "day", bins=12)
    assert fig.layout.xaxis.type == "date" and sum(fig.data[0].y) == 366
    assert str(fig.data[0].x[0]).startswith("2024-01-1")


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_dates_of_any_unit_or_zone_are_shown_as_their_own_dates(unit):
    """Bins count nanoseconds, whatever unit the column has (seconds counted as nanoseconds
    drew 1970 dates); a zoned column is shown in its own wall-clock time."""
    days = pd.Series(pd.date_range("2024-01-01", periods=366, freq="D"))
    want = distribution_figure(days, "day", bins=12).data[0]
    got = distribution_figure(days.astype(f"datetime64[{unit}]"), "day", bins=12).data[0]
    assert list(got.x) == list(want.x) and list(got.y) == list(want.y)
    paris = distribution_figure(days.dt.tz_localize("Europe/Paris"), "day", bins=12).data[0]
    assert list(paris.y) == list(want.y)  # the same days in each bin
    assert paris.x[0] == want.x[0]  # Paris wall-clock time, not UTC (an hour earlier)


@pytest.mark.parametrize("name", ['<a href="javascript:alert(1)">x</a>', "<b>bold</b>", "a\u202eb"])
def test_a_hostile_name_or_value_is_text_in_the_figure(name):
    fig = distribution_figure(pd.Series([name, name, "ok"]), name)
    spec = json.dumps(fig.to_dict())
    assert "<a href" not in spec and "<b>" not in spec and "\u202e" not in spec
    assert "&lt;" in fig.layout.title.text or "U+202E" in fig.layout.title.text


def test_the_figure_does_not_grow_with_the_rows():
    small = distribution_figure(pd.Series(np.arange(1_000, dtype=float)), "x")
    big = distribution_figure(pd.Series(np.arange(1_000_000, dtype=float)), "x")
    assert len(big.data[0].y) == len(small.data[0].y) == 40
    assert len(json.dumps(big.to_dict())) < 2 * len(json.dumps(small.to_dict()))
