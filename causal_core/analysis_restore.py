"""Reading a saved analysis back: strict JSON, schema checks, result objects from dictionaries.

Everything here is plain data handling: no ``pickle``, no ``eval``. Every problem becomes an
:class:`~causal_core.analysis.AnalysisError` that names the field, what was expected, what was
found and what to do.

Examples
--------
>>> from causal_core.analysis_restore import parse_json
>>> parse_json('{"format": "x"}')
{'format': 'x'}
>>> parse_json("{oops")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
causal_core.analysis.AnalysisError: The file is not valid JSON (line 1, column 2: ...
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from .analysis import FORMAT, MAX_BYTES, SCHEMA_VERSION, AnalysisError, DataReference
from .exceptions import CausalCoreError
from .graph import CausalGraph
from .plan_read import check_plain

__all__ = ["parse_json", "analysis_kwargs", "estimate_from_dict", "refutation_from_dict",
           "sensitivity_from_dict"]

_AGAIN = "open the original analysis and save it again"
_PICK = "Pick a .json file that Analysis.to_json (or Causal Explorer's report) saved."


def _reject_constant(name: str) -> Any:
    raise AnalysisError(f"The file contains {name}, which is not valid JSON; it is damaged: "
                        f"{_AGAIN}.")


#: The longest run of digits a saved number may have (a float's repr has at most 17 digits
#: and an exponent; Python refuses to convert integers of more than 4,300 digits at all).
MAX_DIGITS = 40


def _int_text(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise AnalysisError(f"The file holds a whole number of {len(text.lstrip('-')):,} digits; a "
                            f"saved analysis holds none longer than {MAX_DIGITS}. The file is "
                            f"damaged or was edited by hand: {_AGAIN}.")
    return int(text)


def _float_text(text: str) -> float:
    if len(text) > 2 * MAX_DIGITS:
        raise AnalysisError(f"The file holds a number written with {len(text):,} characters; a "
                            f"saved analysis writes none longer than {2 * MAX_DIGITS}. The file is "
                            f"damaged or was edited by hand: {_AGAIN}.")
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise AnalysisError(f"The file holds the number {shown}, which is too large to be a finite "
                            f"number (it would read as infinity, not as a value). The file is "
                            f"damaged or was edited by hand: {_AGAIN}.")
    return value


def parse_json(text: str | bytes) -> Any:
    """Parse strict JSON (no NaN/Infinity), with a size cap, into Python values."""
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_BYTES:
            raise AnalysisError(f"The file is {len(text):,} bytes; a saved analysis is at most "
                                f"{MAX_BYTES:,}. {_PICK}")
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise AnalysisError(f"The file is not UTF-8 text (byte {err.start} cannot be read), so "
                                f"it is not a saved analysis. {_PICK}") from None
    if not isinstance(text, str):
        raise AnalysisError(f"A saved analysis is JSON text; got {type(text).__name__}.")
    if len(text) > MAX_BYTES:
        raise AnalysisError(f"The text has {len(text):,} characters; a saved analysis has at "
                            f"most {MAX_BYTES:,}.")
    try:
        doc = json.loads(text, parse_constant=_reject_constant, parse_int=_int_text,
                         parse_float=_float_text)
    except json.JSONDecodeError as err:
        raise AnalysisError(f"The file is not valid JSON (line {err.lineno}, column {err.colno}: "
                            f"{err.msg}). It is damaged or is not a saved analysis: {_AGAIN}.") from None
    except RecursionError:
        raise AnalysisError(f"The file nests too deeply (lists or objects thousands of levels); a saved "
                            f"analysis nests a few levels. It is damaged: {_AGAIN}.") from None
    check_plain(doc, "The file", AnalysisError)
    return doc


def _kind(v: Any) -> str:
    names = {type(None): "null", bool: "true/false", int: "a number", float: "a number",
             str: "text", list: "a list", dict: "an object"}
    return names.get(type(v), type(v).__name__)


def _bad(name: str, want: str, v: Any) -> AnalysisError:
    seen = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
    return AnalysisError(f"The analysis file's field {name!r} must be {want}; found {_kind(v)} "
                         f"({seen}). The file is damaged or was edited by hand: {_AGAIN}.")


def _text(d: dict, name: str, default: Any = ..., optional: bool = False) -> Any:
    if name not in d:
        if default is ...:
            raise AnalysisError(f"The analysis file has no {name!r} field; it is incomplete. "
                                f"{_AGAIN[0].upper() + _AGAIN[1:]}.")
        return default
    v = d[name]
    if optional and v is None:
        return None
    if not isinstance(v, str):
        raise _bad(name, "text", v)
    return v


def _missing(d: dict) -> dict[str, Any]:
    """The missing-data choice: its dictionary, or a strategy name (files before version 0.4)."""
    from .missing import MissingDataChoice

    v = d.get("missing_data", "none")
    try:
        if isinstance(v, str):
            return MissingDataChoice(v).to_dict()
        if isinstance(v, dict):
            return MissingDataChoice.from_dict(v).to_dict()
    except CausalCoreError as err:
        raise AnalysisError(f"The analysis file's 'missing_data' is not a valid choice: {err}") from err
    raise _bad("missing_data", "a strategy name or an object", v)


def _texts(d: dict, name: str, optional: bool = False) -> tuple[str, ...] | None:
    v = d.get(name, None if optional else [])
    if optional and v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise _bad(name, "a list of text", v)
    return tuple(v)


def _obj(d: dict, name: str, optional: bool = False) -> dict | None:
    v = d.get(name, None if optional else {})
    if optional and v is None:
        return None
    if not isinstance(v, dict):
        raise _bad(name, "an object", v)
    return v


def _int(d: dict, name: str, default: int) -> int:
    v = d.get(name, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise _bad(name, "a whole number", v)
    return v


def _check_header(d: Any) -> None:
    if not isinstance(d, dict):
        raise AnalysisError(f"A saved analysis is a JSON object; this file holds {_kind(d)}. "
                            f"{_PICK}")
    fmt = d.get("format")
    if fmt != FORMAT:
        what = "has no 'format' field" if "format" not in d else f"says its format is {fmt!r}"
        raise AnalysisError(f"This file is not a Causal Explorer analysis: it {what}, expected "
                            f"{FORMAT!r}. (A graph file is read with CausalGraph.parse, data with "
                            f"load_table.) {_PICK}")
    version = d.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _bad("schema_version", "a whole number", version)
    if version > SCHEMA_VERSION:
        raise AnalysisError(f"This analysis was saved by a newer Causal Explorer (schema version "
                            f"{version}); this one reads version {SCHEMA_VERSION}. Update "
                            "causal_core to open it.")
    if version < SCHEMA_VERSION:
        raise AnalysisError(f"This analysis was saved by an older Causal Explorer (schema version "
                            f"{version}); this one reads version {SCHEMA_VERSION} and older "
                            "versions cannot be converted. Re-run the analysis and save it again.")


def analysis_kwargs(d: Any) -> dict[str, Any]:
    """Validate a parsed document; the keyword arguments of :class:`Analysis`."""
    _check_header(d)
    data = _obj(d, "data")
    ref = DataReference(
        file_name=_text(data, "file_name"), n_rows=_int(data, "n_rows", 0),
        columns=_texts(data, "columns"), dtypes=_texts(data, "dtypes"),
        fingerprint=_text(data, "fingerprint"), example=_text(data, "example", None, True),
        sheet=_text(data, "sheet", None, True), date_features=_texts(data, "date_features"))
    graph = _text(d, "graph")
    try:
        g = CausalGraph.parse(graph)
    except CausalCoreError as err:
        raise AnalysisError(f"The analysis file's graph cannot be read: {err}") from None
    kw: dict[str, Any] = {
        "data": ref, "graph": graph, "treatment": _text(d, "treatment"),
        "outcome": _text(d, "outcome"), "estimator": _text(d, "estimator"),
        "adjustment_choice": _texts(d, "adjustment_choice", optional=True),
        "adjustment_set": _texts(d, "adjustment_set"),
        "identification": _obj(d, "identification"), "target": _text(d, "target", "ate"),
        "params": _obj(d, "params"), "random_state": _int(d, "random_state", 0),
        "refutation_runs": _obj(d, "refutation_runs"), "estimates": _obj(d, "estimates"),
        "refutations": _obj(d, "refutations"), "sensitivity": _obj(d, "sensitivity", True),
        "reference": _obj(d, "reference", True), "title": _text(d, "title", ""),
        "created": _text(d, "created", ""), "engine_version": _text(d, "engine_version", ""),
        "compare": _texts(d, "compare", optional=True),
        "refuters": _texts(d, "refuters", optional=True),
        "n_simulations": _int(d, "n_simulations", 100),
        "missing_data": _missing(d),
        "whatif_seed": _int(d, "whatif_seed", 0),
    }
    questions = d.get("whatif_questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        raise _bad("whatif_questions", "a list of objects", questions)
    kw["whatif_questions"] = tuple(questions)
    whatif = d.get("whatif", [])
    if not isinstance(whatif, list) or not all(isinstance(w, dict) for w in whatif):
        raise _bad("whatif", "a list of objects", whatif)
    kw["whatif"] = tuple(whatif)
    for role in ("treatment", "outcome"):
        if kw[role] not in g:
            raise AnalysisError(f"The analysis file's {role} {kw[role]!r} is not a node of its "
                                f"graph. The file is damaged: {_AGAIN}.")
    for name, run in kw["refutation_runs"].items():
        if not isinstance(run, dict) or isinstance(run.get("n_simulations"), bool) \
                or not isinstance(run.get("n_simulations"), int) \
                or not isinstance(run.get("params", {}), dict):
            raise _bad(f"refutation_runs.{name}", "an object with n_simulations and params", run)
    _check_results(kw)
    return kw


def _check_results(kw: dict[str, Any]) -> None:
    """Rebuild every result once, so that a damaged one fails now, not when it is shown."""
    if kw["estimator"] not in kw["estimates"]:
        raise AnalysisError(f"The analysis file's main estimator {kw['estimator']!r} has no "
                            f"estimate in it. The file is damaged: {_AGAIN}.")
    checks = [("estimates", estimate_from_dict), ("refutations", refutation_from_dict)]
    for kind, build in checks:
        for name, value in kw[kind].items():
            _rebuild(build, value, f"{kind}.{name}")
    if kw["sensitivity"] is not None:
        _rebuild(sensitivity_from_dict, kw["sensitivity"], "sensitivity")


def _rebuild(build: Any, value: Any, where: str) -> Any:
    try:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, found {_kind(value)}")
        return build(value)
    except (TypeError, KeyError, ValueError, AttributeError, IndexError, CausalCoreError) as err:
        raise AnalysisError(f"The analysis file's result {where!r} cannot be read ({err}). The "
                            f"file is damaged or was edited by hand: {_AGAIN}.") from None


# ---------------------------------------------------------------------- result objects
def _num(v: Any) -> float:
    """A saved number (``None`` stands for a non-finite one) as a float."""
    if v is None:
        return float("nan")
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"expected a number, found {_kind(v)}")
    return float(v)


def _make(cls: type, d: dict, convert: dict[str, Any]) -> Any:
    """``cls(**d)`` with per-field conversions; unknown fields are an error."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise KeyError(f"unknown field {unknown[0]!r} in {cls.__name__}")
    kwargs = {k: convert[k](v) if k in convert else v for k, v in d.items()}
    return cls(**kwargs)


