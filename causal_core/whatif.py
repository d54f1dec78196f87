"""The What-if rungs as engine functions: seeing, doing, imagining, and the unit-effect distribution.

One question asked three ways (Pearl's ladder):

- **seeing**: E[outcome | treatment = x] from the data (group means, or 20 binned means);
- **doing**: E[outcome | do(treatment = x)] from a fitted structural causal model;
- **imagining**: one unit's outcome had its treatment been different (abduction, action,
  prediction), and the distribution of unit-level effects on a seeded sample of rows.

:func:`ask` answers one :class:`~causal_core.plan.WhatIfQuestion` with all of them;
:func:`against_estimate` compares the model's effect with the chosen estimate (sign, interval,
target) in one sentence. The app, a notebook and the exported script call these same functions
with the same seeds, so they show the same numbers.

Examples
--------
>>> import causal_core as cc
>>> from causal_core import whatif
>>> from causal_core.datasets import load_example
>>> ex = load_example("marketing")
>>> q = whatif.pose(ex.data, "marketing_spend", "revenue")
>>> q.kind
'continuous'
>>> round(whatif.seeing_curve(ex.data, q).effect, 2)  # confounded: about twice the effect
4.09
>>> scm = whatif.fit_model(ex.data, ex.graph, q)
>>> round(whatif.doing_curve(ex.data, scm, q).effect, 2)
2.05
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .estimators.prepare import treatment_kind
from .exceptions import DataError
from .graph import CausalGraph
from .plan import WhatIfQuestion
from .scm import StructuralCausalModel, fit_scm
from .whatif_text import Agreement, against_estimate, fmt, gap_sentence  # noqa: F401 (public here)

__all__ = ["Question", "Curve", "WhatIfAnswer", "Agreement", "pose", "seeing_curve", "seeing_at",
           "model_graph", "fit_model", "doing_grid", "doing_curve", "doing_at", "unit_values",
           "unit_counterfactual", "effect_contrast", "unit_effects", "own_effect",
           "fmt", "slider_range", "own_effect_from", "effects_summary", "hospital_units",
           "value_text", "plain_value",
           "model_effect", "confounders", "outcome_is_01", "ask", "describe", "against_estimate",
           "gap_sentence"]

MC_DRAWS = 20_000          # Monte-Carlo draws per intervention (common random numbers)
CURVE_DRAWS = 5_000        # per point of the doing curve
CURVE_POINTS = 25
SEEING_BINS = 20
EFFECT_SAMPLE = 2_000      # rows for the unit-effect distribution (unit effects on 100k rows are slow)
MAX_LEVELS = 12            # a discrete treatment with more levels is too many to compare


@dataclass(frozen=True)
class Question:
    """The treatment, the outcome, and how the treatment varies."""

    treatment: str
    outcome: str
    kind: str                      # "continuous", "binary" or "categorical"
    levels: tuple[Any, ...] = ()   # discrete treatments: the values, sorted (binary: t0, t1)
    lo: float = 0.0                # continuous: the observed range
    hi: float = 1.0
    typical: float = 0.0           # continuous: the median

    def default_x(self) -> Any:
        """The value asked about when the question names none: the median, or the last level."""
        return self.typical if self.kind == "continuous" else self.levels[-1]


@dataclass(frozen=True)
class Curve:
    """Mean outcome over treatment values; ``effect``: slope per unit (continuous) or t1 − t0."""

    x: tuple[Any, ...]
    y: tuple[float, ...]
    n: tuple[int, ...]
    effect: float


def pose(frame: pd.DataFrame, treatment: str, outcome: str) -> Question:
    """The question on ``frame`` (DataError when a column is missing or has too many levels)."""
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name not in frame.columns:
            raise DataError(f"The {role} {name!r} is not a column of the data.")
    col = frame[treatment].dropna()
    kind, levels = treatment_kind(col)
    if kind == "continuous":
        q = col.quantile([0.0, 0.5, 1.0]).to_numpy(dtype=float)
        return Question(treatment, outcome, kind, (), float(q[0]), float(q[2]), float(q[1]))
    if len(levels) > MAX_LEVELS:
        raise DataError(f"The treatment {treatment!r} has {len(levels)} distinct values; What if "
                        f"compares at most {MAX_LEVELS}. Group them into fewer levels first.")
    return Question(treatment, outcome, kind, tuple(levels))


def slider_range(q: Question, x: Any) -> tuple[float, float, float, float]:
    """(low, high, step, value) of a slider over a continuous treatment: round steps of about
    a hundredth of the range, the value ``x`` snapped to a step."""
    step = float(10 ** np.floor(np.log10(max(q.hi - q.lo, 1e-12) / 100)))
    lo, hi = float(np.floor(q.lo / step) * step), float(np.ceil(q.hi / step) * step)
    return lo, hi, step, float(np.clip(round(float(x) / step) * step, lo, hi))


# ------------------------------------------------------------------ rung 1: seeing
def _numeric_outcome(frame: pd.DataFrame, y: str) -> pd.Series:
    s = frame[y]
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    raise DataError(f"The outcome {y!r} is text: its mean is not defined, so the three rungs "
                    "cannot be compared. Encode it as numbers (e.g. 0/1) first.")


def seeing_curve(frame: pd.DataFrame, q: Question) -> Curve:
    """E[outcome | treatment = x] from the data: group means, or binned means over x (20 bins
    of equal count). ``effect``: the last minus the first group mean, or the least-squares slope."""
    both = pd.DataFrame({"t": frame[q.treatment], "y": _numeric_outcome(frame, q.outcome)}).dropna()
    if q.kind != "continuous":
        g = both.groupby("t", observed=True)["y"]  # only levels seen (missing ones read NaN)
        means, counts = g.mean(), g.size()
        y = tuple(float(means.get(v, np.nan)) for v in q.levels)
        return Curve(q.levels, y, tuple(int(counts.get(v, 0)) for v in q.levels), y[-1] - y[0])
    t = both["t"].astype(float)
    bins = pd.qcut(t.rank(method="first"), min(SEEING_BINS, max(2, len(t) // 20)), labels=False)
    g = both.assign(t=t).groupby(bins)
    means = g.mean()
    slope = float(np.polyfit(t.to_numpy(), both["y"].to_numpy(dtype=float), 1)[0])
    return Curve(tuple(means["t"]), tuple(means["y"]), tuple(int(k) for k in g.size()), slope)


def seeing_at(curve: Curve, q: Question, x: Any) -> float:
    """The seeing curve at ``x`` (continuous: interpolated between bin means)."""
    if q.kind != "continuous":
        return curve.y[list(q.levels).index(x)]
    return float(np.interp(float(x), curve.x, curve.y))


# ------------------------------------------------------------------ the model
def model_graph(graph: CausalGraph, q: Question, columns: Any) -> CausalGraph:
    """The graph restricted to the ancestors of treatment and outcome, without positions.

    A node of that part without a column is refused by name: a structural causal model needs
    every cause of the treatment and the outcome measured.
    """
    keep = graph.ancestors([q.treatment, q.outcome])
    cols = set(columns)
    missing = [v for v in graph.nodes if v in keep and graph.is_observed(v) and v not in cols]
    if missing:
        raise DataError(
            f"The graph's nodes {', '.join(map(repr, missing))} have no column in the data. A "
            "structural causal model needs every cause of the treatment and the outcome measured: "
            "rename the columns or the nodes so they match, or remove those nodes from the graph.")
    roles = {v: sorted(graph.roles.get(v, ())) for v in keep}
    return CausalGraph(nodes=[v for v in graph.nodes if v in keep],
                       edges=[(a, b) for a, b in graph.edges if a in keep and b in keep],
                       bidirected=[(a, b) for a, b in graph.bidirected if a in keep and b in keep],
                       roles={v: r for v, r in roles.items() if r})


def fit_model(frame: pd.DataFrame, graph: CausalGraph, q: Question, seed: int = 0
              ) -> StructuralCausalModel:
    """The structural causal model of :func:`model_graph`, fitted on ``frame``."""
    return fit_scm(model_graph(graph, q, frame.columns), frame, random_state=seed)


# ------------------------------------------------------------------ rung 2: doing
def doing_grid(frame: pd.DataFrame, q: Question) -> tuple[Any, ...]:
    """Continuous: 25 points over the 2nd–98th percentiles; discrete: every level."""
    if q.kind != "continuous":
        return q.levels
    lo, hi = frame[q.treatment].quantile([0.02, 0.98]).to_numpy(dtype=float)
    return tuple(float(v) for v in np.linspace(lo, hi, CURVE_POINTS))


def doing_curve(frame: pd.DataFrame, scm: StructuralCausalModel, q: Question, seed: int = 0,
                progress: Callable[[float], Any] | None = None) -> Curve:
    """E[outcome | do(treatment = x)] on :func:`doing_grid`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data the model was fitted on (the grid's percentiles come from it).
    scm : StructuralCausalModel
        The fitted model.
    q : Question
        The question (treatment, outcome, kind, levels).
    seed : int
        Monte-Carlo seed: the same seed gives the same curve.
    progress : callable, optional
        Called with the fraction done after each grid point and after the discrete treatment's
        effect (each a model simulation: on a 122-node graph about 0.7 s a point). An exception
        it raises stops the curve there (how a closed tab stops it in the app's job pool).

    Returns
    -------
    Curve
        ``effect``: the curve's slope (continuous), or the model's average effect of the last
        level against the first.
    """
    grid = doing_grid(frame, q)
    n = CURVE_DRAWS if q.kind == "continuous" else MC_DRAWS
    steps = len(grid) + (q.kind != "continuous")
    y = []
    for v in grid:
        y.append(float(scm.do({q.treatment: v}, n=n, random_state=seed)[q.outcome].astype(float).mean()))
        if progress is not None:
            progress(len(y) / steps)
    if q.kind == "continuous":
        effect = float(np.polyfit(np.asarray(grid, dtype=float), np.asarray(y), 1)[0])
    else:
        effect = scm.ate(q.treatment, q.levels[-1], q.levels[0], outcome=q.outcome, n=MC_DRAWS,
                         random_state=seed).value
        if progress is not None:
            progress(1.0)
    return Curve(grid, tuple(y), tuple(n for _ in grid), effect)


def doing_at(scm: StructuralCausalModel, q: Question, x: Any, seed: int = 0) -> float:
    """E[outcome | do(treatment = x)] from the model (20,000 draws)."""
    return float(scm.do({q.treatment: x}, n=MC_DRAWS, random_state=seed)[q.outcome].astype(float).mean())


# ------------------------------------------------------------------ rung 3: imagining
def _row(frame: pd.DataFrame, row: int) -> int:
    if isinstance(row, bool) or not isinstance(row, int | np.integer) or not 0 <= row < len(frame):
        raise DataError(f"The unit is a row number from 0 to {len(frame) - 1:,}; got {row!r}.")
    return int(row)


def unit_values(frame: pd.DataFrame, q: Question, row: int, x: Any) -> tuple[Any, float, Any]:
    """(the unit's treatment, its outcome, the counterfactual treatment): the other value of a
    binary treatment, else ``x``."""
    unit = frame.iloc[_row(frame, row)]
    t_now, y_now = unit[q.treatment], float(unit[q.outcome])
    if q.kind == "continuous":
        return float(t_now), y_now, x
    t_now = next(v for v in q.levels if v == t_now)
    return t_now, y_now, ([v for v in q.levels if v != t_now][0] if q.kind == "binary" else x)


def unit_counterfactual(scm: StructuralCausalModel, frame: pd.DataFrame, q: Question, row: int,
                        t_value: Any) -> float:
    """The outcome the unit in row ``row`` would have had with the treatment at ``t_value``."""
    cf = scm.counterfactual(frame.iloc[[_row(frame, row)]], {q.treatment: t_value}, nodes=[q.outcome])
    return float(cf[q.outcome].iloc[0])


def effect_contrast(q: Question, x: Any) -> tuple[Any, Any] | None:
    """(t1, t0) of the unit effects for discrete treatments (None: continuous, +1 unit each)."""
    if q.kind == "continuous":
        return None
    if q.kind == "binary":
        return q.levels[1], q.levels[0]
    return (x, q.levels[0]) if x != q.levels[0] else (q.levels[1], q.levels[0])


def _sample(frame: pd.DataFrame, seed: int, rows: np.ndarray | None = None) -> pd.DataFrame:
    rows = np.arange(len(frame)) if rows is None else rows
    rng = np.random.default_rng(seed)
    if len(rows) > EFFECT_SAMPLE:
        rows = np.sort(rng.choice(rows, EFFECT_SAMPLE, replace=False))
    return frame.iloc[rows]


def unit_effects(scm: StructuralCausalModel, frame: pd.DataFrame, q: Question,
                 contrast: tuple[Any, Any] | None, seed: int = 0,
                 rows: np.ndarray | None = None) -> pd.Series:
    """Unit-level effects on at most 2,000 of ``rows`` (default: all; a seeded sample), by row.

    Discrete treatment: each unit's outcome under t1 minus under t0; continuous: each unit's
    change had its own treatment been one unit higher.
    """
    sample = _sample(frame, seed, rows)
    if contrast is not None:
        return scm.unit_effects(q.treatment, contrast[0], contrast[1], q.outcome, rows=sample)
    cf = scm.counterfactual(sample, {q.treatment: lambda v: v + 1.0}, nodes=[q.outcome])
    return (cf[q.outcome] - sample[q.outcome].astype(float)).rename(f"effect on {q.outcome}")


def own_effect(scm: StructuralCausalModel, frame: pd.DataFrame, q: Question, row: int, x: Any,
               y_cf: float) -> float | None:
    """The unit's own effect on the distribution's scale (None when its contrast is not the one
    shown)."""
    t_now, y_now, t_cf = unit_values(frame, q, row, x)
    contrast = effect_contrast(q, x)
    if contrast is None:
        return unit_counterfactual(scm, frame, q, row, t_now + 1.0) - y_now
    return own_effect_from(t_now, y_now, t_cf, y_cf, contrast)


def own_effect_from(t_now: Any, y_now: float, t_cf: Any, y_cf: float, contrast: tuple[Any, Any]
                    ) -> float | None:
    """A discrete treatment's unit effect t1 − t0 from its actual and counterfactual outcome
    (None when the unit's two values are not the contrast's)."""
    if {t_now, t_cf} != set(contrast):
        return None
    return y_now - y_cf if t_now == contrast[0] else y_cf - y_now


def effects_summary(effects: pd.Series) -> tuple[float, bool]:
    """(mean, all equal): the unit effects' mean, and whether they are one value for everyone
    (linear mechanisms give every unit the same effect)."""
    v = effects.to_numpy(dtype=float)
    mean = float(v.mean())
    return mean, bool(np.ptp(v) <= 1e-9 * max(1.0, abs(mean)))


def effects_by_group(effects: pd.Series, groups: pd.Series) -> list[tuple[Any, np.ndarray, float]]:
    """The unit effects split by the values of ``groups`` (aligned with ``effects``):
    ``(level, effects, mean)`` per level, in sorted order.

    Examples
    --------
    >>> e = pd.Series([1.0, 2.0, 3.0, 5.0])
    >>> [(lv, m) for lv, _, m in effects_by_group(e, pd.Series([0, 1, 0, 1]))]
    [(0, 2.0), (1, 3.5)]
    """
    g = groups.to_numpy()
    out = []
    for level in sorted(pd.unique(g).tolist()):
        part = effects.to_numpy(dtype=float)[g == level]
        out.append((level, part, float(part.mean())))
    return out


def hospital_units(frame: pd.DataFrame) -> tuple[int, int]:
    """Rows of the hospital example: the first called patient without transport, and with it."""
    called = frame["followup_call"] == 1
    return (int(np.flatnonzero(called & (frame["has_transport"] == 0))[0]),
            int(np.flatnonzero(called & (frame["has_transport"] == 1))[0]))


def value_text(v: Any) -> str:
    """A cell as text (floats in 6 significant digits)."""
    return f"{v:,.6g}" if isinstance(v, float | np.floating) else str(v)


def plain_value(v: Any) -> Any:
    """A treatment value as a plain Python value (numpy scalars unwrapped)."""
    return v.item() if isinstance(v, np.generic) else v


def model_effect(scm: StructuralCausalModel, frame: pd.DataFrame, q: Question, target: str,
                 doing: Curve, seed: int = 0) -> float:
    """The model's effect for ``target``: the doing curve's effect for everyone (ATE, and any
    continuous treatment); for the treated (ATT) or the untreated (ATC) of a binary treatment,
    the mean unit-level effect among those rows (seeded sample of at most 2,000)."""
    if target == "ate" or q.kind != "binary":
        return doing.effect
    group = q.levels[1] if target == "att" else q.levels[0]
    rows = np.flatnonzero((frame[q.treatment] == group).to_numpy())
    if not len(rows):
        raise DataError(f"No row has {q.treatment} = {group!r}, so the effect for that group is "
                        "not defined.")
    return float(unit_effects(scm, frame, q, (q.levels[1], q.levels[0]), seed, rows).mean())


def confounders(identification: Any, graph: CausalGraph, adjustment: list[str], q: Question
                ) -> list[str] | None:
    """The variables that confound the question: the adjustment set in use, restricted to
    causes of the treatment when any are (a randomised treatment's precision covariates are no
    confounders). None when the graph has no back-door path (no adjustment needed)."""
    if identification is not None and [] in [list(z) for z in identification.adjustment_sets]:
        return None
    causes = graph.ancestors([q.treatment])
    return [z for z in adjustment if z in causes] or list(adjustment)


def outcome_is_01(frame: pd.DataFrame, q: Question) -> bool:
    """Whether the outcome only takes the values 0 and 1."""
    s = frame[q.outcome]
    return bool(pd.api.types.is_numeric_dtype(s) and s.isin([0, 1]).all())


# ------------------------------------------------------------------ one question, every rung
@dataclass(frozen=True)
class WhatIfAnswer:
    """One question answered on every rung (numbers as the app, a notebook and the script show).

    Attributes
    ----------
    x : value asked about; seeing, doing : E[y | t = x] and E[y | do(t = x)]
    seeing_effect, doing_effect : float
        The curves' effects (slope per unit, or last level minus first).
    unit, t_actual, y_actual, t_counterfactual, y_counterfactual : the unit's rung 3
    effects_mean : float
        Mean of the unit-level effects (seeded sample of at most 2,000 rows).
    seed : int
    """

    x: Any
    seeing: float
    doing: float
    seeing_effect: float
    doing_effect: float
    unit: int
    t_actual: Any
    y_actual: float
    t_counterfactual: Any
    y_counterfactual: float
    effects_mean: float
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary."""
        from ._json import plain

        return plain(self.__dict__)


def ask(frame: pd.DataFrame, graph: CausalGraph, treatment: str, outcome: str,
        question: WhatIfQuestion, *, seed: int = 0, scm: StructuralCausalModel | None = None,
        progress: Callable[[float], Any] | None = None) -> WhatIfAnswer:
    """Answer ``question`` on every rung (``scm``: an already fitted :func:`fit_model`;
    ``progress``: the doing curve's, see :func:`doing_curve`)."""
    q = pose(frame, treatment, outcome)
    x = q.default_x() if question.x is None else question.x
    scm = fit_model(frame, graph, q, seed) if scm is None else scm
    see = seeing_curve(frame, q)
    do = doing_curve(frame, scm, q, seed, progress)
    t_now, y_now, t_cf = unit_values(frame, q, question.unit, x)
    effects = unit_effects(scm, frame, q, effect_contrast(q, x), seed)
    return WhatIfAnswer(x, seeing_at(see, q, x), doing_at(scm, q, x, seed), see.effect, do.effect,
                        question.unit, t_now, y_now, t_cf,
                        unit_counterfactual(scm, frame, q, question.unit, t_cf),
                        float(effects.mean()), seed)


def describe(a: WhatIfAnswer, q: Question) -> list[dict[str, Any]]:
    """The answer as the report's entries (``question``, ``answer``, ``result``), one per rung."""
    t, y = q.treatment, q.outcome
    per = "per unit of" if q.kind == "continuous" else f"for {q.levels[-1]} instead of {q.levels[0]} of"
    result = a.to_dict()
    return [
        {"question": f"Seeing: how does {y} differ with {t} in the data?",
         "answer": f"In the data, {y} differs by {fmt(a.seeing_effect, True)} {per} {t} "
                   f"(association, confounding included); E[{y} | {t} = {fmt(a.x)}] = "
                   f"{fmt(a.seeing)}.",
         "result": {"kind": "seeing", **result}},
        {"question": f"Doing: what would setting {t} change in {y}?",
         "answer": f"In the fitted structural causal model, intervening changes {y} by "
                   f"{fmt(a.doing_effect, True)} {per} {t}; E[{y} | do({t} = {fmt(a.x)})] = "
                   f"{fmt(a.doing)} (seed {a.seed}).",
         "result": {"kind": "doing", **result}},
        {"question": f"Imagining: what would row {a.unit} have had with {t} = "
                     f"{fmt(a.t_counterfactual)}?",
         "answer": f"Row {a.unit} had {t} = {fmt(a.t_actual)} and {y} = {fmt(a.y_actual)}; with "
                   f"{t} = {fmt(a.t_counterfactual)} it would have had {fmt(a.y_counterfactual)}.",
         "result": {"kind": "imagining", **result}},
    ]
