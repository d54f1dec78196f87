"""Turning uploaded bytes into a raw table: format, encoding, delimiter, rows.

This is the lower half of :func:`causal_core.data.load_table`. It recognises the file format
from the extension (and refuses binary content disguised as text by its magic bytes and
control characters), decompresses ``.gz`` within the byte limit, decodes text (UTF-8 with or
without BOM, UTF-16/32 with BOM, else a legacy code page recognised by its statistics, such as
Shift-JIS, GB18030, Big5, EUC-KR or Windows-1252, always with a warning; text no code page fits
is refused), sniffs the delimiter among ``,`` ``;`` tab and ``|``, and reads the rows in two
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

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import data_container as box
from .data_text import normalise_newlines, read_columns, scan_rows
from .data_types import decimal_of_cells
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
#: Legacy code pages a text that is not UTF-8 may be in, and how they are named to people.
LEGACY_ENCODINGS: dict[str, str] = {
    "cp932": "Shift-JIS (Japanese)",
    "gb18030": "GB18030 (Chinese, simplified; includes GBK/GB2312)",
    "big5": "Big5 (Chinese, traditional)",
    "euc_kr": "EUC-KR (Korean)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
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
_MIN_SCORE = 0.6  # a reading whose script share less its mess ratio is lower is refused
_SINGLE_BYTE = ("cp1252", "cp1250", "cp1251")


@dataclass
class RawTable:
    """What :func:`read_raw` found: the header and the columns by position, before typing.

    Text formats give text columns (object dtype, blanks as NaN) except the columns of plain
    numbers, which are already numeric (their positions in ``numeric``); Excel and Parquet give
    the cells as their readers typed them, except that Parquet's plain text columns come as
    categoricals of their distinct texts (their positions in ``coded``), typed as text.
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
    if len(raw) == 0 or (fmt not in ("excel", "parquet") and not raw.strip(b" \t\r\n\x00")):
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
    if str(filename).lower().endswith(".gz"):
        raw = box.gunzip(raw, filename, max_bytes=max_bytes)
    text, used = decode(raw, filename, encoding)
    del raw
    table = _split_text(normalise_newlines(text), filename, fmt, max_rows=max_rows,
                        max_cells=max_cells, delimiter=delimiter)
    table.encoding = used
    if used in LEGACY_ENCODINGS:
        table.warnings.insert(0, _legacy_warning(used))
    return table


def _legacy_warning(used: str) -> str:
    return (f"The file is not UTF-8 text; it was decoded as {LEGACY_ENCODINGS[used]}, codec "
            f"{used}, the code page its bytes fit best. Check the column names and labels "
            "below: if they look wrong, choose the file's encoding, or save the file as UTF-8 "
            "and upload it again.")


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
    >>> decode("café,crème\\n".encode("cp1252"), "x.csv")
    ('café,crème\\n', 'cp1252')
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
    try:
        text, name = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        text, name = _legacy(raw, filename, exc)
    _check_controls(text, filename)
    return text, name


def decode_text(raw: bytes, filename: str, encoding: str | None = None) -> str:
    """The text of an uploaded text file (a graph file, say), decoded as :func:`decode` does.

    Examples
    --------
    >>> decode_text("x -> y".encode("utf-16"), "g.txt")
    'x -> y'
    """
    return decode(bytes(raw), filename, encoding)[0]


def _legacy(raw: bytes, filename: str, exc: UnicodeDecodeError) -> tuple[str, str]:
    """Recognise a legacy code page (statistically, on a sample), then decode all strictly."""
    from charset_normalizer import from_bytes

    sample = raw[:_SAMPLE_CHARS]
    if len(raw) > _SAMPLE_CHARS and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]
    fits = [c for c in LEGACY_ENCODINGS if _decodes(sample, c)]
    name = _pick(sample, fits, from_bytes(sample, cp_isolation=fits) if fits else [])
    if name is None or not _decodes(raw, name):
        tried = ", ".join(LEGACY_ENCODINGS.values())
        raise DataError(
            f"{filename!r} is not UTF-8 text (invalid byte at position {exc.start}) and no "
            f"code page reads it cleanly (tried {tried}). Rule: text is read as UTF-8 or a "
            "recognised code page, never guessed into garbled characters. Save the file as "
            "UTF-8 (in Excel: 'CSV UTF-8'), or choose its encoding, and upload it again.")
    return raw.decode(name), name


