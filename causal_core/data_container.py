"""Container formats checked by what they declare, before anything is decompressed or decoded.

A small file can ask for a great deal of memory: an ``.xlsx`` whose last cell is XFD1048576,
a Parquet file whose footer declares 200 million rows of one repeated value, a gzip stream
that inflates a thousandfold. These checks read only the declarations (the zip directory, a
sheet's cell references, the Parquet footer, the gzip trailer) and refuse the file with a
:class:`~causal_core.exceptions.DataError` before the expensive step. Decompression itself is
bounded by the declared sizes (Python's :mod:`zipfile` stops at a member's declared size; the
gzip readers here, :func:`gunzip` and the streaming :class:`GunzipStream`, stop at ``max_bytes``
whatever the trailer says).

Examples
--------
>>> import gzip
>>> gunzip(gzip.compress(b"a,b\\n1,2\\n"), "t.csv.gz", max_bytes=100)
b'a,b\\n1,2\\n'
>>> budget(1_000)  # bytes of decoded data an upload of 1 kB may become
67108864
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from typing import Any

from .data_text import normalise_newlines
from .exceptions import DataError

__all__ = ["MAX_CELLS", "MAX_COLUMNS", "GunzipStream", "budget", "gunzip",
           "check_xlsx", "check_parquet", "workbook_sheets"]

#: Most cells (rows × columns) one table may have.
MAX_CELLS = 50_000_000
#: Most columns one table may have.
MAX_COLUMNS = 100_000
#: Decoded data may take this many bytes per byte of upload (and at least :data:`_FLOOR`).
RATIO = 10
_FLOOR = 64 * 2**20
_MB = 2**20
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,4})(\d+)\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\sref=\"([A-Z]{1,4})?(\d+)?:?([A-Z]{1,4})?(\d+)?\"")
_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\suniqueCount=\"(\d+)\"")
_CHUNK = 1 << 16  # a chunk's cell references are listed at once: keep that list small
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\sname=\"([^\"]*)\"")
_WORKBOOK_BYTES = 4 * _MB  # a workbook.xml lists sheets, names and defined names: kilobytes


def budget(n_bytes: int) -> int:
    """The most bytes the decoded data of an ``n_bytes`` upload may take."""
    return max(RATIO * int(n_bytes), _FLOOR)


def _mb(n: float) -> str:
    return f"{n / _MB:,.1f} MB"


# ---------------------------------------------------------------------------------- gzip
def _declared(raw: bytes) -> int:
    """The uncompressed size a gzip file's trailer declares (modulo 4 GiB; 0 when too short)."""
    return int.from_bytes(raw[-4:], "little") if len(raw) >= 18 else 0


def _gzip_error(filename: str, rule: str, *, max_bytes: int = 0, declared: int = 0,
                exc: zlib.error | None = None) -> DataError:
    """The error for a gzip file that breaks ``rule`` (``declares``, ``inflates``, ``invalid``,
    ``members``): one wording for :func:`gunzip` and :class:`GunzipStream`."""
    messages = {
        "declares": f"{filename!r} declares {_mb(declared)} of uncompressed data, over the limit "
                    f"of {_mb(max_bytes)}. Upload a sample of the data, or save it as Parquet.",
        "inflates": f"{filename!r} inflates to more than {_mb(max_bytes)} (the limit; its trailer "
                    f"declared {_mb(declared)}). Upload a sample of the data.",
        "invalid": f"{filename!r} is not a valid gzip file ({exc}). Compress it again "
                   "with gzip, or upload the uncompressed file.",
        "members": f"{filename!r} holds several gzip members; only single-member files "
                   "are read. Decompress it and upload the table itself.",
    }
    return DataError(messages[rule])


def _check_declared(raw: bytes, filename: str, max_bytes: int) -> int:
    """The trailer's declared size, refused when over ``max_bytes`` (before inflating)."""
    declared = _declared(raw)
    if declared > max_bytes:
        raise _gzip_error(filename, "declares", max_bytes=max_bytes, declared=declared)
    return declared


