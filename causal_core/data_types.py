"""Column typing for uploaded tables, and the kind of a column.

The upper half of :func:`causal_core.data.load_table`: cells that mean "missing" become NaN,
the decimal mark of the file is detected (``1,5`` vs ``1.5``), and each column becomes
numbers, booleans (only when the whole column is ``true/false`` or ``yes/no``), dates,
a category (few distinct labels) or stays text. Every change is described in one sentence.

Examples
--------
>>> import pandas as pd
>>> typed = type_column(pd.Series(["1,5", "2,25", None], dtype=object), "price", decimal=",")
>>> typed.series.tolist()[:2], typed.coercion
([1.5, 2.25], "'price': text → numbers (float64), decimal comma.")
>>> column_kind(pd.Series([0, 1, 1]))
'binary'
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .exceptions import DataError

__all__ = ["KINDS", "MISSING_TOKENS", "MAX_CATEGORIES", "Typed", "column_kind", "detect_decimal",
           "decimal_of_cells", "fast_numeric", "normalise_missing", "normalise_codes", "type_column",
           "Cells", "cells_of_text", "cells_of_codes", "type_cells"]

#: The kinds :func:`column_kind` returns.
KINDS: tuple[str, ...] = ("binary", "continuous", "categorical", "datetime", "text")
#: Cell texts read as missing (compared after stripping spaces, case-insensitively).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-", "?", "."})
#: A text column with at most this many distinct values (and at most half as many as values)
#: becomes a category.
MAX_CATEGORIES = 50

_NA_VARIANTS = sorted({v for t in MISSING_TOKENS for v in (t, t.upper(), t.title())} | {"NaN", "#N/A"})
_BOOL_PAIRS = ({"true": True, "false": False}, {"yes": True, "no": False})
_COMMA_DEC = re.compile(r"^[+-]?(?:\d+,\d+|\d{1,3}(?:\.\d{3})+,\d+)$")
_DOT_DEC = re.compile(r"^[+-]?(?:\d*\.\d+|\d{1,3}(?:,\d{3})+\.\d+)$")
_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3}[.,]\d{3}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY_DATE = re.compile(r"^\d{1,2}([/.-])\d{1,2}\1\d{4}$")


@dataclass
class Typed:
    """A typed column, the sentence saying what changed (or None) and any warnings."""

    series: pd.Series
    coercion: str | None = None
    warnings: list[str] = field(default_factory=list)


def _number_patterns(decimal: str) -> tuple[str, str]:
    d = re.escape(decimal)
    t = re.escape("," if decimal == "." else ".")
    plain = rf"^[+-]?(?:(?:\d+(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?|(?i:inf|infinity))$"
    grouped = rf"^[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d+)?$"
    return plain, grouped


def _any_contains(vals: pd.Series, char: str) -> bool:
    """Whether any text cell contains ``char`` (one C-level join instead of a loop in Python)."""
    return char in "\x00".join(vals.tolist())


def _all_text(s: pd.Series) -> bool:
    return pdt.infer_dtype(s, skipna=True) in ("string", "empty")


def normalise_missing(s: pd.Series) -> tuple[pd.Series, int, str | None]:
    """Strip text cells and turn missing-value words (``NA``, ``null`` …) into NaN.

    Returns the new column, how many non-blank cells were read as missing, and one of them.
    """
    if not (pdt.is_object_dtype(s.dtype) or pdt.is_string_dtype(s.dtype)):
        return s, 0, None
    arr = s.to_numpy(dtype=object)
    stripped = [v.strip() if type(v) is str else v for v in arr]
    named, example = 0, None
    for i, v in enumerate(stripped):
        if _missing_word(v):
            if v:
                named += 1
                example = example or v
            stripped[i] = np.nan
    return pd.Series(stripped, index=s.index, dtype=object, name=s.name), named, example


def _missing_word(v: object) -> bool:
    return type(v) is str and len(v) <= 4 and (v == "" or v.lower() in MISSING_TOKENS)


def normalise_codes(s: pd.Series) -> tuple[pd.Series, int, str | None]:
    """:func:`normalise_missing` for a categorical column of texts, applied to its categories.

    The result is again categorical (distinct stripped texts, missing words as missing); spread
    over the rows it holds exactly the cells :func:`normalise_missing` gives for the same
    column as Python strings, with the same count and example.
    """
    cats = s.cat.categories.to_numpy(dtype=object)
    codes = s.cat.codes.to_numpy()
    stripped = [v.strip() if type(v) is str else v for v in cats]
    gone = np.array([_missing_word(v) for v in stripped] + [False])
    named_cat = np.array([bool(gone[j]) and stripped[j] != "" for j in range(len(cats))] + [False])
    named_rows = named_cat[codes]
    named = int(named_rows.sum())
    example = stripped[codes[int(named_rows.argmax())]] if named else None
    kept = [v for j, v in enumerate(stripped) if not gone[j]]
    new_codes, labels = pd.factorize(pd.Series(kept, dtype=object))
    remap = np.full(len(cats) + 1, -1, dtype=np.int64)
    remap[np.flatnonzero(~gone[:-1])] = new_codes
    out = pd.Categorical.from_codes(remap[codes], categories=pd.Index(labels, dtype=object))
    return pd.Series(out, index=s.index, name=s.name), named, example


def detect_decimal(frame: pd.DataFrame, per_column: int = 2000) -> tuple[str, bool]:
    """The decimal mark of a table of text cells (``"."`` or ``","``) and whether it was a guess.

    Cells such as ``1,5`` or ``1.234,5`` count for the comma, ``0.25`` or ``1,234.5`` for the
    dot; ``1,234`` alone could be either, so a table with only such cells is read with a dot
    (and the second value is True: the caller should warn).
    """
    cells: list[object] = []
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        if pdt.is_object_dtype(s.dtype):
            cells += s.dropna().head(per_column).tolist()
    return decimal_of_cells(cells)


def decimal_of_cells(cells: list[object]) -> tuple[str, bool]:
    """:func:`detect_decimal` over a flat list of cells (a sample of rows, any width)."""
    comma = dot = ambiguous = 0
    for v, n in Counter(v for v in cells if type(v) is str).items():
        if _AMBIGUOUS.fullmatch(v):
            ambiguous += n
        elif _COMMA_DEC.fullmatch(v):
            comma += n
        elif _DOT_DEC.fullmatch(v):
            dot += n
    if comma > dot:
        return ",", False
    return ".", (comma == dot == 0 and ambiguous > 0)


def _fast_numbers(vals: pd.Series, decimal: str) -> pd.Series | None:
    """Plain numbers without thousands separators, parsed in C; None if that is not the case."""
    other = "," if decimal == "." else "."
    if _any_contains(vals, other):
        return None
    text = vals.str.replace(",", ".", regex=False) if decimal == "," else vals
    try:
        nums = pd.to_numeric(text)
    except (ValueError, TypeError):
        return None
    return nums  # infinities ('inf', '-Infinity', 1e400) are numbers: load_table counts them


def fast_numeric(s: pd.Series, name: str, decimal: str) -> tuple[Typed, int, str | None] | None:
    """A text column of plain numbers and missing words, parsed in C; None if it is anything else.

    Returns the typed column, how many non-blank cells were read as missing, and one of them.
    This is the fast path for the usual numeric CSV column; the others go through
    :func:`normalise_missing` and :func:`type_column`.
    """
    if not pdt.is_object_dtype(s.dtype):
        return None
    token = s.isin(_NA_VARIANTS)
    any_token = bool(token.any())
    vals = s[~token] if any_token else s
    if vals.empty or not _all_text(vals):
        return None
    nums = _fast_numbers(vals, decimal)
    if nums is None:
        return None
    named = (token & (s != "")) if any_token else token
    example = str(s[named].iloc[0]) if any_token and named.any() else None
    out = nums.reindex(s.index) if any_token else nums
    comma = decimal == "," and _any_contains(vals, ",")
    coercion = f"{name!r}: text → numbers ({out.dtype}), decimal comma." if comma else None
    return Typed(out, coercion), int(named.sum()), example


@dataclass
class Cells:
    """A text column as its distinct texts and, per row, which one it holds.

    The typing rules depend only on the distinct texts (in order of first appearance), how
    many cells hold each and which rows are missing, so a column is typed once per distinct
    text and the result spread back over the rows: the same result whether the column came
    as one Python string per row (text files) or dictionary-encoded (Parquet), see
    :func:`cells_of_text` and :func:`cells_of_codes`.
    """

    uniques: np.ndarray  # object array of the distinct texts, in order of first appearance
    codes: np.ndarray    # per row: the position of its text in ``uniques``, -1 when missing
    counts: np.ndarray   # per distinct text: how many cells hold it
    index: pd.Index

    @property
    def n(self) -> int:
        """Cells that are not missing."""
        return int(self.counts.sum())

    def spread(self, per_unique: pd.Series | np.ndarray | list) -> pd.Series:
        """Values given per distinct text, one per row (missing rows become NaN/NaT,
        upcasting as :meth:`pandas.Series.reindex` does)."""
        values = pd.Series(per_unique).reset_index(drop=True)
        out = values.reindex(self.codes) if (self.codes < 0).any() else values.take(self.codes)
        return out.set_axis(self.index)

    def text(self) -> pd.Series:
        """The column as one Python string per row (NaN when missing)."""
        values = np.append(self.uniques.astype(object), np.nan)
        return pd.Series(values[self.codes], index=self.index, dtype=object)


def cells_of_text(s: pd.Series) -> Cells:
    """:class:`Cells` of a column of Python strings (missing cells NaN or None)."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object))
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    return Cells(np.asarray(uniques, dtype=object), codes, counts, s.index)


