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
from .exceptions import DataError
from .graph import CausalGraph
from .plan import AnalysisPlan, DataReference, WhatIfQuestion, latent_missing

__all__ = ["FORMAT", "SCHEMA_VERSION", "AnalysisError", "DataReference", "Analysis",
           "assemble", "build_analysis", "run_analysis"]

#: The value of the ``"format"`` field of every saved analysis.
FORMAT = "causal-explorer-analysis"
#: The schema version this module writes and reads.
SCHEMA_VERSION = 1
#: Saved analyses larger than this are refused (a real one is well under 1 MB).
MAX_BYTES = 50_000_000


class AnalysisError(DataError):
    """A saved analysis cannot be read: not JSON, not ours, another schema, damaged fields."""


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
    compare, refuters : list of str or None
        The plan's comparison estimators and refuters (None: every one that applies).
    n_simulations : int
        The plan's simulations per refutation test.
    missing_data : dict
        The plan's missing-data choice (:meth:`MissingDataChoice.to_dict`).
    whatif_questions : tuple of dict
        The plan's What-if questions (``{"x", "unit"}``).
    whatif_seed : int
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
    compare: tuple[str, ...] | None = None
    refuters: tuple[str, ...] | None = None
    n_simulations: int = 100
    missing_data: Mapping[str, Any] = field(default_factory=lambda: {"strategy": "none"})
    whatif_questions: tuple[dict[str, Any], ...] = ()
    whatif_seed: int = 0

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
        put(self, "whatif_questions", tuple(plain(list(self.whatif_questions))))
        for name in ("compare", "refuters"):
            if getattr(self, name) is not None:
                put(self, name, tuple(getattr(self, name)))

    def __repr__(self) -> str:
        main = self.estimates.get(self.estimator, {})
        return (f"Analysis({self.treatment!r} → {self.outcome!r} on {self.data.file_name!r}: "
                f"{self.estimator} {self.target.upper()} = {main.get('value')!r}, "
                f"{len(self.estimates)} estimates, {len(self.refutations)} refutations)")

    @property
    def plan(self) -> AnalysisPlan:
        """Every choice of this analysis, as the :class:`AnalysisPlan` that reproduces it."""
        runs = self.refutation_runs
        return AnalysisPlan(
            graph=self.causal_graph(), treatment=self.treatment, outcome=self.outcome,
            data=self.data, adjustment_set=self.adjustment_choice, estimator=self.estimator,
            params=self.params, target=self.target, compare=self.compare,
            refuters=self.refuters, n_simulations=self.n_simulations,
            refuter_params={k: r.get("params", {}) for k, r in runs.items() if r.get("params")},
            missing_data=self.missing_data, random_state=self.random_state,
            whatif_questions=tuple(WhatIfQuestion(**q) for q in self.whatif_questions),
            whatif_seed=self.whatif_seed)

    # ------------------------------------------------------------------ views
    def causal_graph(self) -> CausalGraph:
        """The graph as drawn."""
        return CausalGraph.parse(self.graph)

    def analysis_graph(self) -> CausalGraph:
        """The graph as the analysis used it: observed nodes that are not columns are latent."""
        return latent_missing(self.causal_graph(), self.data.columns)

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

        analysis = cls(**analysis_kwargs(d))
        try:
            analysis.plan  # noqa: B018  (every choice must make a valid plan)
        except (DataError, TypeError) as err:
            raise AnalysisError(f"The analysis file's choices do not make a valid plan: {err} The "
                                "file is damaged or was edited by hand.") from None
        return analysis

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
def assemble(
    plan: AnalysisPlan, *, estimates: Mapping[str, Any], refutations: Mapping[str, Any] | None = None,
    sensitivity: Any = None, identification: Any = None,
    whatif: Sequence[Mapping[str, Any]] = (), reference: Mapping[str, Any] | None = None,
    title: str = "", refutation_runs: Mapping[str, Mapping[str, Any]] | None = None,
) -> Analysis:
    """The :class:`Analysis` of ``plan`` with these results (nothing is estimated here).

    Parameters
    ----------
    plan : AnalysisPlan
        Its data reference must be set.
    estimates, refutations : mapping of name to result
        ``estimates`` holds the plan's estimator.
    sensitivity : OVBSensitivity, optional
    identification : Identification, optional
        Computed from the plan when not given.
    whatif : list of dict
        ``{"question", "answer", "result"}`` entries.
    reference : dict, optional
    title : str
    refutation_runs : mapping, optional
        Refuter name → ``{"n_simulations": int, "params": dict}`` as requested (default: the
        plan's simulations and each result's parameters).
    """
    from . import __version__

    if plan.data is None:
        raise AnalysisError("An analysis records its data: make the plan with "
                            "AnalysisPlan.for_data(frame, file_name, graph, ...).")
    if plan.estimator not in estimates:
        raise AnalysisError(f"The main estimator {plan.estimator!r} is not among the estimates "
                            f"({', '.join(map(repr, estimates)) or 'none'}). Estimate it first.")
    main = estimates[plan.estimator]
    if identification is None:
        identification = plan.identify()
    ident = {k: v for k, v in identification.to_dict().items() if k != "graph"}
    refutations = dict(refutations or {})
    runs = {name: {"n_simulations": int(plan.n_simulations), "params": plain(r.params)}
            for name, r in refutations.items()}
    runs.update(refutation_runs or {})
    return Analysis(
        data=plan.data, graph=plan.graph.to_json(), treatment=main.treatment, outcome=main.outcome,
        estimator=plan.estimator, adjustment_choice=plan.adjustment_set,
        adjustment_set=tuple(main.estimand.adjustment_set), identification=ident,
        target=main.target, params=plain(main.params), random_state=plan.random_state,
        refutation_runs=runs, estimates={k: v.to_dict() for k, v in estimates.items()},
        refutations={k: v.to_dict() for k, v in refutations.items()},
        sensitivity=None if sensitivity is None else sensitivity.to_dict(),
        whatif=tuple(whatif), reference=None if reference is None else dict(reference),
        title=title, created=_now(), engine_version=__version__, compare=plan.compare,
        refuters=plan.refuters, n_simulations=plan.n_simulations, missing_data=plan.missing_data.to_dict(),
        whatif_questions=tuple(q.to_dict() for q in plan.whatif_questions), whatif_seed=plan.whatif_seed,
    )


