"""causal_core.data: load_table (formats, detection, validation, typing), profile, fingerprint."""

from __future__ import annotations

import dataclasses
import io
import json
import pickle

import numpy as np
import pandas as pd
import pytest

from causal_core.data import LoadReport, fingerprint, load_table, profile
from causal_core.exceptions import DataError

UNPICKLED: list[str] = []


def _record(tag: str) -> str:
    UNPICKLED.append(tag)
    return tag


class _Booby:
    """Unpickling this calls _record: proof that something was unpickled."""

    def __reduce__(self):
        return (_record, ("unpickled!",))


def small_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "spend": [1.5, 2.25, 3.0, 4.75, 5.5, 6.0, 7.25, 8.5],
        "visits": [10, 20, 30, 40, 50, 60, 70, 80],
        "promo": [True, False, True, False, True, True, False, False],
        "region": ["north", "south", "north", "south", "north", "south", "north", "north"],
    })


def expected_frame() -> pd.DataFrame:
    df = small_frame()
    df["region"] = pd.Categorical(df["region"], categories=["north", "south"])
    return df


def csv_bytes(df: pd.DataFrame, **kw) -> bytes:
    return df.to_csv(index=False, **kw).encode("utf-8")


# ------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("filename, writer", [
    ("t.csv", lambda df: csv_bytes(df)),
    ("t.tsv", lambda df: csv_bytes(df, sep="\t")),
    ("t.txt", lambda df: csv_bytes(df, sep="|")),
    ("t.CSV", lambda df: csv_bytes(df, sep=";")),
])
def test_text_formats_round_trip(filename, writer):
    df, report = load_table(writer(small_frame()), filename)
    pd.testing.assert_frame_equal(df, expected_frame())
    assert (report.n_rows, report.n_columns) == (8, 4)
    assert report.encoding == "utf-8" and report.decimal == "."


def test_excel_round_trips():
    buf = io.BytesIO()
    small_frame().to_excel(buf, index=False, sheet_name="data")
    df, report = load_table(buf.getvalue(), "book.xlsx")
    pd.testing.assert_frame_equal(df, expected_frame())
    assert report.format == "excel" and report.sheet == "data" and report.encoding is None


def test_excel_sheet_choice_and_unknown_sheet():
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as w:
        pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_excel(w, sheet_name="first", index=False)
        small_frame().to_excel(w, sheet_name="second", index=False)
    df, report = load_table(buf.getvalue(), "book.xlsx")
    assert list(df.columns) == ["a", "b"] and "2 sheets" in report.warnings[0]
    df, _ = load_table(buf.getvalue(), "book.xlsx", sheet="second")
    pd.testing.assert_frame_equal(df, expected_frame())
    with pytest.raises(DataError, match="no sheet 'third'.*'first', 'second'"):
        load_table(buf.getvalue(), "book.xlsx", sheet="third")


def test_parquet_round_trips():
    buf = io.BytesIO()
    small_frame().to_parquet(buf, index=False)
    df, report = load_table(buf.getvalue(), "t.parquet")
    pd.testing.assert_frame_equal(df, expected_frame())
    assert report.format == "parquet"


# ----------------------------------------------------------------------- delimiter, encoding
@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiter_detected(delim):
    raw = delim.join(["a", "b", "c"]) + "\n" + "\n".join(delim.join(["1", "2", "x y"]) for _ in range(5))
    df, report = load_table(raw.encode(), "t.csv")
    assert report.delimiter == delim and list(df.columns) == ["a", "b", "c"]


def test_quoted_fields_keep_delimiters_and_quotes():
    raw = b'name,n\n"Smith, John",1\n"say ""hi""",2\n"multi\nline",3\n'
    df, _ = load_table(raw, "t.csv")
    assert df["name"].tolist() == ["Smith, John", 'say "hi"', "multi\nline"]
    assert df["n"].tolist() == [1, 2, 3]


def test_utf8_bom():
    df, report = load_table("\ufeffgroup,value\nA,1\nB,2\nA,3\nB,4\n".encode(), "t.csv")
    assert report.encoding == "utf-8-sig" and list(df.columns) == ["group", "value"]


def test_utf16_with_bom():
    df, report = load_table("ville;prix\nNîmes;1,5\nSète;2,5\n".encode("utf-16"), "t.csv")
    assert report.encoding == "utf-16"
    assert df["ville"].tolist() == ["Nîmes", "Sète"] and df["prix"].tolist() == [1.5, 2.5]


