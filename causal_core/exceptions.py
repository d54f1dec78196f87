"""The errors ``causal_core`` raises.

Every error names the input, the rule that was broken, the value seen and what to do next,
so that the app can show the message as it is and a notebook user can act on it.
"""

from __future__ import annotations

__all__ = [
    "CausalCoreError",
    "DataError",
    "GraphError",
    "IdentificationError",
    "EstimationError",
]


class CausalCoreError(Exception):
    """Base class of every error raised by ``causal_core``."""


class DataError(CausalCoreError, ValueError):
    """The data cannot be used as given (bad file, missing column, wrong type, missing values)."""


class GraphError(CausalCoreError, ValueError):
    """The causal graph is malformed: a syntax error, an unknown role word, a cycle.

    Parameters
    ----------
    message : str
        The full explanation.
    line, column : int, optional
        1-based position of the problem in the parsed text, when there is one.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class IdentificationError(CausalCoreError, ValueError):
    """The causal question cannot be posed on this graph (unknown treatment, outcome = treatment)."""


class EstimationError(CausalCoreError, ValueError):
    """An effect cannot be estimated with the chosen method on these data."""
