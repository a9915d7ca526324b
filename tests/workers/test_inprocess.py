"""The in-process runner: keys dedupe waiting jobs, ``run_at`` waits for the clock, periodic
jobs run on their interval, and a failing job does not stop the others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from heedful.clock import FrozenClock
from heedful.errors import ConfigError
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.queue import cron_for
from heedful.workers.registry import JobRegistry


def runner(clock: FrozenClock) -> tuple[InProcessQueue, list[tuple[str, dict[str, Any]]]]:
    ran: list[tuple[str, dict[str, Any]]] = []
    jobs = JobRegistry()
    jobs.job("test.echo")(lambda ctx, args: ran.append(("echo", dict(args))))
    jobs.periodic("test.tick", every=timedelta(minutes=1))(
        lambda ctx, args: ran.append(("tick", {}))
    )

    def boom(ctx: Any, args: Any) -> None:
        raise RuntimeError("boom")

    jobs.job("test.boom")(boom)
    queue = InProcessQueue(jobs, clock)
    queue.bind(object())  # type: ignore[arg-type]
    return queue, ran


def test_keys_dedupe_waiting_jobs_and_run_at_waits(clock: FrozenClock) -> None:
    queue, ran = runner(clock)
    queue.run_pending()
    ran.clear()
    queue.defer("test.echo", {"n": 1}, key="k")
    queue.defer("test.echo", {"n": 2}, key="k")
    queue.defer("test.boom")
    queue.defer("test.echo", {"n": 3}, run_at=clock.now() + timedelta(seconds=10))
    assert queue.run_pending() == 2
    assert ran == [("echo", {"n": 1})]
    clock.advance(seconds=10)
    queue.run_pending()
    assert ran[-1] == ("echo", {"n": 3})


def test_a_job_with_priority_runs_before_the_backlog(clock: FrozenClock) -> None:
    ran: list[str] = []
    jobs = JobRegistry()
    jobs.job("test.backlog")(lambda ctx, args: ran.append("backlog"))
    jobs.job("test.reply", priority=10)(lambda ctx, args: ran.append("reply"))
    queue = InProcessQueue(jobs, clock)
    queue.bind(object())  # type: ignore[arg-type]
    queue.defer("test.backlog")
    queue.defer("test.backlog")
    queue.defer("test.reply")
    queue.run_pending()
    assert ran == ["reply", "backlog", "backlog"]


def test_periodic_jobs_follow_the_clock(clock: FrozenClock) -> None:
    queue, ran = runner(clock)
    queue.run_pending()
    queue.run_pending()
    clock.advance(seconds=59)
    queue.run_pending()
    assert ran.count(("tick", {})) == 1
    clock.advance(seconds=1)
    queue.run_pending()
    assert ran.count(("tick", {})) == 2


def test_threads_run_deferred_jobs(clock: FrozenClock) -> None:
    import threading

    done = threading.Event()
    jobs = JobRegistry()
    jobs.job("test.done")(lambda ctx, args: done.set())
    queue = InProcessQueue(jobs, clock)
    queue.bind(object())  # type: ignore[arg-type]
    queue.start(threads=2)
    try:
        queue.defer("test.done")
        assert done.wait(5)
    finally:
        queue.stop()


def test_registry_refuses_bad_names_and_unknown_jobs(clock: FrozenClock) -> None:
    jobs = JobRegistry()
    with pytest.raises(ConfigError):
        jobs.job("NoDots")(lambda ctx, args: None)
    with pytest.raises(ConfigError):
        InProcessQueue(jobs, clock).defer("nobody.here")


def test_cron_lines() -> None:
    assert cron_for(timedelta(seconds=5)) == "* * * * * */5"
    assert cron_for(timedelta(minutes=5)) == "*/5 * * * *"
    assert cron_for(timedelta(hours=2)) == "0 */2 * * *"
