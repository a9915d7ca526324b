"""Jobs for polling: ``polling.tick`` (periodic) finds accounts that are due and defers one
``polling.poll`` per account (one waiting job per account at most)."""

from __future__ import annotations

from heedful.services.polling import accounts_due, poll_account
from heedful.workers.context import JobContext
from heedful.workers.registry import SWEEP_EVERY, JobArgs, JobRegistry

POLL = "polling.poll"


def tick(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.session() as session:
        due = accounts_due(session, now=ctx.clock.now(), resolve=ctx.channels.resolve)
    for account_id in due:
        ctx.queue.defer(POLL, {"account_id": account_id}, key=f"{POLL}:{account_id}")


def poll(ctx: JobContext, args: JobArgs) -> None:
    poll_account(
        ctx.db,
        ctx.channels,
        int(args["account_id"]),
        clock=ctx.clock,
        every=ctx.tuning.poll_every,
        lease=ctx.tuning.lease,
    )


def register(jobs: JobRegistry) -> None:
    jobs.periodic("polling.tick", every=SWEEP_EVERY)(tick)
    jobs.job(POLL)(poll)
