"""Calibration of the checks: false alarms under a correct model, detection under a wrong one.

Usage::

    .venv/bin/python benchmarks/bench_refuter_calibration.py [--datasets 100] [--n 2000]
        [--n-simulations 100] [--dowhy-simulations 50] [--no-dowhy] [--estimator linear_regression]

Three scenarios, ``--datasets`` simulated data sets each (n rows, binary treatment ``t``,
true effect 1, observed confounders ``w1``, ``w2``; the graph is
``w1 -> t, w2 -> t, w1 -> y, w2 -> y, t -> y``):

* **correct**: an unobserved ``u`` exists but touches neither ``t`` nor ``y``; the graph is
  right. Every alarm is a false alarm.
* **omitted confounder**: ``u`` drives ``t`` and ``y`` strongly (bias about +200 % of the
  effect) and the graph omits it. Only the standard checks are available.
* **omitted confounder + negative control**: the same data, plus a negative-control outcome
  ``n = w1 + u + e`` (the treatment cannot affect it) and a negative-control exposure
  ``z = w1 + u + e`` (it cannot affect the outcome). ``u`` reaches both controls.

Printed per check and scenario: how often it alarmed (falsification: verdict "failed"; stability:
"unstable"), with the Monte-Carlo standard error, and the same for DoWhy 0.14's refuter on the
same data sets (an alarm: ``is_statistically_significant``). DoWhy has no negative-control
refuter and does not test the graph's implications. Sensitivity is never pass/fail and is not
counted. Both run in this process, one after the other, on the same data.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import causal_core as cc  # noqa: E402

EDGES = [("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")]
CHECKS = ["placebo_treatment", "dummy_outcome", "graph_implications", "random_common_cause",
          "data_subset", "bootstrap", "negative_control_outcome", "negative_control_exposure"]
NC = {"negative_control_outcome": {"negative_control": "n"},
      "negative_control_exposure": {"negative_control": "z"}}
DOWHY = {"placebo_treatment": ("placebo_treatment_refuter", {"placebo_type": "permute"}),
         "dummy_outcome": ("dummy_outcome_refuter", {}),
         "random_common_cause": ("random_common_cause", {}),
         "data_subset": ("data_subset_refuter", {"subset_fraction": 0.8}),
         "bootstrap": ("bootstrap_refuter", {})}
SCENARIOS = ["correct", "omitted confounder", "omitted confounder + negative control"]


def simulate(n: int, confounded: bool, rng: np.random.Generator) -> pd.DataFrame:
    """One data set (see the module docstring)."""
    w1, w2, u = rng.normal(size=(3, n))
    cu = 1.0 if confounded else 0.0
    t = rng.binomial(1, 1 / (1 + np.exp(-(0.6 * w1 + 0.6 * w2 + 1.2 * cu * u))))
    y = 1.0 * t + w1 + w2 + 2.2 * cu * u + rng.normal(size=n)
    return pd.DataFrame({"w1": w1, "w2": w2, "t": t, "y": y,
                         "n": w1 + u + rng.normal(size=n), "z": w1 + u + rng.normal(size=n)})


def ours(df: pd.DataFrame, ident, method: str, checks: list[str], n_sim: int,
         seed: int) -> dict[str, bool]:
    est = cc.estimate(df, ident, method=method)
    out = {"_bias": est.value - 1.0}
    for name in checks:
        res = cc.refute(df, ident, est, method=name, n_simulations=n_sim, random_state=seed,
                        **NC.get(name, {}))
        out[name] = res.verdict in ("failed", "unstable")
    return out


def run_dowhy(df: pd.DataFrame, n_sim: int, seed: int) -> dict[str, bool]:
    from dowhy import CausalModel

    lines = "".join(f"{a}->{b};" for a, b in EDGES)
    model = CausalModel(data=df[["w1", "w2", "t", "y"]], treatment="t", outcome="y",
                        graph=f"digraph {{{lines}}}")
    ident = model.identify_effect(proceed_when_unidentifiable=True)
    est = model.estimate_effect(ident, method_name="backdoor.linear_regression")
    out = {}
    for ours_name, (name, kw) in DOWHY.items():
        ref = model.refute_estimate(ident, est, method_name=name, num_simulations=n_sim,
                                    random_seed=seed, **kw)
        res = ref[0] if isinstance(ref, list) else ref
        out[ours_name] = bool((res.refutation_result or {}).get("is_statistically_significant"))
    return out


def rate(flags: list[bool]) -> str:
    if not flags:
        return f"{'–':>14s}"
    p = float(np.mean(flags))
    se = float(np.sqrt(max(p * (1 - p), 1e-12) / len(flags)))
    return f"{100 * p:6.1f} % ± {100 * se:3.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=int, default=100)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--n-simulations", type=int, default=100)
    ap.add_argument("--dowhy-simulations", type=int, default=50)
    ap.add_argument("--estimator", default="linear_regression")
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
    ident = cc.identify(cc.CausalGraph(edges=EDGES), "t", "y")
    plain = [c for c in CHECKS if c not in NC]
    alarms = {s: {c: [] for c in CHECKS} for s in SCENARIOS}
    theirs = {s: {c: [] for c in DOWHY} for s in SCENARIOS[:2]}
    bias = {s: [] for s in SCENARIOS[:2]}
    times = [0.0, 0.0]
    for i in range(a.datasets):
        for s, confounded in (("correct", False), ("omitted confounder", True)):
            df = simulate(a.n, confounded, np.random.default_rng([i, int(confounded)]))
            t0 = time.perf_counter()
            res = ours(df, ident, a.estimator, CHECKS, a.n_simulations, i)
            times[0] += time.perf_counter() - t0
            bias[s].append(res.pop("_bias"))
            for c in CHECKS:
                with_nc = confounded and c in NC
                alarms["omitted confounder + negative control" if with_nc else s][c].append(res[c])
            if have_dowhy:
                t0 = time.perf_counter()
                for c, flag in run_dowhy(df, a.dowhy_simulations, i).items():
                    theirs[s][c].append(flag)
                times[1] += time.perf_counter() - t0
        if (i + 1) % 10 == 0:
            print(f"... {i + 1} data sets", file=sys.stderr, flush=True)
    print(f"{a.datasets} data sets per scenario, n = {a.n:,}, estimator {a.estimator}; "
          f"causal_core {a.n_simulations} simulations per check"
          + (f", DoWhy {a.dowhy_simulations}" if have_dowhy else ", DoWhy not run") + ".")
    for s in bias:
        print(f"  {s}: mean bias of the estimate {np.mean(bias[s]):+.3f} "
              f"({100 * np.mean(bias[s]):+.0f} % of the true effect 1)")
    print()
    print("Alarm rate at alpha = 0.05 (± Monte-Carlo standard error). Under 'correct' every alarm "
          "is false; under the others an alarm is a detection.")
    head = (f"{'check':28s} {'kind':14s} | {'correct':>16s} {'omitted conf.':>16s} "
            f"{'+ neg. control':>16s} | {'DoWhy correct':>16s} {'DoWhy omitted':>16s}")
    print(head)
    print("-" * len(head))
    kinds = {r.name: r.kind for r in cc.list_refuters()}
    for c in CHECKS:
        dw = theirs["correct"].get(c), theirs["omitted confounder"].get(c)
        cols = [rate(alarms["correct"][c]),
                rate(alarms["omitted confounder"][c]) if c in plain else f"{'(needs one)':>16s}",
                rate(alarms["omitted confounder + negative control"][c]) if c in NC
                else f"{'':>16s}",
                rate(dw[0]) if dw[0] else f"{'(none)':>16s}",
                rate(dw[1]) if dw[1] else f"{'(none)':>16s}"]
        print(f"{c:28s} {kinds[c]:14s} | {cols[0]:>16s} {cols[1]:>16s} {cols[2]:>16s} | "
              f"{cols[3]:>16s} {cols[4]:>16s}")
    if have_dowhy:
        print(f"\nTime: causal_core {times[0]:.1f} s, DoWhy {times[1]:.1f} s.")


if __name__ == "__main__":
    main()
