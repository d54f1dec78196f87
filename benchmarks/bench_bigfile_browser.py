"""A 1,000,000-row CSV through the app in headless Chromium, as a user would: upload, quick
model, Estimate & Refute with its progress bars, and Cancel.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_bigfile_browser.py [--rows 1000000]

The CSV is ``bench_bigfile.make_csv`` (true effect 2), uploaded through the Data page's file
input to a live ``streamlit run`` (started and stopped here, as the browser tests do). Printed,
each as seconds from the click: upload until the Data page is idle; the quick model drawn;
the estimate's metric shown on the Estimate page; whether progress bars were seen while the
comparison and the checks ran; and, on the checks, the time from a click on Cancel to the
page saying "You cancelled the checks", then the server process's CPU use in the 10 s after
(a cancelled job that kept running would show as busy workers).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_bigfile import make_csv  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import ARGS, CHROMIUM, Session, serve  # noqa: E402
from tests.browser.test_own_data import _first_visit, _metric, _nav, _quick_model, _upload  # noqa: E402


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / 100  # utime + stime, clock ticks
        except (OSError, IndexError):
            continue
    return total


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        kids = Path(f"/proc/{p}/task/{p}/children")
        if kids.exists():
            todo += [int(k) for k in kids.read_text().split()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--wait", type=float, default=900, help="seconds to watch the Estimate page")
    args = ap.parse_args()
    print(f"load average at the start: {open('/proc/loadavg').read().split()[:3]}")
    with tempfile.TemporaryDirectory() as tmp:
        csv = make_csv(args.rows, Path(tmp))
        print(f"CSV: {args.rows:,} rows, {csv.stat().st_size / 2**20:.1f} MB")
        server = serve(ROOT / "app.py")
        url = next(server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            s = Session(page, url)
            _first_visit(s)
            _nav(s, "1 · Data")
            t0 = time.perf_counter()
            _upload(s, csv)
            s.wait_idle(600_000)
            print(f"upload until the Data page is idle: {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            _quick_model(s, "t", "y")
            print(f"quick model drawn: {time.perf_counter() - t0:.1f} s")
            s.page.wait_for_timeout(2000)
            s.wait_idle(600_000)
            t0 = time.perf_counter()
            s.page.get_by_test_id("stSidebarNav").get_by_text("4 · Estimate & Refute", exact=True).click()
            timeline: list[tuple[float, str]] = []
            metric = s.page.get_by_test_id("stMetric").filter(has_text="Estimated effect")
            shown = None
            cancelled = None
            deadline = time.time() + args.wait
            while time.time() < deadline:
                now = time.perf_counter() - t0
                texts = []
                for b in s.page.get_by_test_id("stProgress").all():
                    try:
                        texts.append(b.inner_text(timeout=500).strip())
                    except Exception:  # noqa: BLE001 - a bar that vanished meanwhile
                        pass
                state = s.page.get_attribute("[data-testid='stApp']", "data-test-script-state")
                line = f"{state}; bars: {texts}"
                if not timeline or timeline[-1][1] != line:
                    timeline.append((now, line))
                if shown is None and metric.count():
                    shown = now
                    timeline.append((now, f"estimate shown: {_metric(s)}"))
                if cancelled is None and any(t.startswith("Check ") for t in texts):
                    s.page.wait_for_timeout(2000)
                    clicked = time.perf_counter()
                    s.page.get_by_role("button", name="Cancel").first.click()
                    s.page.get_by_text("You cancelled the checks.").wait_for(timeout=120_000)
                    cancelled = time.perf_counter() - clicked
                    timeline.append((time.perf_counter() - t0, f"Cancel answered in {cancelled:.1f} s"))
                    break
                if state == "notRunning" and shown is not None:
                    break
                s.page.wait_for_timeout(500)
            for t, line in timeline:
                print(f"{t:7.1f} s  {line[:160]}")
            s.page.screenshot(path=str(Path(tmp) / "end.png"))
            ids = [p for kid in _tree(os.getpid())[1:]
                   if "streamlit" in Path(f"/proc/{kid}/cmdline").read_bytes().decode(errors="replace")
                   for p in _tree(kid)]
            c0 = _cpu_seconds(ids)
            time.sleep(10)
            print(f"server + its workers, CPU in the next 10 s: {_cpu_seconds(ids) - c0:.1f} s "
                  f"({len(ids)} processes)")
            browser.close()
        next(server, None)
    print(f"load average at the end: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
