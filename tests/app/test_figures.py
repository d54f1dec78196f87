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


def test_a_keyed_figure_is_built_once_and_the_least_recently_used_dropped(monkeypatch):
    monkeypatch.setattr(figures, "KEYED", 3)
    monkeypatch.setattr(figures, "_keyed", type(figures._keyed)())
    built = []

    def make(key):
        return lambda: built.append(key) or {"figure": key}

    first = figures.figure_by_key("a", make("a"))
    assert figures.figure_by_key("a", make("a")) is first
    for key in ("b", "c", "a", "d"):  # "a" used again, so "b" is the oldest when "d" comes
        figures.figure_by_key(key, make(key))
    assert built == ["a", "b", "c", "d"] and list(figures._keyed) == ["c", "a", "d"]
    figures.figure_by_key("b", make("b"))
    assert built[-1] == "b"
