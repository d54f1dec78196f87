"""Identification: from a causal graph and a question to an estimand.

``identify(graph, treatment, outcome)`` lists every minimal sufficient adjustment set under the
generalized adjustment criterion (see :mod:`causal_core.adjustment`), the minimal front-door
sets and the instruments (see :mod:`causal_core.frontdoor_iv`), picks an estimand and gives each
node a role for colouring.

Examples
--------
>>> import causal_core as cc
>>> g = cc.CausalGraph.parse("dag { S [exposure]; T [outcome]; S -> T; h -> S; i -> T; "
...                          "i -> h; x -> S; x -> z; z -> T }")
>>> ident = cc.identify(g)
>>> ident.adjustment_sets
[['h', 'x'], ['h', 'z'], ['i', 'x'], ['i', 'z']]
>>> ident.estimand.kind, ident.estimand.adjustment_set
('backdoor', ('i', 'z'))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from .adjustment import AdjustmentProblem, adjustment_problem
from .dsep import as_node_list
from .exceptions import GraphError, IdentificationError
from .frontdoor_iv import frontdoor_sets, instruments
from .graph import CausalGraph
from .idcheck import GeneralIdentification, general_identification

__all__ = ["Estimand", "Identification", "identify", "check_question", "NODE_ROLES"]

#: Roles ``Identification.node_roles`` gives, for colouring.
NODE_ROLES: tuple[str, ...] = (
    "exposure", "outcome", "latent", "confounder", "mediator", "collider", "instrument",
    "treatment descendant", "outcome cause", "irrelevant",
)


@dataclass(frozen=True)
class Estimand:
    """The chosen identifying formula.

    Attributes
    ----------
    kind : {"backdoor", "frontdoor", "iv", "id"}
        ``"id"``: a formula from the ID algorithm (Shpitser & Pearl 2006), shown only after it
        matched exact interventional distributions of random models of the graph
        (:mod:`causal_core.idcheck`); see ``formula`` and ``steps``.
    treatment, outcome : tuple of str
    adjustment_set : tuple of str
        Back-door: the covariates to adjust for. IV: the instruments' conditioning set.
        Front-door: empty.
    mediators : tuple of str
        Front-door: the mediator set. Empty otherwise.
    instruments : tuple of str
        IV: the instruments. Empty otherwise.
    latex : str
        The formula in LaTeX (node names escaped inside ``\\text{}``).
    description : str
        One plain sentence.
    """

    kind: str
    treatment: tuple[str, ...]
    outcome: tuple[str, ...]
    adjustment_set: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    latex: str = ""
    description: str = ""
    formula: str = ""
    steps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Identification:
    """Everything the graph says about identifying the effect of ``treatment`` on ``outcome``.

    The adjustment sets and the estimand are computed when ``identify`` runs; front-door sets,
    instruments, the optimal set and the node roles are computed on first access (and then
    kept), unless the estimand needed them.

    Attributes
    ----------
    adjustment_sets : list of list of str
        Every minimal sufficient adjustment set, sorted; ``[]`` none exists, ``[[]]`` no
        adjustment needed.
    truncated : bool
        True when ``max_sets`` cut the listing short.
    estimand : Estimand or None
        None when the effect is not identified.
    frontdoor_sets : list of list of str
        Every minimal front-door set (lazy).
    frontdoor_truncated : bool
        True when the front-door listing stopped early (lazy).
    instruments : list of (str, list of str)
        Each instrument with the set it must be conditioned on (lazy).
    optimal_set : list of str or None
        The optimal adjustment set O(X, Y) of Henckel, Perković & Maathuis (2019) when it is
        valid and observed (lazy).
    node_roles : dict
        One role from :data:`NODE_ROLES` per node (lazy).
    notes : tuple of str
        Plain-language remarks (why nothing is identified, searches cut short, ...).
    """

    graph: CausalGraph
    treatment: tuple[str, ...]
    outcome: tuple[str, ...]
    adjustment_sets: list[list[str]]
    truncated: bool
    estimand: Estimand | None
    effect: str = "total"
    notes: tuple[str, ...] = ()
    problem: AdjustmentProblem | None = field(default=None, repr=False, compare=False)

    @property
    def identified(self) -> bool:
        """True when some estimand identifies the effect."""
        return self.estimand is not None

    def __repr__(self) -> str:
        from .display import identification_repr

        return identification_repr(self)

    def summary(self) -> pd.DataFrame:
        """One row per adjustment set, front-door set and instrument (``strategy``, ``set``,
        ``chosen``)."""
        from .display import identification_summary

        return identification_summary(self)

    def _repr_html_(self) -> str:
        from .display import html_of

        return html_of(self, self.summary())

    @cached_property
    def _frontdoor(self) -> tuple[list[list[str]], bool]:
        if self.problem is None or self.effect != "total":
            return [], False
        return frontdoor_sets(self.problem)

    @property
    def frontdoor_sets(self) -> list[list[str]]:
        """Every minimal front-door set (computed on first access)."""
        return self._frontdoor[0]

    @property
    def frontdoor_truncated(self) -> bool:
        """True when the front-door listing stopped before the end."""
        return self._frontdoor[1]

    @cached_property
    def instruments(self) -> list[tuple[str, list[str]]]:
        """Each instrument with its conditioning set (computed on first access)."""
        return instruments(self.problem) if self.problem is not None else []

    @cached_property
    def optimal_set(self) -> list[str] | None:
        """The optimal valid adjustment set, or None (computed on first access)."""
        if self.problem is None or not self.adjustment_sets:
            return None
        return _optimal_set(self.problem)

    @cached_property
    def general(self) -> GeneralIdentification | None:
        """The ID algorithm's answer, checked numerically (single total effect, no selection)."""
        p = self.problem
        if p is None or self.effect != "total" or p.selected or p.forced - p.selected:
            return None
        return general_identification(self.graph, self.treatment, self.outcome)

    @property
    def hedge(self) -> list[str]:
        """When the effect is not identifiable at all: the hedge's nodes, to highlight."""
        if self.estimand is not None or self.general is None:
            return []
        return list(self.general.hedge)

    @cached_property
    def node_roles(self) -> dict[str, str]:
        """One role per node, for colouring (computed on first access)."""
        return _node_roles(self.problem, self.instruments) if self.problem is not None else {}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the graph as our JSON text)."""
        return {
            "graph": self.graph.to_json(), "treatment": list(self.treatment),
            "outcome": list(self.outcome), "effect": self.effect,
            "adjustment_sets": self.adjustment_sets, "truncated": self.truncated,
            "frontdoor_sets": self.frontdoor_sets,
            "instruments": [[z, w] for z, w in self.instruments],
            "estimand": self.estimand.to_dict() if self.estimand else None,
            "optimal_set": self.optimal_set, "node_roles": self.node_roles,
            "hedge": self.hedge, "notes": list(self.notes),
        }


def check_question(
    graph: CausalGraph, treatment: str | Iterable[str] | None, outcome: str | Iterable[str] | None
) -> tuple[list[str], list[str]]:
    """Validate and normalise the treatment and outcome (default: the graph's roles)."""
    if not isinstance(graph, CausalGraph):
        raise IdentificationError(
            f"identify needs a CausalGraph, got {type(graph).__name__}. "
            "Build one with CausalGraph.parse(text)."
        )
    try:
        xs = as_node_list(graph, treatment if treatment is not None else graph.exposures, "treatment")
        ys = as_node_list(graph, outcome if outcome is not None else graph.outcomes, "outcome")
    except GraphError as err:
        raise IdentificationError(str(err)) from None
    if not xs:
        raise IdentificationError("No treatment given and no node is marked exposure. "
                                  "Name the treatment or mark a node [exposure].")
    if not ys:
        raise IdentificationError("No outcome given and no node is marked outcome. "
                                  "Name the outcome or mark a node [outcome].")
    both = [v for v in xs if v in ys]
    if both:
        raise IdentificationError(
            f"{both[0]!r} is both the treatment and the outcome. A variable's effect on itself "
            "is not a causal question: pick a different outcome."
        )
    hidden = [v for v in xs + ys if not graph.is_observed(v)]
    if hidden:
        raise IdentificationError(
            f"{hidden[0]!r} is marked latent (unmeasured), so it cannot be the treatment or the "
            "outcome. Remove its latent role or pick another node."
        )
    return xs, ys


def identify(
    graph: CausalGraph,
    treatment: str | Iterable[str] | None = None,
    outcome: str | Iterable[str] | None = None,
    *,
    effect: str = "total",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    max_sets: int | None = 1000,
) -> Identification:
    """Identify the causal effect of ``treatment`` on ``outcome`` in ``graph``.

    Parameters
    ----------
    graph : CausalGraph
    treatment, outcome : str or list of str, optional
        Default: the nodes marked ``exposure`` / ``outcome``.
    effect : {"total", "direct"}
    include, exclude : iterable of str
        Nodes forced into / kept out of every adjustment set (besides the graph's adjusted /
        latent roles).
    max_sets : int or None
        Cap on the number of minimal adjustment sets listed (their number can grow
        exponentially); ``truncated`` says when the cap was hit. None lists all.

    Raises
    ------
    IdentificationError
        Treatment or outcome not a node, latent, or equal to each other.
    """
    xs, ys = check_question(graph, treatment, outcome)
    for what, names in (("include", include), ("exclude", exclude)):
        missing = [v for v in names if v not in graph]
        if missing:
            raise IdentificationError(f"{what} names {missing[0]!r}, which is not a node of the graph.")
    problem = adjustment_problem(graph, xs, ys, effect=effect, include=include, exclude=exclude)
    sets, truncated = problem.minimal_sets(max_sets)
    notes = list(problem.notes)
    if problem.infeasible:
        notes.append(problem.infeasible)
    if not problem.causal_nodes and effect == "total":
        notes.append("The graph has no directed path from the treatment to the outcome: "
                     "it claims the causal effect is zero.")
    ident = Identification(graph=graph, treatment=tuple(xs), outcome=tuple(ys),
                           adjustment_sets=sets, truncated=truncated, estimand=None,
                           effect=effect, problem=problem)
    if sets:
        estimand = _backdoor_estimand(xs, ys, sets, ident.optimal_set)
    else:  # only now are the other strategies needed
        if ident.frontdoor_truncated:
            notes.append("The front-door listing stopped early; more front-door sets may exist.")
        estimand = _other_estimand(xs, ys, ident.frontdoor_sets, ident.instruments)
    if estimand is None and ident.general is not None:
        estimand = _id_estimand(xs, ys, ident.general)
        if not ident.general.identified:
            notes.append(_why_not_identified(problem))
        notes.append(ident.general.message)
    elif estimand is None:
        notes.append(_why_not_identified(problem))
    if truncated:
        notes.append(f"Only the first {max_sets} minimal adjustment sets are listed.")
    object.__setattr__(ident, "estimand", estimand)
    object.__setattr__(ident, "notes", tuple(notes))
    return ident


def _optimal_set(problem: AdjustmentProblem) -> list[str] | None:
    """O(X, Y) = pa(cn) minus forb, plus forced nodes, if valid and observed (else None)."""
    if problem.effect != "total":
        return None
    ix = problem.ix
    parents = {p for v in problem.causal_nodes for p in ix.parents[v]}
    o = (parents - problem.forbidden - problem.xs) | (problem.forced - problem.selected)
    if o & problem.hidden or not problem.is_valid(o):
        return None
    return ix.to_names(o)


def _tex(names: Iterable[str]) -> str:
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
               "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}
    parts = ["\\text{" + "".join(special.get(c, c) for c in n) + "}" for n in names]
    return ", ".join(parts)


def _backdoor_estimand(xs: list[str], ys: list[str], sets: list[list[str]],
                       optimal: list[str] | None) -> Estimand:
    x, y = _tex(xs), _tex(ys)
    chosen = optimal if optimal is not None else min(sets, key=lambda s: (len(s), s))
    z = _tex(chosen)
    if chosen:
        latex = rf"P({y} \mid do({x})) = \sum_{{{z}}} P({y} \mid {x}, {z})\, P({z})"
        text = f"Adjust for {', '.join(chosen)}: compare like with like within their levels."
    else:
        latex = rf"P({y} \mid do({x})) = P({y} \mid {x})"
        text = "No adjustment is needed: the association is the causal effect."
    return Estimand("backdoor", tuple(xs), tuple(ys), adjustment_set=tuple(chosen),
                    latex=latex, description=text)


def _other_estimand(xs: list[str], ys: list[str], fd: list[list[str]],
                    ivs: list[tuple[str, list[str]]]) -> Estimand | None:
    x, y = _tex(xs), _tex(ys)
    if fd:
        m = min(fd, key=lambda s: (len(s), s))
        mm = _tex(m)
        latex = (rf"P({y} \mid do({x})) = \sum_{{{mm}}} P({mm} \mid {x}) \sum_{{{x}'}} "
                 rf"P({y} \mid {x}', {mm})\, P({x}')")
        return Estimand("frontdoor", tuple(xs), tuple(ys), mediators=tuple(m), latex=latex,
                        description=f"Front-door: the effect flows only through {', '.join(m)}.")
    if ivs:
        unconditional = [(z, w) for z, w in ivs if not w]
        z, w = (unconditional or ivs)[0]
        zz = [zi for zi, wi in ivs if wi == w]
        latex = (rf"\frac{{\partial\, E[{y} \mid {_tex(zz)}{', ' + _tex(w) if w else ''}]}}"
                 rf"{{\partial\, E[{x} \mid {_tex(zz)}{', ' + _tex(w) if w else ''}]}}")
        return Estimand("iv", tuple(xs), tuple(ys), adjustment_set=tuple(w), instruments=tuple(zz),
                        latex=latex,
                        description=f"Instrumental variable: {', '.join(zz)} moves the treatment "
                                    "but touches the outcome only through it.")
    return None


def _id_estimand(xs: list[str], ys: list[str], gid: GeneralIdentification) -> Estimand | None:
    if not gid.showable:
        return None
    expr = gid.result.expression
    latex = rf"P({_tex(ys)} \mid do({_tex(xs)})) = {expr.latex()}"
    extra = sorted(expr.free() - set(xs) - set(ys))
    text = ("No adjustment set, front-door set or instrument works, but the effect is "
            "identified by the ID algorithm" + (f"; the formula holds for any value of "
                                                f"{', '.join(extra)}" if extra else "") + ".")
    return Estimand("id", tuple(xs), tuple(ys), latex=latex, description=text,
                    formula=expr.plain(), steps=gid.result.steps)


def _why_not_identified(problem: AdjustmentProblem) -> str:
    if problem.infeasible:
        return "Not identified: " + problem.infeasible
    return ("Not identified: every set that would block the biasing paths needs an unmeasured "
            "(latent) variable, and no front-door set or instrument exists. Measure a "
            "confounder, or add what you know to the graph.")


def _node_roles(problem: AdjustmentProblem, ivs: list[tuple[str, list[str]]]) -> dict[str, str]:
    ix = problem.ix
    xs, ys = problem.xs, problem.ys
    an_x = ix.ancestors(xs) - xs
    an_y_not_through_x = ix.ancestors(ys, avoid=xs) - ys
    de_x = ix.descendants(xs) - xs
    an_y = ix.ancestors(ys)
    an_xy = an_x | an_y | xs
    mediators = problem.causal_nodes - ys if problem.effect == "total" else (de_x & (an_y - ys))
    iv_nodes = {ix.ids[z] for z, _ in ivs}
    roles: dict[str, str] = {}
    for v in range(ix.n_named):
        if v in xs:
            role = "exposure"
        elif v in ys:
            role = "outcome"
        elif v in ix.hidden:
            role = "latent"
        elif v in mediators:
            role = "mediator"
        elif v in de_x:
            role = "treatment descendant"
        elif v in an_x and v in an_y_not_through_x:
            role = "confounder"
        elif v not in an_xy and sum(p in an_xy for p in ix.parents[v]) >= 2:
            role = "collider"
        elif v in iv_nodes:
            role = "instrument"
        elif v in an_y_not_through_x:
            role = "outcome cause"
        else:
            role = "irrelevant"
        roles[ix.names[v]] = role
    return roles
