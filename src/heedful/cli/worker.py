"""``heedful worker`` (run background jobs), ``heedful outbox …`` (replies waiting or failed)
and ``heedful channels replay`` (process stored webhook bodies again)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import select

from heedful.cli.common import clean_errors, open_database, out_console, settings
from heedful.clock import SystemClock, ensure_utc
from heedful.config import Settings
from heedful.errors import InputRejected
from heedful.store.db import Database

outbox_app = typer.Typer(help="The outbox: replies waiting to be delivered, or failed.")


def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Jobs run at the same time by this process.")
    ] = 4,
) -> None:
    """Run background jobs (polling, webhook processing, delivery, timers) until stopped.

    With HEEDFUL_WORKER_MODE=queue, any number of these share the work through the queue
    in PostgreSQL; by default (inprocess) `heedful serve` runs the jobs itself and this
    command is only needed to run them without the web server."""
    from heedful.workers.runtime import run_worker

    cfg = settings()
    with open_database(cfg, repair=True):
        pass  # migrated, and indexes an interrupted import left out built
    out_console.print(f"heedful worker ({cfg.worker_mode.value}), {concurrency} at a time")
    run_worker(cfg, concurrency=concurrency)


@outbox_app.command("list")
@clean_errors
def list_command(
    state: Annotated[
        str | None, typer.Option(help="Only this state: queued, sending, sent, failed, cancelled.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Counts by state, then the newest rows (failed ones say why)."""
    from heedful.services.outbox import outbox_counts
    from heedful.store.tables import OutboxItem

    with open_database() as db, db.session() as session:
        counts = outbox_counts(session)
        out_console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty")
        stmt = select(OutboxItem).order_by(OutboxItem.id.desc()).limit(limit)
        if state:
            stmt = stmt.where(OutboxItem.state == state)
        for item in session.scalars(stmt):
            why = f"  {item.error_kind}: {item.last_error}" if item.last_error else ""
            out_console.print(
                f"{item.id:>8} {item.state:<9} tries {item.attempts:<3} "
                f"message {item.message_id} {item.external_id or ''}{why}",
                highlight=False,
            )


@outbox_app.command("retry")
@clean_errors
def retry_command(outbox_id: int) -> None:
    """Queue a failed or cancelled reply again."""
    from heedful.services.outbox import retry_delivery

    with open_database() as db, db.write() as session:
        retry_delivery(session, outbox_id, clock=SystemClock())
    out_console.print(f"outbox {outbox_id} queued")


@outbox_app.command("cancel")
@clean_errors
def cancel_command(outbox_id: int) -> None:
    """Stop a queued or failed reply from being sent."""
    from heedful.services.outbox import cancel_delivery

    with open_database() as db, db.write() as session:
        cancel_delivery(session, outbox_id, clock=SystemClock())
    out_console.print(f"outbox {outbox_id} cancelled")


def replay_command(
    ids: Annotated[
        list[int] | None, typer.Option("--id", help="A raw event id (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Every raw event received since (ISO-8601 with offset).")
    ] = None,
    account: Annotated[int | None, typer.Option(help="Only this channel account.")] = None,
    defer: Annotated[
        bool, typer.Option(help="Leave processing to the workers instead of doing it here.")
    ] = False,
) -> None:
    """Process stored webhook bodies again (after a parser fix, say). Nothing is stored twice:
    ingest recognises messages it already has."""
    from heedful.services.webhooks import mark_for_replay

    start = _aware(since) if since else None
    cfg = settings()
    with open_database(cfg) as db:
        with db.write() as session:
            count = mark_for_replay(session, ids=ids or (), since=start, account_id=account)
        out_console.print(f"{count} raw event(s) put back to pending")
        if count and not defer:
            _process_now(cfg, db)


def _process_now(cfg: Settings, db: Database) -> None:
    from heedful.services.webhooks import process_raw_events
    from heedful.workers.runtime import build_context, build_queue

    clock = SystemClock()
    context = build_context(cfg, db, clock, build_queue(cfg, db, clock))
    totals = [0, 0, 0]
    while True:
        report = process_raw_events(db, context.channels, clock=clock, limit=200)
        totals[0] += report.messages_stored
        totals[1] += report.quarantined
        totals[2] += report.failed
        if report.claimed == 0:
            break
    out_console.print(
        f"replayed: {totals[0]} new message(s), {totals[1]} quarantined, {totals[2]} failed"
    )


def _aware(value: str) -> datetime:
    try:
        return ensure_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError as exc:
        raise InputRejected(f"--since {value!r}: {exc}") from None


def register(app: typer.Typer) -> None:
    from heedful.cli.channels import channels_app

    app.command("worker")(clean_errors(worker_command))
    app.add_typer(outbox_app, name="outbox")
    channels_app.command("replay")(clean_errors(replay_command))
