"""Jobs for the outbox: ``delivery.drain`` leases due replies and sends them;
``delivery.sweep`` (periodic) wakes it for retries that came due and for rows whose worker
died (their lease ran out)."""

from __future__ import annotations

from heedful.services.outbox import RetryPolicy, claim_due, deliver_claimed, has_due_work
from heedful.workers.context import JobContext
from heedful.workers.drain import drain
from heedful.workers.registry import SWEEP_EVERY, JobArgs, JobRegistry

DRAIN = "delivery.drain"


def deliver(ctx: JobContext, args: JobArgs) -> None:
    tuning = ctx.tuning
    policy = RetryPolicy(tuning.retry_base, tuning.retry_cap, tuning.max_attempts)

    def batch() -> int:
        claims = claim_due(
            ctx.db,
            now=ctx.clock.now(),
            lease=tuning.lease,
            worker=ctx.worker_id,
            limit=tuning.delivery_batch,
        )
        for claim in claims:
            deliver_claimed(
                ctx.db, ctx.channels, claim, clock=ctx.clock, worker=ctx.worker_id, policy=policy
            )
        return len(claims)

    drain(ctx, DRAIN, batch, tuning.delivery_batch)


def sweep(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.session() as session:
        due = has_due_work(session, ctx.clock.now())
    if due:
        ctx.queue.defer(DRAIN, key=DRAIN)


def register(jobs: JobRegistry) -> None:
    jobs.job(DRAIN)(deliver)
    jobs.periodic("delivery.sweep", every=SWEEP_EVERY)(sweep)
