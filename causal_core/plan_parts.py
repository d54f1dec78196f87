"""The parts of an analysis plan (:mod:`causal_core.plan`): its constants, the data reference,
the What-if question, the one place where missing columns become latent nodes, and the
validators the plan's constructor uses."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

from ._json import plain
from .data import fingerprint
from .exceptions import CausalCoreError, DataError
from .graph import CausalGraph
from .missing import MissingDataChoice

PLAN_FORMAT = "causal-explorer-plan"
PLAN_VERSION = 1
#: Missing-data policies a plan may name (:class:`~causal_core.missing.MissingDataChoice`'s
#: strategies), with what each does.
MISSING_DATA_POLICIES: dict[str, str] = {
    "none": "missing values in a column a step uses stop it with an error naming the column",
    "complete_cases": "rows with a missing value in a column the analysis uses are left out, "
                      "counted and noted",
    "multiple_imputation": "m imputed copies by chained equations, estimates pooled by Rubin's "
                           "rules, refutations run on each copy",
}
TARGETS = ("ate", "att", "atc")
#: The steps :meth:`AnalysisPlan.key` can key on.
STEPS = ("identify", "estimate", "refute", "whatif", "all")


# ---------------------------------------------------------------------- the data reference
@dataclass(frozen=True)
class DataReference:
    """Which table an analysis ran on (the data themselves are never saved).

    Attributes
    ----------
    file_name : str
        The uploaded file's name, or the example's title.
    n_rows : int
    columns : tuple of str
    dtypes : tuple of str
        One pandas dtype name per column.
    fingerprint : str
        :func:`causal_core.fingerprint` of the table: tells whether data loaded later are the
        same.
    example : str or None
        The shipped example's name when the data came from ``causal_core.datasets``.
    sheet : str or None
        The Excel sheet read (None: the first, or not a workbook).
    date_features : tuple of str
        Date columns turned into features (:func:`causal_core.date_features`) after loading,
        in order: the script repeats them.
    """

    file_name: str
    n_rows: int
    columns: tuple[str, ...]
    dtypes: tuple[str, ...]
    fingerprint: str
    example: str | None = None
    sheet: str | None = None
    date_features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "dtypes", tuple(self.dtypes))
        object.__setattr__(self, "date_features", tuple(self.date_features))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, file_name: str, example: str | None = None,
                   data_fingerprint: str | None = None, *, sheet: str | None = None,
                   date_features: Sequence[str] = ()) -> DataReference:
        """Describe ``frame`` (its fingerprint is computed unless given)."""
        return cls(str(file_name), int(len(frame)), tuple(str(c) for c in frame.columns),
                   tuple(str(t) for t in frame.dtypes),
                   fingerprint(frame) if data_fingerprint is None else data_fingerprint, example,
                   sheet, tuple(str(c) for c in date_features))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return plain({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


def latent_missing(graph: CausalGraph, columns: Iterable[str]) -> CausalGraph:
    """``graph`` with every observed node that is not one of ``columns`` marked latent.

    The one place where "a node without a column is unmeasured" is decided: identification,
    estimation, the report and the app all read the graph through this function.

    Examples
    --------
    >>> g = CausalGraph(edges=[("u", "x"), ("x", "y"), ("u", "y")])
    >>> latent_missing(g, ["x", "y"]).latent
    ('u',)
    """
    cols = set(columns)
    missing = [v for v in graph.nodes if graph.is_observed(v) and v not in cols]
    return graph.with_roles(latent=[*graph.latent, *missing]) if missing else graph


def reconcile_graph(graph: CausalGraph, columns: Iterable[str]) -> tuple[CausalGraph, list[str]]:
    """The graph for a new table: roles of nodes without a column are cleared (exposure,
    outcome, adjusted, selected; ``latent`` stays), and those nodes are listed (they will be
    treated as unmeasured until a column with their name is loaded).

    Examples
    --------
    >>> g = CausalGraph.parse("dag { x [exposure]; y [outcome]; z -> x -> y; z -> y }")
    >>> new, missing = reconcile_graph(g, ["x", "z"])
    >>> new.outcomes, missing
    ((), ['y'])
    """
    cols = set(columns)
    missing = [v for v in graph.nodes if graph.is_observed(v) and v not in cols]
    if not missing:
        return graph, []
    roles = {n: sorted(r if n not in missing else r & {"latent"}) for n, r in graph.roles.items()}
    return CausalGraph(graph.nodes, graph.edges, graph.bidirected,
                       roles={n: r for n, r in roles.items() if r}, positions=dict(graph.positions),
                       labels=dict(graph.labels)), missing


def missing_sentence(missing: Sequence[str]) -> str:
    """What happens to graph nodes without a column, in one sentence."""
    names = ", ".join(map(repr, missing[:12])) + (f" and {len(missing) - 12} more" if len(missing) > 12
                                                  else "")
    return (f"The graph's {'node' if len(missing) == 1 else 'nodes'} {names} "
            f"{'has' if len(missing) == 1 else 'have'} no column in these data: "
            f"{'it is' if len(missing) == 1 else 'they are'} treated as unmeasured (latent), and "
            "a treatment or outcome role on them was cleared. Rename the columns or the nodes so "
            "they match, or remove those nodes from the graph.")


#: How the comparison run of the main estimator (with default parameters) is named beside the
#: main, customised estimate in an :class:`~causal_core.analysis.Analysis`.
DEFAULTS_SUFFIX = " (default parameters)"


def default_name(method: str) -> str:
    """The name of ``method``'s comparison run when the main estimate is customised."""
    return method + DEFAULTS_SUFFIX


