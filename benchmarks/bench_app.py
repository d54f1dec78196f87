"""Time each page with Streamlit's AppTest on a 100k-row dataset: first run and cached rerun.

The marketing example is generated with 100,000 rows and put into the session; each page is
then run twice. The first run computes (identification, estimates, refutations, profiles);
the rerun is what a user pays for every click afterwards, served from the caches.
Goal: cached reruns under 0.3 s.

Run: ``python benchmarks/bench_app.py [--rows 100000]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

import causal_core as cc  # noqa: E402
from causal_core.datasets import load_example  # noqa: E402
from ui import session  # noqa: E402

PAGES = ["app_pages/data.py", "app_pages/graph.py", "app_pages/identify.py",
         "app_pages/estimate.py"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reruns", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    extra = [p for p in ("app_pages/whatif.py", "app_pages/report.py") if (ROOT / p).exists()]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    from ui.state import DataRef  # the same module object the app uses (same process)

    t0 = time.perf_counter()
    ex = load_example("marketing", n=args.rows)
    fp = cc.fingerprint(ex.data)
    print(f"{args.rows:,} rows generated and fingerprinted in {time.perf_counter() - t0:.2f} s")
    ref = DataRef(ex.data, f"marketing ({args.rows:,} rows)", fp, None, ex)
    at.session_state[session.DATA] = ref
    at.session_state[session.PLAN] = at.session_state[session.PLAN].replace(data=ref.reference())
    at.session_state[session.RESULTS] = {}
    print(f"{'page':<26} | {'first run s':>11} | {'cached rerun s (median)':>23} | errors")
    print("-" * 76)
    for page in PAGES + extra:
        at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        times = []
        for _ in range(args.reruns):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        times.sort()
        problems = len(at.exception) + len(at.error)
        print(f"{page:<26} | {first:>11.3f} | {times[len(times) // 2]:>23.3f} | {problems}")


if __name__ == "__main__":
    main()
