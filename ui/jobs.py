"""Heavy work off the script threads: one bounded process pool per server, with a visible queue.

Streamlit runs every session's script on a thread of one process, so CPU-bound engine work
(refutations, model fits, AIPW) in a script thread holds the GIL: sixty sessions share one core
and a page switch waits behind someone's 200 simulations. Here that work goes to a small pool
of worker processes (one per core, spawned, BLAS limited to one thread each), so both cores are
used and the server's own threads stay free to answer page switches.

A wait is interrupted as soon as its session asks to rerun or stop (a click, a closed tab):
the job is then cancelled, so work nobody will read does not hold a worker. A wait may have a
time budget: past it, the job is stopped and the page says why.

A job reports its queue position (jobs submitted before it that have not started), its
progress (the engine's ``progress`` callback, written to shared memory) and can be cancelled
(the worker's next progress call raises :class:`Cancelled`). The engine's own errors come back
as they were raised. Nothing here computes statistics: it only runs ``causal_core`` callables.
"""

from __future__ import annotations

import contextlib
import inspect
import multiprocessing as mp
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from causal_core.exceptions import CausalCoreError

from . import memory

#: Worker processes: one per core (the machine a workshop runs on has two).
WORKERS = max(1, min(4, os.cpu_count() or 1))
#: Jobs that may be queued or running at once across the server (more are refused with a message).
MAX_PENDING = 256
#: Seconds without a queued or running job after which the workers are stopped (and their
#: memory handed back); the next job starts new ones (a few seconds of imports, once).
RETIRE_IDLE = 120.0

#: How much lower the workers' priority is than the server's (``nice`` 5: under contention the
#: kernel gives a worker about a third of a script thread's share, so page loads come first
#: and a busy server still runs every job; at ``nice`` 19, a 1/70 share, jobs timed out in
#: browser tests, likely starved).
NICE = 5

#: A file each worker appends a line to per job it ran (its callable, CPU seconds, status):
#: how the load harness tells where the pool's CPU goes. Unset: nothing is written.
JOB_LOG = os.environ.get("CAUSAL_JOB_LOG")

_QUEUED, _RUNNING, _DONE = 0.0, 1.0, 2.0


class Cancelled(Exception):
    """The user cancelled the job."""


class Busy(Exception):
    """The server's job queue is full; the message says what to do."""


class OverBudget(CausalCoreError):
    """A job ran past its time budget and was stopped; the message names it and what to do."""


# ------------------------------------------------------------------ worker side
_shared: dict[str, Any] = {}


def _init_worker(progress: Any, state: Any, cancel: Any) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - without threadpoolctl the env vars above still apply
        pass
    with contextlib.suppress(OSError):
        os.nice(NICE)
    _shared.update(progress=progress, state=state, cancel=cancel)


def _run(slot: int, fn: Callable[..., Any], args: tuple, kwargs: dict, wants_progress: bool) -> Any:
    progress, state, cancel = _shared["progress"], _shared["state"], _shared["cancel"]
    state[slot] = _RUNNING
    if cancel[slot]:
        raise Cancelled()

    def report(fraction: float) -> None:
        progress[slot] = float(fraction)
        if cancel[slot]:
            raise Cancelled()

    cpu, status = time.process_time(), "failed"
    try:
        if wants_progress:
            kwargs = {**kwargs, "progress": report}
        out = fn(*args, **kwargs)
        status = "done"
        return out
    finally:
        state[slot] = _DONE
        memory.release_free_memory()  # the job's arrays are freed: hand their pages back
        if JOB_LOG:
            _log_job(fn, args, time.process_time() - cpu, status)


def _log_job(fn: Callable[..., Any], args: tuple, cpu: float, status: str) -> None:
    """One line of :data:`JOB_LOG`: the job's callable, what it was asked (a plan's estimator
    and simulations, the first text argument), its CPU seconds and how it ended."""
    name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
    plan = getattr(fn, "__self__", None)
    asked = [str(getattr(plan, key)) for key in ("estimator", "n_simulations") if hasattr(plan, key)]
    asked += [a for a in args if isinstance(a, str)][:1]
    with contextlib.suppress(OSError), open(JOB_LOG, "a", encoding="utf-8") as out:
        out.write(f"{name}\t{' '.join(asked)!r}\t{cpu:.4f}\t{status}\n")


def _warm() -> int:
    import causal_core  # noqa: F401 - pays the import once per worker, before the first job

    return os.getpid()


