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

from sqlalchemy import func, select

from heedful.care.clocks import refresh_sla_by_id
from heedful.clock import Clock
from heedful.store.db import Database
from heedful.store.tables import Message, TriageProgress
from heedful.triage.analyse import Mode
from heedful.triage.service import analyse_messages, pending_message_ids, triage_messages

if TYPE_CHECKING:
    from heedful.workers.context import JobContext
    from heedful.workers.registry import JobArgs, JobRegistry

SWEEP_EVERY = timedelta(seconds=5)
CHUNK: dict[Mode, int] = {"fast": 2000, "full": 256}


RESCAN_EVERY = timedelta(minutes=10)


def triage_pending(
    db: Database, *, clock: Clock, stage: Mode, limit: int | None = None, since: object = None
) -> int:
    """Triage one chunk of messages that need ``stage``; returns how many were triaged.

    Each look starts where the last one ended (``triage_progress``), instead of re-reading a
    million triaged rows every few seconds; every RESCAN_EVERY it starts from the beginning
    again (on PostgreSQL a message can commit after one with a higher id was triaged)."""
    after_id = 0 if since is not None else _position(db, stage, clock)
    with db.session() as session:
        pending = pending_message_ids(
            session,
            stage=stage,
            limit=limit or CHUNK[stage],
            since=since,  # type: ignore[arg-type]
            after_id=after_id,
        )
    done = triage_ids(db, pending, clock=clock, stage=stage)
    if since is None:
        _advance(db, stage, pending, from_start=after_id == 0)
    return done


def _position(db: Database, stage: Mode, clock: Clock) -> int:
    now = clock.now()
    with db.write() as session:
        row = session.get(TriageProgress, stage)
        if row is None:
            session.add(TriageProgress(stage=stage, after_id=0, rescanned_at=now))
            return 0
        if now - row.rescanned_at > RESCAN_EVERY:
            row.after_id, row.rescanned_at = 0, now
        top = session.scalar(select(func.max(Message.id))) or 0
        if row.after_id > top:  # ids went backwards: an emptied or restored database
            row.after_id = 0
        return int(row.after_id)


def _advance(
    db: Database, stage: Mode, pending: Sequence[tuple[int, int]], *, from_start: bool
) -> None:
    with db.write() as session:
        row = session.get(TriageProgress, stage)
        if row is None:
            return
        if pending:
            row.after_id = max(row.after_id, max(m for _, m in pending))
        elif from_start:  # a look from the start found nothing: all there is, is done
            row.after_id = int(session.scalar(select(func.max(Message.id))) or 0)


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
            changed = triage_messages(
                session, workspace_id, ids, clock=clock, stage=stage, analyses=analyses
            )
            # a new priority may match another SLA policy: escalations must see it now
            refresh_sla_by_id(session, changed, clock=clock)
    return len(pending)


# While webhook traffic flows (bodies waiting, or arrived in the last BUSY_WINDOW), the refine
# (the network, which takes every core it is given) takes small bites: a burst gets the CPU,
# and the refine is not starved by a stream that never stops.
BUSY_CHUNK = 16
BUSY_WINDOW = timedelta(seconds=15)


def sweep(ctx: JobContext, args: JobArgs) -> None:
    if triage_pending(ctx.db, clock=ctx.clock, stage="fast") == 0:
        limit = BUSY_CHUNK if live_traffic_waiting(ctx.db, ctx.clock) else None
        triage_pending(ctx.db, clock=ctx.clock, stage="full", limit=limit)


def live_traffic_waiting(db: Database, clock: Clock) -> bool:
    """Whether webhook traffic flows (see BUSY_CHUNK)."""
    from heedful.services.webhooks import live_traffic  # services import triage: not at load

    with db.session() as session:
        return live_traffic(session, now=clock.now(), within=BUSY_WINDOW)


def refine(ctx: JobContext, args: JobArgs) -> None:
    """Args: ``{"workspace_id": int, "message_ids": [int, ...]}`` — the full pass now."""
    ids = [(int(args["workspace_id"]), int(m)) for m in args["message_ids"]]
    triage_ids(ctx.db, ids, clock=ctx.clock, stage="full")


def register(jobs: JobRegistry) -> None:
    jobs.job("triage.refine")(refine)
    jobs.periodic("triage.sweep", every=SWEEP_EVERY)(sweep)
