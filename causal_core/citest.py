"""Testing the graph's implications on data: does the DAG fit what the data show?

By default the graph's basis set is tested (:func:`causal_core.dsep.basis_implications`: one
implication per node, which together imply every other one); graphs with latent, bidirected
or selected nodes have no such basis, and then the full list of pairwise implications is tested
up to ``max_tests``, the table saying when it was cut (``table.attrs["truncated"]``, and
``table.attrs["scope"]`` says in a sentence what was tested). A pair is tested with the partial
correlation and Fisher's z; a node against several others jointly with the F test of the others
in a regression of the node on its parents and them. Implications that involve a column the
data lack, or a non-numeric column, are reported as not testable, with the reason.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import causal_core as cc
>>> rng = np.random.default_rng(0)
>>> a = rng.normal(size=2000); b = a + rng.normal(size=2000); c = b + rng.normal(size=2000)
>>> res = cc.test_implications(cc.CausalGraph.parse("a -> b -> c"),
...                            pd.DataFrame({"a": a, "b": b, "c": c}))
>>> res[["x", "y", "given", "testable"]].values.tolist()
[['a', 'c', 'b', True]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .dsep import basis_implications, implied_independencies
from .exceptions import DataError
from .graph import CausalGraph

__all__ = ["test_implications", "partial_correlation_test", "joint_independence_test"]

COLUMNS = ["x", "y", "given", "testable", "partial_r", "statistic", "p_value", "n",
           "rejected", "note"]


def partial_correlation_test(data: pd.DataFrame, x: str, y: str,
                             given: list[str]) -> tuple[float, float, float, int]:
    """Partial correlation of ``x`` and ``y`` given ``given``, Fisher's z and its p-value.

    Returns
    -------
    (r, z, p, n) : float, float, float, int
        Rows with a missing value in any of the columns are left out (``n`` counts the rest).
    """
    cols = [x, y, *given]
    frame = data[cols].dropna()
    n = len(frame)
    k = len(given)
    if n - k - 3 < 1:
        raise DataError(f"Too few complete rows ({n}) to test {x} ⊥ {y} given {k} variables; "
                        f"need at least {k + 4}.")
    values = frame.to_numpy(dtype=float)
    values = values - values.mean(axis=0)
    if k:
        z = values[:, 2:]
        beta, *_ = np.linalg.lstsq(z, values[:, :2], rcond=None)
        resid = values[:, :2] - z @ beta
    else:
        resid = values[:, :2]
    sx, sy = np.sqrt((resid ** 2).sum(axis=0))
    if sx == 0 or sy == 0:
        raise DataError(f"{x if sx == 0 else y} is constant once {', '.join(given) or 'nothing'} "
                        "is accounted for, so its correlation is undefined.")
    r = float(np.clip((resid[:, 0] @ resid[:, 1]) / (sx * sy), -0.999999, 0.999999))
    zstat = float(np.arctanh(r) * np.sqrt(n - k - 3))
    p = float(2 * stats.norm.sf(abs(zstat)))
    return r, zstat, p, n


def joint_independence_test(data: pd.DataFrame, x: str, others: list[str],
                            given: list[str]) -> tuple[float, float, float, int]:
    """F test that ``others`` add nothing to a linear regression of ``x`` on ``given``.

    Returns
    -------
    (r, F, p, n) : float, float, float, int
        ``r`` is the multiple partial correlation (square root of the partial R²).
    """
    cols = [x, *others, *given]
    frame = data[cols].dropna()
    n, q, k = len(frame), len(others), len(given)
    if n - q - k - 2 < 1:
        raise DataError(f"Too few complete rows ({n}) to test {x} against {q} variables given "
                        f"{k}; need at least {q + k + 3}.")
    values = frame.to_numpy(dtype=float)
    values = values - values.mean(axis=0)
    yv, w, z = values[:, 0], values[:, 1:1 + q], values[:, 1 + q:]

    def rss(design: np.ndarray) -> float:
        if design.shape[1] == 0:
            return float(yv @ yv)
        beta, *_ = np.linalg.lstsq(design, yv, rcond=None)
        resid = yv - design @ beta
        return float(resid @ resid)

    small, big = rss(z), rss(np.hstack([z, w]))
    if small == 0:
        raise DataError(f"{x} is constant once {', '.join(given) or 'nothing'} is accounted for.")
    df2 = n - q - k - 1
    f_stat = max((small - big) / q / (big / df2), 0.0) if big > 0 else float("inf")
    p = float(stats.f.sf(f_stat, q, df2))
    return float(np.sqrt(max(1 - big / small, 0.0))), float(f_stat), p, n


def test_implications(graph: CausalGraph, data: pd.DataFrame, alpha: float = 0.05,
                      max_tests: int = 500, basis: bool | None = None) -> pd.DataFrame:
    """Test every implied conditional independence on ``data``.

    Parameters
    ----------
    graph : CausalGraph
    data : pandas.DataFrame
        Numeric columns named like the graph's nodes (bool columns count as 0/1).
    alpha : float
        Level at which an implication is flagged ``rejected``.
    max_tests : int
        Cap on the number of pairwise implications tested (the basis set is never cut).
    basis : bool or None
        True: the basis set (an error if the graph has none); False: the pairwise list;
        None (default): the basis set when the graph has one.

    Returns
    -------
    pandas.DataFrame
        One row per implication: ``x``, ``y``, ``given`` (comma-separated), ``testable``,
        ``partial_r``, ``statistic``, ``p_value``, ``n``, ``rejected`` and a ``note`` saying why
        a row could not be tested. Rows with a p-value are sorted smallest first. ``attrs``
        holds ``kind`` ("basis" or "all"), ``truncated`` and ``scope`` (a sentence saying
        which implications were tested).
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"test_implications needs a pandas DataFrame, got {type(data).__name__}.")
    items = basis_implications(graph) if basis is not False else None
    if basis and items is None:
        raise DataError("The graph has latent, bidirected or selected nodes, so it has no basis "
                        "set of implications; test the pairwise list (basis=False).")
    if items is None:
        items = implied_independencies(graph, max_sets=max_tests)
    rows = []
    for a, b, given in items:
        bs = b if isinstance(b, list) else [b]
        row = {"x": a, "y": ", ".join(bs), "given": ", ".join(given), "testable": False,
               "partial_r": np.nan, "statistic": np.nan, "p_value": np.nan, "n": 0,
               "rejected": False, "note": ""}
        missing = [c for c in (a, *bs, *given) if c not in data.columns]
        nonnum = [c for c in (a, *bs, *given) if c in data.columns
                  and not (pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]))]
        if missing:
            row["note"] = f"not in the data: {', '.join(missing)}"
        elif nonnum:
            row["note"] = (f"not numeric: {', '.join(nonnum)} (the partial-correlation test needs "
                           "numbers; encode categories as 0/1 columns to test)")
        else:
            try:
                r, z, p, n = (partial_correlation_test(data, a, bs[0], given) if len(bs) == 1
                              else joint_independence_test(data, a, bs, given))
            except DataError as err:
                row["note"] = str(err)
            else:
                row.update(testable=True, partial_r=r, statistic=z, p_value=p, n=n,
                           rejected=bool(p < alpha))
        rows.append(row)
    out = pd.DataFrame(rows, columns=COLUMNS)
    out = out.sort_values(["testable", "p_value"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)
    out.attrs.update(kind=items.kind, truncated=items.truncated, scope=_scope(items))
    return out


def _scope(items) -> str:
    if items.kind == "basis":
        return (f"The basis set: {len(items)} implications, one per node with earlier "
                "non-parents (the node is independent of them given its parents); together "
                "they imply every other independence of the graph.")
    if items.truncated:
        return (f"The first {len(items)} pairwise implications only: the graph implies more, "
                "and the list was cut (the graph has latent, bidirected or selected nodes, so "
                "no basis set stands in for them).")
    return (f"All {len(items)} pairwise implications (every minimal separating set of every "
            "non-adjacent pair).")


test_implications.__test__ = False  # a library function, not a pytest test
