"""Turning uploaded bytes into a raw table: format, encoding, delimiter, rows.

This is the lower half of :func:`causal_core.data.load_table`. It recognises the file format
from the extension (and refuses binary content disguised as text by its magic bytes and
control characters), decompresses ``.gz`` within the byte limit (plain UTF-8 text a block at a
time as each pass reads it, never held whole; any other text whole), decodes text
(:mod:`causal_core.data_decode`: UTF-8, UTF-16/32 with BOM, else a recognised legacy code page,
always with a warning), sniffs the delimiter among ``,`` ``;`` tab and ``|``, and reads the rows in two
streaming passes (:mod:`causal_core.data_text`). Excel workbooks (openpyxl) and Parquet files
(pyarrow) are first checked by what they declare (:mod:`causal_core.data_container`).
Nothing is ever unpickled.

Examples
--------
>>> raw = "a;b\\n1,5;x\\n".encode("utf-8")
>>> table = read_raw(raw, "x.csv", max_rows=10)
>>> table.delimiter, table.header, table.decimal, table.frame[0].tolist()
(';', ['a', 'b'], ',', [1.5])
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pandas as pd

from . import data_container as box
from .data_decode import (
    LEGACY_ENCODINGS,
    SAMPLE_CHARS,
    binary_kind,
    decode,
    decode_text,
    legacy_warning,
    plain_utf8_start,
    utf8_bytes,
    valid_utf8,
)
from .data_text import Opener, normalise_newlines, read_columns, scan_rows
from .data_types import decimal_of_cells
from .data_xlsx import open_book, read_sheet
from .exceptions import DataError

__all__ = ["FORMATS", "LEGACY_ENCODINGS", "RawTable", "read_raw", "file_format", "decode",
           "decode_text"]

#: Supported extensions and the format each one is read as.
FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "tsv", ".txt": "txt",
    ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet",
    ".gz": "gzip",  # .csv.gz, .tsv.gz, .txt.gz
}
_DELIMITERS = (",", ";", "\t", "|")
_BLANK = re.compile(rb"[ \t\r\n\x00]*")  # matched in place: raw.strip() would copy the file
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_HEAD = 1 << 19  # decompressed bytes a gzip text is judged by (>= 4 * SAMPLE_CHARS)
_BLOCK = 1 << 18  # bytes read from a gzip stream at a time


@dataclass
class RawTable:
    """What :func:`read_raw` found: the header and the columns by position, before typing.

    Text formats give text columns (object dtype, blanks as NaN) except the columns of plain
    numbers, which are already numeric (their positions in ``numeric``); Excel and Parquet give
    the cells as their readers typed them, except that Parquet's plain text columns come as
    categoricals of their distinct texts (their positions in ``coded``), typed as text, and
    Excel's columns of number cells come as int64 or float64, blanks NaN (their positions in ``cells``
    and in ``numeric``, with whether every number is whole), typed as number cells.
    ``decimal`` is the text's decimal mark.
    """

    format: str
    header: list[str]
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # columns are positions
    numeric: set[int] = field(default_factory=set)
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    decimal_guessed: bool = False
    sheet: str | None = None
    dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coded: set[int] = field(default_factory=set)  # text columns held as categoricals (Parquet)
    cells: dict[int, bool] = field(default_factory=dict)  # Excel number columns: all whole?

    @property
    def n_rows(self) -> int:
        """Rows in the frame."""
        return len(self.frame)


def file_format(filename: str) -> str:
    """The format a file name stands for (``csv``, ``tsv``, ``txt``, ``excel``, ``parquet``).

    Raises
    ------
    DataError
        For ``.xls`` (asks for .xlsx or CSV) and for any other unsupported extension.

    Examples
    --------
    >>> file_format("Sales.XLSX")
    'excel'
    """
    name = str(filename)
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == ".gz":
        inner = file_format(name[:-3]) if "." in name[:-3] else ""
        if inner not in ("csv", "tsv", "txt"):
            raise DataError(f"{name!r} is gzip-compressed; only compressed text tables are "
                            "read (.csv.gz, .tsv.gz, .txt.gz). Decompress it and upload the "
                            "table itself.")
        return inner
    if ext == ".xls":
        raise DataError(
            f"{name!r} is an old-style Excel 97-2003 workbook (.xls), which is not supported. "
            "Open it in Excel or LibreOffice and save it as .xlsx or as CSV, then upload that file."
        )
    if ext not in FORMATS:
        seen = f"the extension {ext!r}" if ext else "no extension"
        raise DataError(
            f"{name!r} has {seen}; supported files are {', '.join(FORMATS)}. "
            "Save the table as CSV (or .xlsx / .parquet) and upload it again."
        )
    return FORMATS[ext]


def read_raw(raw: bytes, filename: str, *, max_rows: int, sheet: str | int | None = None,
             encoding: str | None = None, delimiter: str | None = None,
             max_bytes: int = 200 * 2**20, max_cells: int = box.MAX_CELLS) -> RawTable:
    """Read ``raw`` as the format its ``filename`` says, without typing the text cells.

    Raises
    ------
    DataError
        Empty or binary content, undecodable text, ragged rows, too many rows or cells, a
        container that declares more than the limits, unreadable workbook or Parquet file.
    """
    fmt = file_format(filename)
    if len(raw) == 0 or (fmt not in ("excel", "parquet") and _BLANK.fullmatch(raw)):
        raise DataError(
            f"{filename!r} is empty ({len(raw)} bytes, no data). "
            "Check that you picked the right file and that it was saved before uploading."
        )
    if fmt == "excel":
        return _read_excel(raw, filename, max_rows=max_rows, sheet=sheet, max_cells=max_cells)
    if fmt == "parquet":
        if raw.startswith(b"PAR1") and raw.endswith(b"PAR1"):
            box.check_parquet(raw, filename, max_rows=max_rows, max_cells=max_cells)
        return _read_parquet(raw, filename, max_rows=max_rows)
    limits = {"max_rows": max_rows, "max_cells": max_cells, "delimiter": delimiter}
    if str(filename).lower().endswith(".gz"):
        streamed = None if encoding else _read_gzip_stream(raw, filename, fmt, max_bytes, limits)
        if streamed is not None:
            return streamed
        raw = box.gunzip(raw, filename, max_bytes=max_bytes)
    # The readers take UTF-8 bytes: the upload itself when it is UTF-8 already (not copied),
    # else the decoded text encoded once; no str of the whole text is ever held.
    data, used = utf8_bytes(raw, filename, encoding)
    del raw
    data = normalise_newlines(data)
    table = _split_text(data, _sample(data), filename, fmt, **limits)
    table.encoding = used
    if used in LEGACY_ENCODINGS:
        table.warnings.insert(0, legacy_warning(used))
    return table


def _sample(head: bytes) -> str:
    """The text sampled for the delimiter sniff, from the first bytes of the (UTF-8) text."""
    return head[: 4 * (SAMPLE_CHARS + 1)].decode("utf-8", "ignore")[: SAMPLE_CHARS + 1]


# ---------------------------------------------------------------------------------- gzip text
def _gzip_opener(raw: bytes, filename: str, max_bytes: int) -> Opener:
    """Fresh streams of a gzip file's text, inflated as read, its newlines normalised.

    Offsets count the normalised bytes (those every pass reads), as for a text in memory.
    """
    def open_at(offset: int) -> BinaryIO:
        stream = io.BufferedReader(
            box.GunzipStream(raw, filename, max_bytes=max_bytes, newlines=True), _BLOCK)
        while offset > 0 and (got := len(stream.read(min(offset, _BLOCK)))):
            offset -= got
        return stream

    return open_at


def _read_gzip_stream(raw: bytes, filename: str, fmt: str, max_bytes: int,
                      limits: dict[str, Any]) -> RawTable | None:
    """The table of a gzip text file read as it is inflated, each pass from its own stream.

    The whole decompressed text is never held; its newlines (``\\r\\n``, ``\\r``) are
    normalised as it is inflated. Only plain UTF-8 text is read this way, judged from its first
    :data:`_HEAD` bytes and confirmed while reading; None (read it whole, as :func:`read_raw`
    does any text) for a byte-order mark or a legacy code page. An error while reading is
    raised only when the whole text would have been read this way: else the whole-text path
    raises its own, exactly as before.
    """
    open_at = _gzip_opener(raw, filename, max_bytes)
    head = open_at(0).read(_HEAD)
    if not plain_utf8_start(head, filename):
        return None
    try:
        table = _split_text(open_at, _sample(head), filename, fmt, **limits)
    except UnicodeDecodeError:
        return None
    except DataError:
        if _plain(open_at):
            raise
        return None
    table.encoding = "utf-8"
    return table


def _plain(open_at: Opener) -> bool:
    """Whether the whole text is UTF-8 (its gzip limits checked on the way)."""
    stream = open_at(0)
    return valid_utf8(iter(lambda: stream.read(_BLOCK), b""))


# ---------------------------------------------------------------------------------- splitting
def sniff_delimiter(text: str, fmt: str = "csv") -> str:
    """Pick the delimiter among ``,`` ``;`` tab ``|`` that splits the first lines most evenly.

    Examples
    --------
    >>> sniff_delimiter("a|b|c\\n1|2|3\\n")
    '|'
    """
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (-1.0, 0, 0.0)
    for d in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=None), delimiter=d) if r][:200]
        except csv.Error:
            continue
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, freq = counts.most_common(1)[0]
        if width < 2:
            continue
        bonus = 0.5 if (fmt == "tsv" and d == "\t") else 0.0
        score = (freq / len(rows) + bonus, width, 0.0)
        if score > best_score:
            best, best_score = d, score
    return best


def _split_text(data: bytes | Opener, sample: str, filename: str, fmt: str, *, max_rows: int,
                max_cells: int, delimiter: str | None) -> RawTable:
    delim = delimiter or sniff_delimiter(sample, fmt)
    scan = scan_rows(data, filename, delim, max_rows=max_rows, max_cells=max_cells)
    if len(scan.header) > box.MAX_COLUMNS:
        raise DataError(f"{filename!r} has {len(scan.header):,} columns, more than the limit "
                        f"of {box.MAX_COLUMNS:,}. Upload the columns you need.")
    decimal, guessed = decimal_of_cells([c for row in scan.sample for c in row])
    table = RawTable(format=fmt, header=scan.header, delimiter=delim, decimal=decimal,
                     decimal_guessed=guessed)
    table.frame = read_columns(data, scan, delim, decimal)
    kinds = table.frame.dtypes.map(lambda d: d.kind).to_numpy()
    table.numeric = {i for i in range(len(kinds)) if kinds[i] in "iuf"}
    if scan.blank:
        table.dropped.append(f"{scan.blank} blank line(s) were skipped.")
    if scan.padded:
        table.warnings.append(
            f"{scan.padded} row(s) ended with extra empty fields (a trailing "
            f"{_DELIM_NAMES[delim]}); they were ignored."
        )
    return table


# ---------------------------------------------------------------------------- Excel / Parquet
def _cell_name(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_excel(raw: bytes, filename: str, *, max_rows: int, sheet: str | int | None,
                max_cells: int = box.MAX_CELLS) -> RawTable:
    if not raw.startswith(b"PK\x03\x04"):
        what = binary_kind(raw) or "not an Excel workbook"
        raise DataError(
            f"{filename!r} is named like an .xlsx workbook but its content is {what}. "
            "Open it in Excel and save it as .xlsx (or export CSV), then upload it again."
        )
    box.check_xlsx(raw, filename, max_rows=max_rows, max_cells=max_cells)
    try:
        book = open_book(raw)
        try:
            names = [ws.title for ws in book.worksheets]
            if sheet is None:
                chosen: str | int = 0
            elif isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
                chosen = sheet
            elif sheet in names:
                chosen = sheet
            else:
                raise DataError(
                    f"{filename!r} has no sheet {sheet!r}; its sheets are "
                    f"{', '.join(repr(n) for n in names)}. Pass one of these names as sheet=."
                )
            name = names[chosen] if isinstance(chosen, int) else chosen
            cells = read_sheet(book, book.worksheets[names.index(name)])
        finally:
            book.close()
    except DataError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on corrupt workbooks
        raise DataError(
            f"{filename!r} could not be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or export it as CSV."
        ) from None
    table = RawTable(format="excel", header=[], sheet=str(name))
    if len(names) > 1 and sheet is None:
        table.warnings.append(
            f"The workbook has {len(names)} sheets ({', '.join(repr(n) for n in names)}); "
            f"the first, {name!r}, was read. Pass sheet= to read another."
        )
    if not cells.columns:
        raise DataError(f"{filename!r}: sheet {name!r} is empty. Pick the sheet that holds the table.")
    table.header = [_cell_name(v) for v in cells.header]
    if cells.n_rows > max_rows:
        raise DataError(f"{filename!r} has {cells.n_rows:,} data rows, more than the limit of "
                        f"{max_rows:,}. Upload a sample or an aggregate of the data.")
    # As Series of their own dtype: a frame built from an object array would infer datetimes
    table.frame = pd.DataFrame({j: pd.Series(c, dtype=c.dtype, copy=False)
                                for j, c in enumerate(cells.columns)},
                               columns=range(len(cells.columns)), copy=False)
    table.cells = cells.numbers
    table.numeric = set(cells.numbers)
    return table


def _read_parquet(raw: bytes, filename: str, *, max_rows: int) -> RawTable:
    if not (raw.startswith(b"PAR1") and raw.endswith(b"PAR1")):
        what = binary_kind(raw) or "not a Parquet file (no PAR1 marker)"
        raise DataError(
            f"{filename!r} is named like a Parquet file but its content is {what}. "
            "Export the table again as Parquet (or CSV) and upload that file."
        )
    try:
        frame, coded = decode_parquet(raw)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise DataError(
            f"{filename!r} could not be read as Parquet ({type(exc).__name__}: {exc}). "
            "Export the table again, or as CSV, and upload that file."
        ) from None
    table = RawTable(format="parquet", header=[])
    if not isinstance(frame.index, pd.RangeIndex):
        if any(n is not None for n in frame.index.names):
            table.warnings.append(
                f"The stored index ({', '.join(str(n) for n in frame.index.names)}) became column(s).")
            coded = coded[frame.shape[1]:] + coded[:frame.shape[1]]  # the levels come first
            frame = frame.reset_index()
        else:
            table.dropped.append("The unnamed stored row index was dropped.")
            coded = coded[:frame.shape[1]]
    if len(frame) > max_rows:
        raise DataError(f"{filename!r} has {len(frame):,} rows, more than the limit of "
                        f"{max_rows:,}. Upload a sample or an aggregate of the data.")
    table.header = [_cell_name(c) for c in frame.columns]
    frame.index = pd.RangeIndex(len(frame))  # in place: reset_index would copy every column
    frame.columns = range(frame.shape[1])
    table.frame = frame
    table.coded = {j for j, c in enumerate(coded) if c}
    return table


def decode_parquet(raw: bytes) -> tuple[pd.DataFrame, list[bool]]:
    """A Parquet file as pyarrow and pandas read it, its plain text columns kept compact.

    Plain text columns are read dictionary-encoded and come back as pandas categoricals of
    their distinct texts, not as one Python string per row; the second value says, for each
    column and then each stored index level, whether it is such a column (True) or was
    decoded as stored (numbers, dates, a categorical the writer stored as one).
    :mod:`causal_core.data_types` types them as text, exactly as the same texts one per row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(io.BytesIO(raw)).schema_arrow
    plain = {f.name for f in schema
             if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}
    pf = pq.ParquetFile(io.BytesIO(raw), read_dictionary=sorted(plain), pre_buffer=False)
    names = pf.schema_arrow.names
    if len(set(names)) == len(names):  # one column at a time: one column's buffers at a time
        arrow = pa.Table.from_arrays(
            [pf.read(columns=[n], use_threads=False, use_pandas_metadata=False).column(0)
             for n in names], schema=pf.schema_arrow)
    else:
        arrow = pf.read(use_pandas_metadata=True, use_threads=False)
    meta = arrow.schema.pandas_metadata or {}
    index = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
    fields = [f.name for f in arrow.schema if f.name not in index]
    frame = arrow.to_pandas(self_destruct=True, split_blocks=True)
    del arrow
    if frame.shape[1] != len(fields) or frame.index.nlevels != max(1, len(index)):
        del frame  # a layout this mapping does not cover: read it as pandas does
        frame = pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
        return frame, [False] * (frame.shape[1] + frame.index.nlevels)
    return frame, [f in plain for f in fields] + [f in plain for f in index]
