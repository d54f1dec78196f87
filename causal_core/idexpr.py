"""Expressions in the observed distribution: what the ID algorithm returns, printed and evaluated.

An expression is built from ``P(A | B)`` terms, products, sums over variables and fractions.
It prints as plain text and as LaTeX (node names escaped; a summed variable that is also free
outside its sum is primed, as in the front-door formula), and it evaluates on any joint table of
discrete variables (a numpy array with one axis per variable) to a table over its free
variables, which is how formulas are checked against exact interventional distributions and
how they are estimated from counts.

Examples
--------
>>> e = Sum(frozenset({"z"}), Product((Prob(frozenset({"y"}), frozenset({"x", "z"})),
...                                    Prob(frozenset({"z"}), frozenset()))))
>>> e.plain(), sorted(e.free())
('Σ_{z} P(y | x, z) P(z)', ['x', 'y'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count
from typing import Protocol

import numpy as np

__all__ = ["Expr", "Prob", "Product", "Sum", "Frac", "Table", "Distribution", "TableTooLarge",
           "CellBudget", "spend",
           "marginal", "conditional", "contract", "sum_out", "tex_name", "admg_d_separated"]

Table = tuple[tuple[str, ...], np.ndarray]  # (variables, array with one axis per variable)


class Distribution(Protocol):
    """A distribution that gives its marginals on request (e.g. a factored structural model)."""

    def marginal(self, keep: frozenset, max_cells: Limit = None) -> Table:
        """The marginal table over ``keep`` (:class:`TableTooLarge` beyond ``max_cells``)."""
        ...


Joint = Table | Distribution


class TableTooLarge(ValueError):
    """An evaluation would build a table with more cells than allowed."""


class CellBudget:
    """A bound on what one evaluation may build: cells per table and cells in all.

    Pass it wherever ``max_cells`` is accepted (an int bounds each table only).

    Examples
    --------
    >>> b = CellBudget(per_table=8, total=10)
    >>> b.spend(8); b.used
    8
    >>> b.spend(4)
    Traceback (most recent call last):
    ...
    causal_core.idexpr.TableTooLarge: more than 10 cells in all
    """

    def __init__(self, per_table: int, total: int) -> None:
        self.per_table, self.total, self.used = per_table, total, 0

    def spend(self, cells: int) -> None:
        """Count a table of ``cells`` cells (:class:`TableTooLarge` when over either bound)."""
        if cells > self.per_table:
            raise TableTooLarge(f"a table of {cells} cells (more than {self.per_table})")
        self.used += cells
        if self.used > self.total:
            raise TableTooLarge(f"more than {self.total} cells in all")


Limit = int | CellBudget | None


def spend(limit: Limit, cells: int) -> None:
    """Check a table of ``cells`` cells against ``limit`` (an int bounds each table)."""
    if isinstance(limit, CellBudget):
        limit.spend(cells)
    elif limit is not None and cells > limit:
        raise TableTooLarge(f"a table of {cells} cells (more than {limit})")


def tex_name(name: str) -> str:
    """A node name as LaTeX text (special characters escaped)."""
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
               "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}
    return "\\text{" + "".join(special.get(c, c) for c in name) + "}"


class Expr:
    """Base class of expressions."""

    def free(self) -> frozenset:
        """The free variables."""
        raise NotImplementedError

    def simplify(self) -> Expr:
        """An equivalent, shorter expression."""
        return self

    def plain(self) -> str:
        """The expression as plain text."""
        return self._show({}, False, self.free())

    def latex(self) -> str:
        """The expression in LaTeX."""
        return self._show({}, True, self.free())

    def _show(self, names: dict, tex: bool, outer: frozenset) -> str:
        raise NotImplementedError

    def evaluate(self, joint: Joint, max_cells: Limit = None) -> Table:
        """The expression's value as a table over its free variables.

        ``joint`` is the joint table, or a :class:`Distribution` asked for each marginal.
        Products and sums are contracted by variable elimination, so no table larger than the
        ones the formula itself names is built; ``max_cells`` bounds every table built
        (:class:`TableTooLarge` when one would be larger).
        """
        raise NotImplementedError


def _label(v: str, names: dict, tex: bool) -> str:
    base, primes = names.get(v, (v, 0))
    return (tex_name(base) if tex else base) + "'" * primes


def _vars(vs: Iterable[str], names: dict, tex: bool) -> str:
    return ", ".join(_label(v, names, tex) for v in sorted(vs))


@dataclass(frozen=True)
class Prob(Expr):
    """``P(target | given)`` in the observed distribution."""

    target: frozenset
    given: frozenset

    def free(self) -> frozenset:
        return self.target | self.given

    def _show(self, names, tex, outer):
        bar = r" \mid " if tex else " | "
        inner = _vars(self.target, names, tex) + (bar + _vars(self.given, names, tex)
                                                  if self.given else "")
        return f"P({inner})"

    def evaluate(self, joint, max_cells=None):
        num = _marg(joint, self.target | self.given, max_cells)
        if not self.given:
            return num
        return _divide(num, _marg(joint, self.given, max_cells))


@dataclass(frozen=True)
class Product(Expr):
    """A product of factors."""

    terms: tuple

    def free(self):
        return frozenset().union(*(t.free() for t in self.terms))

    def simplify(self):
        flat: list[Expr] = []
        for t in (t.simplify() for t in self.terms):
            flat.extend(t.terms if isinstance(t, Product) else [t])
        return flat[0] if len(flat) == 1 else Product(tuple(flat))

    def _show(self, names, tex, outer):
        sep = r"\, " if tex else " "
        outer = outer | self.free()
        parts = []
        for i, t in enumerate(self.terms):
            text = t._show(names, tex, outer)
            if isinstance(t, Sum) and i < len(self.terms) - 1:  # a sum in the middle: bracket it
                text = rf"\left({text}\right)" if tex else f"[{text}]"
            parts.append(text)
        return sep.join(parts)

    def evaluate(self, joint, max_cells=None):
        tables = [t.evaluate(joint, max_cells) for t in self.terms]
        return contract(tables, self.free(), max_cells)


@dataclass(frozen=True)
class Sum(Expr):
    """``Σ_over body``."""

    over: frozenset
    body: Expr

    def free(self):
        return self.body.free() - self.over

    def simplify(self):
        body = self.body.simplify()
        over = self.over & body.free()
        if not over:
            return body
        if isinstance(body, Sum):
            return Sum(over | body.over, body.body)
        if isinstance(body, Prob) and over <= body.target:
            return Prob(body.target - over, body.given)
        return Sum(over, body)

    def _show(self, names, tex, outer):
        names = dict(names)
        for v in self.over:  # a bound variable also free outside is primed
            if v in outer:
                base, primes = names.get(v, (v, 0))
                names[v] = (base, primes + 1)
        body = self.body._show(names, tex, outer)
        idx = _vars(self.over, names, tex)
        return (rf"\sum_{{{idx}}} {body}" if tex else f"Σ_{{{idx}}} {body}")

    def evaluate(self, joint, max_cells=None):
        keep = self.free()
        if isinstance(self.body, Product):  # eliminate the summed variables one by one
            tables = [t.evaluate(joint, max_cells) for t in self.body.terms]
            return contract(tables, keep, max_cells)
        return contract([self.body.evaluate(joint, max_cells)], keep, max_cells)


@dataclass(frozen=True)
class Frac(Expr):
    """``num / den``."""

    num: Expr
    den: Expr

    def free(self):
        return self.num.free() | self.den.free()

    def simplify(self):
        num, den = self.num.simplify(), self.den.simplify()
        if isinstance(num, Prob) and isinstance(den, Prob) and not num.given and not den.given \
                and den.target < num.target:
            return Prob(num.target - den.target, den.target)
        return Frac(num, den)

    def _show(self, names, tex, outer):
        a, b = self.num._show(names, tex, outer), self.den._show(names, tex, outer)
        return rf"\frac{{{a}}}{{{b}}}" if tex else f"[{a}] / [{b}]"

    def evaluate(self, joint, max_cells=None):
        num, den = self.num.evaluate(joint, max_cells), self.den.evaluate(joint, max_cells)
        spend(max_cells, _cells(num, den))
        return _divide(num, den)


def marginal(p: Expr, over: Iterable[str]) -> Expr:
    """``Σ_over p``, simplified when ``p`` is a plain probability."""
    over = frozenset(over) & p.free()
    if not over:
        return p
    if isinstance(p, Prob) and over <= p.target:
        return Prob(p.target - over, p.given)
    return Sum(over, p)


def conditional(p: Expr, v: frozenset, target: frozenset, given: frozenset) -> Expr:
    """``p(target | given)`` for a distribution ``p`` over ``v`` (its other free variables fixed)."""
    if isinstance(p, Prob) and p.target == v:
        return Prob(target, given | p.given)
    return Frac(marginal(p, v - target - given), marginal(p, v - given))


# ---------------------------------------------------------------------------------- tables
def _marg(joint: Joint, keep: frozenset, max_cells: Limit = None) -> Table:
    if not isinstance(joint, tuple):
        return joint.marginal(frozenset(keep), max_cells)
    return sum_out(joint, keep)


def sum_out(table: Table, keep: Iterable) -> Table:
    """The table summed over every variable not in ``keep`` (the others keep their order).

    Binary axes are summed by adding the two halves, last axis first: numpy's multi-axis
    ``sum`` is 5–20× slower on many interleaved axes of length 2.

    Examples
    --------
    >>> sum_out((("a", "b"), np.array([[1.0, 2.0], [3.0, 4.0]])), {"b"})[1].tolist()
    [4.0, 6.0]
    """
    vs, arr = table
    keep = frozenset(keep)
    for ax in reversed(range(len(vs))):
        if vs[ax] in keep:
            continue
        if arr.shape[ax] == 2:
            head = (slice(None),) * ax
            arr = arr[head + (0,)] + arr[head + (1,)]
        else:
            arr = arr.sum(axis=ax)
    return tuple(v for v in vs if v in keep), np.asarray(arr)


_SMALL = 4096  # below this many cells in all, a product is contracted in one step
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _cells(*tables: Table) -> int:
    dims = {v: d for vs, arr in tables for v, d in zip(vs, arr.shape, strict=True)}
    return math.prod(dims.values())


def _einsum(tables: list[Table], out: tuple) -> Table:
    """The product of ``tables`` summed down to the variables ``out``.

    More than two tables are multiplied pairwise, smallest first (numpy's single einsum over
    many operands loops over every cell once per operand, several times slower), and the
    summation happens in the last step.
    """
    names = list(dict.fromkeys(v for vs, _ in tables for v in vs))
    if len(names) > len(_LETTERS):
        raise TableTooLarge(f"a product over {len(names)} variables")
    letter = {v: _LETTERS[i] for i, v in enumerate(names)}

    def call(parts: list[Table], to: tuple) -> Table:
        spec = ",".join("".join(letter[v] for v in vs) for vs, _ in parts)
        return to, np.einsum(spec + "->" + "".join(letter[v] for v in to), *(a for _, a in parts))

    if len(tables) <= 2:
        return call(tables, out)
    order = sorted(tables, key=lambda t: t[1].size)
    acc = order[0]
    for t in order[1:-1]:
        acc = call([acc, t], tuple(dict.fromkeys(acc[0] + t[0])))
    return call([acc, order[-1]], out)


def contract(tables: list[Table], keep: Iterable, max_cells: Limit = None) -> Table:
    """Σ over every variable not in ``keep`` of the product of ``tables``.

    Variable elimination: the variable whose elimination builds the smallest table goes first
    (ties broken by name, so the order is reproducible), and only the tables that hold it are
    multiplied. The result is the same as multiplying everything and summing at the end, but
    the largest table built is usually far smaller. ``max_cells`` bounds every table built
    (:class:`TableTooLarge`).

    Examples
    --------
    >>> a = (("x", "z"), np.array([[0.1, 0.2], [0.3, 0.4]]))
    >>> b = (("z",), np.array([1.0, 2.0]))
    >>> contract([a, b], {"x"})[1].round(2).tolist()
    [0.5, 1.1]
    """
    keep = frozenset(keep)
    tabs = {i: (tuple(vs), arr) for i, (vs, arr) in enumerate(tables)}
    dims = {v: d for vs, arr in tabs.values() for v, d in zip(vs, arr.shape, strict=True)}
    if math.prod(dims.values()) <= _SMALL:  # small: one einsum over everything is cheapest
        spend(max_cells, math.prod(dims.values()))
        return _einsum(list(tabs.values()), tuple(v for v in dims if v in keep))
    holding: dict = {v: set() for v in dims}  # variable -> ids of the tables that hold it
    for i, (vs, _) in tabs.items():
        for v in vs:
            holding[v].add(i)
    rank = {v: k for k, v in enumerate(sorted(set(dims) - keep, key=repr))}

    def cost(v) -> tuple[int, tuple]:
        union = tuple(dict.fromkeys(u for i in sorted(holding[v]) for u in tabs[i][0] if u != v))
        return math.prod(dims[u] for u in union), union

    costs = {v: cost(v) for v in rank}
    new_id = len(tabs)
    while costs:  # eliminate the cheapest variable; only its neighbours' costs change
        v = min(costs, key=lambda u: (costs[u][0], rank[u]))
        cells, union = costs.pop(v)
        spend(max_cells, cells)
        group = [tabs.pop(i) for i in sorted(holding.pop(v))]
        for vs, _ in group:
            for u in vs:
                if u != v:
                    holding[u] -= {i for i in holding[u] if i not in tabs}
        tabs[new_id] = _einsum(group, union)
        for u in union:
            holding[u].add(new_id)
            if u in costs:
                costs[u] = cost(u)
        new_id += 1
    work = [tabs[i] for i in sorted(tabs)]
    out = tuple(dict.fromkeys(v for vs, _ in work for v in vs))
    cells = math.prod(dims[v] for v in out)
    spend(max_cells, cells)
    if len(work) == 1:
        return sum_out(work[0], out)
    return _einsum(work, out)


def _align(a: Table, b: Table) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    va, xa = a
    vb, xb = b
    union = tuple(va) + tuple(v for v in vb if v not in va)
    letters = {v: chr(ord("a") + i) if i < 26 else chr(ord("A") + i - 26)
               for i, v in zip(count(), union, strict=False)}

    def expand(vs: tuple, x: np.ndarray) -> np.ndarray:
        src = "".join(letters[v] for v in vs)
        dst = "".join(letters[v] for v in union if v in vs)
        y = np.einsum(f"{src}->{dst}", x) if src != dst else x
        shape = [y.shape[dst.index(letters[v])] if v in vs else 1 for v in union]
        return y.reshape(shape)

    return union, expand(va, xa), expand(vb, xb)


def _multiply(a: Table, b: Table) -> Table:
    union, xa, xb = _align(a, b)
    return union, xa * xb


def _divide(a: Table, b: Table) -> Table:
    union, xa, xb = _align(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(xb > 0, xa / np.where(xb > 0, xb, 1.0), np.nan)
    return union, out


def admg_d_separated(g, ys: Iterable[str], ws: Iterable[str], zs: Iterable[str], *,
                     bar: Iterable[str] = (), underline: Iterable[str] = ()) -> bool:
    """d-separation in an ADMG with edges into ``bar`` and out of ``underline`` removed."""
    import networkx as nx

    bar, underline = set(bar), set(underline)
    dag = nx.DiGraph()
    dag.add_nodes_from(g.nodes)
    for v in g.nodes:
        if v in bar:
            continue
        for p in g.parents[v]:
            if p not in underline:
                dag.add_edge(p, v)
        for s in g.spouses[v]:
            if s not in bar and v < s:
                dag.add_edge(("<->", v, s), v)
                dag.add_edge(("<->", v, s), s)
    return nx.is_d_separator(dag, set(ys), set(ws), set(zs))
