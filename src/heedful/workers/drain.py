"""The shape every batch job shares: take a batch, and while there is more, make sure another
job is waiting (so idle workers join in), until the work is done or the time slice is up."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from heedful.workers.context import JobContext


def drain(
    ctx: JobContext,
    job: str,
    take_batch: Callable[[], int],
    batch_size: int,
    args: Mapping[str, Any] | None = None,
    key: str | None = None,
) -> int:
    """Run ``take_batch`` (returns how many it handled) until a batch comes back empty or
    ``ctx.tuning.drain_seconds`` pass; returns the total handled. While a full batch shows
    there is more, a job ``job(args)`` is kept waiting (under ``key``, default the job's name),
    so an idle worker can share the work.

    A short batch does not end the job: under live traffic the next rows arrive while a batch
    is stored, and taking them at once beats handing them to a fresh job, which a worker may
    only pick up at its next poll (an exclusive job's wake-up comes while the running one still
    holds its lock, so it is missed: up to a second per hand-over)."""
    started = time.monotonic()
    total = 0
    while True:
        handled = take_batch()
        total += handled
        if not handled:
            return total
        if handled >= batch_size:
            ctx.queue.defer(job, args, key=key or job)  # more to do: another worker may share it
        if time.monotonic() - started > ctx.tuning.drain_seconds:
            return total