def cells_of_codes(codes: np.ndarray, labels: np.ndarray, index: pd.Index) -> Cells:
    """:class:`Cells` of a dictionary-encoded column: ``labels[codes]``, -1 for missing.

    Labels no row uses are left out, and the rest are put in order of first appearance, as
    :func:`cells_of_text` would find them in the expanded column.
    """
    codes = np.asarray(codes)
    small = np.result_type(codes.dtype, np.int8)  # a million rows of int8 codes stay int8
    some_missing = bool((codes < 0).any())
    present = pd.unique(codes[codes >= 0] if some_missing else codes)
    remap = np.full(len(labels) + 1, -1, dtype=small)
    remap[present] = np.arange(len(present))
    new = remap[codes]
    counts = np.bincount(new[new >= 0] if some_missing else new, minlength=len(present))
    return Cells(np.asarray(labels, dtype=object)[present], new, counts, index)


def _numbers(u: pd.Series, counts: np.ndarray, decimal: str) -> tuple[pd.Series | None, bool, int]:
    """Parse distinct texts as numbers; return (numbers or None, thousands seen, cells not numbers)."""
    fast = _fast_numbers(u, decimal)
    if fast is not None:
        return fast, False, 0
    plain, grouped = (re.compile(p) for p in _number_patterns(decimal))
    thousands = "," if decimal == "." else "."
    clean: dict[str, str] = {}
    bad = np.zeros(len(u), dtype=bool)
    seen_grouped = False
    for j, v in enumerate(u.tolist()):
        if plain.fullmatch(v):
            clean[v] = v.replace(",", ".") if v[-1:].isdigit() or v[-1:] in ".," else v
        elif grouped.fullmatch(v):
            clean[v] = v.replace(thousands, "").replace(",", ".")
            seen_grouped = True
        else:
            bad[j] = True
    if bad.any():
        return None, False, int(counts[bad].sum())
    cleaned = u.map(clean)
    try:
        return pd.to_numeric(cleaned), seen_grouped, 0
    except (ValueError, TypeError):  # pandas refuses 1e400; Python reads it as inf
        return cleaned.map(float).astype("float64"), seen_grouped, 0


