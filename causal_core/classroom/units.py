"""Units for the What-if lesson: pick a unit by its attributes, and the variable an example's
effect depends on.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"age": range(40, 52), "has_transport": [1, 0] * 6})
>>> int(f.loc[find_unit(f, {"has_transport": 0, "age": 44.2}), "age"])
45
>>> effect_modifier({"ATE": -0.03, "effect | has_transport=1": -0.06, "effect | has_transport=0": 0.0})
'has_transport'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["DISCRETE_LEVELS", "effect_modifier", "find_unit", "is_discrete"]

#: A column with at most this many distinct values is matched exactly.
DISCRETE_LEVELS = 10
_SUBGROUP = re.compile(r"^effect \| (.+)=[^=]*$")


def is_discrete(column: pd.Series) -> bool:
    """Matched exactly (few levels or not numeric) rather than by nearest value."""
    return (not pd.api.types.is_numeric_dtype(column)) or column.nunique() <= DISCRETE_LEVELS


def effect_modifier(truth: Mapping[str, float]) -> str | None:
    """The column an example's truth is split by (keys ``'effect | col=value'``), if any."""
    found = [m.group(1) for key in truth if (m := _SUBGROUP.match(str(key)))]
    return found[0] if found and len(set(found)) == 1 else None


def find_unit(frame: pd.DataFrame, wanted: Mapping[str, Any]) -> int:
    """The position of the row closest to the wanted attributes.

    Discrete columns (see :func:`is_discrete`) must match exactly; numeric ones count by their
    distance in standard deviations, summed; ties go to the first row.

    Raises
    ------
    DataError
        An unknown column, or no row with every wanted discrete value.
    """
    if not wanted:
        raise DataError("Pick at least one attribute to find a unit by.")
    keep = np.ones(len(frame), dtype=bool)
    distance = np.zeros(len(frame))
    for col, value in wanted.items():
        if col not in frame.columns:
            raise DataError(f"The data have no column {str(col)[:40]!r} to pick a unit by.")
        s = frame[col]
        if is_discrete(s):
            keep &= (s == value).to_numpy()
        else:
            sd = float(s.std()) or 1.0
            distance += np.abs(s.to_numpy(dtype=float) - float(value)) / sd
    if not keep.any():
        shown = ", ".join(f"{k} = {v}" for k, v in wanted.items())
        raise DataError(f"No unit has {shown}. Change one of the attributes.")
    distance[~keep] = np.inf
    return int(np.argmin(distance))
