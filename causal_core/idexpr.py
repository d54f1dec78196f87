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

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count

import numpy as np

__all__ = ["Expr", "Prob", "Product", "Sum", "Frac", "Table", "marginal", "conditional",
           "tex_name", "admg_d_separated"]

Table = tuple[tuple[str, ...], np.ndarray]  # (variables, array with one axis per variable)


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

    def evaluate(self, joint: Table) -> Table:
        """The expression's value as a table over its free variables, given the joint table."""
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

    def evaluate(self, joint):
        num = _marg(joint, self.target | self.given)
        if not self.given:
            return num
        return _divide(num, _marg(joint, self.given))


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

    def evaluate(self, joint):
        out = self.terms[0].evaluate(joint)
        for t in self.terms[1:]:
            out = _multiply(out, t.evaluate(joint))
        return out


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

    def evaluate(self, joint):
        vs, arr = self.body.evaluate(joint)
        axes = tuple(i for i, v in enumerate(vs) if v in self.over)
        return tuple(v for v in vs if v not in self.over), arr.sum(axis=axes)


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

    def evaluate(self, joint):
        return _divide(self.num.evaluate(joint), self.den.evaluate(joint))


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
def _marg(joint: Table, keep: frozenset) -> Table:
    vs, arr = joint
    axes = tuple(i for i, v in enumerate(vs) if v not in keep)
    return tuple(v for v in vs if v in keep), arr.sum(axis=axes)


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