def _dates(u: pd.Series, dayfirst: bool) -> tuple[pd.Series | None, str, str | None]:
    """Distinct texts parsed as dates, the format's label and any ambiguity warning."""
    uniques = u.tolist()
    if all(_ISO_DATE.fullmatch(v) for v in uniques):
        parsed = pd.to_datetime(u, format="ISO8601", errors="coerce")
        return (parsed, "YYYY-MM-DD", None) if parsed.notna().all() else (None, "", None)
    first = _DMY_DATE.fullmatch(str(uniques[0]))
    if first is None or not all(_DMY_DATE.fullmatch(v) for v in uniques):
        return None, "", None
    sep = first.group(1)
    ok = {}
    candidates = ((f"%d{sep}%m{sep}%Y", f"DD{sep}MM{sep}YYYY"), (f"%m{sep}%d{sep}%Y", f"MM{sep}DD{sep}YYYY"))
    for fmt, label in candidates:
        parsed = pd.to_datetime(u, format=fmt, errors="coerce")
        if parsed.notna().all():
            ok[label] = parsed
    if not ok:
        return None, "", None
    labels = list(ok)
    label = labels[0] if (len(labels) == 1 or dayfirst) else labels[1]
    warning = None
    if len(labels) == 2:
        warning = (f"is ambiguous between {labels[0]} and {labels[1]}; it was read as {label}. "
                   "If that is wrong, write the dates as YYYY-MM-DD.")
    return ok[label], label, warning


