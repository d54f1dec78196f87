"""Exercises built on the shipped scenarios, one per (kind, scenario) that makes sense.

Six kinds climb the ladder: find one minimal adjustment set, find every one, answer a
d-separation question, choose the identification strategy, estimate a known effect within a
tolerance, and spot the implication (check) of a wrongly drawn graph that the data should
reject. The question is fixed here (which pair, which conditioning set, which arrow is missing);
the answer never is: :mod:`causal_core.classroom.grading` asks the engine.

Examples
--------
>>> from causal_core.classroom.exercises import get_exercise, list_exercises
>>> kinds = {e.kind for e in list_exercises()}
>>> sorted(kinds)
['adjust_all', 'adjust_one', 'dsep', 'estimate', 'failing_check', 'strategy']
>>> get_exercise("adjust_one:example:marketing").prompt[:40]
'Find a minimal set of variables to adjus'
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np

from ..datasets import list_examples
from ..dsep import d_separated, implied_independencies
from ..exceptions import DataError
from ..graph import CausalGraph
from .scenarios import Scenario, list_scenarios

__all__ = ["KINDS", "STRATEGIES", "Exercise", "get_exercise", "list_exercises", "implication_text"]

#: The exercise kinds, easiest first, with their short names.
KINDS: dict[str, str] = {
    "adjust_one": "Find a minimal adjustment set",
    "adjust_all": "Find every minimal adjustment set",
    "dsep": "d-separation",
    "strategy": "Choose the identification strategy",
    "estimate": "Estimate a known effect",
    "failing_check": "Spot the check that should fail",
}
#: Options of a strategy exercise (label -> engine strategy).
STRATEGIES: dict[str, str] = {
    "back-door adjustment": "backdoor", "front-door formula": "frontdoor",
    "instrumental variable": "iv", "not identifiable (by these three)": "none",
}
DSEP_OPTIONS = ("yes: d-separated", "no: d-connected")
#: Relative tolerance of estimate exercises: within 15% of the true effect counts.
ESTIMATE_TOLERANCE = 0.15
#: Most implications offered in a failing-check exercise.
MAX_CHECK_OPTIONS = 8


@dataclass(frozen=True)
class Exercise:
    """One question on one scenario.

    Attributes
    ----------
    id : str
        ``<kind>:<scenario id>``, stable across versions (links and rooms store it).
    kind : str
        A key of :data:`KINDS`.
    scenario : Scenario
    graph : CausalGraph
        The graph shown to the student (for ``failing_check``: the analyst's wrong drawing).
    prompt : str
        The question in words.
    options : tuple of str
        The choices, for choice kinds (``dsep``, ``strategy``, ``failing_check``).
    pair, given : tuple of str
        ``dsep``: the two nodes asked about and the conditioning set.
    missing_edge : tuple of str
        ``failing_check``: the arrow of the real process the drawing lacks.
    tolerance : float
        ``estimate``: the largest accepted distance from the true effect.
    """

    id: str
    kind: str
    scenario: Scenario
    graph: CausalGraph
    prompt: str
    options: tuple[str, ...] = ()
    pair: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    missing_edge: tuple[str, ...] = ()
    tolerance: float = 0.0

    @property
    def title(self) -> str:
        """Kind and scenario in a few words."""
        return f"{KINDS[self.kind]}: {self.scenario.title}"


def implication_text(a: str, b: str, given: list[str] | tuple[str, ...]) -> str:
    """An implication as text, e.g. ``'a ⊥⊥ c | b'``."""
    return f"{a} ⊥⊥ {b}" + (f" | {', '.join(given)}" if given else "")


def _rng(sid: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(sid.encode("utf-8")))


def _adjust(s: Scenario) -> list[Exercise]:
    q = f"the effect of {s.treatment} on {s.outcome}"
    one = (f"Find a minimal set of variables to adjust for to estimate {q}. Any minimal valid "
           "set counts; the empty set is an answer, and so is 'no set works'.")
    every = (f"List every minimal adjustment set for {q} (one per line); write nothing if no "
             "set works.")
    return [Exercise(f"adjust_one:{s.id}", "adjust_one", s, s.graph, one),
            Exercise(f"adjust_all:{s.id}", "adjust_all", s, s.graph, every)]


def _dsep(s: Scenario) -> Exercise | None:
    g = s.graph
    observed = [v for v in g.nodes if g.is_observed(v)]
    pairs = [(a, b) for a, b in combinations(observed, 2) if not g.adjacent(a, b)]
    if not pairs:
        return None
    rng = _rng(s.id)
    want = bool(zlib.crc32(s.id.encode()) % 2)  # alternate yes and no across scenarios
    tried = []
    for i in rng.permutation(len(pairs))[:20]:
        a, b = pairs[int(i)]
        rest = [v for v in observed if v not in (a, b)]
        k = int(rng.integers(0, min(2, len(rest)) + 1))
        given = tuple(sorted(str(v) for v in rng.choice(rest, size=k, replace=False))) if k else ()
        tried.append((a, b, given))
        if d_separated(g, a, b, list(given)) == want:
            break
    a, b, given = tried[-1]
    cond = f" given {{{', '.join(given)}}}" if given else " given nothing (the empty set)"
    return Exercise(f"dsep:{s.id}", "dsep", s, g,
                    f"Are {a} and {b} d-separated{cond}?", DSEP_OPTIONS, (a, b), given)


def _strategy(s: Scenario) -> Exercise:
    return Exercise(f"strategy:{s.id}", "strategy", s, s.graph,
                    f"How can the effect of {s.treatment} on {s.outcome} be identified from "
                    "observed data? Any strategy that works counts.", tuple(STRATEGIES))


def _estimate(s: Scenario) -> Exercise | None:
    info = next((i for i in list_examples() if i.name == s.example), None)
    if info is None or s.true_effect is None or "synthetic" not in info.tags:
        return None
    tol = float(f"{ESTIMATE_TOLERANCE * abs(s.true_effect):.2g}")
    return Exercise(f"estimate:{s.id}", "estimate", s, s.graph,
                    f"Load the example '{info.name}' (its default {info.n_rows:,} rows, seed 0) "
                    f"and estimate the average effect of {s.treatment} on {s.outcome}. "
                    f"An answer within ±{tol:g} of the true effect counts.", tolerance=tol)


def _failing_check(s: Scenario) -> Exercise | None:
    g = s.graph
    for a, b in g.edges:
        if not (g.is_observed(a) and g.is_observed(b)):
            continue
        drawn = CausalGraph(nodes=g.nodes, edges=[e for e in g.edges if e != (a, b)],
                            bidirected=g.bidirected, roles=g.roles, positions=g.positions)
        implied = implied_independencies(drawn, max_sets=200)
        wrong = [imp for imp in implied if not d_separated(g, imp[0], imp[1], imp[2])]
        right = [imp for imp in implied if d_separated(g, imp[0], imp[1], imp[2])]
        if not wrong or not right:
            continue
        keep = sorted(wrong[:2] + right[: MAX_CHECK_OPTIONS - len(wrong[:2])])
        return Exercise(
            f"failing_check:{s.id}", "failing_check", s, drawn,
            f"An analyst drew this graph, but the data come from the same process plus the arrow "
            f"{a} -> {b}. Which of the drawing's testable implications should the data reject? "
            "Any one that fails counts.",
            tuple(implication_text(*imp) for imp in keep), missing_edge=(a, b))
    return None


@lru_cache(maxsize=1)
def _all() -> dict[str, Exercise]:
    out: list[Exercise] = []
    for s in list_scenarios():
        made = [*_adjust(s), _dsep(s), _strategy(s), _estimate(s), _failing_check(s)]
        out.extend(e for e in made if e is not None)
    return {e.id: e for e in out}


def list_exercises(kind: str | None = None) -> list[Exercise]:
    """Every exercise (or those of one kind), in scenario order.

    Raises
    ------
    DataError
        Unknown kind.
    """
    if kind is not None and kind not in KINDS:
        raise DataError(f"There is no exercise kind {str(kind)[:40]!r}. Use one of: "
                        f"{', '.join(KINDS)}.")
    return [e for e in _all().values() if kind is None or e.kind == kind]


def get_exercise(exercise_id: str) -> Exercise:
    """One exercise by id.

    Raises
    ------
    DataError
        Unknown id.
    """
    exercises = _all()
    if not isinstance(exercise_id, str) or exercise_id not in exercises:
        raise DataError(f"There is no exercise {str(exercise_id)[:60]!r}. Ids look like "
                        "'adjust_one:example:marketing'; see list_exercises().")
    return exercises[exercise_id]
