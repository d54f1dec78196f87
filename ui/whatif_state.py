"""Cached calls behind the What-if page: the fitted structural causal model and the three rungs.

Seeing (means of the outcome in the data), doing (means under ``do()`` in the fitted model) and
imagining (one unit's counterfactual, and unit-level effects on a sample of rows). The model holds
scikit-learn estimators, so it is cached with ``st.cache_resource`` (shared, never mutated after
fitting); the small results are ``st.cache_data``. Every key starts with the data fingerprint, and
the model's key is the graph restricted to what the model needs (the ancestors of the treatment
and the outcome, without drawing positions), so moving a node in the editor does not refit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import causal_core as cc
from causal_core.estimators.prepare import treatment_kind
from ui import state

SEED = 0
MC_DRAWS = 20_000          # Monte-Carlo draws per intervention (common random numbers)
CURVE_DRAWS = 5_000        # per point of the doing curve
CURVE_POINTS = 25
SEEING_BINS = 20
EFFECT_SAMPLE = 2_000      # rows for the unit-effect histogram (unit effects on 100k rows are slow)
MAX_LEVELS = 12            # a discrete treatment with more levels is treated as too many to plot


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


@dataclass(frozen=True)
class Curve:
    """Mean outcome over treatment values; ``effect``: slope per unit (continuous) or t1 − t0."""

    x: tuple[Any, ...]
    y: tuple[float, ...]
    n: tuple[int, ...]
    effect: float


def question() -> Question | None:
    """The posed question, or None (DataError when the treatment takes a single value)."""
    d, g = state.data(), state.analysis_graph()
    if d is None or g is None or len(g.exposures) != 1 or len(g.outcomes) != 1:
        return None
    t, y = g.exposures[0], g.outcomes[0]
    if t not in d.frame.columns or y not in d.frame.columns:
        return None
    col = d.frame[t].dropna()
    kind, levels = treatment_kind(col)
    if kind == "continuous":
        q = col.quantile([0.0, 0.5, 1.0]).to_numpy(dtype=float)
        return Question(t, y, kind, (), float(q[0]), float(q[2]), float(q[1]))
    if len(levels) > MAX_LEVELS:
        raise cc.DataError(f"The treatment {t!r} has {len(levels)} distinct values; the What-if page "
                           f"compares at most {MAX_LEVELS}. Group them into fewer levels first.")
    return Question(t, y, kind, tuple(levels))


# ------------------------------------------------------------------ rung 1: seeing
def _numeric_outcome(frame: pd.DataFrame, y: str) -> pd.Series:
    s = frame[y]
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    raise cc.DataError(f"The outcome {y!r} is text: its mean is not defined, so the three rungs "
                       "cannot be compared. Encode it as numbers (e.g. 0/1) on the Data page.")


@st.cache_data(max_entries=32, show_spinner=False)
def _seeing(fp: str, q: Question, _frame: pd.DataFrame) -> Curve:
    both = pd.DataFrame({"t": _frame[q.treatment], "y": _numeric_outcome(_frame, q.outcome)}).dropna()
    if q.kind != "continuous":
        g = both.groupby("t")["y"]
        means, counts = g.mean(), g.size()
        y = tuple(float(means.get(v, np.nan)) for v in q.levels)
        return Curve(q.levels, y, tuple(int(counts.get(v, 0)) for v in q.levels), y[-1] - y[0])
    t = both["t"].astype(float)
    bins = pd.qcut(t.rank(method="first"), min(SEEING_BINS, max(2, len(t) // 20)), labels=False)
    g = both.assign(t=t).groupby(bins)
    means = g.mean()
    slope = float(np.polyfit(t.to_numpy(), both["y"].to_numpy(dtype=float), 1)[0])
    return Curve(tuple(means["t"]), tuple(means["y"]), tuple(int(k) for k in g.size()), slope)


def seeing_curve(q: Question) -> Curve:
    """E[outcome | treatment = x] from the data: group means, or binned means over x (20 bins).

    ``effect``: the difference of the last and first group means, or the least-squares slope.
    """
    d = state.data()
    return _seeing(d.fingerprint, q, d.frame)


def seeing_at(curve: Curve, q: Question, x: Any) -> float:
    """The seeing curve at ``x`` (continuous: interpolated between bin means)."""
    if q.kind != "continuous":
        return curve.y[list(q.levels).index(x)]
    return float(np.interp(float(x), curve.x, curve.y))


# ------------------------------------------------------------------ the model
def scm_graph(q: Question) -> cc.CausalGraph:
    """The analysis graph restricted to the ancestors of treatment and outcome, without positions.

    Nodes missing from the data are refused here with their names (the analysis graph would
    call them latent, which is true but less helpful).
    """
    g = state.analysis_graph()
    keep = g.ancestors([q.treatment, q.outcome])
    missing = [v for v in state.missing_nodes() if v in keep]
    if missing:
        raise cc.DataError(
            f"The graph's nodes {', '.join(map(repr, missing))} have no column in the data. A "
            "structural causal model needs every cause of the treatment and the outcome measured: "
            "rename the columns or the nodes so they match, or remove those nodes on the Model page.")
    roles = {v: sorted(g.roles.get(v, ())) for v in keep}
    return cc.CausalGraph(nodes=[v for v in g.nodes if v in keep],
                          edges=[(a, b) for a, b in g.edges if a in keep and b in keep],
                          bidirected=[(a, b) for a, b in g.bidirected if a in keep and b in keep],
                          roles={v: r for v, r in roles.items() if r})


@st.cache_resource(max_entries=8, show_spinner="Fitting the structural causal model…")
def _fit(fp: str, graph_json: str, seed: int, _frame: pd.DataFrame) -> cc.StructuralCausalModel:
    return cc.fit_scm(cc.CausalGraph.parse(graph_json), _frame, random_state=seed)


def fitted_scm(q: Question) -> cc.StructuralCausalModel:
    """The fitted model (CausalCoreError with the reason when it cannot be fitted)."""
    d = state.data()
    return _fit(d.fingerprint, scm_graph(q).to_json(), SEED, d.frame)


def _key(q: Question) -> tuple[str, str]:
    return state.data().fingerprint, scm_graph(q).to_json()


# ------------------------------------------------------------------ rung 2: doing
@st.cache_data(max_entries=32, show_spinner=False)
def _doing(fp: str, graph_json: str, q: Question, grid: tuple[Any, ...], _frame: pd.DataFrame) -> Curve:
    scm = _fit(fp, graph_json, SEED, _frame)
    y = tuple(float(scm.do({q.treatment: v}, n=CURVE_DRAWS if q.kind == "continuous" else MC_DRAWS,
                           random_state=SEED)[q.outcome].astype(float).mean()) for v in grid)
    if q.kind == "continuous":
        effect = float(np.polyfit(np.asarray(grid, dtype=float), np.asarray(y), 1)[0])
    else:
        effect = scm.ate(q.treatment, q.levels[-1], q.levels[0], outcome=q.outcome, n=MC_DRAWS,
                         random_state=SEED).value
    return Curve(grid, y, tuple(CURVE_DRAWS for _ in grid), effect)


def doing_curve(q: Question) -> Curve:
    """E[outcome | do(treatment = x)] on a grid (continuous: 25 points over the 2nd–98th
    percentiles; discrete: every level). ``effect``: the curve's slope, or the model's ATE."""
    d = state.data()
    if q.kind == "continuous":
        lo, hi = d.frame[q.treatment].quantile([0.02, 0.98]).to_numpy(dtype=float)
        grid: tuple[Any, ...] = tuple(float(v) for v in np.linspace(lo, hi, CURVE_POINTS))
    else:
        grid = q.levels
    return _doing(*_key(q), q, grid, d.frame)


@st.cache_data(max_entries=64, show_spinner=False)
def _doing_at(fp: str, graph_json: str, q: Question, x: Any, _frame: pd.DataFrame) -> float:
    scm = _fit(fp, graph_json, SEED, _frame)
    return float(scm.do({q.treatment: x}, n=MC_DRAWS, random_state=SEED)[q.outcome].astype(float).mean())


def doing_at(q: Question, x: Any) -> float:
    """E[outcome | do(treatment = x)] from the model (20,000 draws)."""
    return _doing_at(*_key(q), q, x, state.data().frame)


# ------------------------------------------------------------------ rung 3: imagining
@st.cache_data(max_entries=64, show_spinner=False)
def _unit(fp: str, graph_json: str, q: Question, row_index: int, t_value: Any,
          _frame: pd.DataFrame) -> float:
    scm = _fit(fp, graph_json, SEED, _frame)
    cf = scm.counterfactual(_frame.iloc[[row_index]], {q.treatment: t_value}, nodes=[q.outcome])
    return float(cf[q.outcome].iloc[0])


def unit_counterfactual(q: Question, row_index: int, t_value: Any) -> float:
    """The outcome the unit in row ``row_index`` would have had with the treatment at ``t_value``."""
    return _unit(*_key(q), q, int(row_index), t_value, state.data().frame)


def unit_preview(q: Question, row_index: int) -> pd.DataFrame:
    """The unit's values of the model's nodes, one per line (as text: columns may mix types)."""
    f = state.data().frame
    cols = [c for c in scm_graph(q).nodes if c in f.columns]
    values = f.iloc[row_index][cols]
    return pd.DataFrame({f"row {row_index}": [_text(v) for v in values]}, index=cols)


def _text(v: Any) -> str:
    return f"{v:,.6g}" if isinstance(v, float | np.floating) else str(v)


def unit_values(q: Question, row_index: int, x: Any) -> tuple[Any, float, Any]:
    """(the unit's treatment, its outcome, the counterfactual treatment): the other value of a
    binary treatment, else the slider's ``x``."""
    unit = state.data().frame.iloc[row_index]
    t_now, y_now = unit[q.treatment], float(unit[q.outcome])
    if q.kind == "continuous":
        return float(t_now), y_now, x
    t_now = next(v for v in q.levels if v == t_now)
    return t_now, y_now, ([v for v in q.levels if v != t_now][0] if q.kind == "binary" else x)


def own_effect(q: Question, row_index: int, x: Any, y_cf: float) -> float | None:
    """The unit's own effect on the histogram's scale (None when its contrast is not the one shown)."""
    t_now, y_now, t_cf = unit_values(q, row_index, x)
    contrast = effect_contrast(q, x)
    if contrast is None:
        return unit_counterfactual(q, row_index, t_now + 1.0) - y_now
    if {t_now, t_cf} != set(contrast):
        return None
    return y_now - y_cf if t_now == contrast[0] else y_cf - y_now


def effect_contrast(q: Question, x: Any) -> tuple[Any, Any] | None:
    """(t1, t0) of the unit effects for discrete treatments (None: continuous, +1 unit each)."""
    if q.kind == "continuous":
        return None
    if q.kind == "binary":
        return q.levels[1], q.levels[0]
    return (x, q.levels[0]) if x != q.levels[0] else (q.levels[1], q.levels[0])


@st.cache_data(max_entries=32, show_spinner=False)
def _effects(fp: str, graph_json: str, q: Question, contrast: tuple[Any, Any] | None,
             _frame: pd.DataFrame) -> pd.Series:
    scm = _fit(fp, graph_json, SEED, _frame)
    n = len(_frame)
    rng = np.random.default_rng(SEED)
    rows = np.sort(rng.choice(n, EFFECT_SAMPLE, replace=False)) if n > EFFECT_SAMPLE else np.arange(n)
    sample = _frame.iloc[rows]
    if contrast is not None:
        return scm.unit_effects(q.treatment, contrast[0], contrast[1], q.outcome, rows=sample)
    cf = scm.counterfactual(sample, {q.treatment: lambda v: v + 1.0}, nodes=[q.outcome])
    return (cf[q.outcome] - sample[q.outcome].astype(float)).rename(f"effect on {q.outcome}")


def unit_effects_sample(q: Question, x: Any) -> pd.Series:
    """Unit-level effects on at most 2,000 rows (seeded sample), indexed by row.

    Discrete treatment: each unit's outcome under t1 minus under t0 (see :func:`effect_contrast`);
    continuous: each unit's change had its own treatment been one unit higher.
    """
    return _effects(*_key(q), q, effect_contrast(q, x), state.data().frame)


def confounders(q: Question) -> list[str] | None:
    """The variables that confound the question: the adjustment set in use, restricted to causes of
    the treatment when any are (a randomised treatment's precision covariates are no confounders).
    None when the graph has no back-door path (no adjustment needed)."""
    ident = state.identification()
    if ident is not None and [] in [list(z) for z in ident.adjustment_sets]:
        return None
    adj = state.effective_adjustment()
    causes = state.analysis_graph().ancestors([q.treatment])
    return [z for z in adj if z in causes] or adj


# ------------------------------------------------------------------ the Estimate page's number
def adjusted_estimate() -> Any:
    """The session's linear-regression estimate (computed when absent and it fits), else another
    adjusted estimate from the Estimate page, else None."""
    ests = state.results("estimates")
    est = ests.get("linear_regression")
    if est is None:
        try:
            if any(m.name == "linear_regression" for m in state.fitting_methods()):
                est = state.estimate("linear_regression")
        except cc.CausalCoreError:
            est = None
    if est is None:
        est = next((e for m, e in ests.items() if m != "naive"), None)
    return est


def hospital_units() -> tuple[int, int]:
    """Rows of the hospital example: the first called patient without transport, and with it."""
    f = state.data().frame
    called = f["followup_call"] == 1
    return (int(np.flatnonzero(called & (f["has_transport"] == 0))[0]),
            int(np.flatnonzero(called & (f["has_transport"] == 1))[0]))


def outcome_is_01(q: Question) -> bool:
    """Whether the outcome only takes the values 0 and 1."""
    s = state.data().frame[q.outcome]
    return bool(pd.api.types.is_numeric_dtype(s) and s.isin([0, 1]).all())
