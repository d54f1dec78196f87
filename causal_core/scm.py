"""A fitted structural causal model: seeing (``sample``), doing (``do``, ``ate``), imagining
(``counterfactual``, ``unit_effects``) — Pearl's three rungs on one model.

``fit_scm(graph, data)`` gives every observed node a mechanism (see
:mod:`causal_core.scm_mechanisms`): roots resample their observed rows; numeric nodes are
``f(parents) + noise`` with ``f`` chosen by cross-validation between a linear model and gradient
boosting; text/category nodes get a classifier. Counterfactuals use abduction (each unit's noise
``observed − f(observed parents)``), action (set the intervened nodes) and prediction (recompute the
descendants with the unit's own noise).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> from causal_core.scm import fit_scm
>>> rng = np.random.default_rng(0)
>>> z = rng.normal(size=500); x = z + rng.normal(size=500)
>>> df = pd.DataFrame({"z": z, "x": x, "y": 2 * x + z + rng.normal(size=500)})
>>> scm = fit_scm(cc.CausalGraph.parse("dag { z -> x -> y; z -> y }"), df, models=("linear",))
>>> round(scm.ate("x", 1, 0, outcome="y", n=2000, random_state=0).value, 1)
2.0
>>> cf = scm.counterfactual(df.iloc[:1], {"x": 0.0})
>>> bool(abs(cf["y"].iloc[0] - (df["y"].iloc[0] - 2 * df["x"].iloc[0])) < 0.2)
True
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from .exceptions import DataError, EstimationError, GraphError, IdentificationError
from .graph import CausalGraph
from .scm_mechanisms import (
    MODELS,
    Column,
    FittedNode,
    InterventionEffect,
    Mechanism,
    NodeEffect,
    apply_intervention,
    as_rows,
    categorical_cf_message,
    check_n,
    fit_node,
    prepare_columns,
)

__all__ = ["fit_scm", "StructuralCausalModel", "Mechanism", "NodeEffect", "InterventionEffect"]

Intervention = Mapping[str, Any]  # node -> constant, or callable(natural values) -> new values
RandomState = int | np.random.Generator | None
F = TypeVar("F", bound=Callable[..., Any])


def _one_thread(fn: F) -> F:
    """Run ``fn`` with OpenMP limited to one thread: gradient boosting on a busy few-core server is
    several times slower with threads competing (measured 3–7× on the 2-core CI box under load)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1, user_api="openmp"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@_one_thread
