"""CPU of one student's checks of an IPW estimate: the unobserved-common-cause grid alone and
the default set of checks the app runs, on a generated 2,000-row table (issue 15).

Usage::

    .venv/bin/python benchmarks/bench_ipw_checks.py [--n-rows 2000] [--repeats 5]

Prints, per number of simulations (100 and 200), the median of ``--repeats`` process-CPU
times of the unobserved-common-cause refuter alone and of every refuter that applies to the
estimate (as ``ui/results.refuters_for`` picks them: estimand kind and treatment type; the
negative control needs a column the user marks, so it is left out, as in the app by default).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import causal_core as cc  # noqa: E402

EDGES = [("w1", "t"), ("w2", "t"), ("w3", "t"), ("w1", "y"), ("w2", "y"), ("w3", "y"),
         ("t", "y")]


def table(n: int, seed: int = 0) -> pd.DataFrame:
    """A binary treatment confounded by two continuous and one binary covariate."""
    rng = np.random.default_rng(seed)
    w1, w2, w3 = rng.normal(size=n), rng.normal(size=n), rng.binomial(1, 0.4, n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(0.8 * w1 - 0.5 * w2 + 0.7 * w3 - 0.2))))
    y = 1.5 * t + w1 + 0.5 * w2 - w3 + rng.normal(size=n)
    return pd.DataFrame({"w1": w1, "w2": w2, "w3": w3, "t": t, "y": y})


def cpu(work) -> float:
    t0 = time.process_time()
    work()
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-rows", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    df = table(a.n_rows)
    ident = cc.identify(cc.CausalGraph(edges=EDGES), "t", "y")
    est = cc.estimate(df, ident, method="ipw")
    names = [r.name for r in cc.list_refuters()
             if est.estimand.kind in r.estimands and est.treatment_type in r.treatment_types
             and not r.name.startswith("negative_control")]
    print(f"IPW estimate on {a.n_rows} rows; default checks: {', '.join(names)}")
    for n_sim in (100, 200):
        def ucc(n_sim: int = n_sim) -> None:
            cc.refute(df, ident, est, method="unobserved_common_cause", n_simulations=n_sim)

        def every(n_sim: int = n_sim) -> None:
            for name in names:
                try:
                    cc.refute(df, ident, est, method=name, n_simulations=n_sim)
                except cc.CausalCoreError:
                    pass  # a check that does not apply, as the app skips it

        ucc()  # warm-up
        t_ucc = statistics.median(cpu(ucc) for _ in range(a.repeats))
        t_all = statistics.median(cpu(every) for _ in range(a.repeats))
        print(f"{n_sim:4d} simulations: unobserved common cause {t_ucc:6.3f} s CPU, "
              f"all {len(names)} checks {t_all:6.3f} s CPU (median of {a.repeats})", flush=True)


if __name__ == "__main__":
    main()
