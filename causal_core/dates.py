"""Dates turned into numbers a model can use: year, month, day of the week, days since the start.

A date column is left out of models by default (:func:`causal_core.quick.model_columns`): a
regression cannot use a timestamp. :func:`date_features` adds four ordinary numeric columns
derived from one date column; the date column itself stays as it was.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-03-15", "2023-12-30"]),
...                    "y": [1.0, 2.0, 3.0]})
>>> date_columns(df)
['when']
>>> date_features(df, "when").drop(columns=["when", "y"]).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'when_year': [2024, 2024, 2023], 'when_month': [1, 3, 12], 'when_dayofweek': [0, 4, 5],
 'when_days': [2.0, 76.0, 0.0]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data_types import column_kind
from .exceptions import DataError

__all__ = ["DATE_FEATURES", "date_columns", "date_feature_names", "date_features"]

#: The suffixes of the columns :func:`date_features` adds, and what each one holds.
DATE_FEATURES: dict[str, str] = {
    "year": "the calendar year",
    "month": "the month, 1 (January) to 12",
    "dayofweek": "the day of the week, 0 (Monday) to 6 (Sunday)",
    "days": "days since the column's earliest date (fractions for times of day)",
}


def date_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that hold dates (kind ``datetime``, as everywhere else)."""
    return [str(c) for c in frame.columns if column_kind(frame[c]) == "datetime"]


def date_feature_names(column: str) -> list[str]:
    """The names of the columns :func:`date_features` adds for ``column``, in order."""
    return [f"{column}_{suffix}" for suffix in DATE_FEATURES]


def date_features(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``<column>_year``, ``_month``, ``_dayofweek`` and ``_days``.

    Parameters
    ----------
    frame : pandas.DataFrame
    column : str
        A date column of ``frame`` (dtype datetime64, with or without a time zone).

    Returns
    -------
    pandas.DataFrame
        ``frame``'s columns unchanged, followed by the four new ones: whole numbers (int64), or
        floats with NaN where the date is missing; ``_days`` is always float (days since the
        earliest date in the column, fractions of a day for times).

    Raises
    ------
    DataError
        ``column`` is not in ``frame``, holds no dates (its kind is named), has no date at all,
        or a column with one of the new names exists already.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"date_features needs a pandas DataFrame, got {type(frame).__name__}.")
    if column not in frame.columns:
        shown = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
        raise DataError(f"There is no column {column!r} to turn into date features (columns: "
                        f"{shown}). Pick one of the table's date columns.")
    s = frame[column]
    kind = column_kind(s)
    if kind != "datetime":
        dates = date_columns(frame)
        hint = (f"The date columns are {', '.join(map(repr, dates))}." if dates else
                "The table has no date column (dates are recognised when the file is loaded).")
        raise DataError(f"The column {column!r} holds {kind} values ({s.dtype}), not dates, so it "
                        f"cannot be turned into date features. {hint}")
    if not s.notna().any():
        raise DataError(f"The date column {column!r} has no date in any row: there is nothing "
                        "to turn into features. Leave it out of the model.")
    names = date_feature_names(column)
    clash = [n for n in names if n in frame.columns]
    if clash:
        raise DataError(f"The table already has the column(s) {', '.join(map(repr, clash))}: the "
                        f"features of {column!r} were made already, or a column has that name. "
                        "Rename that column first if you need both.")
    missing = s.isna().to_numpy()
    dt = s.dt
    parts = [dt.year, dt.month, dt.dayofweek]
    out = {n: _whole(p, missing) for n, p in zip(names, parts, strict=False)}
    # microseconds since 1970 as floats: a difference of nanosecond timedeltas overflows past
    # 292 years (found by the hypothesis test: 1903 and 2196 in one column)
    naive = s.dt.tz_convert(None) if s.dt.tz is not None else s
    micros = naive.to_numpy(dtype="datetime64[us]").view("int64").astype("float64")
    micros[missing] = np.nan
    out[names[-1]] = (micros - np.nanmin(micros)) / 86_400e6
    new = pd.DataFrame(out, index=frame.index)
    return pd.concat([frame, new], axis=1)


def _whole(part: pd.Series, missing: np.ndarray) -> np.ndarray:
    """Whole numbers as int64, or float64 with NaN where the date is missing."""
    if missing.any():
        return part.astype("float64").to_numpy()
    return part.astype("int64").to_numpy()