def gunzip(raw: bytes, filename: str, *, max_bytes: int) -> bytes:
    """Decompress a gzip file, refusing it by its declared size and stopping at ``max_bytes``."""
    declared = _check_declared(raw, filename, max_bytes)
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, max_bytes + 1)
        if len(out) <= max_bytes and not d.eof and not d.unconsumed_tail:
            out += d.flush()
    except zlib.error as exc:
        raise _gzip_error(filename, "invalid", exc=exc) from None
    if len(out) > max_bytes or d.unconsumed_tail:
        raise _gzip_error(filename, "inflates", max_bytes=max_bytes, declared=declared)
    if d.unused_data.strip(b"\x00"):
        raise _gzip_error(filename, "members")
    return out


class GunzipStream(io.RawIOBase):
    """The decompressed bytes of a gzip file, inflated a block at a time as they are read.

    The same bytes and the same refusals as :func:`gunzip` (the trailer's declared size before
    anything is inflated, more than ``max_bytes`` of output, invalid data, a second member at
    the end), without ever holding the whole output: wrap it in :class:`io.BufferedReader`.
    With ``newlines`` the output's newlines are translated as it is inflated: ``\\r\\n`` and a
    lone ``\\r`` become ``\\n``, the bytes :func:`~causal_core.data_text.normalise_newlines`
    gives for the whole output (a ``\\r`` that ends a block is held back until the next block
    shows whether a ``\\n`` follows it). ``max_bytes`` still counts the inflated bytes, before
    translation, as :func:`gunzip` does.

    Examples
    --------
    >>> import gzip
    >>> io.BufferedReader(GunzipStream(gzip.compress(b"a,b\\n"), "t.csv.gz", max_bytes=9)).read()
    b'a,b\\n'
    >>> raw = gzip.compress(b"a,b\\r\\n1,2\\r3,4\\r")
    >>> io.BufferedReader(GunzipStream(raw, "t.csv.gz", max_bytes=99, newlines=True)).read()
    b'a,b\\n1,2\\n3,4\\n'
    """

    _IN = 1 << 16  # compressed bytes fed at a time
    _OUT = 1 << 18  # most decompressed bytes produced at a time

    def __init__(self, raw: bytes, filename: str, *, max_bytes: int, newlines: bool = False):
        super().__init__()
        self._raw, self._name, self._max, self._newlines = raw, filename, max_bytes, newlines
        self._cr = b""  # a \r that ended the last block, held back (with ``newlines``)
        self._declared = _check_declared(raw, filename, max_bytes)
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pos = self._made = 0
        self._block, self._at = b"", 0  # decompressed bytes not yet read, and where they start
        self._done = False

    def readable(self) -> bool:
        """Always True: the stream is read from start to end."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next decompressed bytes; 0 at the end of the member."""
        while self._at == len(self._block):
            if self._done:
                return 0
            self._block, self._at = self._inflate(), 0
        n = min(len(buffer), len(self._block) - self._at)
        memoryview(buffer).cast("B")[:n] = memoryview(self._block)[self._at:self._at + n]
        self._at += n
        return n

    def _inflate(self) -> bytes:
        """The next decompressed block (possibly empty), checked; sets ``_done`` at the end."""
        d, room = self._d, min(self._OUT, self._max + 1 - self._made)  # stop as gunzip does
        try:
            if d.unconsumed_tail:
                out = d.decompress(d.unconsumed_tail, room)
            elif self._pos < len(self._raw) and not d.eof:
                chunk = memoryview(self._raw)[self._pos:self._pos + self._IN]
                self._pos += len(chunk)
                out = d.decompress(chunk, room)
            else:
                out, self._done = (b"" if d.eof else d.flush()), True
        except zlib.error as exc:
            raise _gzip_error(self._name, "invalid", exc=exc) from None
        self._made += len(out)
        if self._made > self._max:
            raise _gzip_error(self._name, "inflates", max_bytes=self._max, declared=self._declared)
        if self._done and (d.unused_data.strip(b"\x00")
                           or self._raw.count(b"\x00", self._pos) != len(self._raw) - self._pos):
            raise _gzip_error(self._name, "members")
        return self._translate(out) if self._newlines else out

    def _translate(self, out: bytes) -> bytes:
        """``out`` with its newlines translated, after the \\r held back from the last block;
        a \\r that ends ``out`` is held back in turn, unless the output has ended."""
        if self._cr:
            out, self._cr = self._cr + out, b""
        if out.endswith(b"\r") and not self._done:
            out, self._cr = out[:-1], b"\r"
        return normalise_newlines(out)


# ---------------------------------------------------------------------------------- xlsx
def _col_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


