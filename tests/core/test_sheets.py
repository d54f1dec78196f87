"""Excel sheets chosen by name: listed cheaply from the workbook part, read by name, checked first."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest

import causal_core as cc
from causal_core.exceptions import DataError
from tests.core.exported import run_script

NAMES = ["Sales 2024", "R&D <costs>", "Ünïcode ☃", "2025"]


def workbook(names: list[str] = NAMES) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as w:
        for i, name in enumerate(names):
            pd.DataFrame({"x": [i, i + 1, i + 2], f"col{i}": [1.5, 2.5, 3.5]}).to_excel(
                w, sheet_name=name, index=False)
    return buf.getvalue()


def rezip(raw: bytes, replace: dict[str, bytes]) -> bytes:
    """The same workbook with some members' content replaced."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_sheet_names_in_order_as_excel_reader_sees_them():
    raw = workbook()
    assert cc.sheet_names(raw, "book.xlsx") == NAMES
    assert cc.sheet_names(raw, "book.xlsx") == pd.ExcelFile(io.BytesIO(raw)).sheet_names


def test_each_sheet_read_by_name():
    raw = workbook()
    for i, name in enumerate(NAMES):
        df, report = cc.load_table(raw, "book.xlsx", sheet=name)
        assert list(df.columns) == ["x", f"col{i}"] and df["x"].tolist() == [i, i + 1, i + 2]
        assert report.sheet == name and f"sheet {name!r}" in report.headline


def test_unknown_sheet_names_the_sheets():
    with pytest.raises(DataError, match=r"no sheet 'Costs'; its sheets are 'Sales 2024', 'R&D <costs>'"):
        cc.load_table(workbook(), "book.xlsx", sheet="Costs")


def test_other_formats_have_no_sheets():
    assert cc.sheet_names(b"a,b\n1,2\n", "t.csv") == []
    with pytest.raises(DataError, match="supported files"):
        cc.sheet_names(b"a,b\n1,2\n", "t.json")


def test_listing_reads_no_worksheet():
    """A damaged worksheet does not stop the listing; loading it is refused clearly."""
    raw = workbook(["good", "bad"])
    broken = rezip(raw, {"xl/worksheets/sheet2.xml": b"<worksheet><sheetData><row r=\"1\">"})
    assert cc.sheet_names(broken, "b.xlsx") == ["good", "bad"]
    with pytest.raises(DataError, match="could not be opened as an Excel workbook"):
        cc.load_table(broken, "b.xlsx", sheet="bad")


def test_container_checks_stay_before_decoding_whichever_sheet():
    """A sheet declaring a huge range is refused even when another sheet is asked for."""
    raw = workbook(["small", "huge"])
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet2.xml")
    huge = re.sub(rb"<dimension ref=\"[^\"]*\" ?/>", b"<dimension ref=\"A1:XFD1048576\"/>", sheet)
    assert huge != sheet
    bomb = rezip(raw, {"xl/worksheets/sheet2.xml": huge})
    assert cc.sheet_names(bomb, "b.xlsx") == ["small", "huge"]
    with pytest.raises(DataError, match="declares the range"):
        cc.load_table(bomb, "b.xlsx", sheet="small")


def test_damaged_workbooks_give_clear_errors():
    with pytest.raises(DataError, match="could not be opened as an Excel workbook"):
        cc.sheet_names(b"PK\x03\x04garbage", "x.xlsx")
    no_book = io.BytesIO()
    with zipfile.ZipFile(no_book, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(DataError, match="no workbook part"):
        cc.sheet_names(no_book.getvalue(), "x.xlsx")
    empty = rezip(workbook(["a"]), {"xl/workbook.xml": b"<workbook><sheets/></workbook>"})
    with pytest.raises(DataError, match="lists no sheets"):
        cc.sheet_names(empty, "x.xlsx")
    big = rezip(workbook(["a"]), {"xl/workbook.xml": b"<workbook>" + b" " * (5 * 2**20)})
    with pytest.raises(DataError, match="workbook part declares 5.0 MB"):
        cc.sheet_names(big, "x.xlsx")


def test_the_script_reads_the_same_sheet_and_repeats_the_date_features(tmp_path):
    """A workbook's second sheet with a date column turned into features: the exported script
    reads that sheet, adds the same columns and reproduces the estimate to the last digit."""

    import numpy as np

    from causal_core.plan import DataReference
    from causal_core.report import to_script

    rng = np.random.default_rng(3)
    n = 300
    w = rng.normal(size=n)
    t = (w + rng.normal(size=n) > 0).astype(int)
    when = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    frame = pd.DataFrame({"w": w, "t": t, "y": 2 * t + w + rng.normal(size=n), "when": when})
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        pd.DataFrame({"other": [1, 2]}).to_excel(xl, sheet_name="Notes", index=False)
        frame.to_excel(xl, sheet_name="Stores", index=False)
    (tmp_path / "book.xlsx").write_bytes(buf.getvalue())
    data, report = cc.load_table(buf.getvalue(), "book.xlsx", sheet="Stores")
    data = cc.date_features(data, "when")
    graph = cc.CausalGraph.parse("dag { w -> t\nw -> y\nt -> y\nwhen_month -> y\n"
                                 "t [exposure]\ny [outcome] }")
    ref = DataReference.from_frame(data, "book.xlsx", sheet=report.sheet, date_features=("when",))
    plan = cc.AnalysisPlan(graph=graph, treatment="t", outcome="y", data=ref, refuters=(),
                           compare=())
    analysis = plan.run(data)
    assert analysis.data.sheet == "Stores" and analysis.data.date_features == ("when",)
    again = type(analysis).from_json(analysis.to_json())  # the reference survives saving
    assert again.data == analysis.data
    out = run_script(to_script(again, "book.xlsx"), tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "differ" not in out.stderr, out.stderr[-500:]
    assert repr(analysis.primary_estimate().value) in out.stdout
