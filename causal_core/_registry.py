"""Turning a registry name (or a ready object) plus parameters into an object, for estimators
and refuters alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .exceptions import EstimationError

T = TypeVar("T")


def resolve(method: Any, params: dict[str, Any], base: type[T],
            lookup: Callable[[str], type[T]], what: str) -> T:
    """``method`` as an object of ``base``: a registered name built with ``params``, or an
    object given as is (then ``params`` must be empty).

    Parameters
    ----------
    what : str
        How the messages call it ("estimator", "refuter").
    """
    if isinstance(method, base):
        if params:
            raise EstimationError(
                f"Parameters {sorted(params)} were passed alongside the {what} object "
                f"{method!r}; set them on the object instead (method.set_params(...))."
            )
        return method
    if not isinstance(method, str):
        raise EstimationError(
            f"method must be a registered {what} name or a {base.__name__} object, "
            f"got {type(method).__name__}."
        )
    cls = lookup(method)
    valid = cls._param_names()  # type: ignore[attr-defined]
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise EstimationError(
            f"The {what} {method!r} has no parameter {unknown[0]!r}. Its parameters are: "
            f"{', '.join(valid) or 'none'}."
        )
    return cls(**params)
