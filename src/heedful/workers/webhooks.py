"""Jobs for webhook traffic: ``webhooks.process`` ingests a workspace's stored raw events in
batches (one such job runs per workspace at a time: ingest serialises a workspace's writers, so
more would only wait on its locks while holding a worker); ``webhooks.sweep`` (periodic) makes
sure none waits for a wake-up that was lost."""

from __future__ import annotations

from typing import Any

from heedful.services.webhooks import pending_workspaces, process_raw_events
from heedful.workers.context import JobContext, JobQueue
from heedful.workers.drain import drain
from heedful.workers.registry import SWEEP_EVERY, JobArgs, JobRegistry

PROCESS = "webhooks.process"


def nudge(queue: JobQueue, workspace_id: int) -> None:
    """Make sure a job will process ``workspace_id``'s pending raw events."""
    queue.defer(PROCESS, {"workspace_id": workspace_id}, key=f"{PROCESS}:{workspace_id}")


def process(ctx: JobContext, args: JobArgs) -> None:
    size = ctx.tuning.webhook_batch
    workspace_id: Any = args.get("workspace_id")

    def batch() -> int:
        report = process_raw_events(
            ctx.db,
            ctx.channels,
            clock=ctx.clock,
            limit=size,
            max_attempts=ctx.tuning.max_attempts,
            workspace_id=workspace_id,
        )
        return report.claimed

    key = f"{PROCESS}:{workspace_id}" if workspace_id is not None else PROCESS
    drain(ctx, PROCESS, batch, size, args=dict(args), key=key)


def sweep(ctx: JobContext, args: JobArgs) -> None:
    with ctx.db.session() as session:
        waiting = pending_workspaces(session)
    for workspace_id in waiting:
        nudge(ctx.queue, workspace_id)


def register(jobs: JobRegistry) -> None:
    jobs.job(PROCESS, exclusive="workspace_id")(process)
    jobs.periodic("webhooks.sweep", every=SWEEP_EVERY)(sweep)