def method_of(name: str) -> str:
    """The estimator of an estimate's name (see :func:`default_name`)."""
    return name.removesuffix(DEFAULTS_SUFFIX)


def graph_structure(graph: CausalGraph) -> dict[str, Any]:
    """The graph without drawing positions and labels, in a canonical order (for keys)."""
    return {"nodes": sorted(graph.nodes), "edges": sorted(map(list, graph.edges)),
            "bidirected": sorted(map(list, graph.bidirected)),
            "roles": {n: sorted(r) for n, r in sorted(graph.roles.items())}}


# ---------------------------------------------------------------------- What-if questions
@dataclass(frozen=True)
class WhatIfQuestion:
    """One What-if question: the treatment value ``x`` to ask about and the unit (a row).

    ``x`` None: the median of a continuous treatment, the last level of a discrete one.
    """

    x: float | int | str | bool | None = None
    unit: int = 0

    def __post_init__(self) -> None:
        if self.x is not None and not isinstance(self.x, float | int | str | bool):
            raise DataError(f"A What-if question's x must be a number or a level; got {self.x!r}.")
        if isinstance(self.unit, bool) or not isinstance(self.unit, int) or self.unit < 0:
            raise DataError(f"A What-if question's unit is a row number (0 or more); got "
                            f"{self.unit!r}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return {"x": plain(self.x), "unit": self.unit}


# ---------------------------------------------------------------------- the plan
def _frozen(mapping: Mapping[str, Any] | None, what: str) -> Mapping[str, Any]:
    if mapping is None:
        return MappingProxyType({})
    if not isinstance(mapping, Mapping) or not all(isinstance(k, str) for k in mapping):
        raise DataError(f"The plan's {what} must be a mapping of names to values; got "
                        f"{type(mapping).__name__}.")
    return MappingProxyType(plain(dict(mapping)))


def _names(value: Any, what: str, optional: bool = False) -> tuple[str, ...] | None:
    if value is None and optional:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise DataError(f"The plan's {what} must be a list of names; got {value!r}.")
    out = tuple(value)
    if not all(isinstance(v, str) for v in out):
        raise DataError(f"The plan's {what} must hold names (text); got {list(out)!r}.")
    return out


def _changed(name: str, params: Mapping[str, Any] | None, refuter: bool = False
             ) -> Mapping[str, Any] | None:
    """The parameters that differ from the registered estimator's (or refuter's) defaults, so
    that a plan with every parameter written out and one with only the changed ones are the
    same plan."""
    if not isinstance(params, Mapping):
        return params
    from .estimators import get_estimator_class
    from .refuters import get_refuter_class

    try:
        defaults = plain((get_refuter_class if refuter else get_estimator_class)(name)().get_params())
    except CausalCoreError:
        return params  # not registered (yet): kept as given
    given = plain(dict(params))
    return {k: v for k, v in given.items() if k not in defaults or defaults[k] != v}


def _missing_choice(value: Any) -> MissingDataChoice:
    """A missing-data choice from itself, its strategy name or its dictionary."""
    if isinstance(value, MissingDataChoice):
        return value
    try:
        if isinstance(value, str):
            return MissingDataChoice(value)
        if isinstance(value, Mapping):
            return MissingDataChoice.from_dict(value)
    except DataError as err:
        raise DataError(f"The plan's missing-data policy is not valid: {err}") from err
    raise DataError(f"The plan's missing-data choice must be one of {', '.join(MISSING_DATA_POLICIES)} "
                    f"or its dictionary; got {value!r}.")


def _whole(value: Any, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise DataError(f"The plan's {what} must be a whole number of at least {low}; got "
                        f"{value!r}.")
    return value
