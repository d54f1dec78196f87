"""Loading a user's table: ``load_table(bytes, filename) -> (DataFrame, LoadReport)``.

CSV/TSV/TXT (delimiter, encoding and decimal-comma detection), Excel ``.xlsx`` and Parquet.
Bad files raise :class:`~causal_core.exceptions.DataError` with a message that names the file,
the rule, what was seen and what to do. Columns are typed (numbers, booleans, categories,
dates, text) and every coercion and every dropped row or column is listed in the
:class:`LoadReport`. :func:`profile` describes each column for the Data page and
:func:`fingerprint` gives a stable content hash for caches. Pickles are never opened.

Examples
--------
>>> raw = b"spend;revenue;region\\n1,5;10;north\\n2,5;12;south\\n3,0;15;north\\n4,0;18;north\\n"
>>> df, report = load_table(raw, "sales.csv")
>>> df.dtypes.astype(str).tolist(), report.delimiter, report.decimal
(['float64', 'int64', 'category'], ';', ',')
>>> profile(df)["kind"].tolist()
['continuous', 'continuous', 'binary']
>>> fingerprint(df) == fingerprint(df.copy())
True
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .data_container import MAX_CELLS, workbook_sheets
from .data_read import FORMATS, RawTable, file_format, read_raw
from .data_text import MAX_BLOCKS, column_chunks, numeric_notes
from .data_types import (
    cells_of_codes,
    column_kind,
    normalise_codes,
    normalise_missing,
    type_cells,
    type_column,
    type_number_cells,
)
from .exceptions import DataError

__all__ = ["LoadReport", "load_table", "sheet_names", "profile", "fingerprint", "column_kind",
           "SUPPORTED_EXTENSIONS"]

#: File extensions :func:`load_table` reads.
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(FORMATS)
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_table` did to read a file.

    Attributes
    ----------
    filename, format : str
        The file and the format it was read as (``csv``, ``tsv``, ``txt``, ``excel``, ``parquet``).
    encoding, delimiter, decimal : str or None
        Text files only: the encoding used, the field delimiter, the decimal mark.
    n_rows, n_columns : int
        The shape of the returned table.
    coercions, dropped, warnings : tuple of str
        Plain sentences: each column type change; what was dropped and why; anything to check.
    sheet : str or None
        Excel only: the sheet read.
    """

    filename: str
    format: str
    encoding: str | None
    delimiter: str | None
    decimal: str | None
    n_rows: int
    n_columns: int
    coercions: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    sheet: str | None = None

    @property
    def headline(self) -> str:
        """One sentence: what was read and how."""
        how = [self.format.upper()]
        if self.encoding:
            how.append(self.encoding)
        if self.delimiter:
            how.append(f"{_DELIM_NAMES.get(self.delimiter, repr(self.delimiter))}-separated")
        if self.decimal == ",":
            how.append("decimal comma")
        if self.sheet:
            how.append(f"sheet {self.sheet!r}")
        return (f"Read {self.n_rows:,} rows × {self.n_columns} columns from {self.filename!r} "
                f"({', '.join(how)}).")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def load_table(raw: bytes, filename: str, *, max_bytes: int = 200 * 1024 * 1024,
               max_rows: int = 2_000_000, sheet: str | int | None = None,
               encoding: str | None = None, delimiter: str | None = None,
               max_cells: int = MAX_CELLS) -> tuple[pd.DataFrame, LoadReport]:
    """Read an uploaded table and type its columns.

    Parameters
    ----------
    raw : bytes
        The file's content.
    filename : str
        Its name; the extension picks the format (see :data:`SUPPORTED_EXTENSIONS`).
    max_bytes, max_rows, max_cells : int
        Limits, checked before data are decoded (declared sizes of workbooks, Parquet footers
        and gzip trailers; rows counted while reading text); larger files are refused with a
        :class:`DataError`. Decoded data never exceed ten times the file's size (or 64 MB).
    sheet : str or int, optional
        Excel only: the sheet to read (default: the first).
    encoding, delimiter : str, optional
        Text only: override the detected encoding or delimiter.

    Returns
    -------
    (pandas.DataFrame, LoadReport)

    Raises
    ------
    DataError
        Empty, header-only, binary, undecodable, ragged, too large, duplicate or blank headers,
        unsupported extension.

    Examples
    --------
    >>> df, report = load_table(b"x,y\\n1,yes\\n2,no\\n3,yes\\n", "t.csv")
    >>> df["y"].tolist(), report.coercions[0]
    ([True, False, True], "'y': yes/no → boolean (bool).")
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise DataError(f"load_table needs the file's bytes, got {type(raw).__name__}. "
                        "Pass the uploaded file's content (e.g. uploaded.getvalue()).")
    raw = bytes(raw)
    filename = str(filename)
    if len(raw) > max_bytes:
        raise DataError(
            f"{filename!r} is {len(raw) / 2**20:,.1f} MB, over the limit of {max_bytes / 2**20:,.1f} MB. "
            "Upload a sample or an aggregate of the data, or save it as Parquet (smaller)."
        )
    if delimiter is not None and delimiter not in _DELIM_NAMES:
        raise DataError(f"delimiter must be one of , ; tab | — got {delimiter!r}. Pass one of these.")
    table = read_raw(raw, filename, max_rows=max_rows, sheet=sheet, encoding=encoding,
                     delimiter=delimiter, max_bytes=max_bytes, max_cells=max_cells)
    del raw
    dropped, warnings, coercions = list(table.dropped), list(table.warnings), []
    if table.n_rows == 0:
        raise DataError(
            f"{filename!r} has a header ({_show(table.header)}) but no data rows. "
            "Check that the file was saved completely, or pick the file with the data."
        )
    text_file = table.delimiter is not None
    decimal = table.decimal
    frame = table.frame
    texts: dict[int, pd.Series] = {}
    for i in range(frame.shape[1]):
        if i in table.numeric:
            continue
        tidy = normalise_codes if i in table.coded else normalise_missing
        texts[i], n_tokens, example = tidy(frame[i])
        if n_tokens:
            coercions.append(f"{_name(table.header, i)!r}: {n_tokens} cell(s) like {example!r} "
                             "read as missing.")
    empty = _empty_columns(frame, texts, table.numeric)
    names, keep = _check_header(table, empty, filename, dropped, coercions, warnings)
    filled = _filled_rows(frame, texts, keep, table.numeric)
    if not filled.all():
        dropped.append(f"{int((~filled).sum())} row(s) with every cell empty were dropped.")
    if not filled.any():
        raise DataError(f"{filename!r}: every data row is empty. Check that the file holds the data.")
    if len(keep) == 1:
        warnings += _single_column(table, filename, names)
    if table.decimal_guessed:
        warnings.append(
            "Numbers such as '1,234' could use a comma for thousands or for decimals; they were "
            "read with '.' as the decimal mark (1,234 = one thousand two hundred and thirty-four)."
        )
    name_of = dict(zip(keep, names, strict=True))
    numbers = [i for i in keep if i in table.numeric and i not in table.cells]
    every = bool(filled.all())  # then no row is dropped and no column is copied
    if every:
        block = frame
    else:
        block = pd.DataFrame({i: frame[i][filled].reset_index(drop=True) for i in numbers},
                             columns=numbers, copy=False)
    notes = numeric_notes(block, [name_of[i] for i in numbers], decimal or ".", columns=numbers)
    coercions += notes[0]
    warnings += notes[1]
    typed_cols: dict[int, pd.Series] = {}
    for i in keep:
        if i in table.cells:
            s = frame[i] if every else frame[i][filled].reset_index(drop=True)
            typed = type_number_cells(s, name_of[i], table.cells[i])
        elif i in table.numeric:
            continue
        else:
            s = texts.pop(i)
            s = s if every else s[filled].reset_index(drop=True)
            how = {"decimal": decimal or ".", "dayfirst": decimal == ","}
            typed = (type_cells(cells_of_codes(s.cat.codes.to_numpy(),
                                               s.cat.categories.to_numpy(), s.index),
                                name_of[i], **how)
                     if i in table.coded else type_column(s, name_of[i], text_file=text_file, **how))
        typed_cols[i] = typed.series
        coercions += [typed.coercion] if typed.coercion else []
        warnings += typed.warnings
        if _is_float(typed.series):
            warnings += numeric_notes(typed.series.to_frame(), [name_of[i]], ".")[1]
    del frame, table.frame, texts
    if numbers and len(keep) > MAX_BLOCKS:  # wide: one block per type (see MAX_BLOCKS)
        parts = [p for p in (block[numbers], pd.DataFrame(typed_cols)) if p.shape[1]]
        out = pd.concat(parts, axis=1, copy=False)[keep] if len(parts) > 1 else parts[0][keep]
    else:  # each column as it was read or typed, not copied into one block
        out = pd.DataFrame({j: typed_cols[i] if i in typed_cols else block[i]
                            for j, i in enumerate(keep)}, copy=False)
    del block
    out.columns = pd.Index(names, dtype=object)
    report = LoadReport(
        filename=filename, format=table.format, encoding=table.encoding, delimiter=table.delimiter,
        decimal=decimal, n_rows=len(out), n_columns=out.shape[1], coercions=tuple(coercions),
        dropped=tuple(dropped), warnings=tuple(warnings), sheet=table.sheet,
    )
    return out, report


def sheet_names(raw: bytes | bytearray | memoryview, filename: str) -> list[str]:
    """The sheets of an Excel workbook, in order (``[]`` for any other format).

    Read from the workbook's list of sheets only, before any sheet is decoded: cheap on a big
    workbook. Pass one of them as ``load_table(..., sheet=name)``.

    Raises
    ------
    DataError
        An unsupported extension, or a file named ``.xlsx`` that is not a workbook.

    Examples
    --------
    >>> sheet_names(b"a,b\\n1,2\\n", "t.csv")
    []
    """
    if file_format(str(filename)) != "excel":
        return []
    return workbook_sheets(bytes(raw), str(filename))


def _empty_columns(frame: pd.DataFrame, texts: dict[int, pd.Series], numeric: set[int]) -> set[int]:
    """Positions of the columns with no value at all (numbers a chunk of columns at a time)."""
    empty = set()
    for part, chunk in column_chunks(frame, sorted(numeric)):
        all_na = chunk.isna().all().to_numpy()
        empty |= {part[j] for j in np.flatnonzero(all_na)}
    return empty | {i for i, s in texts.items() if s.isna().all()}


def _filled_rows(frame: pd.DataFrame, texts: dict[int, pd.Series], keep: list[int],
                 numeric: set[int]) -> np.ndarray:
    """Rows with at least one value among the kept columns."""
    filled = np.zeros(len(frame), dtype=bool)
    for _, chunk in column_chunks(frame, [i for i in keep if i in numeric]):
        filled |= chunk.notna().any(axis=1).to_numpy()
    for i in keep:
        if i not in numeric:
            filled |= texts[i].notna().to_numpy()
    return filled


def _is_float(s: pd.Series) -> bool:
    return pdt.is_float_dtype(s.dtype)


def _name(header: list[str], i: int) -> str:
    return header[i].strip() if header[i].strip() else f"column {i + 1}"


def _show(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _check_header(table: RawTable, empty: set[int], filename: str, dropped: list[str],
                  coercions: list[str], warnings: list[str]) -> tuple[list[str], list[int]]:
    """Validate the header; return the kept names and column positions (linear in width)."""
    header = [str(h) for h in table.header]
    keep = [i for i in range(len(header)) if not (header[i].strip() == "" and i in empty)]
    if len(keep) < len(header):
        dropped.append(f"{len(header) - len(keep)} column(s) with neither a name nor data were dropped.")
    blank = [i + 1 for i in keep if header[i].strip() == ""]
    if blank:
        raise DataError(
            f"{filename!r}: the column(s) at position {', '.join(map(str, blank[:20]))} have no "
            "name but hold data. Rule: every column needs a name in the header row. Add the "
            "names (or delete those columns) and upload again."
        )
    trimmed = [i for i in keep if header[i] != header[i].strip()]
    if trimmed:
        coercions.append(f"Spaces around {len(trimmed)} column name(s) were removed, e.g. "
                         f"{header[trimmed[0]]!r} → {header[trimmed[0]].strip()!r}.")
    names = [header[i].strip() for i in keep]
    dupes = {n: c for n, c in Counter(names).items() if c > 1}
    if dupes:
        where: dict[str, list[str]] = {n: [] for n in dupes}
        for j, n in enumerate(names):
            if n in where:
                where[n].append(str(keep[j] + 1))
        shown = "; ".join(f"{n!r} at positions {', '.join(p)}" for n, p in list(where.items())[:8])
        raise DataError(
            f"{filename!r} has duplicate column names: {shown}. Rule: column names must be unique. "
            "Rename the duplicates (e.g. 'age_2') and upload again."
        )
    gone = [i for i in keep if i in empty]
    for i in gone:
        dropped.append(f"Column {header[i].strip()!r} was dropped: every cell is empty.")
    if gone:
        names = [n for n, i in zip(names, keep, strict=True) if i not in empty]
        keep = [i for i in keep if i not in empty]
    if names and all(_is_number(n) for n in names[:1000]):
        warnings.append("Every column name is a number: does the file lack a header row?")
    return names, keep


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _single_column(table: RawTable, filename: str, names: list[str]) -> list[str]:
    """Warnings for a one-column table: it loads, but a causal analysis needs two variables."""
    name = names[0] if names else ""
    out = ["The table has a single column: a causal analysis needs at least two variables "
           "(a treatment and an outcome)."]
    if table.delimiter is not None and any(c in name for c in " :/"):
        out.append(
            f"It was read as one column named {name[:60]!r}, splitting at the "
            f"{_DELIM_NAMES[table.delimiter]}. If the values are separated by something else "
            "(spaces, another character), save the file with commas, semicolons or tabs "
            "between values, or pass delimiter=.")
    return out


# ----------------------------------------------------------------------------- profile and hash
_PROFILE_COLUMNS = ["column", "kind", "dtype", "missing", "missing share", "unique",
                    "min", "median", "max", "top values"]


def profile(df: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Describe each column: kind, dtype, missing, distinct values, range or top values.

    Parameters
    ----------
    df : pandas.DataFrame
    top : int
        How many most frequent values to list for non-numeric columns.

    Returns
    -------
    pandas.DataFrame
        One row per column with ``column``, ``kind`` (binary/continuous/categorical/datetime/
        text), ``dtype``, ``missing``, ``missing share``, ``unique``, ``min``, ``median``,
        ``max`` (numbers only) and ``top values`` (text such as ``"a (12), b (7)"``).

    Examples
    --------
    >>> from causal_core.datasets import load_example
    >>> p = profile(load_example("marketing").data)
    >>> p.loc[p["column"] == "competitor_action", "kind"].item()
    'binary'
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"profile needs a pandas DataFrame, got {type(df).__name__}. "
                        "Load the data with load_table first.")
    rows = []
    for i, name in enumerate(df.columns):
        s = df.iloc[:, i]
        n_missing = int(s.isna().sum())
        row: dict[str, Any] = {
            "column": str(name), "kind": column_kind(s), "dtype": str(s.dtype), "missing": n_missing,
            "missing share": n_missing / len(s) if len(s) else 0.0,
            "unique": _nunique(s), "min": np.nan, "median": np.nan, "max": np.nan, "top values": "",
        }
        if pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype) and s.notna().any():
            v = s.dropna().astype(float)
            row.update(min=float(v.min()), median=float(v.median()), max=float(v.max()))
        elif pdt.is_datetime64_any_dtype(s.dtype) and s.notna().any():
            row["top values"] = f"from {s.min()} to {s.max()}"
        elif s.notna().any():
            counts = s.astype(object).map(_hashable).value_counts().head(top)
            row["top values"] = ", ".join(f"{k} ({v})" for k, v in counts.items()) + (
                ", …" if row["unique"] > top else "")
        rows.append(row)
    return pd.DataFrame(rows, columns=_PROFILE_COLUMNS)


def _hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return v


def _nunique(s: pd.Series) -> int:
    try:
        return int(s.nunique(dropna=True))
    except TypeError:
        return int(s.astype(object).map(_hashable).nunique(dropna=True))


def fingerprint(df: pd.DataFrame) -> str:
    """A stable sha256 hex digest of a table's content, for cache keys and change detection.

    Covers the column names, their order and dtypes, and every cell (row order matters, the
    index does not). Reordering columns or rows gives a different fingerprint: it identifies
    the exact table, so a cache keyed on it can at worst miss, never return stale results.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2], "y": [0.5, 1.5]})
    >>> fingerprint(a) == fingerprint(a.copy()), fingerprint(a) == fingerprint(a[["y", "x"]])
    (True, False)
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"fingerprint needs a pandas DataFrame, got {type(df).__name__}.")
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in zip(df.columns, df.dtypes, strict=True)]
                        + [len(df)]).encode("utf-8"))
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        try:
            values = pd.util.hash_pandas_object(s, index=False).to_numpy()
        except TypeError:  # cells pandas cannot hash (lists, dicts): hash their text
            values = pd.util.hash_pandas_object(s.astype(object).map(repr), index=False).to_numpy()
        h.update(np.ascontiguousarray(values, dtype="<u8").tobytes())
    return h.hexdigest()
