"""The per-node mechanisms of a structural causal model (used by :mod:`causal_core.scm`).

Each observed node gets one mechanism:

* a **root** (no parents) resamples its observed values (the empirical distribution);
* a **numeric** node (numbers, bools, 0/1) is ``f(parents) + noise``, an additive-noise model:
  ``f`` is a linear regression or a gradient-boosting regressor, whichever has the higher
  cross-validated R²; the noise is resampled from the chosen model's out-of-fold residuals;
* a **categorical** node (text or category dtype) is a classifier (logistic regression or
  gradient boosting, chosen by cross-validated accuracy) sampled from its class probabilities.

Categorical parents are one-hot encoded (first level dropped) for both model families.

The module also holds the frozen results of :meth:`StructuralCausalModel.ate`
(:class:`NodeEffect`, :class:`InterventionEffect`) and small input helpers, to keep
:mod:`causal_core.scm` under the house's size limit.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=300)
>>> df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=300)})
>>> cols = prepare_columns(df, ("x", "y"))
>>> mech, _ = fit_node("y", ("x",), cols, models=("linear",), cv=3, seed=0)
>>> mech.model, mech.score_name, mech.score > 0.7
('linear', 'r2', True)
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

from .exceptions import DataError, EstimationError

__all__ = [
    "MODELS", "MAX_LEVELS", "Mechanism", "Column", "FittedNode", "NodeEffect", "InterventionEffect",
    "prepare_columns", "fit_node", "apply_intervention", "check_n", "as_rows", "categorical_cf_message",
]

#: The model families a non-root mechanism is chosen from.
MODELS: tuple[str, ...] = ("linear", "boosting")
#: A text/category column with more distinct values than this is refused.
MAX_LEVELS = 50
#: Cross-validation uses at most this many rows (a seeded subsample); the final fit uses all.
CV_MAX_ROWS = 20_000
#: Boosting is chosen only when its CV score beats the linear model's by more than this.
TIE_MARGIN = 1e-3
_BOOSTING = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 15, "early_stopping": False}


@dataclass(frozen=True)
class Mechanism:
    """How one node was fitted: what the ``summary()`` table of a fitted SCM shows.

    Attributes
    ----------
    node : str
    parents : tuple of str
    kind : {"root", "regression", "classifier"}
    model : {"linear", "boosting", "empirical"}
        ``"empirical"`` for roots (and constant categorical nodes): observed values resampled.
    score : float or None
        Cross-validated R² (regression) or accuracy (classifier) of the chosen model; None for roots.
    score_name : {"r2", "accuracy", ""}
    n_train : int
        Rows the final model was fitted on.
    cv_scores : tuple of (str, float)
        The cross-validated score of every model family tried.
    """

    node: str
    parents: tuple[str, ...]
    kind: str
    model: str
    score: float | None
    score_name: str
    n_train: int
    cv_scores: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {
            "node": self.node, "parents": list(self.parents), "kind": self.kind, "model": self.model,
            "score": self.score, "score_name": self.score_name, "n_train": self.n_train,
            "cv_scores": dict(self.cv_scores),
        }


@dataclass(frozen=True)
class Column:
    """One node's data: float values (numeric) or object values with their sorted levels."""

    name: str
    values: np.ndarray
    levels: tuple[Any, ...] | None = None  # None: numeric

    @property
    def categorical(self) -> bool:
        return self.levels is not None


