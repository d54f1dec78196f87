"""Reading an :class:`~causal_core.plan.AnalysisPlan` back from its dictionary, strictly.

Every field is checked for its type before the plan is built; an unknown field, a missing
one, a wrong type or a number that is not a plain finite value raises
:class:`~causal_core.exceptions.DataError` naming the field, what was expected and what was
found.

Examples
--------
>>> from causal_core.plan_read import plan_kwargs
>>> plan_kwargs({"format": "causal-explorer-plan", "version": 1, "graph": "x -> y",
...              "treatment": "x", "outcome": "y", "colour": "red"})
Traceback (most recent call last):
...
causal_core.exceptions.DataError: The plan has an unknown field 'colour' ...
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from .exceptions import CausalCoreError, DataError
from .graph import CausalGraph
from .plan import PLAN_FORMAT, PLAN_VERSION, AnalysisPlan, DataReference, WhatIfQuestion

__all__ = ["plan_kwargs", "kind_of", "check_plain"]

#: Containers nested deeper than this are refused (a plan or an analysis nests about 6 deep).
MAX_DEPTH = 64


def kind_of(v: Any) -> str:
    """How a JSON value is called in messages."""
    names = {type(None): "null", bool: "true/false", int: "a number", float: "a number",
             str: "text", list: "a list", dict: "an object"}
    return names.get(type(v), type(v).__name__)


def _bad(where: str, want: str, v: Any) -> DataError:
    seen = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
    return DataError(f"The plan's field {where!r} must be {want}; found {kind_of(v)} ({seen}).")


def check_plain(value: Any, where: str, error: type[CausalCoreError] = DataError) -> None:
    """Refuse what JSON text can carry but a saved analysis never holds: non-finite numbers
    (``1e400`` reads as infinity), integers of more than 30 digits, nesting deeper than
    :data:`MAX_DEPTH`. Iterative, so deep nesting cannot exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        v, at, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise error(f"{at} nests more than {MAX_DEPTH} levels deep; a saved analysis nests a "
                        "few levels. The file is damaged or was not written by causal_core.")
        if isinstance(v, float) and not math.isfinite(v):
            raise error(f"{at} holds the number {v!r}, which is not finite (a number too large "
                        "for a float, such as 1e400, reads as infinity). The file is damaged or "
                        "was edited by hand.")
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10 ** 30:
            raise error(f"{at} holds a whole number of {len(str(abs(v))):,} digits; a saved "
                        "analysis holds none above 30 digits. The file is damaged or was edited "
                        "by hand.")
        if isinstance(v, dict):
            stack.extend((x, f"{at}.{k}", depth + 1) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((x, f"{at}[{i}]", depth + 1) for i, x in enumerate(v))


def _get(d: dict, name: str, want: str, test: Any, default: Any = ...) -> Any:
    if name not in d:
        if default is ...:
            raise DataError(f"The plan has no {name!r} field; it is incomplete.")
        return default
    v = d[name]
    if not test(v):
        raise _bad(name, want, v)
    return v


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_names(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


def _data(v: Any) -> DataReference | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        raise _bad("data", "an object", v)
    names = {f.name for f in dataclasses.fields(DataReference)}
    unknown = sorted(set(v) - names)
    if unknown:
        raise DataError(f"The plan's data reference has an unknown field {unknown[0]!r}.")
    return DataReference(
        file_name=_get(v, "file_name", "text", lambda x: isinstance(x, str)),
        n_rows=_get(v, "n_rows", "a whole number", _is_int),
        columns=tuple(_get(v, "columns", "a list of text", _is_names)),
        dtypes=tuple(_get(v, "dtypes", "a list of text", _is_names)),
        fingerprint=_get(v, "fingerprint", "text", lambda x: isinstance(x, str)),
        example=_get(v, "example", "text or null", lambda x: x is None or isinstance(x, str), None),
        sheet=_get(v, "sheet", "text or null", lambda x: x is None or isinstance(x, str), None),
        date_features=tuple(_get(v, "date_features", "a list of text", _is_names, [])))


def _question(v: Any, i: int) -> WhatIfQuestion:
    if not isinstance(v, dict) or set(v) - {"x", "unit"}:
        raise _bad(f"whatif_questions[{i}]", "an object with x and unit", v)
    x = v.get("x")
    if x is not None and not isinstance(x, str | int | float | bool):
        raise _bad(f"whatif_questions[{i}].x", "a number, text or null", x)
    return WhatIfQuestion(x=x, unit=_get(v, "unit", "a whole number", _is_int, 0))


def plan_kwargs(d: Any) -> dict[str, Any]:
    """Validate a plan's dictionary; the keyword arguments of :class:`AnalysisPlan`."""
    if not isinstance(d, dict):
        raise DataError(f"A plan is an object; found {kind_of(d)}.")
    check_plain(d, "The plan")
    if d.get("format") != PLAN_FORMAT:
        raise DataError(f"This is not an analysis plan: its format is {d.get('format')!r}, "
                        f"expected {PLAN_FORMAT!r}.")
    if d.get("version") != PLAN_VERSION:
        raise DataError(f"This plan has version {d.get('version')!r}; this causal_core reads "
                        f"version {PLAN_VERSION}.")
    fields = {f.name for f in dataclasses.fields(AnalysisPlan)}
    unknown = sorted(set(d) - fields - {"format", "version"})
    if unknown:
        raise DataError(f"The plan has an unknown field {unknown[0]!r} (known: "
                        f"{', '.join(sorted(fields))}). It was written by another program.")
    try:
        graph = CausalGraph.parse(_get(d, "graph", "text", lambda x: isinstance(x, str)))
    except DataError:
        raise
    except CausalCoreError as err:
        raise DataError(f"The plan's graph cannot be read: {err}") from None
    optional_names = lambda x: x is None or _is_names(x)  # noqa: E731
    mapping = lambda x: isinstance(x, dict)  # noqa: E731
    kw: dict[str, Any] = {
        "graph": graph, "data": _data(d.get("data")),
        "treatment": _get(d, "treatment", "text", lambda x: isinstance(x, str), ""),
        "outcome": _get(d, "outcome", "text", lambda x: isinstance(x, str), ""),
        "adjustment_set": _get(d, "adjustment_set", "a list of names or null", optional_names, None),
        "estimator": _get(d, "estimator", "text", lambda x: isinstance(x, str), "linear_regression"),
        "params": _get(d, "params", "an object", mapping, {}),
        "target": _get(d, "target", "text", lambda x: isinstance(x, str), "ate"),
        "compare": _get(d, "compare", "a list of names or null", optional_names, None),
        "refuters": _get(d, "refuters", "a list of names or null", optional_names, None),
        "n_simulations": _get(d, "n_simulations", "a whole number", _is_int, 100),
        "refuter_params": _get(d, "refuter_params", "an object", mapping, {}),
        "missing_data": _get(d, "missing_data", "a strategy name or an object",
                             lambda x: isinstance(x, str | dict), "none"),
        "random_state": _get(d, "random_state", "a whole number", _is_int, 0),
        "whatif_seed": _get(d, "whatif_seed", "a whole number", _is_int, 0),
    }
    questions = _get(d, "whatif_questions", "a list", lambda x: isinstance(x, list), [])
    kw["whatif_questions"] = tuple(_question(q, i) for i, q in enumerate(questions))
    for name, p in kw["refuter_params"].items():
        if not isinstance(p, dict):
            raise _bad(f"refuter_params.{name}", "an object", p)
    return kw