def _floats(v: Any) -> tuple[float, ...]:
    return tuple(_num(x) for x in v)


def _array(v: Any) -> np.ndarray:
    return np.array([[_num(x) for x in row] for row in v] if v and isinstance(v[0], list)
                    else [_num(x) for x in v], dtype=float)


def estimate_from_dict(d: dict[str, Any]) -> Any:
    """An :class:`EffectEstimate` from its ``to_dict()``."""
    from .estimators.result import BalanceRow, EffectEstimate, PropensityDiagnostics, SubgroupEffect
    from .identify import Estimand

    def estimand(v: dict) -> Estimand:
        return Estimand(**{k: tuple(x) if isinstance(x, list) else x for k, x in v.items()})

    def diagnostics(v: dict) -> dict:
        out = dict(v)
        if isinstance(out.get("propensity"), dict):
            p = out["propensity"]
            out["propensity"] = _make(PropensityDiagnostics, p, {
                "bin_edges": _floats, "counts_treated": tuple, "counts_control": tuple,
                "balance": lambda rows: tuple(BalanceRow(**r) for r in rows),
                **{k: _num for k in p if k.startswith(("ps_", "share_", "ess_", "weight_"))}})
        return out

    nums = {k: _num for k in ("value", "se", "ci_low", "ci_high", "alpha", "p_value")}
    return _make(EffectEstimate, d, {
        **nums, "estimand": estimand, "contrast": tuple, "warnings": tuple,
        "diagnostics": diagnostics, "params": dict,
        "subgroups": lambda rows: tuple(_make(SubgroupEffect, r, {
            k: _num for k in ("value", "se", "ci_low", "ci_high")}) for r in rows),
    })


