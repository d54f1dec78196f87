"""Missing values, honestly: what is missing, whether it depends on other columns, and a choice.

:func:`missingness_table` describes each column (count, share) and tests whether its
missingness depends on the other columns (a logistic regression of "is missing" on them, a
likelihood-ratio test against "missing at random with the same chance for every row"). A small
p-value rules out *missing completely at random* (MCAR); no test on the observed data can tell
*missing at random* (MAR: depends only on observed columns) from *missing not at random*
(depends on the missing value itself).

:class:`MissingDataChoice` is the analyst's decision, part of the analysis plan:

- ``"none"``: missing values in the columns used raise :class:`~causal_core.DataError`
  (nothing is ever dropped silently);
- ``"complete_cases"``: rows with a missing value in a column used are dropped, counted and
  shown (:func:`complete_cases`);
- ``"multiple_imputation"``: ``m`` imputed copies (scikit-learn's ``IterativeImputer``),
  one estimate per copy, pooled by Rubin's rules (:mod:`causal_core.imputation`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from causal_core.missing import missingness_table
>>> rng = np.random.default_rng(0)
>>> y = rng.normal(size=2000)
>>> x = np.where(y > 0.5, np.nan, rng.normal(size=2000))   # x is missing when y is high
>>> tab = missingness_table(pd.DataFrame({"x": x, "y": y}))
>>> int(tab.loc["x", "missing"]), bool(tab.loc["x", "p_value"] < 0.001), tab.loc["x", "depends_on"]
(605, True, 'y')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .estimators.prepare import encode_columns
from .estimators.propensity import fit_propensity
from .exceptions import DataError

__all__ = ["STRATEGIES", "MissingDataChoice", "CompleteCases", "missingness_table",
           "complete_cases", "missing_counts", "choice_of", "missing_sentence"]

#: The three choices, in the order the app offers them.
STRATEGIES = ("none", "complete_cases", "multiple_imputation")
#: The missingness test uses at most this many rows (a seeded random subset beyond).
MAX_TEST_ROWS = 200_000
#: Text columns with more levels than this are left out of the missingness test.
_MAX_LEVELS = 50

_LABELS = {
    "none": "Stop if values are missing",
    "complete_cases": "Complete cases (drop incomplete rows)",
    "multiple_imputation": "Multiple imputation (Rubin's rules)",
}


@dataclass(frozen=True)
class MissingDataChoice:
    """How an analysis handles missing values (part of the analysis plan).

    Attributes
    ----------
    strategy : {"none", "complete_cases", "multiple_imputation"}
    m : int
        Imputed data sets (multiple imputation only), 2 to 100.
    max_iter : int
        Rounds of chained equations per imputation, 1 to 100.
    """

    strategy: str = "none"
    m: int = 10
    max_iter: int = 10

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise DataError(f"The missing-data strategy must be one of {', '.join(STRATEGIES)}; "
                            f"got {self.strategy!r}.")
        for name, low, high in (("m", 2, 100), ("max_iter", 1, 100)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not low <= v <= high:
                raise DataError(f"The number {name} of the missing-data choice must be a whole "
                                f"number from {low} to {high}; got {v!r}.")
            object.__setattr__(self, name, int(v))

    @property
    def label(self) -> str:
        """The choice in words."""
        text = _LABELS[self.strategy]
        return f"{text}, m = {self.m}" if self.strategy == "multiple_imputation" else text

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {"strategy": self.strategy, "m": self.m, "max_iter": self.max_iter}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> MissingDataChoice:
        """Inverse of :meth:`to_dict` (None: the default, ``"none"``)."""
        if d is None:
            return cls()
        if not isinstance(d, Mapping):
            raise DataError(f"A missing-data choice must be a mapping; got {type(d).__name__}.")
        unknown = set(d) - {"strategy", "m", "max_iter"}
        if unknown:
            raise DataError(f"Unknown field(s) in the missing-data choice: {sorted(unknown)}.")
        return cls(**dict(d))


def choice_of(estimate: Mapping[str, Any]) -> MissingDataChoice:
    """The missing-data choice recorded in an estimate's ``to_dict()`` (default: "none").

    Examples
    --------
    >>> choice_of({"diagnostics": {"missing_data": {"strategy": "complete_cases", "n_rows": 9}}})
    MissingDataChoice(strategy='complete_cases', m=10, max_iter=10)
    """
    info = (estimate.get("diagnostics") or {}).get("missing_data") or {}
    if info.get("strategy") == "multiple_imputation":
        return MissingDataChoice("multiple_imputation", m=int(info["m"]),
                                 max_iter=int(info.get("max_iter", 10)))
    return MissingDataChoice(info.get("strategy", "none"))


def missing_sentence(estimate: Mapping[str, Any]) -> str:
    """How an estimate (its ``to_dict()``) handled missing values, in one or two sentences.

    Examples
    --------
    >>> missing_sentence({"diagnostics": {}})
    'Missing values: none in the columns used.'
    """
    info = (estimate.get("diagnostics") or {}).get("missing_data") or {}
    strategy = info.get("strategy", "none")
    if strategy == "complete_cases":
        return f"Missing values: complete cases. {info.get('note', '')}".strip()
    if strategy == "multiple_imputation":
        cols = ", ".join(f"{c} ({k:,})" for c, k in (info.get("by_column") or {}).items())
        fmi = info.get("fraction_missing_information")
        return (f"Missing values: multiple imputation, {info.get('m')} imputed data sets "
                f"(chained equations, {info.get('max_iter')} rounds) filling {cols or 'nothing'}; "
                "estimates pooled by Rubin's rules"
                + (f", fraction of missing information {fmi:.0%}." if fmi is not None else "."))
    return "Missing values: none in the columns used."


@dataclass(frozen=True)
class CompleteCases:
    """What a complete-case analysis dropped.

    Attributes
    ----------
    n_rows, n_dropped : int
        Rows before, and rows dropped (a missing value in at least one column used).
    by_column : dict
        Column → rows missing in it.
    note : str
        When dropping biases the estimate, in words, with the numbers.
    """

    n_rows: int
    n_dropped: int
    by_column: dict[str, int]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {"n_rows": self.n_rows, "n_dropped": self.n_dropped,
                "by_column": dict(self.by_column), "note": self.note}


def _missing_frame(frame: pd.DataFrame) -> pd.DataFrame:
    bad = frame.isna()
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            bad[col] = bad[col] | np.isinf(frame[col].to_numpy())
    return bad


def missing_counts(data: pd.DataFrame, columns: Sequence[str] | None = None) -> dict[str, int]:
    """Column → missing (or infinite) values, for the columns that have any.

    Examples
    --------
    >>> missing_counts(pd.DataFrame({"a": [1.0, None], "b": [1, 2]}))
    {'a': 1}
    """
    frame = data if columns is None else data.loc[:, list(columns)]
    return {str(c): int(v) for c, v in _missing_frame(frame).sum().items() if v}


def _predictors(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, list[str]]:
    """Encoded other columns (missing values mean-filled, plus their own indicators), and the
    column each encoded predictor comes from."""
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for col in frame.columns:
        if col == target:
            continue
        s = frame[col]
        numeric = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        if not numeric and s.nunique(dropna=True) > _MAX_LEVELS:
            continue
        if numeric and not pd.api.types.is_complex_dtype(s):
            v = s.to_numpy(dtype=float)
            miss = ~np.isfinite(v)
            v = np.where(miss, np.nanmean(np.where(miss, np.nan, v)) if (~miss).any() else 0.0, v)
            mat, cols = v[:, None], [str(col)]
        elif numeric or pd.api.types.is_datetime64_any_dtype(s):
            continue
        else:
            filled = s.astype(object).where(s.notna(), "(missing)").to_frame()
            mat = encode_columns(filled, "column")[0]  # "(missing)" is a level of its own
            miss = np.zeros(len(s), dtype=bool)
            cols = [str(col)] * mat.shape[1]
        if miss.any() and not miss.all():
            mat = np.hstack([mat, miss[:, None].astype(float)])
            cols = [*cols, str(col)]
        blocks.append(mat)
        names += cols
    if not blocks:
        return np.zeros((len(frame), 0)), []
    return np.hstack(blocks), names


def _loglik(x: np.ndarray, r: np.ndarray) -> float:
    if x.shape[1] == 0:
        p0 = float(r.mean())
        return float(r.sum() * np.log(p0) + (len(r) - r.sum()) * np.log1p(-p0))
    p = np.clip(fit_propensity(x, r, penalty=1e-8).ps, 1e-12, 1 - 1e-12)
    return float(np.sum(r * np.log(p) + (1 - r) * np.log1p(-p)))


def _dependence(r: np.ndarray, x: np.ndarray, owners: list[str], alpha: float
                ) -> tuple[float, float, str]:
    """(LR statistic, p-value, the columns whose own drop-one LR test is significant)."""
    keep = np.ptp(x, axis=0) > 0 if x.shape[1] else np.zeros(0, dtype=bool)
    x, owners = x[:, keep], [o for o, k in zip(owners, keep, strict=True) if k]
    if x.shape[1] == 0:
        return float("nan"), float("nan"), ""
    ll = _loglik(x, r)
    lr = max(2.0 * (ll - _loglik(x[:, :0], r)), 0.0)
    pval = float(stats.chi2.sf(lr, df=x.shape[1]))
    cols = list(dict.fromkeys(owners))
    strength: dict[str, float] = {}
    if pval < alpha:
        for col in cols:  # likelihood-ratio test of each column, Bonferroni over the columns
            own = np.array([o == col for o in owners])
            stat = max(2.0 * (ll - _loglik(x[:, ~own], r)), 0.0)
            if stats.chi2.sf(stat, df=int(own.sum())) < alpha / len(cols):
                strength[col] = stat
    return lr, pval, ", ".join(sorted(strength, key=lambda k: -strength[k]))


def missingness_table(data: pd.DataFrame, columns: Sequence[str] | None = None, *,
                      alpha: float = 0.05, random_state: int = 0) -> pd.DataFrame:
    """One row per column: missing values, their share, and whether missingness depends on others.

    Parameters
    ----------
    data : DataFrame
    columns : list of str, optional
        The columns to describe (default: all); the test uses all of them as predictors.
    alpha : float
        Level of the dependence test and of the per-column listing (Bonferroni-corrected).
    random_state : int
        Seed of the row subset when there are more than ``MAX_TEST_ROWS`` rows.

    Returns
    -------
    DataFrame
        Indexed by column: ``missing``, ``share``, ``lr_statistic``, ``df``, ``p_value``
        (missingness independent of the other columns; NaN when nothing or everything is
        missing), ``depends_on`` (the columns that predict it, strongest first) and
        ``reading`` (one sentence).
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"The data must be a pandas DataFrame, got {type(data).__name__}.")
    frame = data if columns is None else data.loc[:, [c for c in columns if c in data.columns]]
    if len(frame) > MAX_TEST_ROWS:
        idx = np.sort(np.random.default_rng(random_state).choice(len(frame), MAX_TEST_ROWS,
                                                                 replace=False))
        sample = frame.iloc[idx]
    else:
        sample = frame
    full = _missing_frame(frame)
    miss = _missing_frame(sample)
    rows = []
    for col in frame.columns:
        n_miss = int(full[col].sum())
        share = n_miss / len(frame) if len(frame) else 0.0
        lr = p = float("nan")
        dep, k = "", 0
        r = miss[col].to_numpy(dtype=float)
        if 0 < r.sum() < len(r):
            x, owners = _predictors(sample, col)
            k = int((np.ptp(x, axis=0) > 0).sum()) if x.shape[1] else 0
            lr, p, dep = _dependence(r, x, owners, alpha)
        rows.append({"column": str(col), "missing": n_miss, "share": share, "lr_statistic": lr,
                     "df": k, "p_value": p, "depends_on": dep,
                     "reading": _reading(str(col), n_miss, share, p, dep, alpha)})
    return pd.DataFrame(rows).set_index("column")