# ------------------------------------------------------------------ server side
def _stop_if_asked() -> None:
    """End a wait when its session was asked to rerun or stop (Streamlit checks only when the
    script draws something, and a wait draws nothing between its updates).

    Does what Streamlit's script runner does at such a point: takes the pending request and
    raises its ``RerunException`` or ``StopException``. Outside a script run, nothing.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
        from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        requests = getattr(ctx, "script_requests", None)
        if requests is None or requests._state == ScriptRequestType.CONTINUE:  # noqa: SLF001
            return
        request = requests.on_scriptrunner_yield()
    except Exception:  # noqa: BLE001 - private parts of Streamlit: if they move, waits end as before
        return
    if request is None:
        return
    if request.type == ScriptRequestType.RERUN:
        raise RerunException(request.rerun_data)
    raise StopException()


@contextlib.contextmanager
def _no_main_module() -> Iterator[None]:
    """Start workers without re-running ``__main__`` in them.

    A spawned worker re-imports the parent's ``__main__`` by path; under Streamlit (and AppTest)
    that is the app script itself, which would open the app inside every worker. A stub
    ``__main__`` without ``__file__`` while the workers start makes them skip it. Put back only
    if nobody replaced it meanwhile (Streamlit sets its own at each script run).
    """
    stub = types.ModuleType("__main__")
    old = sys.modules.get("__main__")
    sys.modules["__main__"] = stub
    try:
        yield
    finally:
        if sys.modules.get("__main__") is stub and old is not None:
            sys.modules["__main__"] = old
@dataclass
class Job:
    """A submitted job: its future, its slot in shared memory, its place in the queue."""

    future: Future
    slot: int
    serial: int
    pool: JobPool
    label: str

    def position(self) -> int:
        """How many jobs submitted before this one have not started yet (0: running or next)."""
        return self.pool.queued_before(self)

    def progress(self) -> float:
        """The fraction done, as the engine reported it (0 before it starts)."""
        return float(self.pool.progress[self.slot])

    def running(self) -> bool:
        return self.pool.state[self.slot] == _RUNNING

    def cancel(self) -> None:
        """Stop the job: dropped if still queued, interrupted at its next progress report otherwise."""
        self.pool.cancel[self.slot] = 1
        self.future.cancel()

    def wait(self, on_update: Callable[[Job], Any] | None = None, poll: float = 0.25,
             budget: float | None = None) -> Any:
        """Block this script thread (without holding the GIL) until the result is in.

        ``on_update(job)`` is called every ``poll`` seconds: draw the queue position and
        progress there. The engine's exceptions are re-raised unchanged. A rerun or stop asked
        of the waiting session (a click, a closed tab) cancels the job and ends the wait.
        ``budget``: seconds the job may run (queueing not counted); past it the job is
        cancelled and :class:`OverBudget` says so.
        """
        started: float | None = None
        try:
            while True:
                try:
                    return self.future.result(timeout=poll)
                except TimeoutError:
                    _stop_if_asked()
                    if started is None and self.running():
                        started = time.monotonic()
                    if budget is not None and started is not None \
                            and time.monotonic() - started > budget:
                        raise OverBudget(
                            f"{self.label or 'This computation'} ran for more than {budget:.0f} s "
                            "and was stopped, so that the server stays quick for everyone. Make "
                            "the question smaller (fewer variables in the graph, fewer rows) and "
                            "run it again.") from None
                    if on_update is not None:
                        on_update(self)
        except BaseException as exc:
            # A rerun or a closed tab interrupts the waiting script (Streamlit raises inside
            # on_update): nobody will read this result, so free the worker for others.
            if not self.future.done():
                self.cancel()
            raise exc
        finally:
            self.pool.release(self)


class JobPool:
    """A process pool with shared-memory progress, cancel flags and queue positions."""

    def __init__(self, workers: int = WORKERS, slots: int = MAX_PENDING,
                 idle: float | None = RETIRE_IDLE) -> None:
        self._ctx = mp.get_context("spawn")  # never fork a threaded server
        self.progress = self._ctx.RawArray("d", slots)
        self.state = self._ctx.RawArray("d", slots)
        self.cancel = self._ctx.RawArray("b", slots)
        self._lock = threading.Lock()
        self._free = list(range(slots))
        self._pending: dict[int, Job] = {}
        self._serial = 0
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._last_used = time.monotonic()
        self._closed = threading.Event()
        self._start()
        if idle is not None:
            threading.Thread(target=self._retire_when_idle, args=(idle,), name="ce-pool-idle",
                             daemon=True).start()

    def _start(self) -> ProcessPoolExecutor:
        """Start the workers (the lock held, or in ``__init__``); each warms up at once."""
        self._executor = ProcessPoolExecutor(self.workers, mp_context=self._ctx,
                                             initializer=_init_worker,
                                             initargs=(self.progress, self.state, self.cancel))
        with _no_main_module():  # every worker starts here, once: submit() spawns none later
            for _ in range(self.workers):
                self._executor.submit(_warm)
        return self._executor

    def retire_if_idle(self, idle: float) -> bool:
        """Stop the workers when no job has been queued or running for ``idle`` seconds, so
        that the memory they hold (their imports and what their jobs left) goes back to the
        system after a wave; the next job starts new ones. True when they were stopped."""
        with self._lock:
            executor = self._executor
            if executor is None or self._pending or time.monotonic() - self._last_used < idle:
                return False
            self._executor = None
        executor.shutdown(wait=True)
        return True

    def _retire_when_idle(self, idle: float) -> None:
        while not self._closed.wait(min(idle, 30.0) / 2):
            self.retire_if_idle(idle)

    def running_workers(self) -> int:
        """Worker processes alive now (0 after :meth:`retire_if_idle`)."""
        executor = self._executor
        procs = getattr(executor, "_processes", None) or {}
        return sum(1 for p in list(procs.values()) if p.is_alive())

    def submit(self, fn: Callable[..., Any], *args: Any, label: str = "", **kwargs: Any) -> Job:
        """Queue ``fn(*args, **kwargs)`` (a picklable, top-level engine function).

        ``fn`` gets a ``progress`` callback when its signature has one.
        """
        wants = "progress" in inspect.signature(fn).parameters
        with self._lock:
            if not self._free:
                raise Busy(f"The server is running {len(self._pending)} heavy jobs already. "
                           "Wait a few seconds and try again.")
            slot = self._free.pop()
            self.progress[slot], self.state[slot], self.cancel[slot] = 0.0, _QUEUED, 0
            self._serial += 1
            self._last_used = time.monotonic()
            try:
                executor = self._executor or self._start()
                fut = executor.submit(_run, slot, fn, args, kwargs, wants)
            except BrokenProcessPool:
                self._free.append(slot)
                raise
            job = Job(fut, slot, self._serial, self, label)
            self._pending[slot] = job
        return job

    def queued_before(self, job: Job) -> int:
        with self._lock:
            return sum(1 for j in self._pending.values()
                       if j.serial < job.serial and self.state[j.slot] == _QUEUED and not j.future.done())

    def release(self, job: Job) -> None:
        """Give the job's slot back once its worker is done with it (a cancelled job may
        still be starting: its slot must not be reused, or the new job's flags would be its)."""
        if not job.future.done():
            job.future.add_done_callback(lambda _f: self.release(job))
            return
        with self._lock:
            if self._pending.get(job.slot) is job:
                del self._pending[job.slot]
                self._free.append(job.slot)
            self._last_used = time.monotonic()

    def pending(self) -> int:
        """Jobs queued or running now."""
        with self._lock:
            return len(self._pending)

    def shutdown(self) -> None:
        self._closed.set()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def broken(self) -> bool:
        """Whether a worker died and took the running pool with it."""
        return bool(getattr(self._executor, "_broken", False))


