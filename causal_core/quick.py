"""A quick model: the causal graph DoWhy's ``CausalModel`` builds from named roles, laid out.

``quick_graph(columns, treatment, outcome, common_causes=[...])`` is the first step of the
DoWhy workflow (``CausalModel(data, treatment, outcome, common_causes=[...], instruments=[...])``)
as a :class:`~causal_core.CausalGraph` ready to edit: every common cause points into the
treatment and the outcome, every instrument into the treatment, the treatment into the outcome
(directly, and through each mediator), each effect modifier into the outcome. The layout puts
common causes on a row above, instruments to the left, mediators between treatment and outcome
and effect modifiers below.

Examples
--------
>>> from causal_core.quick import quick_graph
>>> g = quick_graph(["t", "y", "w", "z"], "t", "y", common_causes=["w"], instruments=["z"])
>>> sorted(g.edges), g.exposures, g.outcomes
([('t', 'y'), ('w', 't'), ('w', 'y'), ('z', 't')], ('t',), ('y',))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .exceptions import GraphError
from .graph import CausalGraph

__all__ = ["quick_graph", "model_columns"]

#: A quick model takes at most this many nodes (the editor stays readable; write text beyond).
MAX_NODES = 500


def _names(value: Iterable[str] | str | None, what: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    for v in items:
        if not isinstance(v, str):
            raise GraphError(f"The {what} must be column names (text); got {v!r}.")
    return list(dict.fromkeys(items))


def _row(names: Sequence[str], y: float, centre: float) -> dict[str, tuple[float, float]]:
    return {v: (centre + (i - (len(names) - 1) / 2), y) for i, v in enumerate(names)}


def quick_graph(columns: Iterable[str] | None, treatment: str, outcome: str,
                common_causes: Iterable[str] | str | None = (),
                instruments: Iterable[str] | str | None = (),
                mediators: Iterable[str] | str | None = (),
                effect_modifiers: Iterable[str] | str | None = (), *,
                rest_are_common_causes: bool = False, leave_out: Iterable[str] = ()
                ) -> CausalGraph:
    """The causal graph of a treatment, an outcome and their common causes, laid out.

    Parameters
    ----------
    columns : iterable of str or None
        The data's columns: every name given must be one of them (None: no check).
    treatment, outcome : str
    common_causes : list of str
        Causes of both treatment and outcome (DoWhy's ``common_causes``).
    instruments : list of str
        Causes of the treatment only (DoWhy's ``instruments``).
    mediators : list of str
        On the way from treatment to outcome (``t -> m -> y``; the direct arrow stays).
    effect_modifiers : list of str
        Causes of the outcome only (DoWhy's ``effect_modifiers``).
    rest_are_common_causes : bool
        Every column of ``columns`` given no role becomes a common cause too, except those in
        ``leave_out`` (e.g. the identifiers and free text :func:`model_columns` finds).

    Returns
    -------
    CausalGraph
        With the exposure and outcome roles set and a position for every node.

    Raises
    ------
    GraphError
        A name that is not a column, one name in two roles, treatment equal to outcome, or
        more than ``MAX_NODES`` nodes.
    """
    t, y = (_names(treatment, "treatment") or [""])[0], (_names(outcome, "outcome") or [""])[0]
    if not t or not y:
        raise GraphError("A quick model needs a treatment and an outcome: pick both.")
    if t == y:
        raise GraphError(f"The treatment and the outcome are both {t!r}: pick two different "
                         "columns.")
    groups = {"common causes": _names(common_causes, "common causes"),
              "instruments": _names(instruments, "instruments"),
              "mediators": _names(mediators, "mediators"),
              "effect modifiers": _names(effect_modifiers, "effect modifiers")}
    seen: dict[str, str] = {t: "the treatment", y: "the outcome"}
    for what, names in groups.items():
        for v in names:
            if v in seen:
                raise GraphError(f"{v!r} is both {seen[v]} and one of the {what}: give each "
                                 "column one role.")
            seen[v] = f"one of the {what}"
    if rest_are_common_causes:
        if columns is None:
            raise GraphError("rest_are_common_causes needs the columns: pass the data's columns.")
        skip = {str(c) for c in leave_out}
        rest = [str(c) for c in columns if str(c) not in seen and str(c) not in skip]
        groups["common causes"] += rest
        seen.update(dict.fromkeys(rest, "one of the common causes"))
    if len(seen) > MAX_NODES:
        raise GraphError(f"A quick model takes at most {MAX_NODES} columns; {len(seen)} were "
                         "given. Keep the ones the question needs, or write the graph as text.")
    if columns is not None:
        cols = {str(c) for c in columns}
        absent = [v for v in seen if v not in cols]
        if absent:
            raise GraphError(f"{absent[0]!r} is not a column of the data. Pick the roles among "
                             "the columns.")
    cc, iv, med, mod = (groups[k] for k in groups)
    edges = [(w, t) for w in cc] + [(w, y) for w in cc] + [(z, t) for z in iv]
    edges += [(t, m) for m in med] + [(m, y) for m in med] + [(t, y)] + [(e, y) for e in mod]
    width = max(len(cc), len(med) + 2, len(mod), 3)
    right = float(width + 1)
    pos = {**_row(cc, 0.0, right / 2), t: (0.0, 2.0), y: (right, 2.0),
           **{z: (-1.5, 1.0 + i) for i, z in enumerate(iv)},
           **{m: (right * (i + 1) / (len(med) + 1), 3.0) for i, m in enumerate(med)},
           **_row(mod, 4.0, right / 2)}
    return CausalGraph(nodes=list(seen), edges=edges,
                       roles={t: ["exposure"], y: ["outcome"]}, positions=pos)


def model_columns(frame: Any) -> tuple[list[str], dict[str, str]]:
    """The columns a model can use, and those left out by default with the reason.

    Left out: free text and identifiers (text with many distinct values, or whole numbers
    distinct in every row), and dates (turn them into numbers first). A person can still
    name them explicitly in :func:`quick_graph`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": range(6), "t": [0, 1] * 3, "note": list("abcdef"),
    ...                    "y": [1.0, 2.0, 1.5, 2.5, 1.0, 3.0]})
    >>> usable, left = model_columns(df)
    >>> usable, sorted(left), left["id"]
    (['t', 'y'], ['id', 'note'], 'identifier: a different whole number in every row')
    """
    import pandas as pd

    from .data_types import column_kind

    usable: list[str] = []
    left: dict[str, str] = {}
    n = len(frame)
    for col in frame.columns:
        s = frame[col]
        kind = column_kind(s)
        name = str(col)
        if kind == "text":
            left[name] = "free text or identifier: text with a different value in most rows"
        elif kind == "datetime":
            left[name] = "date: turn it into numbers (e.g. days since the start) to use it"
        elif (pd.api.types.is_integer_dtype(s) and n > 2 and s.nunique(dropna=True) == n
              and s.notna().all()):
            left[name] = "identifier: a different whole number in every row"
        else:
            usable.append(name)
    return usable, left