def refutation_from_dict(d: dict[str, Any]) -> Any:
    """A :class:`RefutationResult` from its ``to_dict()``."""
    from .refuters.base import RESULT_TYPES, ConfounderSurface

    def surface(v: dict | None) -> ConfounderSurface | None:
        if v is None:
            return None
        return _make(ConfounderSurface, v, {
            "r2_treatment": _floats, "r2_outcome": _floats, "effects": _array,
            "ci_low": _array, "ci_high": _array,
            **{k: _num for k in ("max_r2_searched", "benchmark_r2_treatment",
                                 "benchmark_r2_outcome", "benchmark_effect",
                                 "benchmark_ci_low", "benchmark_ci_high")}})

    kind = d.get("kind", "falsification")
    cls = RESULT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise TypeError(f"unknown kind of check {kind!r}")
    return _make(cls, d, {
        "original_value": _num, "reference_value": _num, "simulated": _array,
        "p_value": lambda v: None if v is None else _num(v), "alpha": _num, "warnings": tuple,
        "params": dict, "surface": surface,
        "details": lambda v: {str(k): _num(x) for k, x in dict(v).items()},
    })


def sensitivity_from_dict(d: dict[str, Any]) -> Any:
    """An :class:`OVBSensitivity` from its ``to_dict()``."""
    from .sensitivity.ovb import BenchmarkBound, OVBSensitivity

    bound_nums = ("kd", "ky", "r2dz_x", "r2yz_dx", "adjusted_estimate", "adjusted_se",
                  "adjusted_t", "ci_low", "ci_high")
    return _make(OVBSensitivity, d, {
        **{k: _num for k in ("estimate", "se", "t_statistic", "r2yd_x", "f2yd_x", "q", "alpha",
                             "rv_q", "rv_qa")},
        "benchmarks": lambda rows: tuple(_make(BenchmarkBound, r, {k: _num for k in bound_nums})
                                         for r in rows),
        "grid_r2dz": _floats, "grid_r2yz": _floats, "grid_estimate": _array, "grid_t": _array,
        "notes": tuple,
    })
