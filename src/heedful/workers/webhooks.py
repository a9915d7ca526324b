"""Jobs for webhook traffic: ``webhooks.process`` ingests stored raw events in batches;
``webhooks.sweep`` (periodic) makes sure none waits for a wake-up that was lost."""

from __future__ import annotations

from heedful.services.webhooks import count_pending, process_raw_events
from heedful.workers.context import JobContext
from heedful.workers.drain import drain
from heedful.workers.registry import SWEEP_EVERY, JobArgs, JobRegistry

PROCESS = "webhooks.process"


def process(ctx: JobContext, args: JobArgs) -> None:
    size = ctx.tuning.webhook_batch

    def batch() -> int:
        report = process_raw_events(
            ctx.db,
            ctx.channels,
            clock=ctx.clock,
            limit=size,
            max_attempts=ctx.tuning.max_attempts,
        )
        return report.claimed

    drain(ctx, PROCESS, batch, size)


def sweep(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.session() as session:
        waiting = count_pending(session)
    if waiting:
        ctx.queue.defer(PROCESS, key=PROCESS)


def register(jobs: JobRegistry) -> None:
    jobs.job(PROCESS)(process)
    jobs.periodic("webhooks.sweep", every=SWEEP_EVERY)(sweep)
