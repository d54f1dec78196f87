"""The streaming worksheet reader (``causal_core.data_xlsx``) against pandas' reader.

``load_table`` used to read a sheet as ``pd.ExcelFile(...).parse(header=None, dtype=object,
keep_default_na=False)`` and then drop the all-error columns and the rows before the first
with a value. That path is kept here, as the oracle: ``load_table`` is run once through it
(``read_raw`` patched) and once as it is, on generated workbooks with every kind of cell
(numbers whole and not, large integers, text, blanks, missing words, logicals, dates, times,
error cells, formulas without a cached value) in every arrangement (leading, inner and
trailing blank rows, rows of errors first, ragged rows, a column that turns to text after a
thousand numbers), and the two results must be equal: the frame (values and dtypes), the
report's sentences and any error's message.

Where they differ, pandas is wrong: its reader collapses cells that compare equal, so in a
column mixing numbers and logicals TRUE came back as 1 and FALSE as 0 (or 1 as TRUE);
logicals are kept out of the random cells and that case is tested on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import random

import numpy as np
import openpyxl
import pandas as pd
import pytest

from causal_core import data as data_mod
from causal_core import data_read
from causal_core.data import load_table
from causal_core.data_read import RawTable, _cell_name
from causal_core.exceptions import DataError

CELLS = [None, None, 0, 1, -3, 7, 2 ** 60, -(2 ** 53) - 1, 0.5, -2.25, 1e300, 3.0, "a", " b ",
         "", " ", "NA", "null", "1", "2.5", "\ufeffx", dt.datetime(2024, 3, 1, 8),
         dt.date(2023, 1, 2), dt.time(7, 30), "#N/A", "#DIV/0!", "=1+1"]


def pandas_read(raw: bytes, filename: str, *, max_rows: int, sheet=None, **_) -> RawTable:
    """The reader this module replaced: pandas' openpyxl reader and an object frame."""
    book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
    names = list(book.sheet_names)
    chosen = 0 if sheet is None else sheet
    if not (isinstance(chosen, int) or chosen in names):
        raise DataError(f"{filename!r} has no sheet {sheet!r}; its sheets are "
                        f"{', '.join(repr(n) for n in names)}. Pass one of these names as sheet=.")
    frame = book.parse(chosen, header=None, dtype=object, keep_default_na=False)
    name = names[chosen] if isinstance(chosen, int) else chosen
    table = RawTable(format="excel", header=[], sheet=str(name))
    if len(names) > 1 and sheet is None:
        table.warnings.append(
            f"The workbook has {len(names)} sheets ({', '.join(repr(n) for n in names)}); "
            f"the first, {name!r}, was read. Pass sheet= to read another.")
    frame = frame.dropna(axis=1, how="all")
    filled = frame.notna().any(axis=1).to_numpy()
    if frame.empty or not filled.any():
        raise DataError(f"{filename!r}: sheet {name!r} is empty. Pick the sheet that holds the table.")
    frame = frame.iloc[int(filled.argmax()):]
    table.header = [_cell_name(v) for v in frame.iloc[0].tolist()]
    body = frame.iloc[1:].reset_index(drop=True)
    if len(body) > max_rows:
        raise DataError(f"{filename!r} has {len(body):,} data rows, more than the limit of "
                        f"{max_rows:,}. Upload a sample or an aggregate of the data.")
    body.columns = range(body.shape[1])
    table.frame = body
    return table


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def both(raw: bytes, monkeypatch: pytest.MonkeyPatch, **kw) -> tuple[object, object]:
    """``load_table`` through pandas' reader, then through the streaming one."""
    def run():
        try:
            return load_table(raw, "book.xlsx", **kw)
        except DataError as err:
            return str(err)

    with monkeypatch.context() as m:
        m.setattr(data_mod, "read_raw", lambda raw, filename, **k: (
            pandas_read(raw, filename, **k) if filename.endswith(".xlsx")
            else data_read.read_raw(raw, filename, **k)))
        expected = run()
    return expected, run()


def assert_same(expected: object, got: object) -> None:
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
        return
    (e_frame, e_report), (g_frame, g_report) = expected, got
    pd.testing.assert_frame_equal(g_frame, e_frame, check_exact=True)
    assert g_report == e_report


