"""Jobs for listening: ``listening.tick`` (periodic) defers one ``listening.run`` per account
that can search in a workspace with rules (one waiting job per account at most)."""

from __future__ import annotations

from datetime import timedelta

from heedful.services.listening import accounts_to_listen, listen_account
from heedful.workers.context import JobContext
from heedful.workers.registry import JobArgs, JobRegistry

RUN = "listening.run"
LISTEN_EVERY = timedelta(minutes=5)  # search quotas are small (X Basic: a few calls a minute)


def tick(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.session() as session:
        accounts = accounts_to_listen(session)
    for account_id in accounts:
        ctx.queue.defer(RUN, {"account_id": account_id}, key=f"{RUN}:{account_id}")


def run(ctx: JobContext, args: JobArgs) -> None:
    listen_account(ctx.db, ctx.channels, int(args["account_id"]), clock=ctx.clock)


def register(jobs: JobRegistry) -> None:
    jobs.periodic("listening.tick", every=LISTEN_EVERY)(tick)
    jobs.job(RUN)(run)