def fit_scm(graph: CausalGraph, data: pd.DataFrame, *, random_state: RandomState = 0, cv: int = 3,
            models: Sequence[str] = MODELS,
            progress: Callable[[float], Any] | None = None) -> StructuralCausalModel:
    """Fit a structural causal model of ``graph`` on ``data``.

    Parameters
    ----------
    graph : CausalGraph
        A DAG whose nodes are all observed columns (no latent nodes, no ``<->`` edges).
    data : DataFrame
        One column per node (other columns are ignored), no missing values. Not modified.
    random_state : int, Generator or None
        Seeds the cross-validation folds and the boosting models.
    cv : int
        Number of cross-validation folds used to choose each node's model.
    models : sequence of {"linear", "boosting"}
        The model families to choose from (one family: no choice, CV only reports the score).
    progress : callable, optional
        Called with the fraction of nodes fitted (0 to 1) after each node; it may raise to stop
        the fit (a cancelled job), which then leaves nothing behind.

    Returns
    -------
    StructuralCausalModel

    Raises
    ------
    IdentificationError
        When the graph has latent nodes or bidirected edges (counterfactuals need every node observed).
    DataError
        When nodes have no column, rows have missing values, or a text column has too many levels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causal_core as cc
    >>> from causal_core.scm import fit_scm
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400)
    >>> df = pd.DataFrame({"x": x, "y": 3 * x + rng.normal(size=400)})
    >>> scm = fit_scm(cc.CausalGraph.parse("x -> y"), df)
    >>> list(scm.summary()["model"])
    ['empirical', 'linear']
    """
    if not isinstance(graph, CausalGraph):
        raise GraphError(f"graph must be a CausalGraph, got {type(graph).__name__}. "
                         "Build one with cc.CausalGraph.parse(text).")
    if not graph.nodes:
        raise GraphError("The graph has no nodes. Add the variables and their causal arrows first.")
    if graph.latent or graph.bidirected:
        hidden = [*map(repr, graph.latent), *(f"{a!r} <-> {b!r}" for a, b in graph.bidirected)]
        raise IdentificationError(
            f"Counterfactuals need every node observed: latent {', '.join(hidden)}. A structural causal "
            "model cannot be fitted with unobserved variables or bidirected (latent common cause) edges. "
            "Remove them from the graph, or measure the variable and add it as an observed node."
        )
    models = tuple(models)
    if not models or any(m not in MODELS for m in models) or len(set(models)) != len(models):
        raise EstimationError(f"models={models!r} is not valid: give one or both of {MODELS}, "
                              "without repeats.")
    if isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2:
        raise EstimationError(f"cv={cv!r} is not valid: the number of folds must be an integer ≥ 2.")
    columns = prepare_columns(data, graph.nodes)
    n = len(next(iter(columns.values())).values)
    if n < 2 * cv:
        raise DataError(f"The data have {n} rows, too few for cv={int(cv)} folds; use more rows or "
                        "a smaller cv.")
    rng = np.random.default_rng(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=len(graph.nodes))
    mechanisms: dict[str, Mechanism] = {}
    fitted: dict[str, FittedNode] = {}
    order = graph.topological_order()
    for i, (node, seed) in enumerate(zip(order, seeds, strict=True)):
        mechanisms[node], fitted[node] = fit_node(node, graph.parents(node), columns, models=models,
                                                  cv=int(cv), seed=int(seed))
        if progress is not None:
            progress((i + 1) / len(order))
    return StructuralCausalModel(graph, mechanisms, fitted, columns)