def _reading(col: str, n: int, share: float, p: float, dep: str, alpha: float) -> str:
    if n == 0:
        return "Complete."
    if not np.isfinite(p):
        return f"{n:,} missing ({share:.1%}); no other column to test against."
    if p < alpha:
        return (f"{n:,} missing ({share:.1%}); missingness depends on the other columns "
                f"(p = {p:.2g}{', mainly ' + dep if dep else ''}): not missing completely at "
                "random. Complete cases can be biased; imputation using those columns can help.")
    return (f"{n:,} missing ({share:.1%}); no detectable dependence on the other columns "
            f"(p = {p:.2g}). This cannot rule out dependence on the missing values themselves.")


def complete_cases(data: pd.DataFrame, columns: Sequence[str], *, outcome: str | None = None,
                   table: pd.DataFrame | None = None) -> tuple[pd.DataFrame, CompleteCases]:
    """The rows without a missing value in ``columns``, and what was dropped.

    ``outcome`` and ``table`` (a :func:`missingness_table`) sharpen the note: when some
    column's missingness depends on the outcome, dropping those rows selects on the outcome
    and biases the effect.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [0, 1, 1, 0], "y": [1.0, None, 2.0, 0.5]})
    >>> kept, cc_ = complete_cases(df, ["t", "y"])
    >>> len(kept), cc_.n_dropped, cc_.by_column
    (3, 1, {'y': 1})
    """
    cols = list(dict.fromkeys(columns))
    bad = _missing_frame(data.loc[:, cols])
    drop = bad.any(axis=1).to_numpy()
    by_col = {str(c): int(v) for c, v in bad.sum().items() if v}
    n, k = len(data), int(drop.sum())
    if k == 0:
        note = "No row has a missing value in the columns used: nothing is dropped."
    else:
        note = (f"{k:,} of {n:,} rows ({k / n:.1%}) have a missing value in a column used and are "
                "dropped. This is unbiased when missingness does not depend on the outcome once "
                "treatment and adjustment set are accounted for; it is biased when it does (e.g. "
                "values missing more often for high outcomes), and it always costs precision.")
        if outcome is not None and table is not None:
            hit = [c for c in by_col if c in table.index and outcome in
                   str(table.loc[c, "depends_on"]).split(", ")]
            if hit:
                note += (f" Here the missingness of {', '.join(map(repr, hit))} depends on the "
                         f"outcome {outcome!r}: expect complete cases to be biased; prefer "
                         "multiple imputation.")
    if k == n:
        raise DataError(f"Every one of the {n:,} rows has a missing value in the columns used "
                        f"({', '.join(f'{c!r}: {v:,}' for c, v in by_col.items())}): complete "
                        "cases leave nothing. Use multiple imputation or leave a column out.")
    return data.loc[~drop], CompleteCases(n, k, by_col, note)
