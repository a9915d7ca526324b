"""Webhook traffic: store the raw request first, process it later, replay it at will.

1. :func:`store_raw_event` — called by the HTTP endpoint after the adapter verified the
   signature: the body and headers are kept as received (a redelivered identical body is
   kept once) and the endpoint answers 200 at once.
2. :func:`process_raw_events` — called by the ``webhooks.process`` job: claims a batch of
   pending rows (``FOR UPDATE SKIP LOCKED``: workers never share a row), parses each with its
   account's adapter, recognises echoes of our own replies, and hands the events to
   :func:`heedful.services.pipeline.receive` — in one transaction with the status change, so a
   crash leaves the rows pending and nothing half-stored. A body the adapter refuses is
   quarantined with the reason (and the row kept): never lost.
3. :func:`mark_for_replay` — puts processed rows back to pending (``heedful channels
   replay``); ingest is idempotent, so a replay stores only what was missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter, ParseResult
from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.errors import ConfigError, InputRejected, TransientFailure
from heedful.services.channel_accounts import Channels as Channels  # re-exported
from heedful.services.ingest import IngestOptions, quarantine
from heedful.services.pipeline import receive
from heedful.services.replies import recognise_echoes
from heedful.store.base import table_of
from heedful.store.db import Database
from heedful.store.dialect import insert_ignoring_conflicts
from heedful.store.tables import ChannelAccount, RawEvent

log = logging.getLogger("heedful.webhooks")

RAW = table_of(RawEvent)
PENDING, PROCESSED, QUARANTINED, FAILED = "pending", "processed", "quarantined", "failed"
# Request headers never stored: credentials of the caller, not facts about the event.
DROPPED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
MAX_HEADER_CHARS = 2000


def store_raw_event(
    session: Session,
    account: ChannelAccount,
    *,
    headers: Mapping[str, str],
    body: bytes,
    clock: Clock,
) -> int | None:
    """Keep a verified webhook request; returns its id, or None when this exact body was
    already stored for the account (a platform's redelivery)."""
    kept = {
        k.lower(): v[:MAX_HEADER_CHARS]
        for k, v in headers.items()
        if k.lower() not in DROPPED_HEADERS
    }
    stmt = insert_ignoring_conflicts(session, RAW, "channel_account_id", "body_sha256")
    row = session.execute(
        stmt.values(
            workspace_id=account.workspace_id,
            channel_account_id=account.id,
            channel=account.channel,
            headers=kept,
            body=body,
            body_sha256=hashlib.sha256(body).hexdigest(),
            status=PENDING,
            attempts=0,
            received_at=clock.now(),
        ).returning(RAW.c.id)
    ).first()
    return int(row[0]) if row else None


@dataclass
class ProcessReport:
    claimed: int = 0
    processed: int = 0
    quarantined: int = 0
    failed: int = 0
    retry_later: int = 0
    messages_stored: int = 0
    events: int = 0
    message_ids: list[int] = field(default_factory=list)


def process_raw_events(
    db: Database,
    channels: Channels,
    *,
    clock: Clock,
    limit: int = 200,
    max_attempts: int = 10,
    workspace_id: int | None = None,
) -> ProcessReport:
    """Process up to ``limit`` pending raw events (of ``workspace_id``, or of any workspace)
    in one transaction (see the module docstring)."""
    with db.write() as session:
        rows = _claim(session, limit, workspace_id)
        report = ProcessReport(claimed=len(rows))
        if rows:
            _Processor(session, channels, clock, report, max_attempts).run(rows)
        return report


def _claim(session: Session, limit: int, workspace_id: int | None) -> Sequence[RawEvent]:
    stmt = select(RawEvent).where(RawEvent.status == PENDING)
    if workspace_id is not None:
        stmt = stmt.where(RawEvent.workspace_id == workspace_id)
    return (
        session.scalars(stmt.order_by(RawEvent.id).limit(limit).with_for_update(skip_locked=True))
        .unique()
        .all()
    )


class _Processor:
    def __init__(
        self,
        session: Session,
        channels: Channels,
        clock: Clock,
        report: ProcessReport,
        max_attempts: int,
    ) -> None:
        self.session = session
        self.channels = channels
        self.clock = clock
        self.now = clock.now()
        self.report = report
        self.max_attempts = max_attempts
        self.adapters: dict[int, ChannelAdapter[Any] | Exception] = {}
        self.account_refs: dict[int, str] = {}  # the account a body reached, for its events

    def run(self, rows: Sequence[RawEvent]) -> None:
        batches: dict[tuple[int, str], list[InboundEvent]] = defaultdict(list)
        for row in rows:
            events = self._events_of(row)
            if events is not None:
                batches[(row.workspace_id, row.channel)].extend(events)
        for (workspace_id, channel), events in batches.items():
            self._ingest(workspace_id, channel, events)

    def _events_of(self, row: RawEvent) -> list[InboundEvent] | None:
        row.attempts += 1
        try:
            parsed = self._parse(row)
        except InputRejected as exc:
            self._quarantine(row, exc.reason)
            return None
        except TransientFailure as exc:
            self._retry_later(row, f"temporary failure: {exc}")
            return None
        except ConfigError as exc:
            self._fail(row, str(exc))
            return None
        except Exception as exc:  # an adapter bug: keep the body, say what happened
            log.exception("the %s adapter failed on raw event %s", row.channel, row.id)
            self._quarantine(row, f"the {row.channel} parser failed: {type(exc).__name__}: {exc}")
            return None
        ref, account_ref = f"raw_event:{row.id}", self.account_refs.get(row.channel_account_id)
        events = [
            dataclasses.replace(
                e, raw_ref=e.raw_ref or ref, account_ref=e.account_ref or account_ref
            )
            for e in parsed.events
        ]
        row.status, row.error, row.processed_at = PROCESSED, _ignored_note(parsed), self.now
        row.event_count = len(events)
        self.report.processed += 1
        self.report.events += len(events)
        return events

    def _parse(self, row: RawEvent) -> ParseResult:
        adapter = self._adapter(row.channel_account_id)
        parsed = adapter.parse(row.body, row.headers)
        hydrate = getattr(adapter, "hydrate", None)  # platforms whose webhooks leave text out
        if hydrate is None:
            return parsed
        return ParseResult(tuple(hydrate(e) for e in parsed.events), parsed.ignored)

    def _adapter(self, account_id: int) -> ChannelAdapter[Any]:
        if account_id not in self.adapters:
            account = self.session.get(ChannelAccount, account_id)
            try:
                if account is None:
                    raise ConfigError(f"channel account {account_id} no longer exists")
                self.adapters[account_id] = self.channels.adapter_for(account)
                self.account_refs[account_id] = account.external_id
            except ConfigError as exc:
                self.adapters[account_id] = exc
        found = self.adapters[account_id]
        if isinstance(found, Exception):
            raise found
        return found

    def _ingest(self, workspace_id: int, channel: str, events: list[InboundEvent]) -> None:
        fresh = recognise_echoes(self.session, workspace_id, events, clock=self.clock)
        if not fresh:
            return
        options = IngestOptions(source=f"webhook:{channel}", actor=f"channel:{channel}")
        result = receive(self.session, workspace_id, fresh, clock=self.clock, options=options)
        self.report.messages_stored += result.stored
        self.report.message_ids.extend(result.message_ids)

    def _quarantine(self, row: RawEvent, reason: str) -> None:
        quarantine(
            self.session,
            workspace_id=row.workspace_id,
            source=f"webhook:{row.channel}",
            raw=row.body,
            reason=reason,
            now=self.now,
            locator=f"raw_event:{row.id}",
        )
        row.status, row.error, row.processed_at = QUARANTINED, reason, self.now
        self.report.quarantined += 1

    def _retry_later(self, row: RawEvent, reason: str) -> None:
        if row.attempts >= self.max_attempts:
            self._fail(row, f"gave up after {row.attempts} attempts: {reason}")
            return
        row.error = reason  # stays pending: the next sweep tries again
        self.report.retry_later += 1

    def _fail(self, row: RawEvent, reason: str) -> None:
        row.status, row.error, row.processed_at = FAILED, reason, self.now
        self.report.failed += 1


def _ignored_note(parsed: ParseResult) -> str | None:
    if not parsed.ignored:
        return None
    reasons = sorted({item.reason for item in parsed.ignored})
    return "ignored: " + "; ".join(reasons)[:1000]


def pending_workspaces(session: Session) -> list[int]:
    """Workspaces with raw events waiting to be processed."""
    rows = session.execute(select(RAW.c.workspace_id).where(RAW.c.status == PENDING).distinct())
    return [int(workspace_id) for (workspace_id,) in rows]


def count_pending(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(RAW).where(RAW.c.status == PENDING)) or 0
    )


def mark_for_replay(
    session: Session,
    *,
    ids: Sequence[int] = (),
    since: datetime | None = None,
    account_id: int | None = None,
    workspace_id: int | None = None,
) -> int:
    """Put stored raw events back to pending (all statuses); returns how many."""
    if not ids and since is None:
        raise InputRejected("say which raw events to replay: ids or a start time")
    stmt = update(RAW).values(status=PENDING, error=None, attempts=0, processed_at=None)
    if ids:
        stmt = stmt.where(RAW.c.id.in_(list(ids)))
    if since is not None:
        stmt = stmt.where(RAW.c.received_at >= since)
    if account_id is not None:
        stmt = stmt.where(RAW.c.channel_account_id == account_id)
    if workspace_id is not None:
        stmt = stmt.where(RAW.c.workspace_id == workspace_id)
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