_pool: JobPool | None = None
_pool_lock = threading.Lock()


def pool() -> JobPool:
    """The server's one pool, started on first use (and restarted if a worker died)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool.broken():
            if _pool is not None:
                _pool.shutdown()
            _pool = JobPool()
        return _pool


def run(fn: Callable[..., Any], *args: Any, label: str = "", on_update: Callable[[Job], Any] | None = None,
        budget: float | None = None, **kwargs: Any) -> Any:
    """Run one engine call in the pool and wait for it (the common case for a page);
    ``budget``: see :meth:`Job.wait`."""
    job = pool().submit(fn, *args, label=label, **kwargs)
    return job.wait(on_update, budget=budget)


def status(job: Job) -> str:
    """Where the job is: its queue position, "starting", or its progress."""
    pos = job.position()
    if pos > 0:
        return f"waiting, {pos} job{'s' if pos > 1 else ''} ahead of you on this server"
    if not job.running():
        return "starting"
    done = job.progress()
    return f"{100 * done:.0f} %" if done > 0 else "running"  # no report yet: no figure


def describe(job: Job) -> str:
    """The line a page shows while it waits: the job's label and :func:`status`."""
    return f"{job.label}: {status(job)}"


__all__ = ["Busy", "Cancelled", "Job", "JobPool", "OverBudget", "describe", "pool", "run", "status"]
