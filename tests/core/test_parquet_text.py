"""Parquet text columns are read dictionary-encoded (memory) yet typed exactly as text.

The claim under test: a plain text column of a Parquet file, held as a categorical of its
distinct texts instead of one Python string per row, gives the same column, the same load
report, the same profile and the same estimates as the same texts one per row (the route
the reader took before, and the route a CSV file takes).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import causal_core as cc
from causal_core import data_read
from causal_core.data import fingerprint, load_table, profile
from causal_core.data_types import cells_of_codes, normalise_codes, normalise_missing, type_cells, type_column

_TOKENS = ["a", " a", "b ", "north", "NA", " n/a", "", "  ", "null", "-", "1", "2", "1,5",
           "2,25", "1.234,5", "3.5", "1,234", "yes", "no", "Yes", "TRUE", "false",
           "2024-01-02", "2024-02-03", "03/04/2024", "13/04/2024", "inf", "x", "?", "é"]


def _parquet(frame: pd.DataFrame, **kw) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", **kw)
    return buf.getvalue()


def _as_before(raw: bytes) -> tuple[pd.DataFrame, list[bool]]:
    """The reader before: pandas' own Parquet reading, text as one Python string per row."""
    frame = pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
    return frame, [False] * (frame.shape[1] + frame.index.nlevels)


def _both_routes(raw: bytes, monkeypatch) -> tuple[tuple, tuple]:
    """Load ``raw`` the new way and the old way; in the old, missing text cells are None
    (pyarrow's), in the new NaN (as from a CSV): the same missing cells and fingerprint."""
    new = load_table(raw, "t.parquet")
    with monkeypatch.context() as m:
        m.setattr(data_read, "decode_parquet", _as_before)
        df, report = load_table(raw, "t.parquet")
    texts = [c for c in df.columns if df[c].dtype == object]
    df[texts] = df[texts].where(df[texts].notna(), np.nan)
    return new, (df, report)


# ------------------------------------------------------------------- the typing, per column
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.one_of(st.none(), st.sampled_from(_TOKENS)), min_size=1, max_size=40),
       extra=st.lists(st.sampled_from(_TOKENS), max_size=3), seed=st.integers(0, 2**16),
       decimal=st.sampled_from([".", ","]), dayfirst=st.booleans())
def test_coded_column_types_exactly_as_the_same_texts(cells, extra, seed, decimal, dayfirst):
    text = pd.Series([np.nan if c is None else c for c in cells], dtype=object)  # as from CSV
    # the dictionary as a writer may store it: any order, labels no row uses
    labels = list(dict.fromkeys([c for c in cells if c is not None] + extra))
    np.random.default_rng(seed).shuffle(labels)
    coded = pd.Series(pd.Categorical(text, categories=labels))

    want, want_n, want_example = normalise_missing(text)
    got, got_n, got_example = normalise_codes(coded)
    assert (got_n, got_example) == (want_n, want_example)
    pd.testing.assert_series_equal(got.astype(object).where(got.notna(), np.nan), want,
                                   check_names=False)
    assert got.isna().tolist() == want.isna().tolist()

    expected = type_column(want, "c", decimal=decimal, dayfirst=dayfirst)
    typed = type_cells(cells_of_codes(got.cat.codes.to_numpy(), got.cat.categories.to_numpy(),
                                      got.index), "c", decimal=decimal, dayfirst=dayfirst)
    pd.testing.assert_series_equal(typed.series, expected.series)
    assert (typed.coercion, typed.warnings) == (expected.coercion, expected.warnings)


def test_a_text_column_stays_codes_while_it_is_read():
    """The memory claim, structurally: the reader hands over codes, not a string per row."""
    frame = pd.DataFrame({"g": np.random.default_rng(0).choice(["n", "s"], 5_000),
                          "x": np.arange(5_000.0)})
    table = data_read.read_raw(_parquet(frame), "t.parquet", max_rows=10_000)
    assert table.coded == {0}
    assert isinstance(table.frame[0].dtype, pd.CategoricalDtype)
    assert table.frame[0].cat.codes.dtype == np.int8


