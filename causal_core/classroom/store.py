"""The room store: rooms and students' answers, in SQLite by default, PostgreSQL when a
database URL says so. One set of SQL statements serves both (only the parameter marker
differs: ``?`` for sqlite3, ``%s`` for psycopg).

A student answers an exercise once per room: the primary key (room, student, exercise) and an
upsert (``INSERT ... ON CONFLICT DO UPDATE``) keep exactly one row per answer however many
times or however concurrently it is sent; a later answer replaces the earlier one.

Configuration: ``RoomStore(url)`` with ``url`` = ``"sqlite:///path/rooms.sqlite3"``,
``"postgresql://user@host:port/db"``, or None for the environment variable
``CAUSAL_EXPLORER_DATABASE_URL`` (default: a SQLite file in ``~/.cache/causal-explorer``).

Examples
--------
>>> import tempfile, os
>>> store = RoomStore("sqlite:///" + os.path.join(tempfile.mkdtemp(), "r.sqlite3"))
>>> code = store.open_room("dsep:example:marketing")
>>> store.submit(code, "student-1", "dsep:example:marketing", "yes: d-separated", True)
>>> store.submit(code, "student-1", "dsep:example:marketing", "no: d-connected", False)
>>> [(a.answer, a.correct) for a in store.answers(code)]
[('no: d-connected', False)]
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import DataError

__all__ = ["Answer", "ENV_URL", "check_code", "MAX_ANSWER_CHARS", "MAX_STUDENTS", "Room", "RoomStore"]

ENV_URL = "CAUSAL_EXPLORER_DATABASE_URL"
#: Room codes: 6 characters without look-alikes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_ANSWER_CHARS = 500
MAX_STUDENT_CHARS = 64
#: Most distinct students one room accepts (a lecture hall, not a denial of service).
MAX_STUDENTS = 2000
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ce_rooms (code VARCHAR(12) PRIMARY KEY, exercise_id TEXT NOT NULL,"
    " revealed INTEGER NOT NULL DEFAULT 0, created_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ce_answers (code VARCHAR(12) NOT NULL, student VARCHAR(64) NOT NULL,"
    " exercise_id TEXT NOT NULL, answer TEXT NOT NULL, correct INTEGER NOT NULL,"
    " submitted_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (code, student, exercise_id))",
)
_SQL = {
    "open": "INSERT INTO ce_rooms (code, exercise_id, revealed, created_at) VALUES (?, ?, 0, ?)",
    "room": "SELECT code, exercise_id, revealed, created_at FROM ce_rooms WHERE code = ?",
    "set_exercise": "UPDATE ce_rooms SET exercise_id = ?, revealed = 0 WHERE code = ?",
    "reveal": "UPDATE ce_rooms SET revealed = ? WHERE code = ?",
    "students": "SELECT COUNT(DISTINCT student) FROM ce_answers WHERE code = ?",
    "known": "SELECT 1 FROM ce_answers WHERE code = ? AND student = ?",
    "submit": (
        "INSERT INTO ce_answers (code, student, exercise_id, answer, correct, submitted_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code, student, exercise_id) DO UPDATE SET"
        " answer = excluded.answer, correct = excluded.correct, submitted_at = excluded.submitted_at"),
    "answers": ("SELECT student, exercise_id, answer, correct, submitted_at FROM ce_answers"
                " WHERE code = ? ORDER BY submitted_at, student"),
}


@dataclass(frozen=True)
class Room:
    """A room: its code, the exercise on screen and whether the answer is revealed."""

    code: str
    exercise_id: str
    revealed: bool
    created_at: float


@dataclass(frozen=True)
class Answer:
    """One student's latest answer to one exercise in one room."""

    student: str
    exercise_id: str
    answer: str
    correct: bool
    submitted_at: float


def _default_url() -> str:
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    folder = Path.home() / ".cache" / "causal-explorer"
    return f"sqlite:///{folder / 'rooms.sqlite3'}"


