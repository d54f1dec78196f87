"""Grading against the engine: any valid answer is accepted, because the answer key is the
engine's own computation on the scenario's graph (identification, d-separation) or its
generating equations (the true effect), never a stored string.

Answers are JSON-plain so a room can store them and a link can carry them:

============== ===================================================================
adjust_one     a list of node names, or ``None`` for "no set works"
adjust_all     a list of lists of node names (``[]`` when no set works)
dsep           one of ``exercise.options``
strategy       one of ``exercise.options``
estimate       a number
failing_check  one of ``exercise.options``
============== ===================================================================

Examples
--------
>>> from causal_core.classroom import get_exercise, grade
>>> ex = get_exercise("adjust_one:example:hospital")
>>> grade(ex, ["age", "has_transport"]).correct
True
>>> print(grade(ex, ["age"]).feedback)
Not valid: A biasing path stays open: followup_call <- has_transport -> readmission_risk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..adjustment import is_adjustment_set
from ..dsep import Path, d_separated, implied_independencies, list_paths
from ..exceptions import DataError
from ..identify import Identification, identify
from .exercises import DSEP_OPTIONS, STRATEGIES, Exercise, implication_text

__all__ = ["Grade", "Hint", "answer_key", "grade", "hints", "solution", "valid_strategies"]


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer.

    Attributes
    ----------
    correct : bool
    feedback : str
        Why, in one or two sentences computed from the engine's answer.
    answer : str
        The answer in canonical text (what a room's histogram counts).
    """

    correct: bool
    feedback: str
    answer: str


@dataclass(frozen=True)
class Hint:
    """One step of help: a sentence and what to highlight on the graph."""

    text: str
    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()


@lru_cache(maxsize=512)
def _ident(ex: Exercise) -> Identification:
    s = ex.scenario
    return identify(s.graph, s.treatment, s.outcome, max_sets=None)


def _fmt_set(nodes: Any) -> str:
    return "{" + ", ".join(sorted(nodes)) + "}"


def valid_strategies(ex: Exercise) -> list[str]:
    """The option labels of a strategy exercise that the engine says work."""
    ident = _ident(ex)
    works = {"backdoor": bool(ident.adjustment_sets), "frontdoor": bool(ident.frontdoor_sets),
             "iv": bool(ident.instruments)}
    works["none"] = not any(works.values())
    return [label for label, key in STRATEGIES.items() if works[key]]


def _node_list(ex: Exercise, answer: Any, what: str) -> list[str]:
    if isinstance(answer, str) or not isinstance(answer, list | tuple | set | frozenset):
        raise DataError(f"The answer to {ex.id} must be a list of node names ({what}); got "
                        f"{type(answer).__name__}.")
    g = ex.scenario.graph
    out = []
    for v in answer:
        if not isinstance(v, str) or v not in g:
            raise DataError(f"The answer to {ex.id} names {str(v)[:40]!r}, which is not a node "
                            f"of the graph. Use names from: {', '.join(g.nodes[:15])}.")
        out.append(v)
    return sorted(set(out))


def _option(ex: Exercise, answer: Any) -> str:
    if answer not in ex.options:
        raise DataError(f"The answer to {ex.id} must be one of the options "
                        f"({'; '.join(ex.options)}); got {str(answer)[:60]!r}.")
    return str(answer)


def answer_key(ex: Exercise, answer: Any) -> str:
    """The answer as canonical text (sets sorted), after checking its form.

    Raises
    ------
    DataError
        When the answer has the wrong form for the exercise, or names unknown nodes.
    """
    if ex.kind == "adjust_one":
        return "no set works" if answer is None else _fmt_set(_node_list(ex, answer, "a set"))
    if ex.kind == "adjust_all":
        if isinstance(answer, str) or not isinstance(answer, list | tuple):
            raise DataError(f"The answer to {ex.id} must be a list of sets; got "
                            f"{type(answer).__name__}.")
        sets = sorted({_fmt_set(_node_list(ex, s, "one set")) for s in answer})
        return " | ".join(sets) if sets else "no set works"
    if ex.kind == "estimate":
        if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
            raise DataError(f"The answer to {ex.id} must be a finite number; got {str(answer)[:40]!r}.")
        return f"{float(answer):.6g}"
    return _option(ex, answer)


