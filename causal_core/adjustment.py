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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

from .dsep import Path, list_paths
from .exceptions import IdentificationError
from .gindex import GraphIndex, graph_index
from .graph import CausalGraph
from .separators import iter_minimal_separators

__all__ = ["AdjustmentProblem", "AdjustmentCheck", "adjustment_problem", "is_adjustment_set"]


@dataclass
class AdjustmentProblem:
    """The pieces every adjustment question on one (graph, X, Y, effect) needs, computed once.

    Node sets are integer ids of the graph's :class:`~causal_core.gindex.GraphIndex`
    (``ix.names[i]`` is the name). The proper back-door graph is never built: ``cut_in`` names
    the edges it removes (for each node, the treatment parents whose edge into it is cut).
    """

    graph: CausalGraph
    ix: GraphIndex
    treatment: list[str]
    outcome: list[str]
    effect: str
    xs: set[int]
    ys: set[int]
    hidden: set[int]
    causal_nodes: set[int]             # nodes on proper causal paths, X excluded
    forbidden: set[int]                # forb(X, Y) without X
    forced: set[int]                   # adjusted nodes (and selected ones)
    selected: set[int]
    cut_in: dict[int, frozenset]       # the back-door graph's removed edges
    infeasible: str | None = None      # why no valid set can exist, if so
    notes: list[str] = field(default_factory=list)

    @cached_property
    def usable(self) -> set[int]:
        """The ancestral set of X, Y and the forced nodes in the back-door graph."""
        return self.ix.ancestors(self.xs | self.ys | self.forced, self.cut_in)

    def iter_sets(self) -> Iterator[list[str]]:
        """Yield each minimal adjustment set (sorted names), forced nodes included."""
        if self.infeasible:
            return
        keep = self.usable
        adj = self.ix.moral(keep, self.cut_in)
        for v in self.forced:
            for w in adj.pop(v):
                adj[w].discard(v)
        blocked = self.hidden | self.forbidden | self.xs | self.ys
        allowed = {v for v in adj if v not in blocked}
        shown = self.forced - self.selected
        for sep in iter_minimal_separators(adj, self.xs, self.ys, allowed):
            yield self.ix.to_names(set(sep) | shown)

    def minimal_sets(self, max_sets: int | None) -> tuple[list[list[str]], bool]:
        """All minimal sets (sorted), capped at ``max_sets``; and whether the list was cut."""
        it = self.iter_sets()
        if max_sets is None:
            return sorted(it), False
        got = list(islice(it, max_sets + 1))
        return sorted(got[:max_sets]), len(got) > max_sets

    def is_valid(self, z: set[int]) -> bool:
        """Whether ``z`` (ids) is a valid adjustment set (generalized adjustment criterion)."""
        if z & (self.forbidden | self.xs | self.ys | self.hidden):
            return False
        return self.ix.d_separated(self.xs, self.ys, z | self.selected, cut_in=self.cut_in)


def _proper_causal_nodes(ix: GraphIndex, xs: set[int], ys: set[int]) -> set[int]:
    """Nodes on proper causal paths from X to Y, X excluded (DAGitty's pcp minus X)."""
    back = ix.ancestors(ys - xs, avoid=xs)  # ancestors of Y reached without passing through X
    start = {c for x in xs for c in ix.children[x] if c in back}
    return ix.descendants(start, within=back)


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
    ix = graph_index(graph)
    xs, ys = ix.to_ids(treatment), ix.to_ids(outcome)
    hidden = set(ix.hidden) | ix.to_ids(exclude)
    forced = ix.to_ids(graph.adjusted) | ix.to_ids(include)
    selected = ix.to_ids(graph.selected)
    if effect == "total":
        causal = _proper_causal_nodes(ix, xs, ys)
        forbidden = ix.descendants(causal) - xs if causal else set()
        cut_in = {c: frozenset(xs) for x in xs for c in ix.children[x] if c in causal}
    else:
        if selected:
            raise IdentificationError(
                "Direct-effect adjustment sets are not defined when the graph has selected "
                f"nodes ({', '.join(sorted(graph.selected))}). Remove the 'selected' role or ask "
                "for the total effect."
            )
        caused = ys & ix.descendants(xs)
        forbidden = ix.descendants(caused) - ys if caused else set()
        causal = set()
        cut_in = {y: frozenset(xs) for y in ys}
    problem = AdjustmentProblem(graph, ix, list(treatment), list(outcome), effect, xs, ys,
                                hidden, causal, forbidden, forced | selected, selected, cut_in)
    bad_forced = ix.to_names(forced & (forbidden | xs | ys))
    if bad_forced:
        problem.infeasible = (
            f"{', '.join(map(repr, bad_forced))} must be adjusted for, but "
            f"{'it is' if len(bad_forced) == 1 else 'they are'} on or below the causal path "
            "from the treatment to the outcome; no valid adjustment set can contain "
            f"{'it' if len(bad_forced) == 1 else 'them'}."
        )
    elif forced & hidden:
        problem.infeasible = (
            f"{', '.join(map(repr, ix.to_names(forced & hidden)))} is marked both latent and "
            "adjusted; an unmeasured variable cannot be adjusted for."
        )
    elif selected and not ix.d_separated(ys, selected, (), cut_in=cut_in):
        problem.infeasible = (
            "The outcome is associated with the selection nodes "
            f"({', '.join(sorted(graph.selected))}) through a non-causal path, so selection "
            "biases every adjusted estimate."
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
    ix = problem.ix
    zi = ix.to_ids(z)
    if zi & (problem.xs | problem.ys):
        return AdjustmentCheck(False, "The adjustment set cannot contain the treatment or the outcome.")
    latent = ix.to_names(zi & problem.hidden)
    if latent:
        return AdjustmentCheck(False, f"{latent[0]!r} is latent (unmeasured) and cannot be adjusted for.")
    bad = ix.to_names(zi & problem.forbidden)
    if bad:
        v = bad[0]
        kind = ("lies on the causal path from the treatment to the outcome (a mediator): "
                "adjusting for it removes part of the effect") if ix.ids[v] in problem.causal_nodes else (
                "is caused by the treatment through the outcome's causes (a descendant of a "
                "mediator or of the outcome): adjusting for it biases the estimate")
        return AdjustmentCheck(False, f"{v!r} {kind}.", forbidden=tuple(bad))
    if problem.is_valid(zi):
        return AdjustmentCheck(True, "Every biasing path from the treatment to the outcome is "
                                     "blocked and no mediator is adjusted for.")
    cond = z | set(graph.selected)
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
