"""The shape every batch job shares: take a batch, and while there is more, make sure another
job is waiting (so idle workers join in), until the work is done or the time slice is up."""

from __future__ import annotations

import time
from collections.abc import Callable

from heedful.workers.context import JobContext


def drain(ctx: JobContext, job: str, take_batch: Callable[[], int], batch_size: int) -> int:
    """Run ``take_batch`` (returns how many it handled) until a batch comes back short or
    ``ctx.tuning.drain_seconds`` pass; returns the total handled."""
    started = time.monotonic()
    total = 0
    while True:
        handled = take_batch()
        total += handled
        if handled < batch_size:
            return total
        ctx.queue.defer(job, key=job)  # more to do: let another worker share it
        if time.monotonic() - started > ctx.tuning.drain_seconds:
            return total