def prepare_columns(data: pd.DataFrame, nodes: Sequence[str]) -> dict[str, Column]:
    """Check and type the columns of ``data`` named by ``nodes`` (copies; ``data`` is not touched).

    Raises
    ------
    DataError
        When a node has no column, a column has missing or infinite values, a date/time column, or a
        text column with more than :data:`MAX_LEVELS` levels.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}. "
                        "Load the table with cc.load_table or pd.read_csv first.")
    columns = {str(c): c for c in data.columns}
    missing = [n for n in nodes if n not in columns]
    if missing:
        raise DataError(
            f"The graph's nodes {', '.join(map(repr, missing))} have no column in the data "
            f"(columns: {', '.join(map(repr, list(columns)[:20]))}). Rename the columns or the nodes so "
            "they match; every node of the graph must be observed to fit a structural causal model."
        )
    names = pd.Series([str(c) for c in data.columns])
    dup = sorted(set(names[names.duplicated() & names.isin(list(nodes))]))
    if dup:
        raise DataError(f"The data have several columns named {', '.join(map(repr, dup))}. Give every "
                        "column a distinct name, so each node maps to one column.")
    frame = data[[columns[n] for n in nodes]]
    na = frame.isna()
    if na.to_numpy().any():
        per_col = {str(c): int(k) for c, k in na.sum().items() if k}
        raise DataError(
            f"{int(na.any(axis=1).sum())} of {len(frame)} rows have missing values in the graph's "
            f"columns ({', '.join(f'{c!r}: {k}' for c, k in per_col.items())}). A structural causal "
            "model needs complete rows: drop them first, e.g. data.dropna(subset=list(graph.nodes)), "
            "or impute them."
        )
    if len(frame) < 10:
        raise DataError(f"The data have {len(frame)} rows; fitting a structural causal model needs at "
                        "least 10 complete rows. Use more data.")
    return {n: _column(n, frame[columns[n]]) for n in nodes}


def _column(name: str, s: pd.Series) -> Column:
    if pd.api.types.is_bool_dtype(s) or (pd.api.types.is_numeric_dtype(s)
                                         and not pd.api.types.is_complex_dtype(s)):
        v = s.to_numpy(dtype=float, copy=True)
        if not np.isfinite(v).all():
            raise DataError(f"Column {name!r} has {int((~np.isfinite(v)).sum())} infinite values. "
                            "Replace or drop those rows before fitting.")
        return Column(name, v)
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
        raise DataError(f"Column {name!r} holds dates or durations ({s.dtype}); a structural causal "
                        "model needs numbers or categories. Convert it, e.g. to days since a start date.")
    v = s.to_numpy(dtype=object, copy=True)
    levels = tuple(sorted(pd.unique(v), key=lambda x: (str(type(x)), str(x))))
    if len(levels) > MAX_LEVELS:
        raise DataError(
            f"Column {name!r} is text with {len(levels)} distinct values (at most {MAX_LEVELS} allowed "
            "for a categorical node). Convert it to numbers, group rare values into fewer categories, "
            "or leave it out of the graph."
        )
    return Column(name, v, levels)


class Design:
    """Turns parent values into a model matrix (numeric as is, categories one-hot, first dropped)."""

    def __init__(self, parents: Sequence[Column]):
        self.names = tuple(p.name for p in parents)
        self.levels = {p.name: p.levels for p in parents}

    def matrix(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The model matrix for ``values`` (node → array); unknown categories raise DataError."""
        cols: list[np.ndarray] = []
        n = len(next(iter(values.values())))
        for name in self.names:
            levels = self.levels[name]
            v = values[name]
            if levels is None:
                cols.append(np.asarray(v, dtype=float))
                continue
            codes = pd.Index(levels).get_indexer(np.asarray(v, dtype=object))
            if (codes < 0).any():
                bad = np.asarray(v, dtype=object)[codes < 0][0]
                raise DataError(f"Node {name!r} has the value {bad!r}, which the model never saw "
                                f"(its levels: {', '.join(map(repr, levels[:12]))}). Use one of those.")
            cols.extend((codes == k).astype(float) for k in range(1, len(levels)))
        if not cols:
            cols.append(np.zeros(n))
        return np.column_stack(cols)


