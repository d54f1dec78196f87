"""Front-door sets and instrumental variables: identification when back-door adjustment fails.

Front-door (Pearl 1995; in the set form of Jeong, Tian & Bareinboim 2022): a set M of observed
nodes satisfies the front-door criterion for X → Y when (i) M intercepts every directed path
from X to Y, (ii) X ⊥ M in the graph without X's outgoing edges (no open back-door path from X
to M) and (iii) M ⊥ Y | X in the graph without M's outgoing edges (X blocks every back-door
path from M to Y). Whether a front-door set Z with ``I ⊆ Z ⊆ R`` exists is decided in linear
time by the algorithm of Wienöbst, van der Zander & Liśkiewicz (AAAI 2024): remove from ``R``
the nodes with an open back-door path from X (condition ii, one Bayes-ball walk), then the nodes
a modified Bayes-ball walk from Y reaches (condition iii, a node's out-edges are followed only
once the node itself is excluded); the remainder is the largest front-door set if it cuts every
causal path. Minimal sets are listed by branching on each candidate (left out first), pruning
every branch that the linear test rejects or that already holds a smaller set found earlier.

Instruments follow DAGitty's ancestral instruments (van der Zander, Textor & Liśkiewicz 2015):
in the proper back-door graph with mediators unusable, W is the minimal set closest to Y that
separates Y from Z; Z is an instrument given W when W holds no descendant of Y and not X, and
Z stays d-connected to X given W.
"""

from __future__ import annotations

from .adjustment import AdjustmentProblem
from .separators import minimal_separator

__all__ = ["frontdoor_sets", "is_frontdoor_set", "instruments", "FRONTDOOR_BUDGET"]

#: How many steps (node visits of the linear-time test) the listing of minimal front-door sets
#: may take before it stops and says so. Finding whether one exists, and the first minimal
#: set, costs at most twice the number of candidates in tests, far below this.
FRONTDOOR_BUDGET = 50_000


class _FrontDoor:
    """The linear-time front-door test of Wienöbst, van der Zander & Liśkiewicz (2024)."""

    def __init__(self, problem: AdjustmentProblem) -> None:
        ix = self.ix = problem.ix
        (self.x,), (self.y,) = problem.xs, problem.ys
        self.given = {self.x} | problem.selected
        self.area = ix.ancestors({self.x, self.y} | problem.selected)  # every path that matters
        back = ix.reachable([self.x], problem.selected, no_out={self.x}, within=self.area)
        an_y = ix.ancestors([self.y])
        self.pool = frozenset(v for v in an_y - back - problem.hidden - problem.selected
                              if v not in (self.x, self.y))  # condition (ii) holds for each
        self.work = 0

    def largest(self, allowed: frozenset) -> frozenset:
        """The largest subset of ``allowed`` that satisfies (ii) and (iii) (maybe failing (i))."""
        ix, given, area = self.ix, self.given, self.area
        forbidden = set(area - allowed)
        later: set[int] = set()
        seen: set[tuple[int, bool]] = set()
        stack = [(self.y, False), (self.y, True)]  # (node, arrived going up from a child)
        while stack:
            v, up = stack.pop()
            if (v, up) in seen:
                continue
            seen.add((v, up))
            forbidden.add(v)
            if v not in given:
                stack.extend((c, False) for c in ix.children[v] if c in area)
            if (not up and v in given) or (up and v not in given):
                for p in ix.parents[v]:
                    if p in forbidden:
                        stack.append((p, True))
                    else:
                        later.add(p)
            if v in later:
                stack.append((v, True))
        self.work += len(seen) + 1
        return allowed - forbidden

    def cuts(self, z: frozenset | set) -> bool:
        """Condition (i): every directed path from X to Y passes through ``z``."""
        seen, stack = {self.x}, [self.x]
        while stack:
            for c in self.ix.children[stack.pop()]:
                if c == self.y:
                    return False
                if c not in seen and c not in z:
                    seen.add(c)
                    stack.append(c)
        return True

    def exists(self, include: frozenset, allowed: frozenset) -> bool:
        """Whether some front-door set Z has ``include ⊆ Z ⊆ allowed``."""
        z = self.largest(allowed)
        return include <= z and self.cuts(z)


def is_frontdoor_set(problem: AdjustmentProblem, m: set[int]) -> bool:
    """Pearl's front-door criterion for the set ``m`` of ids (single treatment and outcome)."""
    m = frozenset(m)
    if not m or len(problem.xs) != 1 or len(problem.ys) != 1:
        return False
    fd = _FrontDoor(problem)
    return m <= fd.pool and fd.exists(m, m)