def test_cp1252_fallback_is_reported():
    raw = "name,score\ncafé,1\nnaïve,2\nrésumé,3\n".encode("cp1252")
    df, report = load_table(raw, "t.csv")
    assert report.encoding == "cp1252"
    assert df["name"].tolist() == ["café", "naïve", "résumé"]
    assert any("cp1252" in w and "UTF-8" in w for w in report.warnings)


def test_byte_undefined_in_cp1252_is_a_visible_code_page_or_refused():
    # 0x81 is undefined in cp1252; latin-1 (which reads any byte) is no longer a silent fallback
    raw = b"name,score\nab\x81c,1\nd,2\n"
    try:
        _, report = load_table(raw, "t.csv")
    except DataError as err:
        assert "never guessed" in str(err)
    else:
        assert report.encoding != "latin-1" and "not UTF-8" in report.warnings[0]


def test_undecodable_utf16_is_a_clear_error():
    raw = "a,b\n1,2\n".encode("utf-16") + b"\x00\xd8"  # an unpaired surrogate at the end
    with pytest.raises(DataError, match=r"'t.csv' cannot be decoded as utf-16.*byte-order mark.*UTF-8"):
        load_table(raw, "t.csv")


# -------------------------------------------------------------------------- decimal comma
def test_decimal_comma_with_semicolons():
    raw = b"price;qty;label\n1,5;3;a\n2,25;4;b\n10,0;5;a\n1.234,5;6;b\n"
    df, report = load_table(raw, "t.csv")
    assert report.decimal == "," and report.delimiter == ";"
    assert df["price"].tolist() == [1.5, 2.25, 10.0, 1234.5]
    assert df["qty"].dtype == np.int64
    assert any("'price'" in c and "decimal comma" in c and "thousands" in c for c in report.coercions)


def test_thousands_separator_in_quoted_comma_file():
    raw = b'amount,n\n"1,234.5",1\n"12,000",2\n7.25,3\n'
    df, report = load_table(raw, "t.csv")
    assert report.decimal == "." and df["amount"].tolist() == [1234.5, 12000.0, 7.25]
    assert any("thousands separators removed" in c for c in report.coercions)


def test_ambiguous_thousands_warns():
    df, report = load_table(b"a;b\n1,234;1\n2,500;2\n", "t.csv")
    assert df["a"].tolist() == [1234, 2500]
    assert any("'1,234'" in w for w in report.warnings)


# --------------------------------------------------------------------------------- bad files
@pytest.mark.parametrize("raw", [b"", b"\n\n  \r\n"])
def test_empty_file(raw):
    with pytest.raises(DataError, match=r"'e.csv' is empty"):
        load_table(raw, "e.csv")


def test_header_only():
    with pytest.raises(DataError, match=r"header \('age', 'income'\) but no data rows"):
        load_table(b"age,income\n", "h.csv")


def test_ragged_row_names_line_and_counts():
    with pytest.raises(DataError) as err:
        load_table(b"a,b,c\n1,2,3\n4,5,6\n7,8\n", "r.csv")
    msg = str(err.value)
    assert "'r.csv', line 4" in msg and "has 2 fields" in msg and "header (line 1) has 3" in msg
    with pytest.raises(DataError, match=r"line 3: that row has 3 fields but the header \(line 1\) has 2"):
        load_table(b"a,b\n1,2\n3,4,5\n", "r.csv")


def test_trailing_empty_fields_are_tolerated():
    df, report = load_table(b"a,b\n1,2,\n3,4,\n", "t.csv")
    assert df.shape == (2, 2) and any("trailing comma" in w for w in report.warnings)


def test_too_large_in_bytes_and_rows():
    raw = csv_bytes(small_frame())
    with pytest.raises(DataError, match=r"over the limit of"):
        load_table(raw, "big.csv", max_bytes=100)
    with pytest.raises(DataError, match=r"has more than 5 data rows \(the limit\); reading stopped"):
        load_table(raw, "big.csv", max_rows=5)


def test_duplicate_headers_are_named():
    with pytest.raises(DataError, match=r"duplicate column names: 'age' at positions 1, 3"):
        load_table(b"age,income,age\n1,2,3\n4,5,6\n", "d.csv")


