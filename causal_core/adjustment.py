"""Adjustment sets under the generalized adjustment criterion.

Z is a valid adjustment set for the total effect of X on Y (Shpitser, VanderWeele & Robins
2010; Perković et al. 2018) when

1. Z contains no node of ``forb(X, Y)``: descendants of a node (other than X) on a proper
   causal path from X to Y, and
2. Z d-separates X from Y in the proper back-door graph, where the first edge of every proper
   causal path is removed.

Minimal sets are the minimal separators of the moral graph of the back-door graph's ancestral
set of ``X ∪ Y ∪ I`` (``I`` the forced nodes), with latent and forbidden nodes unusable
(van der Zander, Liśkiewicz & Textor 2014, 2019). Selected nodes are handled as DAGitty does:
the outcome must be d-separated from them in the back-door graph, and they are conditioned on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

import networkx as nx

from .dsep import Path, expanded_dag, latent_nodes, list_paths
from .exceptions import IdentificationError
from .graph import CausalGraph
from .separators import iter_minimal_separators, moral_graph

__all__ = ["AdjustmentProblem", "AdjustmentCheck", "adjustment_problem", "is_adjustment_set"]


@dataclass
class AdjustmentProblem:
    """The pieces every adjustment question on one (graph, X, Y, effect) needs, computed once."""

    graph: CausalGraph
    treatment: list[str]
    outcome: list[str]
    effect: str
    dag: nx.DiGraph
    backdoor: nx.DiGraph
    hidden: set
    causal_nodes: set                  # nodes on proper causal paths, X excluded
    forbidden: set                     # forb(X, Y) without X
    forced: set                        # adjusted nodes (and selected ones)
    selected: set
    infeasible: str | None = None      # why no valid set can exist, if so
    notes: list[str] = field(default_factory=list)

    def _usable(self) -> set:
        keep = set().union(*(nx.ancestors(self.backdoor, v)
                             for v in set(self.treatment) | set(self.outcome) | self.forced))
        keep |= set(self.treatment) | set(self.outcome) | self.forced
        return keep

    def iter_sets(self):
        """Yield each minimal adjustment set (sorted list), forced nodes included."""
        if self.infeasible:
            return
        keep = self._usable()
        adj = moral_graph(self.backdoor, keep)
        for v in self.forced:
            for w in adj.pop(v):
                adj[w].discard(v)
        blocked = self.hidden | self.forbidden | set(self.treatment) | set(self.outcome)
        allowed = {v for v in adj if v not in blocked}
        shown = self.forced - self.selected
        for sep in iter_minimal_separators(adj, self.treatment, self.outcome, allowed):
            yield sorted(set(sep) | shown)

    def minimal_sets(self, max_sets: int | None) -> tuple[list[list[str]], bool]:
        """All minimal sets (sorted), capped at ``max_sets``; and whether the list was cut."""
        it = self.iter_sets()
        if max_sets is None:
            return sorted(it), False
        got = list(islice(it, max_sets + 1))
        return sorted(got[:max_sets]), len(got) > max_sets


def _proper_causal_nodes(dag: nx.DiGraph, xs: set, ys: set) -> set:
    """Nodes on proper causal paths from X to Y, X excluded (DAGitty's pcp minus X)."""
    back = set()
    stack = [y for y in ys if y not in xs]
    while stack:  # ancestors of Y reached without passing through X
        v = stack.pop()
        if v in back:
            continue
        back.add(v)
        stack.extend(p for p in dag.predecessors(v) if p not in xs and p not in back)
    below = set().union(*(nx.descendants(dag, x) for x in xs)) if xs else set()
    return back & below


def adjustment_problem(
    graph: CausalGraph,
    treatment: list[str],
    outcome: list[str],
    *,
    effect: str = "total",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> AdjustmentProblem:
    """Set up the adjustment question for ``treatment`` → ``outcome``.

    Parameters
    ----------
    effect : {"total", "direct"}
        ``"direct"``: sets for the direct effect (DAGitty's definition: only the edges X → Y
        are removed, and descendants of outcomes that X causes are forbidden).
    include, exclude : iterable of str
        Nodes forced into every set (added to the graph's ``adjusted`` nodes) or kept out
        of every set (added to the latent ones).
    """
    if effect not in ("total", "direct"):
        raise IdentificationError(f"effect must be 'total' or 'direct', got {effect!r}.")
    dag = expanded_dag(graph)
    xs, ys = set(treatment), set(outcome)
    hidden = latent_nodes(graph) | set(exclude)
    forced = set(graph.adjusted) | set(include)
    selected = set(graph.selected)
    notes: list[str] = []
    if effect == "total":
        causal = _proper_causal_nodes(dag, xs, ys)
        forbidden = set().union(*(nx.descendants(dag, v) | {v} for v in causal)) - xs \
            if causal else set()
        backdoor = dag.copy()
        backdoor.remove_edges_from([(x, c) for x in xs for c in dag.successors(x) if c in causal])
    else:
        if selected:
            raise IdentificationError(
                "Direct-effect adjustment sets are not defined when the graph has selected "
                f"nodes ({', '.join(sorted(selected))}). Remove the 'selected' role or ask for "
                "the total effect."
            )
        caused = ys & set().union(*(nx.descendants(dag, x) for x in xs))
        forbidden = set().union(*(nx.descendants(dag, y) | {y} for y in caused)) - ys \
            if caused else set()
        causal = set()
        backdoor = dag.copy()
        backdoor.remove_edges_from([(x, y) for x in xs for y in ys if dag.has_edge(x, y)])
    problem = AdjustmentProblem(graph, list(treatment), list(outcome), effect, dag, backdoor,
                                hidden, causal, forbidden, forced | selected, selected,
                                notes=notes)
    bad_forced = sorted(forced & (forbidden | xs | ys), key=str)
    if bad_forced:
        problem.infeasible = (
            f"{', '.join(map(repr, bad_forced))} must be adjusted for, but "
            f"{'it is' if len(bad_forced) == 1 else 'they are'} on or below the causal path "
            "from the treatment to the outcome; no valid adjustment set can contain "
            f"{'it' if len(bad_forced) == 1 else 'them'}."
        )
    elif forced & hidden:
        problem.infeasible = (
            f"{', '.join(sorted(map(repr, forced & hidden)))} is marked both latent and adjusted; "
            "an unmeasured variable cannot be adjusted for."
        )
    elif selected and not nx.is_d_separator(backdoor, ys, selected, set()):
        problem.infeasible = (
            "The outcome is associated with the selection nodes "
            f"({', '.join(sorted(selected))}) through a non-causal path, so selection biases "
            "every adjusted estimate."
        )
    return problem


@dataclass(frozen=True)
class AdjustmentCheck:
    """Whether a given set is a valid adjustment set, and why not.

    Attributes
    ----------
    valid : bool
    reason : str
        A plain sentence: what makes the set valid or what breaks it.
    open_paths : tuple of Path
        Biasing paths that stay open given the set (one witness is enough to break it).
    forbidden : tuple of str
        Members of the set that lie on or below a causal path (mediators and their descendants).
    """

    valid: bool
    reason: str
    open_paths: tuple[Path, ...] = ()
    forbidden: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.valid


def is_adjustment_set(
    graph: CausalGraph,
    treatment: str | Iterable[str],
    outcome: str | Iterable[str],
    adjustment_set: Iterable[str],
    *,
    effect: str = "total",
) -> AdjustmentCheck:
    """Check a user's own adjustment set, with the reason when it is invalid.

    Examples
    --------
    >>> import causal_core as cc
    >>> g = cc.CausalGraph.parse("z -> x -> m -> y; z -> y")
    >>> cc.is_adjustment_set(g, "x", "y", ["z"]).valid
    True
    >>> print(cc.is_adjustment_set(g, "x", "y", ["z", "m"]).reason)  # doctest: +ELLIPSIS
    'm' lies on the causal path from the treatment to the outcome (a mediator): ...
    """
    from .identify import check_question

    xs, ys = check_question(graph, treatment, outcome)
    z = set(adjustment_set) if not isinstance(adjustment_set, str) else {adjustment_set}
    unknown = sorted(v for v in z if v not in graph)
    if unknown:
        raise IdentificationError(
            f"The adjustment set names {unknown[0]!r}, which is not a node of the graph. "
            "Use node names from the graph."
        )
    problem = adjustment_problem(graph, xs, ys, effect=effect)
    if z & (set(xs) | set(ys)):
        return AdjustmentCheck(False, "The adjustment set cannot contain the treatment or the outcome.")
    latent = sorted(z & problem.hidden)
    if latent:
        return AdjustmentCheck(False, f"{latent[0]!r} is latent (unmeasured) and cannot be adjusted for.")
    bad = sorted(z & problem.forbidden)
    if bad:
        v = bad[0]
        kind = ("lies on the causal path from the treatment to the outcome (a mediator): "
                "adjusting for it removes part of the effect") if v in problem.causal_nodes else (
                "is caused by the treatment through the outcome's causes (a descendant of a "
                "mediator or of the outcome): adjusting for it biases the estimate")
        return AdjustmentCheck(False, f"{v!r} {kind}.", forbidden=tuple(bad))
    cond = z | problem.selected
    if nx.is_d_separator(problem.backdoor, set(xs), set(ys), cond):
        return AdjustmentCheck(True, "Every biasing path from the treatment to the outcome is "
                                     "blocked and no mediator is adjusted for.")
    witness = _open_backdoor_path(problem, xs, ys, cond)
    reason = "A biasing path stays open"
    if witness is not None:
        reason += f": {witness.describe().split(':')[0]}"
    return AdjustmentCheck(False, reason + ".", open_paths=(witness,) if witness else ())


def _open_backdoor_path(problem: AdjustmentProblem, xs: list[str], ys: list[str],
                        cond: set[str]) -> Path | None:
    """One open non-causal path between a treatment and an outcome, if the search finds one."""
    for x in xs:
        for y in ys:
            for p in list_paths(problem.graph, x, y, sorted(cond), max_paths=2000):
                if p.open and not p.causal:
                    return p
    return None
