"""Time causal_core's structural causal model (fit, do, ate, counterfactual) against DoWhy's gcm.

Usage::

    .venv/bin/pip install -r requirements-bench.txt    # DoWhy: for the comparison only
    .venv/bin/python benchmarks/bench_scm.py [--rows 100000] [--cap 600]

The data: an 8-node graph with three confounders (one acting nonlinearly on the outcome), an
instrument, a continuous treatment ``t``, a mediator ``m``, the outcome ``y`` and a child of both
(a collider): the true effect of +1 ``t`` on ``y`` is 2.0 × 1.5 = 3.0. causal_core chooses each
node's model by 3-fold cross-validation between a linear model and gradient boosting (the
defaults); DoWhy assigns its mechanisms with ``gcm.auto.assign_causal_mechanisms`` (default quality)
and fits them with ``gcm.fit``. Each DoWhy step runs in a forked process, stopped after ``--cap``
seconds ("timed out"). Goal: fitting on 100,000 rows in under 10 s.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from causal_core.graph import CausalGraph  # noqa: E402
from causal_core.scm import fit_scm  # noqa: E402

EDGES = [("w0", "t"), ("w1", "t"), ("z", "t"), ("w0", "y"), ("w1", "y"), ("w2", "y"),
         ("t", "m"), ("m", "y"), ("t", "c"), ("y", "c")]
TRUTH = 3.0
GOAL_S = 10.0


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    """The benchmark data (true effect of +1 t on y: 3.0)."""
    rng = np.random.default_rng(seed)
    w0, w1, w2, z = rng.normal(size=n), rng.normal(size=n), rng.uniform(-2, 2, n), rng.normal(size=n)
    t = 0.8 * w0 - 0.5 * w1 + 0.7 * z + rng.normal(size=n)
    m = 2.0 * t + rng.normal(size=n)
    y = 1.5 * m + 1.2 * w0 + 0.8 * w1 + 2.0 * np.sin(2 * w2) + rng.normal(size=n)
    c = 0.5 * t + 0.3 * y + rng.normal(size=n)
    return pd.DataFrame({"w0": w0, "w1": w1, "w2": w2, "z": z, "t": t, "m": m, "y": y, "c": c})


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


# ------------------------------------------------------------------ DoWhy, in a forked child
def _dowhy_child(data: pd.DataFrame, n_cf: int, queue: Any) -> None:
    warnings.filterwarnings("ignore")
    import networkx as nx
    from dowhy import gcm
    from dowhy.gcm.util.general import set_random_seed

    gcm.config.disable_progress_bars()
    set_random_seed(0)  # DoWhy's model choice subsamples at random: seed it, as ours is
    scm = gcm.InvertibleStructuralCausalModel(nx.DiGraph(EDGES))
    secs, _ = timed(lambda: gcm.auto.assign_causal_mechanisms(scm, data))
    queue.put(("assign mechanisms", secs, None))
    secs, _ = timed(lambda: gcm.fit(scm, data))
    queue.put(("fit", secs, None))
    chosen = {n: type(scm.causal_mechanism(n)).__name__ for n in scm.graph.nodes if scm.graph.in_degree(n)}
    for n, mech in chosen.items():
        model = getattr(scm.causal_mechanism(n), "prediction_model", None)
        inner = getattr(model, "sklearn_model", model)
        chosen[n] = f"{mech}({type(inner).__name__})" if inner is not None else mech
    queue.put(("mechanisms", 0.0, "; ".join(f"{n}={m}" for n, m in chosen.items())))
    secs, _ = timed(lambda: gcm.interventional_samples(scm, {"t": lambda x: 1.0},
                                                       num_samples_to_draw=len(data)))
    queue.put(("do(t=1), n rows", secs, None))
    secs, ate = timed(lambda: gcm.average_causal_effect(
        scm, "y", interventions_alternative={"t": lambda x: 1.0},
        interventions_reference={"t": lambda x: 0.0}, num_samples_to_draw=len(data)))
    queue.put(("ate(t: 1 vs 0)", secs, float(ate)))
    rows = data.iloc[:n_cf]
    secs, _ = timed(lambda: gcm.counterfactual_samples(scm, {"t": lambda x: 0.0}, observed_data=rows))
    queue.put((f"counterfactual, {n_cf:,} rows", secs, None))
    queue.put(("done", 0.0, None))
    queue.close()
    queue.join_thread()
    # stop joblib's worker processes (DoWhy's model choice starts them): left idle, they live 300 s
    # more and keep the terminal's output open; then exit without waiting for them
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True, kill_workers=True)
    os._exit(0)


def time_dowhy(data: pd.DataFrame, n_cf: int, cap: float) -> dict[str, tuple[str, float | None]]:
    """Step → (status, seconds or the ATE value) for each DoWhy step, within ``cap`` seconds."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_dowhy_child, args=(data, n_cf, queue))
    out: dict[str, tuple[str, float | None]] = {}
    start = time.perf_counter()
    proc.start()
    while True:
        left = cap - (time.perf_counter() - start)
        try:
            step, secs, value = queue.get(timeout=max(left, 0.01))
        except Exception:  # queue.Empty: the cap is reached
            proc.terminate()
            proc.join()
            out["timed out"] = ("timed out", cap)
            return out
        if step == "done":
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
                proc.join()
            return out
        out[step] = ("ok", secs)
        if isinstance(value, str):
            out[step] = ("ok", value)  # type: ignore[assignment]
        elif value is not None:
            out["ate value"] = ("ok", value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cf-rows", type=int, default=1_000, help="rows for the counterfactual timing")
    ap.add_argument("--cap", type=float, default=600.0, help="seconds allowed for all DoWhy steps")
    args = ap.parse_args()
    data = make_data(args.rows)
    graph = CausalGraph(edges=EDGES)

    fit_s, scm = timed(lambda: fit_scm(graph, data, random_state=0))
    do_s, _ = timed(lambda: scm.do({"t": 1.0}, n=args.rows, random_state=0))
    ate_s, ate = timed(lambda: scm.ate("t", 1.0, 0.0, outcome="y", n=args.rows, random_state=0))
    rows = data.iloc[: args.cf_rows]
    cf_s, _ = timed(lambda: scm.counterfactual(rows, {"t": 0.0}))
    cf_all_s, _ = timed(lambda: scm.counterfactual(data, {"t": 0.0}))
    ours = {"do(t=1), n rows": do_s, "ate(t: 1 vs 0)": ate_s,
            f"counterfactual, {args.cf_rows:,} rows": cf_s}

    try:
        import dowhy
    except ImportError:
        dowhy = None
    theirs: dict[str, tuple[str, float | None]] = {}
    if dowhy is not None:
        theirs = time_dowhy(data, args.cf_rows, args.cap)

    print(f"{args.rows:,} rows, 8 nodes, true effect {TRUTH}; "
          f"DoWhy {getattr(dowhy, '__version__', 'not installed')}")
    print("causal_core mechanisms: " + ", ".join(f"{m.node}={m.model}" for m in scm.mechanisms.values()
                                                  if m.kind != "root"))
    head = f"{'step':28s} {'ours s':>8s} {'dowhy s':>9s} {'dowhy/ours':>10s}"
    if "mechanisms" in theirs:
        print(f"DoWhy mechanisms: {theirs['mechanisms'][1]}")
    print(head + "\n" + "-" * len(head))
    if "fit" in theirs:
        assign, fit = theirs["assign mechanisms"][1], theirs["fit"][1]
        both = assign + fit
        print(f"{'choose models + fit':28s} {fit_s:>8.3f} {both:>9.3f} {both / fit_s:>9.1f}x")
        print(f"{'  of which: choose (auto)':28s} {'-':>8s} {assign:>9.3f} {'-':>10s}")
        print(f"{'  of which: fit':28s} {'-':>8s} {fit:>9.3f} {'-':>10s}")
    else:
        print(f"{'choose models + fit':28s} {fit_s:>8.3f} {'-':>9s} {'-':>10s}")
    for step, secs in ours.items():
        status, dw = theirs.get(step, ("timed out" if "timed out" in theirs else
                                       ("not installed" if dowhy is None else "-"), None))
        dw_txt = f"{dw:.3f}" if status == "ok" and dw is not None else status
        ratio = f"{dw / secs:.1f}x" if status == "ok" and dw is not None else "-"
        print(f"{step:28s} {secs:>8.3f} {dw_txt:>9s} {ratio:>10s}")
    print(f"{'counterfactual, all rows':28s} {cf_all_s:>8.3f} {'-':>9s} {'-':>10s}")
    dw_ate = theirs.get("ate value", ("-", None))[1]
    print(f"\nATE: ours {ate.value:.4f} (truth {TRUTH}); DoWhy "
          + (f"{dw_ate:.4f}" if dw_ate is not None else "-"))
    verdict = "met" if fit_s < GOAL_S else "MISSED"
    print(f"goal: fit under {GOAL_S:.0f} s on {args.rows:,} rows: {verdict} ({fit_s:.2f} s)")


if __name__ == "__main__":
    main()
