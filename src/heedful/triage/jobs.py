"""Triage in the background: the ``triage.sweep`` timer and the ``triage.refine`` job.

Each sweep first gives every untriaged inbound message a fast first pass (large chunks: a bulk
import gets priorities within minutes), then refines fast results with the network (smaller
chunks). The rows say what is left, so a lost wake-up or a crash loses nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from heedful.clock import Clock
from heedful.store.db import Database
from heedful.triage.analyse import Mode
from heedful.triage.service import analyse_messages, pending_message_ids, triage_messages

if TYPE_CHECKING:
    from heedful.workers.context import JobContext
    from heedful.workers.registry import JobArgs, JobRegistry

SWEEP_EVERY = timedelta(seconds=5)
CHUNK: dict[Mode, int] = {"fast": 2000, "full": 256}


def triage_pending(
    db: Database, *, clock: Clock, stage: Mode, limit: int | None = None, since: object = None
) -> int:
    """Triage one chunk of messages that need ``stage``; returns how many were triaged."""
    with db.session() as session:
        pending = pending_message_ids(
            session,
            stage=stage,
            limit=limit or CHUNK[stage],
            since=since,  # type: ignore[arg-type]
        )
    return triage_ids(db, pending, clock=clock, stage=stage)


def triage_ids(
    db: Database, pending: Sequence[tuple[int, int]], *, clock: Clock, stage: Mode
) -> int:
    by_workspace: dict[int, list[int]] = defaultdict(list)
    for workspace_id, message_id in pending:
        by_workspace[workspace_id].append(message_id)
    for workspace_id, ids in sorted(by_workspace.items()):
        analyses = None
        if stage == "full":  # the network runs outside the write transaction (SQLite: one writer)
            with db.session() as session:
                analyses = analyse_messages(session, workspace_id, ids, stage=stage)
        with db.write() as session:
            triage_messages(session, workspace_id, ids, clock=clock, stage=stage, analyses=analyses)
    return len(pending)


def sweep(ctx: JobContext, args: JobArgs) -> None:
    if triage_pending(ctx.db, clock=ctx.clock, stage="fast") == 0:
        triage_pending(ctx.db, clock=ctx.clock, stage="full")


def refine(ctx: JobContext, args: JobArgs) -> None:
    """Args: ``{"workspace_id": int, "message_ids": [int, ...]}`` — the full pass now."""
    ids = [(int(args["workspace_id"]), int(m)) for m in args["message_ids"]]
    triage_ids(ctx.db, ids, clock=ctx.clock, stage="full")


def register(jobs: JobRegistry) -> None:
    jobs.job("triage.refine")(refine)
    jobs.periodic("triage.sweep", every=SWEEP_EVERY)(sweep)