def _pick(sample: bytes, fits: list[str], matches: Any) -> str | None:
    """The code page among ``fits`` whose reading looks most like its own script, less
    charset_normalizer's mess ratio; None when none reads cleanly.

    A short table rarely has enough text for frequency statistics alone: the bytes of a Chinese
    name are valid EUC-KR too, but read as Korean they give Hanja instead of Hangul, and
    Cyrillic read as Windows-1250 gives words made only of accented letters.
    """
    chaos = {}
    for m in matches:
        name = codecs.lookup(m.encoding).name
        name = {"shift_jis": "cp932", "gbk": "gb18030", "gb2312": "gb18030"}.get(name, name)
        chaos[name] = min(chaos.get(name, 1.0), m.chaos)
    scored = [(_script_score(sample.decode(n), n) - chaos.get(n, 0.5), -i, n)
              for i, n in enumerate(fits)]
    if not scored:
        return None
    score, _, best = max(scored)
    if score < _MIN_SCORE:
        return None
    if best != "cp1252" and best in _SINGLE_BYTE and "cp1252" in fits \
            and sample.decode("cp1252") == sample.decode(best):
        return "cp1252"  # the same text either way: name the usual one
    return best


_SCRIPTS = {
    "euc_kr": (("\uac00", "\ud7a3"),),
    "cp932": (("\u3040", "\u30ff"), ("\u4e00", "\u9fff"), ("\u3000", "\u303f"),
              ("\uff01", "\uff5e")),
    "gb18030": (("\u4e00", "\u9fff"), ("\u3000", "\u303f"), ("\uff01", "\uff5e")),
    "big5": (("\u4e00", "\u9fff"), ("\u3000", "\u303f"), ("\uff01", "\uff5e")),
    "cp1251": (("\u0400", "\u04ff"),),
}


def _script_score(text: str, name: str) -> float:
    """The share of non-ASCII characters that belong to the code page's own script."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 1.0
    if name in _SCRIPTS:
        ranges = _SCRIPTS[name]
        share = sum(any(lo <= c <= hi for lo, hi in ranges) for c in high) / len(high)
        words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
        mixed = sum(any(c.isascii() for c in w) for w in words)
        return share * (0.3 if mixed > 0.3 * len(words) else 1.0)  # "cafй" is not Russian
    letters = sum(c.isalpha() for c in text)
    accented = sum(c.isalpha() for c in high)
    plausible = 1.0 if accented <= 0.5 * max(letters, 1) else 0.3  # Latin: accents are sparse
    return accented / len(high) * plausible


def _decodes(raw: bytes, name: str) -> bool:
    try:
        raw.decode(name)
    except UnicodeDecodeError:
        return False
    return True


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


def _split_text(text: str, filename: str, fmt: str, *, max_rows: int, max_cells: int,
                delimiter: str | None) -> RawTable:
    delim = delimiter or sniff_delimiter(text, fmt)
    scan = scan_rows(text, filename, delim, max_rows=max_rows, max_cells=max_cells)
    if len(scan.header) > box.MAX_COLUMNS:
        raise DataError(f"{filename!r} has {len(scan.header):,} columns, more than the limit "
                        f"of {box.MAX_COLUMNS:,}. Upload the columns you need.")
    decimal, guessed = decimal_of_cells([c for row in scan.sample for c in row])
    table = RawTable(format=fmt, header=scan.header, delimiter=delim, decimal=decimal,
                     decimal_guessed=guessed)
    table.frame = read_columns(text, scan, delim, decimal)
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
        what = _binary_kind(raw) or "not an Excel workbook"
        raise DataError(
            f"{filename!r} is named like an .xlsx workbook but its content is {what}. "
            "Open it in Excel and save it as .xlsx (or export CSV), then upload it again."
        )
    box.check_xlsx(raw, filename, max_rows=max_rows, max_cells=max_cells)
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