@dataclass(frozen=True)
class FittedNode:
    """A fitted mechanism: the estimator and what sampling and abduction need."""

    node: str
    design: Design | None  # None for roots
    estimator: Any = None
    residuals: np.ndarray | None = None  # numeric nodes: out-of-fold residuals (sampling noise)
    levels: tuple[Any, ...] | None = None  # categorical nodes
    constant: Any = None  # categorical node with a single level

    def predict(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The regression function ``f(parents)`` (numeric non-root nodes only)."""
        assert self.design is not None
        return np.asarray(self.estimator.predict(self.design.matrix(values)), dtype=float)

    def sample(self, values: Mapping[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        """Values of a non-root node given its parents and uniform noise ``u`` (one per row)."""
        if self.levels is None:
            assert self.residuals is not None
            idx = np.minimum((u * len(self.residuals)).astype(np.int64), len(self.residuals) - 1)
            return self.predict(values) + self.residuals[idx]
        if self.constant is not None:
            return np.full(len(u), self.constant, dtype=object)
        assert self.design is not None
        proba = self.estimator.predict_proba(self.design.matrix(values))
        pick = (u[:, None] > np.cumsum(proba, axis=1)).sum(axis=1)
        pick = np.minimum(pick, proba.shape[1] - 1)
        codes = self.estimator.classes_[pick]
        return np.asarray(self.levels, dtype=object)[codes]


def _make(model: str, classifier: bool, seed: int) -> Any:
    if model == "linear":
        return LogisticRegression(max_iter=1000) if classifier else LinearRegression()
    cls = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
    return cls(random_state=seed, **_BOOSTING)


def _r2(y: np.ndarray, pred: np.ndarray) -> float:
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else float("nan")


def fit_node(node: str, parents: Sequence[str], columns: Mapping[str, Column], *,
             models: Sequence[str], cv: int, seed: int) -> tuple[Mechanism, FittedNode]:
    """Fit the mechanism of ``node`` given its ``parents``; the model family is chosen by K-fold CV.

    Ties (boosting not better than linear by more than ``TIE_MARGIN``) go to the linear model.
    """
    col = columns[node]
    n = len(col.values)
    if not parents:
        return (Mechanism(node, (), "root", "empirical", None, "", n),
                FittedNode(node, None, levels=col.levels))
    design = Design([columns[p] for p in parents])
    X = design.matrix({p: columns[p].values for p in parents})
    rng = np.random.default_rng(seed)
    sub = np.sort(rng.choice(n, CV_MAX_ROWS, replace=False)) if n > CV_MAX_ROWS else np.arange(n)
    if col.categorical:
        return _fit_classifier(node, tuple(parents), col, design, X, sub, models, cv, seed)
    y = col.values
    scores: dict[str, float] = {}
    oof: dict[str, np.ndarray] = {}
    folds = KFold(n_splits=cv, shuffle=True, random_state=seed)
    for m in models:
        oof[m] = cross_val_predict(_make(m, False, seed), X[sub], y[sub], cv=folds)
        scores[m] = _r2(y[sub], oof[m])
    best = _choose(scores)
    est = _make(best, False, seed).fit(X, y)
    mech = Mechanism(node, tuple(parents), "regression", best, _num(scores[best]), "r2", n,
                     tuple((m, _num(s)) for m, s in scores.items()))
    return mech, FittedNode(node, design, est, residuals=y[sub] - oof[best])


def _fit_classifier(node: str, parents: tuple[str, ...], col: Column, design: Design, X: np.ndarray,
                    sub: np.ndarray, models: Sequence[str], cv: int,
                    seed: int) -> tuple[Mechanism, FittedNode]:
    assert col.levels is not None
    n = len(col.values)
    codes = pd.Index(col.levels).get_indexer(col.values)
    if len(col.levels) == 1:
        return (Mechanism(node, parents, "classifier", "empirical", 1.0, "accuracy", n),
                FittedNode(node, design, levels=col.levels, constant=col.levels[0]))
    counts = np.bincount(codes[sub], minlength=len(col.levels))
    if counts.min() < cv:
        rare = [repr(col.levels[k]) for k in np.flatnonzero(counts < cv)]
        raise DataError(
            f"Categorical node {node!r} has levels seen fewer than {cv} times ({', '.join(rare[:8])}); "
            f"its classifier cannot be cross-validated with cv={cv}. Merge rare levels into a larger "
            "one, or drop those rows."
        )
    scores: dict[str, float] = {}
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    for m in models:
        pred = cross_val_predict(_make(m, True, seed), X[sub], codes[sub], cv=folds)
        scores[m] = float((pred == codes[sub]).mean())
    best = _choose(scores)
    est = _make(best, True, seed).fit(X, codes)
    mech = Mechanism(node, parents, "classifier", best, scores[best], "accuracy", n,
                     tuple(scores.items()))
    return mech, FittedNode(node, design, est, levels=col.levels)


def _choose(scores: Mapping[str, float]) -> str:
    def key(m: str) -> float:
        s = scores[m]
        return -np.inf if np.isnan(s) else s - (TIE_MARGIN if m == "boosting" else 0.0)

    return max(scores, key=key)


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@dataclass(frozen=True)
class NodeEffect:
    """The interventional effect on one node: mean under do(t1) minus mean under do(t0)."""

    node: str
    mean_t1: float
    mean_t0: float
    effect: float
    se: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class InterventionEffect:
    """``E[node | do(treatment = t1)] − E[node | do(treatment = t0)]`` for downstream nodes.

    The two interventions share their noise draws (common random numbers), so ``se`` is the
    Monte-Carlo standard error of the mean paired difference. It does not include the uncertainty of
    the fitted mechanisms (use the estimators of ``cc.estimate`` for that).
    """

    treatment: str
    t1: Any
    t0: Any
    n: int
    alpha: float
    effects: tuple[NodeEffect, ...]
    notes: tuple[str, ...] = ()

    def effect_on(self, node: str) -> NodeEffect:
        """The :class:`NodeEffect` of ``node``."""
        for e in self.effects:
            if e.node == node:
                return e
        raise EstimationError(f"No effect was computed for {node!r}; computed: "
                              f"{', '.join(e.node for e in self.effects) or 'none'}.")

    def _single(self) -> NodeEffect:
        if len(self.effects) != 1:
            raise EstimationError(
                f"This result holds effects on {len(self.effects)} nodes; pick one with "
                f".effect_on(node), or call scm.ate(..., outcome=node).")
        return self.effects[0]

    @property
    def value(self) -> float:
        """The effect, when a single outcome was asked for."""
        return self._single().effect

    @property
    def se(self) -> float:
        """Its Monte-Carlo standard error, when a single outcome was asked for."""
        return self._single().se

    def summary(self) -> pd.DataFrame:
        """One row per node: means under both interventions, effect, se and interval."""
        lvl = f"{100 * (1 - self.alpha):g}%"
        rows = [{"node": e.node, f"mean do({self.treatment}={self.t1})": e.mean_t1,
                 f"mean do({self.treatment}={self.t0})": e.mean_t0, "effect": e.effect, "se": e.se,
                 f"ci lower {lvl}": e.ci_low, f"ci upper {lvl}": e.ci_high} for e in self.effects]
        return pd.DataFrame(rows).set_index("node")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {"treatment": self.treatment, "t1": self.t1, "t0": self.t0, "n": self.n,
                "alpha": self.alpha, "effects": [e.to_dict() for e in self.effects],
                "notes": list(self.notes)}


def categorical_cf_message(node: str, iv: Mapping[str, Any]) -> str:
    return (
        f"The counterfactual of categorical node {node!r} under do({', '.join(map(str, iv))}) cannot be "
        "computed: a classifier's noise cannot be recovered from one observation (many noise values give "
        "the same observed category), so the unit's own value of it is not determined. Encode it as 0/1 "
        "numbers to give it an additive-noise mechanism, ask only for nodes that do not depend on it "
        "(nodes=[...]), or use scm.do for the population-level effect."
    )


def apply_intervention(value: Any, natural: np.ndarray | None, n: int) -> np.ndarray:
    if not callable(value):
        return np.full(n, value, dtype=float if isinstance(value, float | np.floating) else object)
    fn: Callable[[np.ndarray], Any] = value
    out = np.asarray(fn(natural.copy() if natural is not None else None))
    if out.ndim == 0:
        out = np.full(n, out.item(), dtype=object)
    if out.shape != (n,):
        raise EstimationError(f"The intervention function returned shape {out.shape}; it must return one "
                              f"value per row ({n}) or a single value.")
    return out


def check_n(n: Any, low: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < low:
        raise EstimationError(f"n={n!r} is not valid: the number of samples must be an integer ≥ {low}.")
    return int(n)


def as_rows(rows: Any) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    if isinstance(rows, pd.Series):
        return rows.to_frame().T
    if isinstance(rows, Mapping):
        if all(np.ndim(v) == 0 for v in rows.values()):
            return pd.DataFrame([dict(rows)])
        return pd.DataFrame(dict(rows))
    raise DataError(f"rows must be a DataFrame, a Series (one unit) or a dict, got {type(rows).__name__}.")