def random_rows(rng: random.Random) -> list[list[object]]:
    n_cols = rng.randint(1, 5)
    kinds = [rng.choice(["numbers", "whole", "any", "text"]) for _ in range(n_cols)]
    pools = {"numbers": [None, 0.5, -2.25, 3.0, 1, 7, "#N/A"], "whole": [None, 0, 1, -3, 7],
             "any": CELLS, "text": [None, "a", " b ", "NA", "", "1"]}
    rows: list[list[object]] = []
    if rng.random() < 0.2:
        rows += [[None] * n_cols] * rng.randint(1, 2)  # leading blank rows
    if rng.random() < 0.15:
        rows += [["#N/A"] * rng.randint(1, n_cols)]  # a row of errors first
    odd = ["x", "", None, "#N/A", 1, "\ufeffid"]
    rows.append([rng.choice(odd) if rng.random() < 0.15 else f"c{j}" for j in range(n_cols)])
    for _ in range(rng.randint(0, 12)):
        if rng.random() < 0.1:
            rows.append([None] * n_cols)
            continue
        width = n_cols if rng.random() < 0.8 else rng.randint(0, n_cols)
        rows.append([rng.choice(pools[k]) for k in kinds[:width]])
    if rng.random() < 0.2:
        rows += [[None] * n_cols] * 2  # trailing blank rows
    return rows


def assert_same_cells(raw: bytes) -> None:
    """The reader's header and columns hold the cells of pandas' reader, number columns as floats."""
    try:
        expected = pandas_read(raw, "b.xlsx", max_rows=10 ** 6)
    except DataError as err:
        with pytest.raises(DataError) as got:
            data_read.read_raw(raw, "b.xlsx", max_rows=10 ** 6, sheet=None)
        assert str(got.value) == str(err)
        return
    table = data_read.read_raw(raw, "b.xlsx", max_rows=10 ** 6, sheet=None)
    assert table.header == expected.header
    assert table.frame.shape == expected.frame.shape
    for j in range(table.frame.shape[1]):
        want, got = expected.frame[j].tolist(), table.frame[j]
        if j in table.cells:
            assert got.dtype == (np.int64 if "" not in want and all(
                type(v) is int for v in want) else np.float64)
            assert all(type(v) in (int, float) or v == "" for v in want if v == v)
            numbers = [np.nan if v == "" else float(v) for v in want]
            np.testing.assert_array_equal(got.to_numpy(), numbers)
            assert table.cells[j] == all(type(v) is int for v in want if v == v and v != "")
        else:
            assert got.dtype == object
            assert [(type(v), v) for v in got.tolist() if v == v] == \
                [(type(v), v) for v in want if v == v]
            assert [v != v for v in got.tolist()] == [v != v for v in want]


@pytest.mark.parametrize("seed", range(150))
def test_random_workbooks_load_as_through_pandas(seed, monkeypatch):
    raw = workbook({"data": random_rows(random.Random(seed))})
    assert_same_cells(raw)
    assert_same(*both(raw, monkeypatch))


@pytest.mark.parametrize("rows", [
    [],
    [[None, None]],
    [["#N/A", "#N/A"], ["#N/A"]],
    [["#N/A", "#N/A"], ["a", "b"], [1, 2]],
    [["#N/A"], [None, None], ["a", "b"], [1, 2]],
    [["#N/A", "#N/A"], ["#N/A", "#N/A"], [1, 2]],
    [[None, None], ["a", "b"], [1, 2]],
    [["a", "#N/A"], [1, "#N/A"], [2, "#N/A"]],
    [["a", "#N/A"], [1], [2, "#N/A"]],
    [["a", "b", "c"], [1], [2.5, None, "z"]],
    [["a"], [1], [None], [" "], [2], [None], [None]],
    [["\ufeffa", "b"], [1, 2]],
    [[None], ["\ufeffa", "b"], [1, 2]],
    [["a", "b"], [2 ** 60, 1], [3, 2]],
    [["a", "b"], [1, None], [None, None], [2, 3]],
    [["a", "b"], [True, 1], [False, 0]],
    [["a", "b"], [dt.datetime(2024, 1, 2), dt.time(3, 4)], [dt.datetime(2024, 1, 3), None]],
    [["a", "b"], ["=1+1", 1], [2, "=A2"]],
    [["a", "b", "c", "d"], [1, None], [2]],
])
def test_shapes_load_as_through_pandas(rows, monkeypatch):
    raw = workbook({"s": rows})
    assert_same_cells(raw)
    assert_same(*both(raw, monkeypatch))