# ------------------------------------------------------------------- whole files, two routes
def _mixed(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", " south", "east ", "NA", "", "n/a"], n).astype(object)
    region[::17] = None
    return pd.DataFrame({
        "region": region,
        "id": [None if i % 29 == 3 else f"u{i:05d}" for i in range(n)],
        "flag": rng.choice(["yes", "no"], n),
        "amount": rng.choice(["1,5", "2,25", "3", "x"], n, p=[.45, .45, .09, .01]),
        "day": rng.choice(["2024-01-02", "2024-03-04"], n),
        "dmy": rng.choice(["03/04/2024", "05/06/2024"], n),
        "y": rng.normal(size=n),
        "k": rng.integers(0, 5, n),
    })


@pytest.mark.parametrize("index", [False, True])
def test_parquet_file_reads_as_before(monkeypatch, index):
    frame = _mixed()
    if index:
        frame = frame.set_index("id")
    (df, report), (df_old, report_old) = _both_routes(_parquet(frame), monkeypatch)
    pd.testing.assert_frame_equal(df, df_old)
    assert report == report_old
    assert fingerprint(df) == fingerprint(df_old)
    pd.testing.assert_frame_equal(profile(df), profile(df_old))
    assert str(df["region"].dtype) == "category" and df["id"].dtype == object
    assert df["id"].isna().sum() == len(range(3, 300, 29))
    assert any("stored index" in w for w in report.warnings) == index


def test_stored_categorical_is_kept_as_stored(monkeypatch):
    """A column its writer stored as a categorical (order, unused levels) is not re-typed."""
    frame = pd.DataFrame({"dose": pd.Categorical(["low", "high", "low", "mid"] * 5,
                                                 categories=["low", "mid", "high", "max"],
                                                 ordered=True), "y": np.arange(20.0)})
    (df, report), (df_old, report_old) = _both_routes(_parquet(frame), monkeypatch)
    pd.testing.assert_frame_equal(df, df_old)
    assert list(df["dose"].cat.categories) == ["low", "mid", "high", "max"]
    assert report == report_old


def test_parquet_and_csv_give_the_same_analysis():
    """Same table as CSV and as Parquet: equal frames and profiles, and the same estimates
    with a categorical confounder and with a categorical treatment."""
    rng = np.random.default_rng(3)
    n = 600
    region = rng.choice(["north", "south", "east"], n)
    shift = pd.Series(region).map({"north": 0.0, "south": 1.0, "east": 2.0}).to_numpy()
    t = (rng.normal(size=n) + shift > 1).astype(int)
    arm = rng.choice(["a", "b", "c"], n)
    y = 2 * t + shift + (arm == "b") + rng.normal(size=n)
    frame = pd.DataFrame({"region": region, "arm": arm, "t": t, "y": y.round(6)})
    frame.loc[::13, "region"] = "NA"
    raw_csv = frame.to_csv(index=False).encode()
    from_csv, _ = load_table(raw_csv, "t.csv")
    from_pq, _ = load_table(_parquet(frame, index=False), "t.parquet")
    pd.testing.assert_frame_equal(from_pq, from_csv)
    pd.testing.assert_frame_equal(profile(from_pq), profile(from_csv))
    assert from_pq["region"].isna().sum() == len(frame.index[::13])

    graph = cc.CausalGraph.parse("region -> t; region -> y; t -> y; arm -> y")
    ident = cc.identify(graph, "t", "y")
    for method in ("linear_regression", "ipw"):
        a = cc.estimate(from_csv.dropna(), ident, method=method, random_state=0)
        b = cc.estimate(from_pq.dropna(), ident, method=method, random_state=0)
        assert abs(a.value - b.value) <= 1e-12 and abs(a.se - b.se) <= 1e-12
    by_arm = cc.identify(cc.CausalGraph.parse("arm -> y; region -> y"), "arm", "y")
    a = cc.estimate(from_csv.dropna(), by_arm, method="linear_regression", random_state=0)
    b = cc.estimate(from_pq.dropna(), by_arm, method="linear_regression", random_state=0)
    assert abs(a.value - b.value) <= 1e-12


def test_exported_scripts_print_the_same_estimate_from_csv_and_parquet(tmp_path):
    """The script reads the file again with load_table: Parquet and CSV give one number."""
    from causal_core.analysis import run_analysis
    from causal_core.report import to_script
    from tests.core.exported import run_script

    rng = np.random.default_rng(5)
    n = 400
    region = rng.choice(["north", "south", "east"], n)
    shift = pd.Series(region).map({"north": 0.0, "south": 1.0, "east": 2.0}).to_numpy()
    t = (rng.normal(size=n) + shift > 1).astype(int)
    frame = pd.DataFrame({"region": region, "t": t,
                          "y": (2 * t + shift + rng.normal(size=n)).round(6)})
    graph = cc.CausalGraph.parse("region -> t; region -> y; t -> y").with_roles(
        exposure=["t"], outcome=["y"])
    printed = []
    for name, raw in (("t.csv", frame.to_csv(index=False).encode()),
                      ("t.parquet", _parquet(frame, index=False))):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).write_bytes(raw)
        data, _ = load_table(raw, name)
        a = run_analysis(data, name, graph, refuters=[], compare=())
        out = run_script(to_script(a, name), folder)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "(the same)" in out.stdout and "differ" not in out.stderr
        value = float(next(line.split(" = ")[1] for line in out.stdout.splitlines()
                           if line.startswith("estimate = ")))
        assert value == a.primary_estimate().value
        printed.append(value)
    assert printed[0] == printed[1]
