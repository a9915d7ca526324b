"""The care workflow's timers: SLA escalations and promise reminders / broken promises."""

from __future__ import annotations

from datetime import timedelta

from heedful.care.clocks import sla_tick
from heedful.care.tracking import promise_tick
from heedful.workers.context import JobContext
from heedful.workers.registry import JobArgs, JobRegistry

EVERY = timedelta(minutes=1)


def sla_tick_job(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.write() as session:
        sla_tick(session, clock=ctx.clock)


def promise_tick_job(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.write() as session:
        promise_tick(session, clock=ctx.clock)


def register(jobs: JobRegistry) -> None:
    jobs.periodic("care.sla_tick", every=EVERY)(sla_tick_job)
    jobs.periodic("care.promise_tick", every=EVERY)(promise_tick_job)
