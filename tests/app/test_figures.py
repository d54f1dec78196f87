"""ui.figures: a result's figure is built once while the result lives, and forgotten with it."""

from __future__ import annotations

import gc

from ui import figures


class Result:
    """A stand-in for a frozen result object."""


def test_a_figure_is_built_once_per_result_object_and_kind():
    built = []

    def make(r):
        built.append(r)
        return {"figure of": id(r)}

    a, b = Result(), Result()
    first = figures.figure_of(a, "check", make)
    assert figures.figure_of(a, "check", make) is first
    assert figures.figure_of(b, "check", make) is not first  # another object, its own figure
    figures.figure_of(a, "other", make)  # another kind of figure of the same object
    assert built == [a, b, a]


def test_a_freed_result_takes_its_figure_with_it():
    r = Result()
    figures.figure_of(r, "check", lambda _: object())
    key = (id(r), "check")
    assert key in figures._figures
    del r
    gc.collect()
    assert key not in figures._figures
