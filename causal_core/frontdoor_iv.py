"""Front-door sets and instrumental variables: identification when back-door adjustment fails.

Front-door (Pearl 1995; in the set form of Jeong, Tian & Bareinboim 2022): a set M of observed
nodes satisfies the front-door criterion for X → Y when (i) M intercepts every directed path
from X to Y, (ii) X ⊥ M in the graph without X's outgoing edges (no open back-door path from X
to M) and (iii) M ⊥ Y | X in the graph without M's outgoing edges (X blocks every back-door
path from M to Y).

Instruments follow DAGitty's ancestral instruments (van der Zander, Textor & Liśkiewicz 2015):
in the proper back-door graph with mediators unusable, W is the minimal set closest to Y that
separates Y from Z; Z is an instrument given W when W holds no descendant of Y and not X, and
Z stays d-connected to X given W.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import networkx as nx

from .adjustment import AdjustmentProblem
from .dsep import d_connected_nodes
from .separators import minimal_separator, moral_graph

__all__ = ["frontdoor_sets", "is_frontdoor_set", "instruments"]

#: How many candidate subsets the front-door search may test before it stops and says so.
FRONTDOOR_BUDGET = 20_000


def _cuts(dag: nx.DiGraph, x: str, y: str, m: set) -> bool:
    """True when every directed path from x to y passes through m."""
    seen, stack = {x}, [x]
    while stack:
        for c in dag.successors(stack.pop()):
            if c == y:
                return False
            if c not in seen and c not in m:
                seen.add(c)
                stack.append(c)
    return True


def _condition_iii(problem: AdjustmentProblem, m: set) -> bool:
    """X blocks every back-door path from m to Y: m ⊥ Y | X in G without m's out-edges."""
    (x,), (y,) = problem.treatment, problem.outcome
    return y not in d_connected_nodes(problem.dag, m, {x} | problem.selected, no_out=m)


def is_frontdoor_set(problem: AdjustmentProblem, m: set) -> bool:
    """Pearl's front-door criterion for the set ``m`` (single treatment and outcome)."""
    (x,), (y,) = problem.treatment, problem.outcome
    if not m or m & (problem.hidden | {x, y}) or not _cuts(problem.dag, x, y, m):
        return False
    no_backdoor = d_connected_nodes(problem.dag, {x}, problem.selected - m, no_out={x})
    return not (m & no_backdoor) and _condition_iii(problem, m)


def _frontdoor_candidates(problem: AdjustmentProblem) -> set:
    """The largest set every front-door set lies in (Jeong, Tian & Bareinboim 2022).

    Start from observed ancestors of Y with no open back-door path from X (condition ii),
    then drop, until nothing changes, every node with an open back-door path to Y given X
    in the graph without the remaining candidates' out-edges. A node dropped here violates
    (iii) in every front-door set that would contain it, since a set's own graph keeps more
    edges than the candidates' graph.
    """
    (x,), (y,) = problem.treatment, problem.outcome
    dag = problem.dag
    reach_x = d_connected_nodes(dag, {x}, problem.selected, no_out={x})
    cand = {v for v in nx.ancestors(dag, y)
            if isinstance(v, str) and v not in problem.hidden and v != x and v not in reach_x}
    while True:
        bad = {v for v in cand
               if y in d_connected_nodes(dag, {v}, {x} | problem.selected, no_out=cand)}
        if not bad:
            return cand
        cand -= bad


def frontdoor_sets(problem: AdjustmentProblem, max_sets: int = 100) -> tuple[list[list[str]], bool]:
    """All minimal front-door sets, smallest first; and whether the search was cut short.

    Every front-door set lies inside :func:`_frontdoor_candidates`; when those fail to cut
    every causal path there is none (polynomial). Otherwise subsets of the candidates are
    tried by increasing size, supersets of a found set skipped, within
    :data:`FRONTDOOR_BUDGET` tests.
    """
    if len(problem.treatment) != 1 or len(problem.outcome) != 1:
        return [], False
    (x,), (y,) = problem.treatment, problem.outcome
    if not nx.has_path(problem.dag, x, y):
        return [], False
    candidates = _frontdoor_candidates(problem)
    if not _cuts(problem.dag, x, y, candidates):
        return [], False
    ordered = sorted(candidates, key=str)
    found: list[set] = []
    tests = 0
    for size in range(1, len(ordered) + 1):
        if tests + comb(len(ordered), size) > FRONTDOOR_BUDGET and size > 1:
            return sorted(sorted(s) for s in found), True
        for combo in combinations(ordered, size):
            s = set(combo)
            if any(f <= s for f in found):
                continue
            tests += 1
            if _cuts(problem.dag, x, y, s) and _condition_iii(problem, s):
                found.append(s)
                if len(found) >= max_sets:
                    return sorted(sorted(f) for f in found), True
    return sorted(sorted(s) for s in found), False


def instruments(problem: AdjustmentProblem) -> list[tuple[str, list[str]]]:
    """Instruments for a single treatment and outcome, each with its conditioning set."""
    if len(problem.treatment) != 1 or len(problem.outcome) != 1 or problem.effect != "total":
        return []
    (x,), (y,) = problem.treatment, problem.outcome
    gbd = problem.backdoor
    mediators = (nx.descendants(problem.dag, x) & nx.ancestors(problem.dag, y))
    unusable = problem.hidden | mediators
    below_y = nx.descendants(gbd, y) | {y}
    out: list[tuple[str, list[str]]] = []
    for z in problem.graph.nodes:
        if z in (x, y) or z in problem.hidden or z in problem.selected:
            continue
        keep = nx.ancestors(gbd, y) | nx.ancestors(gbd, z) | {y, z}
        adj = moral_graph(gbd, keep)
        w = minimal_separator(adj, [y], [z], {v for v in keep if v not in unusable})
        if w is None or w & below_y or x in w:
            continue
        if not nx.is_d_separator(gbd, {x}, {z}, set(w)):
            out.append((z, sorted(w)))
    return out
