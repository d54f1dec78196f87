"""Splitting decoded text into columns, with the limits applied while reading.

Two passes over the text, neither of which holds more than one row of Python strings per
numeric column, and neither of which copies the text: both read its UTF-8 bytes (a
``str`` is encoded once), or a fresh stream of them each (an :data:`Opener`: a gzip file is
inflated as it is read), because :class:`io.StringIO` would hold four bytes per character
(140 MB for a 35 MB file):

1. :func:`scan_rows` walks the records with :mod:`csv` (one row at a time): it finds the
   header, checks that every row has as many fields as the header, counts blank and padded
   rows, keeps a small sample for the decimal-mark detection, and stops at the first row over
   ``max_rows`` or the first cell over ``max_cells``, so a 100 MB file of short rows is refused
   without building anything.
2. :func:`read_columns` lets pandas' C parser read the body (numbers straight into float64/int64
   arrays, in chunks); every column that is not plain numbers is read again as text for the
   typing rules of :mod:`causal_core.data_types`.

Examples
--------
>>> scan = scan_rows("a;b\\n1,5;x\\n2,5;y\\n", "t.csv", ";", max_rows=10, max_cells=100)
>>> scan.header, scan.n_rows, scan.sample
(['a', 'b'], 2, [['1,5', 'x'], ['2,5', 'y']])
>>> cols = read_columns("a;b\\n1,5;x\\n2,5;y\\n", scan, ";", ",")
>>> cols[0].tolist(), cols[1].tolist()
([1.5, 2.5], ['x', 'y'])
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["Opener", "Scan", "scan_rows", "read_columns", "normalise_newlines", "numeric_notes",
           "column_chunks", "opener", "utf8"]

#: A fresh binary stream of the UTF-8 text, positioned at the given byte offset: each pass
#: opens its own, so a text can be read from a stream (a gzip file inflated as it is read)
#: as well as from bytes held in memory.
Opener = Callable[[int], BinaryIO]

_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_CELLS = 1 << 16
_SAMPLE_ROWS = 2000
#: Cells of a chunk of columns copied at once (:func:`column_chunks`): 8 MB of float64.
CHUNK_CELLS = 1 << 20
#: Up to this many columns a table is kept one block per column (each column as read, no
#: copy); a wider one is copied into one block per type (a block per column costs more there).
MAX_BLOCKS = 2000


@dataclass
class Scan:
    """What the first pass found: the header, where the body starts, counts and a sample."""

    header: list[str]
    body_start: int          # byte offset (in the UTF-8 text) of the first record after the header
    n_rows: int              # data records kept (blank ones not counted)
    max_width: int           # the widest record (padded rows are wider than the header)
    blank: int               # blank lines skipped (before the header or short and empty)
    padded: int              # rows with extra empty fields at the end
    sample: list[list[str]]  # the first data rows, for the decimal-mark detection
    drop: list[int]          # rows pandas' parser keeps but the scan dropped (its numbering)


def normalise_newlines(text: str | bytes) -> str | bytes:
    """``\\r\\n`` and ``\\r`` become ``\\n`` (what universal newlines did to the whole text).

    Works on UTF-8 bytes too (a ``\\r`` byte is never part of a longer UTF-8 sequence); the
    text comes back itself when it holds no ``\\r``.
    """
    cr, lf = ("\r", "\n") if isinstance(text, str) else (b"\r", b"\n")
    if cr not in text:
        return text
    return text.replace(cr + lf, lf).replace(cr, lf)


def _blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


def utf8(text: str | bytes) -> bytes:
    """The UTF-8 bytes of ``text`` (bytes are taken as already UTF-8, not copied)."""
    return text if isinstance(text, bytes) else text.encode("utf-8")


def opener(text: str | bytes | Opener) -> Opener:
    """An :data:`Opener` of ``text`` (its UTF-8 bytes, shared, never copied), or ``text`` itself.

    Examples
    --------
    >>> opener("a,b\\n1,2\\n")(4).read()
    b'1,2\\n'
    """
    if callable(text):
        return text
    data = utf8(text)

    def open_at(offset: int) -> BinaryIO:
        stream = io.BytesIO(data)  # shares the bytes until written to, which it never is
        stream.seek(offset)
        return stream

    return open_at


def _offset_after_lines(open_at: Opener, lines: int, block: int = 1 << 16) -> int:
    """The byte offset just after the first ``lines`` newlines of the text (or its end)."""
    stream, pos = open_at(0), 0
    while lines and (chunk := stream.read(block)):
        found = chunk.count(b"\n")
        if found < lines:
            lines, pos = lines - found, pos + len(chunk)
            continue
        at = -1
        for _ in range(lines):
            at = chunk.index(b"\n", at + 1)
        return pos + at + 1
    return pos


def scan_rows(text: str | bytes | Opener, filename: str, delim: str, *, max_rows: int,
              max_cells: int) -> Scan:
    """First pass: validate the rows of ``text`` (newlines already normalised) one at a time.

    ``text`` is the decoded text, its UTF-8 bytes or an :data:`Opener` of them; it is read
    through an incremental decoder, never copied (an invalid UTF-8 stream raises
    :class:`UnicodeDecodeError`).

    Raises
    ------
    DataError
        Blank text, an unclosed quote, a ragged row (with its line), more than ``max_rows``
        data rows or more than ``max_cells`` cells.
    """
    open_at = opener(text)
    stream = io.TextIOWrapper(open_at(0), encoding="utf-8", newline="")
    reader = csv.reader(stream, delimiter=delim)
    header: list[str] | None = None
    start = blank = padded = n = width = max_width = 0
    sample: list[list[str]] = []
    drop: list[int] = []
    seen = -1  # the index pandas gives the current record (it skips empty and blank lines)
    try:
        for row in reader:
            visible = bool(row) and not (len(row) == 1 and row[0] != "" and row[0].strip() == "")
            if header is not None and visible:
                seen += 1
            if header is None:
                if _blank(row):
                    blank += 1
                    continue
                header, header_line = row, reader.line_num
                width = max_width = len(row)
                start = _offset_after_lines(open_at, header_line)
                sample_rows = max(1, min(_SAMPLE_ROWS, _SAMPLE_CELLS // max(width, 1)))
                continue
            if len(row) != width:
                if not row or (len(row) < width and _blank(row)):
                    blank += 1
                    if visible:
                        drop.append(seen)
                    continue
                if len(row) > width and _blank(row[width:]):
                    padded += 1
                    max_width = max(max_width, len(row))
                    row = row[:width]
                else:
                    raise DataError(_ragged(filename, reader.line_num, len(row), width,
                                            header_line, delim))
            n += 1
            if n > max_rows:
                raise DataError(
                    f"{filename!r} has more than {max_rows:,} data rows (the limit); reading "
                    "stopped there. Upload a sample or an aggregate of the data, or raise max_rows.")
            if n * width > max_cells:
                raise DataError(
                    f"{filename!r} has more than {max_cells:,} cells ({width:,} columns × "
                    f"{n:,}+ rows; the limit); reading stopped there. Upload fewer columns or "
                    "rows, or raise max_cells.")
            if len(sample) < sample_rows:
                sample.append(row)
    except csv.Error as exc:
        raise DataError(
            f"{filename!r} could not be split into fields near line {reader.line_num}: {exc}. "
            "Check for an unclosed quote (\") in that line."
        ) from None
    if header is None:
        raise DataError(f"{filename!r} is empty: it holds only blank lines. "
                        "Check that you picked the right file.")
    return Scan(header=list(header), body_start=start, n_rows=n, max_width=max_width,
                blank=blank, padded=padded, sample=sample,
                drop=drop)


def _ragged(filename: str, line: int, got: int, width: int, header_line: int, delim: str) -> str:
    name = _DELIM_NAMES[delim]
    return (
        f"{filename!r}, line {line}: that row has {got} fields but the header (line {header_line}) "
        f"has {width}. Rule: every row must have as many {name}-separated "
        f"fields as the header. Check line {line} for a value containing a "
        f"{name} that is not in quotes, or a missing or extra field."
    )


def _read(open_at: Opener, scan: Scan, delim: str, decimal: str, *, usecols: list[int] | None,
          as_text: bool) -> pd.DataFrame:
    stream = open_at(scan.body_start)
    width = len(scan.header)
    try:
        return _pandas_read(stream, scan, width, delim, decimal, usecols, as_text)
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise DataError(f"The file could not be split into columns ({exc}). Check its "
                        "quotes and delimiters, or save it again as CSV.") from None


def _pandas_read(stream: BinaryIO, scan: Scan, width: int, delim: str, decimal: str,
                 usecols: list[int] | None, as_text: bool) -> pd.DataFrame:
    return pd.read_csv(
        stream, sep=delim, header=None, names=range(max(scan.max_width, width)), encoding="utf-8",
        usecols=usecols if usecols is not None else range(width), engine="c",
        dtype=str if as_text else None, keep_default_na=False, na_values=[""],
        decimal=decimal, float_precision="round_trip", skip_blank_lines=True, quotechar='"',
        doublequote=True, low_memory=True, true_values=[], false_values=[],
    )


def read_columns(text: str | bytes | Opener, scan: Scan, delim: str, decimal: str) -> pd.DataFrame:
    """Second pass: the body as a frame whose columns are positions, plain numbers numeric.

    ``text`` is what :func:`scan_rows` read (the text, its UTF-8 bytes or their opener).

    A column comes back as float64/int64 when pandas' parser read every cell as a number with
    the file's decimal mark (blank cells become NaN); any other column comes back as its cells'
    text (object dtype, blanks as NaN) for :func:`causal_core.data_types.type_column`.
    """
    width = len(scan.header)
    if scan.n_rows == 0:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    open_at = opener(text)
    first = _drop_blank_rows(_read(open_at, scan, delim, decimal, usecols=None, as_text=False), scan)
    kinds = first.dtypes.map(lambda d: d.kind).to_numpy()
    redo = [i for i in range(width) if kinds[i] not in "iuf"]
    if not redo:
        return first.reset_index(drop=True)
    again = _drop_blank_rows(_read(open_at, scan, delim, decimal, usecols=redo, as_text=True), scan)
    again = again.astype(object).reset_index(drop=True)
    if width > MAX_BLOCKS:  # wide and so short: one block per column would cost more than a copy
        numbers = first.drop(columns=redo).reset_index(drop=True)
        del first
        return pd.concat([numbers, again], axis=1)[list(range(width))]
    # one column at a time, never concatenated: a copy of every number column doubled the peak
    first.index = again.index
    return pd.DataFrame({i: again[i] if i in again else first[i] for i in range(width)},
                        copy=False)


def _drop_blank_rows(frame: pd.DataFrame, scan: Scan) -> pd.DataFrame:
    """pandas keeps short blank records (such as ``,``) that the scan dropped: drop them too."""
    if scan.drop:
        keep = np.ones(len(frame), dtype=bool)
        keep[[d for d in scan.drop if d < len(frame)]] = False
        frame = frame[keep]
    if len(frame) != scan.n_rows:  # the two readers disagree: never guess which row is which
        raise DataError(
            f"The file's rows could not be read consistently ({scan.n_rows:,} rows by one "
            f"reader, {len(frame):,} by the other), probably because of blank lines inside "
            "quoted values. Remove those blank lines or save the file again as CSV.")
    return frame


def column_chunks(frame: pd.DataFrame, columns: list | None = None,
                  cells: int | None = None) -> Iterator[tuple[list, pd.DataFrame]]:
    """``frame``'s ``columns`` (labels; default all) a few at a time, each chunk copied alone.

    Selecting many columns of a frame copies them: a chunk of at most ``cells`` cells keeps
    that copy small (8 MB of float64) however long or wide the table, and wide tables with
    few rows still go in few chunks.
    """
    columns = list(frame.columns) if columns is None else list(columns)
    step = max(1, (cells or CHUNK_CELLS) // max(1, len(frame)))
    for start in range(0, len(columns), step):
        part = columns[start:start + step]
        yield part, frame[part]


def numeric_notes(block: pd.DataFrame, names: list[str], decimal: str,
                  columns: list | None = None) -> tuple[list[str], list[str]]:
    """Coercions (decimal comma) and warnings (infinite values) for columns read as numbers.

    ``columns`` are the labels in ``block`` of the numeric columns (default: all of them),
    ``names`` their names; the counts are vectorised over a chunk of columns at a time
    (:func:`column_chunks`), so 100,000 columns cost a few passes and a million rows never
    a copy of every column at once.
    """
    columns = list(block.columns) if columns is None else list(columns)
    if not columns:
        return [], []
    coercions: list[str] = []
    warnings: list[str] = []
    done = 0
    for part, chunk in column_chunks(block, columns):
        values = chunk.to_numpy(dtype=float)  # numpy dtypes only: NaN is already NaN
        n_inf = np.isinf(values).sum(axis=0)
        if decimal == ",":
            finite = np.where(np.isfinite(values), values, 0.0)
            fractional = (finite != np.round(finite)).any(axis=0)
            is_float = chunk.dtypes.map(lambda d: d.kind == "f").to_numpy()
            coercions += [f"{names[done + j]!r}: text → numbers ({chunk.dtypes.iloc[j]}), "
                          "decimal comma." for j in np.flatnonzero(fractional & is_float)]
        warnings += [f"{names[done + j]!r}: {int(n_inf[j])} cell(s) were read as infinity (text "
                     "such as 'inf' or '-Infinity', or a number too large for float64). Estimators "
                     "refuse infinite values: fix or blank those cells." for j in np.flatnonzero(n_inf)]
        done += len(part)
    return coercions, warnings
