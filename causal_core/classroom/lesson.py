"""One link per state: what a teacher puts on a slide, as a value the link can carry.

A :class:`LessonState` names the page, and optionally the exercise, the example data set, the
seed of a generated graph, the DAG itself and a room code. :func:`lesson_link` turns it into
the text of the link's ``s`` parameter (see :mod:`causal_core.links`); :func:`read_lesson_link`
reads it back, refusing anything unknown with a clear message. No server state is involved:
every student who opens the link decodes their own copy.

Examples
--------
>>> state = LessonState(page="exercises", exercise="adjust_one:example:hospital")
>>> read_lesson_link(lesson_link(state)) == state
True
>>> LessonState(page="playground", seed=4).graph().exposures
('X',)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ..datasets import list_examples, load_example
from ..exceptions import CausalCoreError, DataError
from ..graph import CausalGraph
from ..links import decode_state, encode_state
from ..plan import AnalysisPlan
from .exercises import get_exercise
from .scenarios import random_dag
from .store import check_code

__all__ = ["LESSON_PAGES", "SHARED_DATA_CHARS", "LessonState", "lesson_link", "read_lesson_link"]

#: Pages a link may open, by their short name.
LESSON_PAGES: tuple[str, ...] = ("data", "model", "identify", "estimate", "whatif", "report",
                                 "exercises", "playground", "presenter", "room")
MAX_DAG_CHARS = 20_000
MAX_SEED = 2**31 - 1
#: Length of a shared-data id: URL-safe base64 of 24 random bytes (192 bits).
SHARED_DATA_CHARS = 32
_SHARED_DATA = re.compile(rf"[A-Za-z0-9_-]{{{SHARED_DATA_CHARS}}}")


@dataclass(frozen=True)
class LessonState:
    """The state a link carries.

    Attributes
    ----------
    page : str
        One of :data:`LESSON_PAGES`.
    exercise : str, optional
        An exercise id (see :func:`~causal_core.classroom.list_exercises`).
    example : str, optional
        An example data set to load.
    seed : int, optional
        Seed of a generated graph (:func:`~causal_core.classroom.random_dag`) when no DAG and no
        example is given; otherwise the example's data seed.
    dag : str, optional
        The DAG as text (DAGitty, DOT, ... anything :meth:`CausalGraph.parse` reads).
    room : str, optional
        A room code to join.
    choices : dict, optional
        An analysis' choices (:meth:`~causal_core.plan.AnalysisPlan.choices`: estimator, its
        parameters, target, missing-data handling, simulations, seeds...); needs ``dag``, the
        graph they were made on. A share link carries them.
    shared_data : str, optional
        The id under which the link's owner chose to share a frozen copy of their data on the
        server that made the link (:data:`SHARED_DATA_CHARS` URL-safe characters): the id
        only, never the data, the owner's session token or secret.
    """

    page: str
    exercise: str | None = None
    example: str | None = None
    seed: int | None = None
    dag: str | None = None
    room: str | None = None
    choices: dict[str, Any] | None = None
    shared_data: str | None = None

    def __post_init__(self) -> None:
        if self.page not in LESSON_PAGES:
            raise DataError(f"A lesson link's page must be one of {', '.join(LESSON_PAGES)}; got "
                            f"{str(self.page)[:30]!r}.")
        if self.exercise is not None:
            get_exercise(self.exercise)
        if self.example is not None and self.example not in {e.name for e in list_examples()}:
            load_example(str(self.example)[:60])  # raises the registry's clear message
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                                      or not 0 <= self.seed <= MAX_SEED):
            raise DataError(f"A lesson link's seed must be a whole number from 0 to {MAX_SEED}; "
                            f"got {str(self.seed)[:30]!r}.")
        if self.dag is not None:
            if not isinstance(self.dag, str) or len(self.dag) > MAX_DAG_CHARS:
                raise DataError(f"A lesson link's DAG must be text of at most {MAX_DAG_CHARS:,} "
                                "characters.")
            try:
                CausalGraph.parse(self.dag)
            except CausalCoreError as err:
                raise DataError(f"The DAG in this link does not parse: {err}") from None
        if self.room is not None:
            check_code(self.room)
        if self.choices is not None:
            self.plan()  # the choices must make a valid plan on the link's graph
        if self.shared_data is not None and not (
                isinstance(self.shared_data, str) and _SHARED_DATA.fullmatch(self.shared_data)):
            raise DataError(
                f"A lesson link's shared-data id must be {SHARED_DATA_CHARS} characters among "
                f"A-Z, a-z, 0-9, '-' and '_'; got {str(self.shared_data)[:40]!r} (length "
                f"{len(str(self.shared_data))}). The link is damaged: ask its owner for a fresh one.")

    def plan(self) -> AnalysisPlan | None:
        """The analysis plan the link's graph and choices make (None without choices).

        Raises
        ------
        DataError
            Choices without a DAG, or choices a plan does not accept.
        """
        if self.choices is None:
            return None
        if self.dag is None:
            raise DataError("A lesson link's choices need the DAG they were made on; this link "
                            "has none. Ask for a fresh link.")
        return AnalysisPlan(graph=CausalGraph.parse(self.dag)).with_choices(self.choices)

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, as a JSON-plain dict."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def graph(self) -> CausalGraph | None:
        """The graph the link shows: its DAG, else the example's, else the generated one."""
        if self.dag is not None:
            return CausalGraph.parse(self.dag)
        if self.example is not None:
            return load_example(self.example, n=50).graph
        if self.seed is not None:
            return random_dag(self.seed)
        return None


def lesson_link(state: LessonState) -> str:
    """The text of the link's ``s`` parameter for this state."""
    return encode_state(state.to_dict())


def read_lesson_link(text: str) -> LessonState:
    """The state in a link's ``s`` parameter.

    Raises
    ------
    DataError
        Damaged, foreign or oversized text (see :func:`causal_core.links.decode_state`), an
        unknown field, or a field whose value is not allowed.
    """
    raw = decode_state(text)
    unknown = sorted(set(raw) - set(LessonState.__dataclass_fields__))
    if unknown:
        raise DataError(f"This lesson link has the unknown field {unknown[0][:30]!r}; it was made "
                        "by another version of the app.")
    if "page" not in raw:
        raise DataError("This lesson link names no page. Ask for a fresh link.")
    return LessonState(**raw)