def frontdoor_sets(problem: AdjustmentProblem, max_sets: int = 100) -> tuple[list[list[str]], bool]:
    """All minimal front-door sets (sorted names), smallest first; and whether the listing was cut.

    Deciding whether any exists is linear (one test); each further branch of the listing costs
    one or two linear tests. The listing stops after :data:`FRONTDOOR_BUDGET` steps once at
    least one set is found (the first leaf of the search is always a minimal set).
    """
    if len(problem.treatment) != 1 or len(problem.outcome) != 1 or problem.effect != "total":
        return [], False
    fd = _FrontDoor(problem)
    if not problem.causal_nodes:
        return [], False
    top = fd.largest(fd.pool)
    if not fd.cuts(top):
        return [], False
    order = sorted(top, key=lambda v: str(fd.ix.names[v]))
    found: list[frozenset] = []
    cut = False
    stack: list[tuple[frozenset, frozenset, int]] = [(frozenset(), frozenset(top), 0)]
    while stack:
        if fd.work >= FRONTDOOR_BUDGET and found:
            cut = True
            break
        inc, allowed, k = stack.pop()
        if any(f <= inc for f in found):
            continue
        allowed = fd.largest(allowed)  # every front-door set inside lies inside this one
        if not (inc <= allowed and fd.cuts(allowed)):
            continue
        if inc and fd.cuts(inc) and fd.largest(inc) == inc:  # inc itself is a front-door set
            found.append(inc)
            if len(found) >= max_sets:
                cut = bool(stack)
                break
            continue
        while k < len(order) and (order[k] not in allowed or order[k] in inc):
            k += 1
        if k == len(order):
            continue
        v = order[k]
        stack.append((inc | {v}, allowed, k + 1))   # popped second
        stack.append((inc, allowed - {v}, k + 1))   # left out first: subsets come first
    names = [fd.ix.to_names(f) for f in found]
    return sorted(names, key=lambda s: (len(s), s)), cut


def instruments(problem: AdjustmentProblem) -> list[tuple[str, list[str]]]:
    """Instruments for a single treatment and outcome, each with its conditioning set."""
    if len(problem.xs) != 1 or len(problem.ys) != 1 or problem.effect != "total":
        return []
    ix, cut = problem.ix, problem.cut_in
    (x,), (y,) = problem.xs, problem.ys
    an_y = ix.ancestors([y], cut)
    mediators = (ix.descendants([x]) & ix.ancestors([y])) - {x, y}
    unusable = problem.hidden | mediators
    below_y = _below(problem, y) | {y}
    base = ix.moral(an_y, cut)
    out: list[tuple[str, list[str]]] = []
    reach: dict[frozenset, set[int]] = {}  # nodes d-connected to x given W, per distinct W
    for z in range(ix.n_named):
        if z in (x, y) or z in problem.hidden or z in problem.selected or z in below_y:
            continue
        keep, adj = an_y, base
        if z not in an_y:
            keep, adj = _extend(problem, an_y, base, z)
        w = minimal_separator(adj, [y], [z], {v for v in keep if v not in unusable})
        if w is None or w & below_y or x in w:
            continue
        if w not in reach:
            reach[w] = ix.reachable([x], w, cut_in=cut)
        if z in reach[w]:
            out.append((ix.names[z], ix.to_names(w)))
    return out


def _below(problem: AdjustmentProblem, y: int) -> set[int]:
    """Descendants of y in the back-door graph (edges cut only into y's causal children)."""
    ix, cut = problem.ix, problem.cut_in
    seen, stack = {y}, [y]
    while stack:
        v = stack.pop()
        for c in ix.children[v]:
            if c not in seen and not (c in cut and v in cut[c]):
                seen.add(c)
                stack.append(c)
    return seen - {y}


def _extend(problem: AdjustmentProblem, an_y: set[int], base: dict, z: int) -> tuple[set, dict]:
    """The ancestral set of {y, z} and its moral graph, grown from that of {y}."""
    ix, cut = problem.ix, problem.cut_in
    extra = ix.ancestors([z], cut, avoid=an_y) - an_y
    keep = an_y | extra
    adj = dict(base)
    touched: set[int] = set()

    def link(a: int, b: int) -> None:
        for u, v in ((a, b), (b, a)):
            if u not in touched:
                adj[u] = set(adj.get(u, ()))
                touched.add(u)
            adj[u].add(v)

    for v in extra:
        adj.setdefault(v, set())
        ps = [p for p in ix._pa(v, cut, frozenset()) if p in keep]
        for i, p in enumerate(ps):
            link(v, p)
            for q in ps[i + 1:]:
                link(p, q)
    return keep, adj
