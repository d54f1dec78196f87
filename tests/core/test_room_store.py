"""The room store on SQLite and on a throwaway PostgreSQL cluster started here.

The PostgreSQL cluster comes from Debian's ``postgresql`` package (``make postgresql``
installs it; ``make test`` depends on that target): ``initdb`` in a temporary folder, run as
the ``postgres`` user when the tests run as root, on a free port, stopped at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from causal_core.classroom.room import answer_counts, answers_csv
from causal_core.classroom.store import MAX_ANSWER_CHARS, RoomStore
from causal_core.exceptions import DataError

STUDENTS = 60


def _pg_bin() -> str | None:
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    hits = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(hits[-1]) if hits else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    bindir = _pg_bin()
    if bindir is None:
        # never a skip passed off as green (as the browser tests): say how to install it
        pytest.fail("PostgreSQL is not installed: run `make postgresql` (make test does).")
    root = tempfile.mkdtemp(prefix="ce-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(root, "data"), _free_port()

    def run(*cmd):
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "ce", "-E", "UTF8", "--no-sync")
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=120"
    run(f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-l", os.path.join(root, "log"), "-w", "start")
    try:
        yield f"postgresql://ce@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return RoomStore(f"sqlite:///{tmp_path / 'rooms.sqlite3'}")
    return RoomStore(request.getfixturevalue("pg_url"))


def test_sixty_students_answer_at_once_and_each_answer_is_stored_once(store):
    code = store.open_room("dsep:example:marketing")
    start = threading.Barrier(STUDENTS)
    options = ["yes: d-separated", "no: d-connected"]

    def student(i: int) -> None:
        start.wait()
        # each student sends twice (a double click), then changes their mind once
        for answer in (options[i % 2], options[i % 2], options[(i + 1) % 2]):
            store.submit(code, f"student-{i:02d}", "dsep:example:marketing", answer, i % 2 == 1)

    with ThreadPoolExecutor(max_workers=STUDENTS) as pool:
        list(pool.map(student, range(STUDENTS)))
    rows = store.answers(code, "dsep:example:marketing")
    assert len(rows) == STUDENTS
    assert sorted(r.student for r in rows) == [f"student-{i:02d}" for i in range(STUDENTS)]
    assert all(r.answer == options[(int(r.student[-2:]) + 1) % 2] for r in rows)  # the last one
    counts = answer_counts(rows)
    assert counts["students"].sum() == STUDENTS and set(counts["students"]) == {30}


def test_rooms_are_separate_and_reveal_and_exercise_switch(store):
    one, two = store.open_room("strategy:example:frontdoor"), store.open_room("strategy:example:frontdoor")
    assert one != two
    store.submit(one, "s", "strategy:example:frontdoor", "front-door formula", True)
    assert store.answers(two) == []
    assert not store.room(one).revealed
    store.reveal(one)
    assert store.room(one).revealed and not store.room(two).revealed
    store.set_exercise(one, "dsep:example:hospital")
    room = store.room(one)
    assert room.exercise_id == "dsep:example:hospital" and not room.revealed
    assert store.answers(one, "dsep:example:hospital") == []
    assert len(store.answers(one)) == 1


def test_csv_export_neutralises_formula_cells(store):
    code = store.open_room("adjust_one:example:marketing")
    store.submit(code, "=cmd|' /C calc'!A0", "adjust_one:example:marketing", "@SUM(A1)", False)
    text = answers_csv(store.answers(code))
    assert "'=cmd|" in text and "'@SUM(A1)" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: s.room("nope"), "A room code is 6"),
    (lambda s: s.room("ABCDEF"), "There is no room ABCDEF"),
    (lambda s: s.submit(s.open_room("x"), "s", "x", "a" * (MAX_ANSWER_CHARS + 1), False), "1 to 500"),
    (lambda s: s.submit(s.open_room("x"), "", "x", "a", False), "student id"),
])
def test_bad_codes_and_oversized_answers_are_refused(store, call, message):
    with pytest.raises(DataError, match=message):
        call(store)


def test_unknown_database_url_is_refused():
    with pytest.raises(DataError, match="must start with sqlite:/// or postgresql://"):
        RoomStore("mysql://root@localhost/db")
