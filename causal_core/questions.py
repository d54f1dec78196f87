"""The words a person reads for an estimator's choices: targets as questions.

Examples
--------
>>> from causal_core.questions import TARGET_QUESTIONS
>>> TARGET_QUESTIONS["att"]
'What was the effect on those who were treated? (ATT)'
"""

from __future__ import annotations

__all__ = ["TARGET_QUESTIONS"]

#: Each target as the question it answers.
TARGET_QUESTIONS: dict[str, str] = {
    "ate": "What would the effect be on everyone? (ATE)",
    "att": "What was the effect on those who were treated? (ATT)",
    "atc": "What would the effect be on those who were not treated? (ATC)",
}
