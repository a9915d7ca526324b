"""``drain``: the loop every batch job shares (webhook processing, delivery)."""

from __future__ import annotations

from heedful.clock import FrozenClock
from heedful.store.db import Database
from heedful.workers.context import JobContext, Tuning
from heedful.workers.drain import drain
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.registry import JobRegistry


def _context(db: Database, clock: FrozenClock, drain_seconds: float = 10.0) -> JobContext:
    registry = JobRegistry()
    registry.job("tests.work")(lambda ctx, args: None)
    queue = InProcessQueue(registry, clock)
    context = JobContext(
        db, clock, queue, channels=None, tuning=Tuning(drain_seconds=drain_seconds)
    )  # type: ignore[arg-type]
    queue.bind(context)
    return context


def _batches(*sizes: int) -> tuple[list[int], object]:
    taken: list[int] = []
    left = list(sizes)

    def take() -> int:
        size = left.pop(0) if left else 0
        taken.append(size)
        return size

    return taken, take


def test_short_batches_keep_the_job_going_until_one_comes_back_empty(
    db: Database, clock: FrozenClock
) -> None:
    # live traffic: each batch takes what arrived while the last one was stored
    ctx = _context(db, clock)
    taken, take = _batches(7, 3, 12, 0, 5)

    assert drain(ctx, "tests.work", take, batch_size=50) == 22  # type: ignore[arg-type]
    assert taken == [7, 3, 12, 0]  # the 5 is for the next job
    assert ctx.queue.run_pending() == 0  # no follow-up job: nothing showed there was more


def test_a_full_batch_keeps_one_follow_up_job_waiting_for_another_worker(
    db: Database, clock: FrozenClock
) -> None:
    ctx = _context(db, clock)
    taken, take = _batches(50, 50, 20, 0)

    assert drain(ctx, "tests.work", take, batch_size=50) == 120  # type: ignore[arg-type]
    assert taken == [50, 50, 20, 0]
    assert ctx.queue.run_pending() == 1  # two full batches, one waiting job (keyed)


def test_the_time_slice_ends_a_job_that_always_finds_more(db: Database, clock: FrozenClock) -> None:
    ctx = _context(db, clock, drain_seconds=0.0)
    taken, take = _batches(4, 4, 4)

    assert drain(ctx, "tests.work", take, batch_size=50) == 4  # type: ignore[arg-type]
    assert taken == [4]