def test_blank_headers_name_positions():
    with pytest.raises(DataError, match=r"position 2, 4 have no name but hold data"):
        load_table(b"a,,c, \n1,2,3,4\n5,6,7,8\n", "b.csv")


def test_blank_header_over_an_empty_column_is_dropped():
    df, report = load_table(b"a,b,\n1,2,\n3,4,\n", "b.csv")
    assert list(df.columns) == ["a", "b"]


@pytest.mark.parametrize("filename, needle", [
    ("data.json", r"'.json'; supported files are .csv, .tsv, .txt, .xlsx"),
    ("data", r"no extension; supported files are"),
    ("old.xls", r"\(.xls\), which is not supported.*save it as .xlsx or as CSV"),
])
def test_unsupported_extension(filename, needle):
    with pytest.raises(DataError, match=needle):
        load_table(b"a,b\n1,2\n", filename)


def test_single_column_loads_and_suggests_the_delimiter():
    df, report = load_table(b"a b c\n1 2 3\n4 5 6\n", "s.csv")
    assert list(df.columns) == ["a b c"] and len(df) == 2
    assert any("one column named 'a b c'" in w and "separated by something else" in w
               for w in report.warnings)


def test_legitimate_one_column_file_loads():
    df, report = load_table(b"income\n10\n12.5\n\n14\n", "one.csv")
    assert df["income"].tolist() == [10.0, 12.5, 14.0]
    assert report.warnings == ("The table has a single column: a causal analysis needs at "
                               "least two variables (a treatment and an outcome).",)


def test_pickle_named_csv_is_refused_and_never_unpickled(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("something tried to unpickle")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pd, "read_pickle", boom)
    UNPICKLED.clear()
    for payload in (pickle.dumps(_Booby()), pickle.dumps(small_frame())):
        for name in ("data.csv", "data.txt", "data.parquet", "data.xlsx"):
            with pytest.raises(DataError) as err:
                load_table(payload, name)
            assert "pickle" in str(err.value).lower() or "not a" in str(err.value)
    assert UNPICKLED == []
    with pytest.raises(DataError, match=r"Python pickle data \(causal_core never opens pickles"):
        load_table(pickle.dumps(_Booby()), "data.csv")


@pytest.mark.parametrize("raw, needle", [
    (np.random.default_rng(0).bytes(4000), r"(not a text table|does not look like text)"),
    (b"\x89PNG\r\n\x1a\n" + b"\x01" * 100, r"a PNG image"),
    (b"PK\x03\x04" + b"\x00" * 100, r"ZIP archive.*name it .xlsx"),
])
def test_binary_disguised_as_csv(raw, needle):
    with pytest.raises(DataError, match=needle):
        load_table(raw, "fake.csv")


def test_corrupt_excel_and_parquet():
    with pytest.raises(DataError, match=r"'x.xlsx' is named like an .xlsx workbook"):
        load_table(b"a,b\n1,2\n", "x.xlsx")
    with pytest.raises(DataError, match=r"could not be opened as an Excel workbook"):
        load_table(b"PK\x03\x04garbage" * 10, "x.xlsx")
    with pytest.raises(DataError, match=r"'x.parquet' is named like a Parquet file"):
        load_table(b"a,b\n1,2\n", "x.parquet")
    with pytest.raises(DataError, match=r"could not be read as Parquet"):
        load_table(b"PAR1" + b"\x00" * 50 + b"PAR1", "x.parquet")


def test_not_bytes():
    with pytest.raises(DataError, match="needs the file's bytes, got str"):
        load_table("a,b\n1,2\n", "t.csv")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------- typing
TYPED_CSV = b"""id,score,flag,answer,mixed,group,when,note,amount,dummy
1,1.5,true,yes,yes,a,2024-01-05,hello there,NA,0
2,2.5,FALSE,no,true,b,2024-02-10,general kenobi,12,1
3,3.5,True,Yes,no,a,2024-03-15,you are a bold one,13,0
4,4.5,false,no,false,a,2024-04-20,kill him,null,1
5,5.5,true,yes,yes,b,2024-05-25,back away,15,0
6,6.5,true,no,no,a,2024-06-30,i will deal with this,16,1
"""


