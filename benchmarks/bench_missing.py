"""Multiple imputation against complete cases on a known-truth design with values missing at random.

Usage::

    .venv/bin/python benchmarks/bench_missing.py [--reps 400] [--n 1000] [--m 10] [--max-iter 5]

Design (:func:`causal_core.datasets.missing_examples.mar_design`): ``w -> t -> y``, ``w -> y``,
all Gaussian, true effect of ``t`` = 2; ``w`` is missing with probability
``sigmoid(-1 + 2 * standardised y)`` (about a third), missing at random given the always
observed outcome. Each replication draws a new data set (seed = replication number) and
estimates the effect by linear regression on ``w`` three ways: on the complete data (the
oracle), on complete cases, and by multiple imputation pooled with Rubin's rules. Printed:
mean estimate, bias, empirical SD, mean standard error, coverage of the 95% interval with its
Monte-Carlo standard error, and the seconds per replication.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import causal_core as cc  # noqa: E402
from causal_core.datasets.missing_examples import MAR_TRUE_EFFECT, mar_design  # noqa: E402
from causal_core.imputation import estimate_missing  # noqa: E402
from causal_core.missing import MissingDataChoice  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=400)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--m", type=int, default=10)
    ap.add_argument("--max-iter", type=int, default=5)
    args = ap.parse_args()
    ident = cc.identify(cc.CausalGraph.parse("w -> t\nw -> y\nt -> y"), "t", "y")
    ways = {"complete data (oracle)": None, "complete cases": MissingDataChoice("complete_cases"),
            f"multiple imputation (m={args.m})": MissingDataChoice(
                "multiple_imputation", m=args.m, max_iter=args.max_iter)}
    rows: dict[str, list[tuple[float, float, bool]]] = {k: [] for k in ways}
    secs = dict.fromkeys(ways, 0.0)
    for r in range(args.reps):
        full, holed = mar_design(args.n, np.random.default_rng(r))
        for name, choice in ways.items():
            t0 = time.perf_counter()
            est = estimate_missing(full if choice is None else holed, ident, choice,
                                   random_state=r)
            secs[name] += time.perf_counter() - t0
            rows[name].append((est.value, est.se, est.ci_low < MAR_TRUE_EFFECT < est.ci_high))
    share = float(np.mean([mar_design(args.n, np.random.default_rng(r))[1]["w"].isna().mean()
                           for r in range(min(args.reps, 50))]))
    print(f"MAR design: n = {args.n}, w missing in {share:.0%} of rows (depends on y), "
          f"true effect {MAR_TRUE_EFFECT}, {args.reps} replications\n")
    head = (f"{'method':32} {'mean':>7} {'bias':>8} {'emp sd':>7} {'mean se':>8} "
            f"{'coverage':>9} {'± mc se':>8} {'s/rep':>7}")
    print(head)
    print("-" * len(head))
    for name, vals in rows.items():
        v = np.array([x[0] for x in vals])
        se = np.array([x[1] for x in vals])
        cov = float(np.mean([x[2] for x in vals]))
        mc = float(np.sqrt(cov * (1 - cov) / len(vals)))
        print(f"{name:32} {v.mean():7.3f} {v.mean() - MAR_TRUE_EFFECT:+8.3f} {v.std(ddof=1):7.3f} "
              f"{se.mean():8.3f} {cov:9.3f} {mc:8.3f} {secs[name] / len(vals):7.3f}")


if __name__ == "__main__":
    main()
