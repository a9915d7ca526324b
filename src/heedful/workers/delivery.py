"""Jobs for the outbox: ``delivery.drain`` leases due replies and sends them;
``delivery.sweep`` (periodic) wakes it for retries that came due and for rows whose worker
died (their lease ran out)."""

from __future__ import annotations

from heedful.services.outbox import (
    RetryPolicy,
    claim_due,
    deliver_claimed,
    has_due_work,
    next_due_at,
)
from heedful.workers.context import JobContext
from heedful.workers.drain import drain
from heedful.workers.registry import SWEEP_EVERY, JobArgs, JobRegistry

DRAIN = "delivery.drain"
PRIORITY = 10


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
    wake_when_due(ctx)


def wake_when_due(ctx: JobContext) -> None:
    """Retries and rate-limit holds end at known times: be there, not at the next sweep."""
    with ctx.db.session() as session:
        due = next_due_at(session, ctx.clock.now())
    if due is not None and due > ctx.clock.now():
        ctx.queue.defer(DRAIN, key=f"{DRAIN}@{int(due.timestamp())}", run_at=due)


def sweep(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.session() as session:
        due = has_due_work(session, ctx.clock.now())
    if due:
        ctx.queue.defer(DRAIN, key=DRAIN)


def register(jobs: JobRegistry) -> None:
    # An agent is waiting for a reply to go out: before any backlog of ingest.
    jobs.job(DRAIN, priority=PRIORITY)(deliver)
    jobs.periodic("delivery.sweep", every=SWEEP_EVERY, priority=PRIORITY)(sweep)
