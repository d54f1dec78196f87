"""Data preparation shared by every estimator.

Column checks, missing values (a :class:`DataError`, or listwise deletion when asked),
one-hot encoding of categorical covariates, and detection of the treatment's type
(binary — bool, 0/1 or any two values —, continuous or categorical). The caller's
DataFrame is never modified: only the needed columns are read.

Examples
--------
>>> import pandas as pd
>>> from causal_core.estimators.prepare import treatment_kind
>>> treatment_kind(pd.Series([True, False, True]))
('binary', (False, True))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..identify import Estimand

__all__ = ["Problem", "Roles", "prepare_problem", "treatment_kind", "encode_columns",
           "high_cardinality"]

_MAX_LEVELS = 100


@dataclass(frozen=True)
class Roles:
    """Which columns an estimator needs beyond the treatment and the outcome."""

    covariates: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """The numeric arrays one estimation works on.

    ``t`` is 0/1 for a binary treatment, the value for a continuous one and the level code
    for a categorical one (``levels[code]``). ``x``, ``z``, ``m`` are the encoded
    covariates, instruments and mediators; ``e`` the encoded effect modifiers and
    ``modifier_frame`` their raw values (for binning).
    """

    treatment: str
    outcome: str
    treatment_type: str
    levels: tuple[Any, ...]
    t: np.ndarray
    y: np.ndarray
    x: np.ndarray
    x_names: tuple[str, ...]
    z: np.ndarray
    z_names: tuple[str, ...]
    m: np.ndarray
    m_names: tuple[str, ...]
    e: np.ndarray
    e_names: tuple[str, ...]
    modifier_frame: pd.DataFrame
    roles: Roles
    estimand: Estimand
    n_dropped: int
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    fe: np.ndarray | None = None
    fe_names: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Rows used."""
        return int(self.y.shape[0])

    def take(self, idx: np.ndarray) -> Problem:
        """The same problem on the rows ``idx`` (for bootstrap resamples and folds)."""
        return replace(
            self,
            t=self.t[idx],
            y=self.y[idx],
            x=self.x[idx],
            z=self.z[idx],
            m=self.m[idx],
            e=self.e[idx],
            modifier_frame=self.modifier_frame.iloc[idx],
            fe=None if self.fe is None else _recode(self.fe[idx]),
        )


def _recode(fe: np.ndarray) -> np.ndarray:
    """Level codes renumbered 0..k-1 (after a subset or resample of rows)."""
    return np.column_stack([np.unique(fe[:, g], return_inverse=True)[1].ravel()
                            for g in range(fe.shape[1])]) if fe.shape[1] else fe


def high_cardinality(frame: pd.DataFrame) -> list[str]:
    """Text or categorical columns of ``frame`` with more than ``_MAX_LEVELS`` levels."""
    out = []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s) or \
                pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            continue
        if s.nunique() > _MAX_LEVELS:
            out.append(str(col))
    return out


