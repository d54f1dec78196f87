"""``AnalysisPlan``: everything a user chose, as one frozen value; the analysis steps as methods.

A plan holds the choices and nothing computed: which table (a :class:`DataReference`, never
the data), the causal graph as drawn (its positions and labels are kept for the drawing but
ignored by :meth:`AnalysisPlan.key`), the treatment and outcome, the adjustment set, the
estimator and its parameters, the target, the refuters and their simulations, the
missing-data policy, the What-if questions and the seeds. Each step is a method returning the
existing frozen results (:class:`~causal_core.identify.Identification`,
:class:`~causal_core.estimators.result.EffectEstimate`, ...); :meth:`AnalysisPlan.run` runs
them all and returns an :class:`~causal_core.analysis.Analysis` (the plan plus its results).

The same plan gives the same numbers in the app, in a notebook and in the exported script:
every random step is seeded by the plan.

Examples
--------
>>> import causal_core as cc
>>> from causal_core.datasets import load_example
>>> ex = load_example("marketing")
>>> plan = cc.AnalysisPlan.for_data(ex.data, "marketing.csv", ex.graph, refuters=(),
...                                 compare=())
>>> round(plan.estimate(ex.data).value, 2)
2.05
>>> moved = plan.replace(graph=ex.graph.with_positions({"revenue": (5.0, 5.0)}))
>>> moved.key() == plan.key(), plan.replace(target="att").key() == plan.key()
(True, False)
>>> cc.AnalysisPlan.from_dict(plan.to_dict()) == plan
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from ._json import plain
from .data import fingerprint
from .exceptions import CausalCoreError, DataError
from .graph import CausalGraph
from .missing import MissingDataChoice
from .plan_parts import (  # noqa: F401  (re-exported: the plan's public names live here too)
    DEFAULTS_SUFFIX,
    MISSING_DATA_POLICIES,
    PLAN_FORMAT,
    PLAN_VERSION,
    STEPS,
    TARGETS,
    DataReference,
    WhatIfQuestion,
    _changed,
    _frozen,
    _missing_choice,
    _names,
    _whole,
    default_name,
    graph_structure,
    latent_missing,
    method_of,
    missing_sentence,
    reconcile_graph,
)

__all__ = ["PLAN_FORMAT", "PLAN_VERSION", "MISSING_DATA_POLICIES", "TARGETS", "STEPS",
           "DataReference", "WhatIfQuestion", "AnalysisPlan", "latent_missing", "reconcile_graph",
           "missing_sentence", "graph_structure", "default_name", "method_of"]


def _rebuild(kw: dict[str, Any]) -> AnalysisPlan:
    return AnalysisPlan(**kw)


#: The plan's fields a share link carries (:meth:`AnalysisPlan.choices`).
SHARED_CHOICES: tuple[str, ...] = (
    "adjustment_set", "estimator", "params", "target", "compare", "refuters", "n_simulations",
    "refuter_params", "missing_data", "whatif_questions", "random_state", "whatif_seed")


@dataclass(frozen=True)
class AnalysisPlan:
    """Everything a user chose for one analysis (nothing computed).

    Attributes
    ----------
    graph : CausalGraph
        The graph as drawn; positions and labels are kept for the drawing, not for the key.
    treatment, outcome : str
        Default: the graph's single exposure and outcome; ``""``: not chosen yet (the plan is
        not :attr:`posed`, and its steps raise IdentificationError).
    data : DataReference or None
        The table the plan is for (None: any table with the graph's columns).
    adjustment_set : tuple of str or None
        The user's adjustment set; None: the estimand's own (the optimal set when valid).
    estimator : str
        The registry name of the main estimator.
    params : mapping
        Its parameters that differ from the defaults.
    target : {"ate", "att", "atc"}
    compare : tuple of str or None
        Estimators run with default parameters beside the main one (the comparison plot);
        None: every estimator that fits the estimand and the treatment, and the naive one.
    refuters : tuple of str or None
        The refutation tests to run; None: every one that applies to the main estimate.
    n_simulations : int
        Simulations per refutation test.
    refuter_params : mapping
        Refuter name → its parameters that differ from the defaults.
    missing_data : MissingDataChoice
        How missing values are handled (a strategy name of :data:`MISSING_DATA_POLICIES` or
        its dictionary is turned into one); default: stop and say so.
    whatif_questions : tuple of WhatIfQuestion
    random_state : int
        The seed of the estimate, of every comparison and of every refutation.
    whatif_seed : int
        The seed of the structural causal model and its Monte-Carlo draws.
    """

    graph: CausalGraph
    treatment: str = ""
    outcome: str = ""
    data: DataReference | None = None
    adjustment_set: tuple[str, ...] | None = None
    estimator: str = "linear_regression"
    params: Mapping[str, Any] = field(default_factory=dict)
    target: str = "ate"
    compare: tuple[str, ...] | None = None
    refuters: tuple[str, ...] | None = None
    n_simulations: int = 100
    refuter_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    missing_data: MissingDataChoice = field(default_factory=MissingDataChoice)
    whatif_questions: tuple[WhatIfQuestion, ...] = ()
    random_state: int = 0
    whatif_seed: int = 0

    def __post_init__(self) -> None:
        put = object.__setattr__
        if not isinstance(self.graph, CausalGraph):
            raise DataError(f"The plan's graph must be a CausalGraph; got {type(self.graph).__name__}.")
        for role, found in (("treatment", self.graph.exposures), ("outcome", self.graph.outcomes)):
            value = getattr(self, role)
            if value == "" and len(found) == 1:
                put(self, role, found[0])
                value = found[0]
            if not isinstance(value, str) or (value != "" and value not in self.graph):
                raise DataError(f"The plan's {role} {value!r} is not a node of its graph. Name one "
                                f"node as the {role} (the graph marks {list(found)!r}).")
        if self.treatment == self.outcome != "":
            raise DataError(f"The plan's treatment and outcome are both {self.treatment!r}; an "
                            "effect needs two different variables.")
        if self.data is not None and not isinstance(self.data, DataReference):
            raise DataError(f"The plan's data must be a DataReference; got {type(self.data).__name__}.")
        put(self, "adjustment_set", None if self.adjustment_set is None
            else tuple(sorted(_names(self.adjustment_set, "adjustment set"))))
        put(self, "compare", _names(self.compare, "comparison estimators", optional=True))
        put(self, "refuters", _names(self.refuters, "refuters", optional=True))
        if not isinstance(self.estimator, str) or not self.estimator:
            raise DataError(f"The plan's estimator must be a registry name; got {self.estimator!r}.")
        if self.target not in TARGETS:
            raise DataError(f"The plan's target must be one of {', '.join(TARGETS)}; got "
                            f"{self.target!r}.")
        put(self, "missing_data", _missing_choice(self.missing_data))
        put(self, "params", _frozen(_changed(self.estimator, self.params), "estimator parameters"))
        put(self, "refuter_params", MappingProxyType(
            {k: _frozen(_changed(k, v, refuter=True), f"parameters of {k!r}")
             for k, v in _frozen(self.refuter_params, "refuter parameters").items()
             if _changed(k, v, refuter=True)}))
        _whole(self.n_simulations, "number of simulations", 1)
        _whole(self.random_state, "random_state", 0)
        _whole(self.whatif_seed, "whatif_seed", 0)
        questions = tuple(self.whatif_questions)
        if not all(isinstance(q, WhatIfQuestion) for q in questions):
            raise DataError("The plan's What-if questions must be WhatIfQuestion values.")
        put(self, "whatif_questions", questions)

    def __hash__(self) -> int:
        return hash(self.key())

    def __reduce__(self) -> tuple[Any, ...]:
        # mapping proxies do not pickle: rebuild from plain dictionaries (worker processes)
        kw = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        kw["params"] = dict(self.params)
        kw["refuter_params"] = {k: dict(v) for k, v in self.refuter_params.items()}
        return (_rebuild, (kw,))

    def __repr__(self) -> str:
        adj = "the estimand's" if self.adjustment_set is None else list(self.adjustment_set)
        return (f"AnalysisPlan({self.treatment!r} → {self.outcome!r}, {self.estimator}"
                f"{dict(self.params) or ''}, {self.target.upper()}, adjustment {adj}, "
                f"seed {self.random_state})")

    @property
    def posed(self) -> bool:
        """True when the plan names a treatment and an outcome."""
        return bool(self.treatment and self.outcome)

    def _require_posed(self) -> None:
        if not self.posed:
            from .exceptions import IdentificationError

            missing = " and ".join(r for r in ("treatment", "outcome") if not getattr(self, r))
            raise IdentificationError(f"The plan has no {missing} yet: mark one node as the "
                                      "exposure and one as the outcome (or name them in the plan).")

    def summary(self) -> pd.DataFrame:
        """Every choice, one per row (``choice`` → ``value``)."""
        from .display import plan_summary

        return plan_summary(self)

    def _repr_html_(self) -> str:
        from .display import html_of

        return html_of(self, self.summary())

    # ------------------------------------------------------------------ building
    @classmethod
    def for_data(cls, frame: pd.DataFrame, file_name: str, graph: CausalGraph, *,
                 example: str | None = None, data_fingerprint: str | None = None,
                 **choices: Any) -> AnalysisPlan:
        """A plan for ``frame`` (described, never stored) with the given choices."""
        return cls(graph=graph, data=DataReference.from_frame(frame, file_name, example,
                                                               data_fingerprint), **choices)

    def replace(self, **changes: Any) -> AnalysisPlan:
        """A copy with some choices changed (validated like a new plan)."""
        return dataclasses.replace(self, **changes)

    def choices(self) -> dict[str, Any]:
        """The choices a share link carries, JSON-plain: every field of :data:`SHARED_CHOICES`
        (not the graph, which a link carries as text, nor anything about the data)."""
        body = self.to_dict()
        return {k: body[k] for k in SHARED_CHOICES}

    def with_choices(self, choices: Mapping[str, Any]) -> AnalysisPlan:
        """A copy with :meth:`choices` from a link put back (validated like a saved plan).

        Raises
        ------
        DataError
            ``choices`` is not a mapping, names a field that is not a shared choice, or a
            value a plan does not accept.
        """
        if not isinstance(choices, Mapping):
            raise DataError(f"A link's choices must be a mapping of names to values; got "
                            f"{type(choices).__name__}.")
        unknown = sorted(str(k)[:30] for k in choices if k not in SHARED_CHOICES)
        if unknown:
            raise DataError(f"A link's choices include {unknown[0]!r}, which a link cannot set; "
                            f"it may set {', '.join(SHARED_CHOICES)}.")
        plan = AnalysisPlan.from_dict({**self.to_dict(), **choices})
        from .estimators import get_estimator_class

        try:
            known = get_estimator_class(plan.estimator)().get_params()
        except CausalCoreError as err:
            raise DataError(f"A link's choices name an estimator this app does not have: {err}"
                            ) from None
        extra = sorted(str(k)[:30] for k in plan.params if k not in known)
        if extra:
            raise DataError(f"A link's choices give {plan.estimator!r} the parameter {extra[0]!r}, "
                            f"which it does not have (it has {', '.join(sorted(known))}).")
        return plan

    # ------------------------------------------------------------------ keys
    def _parts(self) -> dict[str, Any]:
        return {"data": None if self.data is None else self.data.fingerprint,
                "graph": graph_structure(self.analysis_graph()),
                "treatment": self.treatment, "outcome": self.outcome,
                "missing_data": self.missing_data.to_dict(), "adjustment_set": self.adjustment_set,
                "estimator": self.estimator, "params": dict(self.params), "target": self.target,
                "random_state": self.random_state, "compare": self.compare,
                "refuters": self.refuters, "n_simulations": self.n_simulations,
                "refuter_params": {k: dict(v) for k, v in self.refuter_params.items()},
                "whatif_questions": [q.to_dict() for q in self.whatif_questions],
                "whatif_seed": self.whatif_seed}

    def key(self, step: str = "all") -> str:
        """A digest of the choices ``step`` depends on (drawing positions and labels excluded).

        ``"identify"``: graph and question; ``"estimate"``: and the data, the adjustment set,
        the estimator, its parameters, the target and the seed; ``"refute"``: and the refuters
        and simulations; ``"whatif"``: data, graph, question, What-if questions and seed;
        ``"all"``: everything.
        """
        needs = {"identify": ("graph", "treatment", "outcome"),
                 "estimate": ("data", "graph", "treatment", "outcome", "missing_data",
                              "adjustment_set", "estimator", "params", "target", "random_state")}
        needs["refute"] = (*needs["estimate"], "refuters", "n_simulations", "refuter_params")
        needs["whatif"] = ("data", "graph", "treatment", "outcome", "missing_data", "whatif_questions",
                           "whatif_seed")
        parts = self._parts()
        if step != "all":
            if step not in needs:
                raise DataError(f"A plan has no step {step!r}; the steps are {', '.join(STEPS)}.")
            parts = {k: parts[k] for k in needs[step]}
        text = json.dumps([step, parts], sort_keys=True, default=str, allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary, with ``format`` and ``version`` first."""
        body = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        body["graph"] = self.graph.to_json()
        body["data"] = None if self.data is None else self.data.to_dict()
        body["whatif_questions"] = [q.to_dict() for q in self.whatif_questions]
        body["params"] = dict(self.params)
        body["missing_data"] = self.missing_data.to_dict()
        body["refuter_params"] = {k: dict(v) for k, v in self.refuter_params.items()}
        return {"format": PLAN_FORMAT, "version": PLAN_VERSION, **plain(body)}

    @classmethod
    def from_dict(cls, d: Any) -> AnalysisPlan:
        """The plan of a :meth:`to_dict` dictionary; unknown or ill-typed fields raise DataError."""
        from .plan_read import plan_kwargs

        return cls(**plan_kwargs(d))

    # ------------------------------------------------------------------ the steps
    def analysis_graph(self, columns: Iterable[str] | None = None) -> CausalGraph:
        """The graph as the analysis uses it: nodes without a column (of ``columns``, else of
        the plan's data) are latent."""
        if columns is None:
            if self.data is None:
                return self.graph
            columns = self.data.columns
        return latent_missing(self.graph, columns)

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The columns of ``frame`` the analysis uses (the graph's observed nodes).

        Raises DataError when the treatment or the outcome has no column.
        """
        self._require_posed()
        g = self.analysis_graph(frame.columns)
        for role in ("treatment", "outcome"):
            name = getattr(self, role)
            if name not in frame.columns:
                raise DataError(f"The {role} {name!r} is not a column of the data (columns: "
                                f"{', '.join(map(repr, list(frame.columns)[:12]))}). Load the "
                                "table the plan is for, or rename the node to its column.")
        return frame[[c for c in frame.columns if c in g and g.is_observed(c)]]

    def identify(self, columns: Iterable[str] | None = None) -> Any:
        """The :class:`~causal_core.identify.Identification` of the plan's question."""
        from .identify import identify

        self._require_posed()
        return identify(self.analysis_graph(columns), self.treatment, self.outcome)

    def estimate(self, frame: pd.DataFrame, *, identification: Any = None,
                 method: str | None = None, progress: Callable[[float], Any] | None = None) -> Any:
        """The main :class:`EffectEstimate` (``method``: another estimator with its defaults).

        ``progress(fraction)`` is called as the work advances (see
        :func:`~causal_core.imputation.estimate_missing`); it may raise to stop the work.
        """
        from .imputation import estimate_missing

        used = self.frame(frame)
        ident = self.identify(frame.columns) if identification is None else identification
        params = dict(self.params) if method is None or method == self.estimator else {}
        return estimate_missing(used, ident, self.missing_data, method=method or self.estimator,
                        target=self.target, random_state=self.random_state, progress=progress,
                        adjustment_set=None if self.adjustment_set is None
                        else list(self.adjustment_set), **params)

    def comparison_methods(self, identification: Any, treatment_type: str) -> list[str]:
        """The estimators :attr:`compare` names (None: every one that fits, naive first)."""
        if self.compare is not None:
            return list(self.compare)
        from .estimators import list_estimators

        kind = identification.estimand.kind if identification.estimand is not None else None
        names = [e.name for e in list_estimators()
                 if kind in e.estimands and treatment_type in e.treatment_types]
        return names if "naive" in names else ["naive", *names]

    def compare_estimates(self, frame: pd.DataFrame, main: Any, *, identification: Any = None
                          ) -> dict[str, Any]:
        """The comparison estimates, each with default parameters: name → EffectEstimate or
        the CausalCoreError that says why it does not apply. ``main`` keeps its own slot."""
        ident = self.identify(frame.columns) if identification is None else identification
        out: dict[str, Any] = {}
        for name in self.comparison_methods(ident, main.treatment_type):
            if name == self.estimator and not self.params:
                out[name] = main
                continue
            try:
                out[name] = self.estimate(frame, identification=ident, method=name)
            except CausalCoreError as err:
                out[name] = err
        return out

    def refuter_names(self, main: Any) -> list[str]:
        """The refuters :attr:`refuters` names (None: every one that applies to ``main``)."""
        if self.refuters is not None:
            return list(self.refuters)
        from .refuters import list_refuters

        return [r.name for r in list_refuters()
                if main.estimand.kind in r.estimands and main.treatment_type in r.treatment_types]

    def refute_one(self, frame: pd.DataFrame, name: str, main: Any, *, identification: Any = None,
                   progress: Callable[[float], Any] | None = None) -> Any:
        """One refutation test of ``main`` with the plan's simulations and seed."""
        from .imputation import refute_missing

        ident = self.identify(frame.columns) if identification is None else identification
        params = dict(self.refuter_params.get(name, {}))
        used = self.frame(frame)
        control = params.get("negative_control")  # a column that may lie outside the graph
        if isinstance(control, str) and control in frame.columns and control not in used.columns:
            used = frame[[*used.columns, control]]
        return refute_missing(used, ident, main, self.missing_data, method=name,
                              n_simulations=self.n_simulations, random_state=self.random_state,
                              progress=progress, **params)

    def refute(self, frame: pd.DataFrame, main: Any, *, identification: Any = None
               ) -> dict[str, Any]:
        """Every planned test: name → RefutationResult or the CausalCoreError saying why not."""
        ident = self.identify(frame.columns) if identification is None else identification
        out: dict[str, Any] = {}
        for name in self.refuter_names(main):
            try:
                out[name] = self.refute_one(frame, name, main, identification=ident)
            except CausalCoreError as err:
                out[name] = err
        return out

    def sensitivity(self, frame: pd.DataFrame, main: Any, *, identification: Any = None) -> Any:
        """The omitted-variable-bias sensitivity of ``main`` (EstimationError when it has none)."""
        from .imputation import single_frame
        from .sensitivity import ovb_sensitivity

        ident = self.identify(frame.columns) if identification is None else identification
        return ovb_sensitivity(single_frame(self.frame(frame), ident, self.missing_data), ident, main)

    def whatif_model(self, frame: pd.DataFrame) -> Any:
        """The structural causal model What if uses, fitted with :attr:`whatif_seed`."""
        from .whatif import fit_model, pose

        q = pose(frame, self.treatment, self.outcome)
        return fit_model(frame, self.graph, q, self.whatif_seed)  # names nodes without a column

    def whatif(self, frame: pd.DataFrame, *, scm: Any = None,
               progress: Callable[[float], Any] | None = None) -> tuple[Any, ...]:
        """Each What-if question answered on every rung (:class:`~causal_core.whatif.WhatIfAnswer`);
        no question: the default one (the median or last level, row 0). ``progress``: called
        with the fraction done after each model simulation (an exception it raises stops the
        answers there)."""
        from .whatif import ask

        scm = self.whatif_model(frame) if scm is None else scm
        questions = self.whatif_questions or (WhatIfQuestion(),)

        def part(k: int) -> Callable[[float], Any] | None:
            return None if progress is None else lambda f: progress((k + f) / len(questions))

        return tuple(ask(frame, self.graph, self.treatment, self.outcome, q, seed=self.whatif_seed,
                         scm=scm, progress=part(k)) for k, q in enumerate(questions))

    def check_data(self, frame: pd.DataFrame) -> None:
        """Raise DataError when ``frame`` is not the table of the plan's data reference."""
        if self.data is not None and fingerprint(frame) != self.data.fingerprint:
            raise DataError(f"These data are not the table the plan is for ({self.data.file_name!r}, "
                            f"{self.data.n_rows:,} rows, fingerprint {self.data.fingerprint[:12]}…; "
                            f"given: {len(frame):,} rows, fingerprint {fingerprint(frame)[:12]}…). "
                            "Load that table, or make a new plan with AnalysisPlan.for_data.")

    def run(self, frame: pd.DataFrame, *, title: str = "", reference: Mapping[str, Any] | None = None,
            whatif_answers: Sequence[Mapping[str, Any]] = ()) -> Any:
        """Run every step on ``frame`` and return the :class:`~causal_core.analysis.Analysis`.

        Comparisons and refutations that do not apply are left out; the main estimate's
        failure raises.
        """
        from .analysis import assemble

        self.check_data(frame)
        ident = self.identify(frame.columns)
        main = self.estimate(frame, identification=ident)
        estimates = {self.estimator: main}
        for name, res in self.compare_estimates(frame, main, identification=ident).items():
            if not isinstance(res, CausalCoreError) and res is not main:
                estimates[name if name != self.estimator else default_name(name)] = res
        refutations = {k: v for k, v in self.refute(frame, main, identification=ident).items()
                       if not isinstance(v, CausalCoreError)}
        try:
            sens = self.sensitivity(frame, main, identification=ident)
        except CausalCoreError:
            sens = None
        return assemble(self, estimates=estimates, refutations=refutations,
                              sensitivity=sens, identification=ident, whatif=whatif_answers,
                              reference=reference, title=title)
