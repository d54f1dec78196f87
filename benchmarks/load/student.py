"""One virtual workshop student: their own CSV with their own true effect, every page, real clicks.

The flow is what a student does in the workshop: open the link, upload a file, look at the
Model and Identify pages, estimate (default estimator, then another one, then more simulations),
open What if and the Report. Each step's time is the time from sending the click to the end of
the script run it caused, as a browser would wait for it. Cross-talk is checked twice: the Data
page names the student's own file, and the estimate lies near the student's own true effect
(effects are spaced far apart, so another student's answer cannot pass).
"""

from __future__ import annotations

import asyncio
import io
import random
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from protocol import Session, choose, click, number

PAGES = ["1 · Data", "2 · Model", "3 · Identify", "4 · Estimate & Refute", "5 · What if", "6 · Report"]


#: The distance between two students' true effects (within a wave).
SPACING = 10.0


def student_effect(i: int) -> float:
    """Student i's true effect: ``SPACING`` apart within a wave (students ``w*1000 + k``), so
    that no two students' intervals overlap (the SE is about 0.5 for regression, 0.6 for
    IPW) and the page's four significant digits still tell them apart (effects under 1,000;
    with effects spaced 3 apart and numbered across waves, a wave's effects reached 9,000 and
    an honest IPW estimate of 6,039.6 for 6,038, shown as "6,040", was flagged as cross-talk)."""
    return 5.0 + SPACING * (i % 1000)


def student_csv(i: int, n: int = 2000) -> bytes:
    """The marketing example's columns, a yes/no campaign in marketing_spend, effect ``student_effect(i)``."""
    rng = np.random.default_rng(1000 + i)
    s = rng.normal(0, 1, n)
    c = rng.binomial(1, 0.3, n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 0.8 * s + 0.8 * c))))
    y = 300 + student_effect(i) * t + 20 * s - 10 * c + rng.normal(0, 10, n)
    df = pd.DataFrame({"seasonality": s.round(4), "competitor_action": c, "marketing_spend": t,
                       "revenue": y.round(3)})
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


@dataclass
class StudentLog:
    """What one student saw: step timings, failures, cross-talk."""

    i: int
    steps: dict[str, list[float]] = field(default_factory=dict)
    failed: str | None = None
    crosstalk: list[str] = field(default_factory=list)
    errors_shown: list[str] = field(default_factory=list)

    last: str = "first page"

    def add(self, step: str, seconds: float) -> None:
        self.steps.setdefault(step, []).append(seconds)
        self.last = step


_EST = re.compile(r"Estimated effect:\s*([-+−]?[\d,]*\.?\d+)")


def _estimate_value(texts: list[str]) -> float | None:
    for t in texts:
        m = _EST.search(t.replace("\\", ""))
        if m:
            return float(m.group(1).replace(",", "").replace("−", "-"))
    return None


async def run_student(base: str, i: int, think: tuple[float, float] = (1.0, 3.0),
                      seed: int = 0) -> StudentLog:
    """Play student ``i`` against the app at ``base``; never raises (failures are logged)."""
    log = StudentLog(i)
    rnd = random.Random(seed * 1000 + i)
    s = Session(base)

    async def pause() -> None:
        await asyncio.sleep(rnd.uniform(*think))

    def seen(r) -> None:  # each error box with the step after which it was shown
        log.errors_shown += [f"{log.last}: {e}" for e in r.errors()]

    try:
        t0 = time.perf_counter()
        r = await s.open()
        log.add("first page", time.perf_counter() - t0)
        seen(r)
        await pause()
        up = r.widget("file_uploader", "CSV")
        name = f"student_{i:03d}.csv"
        t0 = time.perf_counter()
        state = await s.upload(up.id, name, student_csv(i))
        r = await s.run(widgets=[state])
        log.add("upload", time.perf_counter() - t0)
        seen(r)
        if not any(name in t.replace("\\", "") for t in r.texts()):
            log.crosstalk.append(f"Data page does not name {name}")
        s.sticky.pop(state.id, None)  # the browser keeps the file, but the app has it now
        s.sticky[state.id] = state
        for page in PAGES[1:3]:
            await pause()
            r = await s.run(page=page)
            log.add("page switch", r.seconds)
            seen(r)
        await pause()
        r = await s.run(page=PAGES[3])
        log.add("estimate (default + refutations)", r.seconds)
        seen(r)
        _check_estimate(log, r, "default")
        await pause()
        sb = r.widget("selectbox", "Estimator")
        other = next((o for o in sb.proto.options if "weight" in o.lower() or "IPW" in o), None)
        if other is not None:
            r = await s.run(widgets=[choose(sb, other)])
            log.add("estimate (other estimator)", r.seconds)
            seen(r)
            _check_estimate(log, r, other)
            await pause()
            r, seconds = await _run_checks(s, r)
            if seconds:
                log.add("checks of the other estimator", seconds)
            seen(r)
        await pause()
        try:
            sl = r.widget("select_slider", "Simulations")
            r = await s.run(widgets=[_slider_choice(sl, "200")])
            seen(r)
            first = r.seconds
            r, seconds = await _run_checks(s, r)  # the change, then the click the page asks for
            log.add("more simulations", first + seconds)
            seen(r)
        except LookupError:
            pass
        await pause()
        r = await s.run(page=PAGES[4])
        log.add("what if", r.seconds)
        seen(r)
        await pause()
        r = await s.run(page=PAGES[5])
        log.add("report", r.seconds)
        seen(r)
        await pause()
        r = await s.run(page=PAGES[0])
        log.add("page switch", r.seconds)
    except Exception as err:  # noqa: BLE001 - a failed session is a result, not a crash
        log.failed = f"{type(err).__name__}: {err}"
    finally:
        try:
            await s.close()
        except Exception:  # noqa: BLE001
            pass
    return log


async def _run_checks(s: Session, r) -> tuple:
    """Press "Run the N checks" when the page waits for it (the slow estimators' checks wait
    for a click): the run it caused and its seconds; without such a button, ``r`` and 0."""
    try:
        button = r.widget("button", "Run the ")
    except LookupError:
        return r, 0.0
    r2 = await s.run(widgets=[click(button)])
    return r2, r2.seconds


def _slider_choice(widget, option: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    opts = list(widget.proto.options)
    ws = WidgetState(id=widget.id)
    if option not in opts:
        raise LookupError(f"{option!r} is not among {opts}")
    ws.string_array_value.data[:] = [option]
    return ws


def _check_estimate(log: StudentLog, r, which: str) -> None:
    value = _estimate_value(r.texts())
    truth = student_effect(log.i)
    if value is None:
        log.crosstalk.append(f"no estimate shown ({which})")
    elif abs(value - truth) > SPACING / 2:  # nearer another student's truth than its own
        log.crosstalk.append(f"estimate {value} far from own truth {truth} ({which})")


__all__ = ["run_student", "student_csv", "student_effect", "StudentLog", "number", "click"]