def _type_text(s: pd.Series, name: str, decimal: str, dayfirst: bool, text_file: bool = False
               ) -> Typed:
    return type_cells(cells_of_text(s), name, decimal=decimal, dayfirst=dayfirst,
                      text_file=text_file, text=lambda: s)


def type_cells(cells: Cells, name: str, *, decimal: str = ".", dayfirst: bool = False,
               text_file: bool = False, text: Callable[[], pd.Series] | None = None) -> Typed:
    """Type a text column given as :class:`Cells` (the rules of :func:`type_column`).

    Every rule is applied to the distinct texts once; ``text`` gives the column as Python
    strings when it stays text (default: :meth:`Cells.text`).
    """
    as_text = text or cells.text
    if cells.n == 0:
        return Typed(as_text())
    u = pd.Series(cells.uniques, dtype=object)
    nums, thousands, bad = _numbers(u, cells.counts, decimal)
    other = "," if decimal == "." else "."
    used = decimal
    if nums is None and bad < cells.n:
        nums, thousands, _ = _numbers(u, cells.counts, other)
        used = other if nums is not None else decimal
    if nums is not None:
        out = cells.spread(nums)
        notes = ["decimal comma"] if used == "," and _any_contains(u, ",") else []
        notes += ["thousands separators removed"] if thousands else []
        notes += [f"decimal {'comma' if used == ',' else 'point'} unlike the rest of the file"] \
            if used != decimal else []
        if text_file and not notes:  # plain numbers in a CSV: parsing, not a coercion
            return Typed(out)
        tail = (", " + ", ".join(dict.fromkeys(notes))) if notes else ""
        return Typed(out, f"{name!r}: text → numbers ({out.dtype}){tail}.")
    warnings = []
    uniques = cells.uniques.tolist()
    if bad < cells.n / 2 or (bad <= max(1, cells.n // 20) and bad < cells.n):
        plain, grouped = (re.compile(p) for p in _number_patterns(decimal))
        odd = next(v for v in uniques if not (plain.fullmatch(v) or grouped.fullmatch(v)))
        warnings.append(
            f"{name!r} is mostly numbers but {bad} cell(s) are not (e.g. {odd!r}), so it "
            "stays text. Fix or blank those cells to use it as a number."
        )
    lower = {v.lower() for v in uniques[:13]}
    for mapping in _BOOL_PAIRS:
        if len(uniques) <= 12 and lower <= set(mapping):
            mapped = cells.spread(pd.Series([mapping[v.lower()] for v in uniques], dtype=bool))
            out = mapped.astype(bool) if (cells.codes >= 0).all() else mapped.astype("boolean")
            return Typed(out, f"{name!r}: {'/'.join(mapping)} → boolean ({out.dtype}).", warnings)
    dates, label, warning = _dates(u, dayfirst)
    if dates is not None:
        typed = Typed(cells.spread(dates), f"{name!r}: text → datetime ({label}). Datetimes are "
                      "not used as causal variables unless you convert them (e.g. to a year or "
                      "a day count).", warnings)
        if warning:
            typed.warnings.append(f"The date column {name!r} {warning}")
        return typed
    n_unique = len(uniques)
    if n_unique <= MAX_CATEGORIES and n_unique <= cells.n / 2:
        levels = sorted(uniques)
        rank = {v: i for i, v in enumerate(levels)}
        order = np.array([rank[v] for v in uniques] + [-1], dtype=np.int8)  # <= 50 levels
        out = pd.Series(pd.Categorical.from_codes(order[cells.codes], categories=levels),
                        index=cells.index)
        shown = ", ".join(repr(v) for v in levels[:5]) + (", …" if len(levels) > 5 else "")
        return Typed(out, f"{name!r}: text → category ({n_unique} levels: {shown}).", warnings)
    return Typed(as_text(), None, warnings)


def type_column(s: pd.Series, name: str, *, decimal: str = ".", dayfirst: bool = False,
                text_file: bool = False) -> Typed:
    """Give one column its type; see the module docstring for the rules.

    Parameters
    ----------
    s : pandas.Series
        The column, missing cells already NaN (see :func:`normalise_missing`).
    name : str
        Its name, for the sentences.
    decimal : {".", ","}
        The file's decimal mark.
    dayfirst : bool
        Read ambiguous dates such as 03/04/2024 as day/month.
    text_file : bool
        The column comes from a text file, where every cell is text: plain numbers are then
        parsed silently (only a decimal comma or thousands separators are reported).
    """
    if decimal not in (".", ","):
        raise DataError(f"decimal must be '.' or ',', got {decimal!r}. Pass one of the two.")
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype):
        return _type_text(s.astype(object).where(s.notna(), np.nan), name, decimal, dayfirst)
    if pdt.is_extension_array_dtype(dtype) and pdt.is_numeric_dtype(dtype) \
            and not pdt.is_bool_dtype(dtype):
        out = s.astype("float64") if s.isna().any() else s.to_numpy(dtype=np.dtype(dtype.type))
        out = pd.Series(out, index=s.index)
        return Typed(out, f"{name!r}: nullable {dtype} → {out.dtype}.")
    if not pdt.is_object_dtype(dtype):
        return Typed(s)
    vals = s.dropna()
    if vals.empty or _all_text(vals):
        return _type_text(s, name, decimal, dayfirst, text_file)
    if vals.map(lambda v: isinstance(v, bool | np.bool_)).all():
        out = s.astype(bool) if s.notna().all() else s.astype("boolean")
        return Typed(out, f"{name!r}: logical cells → boolean ({out.dtype}).")
    if vals.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)).all():
        return _number_cells(pd.to_numeric(s), name)
    if vals.map(lambda v: isinstance(v, _dt.date | np.datetime64)).all():
        out = pd.to_datetime(s)
        return Typed(out, f"{name!r}: date cells → datetime. Datetimes are not used as causal "
                          "variables unless you convert them.")
    text = s.map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v))
    typed = _type_text(text, name, decimal, dayfirst)
    typed.warnings.append(f"{name!r} mixes numbers and text; it was read from the cells' text.")
    return typed


