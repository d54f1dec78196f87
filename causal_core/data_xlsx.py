"""One worksheet of an ``.xlsx`` workbook read row by row into compact columns.

This is what :func:`causal_core.data_read.read_raw` does with a workbook, after
:func:`causal_core.data_container.check_xlsx` has bounded its declared sizes. It gives the
cells as pandas' openpyxl reader (``read_excel(header=None, dtype=object,
keep_default_na=False)``) converts them (but keeps them: pandas collapsed cells that compare
equal, so TRUE in a column of numbers came back as 1), then the same header row and columns that reading
followed by ``dropna(axis=1, how="all")`` and "the first row with a value is the header" give,
without the intermediate list of rows and the object frame: a column whose cells are all
numbers (and blanks) is held as int64 or float64 from the start, eight bytes a cell instead of
a Python object and a pointer in two copies. The rules, as pandas applies them:

- a blank cell is ``""``, an error cell (``#N/A``, ``#DIV/0!`` …) NaN, a whole number an
  ``int``, another number a ``float``, anything else (text, dates, logicals) as openpyxl gives it;
- blank cells at the end of a row, and blank rows at the end of the sheet, are not cells;
  shorter rows are padded with ``""``;
- a byte-order mark at the start of the first row's first cell is removed;
- a column of error cells only is dropped; the header is the first row with a value that is not
  an error, and the rows before it are dropped.

``tests/core/test_xlsx_columns.py`` holds the two readers side by side on generated workbooks.
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Whole numbers of at most this size are exact in float64; larger ones stay Python ints.
_EXACT = 2 ** 53
_NAN = float("nan")
_BOM = "\ufeff"


class _Error:
    """The marker of an error cell while a row is read (NaN once it is a cell)."""


_ERROR = _Error()


@dataclass
class Sheet:
    """A worksheet's header cells and its columns by position.

    ``columns`` are int64 arrays for the columns of whole-number cells, float64 arrays (blank
    and error cells NaN) for the other columns of number cells (both listed in ``numbers``,
    with whether every number in them is whole), and object arrays otherwise (blank cells
    ``""``, error cells NaN).
    """

    header: list[Any]
    columns: list[np.ndarray]
    numbers: dict[int, bool] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Data rows (the header excluded)."""
        return len(self.columns[0]) if self.columns else 0


class _Column:
    """One column's cells: int64 while every cell is a whole number, float64 while every cell
    is a number or blank, objects after."""

    __slots__ = ("numbers", "objects", "errors")

    def __init__(self, n_blank: int) -> None:
        self.numbers: array | None = array("d", [_NAN]) * n_blank if n_blank else array("q")
        self.objects: list[Any] | None = None
        self.errors: list[int] = []  # positions of the error cells

    def _floats(self) -> array:
        if self.numbers.typecode == "q":
            self.numbers = array("d", self.numbers)
        return self.numbers

    def add(self, v: Any) -> None:
        numbers = self.numbers
        if numbers is not None:
            kind = type(v)
            if kind is int and -_EXACT < v < _EXACT:
                numbers.append(v)
                return
            if kind is float:
                self._floats().append(v)
                return
            if kind is str and not v:
                self._floats().append(_NAN)
                return
            if v is _ERROR:
                self.errors.append(len(numbers))
                self._floats().append(_NAN)
                return
            self._to_objects()
        if v is _ERROR:
            self.errors.append(len(self.objects))
            v = _NAN
        self.objects.append(v)

    def blanks(self, n: int) -> None:
        if self.numbers is not None:
            self._floats().extend(array("d", [_NAN]) * n)
        else:
            self.objects.extend([""] * n)

    def _to_objects(self) -> None:
        if self.numbers.typecode == "q":
            self.objects = list(self.numbers)
        else:
            errors = set(self.errors)
            self.objects = [(_NAN if i in errors else "") if x != x
                            else (int(x) if x.is_integer() else x)  # whole numbers were ints
                            for i, x in enumerate(self.numbers)]
        self.numbers = None

    @property
    def whole(self) -> bool:
        """Whether every number cell holds a whole number (numbers held as int64 or float64)."""
        numbers = self.numbers
        if numbers.typecode == "q":
            return True
        values = np.frombuffer(numbers, dtype=np.float64)
        return bool(np.all(np.isnan(values) | (values == np.round(values))))

    def values(self) -> list[Any]:
        """The cells as pandas' reader gives them (``""``, NaN, int, float, objects)."""
        if self.objects is None:
            self._to_objects()
        return self.objects

    def array(self) -> np.ndarray:
        if self.objects is None:
            return np.frombuffer(self.numbers, dtype=np.int64 if self.numbers.typecode == "q"
                                 else np.float64)
        out = np.empty(len(self.objects), dtype=object)
        out[:] = self.objects
        return out


def _value(v: Any, kind: str) -> Any:
    """One cell as pandas' openpyxl reader converts it (an error as the marker)."""
    if v is None:
        return ""
    if kind == "e":
        return _ERROR
    if kind == "n":
        whole = int(v)
        return whole if whole == v else float(v)
    return v