def treatment_kind(s: pd.Series) -> tuple[str, tuple[Any, ...]]:
    """``(kind, levels)`` of a treatment column without missing values.

    Bool and any column with exactly two values are binary (levels sorted, the second is
    "treated"); other numeric columns are continuous; text or categorical columns with more
    than two levels are categorical.
    """
    if pd.api.types.is_bool_dtype(s):
        return "binary", (False, True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = tuple(c for c in s.cat.categories if c in set(s.unique()))
    elif pd.api.types.is_numeric_dtype(s):
        values = np.unique(s.to_numpy())
        if values.size > 2:
            return "continuous", ()
        levels = tuple(v.item() for v in values)
    else:
        try:
            levels = tuple(sorted(s.unique()))
        except TypeError:
            levels = tuple(sorted(s.unique(), key=str))
    if len(levels) < 2:
        shown = repr(levels[0]) if levels else "nothing"
        raise DataError(
            f"The treatment column {s.name!r} takes a single value ({shown}) in the rows used: "
            "an effect needs at least two treatment values. Check the column or the row filter."
        )
    return ("binary" if len(levels) == 2 else "categorical"), levels


def encode_columns(df: pd.DataFrame, what: str) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """Numeric matrix of ``df``: numbers and bools as floats, categories one-hot (first dropped).

    Returns ``(matrix, column names, warnings)``; constant columns are dropped with a warning.
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    notes: list[str] = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            if pd.api.types.is_complex_dtype(s):
                raise DataError(f"The {what} column {col!r} holds complex numbers; use reals.")
            blocks.append(s.to_numpy(dtype=float)[:, None])
            names.append(str(col))
            continue
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            raise DataError(
                f"The {what} column {col!r} holds dates or durations ({s.dtype}); estimators need "
                "numbers or categories. Convert it (e.g. to days since a start date) first."
            )
        cat = s.astype("category")
        levels = list(cat.cat.categories)
        if len(levels) > _MAX_LEVELS:
            raise DataError(
                f"The {what} column {col!r} is text with {len(levels)} distinct values (more than "
                f"{_MAX_LEVELS}): too many for dummy columns. As a covariate (adjustment set) "
                "it is absorbed as fixed effects by linear_regression; as a "
                f"{what} it cannot be used. Group rare levels into fewer categories or leave it "
                "out."
            )
        codes = cat.cat.codes.to_numpy()
        for j, level in enumerate(levels[1:], start=1):
            blocks.append((codes == j).astype(float)[:, None])
            names.append(f"{col}={level}")
        if len(levels) > 1:
            notes.append(
                f"{what.capitalize()} {col!r} is categorical: one-hot encoded with "
                f"{levels[0]!r} as the reference level."
            )
    if not blocks:
        return np.zeros((len(df), 0)), (), notes
    mat = np.hstack(blocks)
    keep = np.ptp(mat, axis=0) > 0 if mat.shape[0] else np.ones(mat.shape[1], dtype=bool)
    if not keep.all():
        dropped = [n for n, k in zip(names, keep, strict=True) if not k]
        notes.append(
            f"Constant {what} column(s) {', '.join(map(repr, dropped))} carry no information "
            "in the rows used and were left out."
        )
        mat = mat[:, keep]
        names = [n for n, k in zip(names, keep, strict=True) if k]
    return mat, tuple(names), notes


def _check_columns(data: pd.DataFrame, needed: Sequence[str]) -> None:
    missing = [c for c in needed if c not in data.columns]
    if missing:
        shown = ", ".join(map(repr, list(map(str, data.columns))[:15]))
        more = " ..." if data.shape[1] > 15 else ""
        raise DataError(
            f"The data have no column {missing[0]!r}"
            + (f" (nor {', '.join(map(repr, missing[1:]))})" if len(missing) > 1 else "")
            + f", which the graph uses. The columns are: {shown}{more}. Rename the column or "
            "the graph node so that they match."
        )
    dup = sorted({str(c) for c in data.columns if list(data.columns).count(c) > 1})
    if any(d in needed for d in dup):
        raise DataError(
            f"The data have several columns named {dup[0]!r}. Give each column a unique name."
        )


def _missing_mask(frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, int]]:
    bad = frame.isna()
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_float_dtype(s):
            bad[col] = bad[col] | np.isinf(s.to_numpy())
    counts = {str(c): int(v) for c, v in bad.sum().items() if v}
    return bad.any(axis=1).to_numpy(), counts


def prepare_problem(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    roles: Roles,
    estimand: Estimand,
    *,
    dropna: bool = False,
) -> Problem:
    """Check, clean and encode the columns one estimation needs.

    Raises
    ------
    DataError
        A missing column, missing values (unless ``dropna``), a non-numeric outcome,
        a constant treatment, or no rows left.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"The data must be a pandas DataFrame, got {type(data).__name__}. "
            "Load it with cc.load_table or pandas first."
        )
    groups = [roles.covariates, roles.instruments, roles.mediators, roles.modifiers]
    needed = list(dict.fromkeys([treatment, outcome, *[c for g in groups for c in g]]))
    _check_columns(data, needed)
    frame = data.loc[:, needed]
    bad, counts = _missing_mask(frame)
    n_dropped = 0
    if counts:
        if not dropna:
            listed = ", ".join(f"{c!r} ({k})" for c, k in counts.items())
            raise DataError(
                f"Missing or infinite values in the columns used: {listed}; {int(bad.sum())} "
                f"of {len(frame)} rows are affected. Estimators need complete rows: pass "
                "dropna=True for listwise deletion, or impute the values first."
            )
        n_dropped = int(bad.sum())
        frame = frame.loc[~bad]
    if len(frame) == 0:
        raise DataError("No rows are left to estimate from (all rows had missing values).")
    ys = frame[outcome]
    if not (pd.api.types.is_numeric_dtype(ys) or pd.api.types.is_bool_dtype(ys)):
        raise DataError(
            f"The outcome column {outcome!r} must be numeric (or 0/1, bool); it has type "
            f"{ys.dtype}, e.g. {ys.iloc[0]!r}. Recode it as a number."
        )
    y = ys.to_numpy(dtype=float)
    ts = frame[treatment]
    kind, levels = treatment_kind(ts)
    if kind == "continuous":
        t = ts.to_numpy(dtype=float)
    else:
        lookup = {lv: i for i, lv in enumerate(levels)}
        t = ts.map(lookup).to_numpy(dtype=float)
    notes: list[str] = list(roles.notes)
    if kind == "binary" and not (pd.api.types.is_bool_dtype(ts) or set(levels) <= {0, 1}):
        notes.append(
            f"Treatment {treatment!r} has two values; {levels[1]!r} is taken as treated and "
            f"{levels[0]!r} as control."
        )
    high = high_cardinality(frame.loc[:, list(roles.covariates)])
    low = [c for c in roles.covariates if str(c) not in high]
    x, x_names, w = encode_columns(frame.loc[:, low], "covariate")
    notes += w
    fe = None
    if high:
        fe = np.column_stack([frame[c].astype("category").cat.codes.to_numpy() for c in high])
        fe = _recode(fe.astype(np.int64))
        notes.append(
            "Covariate(s) " + ", ".join(f"{c!r} ({frame[c].nunique()} levels)" for c in high)
            + f" have more than {_MAX_LEVELS} levels: they are fixed effects, absorbed by the "
            "within transformation (demeaning within levels) instead of dummy columns."
        )
    z, z_names, w = encode_columns(frame.loc[:, list(roles.instruments)], "instrument")
    notes += w
    m, m_names, w = encode_columns(frame.loc[:, list(roles.mediators)], "mediator")
    notes += w
    e, e_names, w = encode_columns(frame.loc[:, list(roles.modifiers)], "effect modifier")
    notes += w
    return Problem(
        treatment=treatment,
        outcome=outcome,
        treatment_type=kind,
        levels=levels,
        t=t,
        y=y,
        x=x,
        x_names=x_names,
        z=z,
        z_names=z_names,
        m=m,
        m_names=m_names,
        e=e,
        e_names=e_names,
        modifier_frame=frame.loc[:, list(roles.modifiers)].reset_index(drop=True),
        roles=roles,
        estimand=estimand,
        n_dropped=n_dropped,
        warnings=tuple(notes),
        fe=fe,
        fe_names=tuple(high),
    )
