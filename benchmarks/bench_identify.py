"""Time listing all minimal adjustment sets, side by side with DoWhy's exhaustive search.

Random sparse DAGs (average degree 3) of 20, 100 and 500 nodes. For each size and seed the
treatment is a node a quarter of the way down a random topological order and the outcome one of
its descendants, so a causal effect exists. We time ``cc.identify`` (everything: adjustment sets,
front-door sets, instruments, roles) and, separately, the adjustment-set listing alone (time to
the first set and time per set). DoWhy (when installed: ``pip install -r requirements-bench.txt``)
runs ``CausalModel.identify_effect(method_name="exhaustive-search")`` on the same graphs, in a
child process killed after ``--dowhy-cap`` seconds ("timed out").

Run: ``make bench`` or ``python benchmarks/bench_identify.py [--seeds 5] [--dowhy-cap 60]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import causal_core as cc  # noqa: E402
from causal_core.adjustment import adjustment_problem  # noqa: E402


def random_dag(n: int, seed: int, degree: float = 3.0) -> tuple[cc.CausalGraph, str, str]:
    """A random DAG with ``n * degree / 2`` edges and a (treatment, outcome) with a causal path."""
    rng = np.random.default_rng(seed)
    order = [f"v{i}" for i in rng.permutation(n)]
    m = int(n * degree / 2)
    edges: set[tuple[str, str]] = set()
    while len(edges) < m:
        i, j = sorted(rng.choice(n, 2, replace=False))
        edges.add((order[i], order[j]))
    g = cc.CausalGraph(order, sorted(edges))
    x = order[n // 4]
    below = [v for v in order if v in g.descendants([x]) and v != x]
    if not below:  # make sure the question has an effect to find
        return random_dag(n, seed + 1000, degree)
    return g, x, below[len(below) // 2]


def time_ours(g: cc.CausalGraph, x: str, y: str) -> dict:
    t0 = time.perf_counter()
    ident = cc.identify(g, x, y, max_sets=1000)
    total = time.perf_counter() - t0
    problem = adjustment_problem(g, [x], [y])
    t0 = time.perf_counter()
    it = problem.iter_sets()
    first = next(it, None)
    t_first = time.perf_counter() - t0
    count = 0 if first is None else 1
    for _ in it:
        count += 1
        if count >= 1000:
            break
    t_all = time.perf_counter() - t0
    return {"total": total, "first": t_first, "all_sets": t_all, "n_sets": count,
            "truncated": ident.truncated}


def _dowhy_child(gml: str, x: str, y: str, nodes: list[str], queue) -> None:
    import logging
    import warnings

    import pandas as pd
    from dowhy import CausalModel

    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    data = pd.DataFrame(np.zeros((4, len(nodes))), columns=nodes)
    model = CausalModel(data=data, treatment=x, outcome=y, graph=gml)
    t0 = time.perf_counter()
    est = model.identify_effect(method_name="exhaustive-search", proceed_when_unidentifiable=True)
    seconds = time.perf_counter() - t0
    sets = est.backdoor_variables if hasattr(est, "backdoor_variables") else {}
    queue.put((seconds, len(sets)))


def time_dowhy(g: cc.CausalGraph, x: str, y: str, cap: float) -> tuple[float | None, int | None]:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    import networkx as nx

    gml = "".join(nx.generate_gml(g.to_networkx().__class__(g.edges)))
    proc = ctx.Process(target=_dowhy_child, args=(gml, x, y, list(g.nodes), queue))
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None, None
    return queue.get() if not queue.empty() else (None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100, 500])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--dowhy-cap", type=float, default=60.0)
    args = parser.parse_args()
    try:
        import dowhy  # noqa: F401
        have_dowhy = True
    except ImportError:
        have_dowhy = False
        print("DoWhy is not installed: only our timings (pip install -r requirements-bench.txt)")
    header = (f"{'nodes':>5} | {'identify() median s':>19} | {'first set s':>11} | "
              f"{'per set ms':>10} | {'sets (median)':>13} | {'DoWhy exhaustive median s':>25} | ratio")
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        ours, dowhy_t, dowhy_out = [], [], []
        for seed in range(args.seeds):
            g, x, y = random_dag(n, seed)
            ours.append(time_ours(g, x, y))
            if have_dowhy:
                secs, _ = time_dowhy(g, x, y, args.dowhy_cap)
                dowhy_out.append(secs)
                if secs is None:  # no point waiting on the bigger seeds
                    break
        med = statistics.median(r["total"] for r in ours)
        first = statistics.median(r["first"] for r in ours)
        per = statistics.median(r["all_sets"] / max(r["n_sets"], 1) for r in ours) * 1000
        sets = statistics.median(r["n_sets"] for r in ours)
        if not have_dowhy:
            dw, ratio = "not installed", "-"
        elif any(s is None for s in dowhy_out):
            dw, ratio = f"timed out (> {args.dowhy_cap:.0f} s)", f"> {args.dowhy_cap / med:,.0f}x"
        else:
            dowhy_t = statistics.median(dowhy_out)
            dw, ratio = f"{dowhy_t:.3f}", f"{dowhy_t / med:,.0f}x"
        print(f"{n:>5} | {med:>19.4f} | {first:>11.5f} | {per:>10.3f} | {sets:>13} | {dw:>25} | {ratio}")
    many_sets()


def many_sets(k: int = 12, cap: int = 1000) -> None:
    """A graph with 2**k minimal sets: k confounders, each also reachable through a proxy."""
    lines = [f"c{i} -> x; c{i} -> p{i}; p{i} -> y" for i in range(k)] + ["x -> y"]
    g = cc.CausalGraph.parse("\n".join(lines))
    t0 = time.perf_counter()
    ident = cc.identify(g, "x", "y", max_sets=cap)
    secs = time.perf_counter() - t0
    print(f"\nExponential case ({3 * k + 2} nodes, 2^{k} = {2 ** k} minimal sets, max_sets={cap}): "
          f"{len(ident.adjustment_sets)} sets listed in {secs:.3f} s "
          f"({secs / len(ident.adjustment_sets) * 1000:.3f} ms per set), truncated={ident.truncated}")


if __name__ == "__main__":
    main()
