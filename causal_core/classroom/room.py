"""What a room shows: the live count of answers, and the CSV export.

Examples
--------
>>> from causal_core.classroom.store import Answer
>>> rows = [Answer("s1", "e", "{a}", True, 0.0), Answer("s2", "e", "{a}", True, 1.0),
...         Answer("s3", "e", "=1+1", False, 2.0)]
>>> answer_counts(rows).to_dict("records")
[{'answer': '{a}', 'students': 2, 'correct': True}, {'answer': '=1+1', 'students': 1, 'correct': False}]
>>> print(answers_csv(rows).splitlines()[3])
s3,e,'=1+1,False,1970-01-01T00:00:02Z
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from .._escape import csv_cell
from .store import Answer

__all__ = ["answer_counts", "answers_csv"]


def answer_counts(answers: Sequence[Answer]) -> pd.DataFrame:
    """Students per distinct answer, most frequent first (ties: first given first)."""
    counts: dict[str, list] = {}
    for a in answers:
        entry = counts.setdefault(a.answer, [0, a.correct])
        entry[0] += 1
    rows = [{"answer": k, "students": v[0], "correct": bool(v[1])} for k, v in counts.items()]
    frame = pd.DataFrame(rows, columns=["answer", "students", "correct"])
    return frame.sort_values("students", ascending=False, kind="stable").reset_index(drop=True)


def answers_csv(answers: Sequence[Answer]) -> str:
    """Every answer as CSV (student, exercise, answer, correct, submitted UTC), text cells
    neutralised against spreadsheet formulas."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["student", "exercise", "answer", "correct", "submitted_utc"])
    for a in answers:
        when = datetime.fromtimestamp(a.submitted_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.writerow([csv_cell(a.student), csv_cell(a.exercise_id), csv_cell(a.answer),
                      a.correct, when])
    return buf.getvalue()
