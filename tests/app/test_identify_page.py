"""AppTest: the Identify page when only the ID algorithm identifies the effect, and a hedge."""

from __future__ import annotations

import numpy as np

from tests.app.test_pages import all_text, goto, new_app, shown


def _verma_csv(n: int = 4000, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    u1, u2 = rng.random(n) < 0.5, rng.random(n) < 0.5  # a <-> c, b <-> d
    a = (rng.random(n) < 0.2 + 0.6 * u1).astype(int)
    b = (rng.random(n) < 0.2 + 0.5 * a + 0.2 * u2).astype(int)
    c = (rng.random(n) < 0.1 + 0.4 * b + 0.4 * u1).astype(int)
    d = (rng.random(n) < 0.1 + 0.4 * c + 0.4 * u2).astype(int)
    rows = "".join(f"{a[i]},{b[i]},{c[i]},{d[i]}\n" for i in range(n))
    return ("a,b,c,d\n" + rows).encode()


def _with_graph(text: str):
    at = new_app()
    at.file_uploader[0].set_value(("verma.csv", _verma_csv(), "text/csv")).run()
    at = goto(at, "app_pages/graph.py")
    at.text_area[0].set_value(text).run()
    assert not at.exception
    return goto(at, "app_pages/identify.py")


def test_identify_page_shows_the_checked_id_formula_and_its_estimate():
    at = _with_graph("dag { a [exposure]; d [outcome]; a -> b -> c -> d; a <-> c; b <-> d }")
    text = all_text(at)
    assert "The estimand (id)" in text and "matched the exact interventional" in text
    assert any("plug-in of the ID formula" in shown(m.label) for m in at.metric)
    assert not at.error


def test_identify_page_names_the_hedge():
    at = _with_graph("dag { a [exposure]; d [outcome]; a -> d; a <-> d; b; c }")
    text = all_text(at)
    assert "not identified" in text and "hedge that blocks every formula: a, d" in text