def _number_cells(out: pd.Series, name: str) -> Typed:
    return Typed(out, f"{name!r}: number cells → {out.dtype}.")


def type_number_cells(s: pd.Series, name: str, whole: bool) -> Typed:
    """A numeric column of spreadsheet number cells, typed as :func:`type_column` types them.

    That is: int64 when every number is ``whole`` and no cell is missing, else float64; the
    sentence is the same.
    """
    if whole and not s.isna().any():
        s = s.astype(np.int64, copy=False)
    return _number_cells(s, name)


def column_kind(s: pd.Series) -> str:
    """The analysis kind of a column: one of :data:`KINDS`.

    ``binary`` = exactly two distinct values (booleans, 0/1, two labels); ``continuous`` =
    other numbers; ``categorical`` = a category, or text with few distinct values;
    ``datetime``; ``text`` = everything else (free text, identifiers).

    Examples
    --------
    >>> column_kind(pd.Series(["a", "b", "c", "a", "b", "c"]))
    'categorical'
    """
    dtype = s.dtype
    if pdt.is_datetime64_any_dtype(dtype):
        return "datetime"
    try:
        n_unique = int(s.nunique(dropna=True))
    except TypeError:  # unhashable cells
        return "text"
    if n_unique == 2:
        return "binary"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pdt.is_numeric_dtype(dtype) and not pdt.is_bool_dtype(dtype):
        return "continuous"
    if pdt.is_bool_dtype(dtype):
        return "binary"
    n = int(s.notna().sum())
    if n_unique <= MAX_CATEGORIES and n_unique <= max(1, n / 2):
        return "categorical"
    return "text"
