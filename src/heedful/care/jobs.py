"""The care workflow's timers: SLA escalations and promise reminders / broken promises."""

from __future__ import annotations

import time
from datetime import timedelta

from heedful.care.clocks import TICK_BATCH, tick_some
from heedful.care.tracking import promise_tick
from heedful.workers.context import JobContext
from heedful.workers.registry import JobArgs, JobRegistry

EVERY = timedelta(minutes=1)
# One tick works in batches of TICK_BATCH conversations, one short write transaction each (the
# SQLite writer lock is never held long), for at most this long; what is left (after a bulk
# import, a quarter of a million conversations to snapshot) waits for the next tick.
TICK_BUDGET_SECONDS = 10.0


def sla_tick_job(ctx: JobContext, args: JobArgs) -> None:
    deadline = time.monotonic() + TICK_BUDGET_SECONDS
    while time.monotonic() < deadline:
        with ctx.db.write() as session:
            seen, _ = tick_some(session, clock=ctx.clock, limit=TICK_BATCH)
        if seen < TICK_BATCH:
            return


def promise_tick_job(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.write() as session:
        promise_tick(session, clock=ctx.clock)


def register(jobs: JobRegistry) -> None:
    jobs.periodic("care.sla_tick", every=EVERY)(sla_tick_job)
    jobs.periodic("care.promise_tick", every=EVERY)(promise_tick_job)
