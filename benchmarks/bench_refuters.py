"""Time causal_core's refuters against DoWhy's, side by side, on the reference cases.

Usage::

    .venv/bin/python benchmarks/bench_refuters.py [--cases dowhy_linear dag8_linear ...]
        [--n-simulations 100] [--no-dowhy]

Each case is estimated by linear regression (back-door, the identification's set) in both
libraries; then each refuter runs ``--n-simulations`` times in both, in the same process,
one after the other. Printed per row: both times, DoWhy's time divided by ours, and both
results (mean simulated effect and p-value). Without DoWhy installed, its columns read
"not installed". ``dummy_outcome`` and ``unobserved_common_cause`` are timed for
causal_core only (their DoWhy counterparts compute something different).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from causal_core.estimators import estimate  # noqa: E402
from causal_core.graph import CausalGraph  # noqa: E402
from causal_core.identify import identify  # noqa: E402
from causal_core.refuters import refute  # noqa: E402

CASES_DIR = ROOT / "tests" / "data" / "reference"
CASES = ["dowhy_linear", "dag8_linear", "dag8_binary", "lalonde_nsw_experimental",
         "lalonde_nsw_cps"]
# ours -> (DoWhy's refuter, its extra arguments)
REFUTERS: dict[str, tuple[str, dict] | None] = {
    "random_common_cause": ("random_common_cause", {}),
    "placebo_treatment": ("placebo_treatment_refuter", {"placebo_type": "permute"}),
    "data_subset": ("data_subset_refuter", {"subset_fraction": 0.8}),
    "bootstrap": ("bootstrap_refuter", {}),
    "dummy_outcome": None,
    "unobserved_common_cause": None,
}


def load(name: str) -> tuple[pd.DataFrame, dict]:
    case = json.loads((CASES_DIR / name / "case.json").read_text())
    return pd.read_csv(CASES_DIR / name / "data.csv"), case


def dowhy_model(df: pd.DataFrame, case: dict):
    """DoWhy's model, identified estimand and linear-regression estimate (or None)."""
    try:
        from dowhy import CausalModel
    except ImportError:
        return None
    lines = "".join(f"{a}->{b};" for a, b in case["edges"])
    model = CausalModel(data=df, treatment=case["treatment"], outcome=case["outcome"],
                        graph=f"digraph {{{lines}}}")
    ident = model.identify_effect(proceed_when_unidentifiable=True)
    est = model.estimate_effect(ident, method_name="backdoor.linear_regression")
    return model, ident, est


def run_dowhy(dw, name: str, args: dict, n_sim: int) -> tuple[float, float, float]:
    model, ident, est = dw
    t0 = time.perf_counter()
    ref = model.refute_estimate(ident, est, method_name=name, num_simulations=n_sim,
                                random_seed=0, **args)
    dt = time.perf_counter() - t0
    p = (ref.refutation_result or {}).get("p_value", float("nan"))
    return dt, float(np.mean(ref.new_effect)), float(p)


def fmt_t(x: float) -> str:
    return f"{x:8.3f}" if np.isfinite(x) else "     n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="*", default=CASES)
    ap.add_argument("--n-simulations", type=int, default=100)
    ap.add_argument("--no-dowhy", action="store_true")
    a = ap.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    have_dowhy = not a.no_dowhy
    if have_dowhy:
        try:
            import dowhy  # noqa: F401
        except ImportError:
            have_dowhy = False
    head = (f"{'case':26s} {'refuter':24s} {'ours s':>8s} {'dowhy s':>8s} {'ratio':>7s}  "
            f"{'ours: mean sim / p':>24s}  {'dowhy: mean sim / p':>24s}")
    print(head)
    print("-" * len(head))
    totals = [0.0, 0.0]
    for name in a.cases:
        df, case = load(name)
        graph = CausalGraph(edges=[tuple(e) for e in case["edges"]])
        ident = identify(graph, case["treatment"], case["outcome"])
        est = estimate(df, ident, method="linear_regression")
        dw = dowhy_model(df, case) if have_dowhy else None
        for ours, theirs in REFUTERS.items():
            t0 = time.perf_counter()
            res = refute(df, ident, est, method=ours, n_simulations=a.n_simulations,
                         random_state=0)
            t_ours = time.perf_counter() - t0
            p_ours = "  –  " if res.p_value is None else f"{res.p_value:5.2f}"
            mine = f"{res.simulated.mean():12.5g} / {p_ours}"
            if dw is None or theirs is None:
                t_dw = float("nan")
                other = "not installed" if not have_dowhy else "(no counterpart)"
            else:
                t_dw, eff, p = run_dowhy(dw, theirs[0], theirs[1], a.n_simulations)
                other = f"{eff:12.5g} / {p:5.2f}"
                totals[0] += t_ours
                totals[1] += t_dw
            ratio = f"{t_dw / t_ours:6.0f}x" if np.isfinite(t_dw) else "    n/a"
            print(f"{name:26s} {ours:24s} {fmt_t(t_ours)} {fmt_t(t_dw)} {ratio}  "
                  f"{mine:>24s}  {other:>24s}", flush=True)
    if totals[1] > 0:
        print(f"\nTotal over the refuters both libraries ran: causal_core {totals[0]:.2f} s, "
              f"DoWhy {totals[1]:.1f} s ({totals[1] / totals[0]:.0f}x).")


if __name__ == "__main__":
    main()