class RoomStore:
    """Rooms and answers in SQLite or PostgreSQL (see the module docstring).

    Parameters
    ----------
    url : str, optional
        ``sqlite:///<path>`` or ``postgresql://...``; default from ``CAUSAL_EXPLORER_DATABASE_URL``.

    Raises
    ------
    DataError
        An unknown URL scheme, or PostgreSQL asked for without the psycopg driver.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or _default_url()
        if self.url.startswith("sqlite:///"):
            self.backend = "sqlite"
            self._path = self.url[len("sqlite:///"):]
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        elif self.url.startswith(("postgresql://", "postgres://")):
            self.backend = "postgresql"
            try:
                import psycopg  # noqa: F401  (optional: only needed for PostgreSQL)
            except ImportError:
                raise DataError("The room database URL names PostgreSQL but the psycopg driver "
                                "is not installed: pip install -r requirements.txt.") from None
        else:
            raise DataError(f"The room database URL must start with sqlite:/// or postgresql://; "
                            f"got {self.url.split(':')[0][:20]!r}. Fix {ENV_URL}.")
        with self._connect() as cur:
            for stmt in _SCHEMA:
                cur.execute(stmt)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        """A cursor inside one transaction (committed on success, rolled back on error)."""
        if self.backend == "sqlite":
            conn = sqlite3.connect(self._path, timeout=30)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                with conn:
                    yield _SqliteCursor(conn.cursor())
            finally:
                conn.close()
        else:
            import psycopg

            with psycopg.connect(self.url, connect_timeout=10) as conn, conn.cursor() as cur:
                yield _PgCursor(cur)

    def _one(self, key: str, params: Sequence[Any]) -> tuple | None:
        with self._connect() as cur:
            cur.execute(_SQL[key], params)
            return cur.fetchone()

    def open_room(self, exercise_id: str) -> str:
        """A new room showing ``exercise_id``; returns its code."""
        _check_text(exercise_id, "exercise id", 200)
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if self._one("room", (code,)) is None:
                with self._connect() as cur:
                    cur.execute(_SQL["open"], (code, exercise_id, time.time()))
                return code
        raise DataError("Could not find a free room code; try again.")  # pragma: no cover

    def room(self, code: str) -> Room:
        """The room with this code.

        Raises
        ------
        DataError
            A malformed code, or no such room.
        """
        code = check_code(code)
        row = self._one("room", (code,))
        if row is None:
            raise DataError(f"There is no room {code}. Check the code on the teacher's screen.")
        return Room(row[0], row[1], bool(row[2]), float(row[3]))

    def set_exercise(self, code: str, exercise_id: str) -> None:
        """Show another exercise in the room (and hide its answer)."""
        _check_text(exercise_id, "exercise id", 200)
        self.room(code)
        with self._connect() as cur:
            cur.execute(_SQL["set_exercise"], (exercise_id, code))

    def reveal(self, code: str, revealed: bool = True) -> None:
        """Reveal (or hide again) the answer of the room's exercise."""
        self.room(code)
        with self._connect() as cur:
            cur.execute(_SQL["reveal"], (int(bool(revealed)), code))

    def submit(self, code: str, student: str, exercise_id: str, answer: str, correct: bool) -> None:
        """Store a student's answer (replacing that student's earlier answer to it)."""
        self.room(code)
        _check_text(student, "student id", MAX_STUDENT_CHARS)
        _check_text(exercise_id, "exercise id", 200)
        _check_text(answer, "answer", MAX_ANSWER_CHARS)
        with self._connect() as cur:
            cur.execute(_SQL["known"], (code, student))
            if cur.fetchone() is None:
                cur.execute(_SQL["students"], (code,))
                if cur.fetchone()[0] >= MAX_STUDENTS:
                    raise DataError(f"Room {code} is full ({MAX_STUDENTS:,} students). "
                                    "Ask the teacher to open another room.")
            cur.execute(_SQL["submit"], (code, student, exercise_id, answer, int(bool(correct)),
                                         time.time()))

    def answers(self, code: str, exercise_id: str | None = None) -> list[Answer]:
        """Every stored answer in the room (of one exercise, if given), oldest first."""
        code = check_code(code)
        with self._connect() as cur:
            cur.execute(_SQL["answers"], (code,))
            rows = cur.fetchall()
        out = [Answer(r[0], r[1], r[2], bool(r[3]), float(r[4])) for r in rows]
        return [a for a in out if exercise_id is None or a.exercise_id == exercise_id]


class _SqliteCursor:
    def __init__(self, cur: sqlite3.Cursor) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(sql, tuple(params))

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()


class _PgCursor(_SqliteCursor):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(sql.replace("?", "%s"), tuple(params))


def check_code(code: Any) -> str:
    text = str(code).strip().upper() if isinstance(code, str) else ""
    if not _CODE.fullmatch(text):
        raise DataError(f"A room code is {CODE_LENGTH} letters and digits (like 'K7PQ2M'); got "
                        f"{str(code)[:20]!r}. Copy it from the teacher's screen.")
    return text


def _check_text(text: Any, what: str, limit: int) -> None:
    if not isinstance(text, str) or not text or len(text) > limit:
        raise DataError(f"The {what} must be text of 1 to {limit} characters; got "
                        f"{str(text)[:40]!r}.")
