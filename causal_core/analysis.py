"""``Analysis``: the serialisable state of one analysis, saved as JSON and loaded back.

An :class:`Analysis` holds what is needed to show, report and reproduce an analysis without
recomputing it: a reference to the data (file name, rows, columns, content fingerprint — never
the data themselves), the causal graph (as our JSON text), the question (treatment and
outcome), the chosen adjustment set, the estimator with its parameters and seed, and every
result as its ``to_dict()`` (estimates, refutations with their simulated values, the
sensitivity analysis, what-if answers).

The file is plain JSON with ``"format": "causal-explorer-analysis"`` and a
``"schema_version"``. Loading never unpickles and never evaluates anything: a foreign,
older, newer, corrupted or hand-damaged file raises :class:`AnalysisError` with a message
that names the problem and what to do.

Examples
--------
>>> import causal_core as cc
>>> from causal_core.analysis import Analysis, run_analysis
>>> from causal_core.datasets import load_example
>>> ex = load_example("marketing")
>>> a = run_analysis(ex.data, "marketing.csv", ex.graph, refuters=["placebo_treatment"],
...                  n_simulations=20)
>>> Analysis.from_json(a.to_json()) == a
True
>>> round(a.primary_estimate().value, 1)
2.0
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ._json import plain
from .data import fingerprint
from .exceptions import CausalCoreError
from .graph import CausalGraph

__all__ = ["FORMAT", "SCHEMA_VERSION", "AnalysisError", "DataReference", "Analysis",
           "build_analysis", "run_analysis"]

#: The value of the ``"format"`` field of every saved analysis.
FORMAT = "causal-explorer-analysis"
#: The schema version this module writes and reads.
SCHEMA_VERSION = 1
#: Saved analyses larger than this are refused (a real one is well under 1 MB).
MAX_BYTES = 50_000_000


class AnalysisError(CausalCoreError, ValueError):
    """A saved analysis cannot be read: not JSON, not ours, another schema, damaged fields."""


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
    """

    file_name: str
    n_rows: int
    columns: tuple[str, ...]
    dtypes: tuple[str, ...]
    fingerprint: str
    example: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "dtypes", tuple(self.dtypes))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, file_name: str,
                   example: str | None = None) -> DataReference:
        """Describe ``frame`` (its fingerprint is computed here)."""
        return cls(str(file_name), int(len(frame)), tuple(str(c) for c in frame.columns),
                   tuple(str(t) for t in frame.dtypes), fingerprint(frame), example)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        return plain({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Analysis:
    """The serialisable state of one analysis.

    Results are kept as the JSON-ready ``to_dict()`` of each result object, so that saving and
    loading round-trips exactly; :meth:`estimate_objects`, :meth:`refutation_objects` and
    :meth:`sensitivity_object` rebuild the result objects (for plots) without recomputing.

    Attributes
    ----------
    data : DataReference
    graph : str
        The causal graph as drawn (with positions), in our JSON format.
    treatment, outcome : str
    adjustment_choice : tuple of str or None
        The user's pick; None: the estimand's default set.
    adjustment_set : tuple of str
        The set in use.
    identification : dict
        ``Identification.to_dict()`` without the graph (estimand, all sets, node roles, notes).
    estimator, target : str
        The main estimate's registry name and target (``"ate"``, ``"att"``, ``"atc"``).
    params : dict
        Its parameters, all written out.
    random_state : int
        The seed of the estimate and of every refutation.
    refutation_runs : dict
        Refuter name → ``{"n_simulations": int, "params": dict}``, as requested.
    estimates, refutations : dict
        Name → ``to_dict()`` of each :class:`EffectEstimate` / :class:`RefutationResult`.
    sensitivity : dict or None
        ``OVBSensitivity.to_dict()`` of the main estimate, when it has one.
    whatif : tuple of dict
        What-if answers: ``{"question": str, "answer": str, "result": dict}``.
    reference : dict or None
        A known answer of an example: ``{"value", "label", "is_truth"}``.
    title, created, engine_version : str
    """

    data: DataReference
    graph: str
    treatment: str
    outcome: str
    estimator: str
    adjustment_choice: tuple[str, ...] | None = None
    adjustment_set: tuple[str, ...] = ()
    identification: dict[str, Any] = field(default_factory=dict)
    target: str = "ate"
    params: dict[str, Any] = field(default_factory=dict)
    random_state: int = 0
    refutation_runs: dict[str, Any] = field(default_factory=dict)
    estimates: dict[str, Any] = field(default_factory=dict)
    refutations: dict[str, Any] = field(default_factory=dict)
    sensitivity: dict[str, Any] | None = None
    whatif: tuple[dict[str, Any], ...] = ()
    reference: dict[str, Any] | None = None
    title: str = ""
    created: str = ""
    engine_version: str = ""

    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def __post_init__(self) -> None:
        put = object.__setattr__
        if self.adjustment_choice is not None:
            put(self, "adjustment_choice", tuple(self.adjustment_choice))
        put(self, "adjustment_set", tuple(self.adjustment_set))
        for name in ("identification", "params", "refutation_runs", "estimates", "refutations"):
            put(self, name, plain(getattr(self, name)))
        put(self, "sensitivity", None if self.sensitivity is None else plain(self.sensitivity))
        put(self, "reference", None if self.reference is None else plain(self.reference))
        put(self, "whatif", tuple(plain(list(self.whatif))))

    # ------------------------------------------------------------------ views
    def causal_graph(self) -> CausalGraph:
        """The graph as drawn."""
        return CausalGraph.parse(self.graph)

    def analysis_graph(self) -> CausalGraph:
        """The graph as the analysis used it: observed nodes that are not columns are latent."""
        g = self.causal_graph()
        missing = [v for v in g.nodes if g.is_observed(v) and v not in self.data.columns]
        return g.with_roles(latent=[*g.latent, *missing]) if missing else g

    def estimate_objects(self) -> dict[str, Any]:
        """Every estimate as an :class:`EffectEstimate`, rebuilt from its dictionary."""
        from .analysis_restore import estimate_from_dict

        return {k: estimate_from_dict(v) for k, v in self.estimates.items()}

    def primary_estimate(self) -> Any:
        """The main estimate (``estimator``) as an :class:`EffectEstimate`, or None."""
        from .analysis_restore import estimate_from_dict

        d = self.estimates.get(self.estimator)
        return None if d is None else estimate_from_dict(d)

    def refutation_objects(self) -> dict[str, Any]:
        """Every refutation as a :class:`RefutationResult`, rebuilt from its dictionary."""
        from .analysis_restore import refutation_from_dict

        return {k: refutation_from_dict(v) for k, v in self.refutations.items()}

    def sensitivity_object(self) -> Any:
        """The sensitivity analysis as an :class:`OVBSensitivity`, or None."""
        from .analysis_restore import sensitivity_from_dict

        return None if self.sensitivity is None else sensitivity_from_dict(self.sensitivity)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary, with ``format`` and ``schema_version`` first."""
        body = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        body["data"] = self.data.to_dict()
        return {"format": FORMAT, "schema_version": SCHEMA_VERSION, **plain(body)}

    def to_json(self, indent: int | None = 1) -> str:
        """The analysis as JSON text (strict JSON: no NaN or Infinity)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, d: Any) -> Analysis:
        """Validate a parsed JSON document and build the analysis (:class:`AnalysisError`)."""
        from .analysis_restore import analysis_kwargs

        return cls(**analysis_kwargs(d))

    @classmethod
    def from_json(cls, text: str | bytes) -> Analysis:
        """Read a saved analysis.

        Raises
        ------
        AnalysisError
            Not UTF-8 or not JSON, not a Causal Explorer analysis, an older or newer schema,
            or a field of the wrong type.
        """
        from .analysis_restore import parse_json

        return cls.from_dict(parse_json(text))


# ---------------------------------------------------------------------- building
def build_analysis(
    frame: pd.DataFrame, file_name: str, graph: CausalGraph, *, estimator: str,
    estimates: Mapping[str, Any], refutations: Mapping[str, Any] | None = None,
    sensitivity: Any = None, whatif: Sequence[Mapping[str, Any]] = (),
    adjustment_choice: Sequence[str] | None = None, identification: Any = None,
    refutation_runs: Mapping[str, Mapping[str, Any]] | None = None, random_state: int = 0,
    example: str | None = None, reference: Mapping[str, Any] | None = None, title: str = "",
    data_fingerprint: str | None = None,
) -> Analysis:
    """Assemble an :class:`Analysis` from result objects (nothing is estimated here).

    Parameters
    ----------
    frame : DataFrame
        The loaded table (only described: rows, columns, fingerprint).
    file_name : str
    graph : CausalGraph
        The graph as drawn; treatment and outcome are its exposure and outcome.
    estimator : str
        Name (key of ``estimates``) of the main estimate.
    estimates, refutations : mapping of name to result
    sensitivity : OVBSensitivity, optional
    whatif : list of dict
        ``{"question", "answer", "result"}`` entries.
    adjustment_choice : list of str, optional
        The set the user picked (None: the estimand's).
    identification : Identification, optional
        Computed from ``graph`` when not given.
    refutation_runs : mapping, optional
        Refuter name → ``{"n_simulations": int, "params": dict}`` as requested (default: from
        each result).
    random_state : int
    example : str, optional
    reference : dict, optional
    title : str
    data_fingerprint : str, optional
        ``cc.fingerprint(frame)`` when already known (it is computed otherwise).
    """
    from . import __version__
    from .identify import identify

    if estimator not in estimates:
        raise AnalysisError(f"The main estimator {estimator!r} is not among the estimates "
                            f"({', '.join(map(repr, estimates)) or 'none'}). Estimate it first.")
    if data_fingerprint is None:
        data = DataReference.from_frame(frame, file_name, example)
    else:
        data = DataReference(str(file_name), int(len(frame)), tuple(str(c) for c in frame.columns),
                             tuple(str(t) for t in frame.dtypes), data_fingerprint, example)
    main = estimates[estimator]
    if identification is None:
        g = graph
        missing = [v for v in g.nodes if g.is_observed(v) and v not in data.columns]
        identification = identify(g.with_roles(latent=[*g.latent, *missing]) if missing else g)
    ident = {k: v for k, v in identification.to_dict().items() if k != "graph"}
    refutations = dict(refutations or {})
    runs = {name: {"n_simulations": int(r.n_simulations), "params": plain(r.params)}
            for name, r in refutations.items()}
    runs.update(refutation_runs or {})
    return Analysis(
        data=data, graph=graph.to_json(), treatment=main.treatment, outcome=main.outcome,
        estimator=estimator,
        adjustment_choice=None if adjustment_choice is None else tuple(adjustment_choice),
        adjustment_set=tuple(main.estimand.adjustment_set), identification=ident,
        target=main.target, params=plain(main.params), random_state=int(random_state),
        refutation_runs=runs, estimates={k: v.to_dict() for k, v in estimates.items()},
        refutations={k: v.to_dict() for k, v in refutations.items()},
        sensitivity=None if sensitivity is None else sensitivity.to_dict(),
        whatif=tuple(whatif), reference=None if reference is None else dict(reference),
        title=title, created=_now(), engine_version=__version__,
    )


def run_analysis(
    frame: pd.DataFrame, file_name: str, graph: CausalGraph, *,
    estimator: str = "linear_regression", target: str = "ate",
    params: Mapping[str, Any] | None = None, adjustment_set: Sequence[str] | None = None,
    refuters: Sequence[str] | None = None, n_simulations: int = 100, random_state: int = 0,
    compare: Sequence[str] = ("naive",), example: str | None = None,
    reference: Mapping[str, Any] | None = None, title: str = "", missing: Any = None,
) -> Analysis:
    """Run a whole analysis the way the app does and return it as an :class:`Analysis`.

    Identify on the graph (nodes missing from the data are treated as latent), estimate with
    ``estimator`` with ``params`` and ``adjustment_set`` (None: the estimand's), and each
    method of ``compare`` with its defaults (for the forest plot); run ``refuters``
    (default: every refuter that applies) with ``n_simulations`` and ``random_state``, and the
    omitted-variable-bias sensitivity when the estimate allows it. ``missing`` is a
    :class:`~causal_core.missing.MissingDataChoice` (None: missing values raise); it is recorded
    in each estimate's ``diagnostics["missing_data"]``.

    Examples
    --------
    >>> from causal_core.datasets import load_example
    >>> ex = load_example("marketing")
    >>> a = run_analysis(ex.data, "m.csv", ex.graph, refuters=[], compare=())
    >>> a.treatment, a.outcome, sorted(a.estimates)
    ('marketing_spend', 'revenue', ['linear_regression'])
    """
    from .identify import identify
    from .imputation import estimate_missing, refute_missing, single_frame
    from .refuters import list_refuters
    from .sensitivity import ovb_sensitivity

    absent = [v for v in graph.nodes if graph.is_observed(v) and v not in frame.columns]
    g = graph.with_roles(latent=[*graph.latent, *absent]) if absent else graph
    ident = identify(g)
    cols = [c for c in frame.columns if c in g and g.is_observed(c)]
    data = frame[cols]
    main = estimate_missing(data, ident, missing, method=estimator, target=target,
                            random_state=random_state,
                            adjustment_set=None if adjustment_set is None else list(adjustment_set),
                            **dict(params or {}))
    estimates = {estimator: main}
    for name in compare:
        if name != estimator:
            try:
                estimates[name] = estimate_missing(data, ident, missing, method=name,
                                                   target=target, random_state=random_state,
                                                   adjustment_set=(None if adjustment_set is None
                                                                   else list(adjustment_set)))
            except CausalCoreError:
                continue
    if refuters is None:
        refuters = [r.name for r in list_refuters() if main.estimand.kind in r.estimands
                    and main.treatment_type in r.treatment_types]
    refutations = {}
    for name in refuters:
        try:
            refutations[name] = refute_missing(data, ident, main, missing, method=name,
                                               n_simulations=n_simulations,
                                               random_state=random_state)
        except CausalCoreError:
            continue
    try:
        sens = ovb_sensitivity(single_frame(data, ident, missing), ident, main)
    except CausalCoreError:
        sens = None
    runs = {k: {"n_simulations": int(n_simulations), "params": plain(v.params)}
            for k, v in refutations.items()}
    return build_analysis(frame, file_name, graph, estimator=estimator, estimates=estimates,
                          refutations=refutations, sensitivity=sens, identification=ident,
                          adjustment_choice=None if adjustment_set is None else list(adjustment_set),
                          refutation_runs=runs, random_state=random_state, example=example,
                          reference=reference, title=title)
