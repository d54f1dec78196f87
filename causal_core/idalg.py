"""General identification: the ID and IDC algorithms of Shpitser & Pearl (2006) on the mixed graph.

Latent nodes are projected out first (Verma 1993): the algorithm runs on the ADMG over the
observed nodes, with ``a -> b`` when a directed path from ``a`` to ``b`` passes through latent
nodes only and ``a <-> b`` when a latent node (or a bidirected edge) reaches both that way.
The answer is an expression (:mod:`causal_core.idexpr`) in the observed distribution, with the
derivation, one line per step of the algorithm; when the effect is not identifiable the
algorithm stops at a hedge, whose nodes are returned so the editor can highlight them (the ID
algorithm is complete: a hedge proves no formula exists; Shpitser & Pearl 2006, Theorem 4).

Examples
--------
>>> import causal_core as cc
>>> g = cc.CausalGraph.parse("x -> m -> y; x <-> y")
>>> res = id_algorithm(g, ["x"], ["y"])
>>> res.identified, res.expression.plain()
(True, "Σ_{m} P(m | x) Σ_{x'} P(x') P(y | m, x')")
>>> id_algorithm(cc.CausalGraph.parse("x -> y; x <-> y"), ["x"], ["y"]).hedge
('x', 'y')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .exceptions import IdentificationError
from .gindex import graph_index
from .graph import CausalGraph
from .idexpr import Expr, Frac, Prob, Product, Sum, conditional, marginal

__all__ = ["ADMG", "IDResult", "id_algorithm", "project", "prune_conditionals"]


@dataclass(frozen=True)
class ADMG:
    """An acyclic directed mixed graph over observed nodes (names), with a topological order."""

    nodes: tuple[str, ...]                       # topological order
    parents: dict[str, frozenset]
    spouses: dict[str, frozenset]

    def sub(self, keep: Iterable[str]) -> ADMG:
        """The induced subgraph."""
        keep = frozenset(keep)
        return ADMG(tuple(v for v in self.nodes if v in keep),
                    {v: self.parents[v] & keep for v in keep},
                    {v: self.spouses[v] & keep for v in keep})

    def ancestors(self, seeds: Iterable[str]) -> frozenset:
        """Ancestors of ``seeds`` (included)."""
        seen = set(seeds)
        stack = list(seen)
        while stack:
            for p in self.parents[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return frozenset(seen)

    def districts(self) -> list[frozenset]:
        """The c-components (connected through bidirected edges), in topological order."""
        seen: set[str] = set()
        out: list[frozenset] = []
        for v in self.nodes:
            if v in seen:
                continue
            comp, stack = {v}, [v]
            while stack:
                for s in self.spouses[stack.pop()]:
                    if s not in comp:
                        comp.add(s)
                        stack.append(s)
            seen |= comp
            out.append(frozenset(comp))
        return out

    def without_in(self, xs: frozenset) -> ADMG:
        """The graph with every edge into ``xs`` removed (G with X barred)."""
        return ADMG(self.nodes, {v: (frozenset() if v in xs else p) for v, p in self.parents.items()},
                    {v: (frozenset() if v in xs else s - xs) for v, s in self.spouses.items()})


def project(graph: CausalGraph) -> ADMG:
    """The latent projection of ``graph`` onto its observed nodes."""
    ix = graph_index(graph)
    hidden = ix.hidden
    reach: dict[int, frozenset] = {}

    def down(u: int) -> frozenset:  # observed nodes reached from u through latent nodes only
        if u not in reach:
            out: set[int] = set()
            for c in ix.children[u]:
                out |= {c} if c not in hidden else down(c)
            reach[u] = frozenset(out)
        return reach[u]

    obs = [v for v in graph.topological_order() if ix.ids[v] not in hidden]
    parents: dict[str, set] = {v: set() for v in obs}
    spouses: dict[str, set] = {v: set() for v in obs}
    for v in obs:
        for c in down(ix.ids[v]):
            parents[ix.names[c]].add(v)
    for u in hidden:
        kids = sorted(down(u))
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                spouses[ix.names[a]].add(ix.names[b])
                spouses[ix.names[b]].add(ix.names[a])
    return ADMG(tuple(obs), {v: frozenset(p) for v, p in parents.items()},
                {v: frozenset(s) for v, s in spouses.items()})


@dataclass(frozen=True)
class IDResult:
    """What the ID (or IDC) algorithm found.

    Attributes
    ----------
    identified : bool
    expression : Expr or None
        P(y | do(x)[, z]) as an expression in the observed distribution.
    steps : tuple of str
        The derivation, one line per step of the algorithm.
    hedge : tuple of str
        When not identifiable: the nodes of the hedge (the larger c-forest F).
    hedge_inner : tuple of str
        The smaller c-forest F' of the hedge (no treatment in it).
    """

    identified: bool
    treatment: tuple[str, ...]
    outcome: tuple[str, ...]
    given: tuple[str, ...] = ()
    expression: Expr | None = None
    steps: tuple[str, ...] = ()
    hedge: tuple[str, ...] = ()
    hedge_inner: tuple[str, ...] = ()


class _Hedge(Exception):
    def __init__(self, f: frozenset, f_inner: frozenset) -> None:
        super().__init__("hedge")
        self.f, self.f_inner = f, f_inner


@dataclass
class _Run:
    order: tuple[str, ...]
    steps: list[str] = field(default_factory=list)

    def note(self, depth: int, text: str) -> None:
        self.steps.append("  " * depth + text)

    def id(self, y: frozenset, x: frozenset, p: Expr, g: ADMG, depth: int = 0) -> Expr:
        v = frozenset(g.nodes)
        if not x:  # line 1
            self.note(depth, f"Line 1: no intervention left; marginalise to {_s(y)}.")
            return marginal(p, v - y)
        an_y = g.ancestors(y)
        if an_y != v:  # line 2
            self.note(depth, f"Line 2: only ancestors of {_s(y)} matter; drop {_s(v - an_y)}.")
            return self.id(y, x & an_y, marginal(p, v - an_y), g.sub(an_y), depth + 1)
        w = (v - x) - g.without_in(x).ancestors(y)
        if w:  # line 3
            self.note(depth, f"Line 3: {_s(w)} cannot affect {_s(y)} once {_s(x)} is set; "
                             "intervene on them too.")
            return self.id(y, x | w, p, g, depth + 1)
        rest = g.sub(v - x)
        parts = rest.districts()
        if len(parts) > 1:  # line 4
            self.note(depth, "Line 4: the graph without the treatment splits into c-components "
                             + ", ".join(_s(s) for s in parts) + "; identify each.")
            terms = [self.id(s, v - s, p, g, depth + 1) for s in parts]
            return marginal(Product(tuple(terms)), v - (y | x))
        (s,) = parts
        whole = g.districts()
        if len(whole) == 1:  # line 5
            self.note(depth, f"Line 5: hedge: {_s(v)} and {_s(s)} are both c-components; "
                             "not identifiable.")
            raise _Hedge(v, s)
        if s in whole:  # line 6
            self.note(depth, f"Line 6: {_s(s)} is a c-component of the graph: its factor is a "
                             "product of conditionals.")
            return marginal(self._factor(p, s, v), s - y)
        big = next(c for c in whole if s < c)  # line 7
        self.note(depth, f"Line 7: {_s(s)} lies inside the c-component {_s(big)}; recurse there.")
        return self.id(y, x & big, self._factor(p, big, v), g.sub(big), depth + 1)

    def _factor(self, p: Expr, s: frozenset, v: frozenset) -> Expr:
        """Π over s (topological order) of P(v_i | its predecessors in v), from ``p``."""
        order = [u for u in self.order if u in v]
        terms = []
        for i, u in enumerate(order):
            if u in s:
                terms.append(conditional(p, v, frozenset([u]), frozenset(order[:i])))
        return Product(tuple(terms)) if len(terms) > 1 else terms[0]


def _s(nodes: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(nodes)) + "}"


def id_algorithm(graph: CausalGraph, treatment: Iterable[str], outcome: Iterable[str],
                 given: Iterable[str] = ()) -> IDResult:
    """Identify P(outcome | do(treatment)[, given]) with ID (IDC when ``given`` is not empty).

    Raises
    ------
    IdentificationError
        A node is latent, unknown, or in two of the roles.
    """
    xs, ys, zs = frozenset(treatment), frozenset(outcome), frozenset(given)
    for v in xs | ys | zs:
        if v not in graph or not graph.is_observed(v):
            raise IdentificationError(f"{v!r} must be an observed node of the graph for ID.")
    if (xs & ys) or (xs & zs) or (ys & zs):
        raise IdentificationError("Treatment, outcome and conditioning nodes must not overlap.")
    g = project(graph)
    run = _Run(g.nodes)
    full = Prob(frozenset(g.nodes), frozenset())
    try:
        if zs:
            expr = _idc(run, ys, xs, zs, full, g)
        else:
            expr = run.id(ys, xs, full, g)
    except _Hedge as h:
        return IDResult(False, tuple(sorted(xs)), tuple(sorted(ys)), tuple(sorted(zs)),
                        steps=tuple(run.steps), hedge=tuple(sorted(h.f)),
                        hedge_inner=tuple(sorted(h.f_inner)))
    expr = expr.simplify()
    shorter = prune_conditionals(graph, expr)
    if shorter != expr:
        run.note(0, "Each conditional keeps only the conditioning variables it is not "
                    "d-separated from by the others (the rest drop out of P(· | ·)).")
    return IDResult(True, tuple(sorted(xs)), tuple(sorted(ys)), tuple(sorted(zs)),
                    expression=shorter, steps=tuple(run.steps))


def prune_conditionals(graph: CausalGraph, expr: Expr) -> Expr:
    """``expr`` with each ``P(A | B)`` shortened to ``P(A | B')`` where the graph implies it.

    Every ``Prob`` in an ID expression is a conditional of the observed distribution, so a
    conditioning variable ``b`` may go when ``A`` and ``b`` are d-separated given the rest of
    ``B`` in the graph (latents explicit); variables are tried in topological order, each
    removal conditional on the ones kept so far (so the chain of equalities holds). If a
    summed variable would vanish from its sum's body, the expression is returned unchanged.

    Examples
    --------
    >>> import causal_core as cc
    >>> g = cc.CausalGraph.parse("a -> b -> c")
    >>> prune_conditionals(g, Prob(frozenset({"c"}), frozenset({"a", "b"}))).plain()
    'P(c | b)'
    """
    ix = graph_index(graph)
    rank = {v: i for i, v in enumerate(graph.topological_order())}
    seen: dict[Prob, Prob] = {}

    def prob(p: Prob) -> Prob:
        if p not in seen:
            target = ix.to_ids(p.target)
            given = set(p.given)
            for b in sorted(p.given, key=rank.__getitem__):
                rest = ix.to_ids(given - {b})
                if ix.d_separated(target, {ix.ids[b]}, rest):
                    given.discard(b)
            seen[p] = Prob(p.target, frozenset(given))
        return seen[p]

    ok = True

    def walk(e: Expr) -> Expr:
        nonlocal ok
        if isinstance(e, Prob):
            return prob(e) if e.given else e
        if isinstance(e, Sum):
            body = walk(e.body)
            ok = ok and e.over <= body.free()
            return Sum(e.over, body)
        if isinstance(e, Product):
            return Product(tuple(walk(t) for t in e.terms))
        if isinstance(e, Frac):
            return Frac(walk(e.num), walk(e.den))
        return e

    out = walk(expr)
    return out if ok else expr


def _idc(run: _Run, y: frozenset, x: frozenset, z: frozenset, p: Expr, g: ADMG) -> Expr:
    """IDC: move a conditioning node into the intervention when rule 2 allows, else divide."""
    from .idexpr import admg_d_separated

    for w in sorted(z):
        if admg_d_separated(g, y, {w}, x | (z - {w}), bar=x, underline={w}):
            run.note(0, f"IDC: {w} ⊥ {_s(y)} given the rest once {_s(x)} is set and {w}'s "
                        f"out-edges are cut: condition on it by intervening (rule 2).")
            return _idc(run, y, x | {w}, z - {w}, p, g)
    run.note(0, f"IDC: identify P({_s(y | z)} | do({_s(x)})), then condition on {_s(z)}.")
    joint = run.id(y | z, x, p, g, 1)
    return Frac(joint, marginal(joint, y))


