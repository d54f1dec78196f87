"""The server's process pool: results, engine errors, progress, queue positions, cancel."""

from __future__ import annotations

import os

import pytest

import causal_core as cc
from tests.app import jobs_helpers as h
from ui.jobs import Cancelled, JobPool, describe


@pytest.fixture(scope="module")
def pool():
    p = JobPool(workers=1, slots=8)
    yield p
    p.shutdown()


def test_result_comes_back_from_another_process(pool):
    assert pool.submit(h.slow_sum, 1000).wait() == sum(range(1000))
    assert pool.submit(h.pid).wait() != os.getpid()


def test_engine_error_is_reraised_with_its_message(pool):
    with pytest.raises(cc.EstimationError, match="one value"):
        pool.submit(h.fails).wait()


def test_progress_is_reported_while_running(pool):
    seen = []
    job = pool.submit(h.slow_sum, 100, label="sum")
    job.wait(on_update=lambda j: seen.append(j.progress()), poll=0.05)
    assert seen and max(seen) > 0 and seen == sorted(seen)
    assert job.progress() == 1.0


def test_queue_position_counts_jobs_ahead(pool):
    first = pool.submit(h.sleeps, 0.6, label="first")
    second = pool.submit(h.sleeps, 0.1, label="second")
    third = pool.submit(h.sleeps, 0.1, label="third")
    assert third.position() >= 1          # one worker: at least `second` is queued ahead
    assert "ahead of you" in describe(third)
    for j in (first, second, third):
        assert j.wait() == "finished"
    assert pool.pending() == 0


def test_cancel_interrupts_a_running_job(pool):
    job = pool.submit(h.sleeps, 30, label="long")
    while not job.running():
        pass
    job.cancel()
    with pytest.raises(Cancelled):
        job.wait()
    assert pool.submit(h.slow_sum, 10).wait() == 45   # the worker is free again


def test_a_full_queue_is_refused_with_a_message():
    from ui.jobs import Busy

    p = JobPool(workers=1, slots=1)
    try:
        job = p.submit(h.sleeps, 0.2)
        with pytest.raises(Busy, match="try again"):
            p.submit(h.sleeps, 0.2)
        job.wait()
        assert p.submit(h.slow_sum, 10).wait() == 45   # the slot was given back
    finally:
        p.shutdown()


def test_an_interrupted_wait_cancels_the_job(pool):
    """A rerun interrupts the waiting script inside on_update: the worker must be freed."""
    job = pool.submit(h.sleeps, 30, label="long")

    def interrupt(_job):
        raise KeyboardInterrupt  # stands for Streamlit's RerunException / StopException

    with pytest.raises(KeyboardInterrupt):
        job.wait(on_update=interrupt, poll=0.05)
    assert pool.submit(h.slow_sum, 10).wait() == 45   # would wait 30 s if the job kept running


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_idle_workers_are_stopped_and_the_next_job_starts_new_ones():
    """After a wave the workers' memory goes back to the system; no job is refused or lost."""
    p = JobPool(workers=1, slots=4, idle=None)
    try:
        first = p.submit(h.pid).wait()
        assert not p.retire_if_idle(60.0)  # used a moment ago
        busy = p.submit(h.sleeps, 1.0)
        assert not p.retire_if_idle(0.0)  # a job is running: never stopped under it
        busy.wait()
        assert p.retire_if_idle(0.0)
        assert p.running_workers() == 0 and _gone(first)
        second = p.submit(h.pid).wait()
        assert second != first and p.running_workers() == 1
        assert p.submit(h.slow_sum, 10).wait() == sum(range(10))
    finally:
        p.shutdown()


def test_the_pool_stops_its_idle_workers_by_itself():
    import time

    p = JobPool(workers=1, slots=4, idle=0.5)
    try:
        worker = p.submit(h.pid).wait()
        deadline = time.monotonic() + 30
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert p.running_workers() == 0 and _gone(worker)
        assert p.submit(h.slow_sum, 10).wait() == sum(range(10))
    finally:
        p.shutdown()


def test_a_job_log_names_each_jobs_callable_what_it_was_asked_its_cpu_and_end(tmp_path, monkeypatch):
    """``CAUSAL_JOB_LOG``: one line per job, in the form a breakdown of the pool's CPU reads."""
    from ui import jobs

    log = tmp_path / "jobs.log"
    plan = cc.AnalysisPlan(graph=cc.CausalGraph.parse("t -> y"), treatment="t", outcome="y",
                           estimator="ipw", n_simulations=200)
    monkeypatch.setattr(jobs, "JOB_LOG", str(log))
    jobs._log_job(plan.refute_one, (None, "bootstrap", None), 0.25, "done")
    jobs._log_job(len, ("text", 3), 1.5, "failed")
    monkeypatch.setattr(jobs, "JOB_LOG", None)
    assert log.read_text().splitlines() == [
        "causal_core.plan.AnalysisPlan.refute_one\t'ipw 200 bootstrap'\t0.2500\tdone",
        "builtins.len\t'text'\t1.5000\tfailed",
    ]
