"""The workshop load harness: waves of virtual students against one live server on this machine.

    .venv/bin/python benchmarks/load/run_load.py                  # waves of 10, 30, 60, 60
    .venv/bin/python benchmarks/load/run_load.py --waves 10 --settle 30

Starts ``streamlit run app.py`` on a free loopback port (nothing else is ever contacted), lets each
wave's students arrive within ``--arrive`` seconds with 1–3 s between clicks, and prints per wave:
failed sessions, cross-talk, error boxes seen, ``initial_load_time_ms`` and ``rerun_time_ms``
p50/p95/p99 per step, server RSS at start / peak / end (after ``--settle`` seconds idle), and
server CPU seconds per student (user + system of the server and its child processes).
Results also go to ``benchmarks/load/last_run.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from student import run_student  # noqa: E402

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: str | None = None) -> tuple[subprocess.Popen, str]:
    """A fresh app server on 127.0.0.1, as `make run` starts it (its output to ``log``)."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the server's lifetime
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the app server did not start within 60 s")


class Meter:
    """Samples the server's process tree: RSS (sum) and CPU seconds (user + system)."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)

    def tree(self) -> list[psutil.Process]:
        try:
            return [self.proc, *self.proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> int:
        total = 0
        for p in self.tree():
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def cpu(self, server_only: bool = False) -> float:
        """CPU seconds of the server and its job-pool workers (``server_only``: the server's
        own process, whose one interpreter lock every script run shares)."""
        total = 0.0
        for p in self.tree()[:1] if server_only else self.tree():
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
        return total

    def _loop(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, self.rss())

    def start(self) -> None:
        self.peak = self.rss()
        self._t.start()

    def stop(self) -> None:
        self._stop.set()


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


async def wave(url: str, n: int, arrive: float, seed: int) -> list:
    rnd = random.Random(seed)

    async def one(i: int):
        await asyncio.sleep(rnd.uniform(0, arrive))
        return await run_student(url, i, seed=seed)

    return await asyncio.gather(*(one(seed * 1000 + i) for i in range(n)))


def summarise(logs: list, n: int) -> dict:
    steps: dict[str, list[float]] = {}
    for log in logs:
        for k, v in log.steps.items():
            steps.setdefault(k, []).extend(v)
    return {
        "students": n,
        "failed": sum(1 for g in logs if g.failed),
        "failures": sorted({g.failed for g in logs if g.failed})[:5],
        "crosstalk": sum(1 for g in logs if g.crosstalk),
        "crosstalk_examples": [c for g in logs for c in g.crosstalk][:5],
        "error_boxes": sorted({e[:200] for g in logs for e in g.errors_shown},
                              key=lambda e: "exception" not in e)[:12],  # exceptions first
        "initial_load_time_ms": {q: round(1000 * pct(steps.get("first page", []), q)) for q in (50, 95, 99)},
        "rerun_time_ms": {k: {q: round(1000 * pct(v, q)) for q in (50, 95, 99)}
                          for k, v in steps.items() if k != "first page"},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--waves", default="10,30,60,60", help="students per wave, in order")
    ap.add_argument("--arrive", type=float, default=10.0, help="students arrive within this many seconds")
    ap.add_argument("--settle", type=float, default=300.0,
                    help="idle seconds after each wave before 'end' RSS")
    ap.add_argument("--url", default=None, help="an already running server (then RSS/CPU are "
                                                "measured only with --pid)")
    ap.add_argument("--pid", type=int, default=None, help="the pid of the server at --url")
    ap.add_argument("--server-log", default=None, help="write the started server's output here")
    args = ap.parse_args()
    proc, url = (None, args.url) if args.url else start_server(args.server_log)
    pid = proc.pid if proc else args.pid
    meter = Meter(pid) if pid else None
    rows = []
    try:
        if meter:
            meter.start()
        for w, n in enumerate(int(x) for x in args.waves.split(",")):
            rss0 = meter.rss() if meter else 0
            if meter:
                meter.peak = rss0
            cpu0 = meter.cpu() if meter else 0.0
            own0 = meter.cpu(server_only=True) if meter else 0.0
            t0 = time.perf_counter()
            logs = asyncio.run(wave(url, n, args.arrive, seed=w + 1))
            wall = time.perf_counter() - t0
            cpu = (meter.cpu() - cpu0) if meter else float("nan")
            own = (meter.cpu(server_only=True) - own0) if meter else float("nan")
            peak = meter.peak if meter else 0
            end, settled = rss0, 0.0
            if meter:
                quiet = time.time()
                deadline = time.time() + args.settle
                while time.time() < deadline:
                    time.sleep(5)
                    end, settled = meter.rss(), time.time() - quiet
                    if end < 1 << 30 and time.time() > deadline - args.settle + 30:
                        break
            row = summarise(logs, n) | {"wave": w + 1, "wall_s": round(wall, 1),
                                        "cpu_s_per_student": round(cpu / n, 2),
                                        "server_cpu_s_per_student": round(own / n, 2),
                                        "rss_mb": {"start": rss0 >> 20, "peak": peak >> 20, "end": end >> 20,
                                                   "end_after_s": round(settled)}}
            rows.append(row)
            print(json.dumps(row, indent=1), flush=True)
    finally:
        if meter:
            meter.stop()
        if proc:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    (Path(__file__).parent / "last_run.json").write_text(json.dumps(rows, indent=1))
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    print("\n| wave | students | failed | cross-talk | first page p50/p95 | page switch p95 | estimate p95 "
          "| what if p95 | upload p95 | RSS start/peak/end MB | CPU s/student (server's own) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rt = r["rerun_time_ms"]

        def p95(k: str, rt: dict = rt) -> str:
            return f"{rt[k][95] / 1000:.1f} s" if k in rt else "n/a"

        est = max((rt[k][95] for k in rt if k.startswith("estimate")), default=float("nan")) / 1000
        il = r["initial_load_time_ms"]
        print(f"| {r['wave']} | {r['students']} | {r['failed']} | {r['crosstalk']} | "
              f"{il[50] / 1000:.1f} / {il[95] / 1000:.1f} s | {p95('page switch')} | {est:.1f} s | "
              f"{p95('what if')} | {p95('upload')} | {r['rss_mb']['start']}/{r['rss_mb']['peak']}/"
              f"{r['rss_mb']['end']} | {r['cpu_s_per_student']} "
              f"({r.get('server_cpu_s_per_student', 'n/a')}) |")


if __name__ == "__main__":
    main()