def check_xlsx(raw: bytes, filename: str, *, max_rows: int, max_cells: int) -> None:
    """Refuse a workbook whose declared sizes or cell references exceed the limits.

    The zip directory's uncompressed sizes must fit :func:`budget`; every worksheet's largest
    row and column references (which is what a reader allocates, empty cells included) must fit
    ``max_rows``, :data:`MAX_COLUMNS` and ``max_cells``; the shared-string count too.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"{filename!r} could not be opened as an Excel workbook (its zip "
                        f"directory is damaged: {exc}). Save it again from Excel, or export "
                        "CSV.") from None
    total = sum(i.file_size for i in infos)
    if total > budget(len(raw)):
        raise DataError(
            f"{filename!r} declares {_mb(total)} of uncompressed content for a {_mb(len(raw))} "
            f"file (limit {_mb(budget(len(raw)))}: at most {RATIO}× the file or "
            f"{_mb(_FLOOR)}). It is either a zip bomb or a very large workbook: export the "
            "sheet you need as CSV and upload that.")
    for info in infos:
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            _check_sheet(zf, info, filename, max_rows=max_rows, max_cells=max_cells)
        elif name == "xl/sharedStrings.xml":
            with zf.open(info) as f:
                head = f.read(4096)
            found = _SST.search(head)
            if found and int(found[1]) > max_cells:
                raise DataError(f"{filename!r} declares {int(found[1]):,} distinct texts, more "
                                f"than the limit of {max_cells:,} cells. Export it as CSV.")


def workbook_sheets(raw: bytes, filename: str) -> list[str]:
    """The sheet names of an ``.xlsx`` workbook, in order, read from ``xl/workbook.xml`` only.

    No worksheet is decompressed: this is cheap even for a large workbook, so a page can offer
    the choice before the chosen sheet is read (and checked by :func:`check_xlsx`).

    Raises
    ------
    DataError
        Not a zip, no ``xl/workbook.xml``, a workbook part over 4 MB, or no sheet listed.

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="A &amp; B" sheetId="1"/>'
    ...                '<sheet name="2024" sheetId="2"/></sheets></workbook>')
    >>> workbook_sheets(buf.getvalue(), "b.xlsx")
    ['A & B', '2024']
    """
    from html import unescape

    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        info = zf.getinfo("xl/workbook.xml")
    except KeyError:
        raise DataError(f"{filename!r} has no workbook part (xl/workbook.xml): it is not an "
                        "Excel workbook. Save it again from Excel as .xlsx, or export CSV.") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"{filename!r} could not be opened as an Excel workbook (its zip "
                        f"directory is damaged: {exc}). Save it again from Excel, or export "
                        "CSV.") from None
    if info.file_size > _WORKBOOK_BYTES:
        raise DataError(f"{filename!r}: its workbook part declares {_mb(info.file_size)} (a "
                        f"workbook's list of sheets takes kilobytes; limit {_mb(_WORKBOOK_BYTES)}). "
                        "Save it again from Excel, or export the sheet you need as CSV.")
    try:
        with zf.open(info) as f:
            text = f.read(_WORKBOOK_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise DataError(f"{filename!r}: its workbook part is damaged ({exc}). Save the "
                        "workbook again from Excel, or export CSV.") from None
    names = [unescape(m.decode("utf-8", "replace")) for m in _SHEET.findall(text)]
    if not names:
        raise DataError(f"{filename!r} lists no sheets in its workbook part. Save it again "
                        "from Excel as .xlsx, or export CSV.")
    return names


def _check_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, *,
                 max_rows: int, max_cells: int) -> None:
    rows = cols = 0
    tail = b""
    try:
        with zf.open(info) as f:
            while chunk := f.read(_CHUNK):
                block = tail + chunk
                if rows == 0 and cols == 0:
                    dim = _DIMENSION.search(block)
                    if dim and dim[3] and dim[4]:
                        _limit(filename, info, int(dim[4]), _col_number(dim[3]), max_rows,
                               max_cells, "declares the range")
                rows = max([rows] + [int(m) for m in _ROW.findall(block)])
                for letters, row in _CELL.findall(block):
                    cols = max(cols, _col_number(letters))
                    rows = max(rows, int(row))
                _limit(filename, info, rows, cols, max_rows, max_cells, "uses cells up to")
                tail = block[-256:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise DataError(f"{filename!r}: the sheet {info.filename!r} is damaged ({exc}). "
                        "Save the workbook again from Excel, or export CSV.") from None


def _limit(filename: str, info: zipfile.ZipInfo, rows: int, cols: int, max_rows: int,
           max_cells: int, what: str) -> None:
    if rows - 1 > max_rows or cols > MAX_COLUMNS or rows * cols > max_cells:
        where = info.filename.rsplit("/", 1)[-1]
        raise DataError(
            f"{filename!r}: the sheet {where} {what} row {rows:,}, column {cols:,} "
            f"({rows * cols:,} cells). Limits: {max_rows:,} data rows, {MAX_COLUMNS:,} columns, "
            f"{max_cells:,} cells; a reader allocates every cell of that range, empty ones too. "
            "Delete the unused rows and columns (or formatting far below the table), or "
            "export the table as CSV.")


# ---------------------------------------------------------------------------------- parquet
def check_parquet(raw: bytes, filename: str, *, max_rows: int, max_cells: int) -> None:
    """Refuse a Parquet file by its footer: rows, cells, and the bytes its columns decode to.

    The decoded size counts 8 bytes per value for numbers and, for text, the bytes of every
    value as it will be held in memory: for a dictionary-encoded column that is the length of
    each row's dictionary entry (one repeated long text can be gigabytes), read from the
    dictionary and the indices without expanding them.
    """
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(io.BytesIO(raw))
        meta = pf.metadata
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise DataError(f"{filename!r} could not be read as Parquet ({type(exc).__name__}: "
                        f"{exc}). Export the table again, or as CSV.") from None
    n_rows, n_cols = meta.num_rows, meta.num_columns
    if n_rows > max_rows or n_cols > MAX_COLUMNS or n_rows * n_cols > max_cells:
        raise DataError(
            f"{filename!r} declares {n_rows:,} rows × {n_cols:,} columns in its footer. Limits: "
            f"{max_rows:,} rows, {MAX_COLUMNS:,} columns, {max_cells:,} cells. Upload a sample "
            "or an aggregate of the data.")
    limit = budget(len(raw))
    fixed, texts = 0, []
    for j in range(n_cols):
        col = meta.schema.column(j)
        if col.physical_type in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"):
            texts.append(col.path)
        fixed += 8 * n_rows
    declared = sum(meta.row_group(g).column(j).total_uncompressed_size
                   for g in range(meta.num_row_groups) for j in range(n_cols))
    estimate = fixed + declared
    if estimate > limit:
        _too_big(filename, estimate, limit, len(raw))
    if texts:
        top = [t for t in texts if "." not in t]  # nested columns are bounded by `declared`
        dict_pf = pq.ParquetFile(io.BytesIO(raw), read_dictionary=top)
        estimate = fixed + _text_bytes(dict_pf, top, limit - fixed, filename, len(raw))
        if estimate > limit:
            _too_big(filename, estimate, limit, len(raw))


def _text_bytes(pf: Any, paths: list[str], room: int, filename: str, size: int) -> int:
    """Bytes the text columns decode to (Python objects: ~50 bytes each plus the text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for g in range(pf.metadata.num_row_groups):
        try:
            table = pf.read_row_group(g, columns=paths, use_pandas_metadata=False)
        except Exception as exc:
            raise DataError(f"{filename!r} could not be read as Parquet ({type(exc).__name__}: "
                            f"{exc}). Export the table again, or as CSV.") from None
        for column in table.columns:
            for chunk in column.chunks:
                if isinstance(chunk, pa.DictionaryArray):
                    lengths = pc.binary_length(chunk.dictionary)
                    total += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
                elif pa.types.is_string(chunk.type) or pa.types.is_binary(chunk.type) \
                        or pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type):
                    total += int(pc.sum(pc.binary_length(chunk)).as_py() or 0)
                total += 50 * len(chunk)
            if total > room:
                _too_big(filename, total, room, size)
    return total


def _too_big(filename: str, estimate: int, limit: int, size: int) -> None:
    raise DataError(
        f"{filename!r} ({_mb(size)}) would decode to about {_mb(estimate)} in memory, over the "
        f"limit of {_mb(limit)} (at most {RATIO}× the file or {_mb(_FLOOR)}). Upload fewer "
        "rows or columns, or the data as CSV.")