def build_analysis(
    frame: pd.DataFrame, file_name: str, graph: CausalGraph, *, estimator: str,
    estimates: Mapping[str, Any], refutations: Mapping[str, Any] | None = None,
    sensitivity: Any = None, whatif: Sequence[Mapping[str, Any]] = (),
    adjustment_choice: Sequence[str] | None = None, identification: Any = None,
    refutation_runs: Mapping[str, Mapping[str, Any]] | None = None, random_state: int = 0,
    example: str | None = None, reference: Mapping[str, Any] | None = None, title: str = "",
    data_fingerprint: str | None = None,
) -> Analysis:
    """Assemble an :class:`Analysis` from result objects (the plan is read off the results).

    ``frame`` is only described (rows, columns, fingerprint, unless ``data_fingerprint`` is
    given); treatment, outcome, target and parameters are the main estimate's. See
    :func:`assemble` for the other arguments.
    """
    if estimator not in estimates:
        raise AnalysisError(f"The main estimator {estimator!r} is not among the estimates "
                            f"({', '.join(map(repr, estimates)) or 'none'}). Estimate it first.")
    main = estimates[estimator]
    refutations = dict(refutations or {})
    sims = {int(r["n_simulations"]) for r in (refutation_runs or {}).values()}
    plan = AnalysisPlan.for_data(
        frame, file_name, graph, example=example, data_fingerprint=data_fingerprint,
        treatment=main.treatment, outcome=main.outcome, estimator=estimator, params=main.params,
        target=main.target, adjustment_set=adjustment_choice, random_state=random_state,
        n_simulations=sims.pop() if len(sims) == 1 else 100)
    return assemble(plan, estimates=estimates, refutations=refutations, sensitivity=sensitivity,
                    identification=identification, whatif=whatif, reference=reference,
                    title=title, refutation_runs=refutation_runs)


def run_analysis(
    frame: pd.DataFrame, file_name: str, graph: CausalGraph, *,
    estimator: str = "linear_regression", target: str = "ate",
    params: Mapping[str, Any] | None = None, adjustment_set: Sequence[str] | None = None,
    refuters: Sequence[str] | None = None, n_simulations: int = 100, random_state: int = 0,
    compare: Sequence[str] = ("naive",), example: str | None = None,
    reference: Mapping[str, Any] | None = None, title: str = "", missing: Any = None,
) -> Analysis:
    """Run a whole analysis the way the app does: ``AnalysisPlan.for_data(...).run(frame)``.

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
    plan = AnalysisPlan.for_data(
        frame, file_name, graph, example=example, estimator=estimator, target=target,
        params=params, adjustment_set=adjustment_set,
        refuters=None if refuters is None else tuple(refuters), n_simulations=n_simulations,
        random_state=random_state, compare=tuple(compare),
        missing_data=missing if missing is not None else "none")
    return plan.run(frame, title=title, reference=reference)