def _row(cells: list[dict[str, Any]]) -> list[Any]:
    """A parsed row's cells by column, as openpyxl's read-only rows place them, trimmed.

    As there, the row is as wide as its last cell's column (a cell placed after it is
    ignored, a later cell at the same column wins) and the columns without a cell are blank.
    """
    if not cells:
        return []
    row: list[Any] = [""] * cells[-1]["column"]
    width = len(row)
    for cell in cells:
        j = cell["column"]
        if 1 <= j <= width:
            row[j - 1] = _value(cell["value"], cell["data_type"])
    while row and type(row[-1]) is str and row[-1] == "":
        row.pop()
    return row


def _rows(book: Any, sheet: Any) -> Iterator[list[Any]]:
    """The sheet's rows from the first, as openpyxl's read-only worksheet gives them.

    Parsed with openpyxl's own row parser (shared strings, dates by number format, errors,
    cached formula values), but each row element is removed from the tree once read: the
    read-only worksheet clears it and leaves it there, some 60 bytes a row for the whole read.
    A row numbered before the one read last is skipped, a gap is blank rows, as there.
    """
    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    parser = WorkSheetParser(None, sheet._shared_strings, data_only=True, epoch=book.epoch,
                             date_formats=book._date_formats,
                             timedelta_formats=book._timedelta_formats)
    counter = 1
    with book._archive.open(sheet._worksheet_path) as src:
        data = None
        for event, element in iterparse(src, events=("start", "end")):
            if event == "start":
                if element.tag == DATA_TAG:
                    data = element
                continue
            if element.tag != ROW_TAG:
                continue
            index, cells = parser.parse_row(element)
            parser.row_dimensions.clear()  # row heights: not cells, and a dict a row
            element.clear()
            if data is not None:
                data.remove(element)
            while counter < index:
                counter += 1
                yield []
            if counter <= index:
                counter += 1
                yield _row(cells)


def read_sheet(book: Any, sheet: Any) -> Sheet:
    """Read a worksheet of a read-only workbook (see the module docstring for the rules).

    Parameters
    ----------
    book : openpyxl.Workbook
        The workbook, as :func:`open_book` opens it.
    sheet : openpyxl read-only worksheet
        One of ``book.worksheets``.

    Returns
    -------
    Sheet
        No columns when the sheet has no cell with a value.
    """
    columns: list[_Column] = []
    lead: list[list[Any]] = []  # the rows up to the first with a cell that is not an error
    header = False  # whether the last row of lead is the header
    n = 0  # rows in the columns
    pending = 0  # blank rows not yet known to be followed by a row with cells
    for row in _rows(book, sheet):
        if not row:
            pending += 1
            continue
        if not lead and not pending and type(row[0]) is str and row[0].startswith(_BOM):
            row[0] = row[0][1:]
        if pending and not header:  # a blank row is the header: it has cells once padded
            lead.append([])
            header, pending = True, pending - 1
        if pending:
            for col in columns:
                col.blanks(pending)
            n, pending = n + pending, 0
        if not header:
            lead.append(row)
            header = not all(v is _ERROR for v in row)
            continue
        while len(columns) < len(row):
            columns.append(_Column(n))
        for col, v in zip(columns, row, strict=False):
            col.add(v)
        for col in columns[len(row):]:
            col.add("")
        n += 1
    return _finish(lead, header, columns, n)


def _finish(lead: list[list[Any]], header: bool, columns: list[_Column], n_body: int) -> Sheet:
    """The header and the kept columns (``header``: the last row of ``lead`` is the header)."""
    width = max([len(columns)] + [len(r) for r in lead])
    while len(columns) < width:
        columns.append(_Column(n_body))
    if len(lead) != 1 or not header:  # error rows first, or none with a value: as objects
        return _by_frame(lead, columns, width)
    head = lead[0] + [""] * (width - len(lead[0]))
    keep = [j for j in range(width)
            if not (head[j] is _ERROR and len(columns[j].errors) == n_body)]
    return Sheet(header=[_NAN if head[j] is _ERROR else head[j] for j in keep],
                 columns=[columns[j].array() for j in keep],
                 numbers={k: columns[j].whole for k, j in enumerate(keep)
                          if columns[j].numbers is not None})


def _by_frame(lead: list[list[Any]], columns: list[_Column], width: int) -> Sheet:
    """The rare sheets whose first rows hold only error cells, read as pandas reads them."""
    rows = [[_NAN if v is _ERROR else v for v in r] + [""] * (width - len(r)) for r in lead]
    frame = pd.DataFrame(rows, columns=range(width), dtype=object)
    body = pd.DataFrame({j: col.values() for j, col in enumerate(columns)}, columns=range(width),
                        dtype=object)
    frame = pd.concat([frame, body], ignore_index=True).dropna(axis=1, how="all")
    filled = frame.notna().any(axis=1).to_numpy()
    if frame.empty or not filled.any():
        return Sheet(header=[], columns=[])
    frame = frame.iloc[int(filled.argmax()):]
    return Sheet(header=frame.iloc[0].tolist(),
                 columns=[frame[c].to_numpy(dtype=object)[1:] for c in frame.columns])


def open_book(raw: bytes) -> Any:
    """The workbook, read-only (rows are parsed as they are read), cached values, no links."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
