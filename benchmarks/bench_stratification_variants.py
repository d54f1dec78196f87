"""Stratification's ATT/ATC in the coverage benchmark's heterogeneous design, by setting.

Usage::

    .venv/bin/python benchmarks/bench_stratification_variants.py REPS

Per replication (seeds 0 ... REPS - 1, n = 2,000 rows of ``bench_coverage.hetero``) the ATT
and ATC by ``cc.estimate(..., method="propensity_stratification")`` with the regression
adjustment and 20 strata (``a20``, the default), the plain difference in means (``p20``),
and 10 or 50 strata (``a10``, ``a50``): bias against the exact truth, coverage, and each
setting's shift paired against ``a20`` (the same data sets, so their sampling error cancels).
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import _hetero_truth, hetero  # noqa: E402

import causal_core as cc  # noqa: E402

TRUTH = _hetero_truth()
EDGES = [("w1", "t"), ("w2", "t"), ("w1", "y"), ("w2", "y"), ("t", "y")]
IDENT = cc.identify(cc.CausalGraph(edges=EDGES), "t", "y")
SETTINGS = {"a20": {"adjust": True, "n_strata": 20}, "p20": {"adjust": False, "n_strata": 20},
            "a50": {"adjust": True, "n_strata": 50}, "a10": {"adjust": True, "n_strata": 10}}


def one(seed: int) -> dict:
    d = hetero(2000, np.random.default_rng(seed))
    out = {}
    for tg in ("att", "atc"):
        for key, params in SETTINGS.items():
            e = cc.estimate(d, IDENT, method="propensity_stratification", target=tg, **params)
            out[f"{tg}_{key}"] = e.value - TRUTH[tg]
            out[f"{tg}_{key}_cov"] = bool(e.ci_low <= TRUTH[tg] <= e.ci_high)
    return out


if __name__ == "__main__":
    reps = int(sys.argv[1])
    start = time.perf_counter()
    df = pd.DataFrame([one(s) for s in range(reps)])
    for col in [c for c in df.columns if not c.endswith("_cov")]:
        v, base = df[col], df[col[:4] + "a20"]
        line = f"{col} bias {v.mean():+.4f} +- {v.std() / np.sqrt(reps):.4f} " \
               f"cover {df[col + '_cov'].mean():.3f}"
        if not col.endswith("a20"):
            dd = v - base
            line += f"  paired vs a20 {dd.mean():+.4f} +- {dd.std() / np.sqrt(reps):.4f}"
        print(line)
    print(f"{time.perf_counter() - start:.0f} s")
