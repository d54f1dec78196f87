"""A 1,000,000-row CSV through the app's steps, each timed: load, identify, estimate, refute.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_bigfile.py [--rows 1000000] [--sims 100 20]
        [--compare]

Design: three confounders ``w1`` (Gaussian), ``w2`` (Gaussian), ``w3`` (binary), a binary
treatment ``t`` with ``P(t=1) = sigmoid(0.5 w1 - 0.5 w2 + 0.8 w3 - 0.4)`` and an outcome
``y = 2 t + 1.5 w1 - w2 + 0.5 w3 + noise``: the true effect of ``t`` on ``y`` is 2. The CSV
is written to a temporary directory (never the repository) and read back as bytes, as an
upload is. Each step is what the app runs for it (``ui/state.py``): ``cc.load_table`` on the
bytes, the fingerprint and column profile the Data page shows, the plan's identification, the
default estimator's estimate (the first adjusted estimator that fits, as
``ui.state.default_method`` picks it), and each of the plan's refuters
(``AnalysisPlan.refute_one``, the call the app's job runs) with the app's default number of
simulations (``ui.state.DEFAULT_SIMULATIONS``) and any others asked for. ``--compare`` adds
the Estimate page's comparison estimates (every fitting estimator with its defaults).

Printed: one row per step with seconds and the process's peak resident memory after it
(``resource.getrusage``), the estimate against the truth, and the load average.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import causal_core as cc  # noqa: E402

TRUE_EFFECT = 2.0
GRAPH = "w1 -> t\nw2 -> t\nw3 -> t\nw1 -> y\nw2 -> y\nw3 -> y\nt -> y"
DEFAULT_SIMULATIONS = 100  # ui.state.DEFAULT_SIMULATIONS (ui imports streamlit; checked below)


def make_csv(n: int, folder: Path, seed: int = 0) -> Path:
    """Write the design's ``n`` rows as CSV into ``folder``; return the file's path."""
    rng = np.random.default_rng(seed)
    w1, w2 = rng.normal(size=n), rng.normal(size=n)
    w3 = rng.integers(0, 2, size=n)
    p = 1 / (1 + np.exp(-(0.5 * w1 - 0.5 * w2 + 0.8 * w3 - 0.4)))
    t = (rng.random(n) < p).astype(int)
    y = TRUE_EFFECT * t + 1.5 * w1 - w2 + 0.5 * w3 + rng.normal(size=n)
    path = folder / "big.csv"
    pd.DataFrame({"w1": w1.round(6), "w2": w2.round(6), "w3": w3, "t": t,
                  "y": y.round(6)}).to_csv(path, index=False)
    return path


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sims", type=int, nargs="+", default=[DEFAULT_SIMULATIONS, 20])
    ap.add_argument("--compare", action="store_true")
    args = ap.parse_args()
    rows: list[tuple[str, float, float, str]] = []

    def step(name: str, fn, note=lambda r: ""):  # noqa: ANN001, ANN202
        t0 = time.perf_counter()
        try:
            out = fn()
        except cc.CausalCoreError as err:
            rows.append((name, time.perf_counter() - t0, peak_mb(), f"not applicable: {str(err)[:60]}"))
            return None
        rows.append((name, time.perf_counter() - t0, peak_mb(), note(out)))
        return out

    with tempfile.TemporaryDirectory() as tmp:
        path = make_csv(args.rows, Path(tmp))
        raw = path.read_bytes()
    print(f"CSV: {args.rows:,} rows, {len(raw) / 2**20:.1f} MB; peak RSS before loading "
          f"{peak_mb():.0f} MB; load average {open('/proc/loadavg').read().split()[:3]}")
    upload = [raw]
    del raw
    df, report = step("load_table (bytes → typed frame)", lambda: cc.load_table(upload.pop(), "big.csv"),
                      lambda r: f"{r[0].shape[0]:,} × {r[0].shape[1]}")
    fp = step("fingerprint", lambda: cc.fingerprint(df))
    step("profile (Data page)", lambda: cc.profile(df))
    g = cc.CausalGraph.parse(GRAPH)
    plan = cc.AnalysisPlan.for_data(df, "big.csv", g, data_fingerprint=fp, treatment="t", outcome="y")
    ident = step("identification", lambda: plan.identify(df.columns),
                 lambda r: f"{r.estimand.kind}, adjust for {', '.join(r.estimand.adjustment_set)}")
    kind = ident.estimand.kind
    fitting = [e.name for e in cc.list_estimators() if kind in e.estimands and "binary" in e.treatment_types]
    default = next(n for n in fitting if n != "naive")  # ui.state.default_method for an upload
    plan = plan.replace(estimator=default)
    est = step(f"estimate ({default})", lambda: plan.estimate(df, identification=ident),
               lambda r: f"{r.value:.4f} (truth {TRUE_EFFECT}; CI {r.ci_low:.4f} to {r.ci_high:.4f})")
    if args.compare:
        for name in fitting:
            if name != default:
                step(f"comparison: {name}", lambda n=name: plan.estimate(df, identification=ident, method=n),
                     lambda r: f"{r.value:.4f}")
    for sims in args.sims:
        p = plan.replace(n_simulations=sims)
        total = 0.0
        for name in p.refuter_names(est):
            before = len(rows)
            step(f"refute {name} ({sims} sims)",
                 lambda n=name, p=p: p.refute_one(df, n, est, identification=ident),
                 lambda r: str(r.verdict)[:50])
            total += rows[before][1] if len(rows) > before else 0.0
        rows.append((f"all refutations ({sims} sims)", total, peak_mb(), ""))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'step'.ljust(width)}  {'seconds':>8}  {'peak RSS MB':>11}  result")
    for name, secs, mb, note in rows:
        print(f"{name.ljust(width)}  {secs:8.2f}  {mb:11.0f}  {note}")
    print(f"\nestimate {est.value:.4f} vs truth {TRUE_EFFECT} (error {est.value - TRUE_EFFECT:+.4f}); "
          f"load average {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
