"""Identification timings, side by side with DAGitty's own engine (and DoWhy) in one run.

Sections (each prints a table; every figure is measured in this run):

1. Real networks (bnlearn's Bayesian networks, read from ``.bif``/``.bif.gz`` files in
   ``--bif-dir``; they are not shipped here: pgmpy's repository holds them under
   ``pgmpy/utils/example_models/``). Five (treatment, descendant outcome) pairs per network,
   drawn with a fixed seed. We time ``cc.identify`` (all minimal adjustment sets and the
   estimand) and the instruments, DAGitty times ``listMsasTotalEffect`` and
   ``conditionalInstruments`` on the same cases, and the answers are compared.
2. Munin (1,041 nodes): ten pairs, the same measurements.
3. Random sparse DAGs of 1,000 and 2,000 nodes (average degree 3): ``cc.identify``.
4. ID (``cc.general_identification``: the ID algorithm plus its exact numerical check) on random
   mixed graphs of 8–25 observed nodes where back-door adjustment fails; p50 and p95.

5. DoWhy 0.14 (when installed: ``pip install -r requirements-bench.txt``) on the real-network
   cases: ``identify_effect_auto`` (its default back-door search) per case in a child process
   killed after ``--dowhy-cap`` seconds, against ``cc.identify``.

Each of our timed calls starts after ``gc.collect()`` (so one full collection of the process's
heap, about 0.14 s here, is not charged to whichever case it happens to fall in); our times
include building the graph's index (each graph is fresh). DAGitty runs when ``--dagitty``
points to its prebuilt algorithm bundle
(``r/inst/js/dagitty-alg.js`` in github.com/jtextor/dagitty) and ``node`` is on the path; it is
never a runtime dependency. Each side gets one warm-up call before timing.

Run: ``python benchmarks/bench_identify.py --bif-dir DIR --dagitty dagitty-alg.js``.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import causal_core as cc  # noqa: E402

NETWORKS = ["asia", "sachs", "child", "insurance", "alarm", "hailfinder", "hepar2", "win95pts",
            "andes"]
RUNNER = Path(__file__).with_name("dagitty_runner.js")


def read_bif(path: Path) -> cc.CausalGraph:
    """The structure of a ``.bif`` network (variables and parent lists only)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        text = fh.read()
    nodes = re.findall(r"variable\s+(\S+)\s*\{", text)
    edges = []
    for m in re.finditer(r"probability\s*\(\s*([^|)]+?)\s*(?:\|\s*([^)]*))?\)", text):
        edges += [(p.strip(), m.group(1).strip()) for p in (m.group(2) or "").split(",") if p.strip()]
    return cc.CausalGraph(nodes, edges)


def find_bif(bif_dir: Path, name: str) -> Path | None:
    for suffix in (".bif.gz", ".bif"):
        if (bif_dir / f"{name}{suffix}").exists():
            return bif_dir / f"{name}{suffix}"
    return None


