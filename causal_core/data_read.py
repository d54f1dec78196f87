"""Turning uploaded bytes into a raw table: format, encoding, delimiter, rows.

This is the lower half of :func:`causal_core.data.load_table`. It recognises the file format
from the extension (and refuses binary content disguised as text by its magic bytes and
control characters), decodes text (UTF-8 with or without BOM, UTF-16/32 with BOM, then
cp1252 and latin-1), sniffs the delimiter among ``,`` ``;`` tab and ``|``, and splits the rows
with :mod:`csv`, checking that every row has as many fields as the header. Excel workbooks
are read with openpyxl and Parquet files with pyarrow. Nothing is ever unpickled.

Examples
--------
>>> raw = "a;b\\n1,5;2\\n".encode("utf-8")
>>> table = read_raw(raw, "x.csv", max_rows=10)
>>> table.delimiter, table.header, table.cells.tolist()
(';', ['a', 'b'], [['1,5', '2']])
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["FORMATS", "RawTable", "read_raw", "file_format"]

#: Supported extensions and the format each one is read as.
FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "tsv", ".txt": "txt",
    ".xlsx": "excel", ".xlsm": "excel",
    ".parquet": "parquet", ".pq": "parquet",
}
_DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one: if this is an Excel file, name it .xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"BZh", "bzip2-compressed data (decompress it first)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x93NUMPY", "a NumPy array file"),
)
_SAMPLE_CHARS = 65_536


@dataclass
class RawTable:
    """What :func:`read_raw` found: header and cells before any typing.

    Text formats give ``header`` and ``cells`` (a 2-D object array of cell strings, one row per
    data row); Excel and Parquet give ``frame`` (a DataFrame whose header is still unchecked,
    held in ``header``).
    """

    format: str
    header: list[str]
    cells: np.ndarray | None = None
    frame: pd.DataFrame | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
             encoding: str | None = None, delimiter: str | None = None) -> RawTable:
    """Read ``raw`` as the format its ``filename`` says, without typing the cells.

    Raises
    ------
    DataError
        Empty or binary content, undecodable text, ragged rows, too many rows, unreadable
        workbook or Parquet file.
    """
    fmt = file_format(filename)
    if len(raw) == 0 or (fmt not in ("excel", "parquet") and not raw.strip(b" \t\r\n\x00")):
        raise DataError(
            f"{filename!r} is empty ({len(raw)} bytes, no data). "
            "Check that you picked the right file and that it was saved before uploading."
        )
    if fmt == "excel":
        return _read_excel(raw, filename, max_rows=max_rows, sheet=sheet)
    if fmt == "parquet":
        return _read_parquet(raw, filename, max_rows=max_rows)
    text, used = decode(raw, filename, encoding)
    table = _split_text(text, filename, fmt, max_rows=max_rows, delimiter=delimiter)
    table.encoding = used
    if used in ("cp1252", "latin-1"):
        table.warnings.append(
            f"The file is not valid UTF-8, so it was decoded as {used}. If accented letters look "
            "wrong, save the file as UTF-8 and upload it again."
        )
    return table


# ----------------------------------------------------------------------------------- decoding
def _binary_kind(raw: bytes) -> str | None:
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return what
    if len(raw) > 1 and raw[0] == 0x80 and 2 <= raw[1] <= 5:
        return ("Python pickle data (causal_core never opens pickles: they can run code; "
                "export the table to CSV or Parquet instead)")
    return None


def decode(raw: bytes, filename: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode text bytes; return the text and the name of the encoding used.

    Examples
    --------
    >>> decode("é".encode("cp1252"), "x.csv")
    ('é', 'cp1252')
    """
    if encoding is not None:
        text = _strict(raw, encoding, filename, why=f"the encoding you chose ({encoding})")
        _check_controls(text, filename)
        return text, encoding
    for bom, name in _BOMS:
        if raw.startswith(bom):
            text = _strict(raw, name, filename, why=f"its byte-order mark says {name}")
            _check_controls(text, filename)
            return text, name
    what = _binary_kind(raw)
    if what is None and b"\x00" in raw[:_SAMPLE_CHARS]:
        what = ("binary data (it contains NUL bytes; UTF-16 text without a byte-order mark looks "
                "like this too)")
    if what is not None:
        raise DataError(
            f"{filename!r} is not a text table: its content looks like {what}. "
            "Upload a CSV/TSV text file, an .xlsx workbook or a .parquet file."
        )
    for name in ("utf-8", "cp1252"):
        try:
            text = raw.decode(name)
            break
        except UnicodeDecodeError:
            continue
    else:
        text, name = raw.decode("latin-1"), "latin-1"
    _check_controls(text, filename)
    return text, name


def _strict(raw: bytes, name: str, filename: str, why: str) -> str:
    try:
        return raw.decode(name)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f"at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise DataError(
            f"{filename!r} cannot be decoded as {name} ({why}): invalid data {where} ({exc}). "
            "Re-save the file as UTF-8 text (in Excel: 'CSV UTF-8') and upload it again."
        ) from None


