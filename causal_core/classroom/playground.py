"""The bias playground: any DAG as a linear structural model, simulated many times.

Every node is the weighted sum of its parents plus standard normal noise (a bidirected edge
``a <-> b`` is a latent common cause with the given strength into both). The true effect of the
treatment on the outcome is the sum, over directed paths, of the products of the strengths;
each replication draws a fresh sample and estimates it three ways by least squares:

- **naive**: outcome on treatment only;
- **adjusted**: plus the engine's back-door adjustment set (when the graph has one);
- **collider-conditioned**: plus a collider (a node the engine marks ``collider``, else a
  common descendant of treatment and outcome), the classic mistake.

"Randomise the treatment" cuts every arrow into it (its equation becomes noise only): the
confounding paths vanish, the true effect does not change, and the naive estimate becomes right.

Examples
--------
>>> import causal_core as cc
>>> g = cc.CausalGraph.parse("z -> x; z -> y; x -> y; x -> c; y -> c")
>>> sim = simulate_bias(g, "x", "y", n=400, n_reps=50, random_state=1)
>>> sim.true_effect, sim.adjustment_set, sim.collider
(0.5, ('z',), 'c')
>>> bool(abs(sim.summary().loc["adjusted", "bias"]) < 0.05)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..graph import CausalGraph
from ..identify import identify

__all__ = ["BiasSimulation", "DEFAULT_STRENGTH", "MAX_WORK", "edge_key", "simulate_bias"]

#: Strength of an edge the caller does not set.
DEFAULT_STRENGTH = 0.5
#: Most (replications × rows × nodes) one simulation may draw.
MAX_WORK = 60_000_000
_CHUNK = 2_000_000  # values drawn at a time (memory stays around 16 MB per array)


def edge_key(a: str, b: str, bidirected: bool = False) -> str:
    """The key of an edge in ``strengths``: ``'a -> b'`` or ``'a <-> b'``."""
    return f"{a} {'<->' if bidirected else '->'} {b}"


@dataclass(frozen=True)
class BiasSimulation:
    """Replicated naive, adjusted and collider-conditioned estimates against the truth.

    Attributes
    ----------
    treatment, outcome : str
    true_effect : float
        Sum over directed paths of the product of strengths.
    estimates : dict of str to numpy.ndarray
        One estimate per replication for ``naive``, ``adjusted`` (when a back-door set exists)
        and ``collider-conditioned`` (when the graph has a collider to condition on).
    adjustment_set : tuple of str or None
    collider : str or None
    strengths : dict of str to float
        Every edge's strength as used (see :func:`edge_key`).
    n, n_reps : int
    randomised : bool
    notes : tuple of str
    """

    treatment: str
    outcome: str
    true_effect: float
    estimates: dict[str, np.ndarray]
    adjustment_set: tuple[str, ...] | None
    collider: str | None
    strengths: dict[str, float]
    n: int
    n_reps: int
    randomised: bool
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> pd.DataFrame:
        """Mean, spread, bias and root-mean-square error of each estimator, by name."""
        rows = {}
        for name, est in self.estimates.items():
            rows[name] = {"mean": float(est.mean()), "sd": float(est.std(ddof=1)),
                          "bias": float(est.mean() - self.true_effect),
                          "rmse": float(np.sqrt(np.mean((est - self.true_effect) ** 2)))}
        return pd.DataFrame.from_dict(rows, orient="index")

    def sentences(self) -> list[str]:
        """One sentence per estimator, from :meth:`summary`'s numbers."""
        out = []
        for name, r in self.summary().iterrows():
            se = r["sd"] / np.sqrt(self.n_reps)
            verdict = ("biased: its average misses the truth by more than 3 standard errors"
                       if abs(r["bias"]) > 3 * se else
                       "unbiased as far as these replications can tell (within 3 standard errors)")
            out.append(f"The {name} estimate averages {r['mean']:.3f} against a true effect of "
                       f"{self.true_effect:.3f} (bias {r['bias']:+.3f}, spread sd {r['sd']:.3f}, "
                       f"{self.n_reps} samples of {self.n:,} rows): {verdict}.")
        return out


def _check(graph: CausalGraph, n: int, n_reps: int, strengths: Mapping[str, float]) -> None:
    for what, v, lo, hi in (("n", n, 20, 100_000), ("n_reps", n_reps, 2, 2000)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
            raise DataError(f"{what} must be a whole number from {lo:,} to {hi:,}; got {v!r}.")
    work = n * n_reps * (len(graph.nodes) + len(graph.bidirected))
    if work > MAX_WORK:
        raise DataError(f"This simulation would draw {work:,} values (rows × replications × "
                        f"nodes); the limit is {MAX_WORK:,}. Lower the sample size or the number "
                        "of replications.")
    known = {edge_key(a, b) for a, b in graph.edges} | {edge_key(a, b, True) for a, b in graph.bidirected}
    for key, value in strengths.items():
        if key not in known:
            raise DataError(f"strengths names the edge {str(key)[:60]!r}, which is not in the "
                            "graph. Keys look like 'a -> b'.")
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) \
                or abs(value) > 10:
            raise DataError(f"The strength of {key} must be a number from -10 to 10; got {value!r}.")