def pairs(g: cc.CausalGraph, k: int, seed: int) -> list[tuple[str, str]]:
    """``k`` (treatment, outcome) pairs with a causal path, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    order = g.topological_order()
    out: list[tuple[str, str]] = []
    while len(out) < k:
        x = order[int(rng.integers(0, max(len(order) // 2, 1)))]
        below = sorted(g.descendants([x]) - {x})
        if below:
            out.append((x, below[int(rng.integers(0, len(below)))]))
    return out


def random_dag(n: int, seed: int, degree: float = 3.0) -> tuple[cc.CausalGraph, str, str]:
    rng = np.random.default_rng(seed)
    order = [f"v{i}" for i in rng.permutation(n)]
    edges: set[tuple[str, str]] = set()
    while len(edges) < int(n * degree / 2):
        i, j = sorted(rng.choice(n, 2, replace=False))
        edges.add((order[i], order[j]))
    g = cc.CausalGraph(order, sorted(edges))
    (x, y), = pairs(g, 1, seed)
    return g, x, y


def ours(g: cc.CausalGraph, x: str, y: str, instruments: bool = True) -> dict:
    gc.collect()  # earlier cases' garbage is not charged to this one (timeit disables GC)
    t0 = time.perf_counter()
    ident = cc.identify(g, x, y, max_sets=None)
    r = {"sets_seconds": time.perf_counter() - t0, "sets": ident.adjustment_sets}
    if instruments:
        t0 = time.perf_counter()
        r["instruments"] = [[z, w] for z, w in ident.instruments]
        r["instruments_seconds"] = time.perf_counter() - t0
    return r


def dagitty(bundle: Path | None, cases: list[tuple[cc.CausalGraph, str, str]],
            what: list[str]) -> list[dict] | None:
    if bundle is None or shutil.which("node") is None:
        return None
    warm = {"dag": "dag { a -> b }", "x": "a", "y": "b", "what": what}
    payload = [warm] + [{"dag": g.to_dagitty(), "x": x, "y": y, "what": what} for g, x, y in cases]
    done = subprocess.run(["node", str(RUNNER), str(bundle)], input=json.dumps(payload),
                          capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(done.stdout)[1:]


def compare(title: str, cases, bundle: Path | None, instruments: bool = True) -> None:
    what = ["sets", "instruments"] if instruments else ["sets"]
    ours(*cases[0], instruments=instruments)  # warm-up
    mine = [ours(g, x, y, instruments) for g, x, y in cases]
    theirs = dagitty(bundle, cases, what)
    print(f"\n{title}: {len(cases)} cases")
    rows = [("adjustment sets", "sets")] + ([("instruments", "instruments")] if instruments else [])
    print(f"{'task':<16} | {'ours total s':>12} | {'ours max s':>10} | {'DAGitty total s':>15} | "
          f"{'DAGitty max s':>13} | ratio | same answers")
    for label, key in rows:
        a = [r[f"{key}_seconds"] for r in mine]
        if theirs is None:
            print(f"{label:<16} | {sum(a):>12.3f} | {max(a):>10.4f} | {'not run':>15} |")
            continue
        b = [r[f"{key}_seconds"] for r in theirs]
        same = sum(_same(key, m, t) for m, t in zip(mine, theirs, strict=True))
        print(f"{label:<16} | {sum(a):>12.3f} | {max(a):>10.4f} | {sum(b):>15.3f} | "
              f"{max(b):>13.4f} | {sum(b) / sum(a):>4.1f}x | {same}/{len(cases)}")


def _same(key: str, m: dict, t: dict) -> bool:
    if key == "sets":
        return sorted(m["sets"]) == sorted(t["sets"])
    return sorted(map(json.dumps, m["instruments"])) == sorted(map(json.dumps, t["instruments"]))


def random_admg(n: int, seed: int) -> tuple[cc.CausalGraph, str, str]:
    """A random mixed graph with no valid adjustment set for its (x, y)."""
    rng = np.random.default_rng(seed)
    while True:
        names = [f"v{i}" for i in range(n)]
        edges = [(names[i], names[j]) for i in range(n) for j in range(i + 1, min(n, i + 4))
                 if rng.random() < 0.45]
        bi = [(names[i], names[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 1.5 / n]
        g = cc.CausalGraph(names, edges, bi)
        for x, y in pairs(g, 3, int(rng.integers(1 << 30))):
            if not cc.identify(g, x, y).adjustment_sets:
                return g, x, y


def bench_id(sizes: list[int], per_size: int) -> None:
    print(f"\nID algorithm + exact check on random mixed graphs (no adjustment set), {per_size} per size")
    print(f"{'observed nodes':>14} | {'ID p50 ms':>9} | {'ID p95 ms':>9} | {'ID+check p50 ms':>15} | "
          f"{'ID+check p95 ms':>15} | identified | checked")
    from causal_core.idalg import id_algorithm

    for n in sizes:
        t_id, t_all, n_ok, n_checked = [], [], 0, 0
        for s in range(per_size):
            g, x, y = random_admg(n, 1000 * n + s)
            gc.collect()
            t0 = time.perf_counter()
            id_algorithm(g, [x], [y])
            t_id.append(time.perf_counter() - t0)
            g = cc.CausalGraph(g.nodes, g.edges, g.bidirected)  # fresh: no index cached by ID
            gc.collect()
            t0 = time.perf_counter()
            gid = cc.general_identification(g, [x], [y])
            t_all.append(time.perf_counter() - t0)
            n_ok += gid.identified
            n_checked += gid.checked is True
        q = lambda v, p: float(np.percentile(v, p)) * 1000  # noqa: E731
        print(f"{n:>14} | {q(t_id, 50):>9.1f} | {q(t_id, 95):>9.1f} | {q(t_all, 50):>15.1f} | "
              f"{q(t_all, 95):>15.1f} | {n_ok:>10} | {n_checked:>7}")


def _dowhy_child(edges: list, nodes: list, x: str, y: str, queue) -> None:
    import logging
    import warnings

    import networkx as nx
    from dowhy.causal_identifier import identify_effect_auto
    from dowhy.causal_identifier.auto_identifier import EstimandType

    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    g = nx.DiGraph(edges)
    g.add_nodes_from(nodes)
    t0 = time.perf_counter()
    identify_effect_auto(g, [x], [y], nodes, EstimandType.NONPARAMETRIC_ATE)
    queue.put(time.perf_counter() - t0)


def dowhy_side(cases, cap: float) -> None:
    try:
        import dowhy  # noqa: F401
    except ImportError:
        print("\nDoWhy is not installed (pip install -r requirements-bench.txt): no DoWhy column")
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    print(f"\nDoWhy identify_effect_auto vs cc.identify on the real-network cases (cap {cap:.0f} s each)")
    print(f"{'cases':>5} | {'ours total s':>12} | {'DoWhy total s':>13} | {'timed out':>9} | ratio")
    ours_t, theirs_t, timeouts = 0.0, 0.0, 0
    for g, x, y in cases:
        ours_t += ours(g, x, y, instruments=False)["sets_seconds"]
        queue = ctx.Queue()
        proc = ctx.Process(target=_dowhy_child, args=(list(g.edges), list(g.nodes), x, y, queue))
        proc.start()
        proc.join(cap)
        if proc.is_alive():
            proc.kill()
            proc.join()
            timeouts += 1
            theirs_t += cap
        else:
            theirs_t += queue.get() if not queue.empty() else cap
    print(f"{len(cases):>5} | {ours_t:>12.3f} | {theirs_t:>13.3f} | {timeouts:>9} | "
          f"{'>= ' if timeouts else ''}{theirs_t / ours_t:,.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bif-dir", type=Path, default=None)
    parser.add_argument("--dagitty", type=Path, default=None, help="DAGitty's dagitty-alg.js")
    parser.add_argument("--id-per-size", type=int, default=20)
    parser.add_argument("--dowhy-cap", type=float, default=30.0)
    args = parser.parse_args()
    if args.bif_dir is None or not args.bif_dir.is_dir():
        print("No --bif-dir: the bnlearn networks are not available offline here; skipping 1-2.")
    else:
        cases = []
        for name in NETWORKS:
            path = find_bif(args.bif_dir, name)
            if path is None:
                print(f"{name}: not found in {args.bif_dir}, skipped")
                continue
            g = read_bif(path)
            cases += [(g, x, y) for x, y in pairs(g, 5, len(cases))]
        compare("Real networks (" + ", ".join(n for n in NETWORKS if find_bif(args.bif_dir, n))
                + ")", cases, args.dagitty)
        dowhy_side(cases, args.dowhy_cap)
        munin = find_bif(args.bif_dir, "munin")
        if munin is not None:
            g = read_bif(munin)
            compare(f"Munin ({len(g.nodes)} nodes)", [(g, x, y) for x, y in pairs(g, 10, 7)],
                    args.dagitty)
    for n in (1000, 2000):
        compare(f"Random sparse DAGs of {n} nodes", [random_dag(n, s) for s in range(5)],
                args.dagitty, instruments=False)
    bench_id([8, 12, 16, 20, 25], args.id_per_size)


if __name__ == "__main__":
    main()