def _check_controls(text: str, filename: str) -> None:
    sample = text[:_SAMPLE_CHARS]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or ord(c) == 127)
    if "\x00" in sample or bad > max(2, len(sample) // 100):
        raise DataError(
            f"{filename!r} does not look like text: {bad} control characters in its first "
            f"{len(sample)} characters. It is probably a binary file renamed to a text extension; "
            "upload a CSV/TSV text file, an .xlsx workbook or a .parquet file."
        )


# ---------------------------------------------------------------------------------- splitting
def sniff_delimiter(text: str, fmt: str = "csv") -> str:
    """Pick the delimiter among ``,`` ``;`` tab ``|`` that splits the first lines most evenly.

    Examples
    --------
    >>> sniff_delimiter("a|b|c\\n1|2|3\\n")
    '|'
    """
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
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


def _line_of(text: str, delim: str, record: int) -> int:
    """The physical line (1-based) where record number ``record`` (0-based) ends."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delim)
    for i, _ in enumerate(reader):
        if i == record:
            break
    return reader.line_num


def _blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


def _split_text(text: str, filename: str, fmt: str, *, max_rows: int,
                delimiter: str | None) -> RawTable:
    delim = delimiter or sniff_delimiter(text, fmt)
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delim)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(
            f"{filename!r} could not be split into fields near line {reader.line_num}: {exc}. "
            "Check for an unclosed quote (\") in that line."
        ) from None
    start = next((i for i, r in enumerate(rows) if not _blank(r)), None)
    if start is None:
        raise DataError(f"{filename!r} is empty: it holds only blank lines. "
                        "Check that you picked the right file.")
    header, body = rows[start], rows[start + 1:]
    width = len(header)
    if len(body) > max_rows:
        raise DataError(
            f"{filename!r} has {len(body):,} data rows, more than the limit of {max_rows:,}. "
            "Upload a sample or an aggregate of the data, or raise max_rows."
        )
    odd = [i for i, r in enumerate(body) if len(r) != width]
    blank = start
    padded = 0
    drop: set[int] = set()
    for i in odd:
        row = body[i]
        if not row or (len(row) < width and _blank(row)):
            drop.add(i)
        elif len(row) > width and _blank(row[width:]):
            body[i] = row[:width]
            padded += 1
        else:
            line = _line_of(text, delim, start + 1 + i)
            raise DataError(_ragged(filename, line, len(row), header, _line_of(text, delim, start), delim))
    if drop:
        body = [r for i, r in enumerate(body) if i not in drop]
        blank += len(drop)
    table = RawTable(format=fmt, header=list(header), delimiter=delim)
    table.cells = np.empty((len(body), width), dtype=object)
    if body:
        table.cells[:] = body
    if blank:
        table.dropped.append(f"{blank} blank line(s) were skipped.")
    if padded:
        table.warnings.append(
            f"{padded} row(s) ended with extra empty fields (a trailing {_DELIM_NAMES[delim]}); "
            "they were ignored."
        )
    return table


def _ragged(filename: str, line: int, got: int, header: list[str], header_line: int,
            delim: str) -> str:
    return (
        f"{filename!r}, line {line}: that row has {got} fields but the header (line {header_line}) "
        f"has {len(header)}. Rule: every row must have as many {_DELIM_NAMES[delim]}-separated "
        f"fields as the header. Check line {line} for a value containing a "
        f"{_DELIM_NAMES[delim]} that is not in quotes, or a missing or extra field."
    )


# ---------------------------------------------------------------------------- Excel / Parquet
def _cell_name(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_excel(raw: bytes, filename: str, *, max_rows: int, sheet: str | int | None) -> RawTable:
    if not raw.startswith(b"PK\x03\x04"):
        what = _binary_kind(raw) or "not an Excel workbook"
        raise DataError(
            f"{filename!r} is named like an .xlsx workbook but its content is {what}. "
            "Open it in Excel and save it as .xlsx (or export CSV), then upload it again."
        )
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
        names = list(book.sheet_names)
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
        frame = book.parse(chosen, header=None, dtype=object, keep_default_na=False)
    except DataError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on corrupt workbooks
        raise DataError(
            f"{filename!r} could not be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx, or export it as CSV."
        ) from None
    name = names[chosen] if isinstance(chosen, int) else chosen
    table = RawTable(format="excel", header=[], sheet=str(name))
    if len(names) > 1 and sheet is None:
        table.warnings.append(
            f"The workbook has {len(names)} sheets ({', '.join(repr(n) for n in names)}); "
            f"the first, {name!r}, was read. Pass sheet= to read another."
        )
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


def _read_parquet(raw: bytes, filename: str, *, max_rows: int) -> RawTable:
    if not (raw.startswith(b"PAR1") and raw.endswith(b"PAR1")):
        what = _binary_kind(raw) or "not a Parquet file (no PAR1 marker)"
        raise DataError(
            f"{filename!r} is named like a Parquet file but its content is {what}. "
            "Export the table again as Parquet (or CSV) and upload that file."
        )
    try:
        frame = pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
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
            frame = frame.reset_index()
        else:
            table.dropped.append("The unnamed stored row index was dropped.")
    if len(frame) > max_rows:
        raise DataError(f"{filename!r} has {len(frame):,} rows, more than the limit of "
                        f"{max_rows:,}. Upload a sample or an aggregate of the data.")
    table.header = [_cell_name(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    table.frame = frame
    return table