def test_numbers_then_text_late_in_a_long_column(monkeypatch):
    rows = [["x", "y"]] + [[i * 0.5, i] for i in range(1500)] + [["late text", None]]
    expected, got = both(workbook({"s": rows}), monkeypatch)
    assert_same(expected, got)
    assert got[0]["x"].dtype == object and got[0]["y"].dtype == np.float64


def test_sheets_by_name_and_position_load_as_through_pandas(monkeypatch):
    raw = workbook({"first": [["a"], [1], [2]], "second": [["b", "c"], ["u", 1.5], ["v", 2]]})
    for kw in ({}, {"sheet": "second"}, {"sheet": 1}, {"sheet": "third"}):
        assert_same(*both(raw, monkeypatch, **kw))


def test_number_columns_are_held_as_numbers_from_the_reader():
    raw = workbook({"s": [["a", "b", "c"], [1, 0.5, "t"], [2, None, "u"], [3, 1.5, None]]})
    table = data_read.read_raw(raw, "b.xlsx", max_rows=10, sheet=None)
    assert table.cells == {0: True, 1: False}
    assert [table.frame[j].dtype for j in range(3)] == [np.int64, np.float64, object]
    df, _ = load_table(raw, "b.xlsx")
    assert df["a"].dtype == np.int64 and df["a"].tolist() == [1, 2, 3]
    assert df["b"].dtype == np.float64 and np.isnan(df["b"][1])


def test_logicals_and_numbers_in_one_column_keep_their_cells():
    raw = workbook({"s": [["a", "b"], [1, True], [True, False], [0, True], [False, None], ["x", 1]]})
    table = data_read.read_raw(raw, "b.xlsx", max_rows=10, sheet=None)
    assert [(type(v), v) for v in table.frame[0]] == [
        (int, 1), (bool, True), (int, 0), (bool, False), (str, "x")]
    bad = pandas_read(raw, "b.xlsx", max_rows=10)  # the reader this module replaced
    assert bad.frame[0].tolist() == [1, 1, 0, 0, "x"]
    df, _ = load_table(raw, "b.xlsx")
    assert df["a"].tolist() == ["1", "True", "0", "False", "x"]
    assert df["b"].dtype == object and df["b"].tolist()[:3] == ["True", "False", "True"]


def with_sheet_data(raw: bytes, sheet_data: str) -> bytes:
    """The workbook with its first sheet's ``<sheetData>`` replaced by hand-written XML."""
    import re
    import zipfile

    src, buf = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<sheetData\s*/>|<sheetData>.*</sheetData>",
                              b"<sheetData>" + sheet_data.encode() + b"</sheetData>", data, flags=re.S)
            out.writestr(info, data)
    return buf.getvalue()


def _c(ref: str | None, value: object) -> str:
    r = f' r="{ref}"' if ref else ""
    if isinstance(value, str):
        return f'<c{r} t="inlineStr"><is><t>{value}</t></is></c>'
    return f"<c{r}><v>{value}</v></c>"


@pytest.mark.parametrize("sheet_data", [
    # rows out of order and repeated (a row numbered before the last is skipped), a gap
    '<row r="1">' + _c("A1", "a") + _c("B1", "b") + '</row><row r="3">' + _c("A3", 1)
    + _c("B3", 2) + '</row><row r="2">' + _c("A2", 9) + '</row><row r="5">' + _c("A5", 4)
    + '</row>',
    # cells without references, a cell placed after the row's last, a repeated column
    '<row>' + _c(None, "a") + _c(None, "b") + _c(None, "c") + '</row><row>' + _c("C2", 1)
    + _c("A2", 2) + '</row><row>' + _c("A3", 3) + _c("A3", 4) + _c("B3", 5.5) + '</row>',
    # row heights and spans on every row (openpyxl keeps a dict a row for these)
    ''.join(f'<row r="{i}" spans="1:2" ht="20" customHeight="1">' + _c(f"A{i}", "h" if i == 1
            else i) + _c(f"B{i}", "g" if i == 1 else i / 4) + '</row>' for i in range(1, 40)),
])
def test_hand_written_sheet_xml_loads_as_through_pandas(sheet_data, monkeypatch):
    raw = with_sheet_data(workbook({"s": [["x"]]}), sheet_data)
    assert_same_cells(raw)
    assert_same(*both(raw, monkeypatch))