def _total_effect(graph: CausalGraph, beta: Mapping[tuple[str, str], float], x: str, y: str) -> float:
    effect = {x: 1.0}
    for v in graph.topological_order():
        if v != x:
            effect[v] = sum(beta[(p, v)] * effect.get(p, 0.0) for p in graph.parents(v))
    return float(effect.get(y, 0.0))


def _collider(graph: CausalGraph, roles: Mapping[str, str], x: str, y: str,
              adjust: tuple[str, ...]) -> str | None:
    observed = [v for v in graph.nodes if graph.is_observed(v) and v not in (x, y, *adjust)]
    marked = [v for v in observed if roles.get(v) == "collider"]
    common = [v for v in observed if v in graph.descendants([x]) and v in graph.descendants([y])]
    return (marked or common or [None])[0]


def _ols_slope(y: np.ndarray, cols: list[np.ndarray]) -> np.ndarray:
    """Per replication (rows of ``y``), the least-squares coefficient of the first column."""
    design = np.stack([np.ones_like(y), *cols], axis=-1)
    xtx = np.einsum("rnk,rnl->rkl", design, design)
    xty = np.einsum("rnk,rn->rk", design, y)
    return np.linalg.solve(xtx, xty[..., None])[:, 1, 0]


def simulate_bias(graph: CausalGraph, treatment: str | None = None, outcome: str | None = None, *,
                  strengths: Mapping[str, float] | None = None, n: int = 500, n_reps: int = 200,
                  randomise: bool = False, random_state: int | None = 0) -> BiasSimulation:
    """Simulate the graph as a linear model ``n_reps`` times and estimate the effect three ways.

    Parameters
    ----------
    graph : CausalGraph
    treatment, outcome : str, optional
        Default: the graph's exposure and outcome.
    strengths : mapping of edge key to float, optional
        ``{'a -> b': 0.8, 'a <-> c': 0.3}``; unset edges get :data:`DEFAULT_STRENGTH`.
    n : int
        Rows per replication (20 to 100,000).
    n_reps : int
        Replications (2 to 2,000).
    randomise : bool
        Cut every arrow into the treatment.
    random_state : int, optional

    Raises
    ------
    DataError
        Bad sizes or strengths, or more than :data:`MAX_WORK` values to draw.
    IdentificationError
        Treatment or outcome missing, latent or equal.
    """
    strengths = dict(strengths or {})
    _check(graph, n, n_reps, strengths)
    ident = identify(graph, treatment, outcome, max_sets=50)
    (x,), (y,) = ident.treatment, ident.outcome
    used = {edge_key(a, b): float(strengths.get(edge_key(a, b), DEFAULT_STRENGTH)) for a, b in graph.edges}
    used |= {edge_key(a, b, True): float(strengths.get(edge_key(a, b, True), DEFAULT_STRENGTH))
             for a, b in graph.bidirected}
    beta = {(a, b): (0.0 if randomise and b == x else used[edge_key(a, b)]) for a, b in graph.edges}
    truth = _total_effect(graph, beta, x, y)
    est = ident.estimand
    adjust = est.adjustment_set if est is not None and est.kind == "backdoor" else None
    collider = _collider(graph, ident.node_roles, x, y, adjust or ())
    notes = []
    if adjust is None:
        notes.append("No back-door adjustment set exists in this graph, so there is no adjusted "
                     "estimate.")
    if collider is None:
        notes.append("The graph has no collider to condition on.")
    rng = np.random.default_rng(random_state)
    per_chunk = max(1, _CHUNK // n)
    out: dict[str, list[np.ndarray]] = {"naive": [], "adjusted": [], "collider-conditioned": []}
    done = 0
    while done < n_reps:
        r = min(per_chunk, n_reps - done)
        v = _draw(graph, beta, used, x, randomise, r, n, rng)
        out["naive"].append(_ols_slope(v[y], [v[x]]))
        if adjust is not None:
            out["adjusted"].append(_ols_slope(v[y], [v[x], *(v[z] for z in adjust)]))
        if collider is not None:
            out["collider-conditioned"].append(
                _ols_slope(v[y], [v[x], *(v[z] for z in adjust or ()), v[collider]]))
        done += r
    estimates = {k: np.concatenate(parts) for k, parts in out.items() if parts}
    return BiasSimulation(x, y, truth, estimates, adjust, collider, used, int(n), int(n_reps),
                          bool(randomise), tuple(notes))


def _draw(graph: CausalGraph, beta: Mapping[tuple[str, str], float], used: Mapping[str, float],
          x: str, randomise: bool, r: int, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {}
    shared = {(a, b): rng.standard_normal((r, n)) for a, b in graph.bidirected}
    for v in graph.topological_order():
        total = rng.standard_normal((r, n))
        for p in graph.parents(v):
            if beta[(p, v)]:
                total += beta[(p, v)] * values[p]
        if not (randomise and v == x):
            for (a, b), u in shared.items():
                if v in (a, b):
                    total += used[edge_key(a, b, True)] * u
        values[v] = total
    return values
