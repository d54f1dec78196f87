"""The share store: fresh ids, one copy per table, bounded by bytes and idle time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from causal_core.classroom.lesson import LessonState
from causal_core.data import fingerprint
from tests.app.test_snapshot_store import Clock
from ui.share_store import ShareStore
from ui.state import DataRef


def _ref(frame: pd.DataFrame, name: str, fp: str | None = None, **kw) -> DataRef:
    return DataRef(frame, name, fp or fingerprint(frame), **kw)


def _frame(n: int = 1_000, seed: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"x": np.random.default_rng(seed).normal(size=n), "y": np.arange(n)})


def _store(max_bytes: int = 10**9, idle_seconds: float = 100):
    clock = Clock()
    return ShareStore(clock=clock, max_bytes=max_bytes, idle_seconds=idle_seconds), clock


def test_a_link_opens_a_frozen_copy_of_the_data():
    store, _ = _store()
    df = _frame()
    link = store.put(_ref(df, "up.csv", date_features=("d",)))
    LessonState(page="model", shared_data=link)  # the id has the link's format
    df.loc[0, "x"] = 99.0  # the owner's table changes afterwards: the shared copy does not
    status, shared = store.get(link)
    assert status == "ok" and shared.name == "up.csv" and shared.date_features == ("d",)
    assert shared.frame.loc[0, "x"] != 99.0 and shared.frame is not df
    assert shared.fingerprint == fingerprint(_frame()) == fingerprint(shared.frame)


def test_two_shares_of_one_table_keep_one_copy_and_two_ids():
    store, _ = _store()
    df = _frame()
    a = store.put(_ref(df, "a.csv"))
    b = store.put(_ref(df.copy(), "b.csv"))
    assert a != b and len(store) == 2 and store.n_tables == 1
    assert store.get(a)[1].frame is store.get(b)[1].frame
    assert store.get(b)[1].name == "b.csv"


def test_ids_are_fresh_and_long():
    store, _ = _store()
    df = _frame(10)
    ids = {store.put(_ref(df, "t")) for _ in range(200)}
    assert len(ids) == 200 and {len(i) for i in ids} == {32}


def test_idle_links_expire_and_say_so():
    store, clock = _store(idle_seconds=100)
    old = store.put(_ref(_frame(seed=1), "old", "f1"))
    clock.t = 50
    new = store.put(_ref(_frame(seed=2), "new", "f2"))
    clock.t = 120
    assert store.get(old) == ("expired", None)
    assert store.get(new)[0] == "ok" and store.n_tables == 1
    assert store.get("y" * 32) == ("unknown", None)


def test_bytes_bound_drops_the_least_recently_opened_and_their_tables():
    size = int(_frame().memory_usage(index=True, deep=True).sum())
    store, clock = _store(max_bytes=int(2.5 * size))
    links = []
    for i in range(3):
        clock.t = i
        links.append(store.put(_ref(_frame(seed=i), f"t{i}", f"f{i}")))
    assert store.get(links[0]) == ("expired", None)
    assert [store.get(x)[0] for x in links[1:]] == ["ok", "ok"]
    assert store.n_bytes <= store.max_bytes and store.n_tables == 2
    assert store.put(_ref(_frame(10_000), "big", "fbig")) is None  # alone over the bound: refused
    assert store.n_tables == 2