def grade(ex: Exercise, answer: Any) -> Grade:
    """Grade an answer against the engine.

    Raises
    ------
    DataError
        When the answer has the wrong form (see :func:`answer_key`).
    """
    key = answer_key(ex, answer)
    s, ident = ex.scenario, None
    if ex.kind in ("adjust_one", "adjust_all", "strategy"):
        ident = _ident(ex)
    if ex.kind == "adjust_one":
        return _grade_one(ex, None if answer is None else _node_list(ex, answer, ""), ident, key)
    if ex.kind == "adjust_all":
        given = {tuple(_node_list(ex, z, "")) for z in answer}
        truth = {tuple(z) for z in ident.adjustment_sets}
        if given == truth:
            return Grade(True, f"Right: {_count(truth, 'minimal set')}, all found.", key)
        missing, extra = len(truth - given), len(given - truth)
        return Grade(False, f"Not quite: {missing} minimal set(s) missing and {extra} listed "
                            "that are not minimal valid sets.", key)
    if ex.kind == "dsep":
        sep = d_separated(ex.graph, ex.pair[0], ex.pair[1], list(ex.given))
        ok = (answer == DSEP_OPTIONS[0]) == sep
        why = "every path between them is blocked" if sep else "an open path connects them"
        return Grade(ok, f"{'Right' if ok else 'No'}: {why}.", key)
    if ex.kind == "strategy":
        good = valid_strategies(ex)
        ok = answer in good
        return Grade(ok, f"{'Right' if ok else 'No'}: what works here: {'; '.join(good)}.", key)
    if ex.kind == "estimate":
        assert s.true_effect is not None
        off = abs(float(answer) - s.true_effect)
        ok = off <= ex.tolerance
        return Grade(ok, f"{'Within' if ok else 'Outside'} the tolerance: {off:.3g} from the "
                         f"true effect (allowed ±{ex.tolerance:g}).", key)
    a, b, given = _parse_implication(ex, answer)
    fails = not d_separated(s.graph, a, b, given)
    return Grade(fails, ("Right: the missing arrow opens a path between them, so the data "
                         "reject this independence." if fails else
                         "No: this independence also holds in the real process."), key)


def _count(sets: Any, word: str) -> str:
    return f"{len(sets)} {word}{'' if len(sets) == 1 else 's'}"


def _grade_one(ex: Exercise, z: list[str] | None, ident: Identification, key: str) -> Grade:
    sets = ident.adjustment_sets
    if z is None:
        if not sets:
            return Grade(True, "Right: no observed set blocks every biasing path.", key)
        return Grade(False, f"No: adjusting for {_fmt_set(sets[0])} works.", key)
    if z in sets:
        return Grade(True, f"Right: {_fmt_set(z)} is a minimal valid adjustment set.", key)
    s = ex.scenario
    check = is_adjustment_set(s.graph, s.treatment, s.outcome, z)
    if not check.valid:
        return Grade(False, f"Not valid: {check.reason}", key)
    smaller = next((m for m in sets if set(m) < set(z)), sets[0])
    return Grade(False, f"Valid but not minimal: {_fmt_set(smaller)} is smaller and also works.",
                 key)


def _parse_implication(ex: Exercise, answer: Any) -> tuple[str, str, list[str]]:
    _option(ex, answer)
    for a, b, given in implied_independencies(ex.graph, max_sets=200):
        if implication_text(a, b, given) == answer:
            return a, b, given
    raise DataError(f"The option {answer!r} is not an implication of the drawn graph.")


def _path_edges(p: Path) -> tuple[tuple[str, str], ...]:
    out = []
    for arrow, a, b in zip(p.arrows, p.nodes, p.nodes[1:], strict=False):
        out.append((b, a) if arrow == "<-" else (a, b))
    return tuple(out)


def hints(ex: Exercise) -> list[Hint]:
    """Help in steps: how many biasing paths are open, then one of them highlighted.

    For d-separation the paths are those between the two nodes given the conditioning set;
    for a failing check, the arrow the drawing lacks.
    """
    if ex.kind == "failing_check":
        a, b = ex.missing_edge
        return [Hint("The drawing lacks one arrow of the real process; an implication fails "
                     "when that arrow opens a path between its two variables."),
                Hint(f"The missing arrow is {a} -> {b}: look for implications whose path "
                     "between the two variables runs through it.", (a, b))]
    s = ex.scenario
    if ex.kind == "dsep":
        (a, b), given = ex.pair, list(ex.given)
        every = list_paths(ex.graph, a, b, given)
        paths = [p for p in every if p.open]
        first = f"Given {_fmt_set(given)}, {_count(paths, 'open path')} between {a} and {b}."
        if not paths and every:
            p = every[0]
            return [Hint(first), Hint(f"For example {p.describe()}.", p.nodes, _path_edges(p))]
    else:
        paths = [p for p in list_paths(s.graph, s.treatment, s.outcome) if p.biasing]
        first = (f"Adjusting for nothing, {_count(paths, 'biasing (non-causal, open) path')} "
                 f"from {s.treatment} to {s.outcome}.")
    out = [Hint(first)]
    if paths:
        p = paths[0]
        out.append(Hint(f"One of them: {p.describe().split(':')[0]}.", p.nodes, _path_edges(p)))
    return out


def solution(ex: Exercise) -> str:
    """The engine's answer, in words (shown when the teacher reveals)."""
    if ex.kind in ("adjust_one", "adjust_all"):
        sets = _ident(ex).adjustment_sets
        if not sets:
            return "No observed set blocks every biasing path."
        return "Every minimal adjustment set: " + "; ".join(_fmt_set(z) for z in sets) + "."
    if ex.kind == "dsep":
        sep = d_separated(ex.graph, ex.pair[0], ex.pair[1], list(ex.given))
        return f"{DSEP_OPTIONS[0] if sep else DSEP_OPTIONS[1]}."
    if ex.kind == "strategy":
        return "What works: " + "; ".join(valid_strategies(ex)) + "."
    if ex.kind == "estimate":
        return (f"The true effect is {ex.scenario.true_effect:g}; answers within "
                f"±{ex.tolerance:g} count.")
    fails = [o for o in ex.options if grade(ex, o).correct]
    return "The data should reject: " + "; ".join(fails) + "."
