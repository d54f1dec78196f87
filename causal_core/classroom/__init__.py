"""The classroom: exercises with known answers, hints, and the bias playground.

Scenarios (:mod:`.scenarios`) are graphs with a causal question; exercises
(:mod:`.exercises`) ask one thing about a scenario; grading (:mod:`.grading`) asks the engine,
so any valid answer is accepted.

Examples
--------
>>> from causal_core.classroom import get_exercise, grade, hints
>>> ex = get_exercise("strategy:example:frontdoor")
>>> grade(ex, "front-door formula").correct, grade(ex, "back-door adjustment").correct
(True, False)
>>> hints(ex)[0].text
'Adjusting for nothing, 1 biasing (non-causal, open) path from smoking to lung_damage.'
"""

from .exercises import KINDS, STRATEGIES, Exercise, get_exercise, list_exercises
from .grading import Grade, Hint, answer_key, grade, hints, solution, valid_strategies
from .scenarios import Scenario, get_scenario, list_scenarios, random_dag

__all__ = [
    "KINDS", "STRATEGIES", "Exercise", "Grade", "Hint", "Scenario", "answer_key",
    "get_exercise", "get_scenario", "grade", "hints", "list_exercises", "list_scenarios",
    "random_dag", "solution", "valid_strategies",
]
