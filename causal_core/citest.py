"""Testing the graph's implications on data: does the DAG fit what the data show?

Each conditional independence the DAG implies (see :func:`causal_core.implied_independencies`)
is tested with the partial correlation and Fisher's z. Implications that involve a column the
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

from .dsep import implied_independencies
from .exceptions import DataError
from .graph import CausalGraph

__all__ = ["test_implications", "partial_correlation_test"]

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


def test_implications(graph: CausalGraph, data: pd.DataFrame, alpha: float = 0.05,
                      max_tests: int = 500) -> pd.DataFrame:
    """Test every implied conditional independence on ``data``.

    Parameters
    ----------
    graph : CausalGraph
    data : pandas.DataFrame
        Numeric columns named like the graph's nodes (bool columns count as 0/1).
    alpha : float
        Level at which an implication is flagged ``rejected``.
    max_tests : int
        Cap on the number of implications tested.

    Returns
    -------
    pandas.DataFrame
        One row per implication: ``x``, ``y``, ``given`` (comma-separated), ``testable``,
        ``partial_r``, ``statistic``, ``p_value``, ``n``, ``rejected`` and a ``note`` saying why
        a row could not be tested. Rows with a p-value are sorted smallest first.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"test_implications needs a pandas DataFrame, got {type(data).__name__}.")
    rows = []
    for a, b, given in implied_independencies(graph, max_sets=max_tests):
        row = {"x": a, "y": b, "given": ", ".join(given), "testable": False, "partial_r": np.nan,
               "statistic": np.nan, "p_value": np.nan, "n": 0, "rejected": False, "note": ""}
        missing = [c for c in (a, b, *given) if c not in data.columns]
        nonnum = [c for c in (a, b, *given) if c in data.columns
                  and not (pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]))]
        if missing:
            row["note"] = f"not in the data: {', '.join(missing)}"
        elif nonnum:
            row["note"] = (f"not numeric: {', '.join(nonnum)} (the partial-correlation test needs "
                           "numbers; encode categories as 0/1 columns to test)")
        else:
            try:
                r, z, p, n = partial_correlation_test(data, a, b, given)
            except DataError as err:
                row["note"] = str(err)
            else:
                row.update(testable=True, partial_r=r, statistic=z, p_value=p, n=n,
                           rejected=bool(p < alpha))
        rows.append(row)
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["testable", "p_value"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


test_implications.__test__ = False  # a library function, not a pytest test