def test_column_typing_and_the_coercion_report():
    df, report = load_table(TYPED_CSV, "typed.csv")
    dtypes = df.dtypes.astype(str).to_dict()
    assert dtypes == {"id": "int64", "score": "float64", "flag": "bool", "answer": "bool",
                      "mixed": "object", "group": "category", "when": "datetime64[ns]",
                      "note": "object", "amount": "float64", "dummy": "int64"}
    assert df["answer"].tolist() == [True, False, True, False, True, False]
    assert df["amount"].isna().sum() == 2
    text = "\n".join(report.coercions)
    for needle in ["'flag': true/false → boolean", "'answer': yes/no → boolean",
                   "'group': text → category (2 levels: 'a', 'b')", "'when': text → datetime",
                   "'amount': 2 cell(s) like 'NA' read as missing"]:
        assert needle in text
    assert "'mixed'" not in text  # yes/no mixed with true/false is not a boolean column
    assert "'score'" not in text  # plain numbers in a CSV are parsing, not a coercion


def test_day_first_dates_and_mostly_numeric_warning():
    raw = b"d,x,y\n31/01/2024,1,a\n15/02/2024,2,b\n01/03/2024,3,c\n" + b"".join(
        b"02/03/2024,%d,z%d\n" % (i, i) for i in range(4, 30)) + b"02/03/2024,oops,q\n"
    df, report = load_table(raw, "t.csv")
    assert str(df["d"].dtype) == "datetime64[ns]" and df["d"].iloc[0] == pd.Timestamp("2024-01-31")
    assert df["x"].dtype == object
    assert any("'x' is mostly numbers but 1 cell(s) are not (e.g. 'oops')" in w for w in report.warnings)


def test_empty_rows_and_columns_are_dropped_and_reported():
    df, report = load_table(b"a,b,c\n1,,x\n,,\n2,,y\n3,,x\n", "t.csv")
    assert list(df.columns) == ["a", "c"] and len(df) == 3
    assert "Column 'b' was dropped: every cell is empty." in report.dropped
    assert "1 row(s) with every cell empty were dropped." in report.dropped


def test_report_is_frozen_and_serialisable():
    _, report = load_table(csv_bytes(small_frame()), "t.csv")
    assert isinstance(report, LoadReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.n_rows = 3  # type: ignore[misc]
    d = json.loads(json.dumps(report.to_dict()))
    assert d["filename"] == "t.csv" and isinstance(d["coercions"], list)
    assert report.headline.startswith("Read 8 rows × 4 columns from 't.csv'")


# ---------------------------------------------------------------------- profile, fingerprint
def test_profile_describes_each_column():
    df = pd.DataFrame({
        "treated": [0, 1, 0, 1, 1, 0],
        "income": [10.0, 20.0, np.nan, 40.0, 50.0, 60.0],
        "region": pd.Categorical(["n", "s", "e", "n", "n", "s"]),
        "when": pd.to_datetime(["2024-01-01"] * 3 + ["2024-06-01"] * 3),
        "note": ["a", "b", "c", "d", "e", "f"],
    })
    p = profile(df).set_index("column")
    assert p["kind"].to_dict() == {"treated": "binary", "income": "continuous", "region": "categorical",
                                   "when": "datetime", "note": "text"}
    assert p.loc["income", "missing"] == 1 and p.loc["income", "missing share"] == pytest.approx(1 / 6)
    assert (p.loc["income", "min"], p.loc["income", "median"], p.loc["income", "max"]) == (10, 40, 60)
    assert p.loc["region", "unique"] == 3 and p.loc["region", "top values"].startswith("n (3), s (2)")
    assert "2024-01-01" in p.loc["when", "top values"]
    assert np.isnan(p.loc["note", "min"])


def test_fingerprint_content_hash():
    df, _ = load_table(csv_bytes(small_frame()), "t.csv")
    again, _ = load_table(csv_bytes(small_frame()), "other-name.csv")
    assert fingerprint(df) == fingerprint(again) == fingerprint(df.copy())
    assert len(fingerprint(df)) == 64
    changed = df.copy()
    changed.loc[3, "spend"] = 4.7500001
    assert fingerprint(changed) != fingerprint(df)
    renamed = df.rename(columns={"spend": "budget"})
    assert fingerprint(renamed) != fingerprint(df)
    # documented choice: column order and row order matter, the index does not
    assert fingerprint(df[list(reversed(df.columns))]) != fingerprint(df)
    assert fingerprint(df.iloc[::-1]) != fingerprint(df)
    assert fingerprint(df.set_axis(range(10, 18))) == fingerprint(df)
    assert fingerprint(df.astype({"visits": float})) != fingerprint(df)