class StructuralCausalModel:
    """A fitted structural causal model; build it with :func:`fit_scm`.

    Attributes
    ----------
    graph : CausalGraph
    mechanisms : mapping of node to Mechanism
        Per node: kind, chosen model, cross-validated score, rows used.
    """

    def __init__(self, graph: CausalGraph, mechanisms: Mapping[str, Mechanism],
                 fitted: Mapping[str, FittedNode], columns: Mapping[str, Column]):
        self.graph = graph
        self.mechanisms = MappingProxyType({n: mechanisms[n] for n in graph.nodes})
        self._fitted = dict(fitted)
        self._columns = dict(columns)
        self._order = graph.topological_order()
        self._roots = tuple(n for n in self._order if not graph.parents(n))
        self.n_train = len(next(iter(columns.values())).values)

    def __reduce__(self) -> tuple[Any, ...]:
        # a fitted model travels between the server and its job pool: rebuilt from its parts
        return (StructuralCausalModel, (self.graph, dict(self.mechanisms), self._fitted, self._columns))

    def __repr__(self) -> str:
        return f"StructuralCausalModel({len(self._order)} nodes, {self.n_train} rows)"

    def summary(self) -> pd.DataFrame:
        """One row per node: parents, kind, model, score, score name and training rows."""
        rows = [{**m.to_dict(), "parents": ", ".join(m.parents)} for m in self.mechanisms.values()]
        return pd.DataFrame(rows).drop(columns="cv_scores").set_index("node")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary of the mechanisms."""
        return {"n_train": self.n_train, "mechanisms": [m.to_dict() for m in self.mechanisms.values()]}

    def is_categorical(self, node: str) -> bool:
        """Whether ``node`` is a text/category node (classifier mechanism or categorical root)."""
        self._require(node, "node")
        return self._columns[node].categorical

    # ------------------------------------------------------------------ rung 1 and 2
    def sample(self, n: int, random_state: RandomState = None) -> pd.DataFrame:
        """``n`` observational samples (ancestral sampling in topological order).

        Roots resample whole observed rows jointly; other nodes add resampled noise to ``f(parents)``.
        ``random_state=None`` draws fresh randomness; pass an int for reproducible samples.
        """
        return self.do({}, n, random_state=random_state)

    @_one_thread
    def do(self, intervention: Intervention, n: int, random_state: RandomState = None) -> pd.DataFrame:
        """``n`` samples from the model under ``do(intervention)``.

        Parameters
        ----------
        intervention : dict
            Node → constant (a number, or a level of a categorical node), or node → callable for a
            shift intervention: it receives the node's natural values (a numpy array, what the node
            would be in this intervened world without its own intervention) and returns the new
            values, e.g. ``{"x": lambda v: v + 1}``. The intervened nodes' incoming edges are cut.
        n : int
            Number of samples.
        random_state : int, Generator or None
            The same seed gives the same noise draws, whatever the intervention.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import causal_core as cc
        >>> from causal_core.scm import fit_scm
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=300)
        >>> df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=300)})
        >>> scm = fit_scm(cc.CausalGraph.parse("x -> y"), df, models=("linear",))
        >>> round(float(scm.do({"x": 1.0}, n=5000, random_state=0)["y"].mean()), 1)
        2.0
        """
        iv = self._check_intervention(intervention)
        n = check_n(n, 1)
        values = self._simulate(iv, self._noise(n, np.random.default_rng(random_state)))
        return self._frame(values, self.graph.nodes, pd.RangeIndex(n))

    @_one_thread
    def ate(self, treatment: str, t1: Any, t0: Any, outcome: str | None = None, n: int = 20_000,
            random_state: RandomState = None, alpha: float = 0.05) -> InterventionEffect:
        """Mean of each downstream node (or of ``outcome``) under do(t1) minus under do(t0).

        Both interventions use the same noise draws, so the difference has a small Monte-Carlo
        error. Categorical descendants are skipped (their mean is undefined), with a note.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import causal_core as cc
        >>> from causal_core.scm import fit_scm
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=300)
        >>> df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=300)})
        >>> scm = fit_scm(cc.CausalGraph.parse("x -> y"), df, models=("linear",))
        >>> res = scm.ate("x", 1.0, 0.0, outcome="y", random_state=0)
        >>> round(res.value, 1), res.se < 1e-9
        (2.0, True)
        """
        self._require(treatment, "treatment")
        n = check_n(n, 2)
        if not 0 < alpha < 1:
            raise EstimationError(f"alpha={alpha!r} must be between 0 and 1 (e.g. 0.05 for 95%).")
        down = self.graph.descendants([treatment]) - {treatment}
        notes: list[str] = []
        if outcome is not None:
            self._require(outcome, "outcome")
            if outcome == treatment:
                raise IdentificationError(f"The outcome {outcome!r} is the treatment; choose another node.")
            self._numeric_outcome(outcome)
            targets = [outcome]
            if outcome not in down:
                notes.append(f"{outcome!r} is not a descendant of {treatment!r} in the graph: "
                             "its interventional effect is zero by assumption.")
        else:
            targets = [v for v in self._order if v in down and not self._columns[v].categorical]
            skipped = [v for v in self._order if v in down and self._columns[v].categorical]
            if not down:
                notes.append(f"{treatment!r} has no descendants in the graph: it affects nothing.")
            if skipped:
                notes.append(f"Categorical nodes {', '.join(map(repr, skipped))} have no mean and are "
                             "not in the table; compare their level shares with scm.do.")
        noise = self._noise(n, np.random.default_rng(random_state))
        iv1, iv0 = (self._check_intervention({treatment: t}) for t in (t1, t0))
        if callable(t1) or callable(t0):
            raise EstimationError("ate() compares two constant treatment values; for a shift intervention "
                                  "compare scm.do({treatment: fn}) with scm.sample() under one random_state.")
        v1, v0 = self._simulate(iv1, noise), self._simulate(iv0, noise)
        z = float(stats.norm.ppf(1 - alpha / 2))
        effects = []
        for v in targets:
            d = v1[v] - v0[v]
            eff, se = float(d.mean()), float(d.std(ddof=1) / math.sqrt(n))
            effects.append(NodeEffect(v, float(v1[v].mean()), float(v0[v].mean()), eff, se,
                                      eff - z * se, eff + z * se))
        t1, t0 = (_plain(iv[treatment]) for iv in (iv1, iv0))
        return InterventionEffect(treatment, t1, t0, n, alpha, tuple(effects), tuple(notes))

    # ------------------------------------------------------------------ rung 3
    def counterfactual(self, rows: pd.DataFrame | pd.Series | Mapping[str, Any],
                       intervention: Intervention, nodes: Sequence[str] | None = None) -> pd.DataFrame:
        """Each unit's values had ``intervention`` been applied: abduction, action, prediction.

        Parameters
        ----------
        rows : DataFrame, Series or dict
            Observed units (one row each) with a value for every node needed.
        intervention : dict
            As for :meth:`do`; a callable receives the unit's natural values of the node.
        nodes : sequence of str, optional
            The nodes to return (default: all). Only they and their ancestors are needed in ``rows``.

        Returns
        -------
        DataFrame
            Same index as ``rows``; one column per requested node. Nodes that are not descendants of
            the intervention keep their observed values.

        Raises
        ------
        EstimationError
            When a categorical (classifier) node lies downstream of the intervention: its noise
            cannot be recovered from a single observation.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import causal_core as cc
        >>> from causal_core.scm import fit_scm
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=300)
        >>> df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=300)})
        >>> scm = fit_scm(cc.CausalGraph.parse("x -> y"), df, models=("linear",))
        >>> unit = {"x": 1.0, "y": 2.5}
        >>> round(float(scm.counterfactual(unit, {"x": 0.0})["y"].iloc[0]), 1)  # 2.5 - 2 * 1
        0.5
        """
        iv = self._check_intervention(intervention)
        if isinstance(nodes, str):
            nodes = [nodes]
        wanted = list(self.graph.nodes) if nodes is None else [self._require(v, "node") for v in nodes]
        return self._imagine(as_rows(rows), [iv], wanted)[0]

    def unit_effects(self, treatment: str, t1: Any, t0: Any, outcome: str,
                     rows: pd.DataFrame | None = None) -> pd.Series:
        """Each unit's counterfactual effect: ``outcome`` under do(t1) minus under do(t0).

        ``rows=None`` uses the rows the model was fitted on. Returns a Series indexed like ``rows``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import causal_core as cc
        >>> from causal_core.scm import fit_scm
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=300)
        >>> df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=300)})
        >>> scm = fit_scm(cc.CausalGraph.parse("x -> y"), df, models=("linear",))
        >>> round(float(scm.unit_effects("x", 1.0, 0.0, "y").mean()), 1)
        2.0
        """
        self._require(treatment, "treatment")
        self._require(outcome, "outcome")
        self._numeric_outcome(outcome)
        if rows is None:
            rows = self._frame({v: c.values for v, c in self._columns.items()}, self.graph.nodes,
                               pd.RangeIndex(self.n_train))
        ivs = [self._check_intervention({treatment: t}) for t in (t1, t0)]
        y1, y0 = (cf[outcome] for cf in self._imagine(as_rows(rows), ivs, [outcome]))
        return (y1 - y0).rename(f"effect on {outcome}")

    # ------------------------------------------------------------------ internals
    @_one_thread
    def _imagine(self, frame: pd.DataFrame, ivs: Sequence[dict[str, Any]],
                 wanted: Sequence[str]) -> list[pd.DataFrame]:
        """Counterfactual frames of ``wanted`` nodes, one per intervention; abduction done once."""
        needed = [v for v in self._order if v in self.graph.ancestors(wanted)]
        obs = self._unit_values(frame, needed)
        noise: dict[str, np.ndarray] = {}  # abduction: the units' own noise, observed − f(parents)
        out = []
        for iv in ivs:
            cf: dict[str, np.ndarray] = {}
            changed: set[str] = set()  # nodes whose counterfactual may differ from the observed value
            for v in needed:
                natural = obs[v]
                if any(p in changed for p in self.graph.parents(v)):
                    if self._columns[v].categorical:
                        raise EstimationError(categorical_cf_message(v, iv))
                    fn = self._fitted[v]
                    if v not in noise:
                        noise[v] = obs[v] - fn.predict(obs)
                    natural = fn.predict(cf) + noise[v]
                    changed.add(v)
                if v in iv:
                    cf[v] = self._check_values(v, apply_intervention(iv[v], natural, len(frame)))
                    changed.add(v)
                else:
                    cf[v] = natural
            out.append(self._frame(cf, wanted, frame.index))
        return out

    def _require(self, node: Any, what: str) -> str:
        if not isinstance(node, str) or node not in self.graph:
            raise IdentificationError(f"The {what} {node!r} is not a node of the graph (nodes: "
                                      f"{', '.join(map(repr, self.graph.nodes[:20]))}). Pick one of them.")
        return node

    def _numeric_outcome(self, outcome: str) -> None:
        if self._columns[outcome].categorical:
            raise EstimationError(f"The outcome {outcome!r} is categorical: its mean and differences are "
                                  "not defined. Encode it as 0/1 numbers, or compare level shares with "
                                  "scm.do.")

    def _check_intervention(self, intervention: Intervention) -> dict[str, Any]:
        if not isinstance(intervention, Mapping):
            raise IdentificationError(f"The intervention must be a dict node → value, got "
                                      f"{type(intervention).__name__}, e.g. {{'x': 1.0}}.")
        out: dict[str, Any] = {}
        for node, value in intervention.items():
            self._require(node, "intervened node")
            if callable(value):
                out[node] = value
            else:
                out[node] = self._check_values(node, np.asarray([value], dtype=object))[0]
        return out

    def _check_values(self, node: str, values: np.ndarray) -> np.ndarray:
        levels = self._columns[node].levels
        if levels is not None:
            known = set(levels)
            bad = [v for v in values if v not in known]
            if bad:
                raise DataError(f"The intervention sets {node!r} to {bad[0]!r}, which is not one of its "
                                f"levels ({', '.join(map(repr, levels[:12]))}). Use one of those.")
            return values
        try:
            num = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            num = np.full(len(values), np.nan)
        if not np.isfinite(num).all():
            bad = values[~np.isfinite(num)][0]
            raise DataError(f"The intervention sets the numeric node {node!r} to {bad!r}, which is not a "
                            "finite number. Give a number.")
        return num

    def _noise(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        noise = {"__rows__": rng.integers(0, self.n_train, size=n)}
        for v in self._order:
            if self.graph.parents(v):
                noise[v] = rng.random(n)
        return noise

    def _simulate(self, iv: Mapping[str, Any], noise: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = len(noise["__rows__"])
        values: dict[str, np.ndarray] = {}
        for v in self._order:
            if v in iv and not callable(iv[v]):
                values[v] = apply_intervention(iv[v], None, n)
                continue
            if self.graph.parents(v):
                natural = self._fitted[v].sample(values, noise[v])
            else:
                natural = self._columns[v].values[noise["__rows__"]]
            values[v] = self._check_values(v, apply_intervention(iv[v], natural, n)) if v in iv else natural
        return values

    def _unit_values(self, frame: pd.DataFrame, nodes: Sequence[str]) -> dict[str, np.ndarray]:
        cols = {str(c): c for c in frame.columns}
        missing = [v for v in nodes if v not in cols]
        if missing:
            raise DataError(f"The rows have no value for {', '.join(map(repr, missing))}; the "
                            "counterfactual needs the observed value of every node it recomputes and "
                            "of their ancestors. Add those columns.")
        out: dict[str, np.ndarray] = {}
        for v in nodes:
            s = frame[cols[v]]
            if s.isna().any():
                raise DataError(f"{int(s.isna().sum())} of the {len(s)} rows have no value for {v!r}; "
                                "a counterfactual needs the unit's complete observation. Drop or fill them.")
            if self._columns[v].categorical:
                out[v] = s.to_numpy(dtype=object)
                continue
            try:
                out[v] = self._check_values(v, s.to_numpy(dtype=object))
            except DataError:
                raise DataError(f"Column {v!r} of the rows must hold finite numbers (the model was "
                                f"fitted on numbers); got e.g. {s.iloc[0]!r}.") from None
        return out

    def _frame(self, values: Mapping[str, np.ndarray], nodes: Sequence[str], index: pd.Index) -> pd.DataFrame:
        return pd.DataFrame({v: values[v] for v in nodes}, index=index)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
