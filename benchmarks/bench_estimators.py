"""Time each causal_core estimator against DoWhy's corresponding method, side by side.

Usage::

    .venv/bin/pip install -r requirements-bench.txt    # DoWhy: for the comparison only
    .venv/bin/python benchmarks/bench_estimators.py [--sizes 10000 100000 1000000] [--cap 120]

The data: five normal confounders W0..W4, a binary instrument Z0 and a uniform one Z1, a
binary treatment drawn from a logistic model, a mediator M = 2 t + noise (the front door)
and Y = 1.5 M + W·b + noise, so every method targets the same effect, 3.0. Each DoWhy call
runs in a forked process, stopped after ``--cap`` seconds ("timed out"). Without DoWhy,
only causal_core's times are printed.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from causal_core.estimators import estimate  # noqa: E402
from causal_core.graph import CausalGraph  # noqa: E402
from causal_core.identify import identify  # noqa: E402

EDGES = [(f"W{i}", "v0") for i in range(5)] + [(f"W{i}", "y") for i in range(5)] + [
    ("Z0", "v0"), ("Z1", "v0"), ("v0", "M"), ("M", "y")]
TRUTH = 3.0
# ours -> DoWhy's method name (None: DoWhy has no built-in counterpart)
METHODS = {
    "naive": None,
    "linear_regression": "backdoor.linear_regression",
    "propensity_matching": "backdoor.propensity_score_matching",
    "propensity_stratification": "backdoor.propensity_score_stratification",
    "ipw": "backdoor.propensity_score_weighting",
    "aipw": None,
    "iv_wald": None,
    "iv_2sls": "iv.instrumental_variable",
    "frontdoor": "frontdoor.two_stage_regression",
}
PARAMS = {"iv_wald": {"instruments": "Z0"}}


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    """The benchmark data set (true effect of v0 on y: 3.0)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(n, 5))
    z0 = rng.integers(0, 2, n).astype(float)
    z1 = rng.uniform(size=n)
    lin = w @ np.array([0.5, -0.4, 0.3, 0.2, -0.3]) + 1.0 * z0 + 0.8 * z1 - 0.9
    t = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    m = 2.0 * t + rng.normal(size=n)
    y = 1.5 * m + w @ np.array([1.0, -0.8, 0.6, 0.5, -0.4]) + rng.normal(size=n)
    cols = {f"W{i}": w[:, i] for i in range(5)}
    return pd.DataFrame({**cols, "Z0": z0, "Z1": z1, "v0": t, "M": m, "y": y})


def _dowhy_child(model, estimand, name: str, queue) -> None:
    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    try:
        est = model.estimate_effect(estimand, method_name=name)
        queue.put((time.perf_counter() - start, float(est.value), None))
    except Exception as exc:  # report DoWhy's failure, do not crash the table
        queue.put((time.perf_counter() - start, float("nan"), f"{type(exc).__name__}: {exc}"))


def time_dowhy(model, estimand, name: str, cap: float) -> tuple[str, float | None, float]:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_dowhy_child, args=(model, estimand, name, queue))
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return "timed out", None, float("nan")
    secs, value, err = queue.get()
    return ("error: " + err[:40]) if err else "ok", secs, value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--cap", type=float, default=120.0, help="seconds allowed per DoWhy call")
    ap.add_argument("--methods", nargs="+", default=list(METHODS))
    args = ap.parse_args()
    try:
        import dowhy
        from dowhy import CausalModel
    except ImportError:
        dowhy = None
        print("DoWhy is not installed: timing causal_core only "
              "(pip install -r requirements-bench.txt).")
    ident = identify(CausalGraph(edges=EDGES), "v0", "y")
    head = (f"{'method':27s} {'rows':>9s} {'ours s':>8s} {'dowhy s':>9s} {'dowhy/ours':>10s} "
            f"{'ours est':>9s} {'dowhy est':>10s}")
    print(f"true effect {TRUTH}; DoWhy {getattr(dowhy, '__version__', '-')}\n{head}\n" + "-" * len(head))
    for n in args.sizes:
        data = make_data(n)
        model = est_bd = None
        if dowhy is not None:
            warnings.filterwarnings("ignore")
            dot = "digraph {" + ";".join(f"{a}->{b}" for a, b in EDGES) + "}"
            model = CausalModel(data=data.assign(v0=data["v0"].astype(bool)), treatment="v0",
                                outcome="y", graph=dot)
            est_bd = model.identify_effect(proceed_when_unidentifiable=True)
        for method in args.methods:
            start = time.perf_counter()
            ours = estimate(data, ident, method=method, **PARAMS.get(method, {}))
            ours_s = time.perf_counter() - start
            dw_name = METHODS.get(method)
            dw_txt, ratio, dw_val = "-", "-", "-"
            if model is not None and dw_name:
                status, secs, value = time_dowhy(model, est_bd, dw_name, args.cap)
                dw_txt = f"{secs:.3f}" if secs is not None and status == "ok" else status
                ratio = f"{secs / ours_s:.1f}x" if secs is not None and status == "ok" else "-"
                dw_val = f"{value:.4f}" if np.isfinite(value) else "-"
            print(f"{method:27s} {n:>9d} {ours_s:>8.3f} {dw_txt:>9s} {ratio:>10s} "
                  f"{ours.value:>9.4f} {dw_val:>10s}", flush=True)


if __name__ == "__main__":
    main()
