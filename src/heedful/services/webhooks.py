"""Webhook traffic: store the raw request first, process it later, replay it at will.

1. :func:`store_raw_event` — called by the HTTP endpoint after the adapter verified the
   signature: the body and headers are kept as received (a redelivered identical body is
   kept once) and the endpoint answers 200 at once.
2. :func:`process_raw_events` — called by the ``webhooks.process`` job, in three steps:

   a. :func:`lease_pending` — one short transaction leases a batch of pending rows to this
      worker (``lease_until``, ``lease_token``; ``FOR UPDATE SKIP LOCKED``: workers never
      share a row, so several can work on one workspace at once);
   b. outside any transaction, each body is parsed and completed (``adapter.hydrate``, which
      may call the platform) and triage's fast reading of the texts is computed
      (:func:`heedful.services.pipeline.prepare`) — nothing here holds a lock;
   c. one write transaction checks the rows are still this worker's, recognises echoes of our
      own replies, hands the events to :func:`heedful.services.pipeline.receive` and sets
      each row's status — so a crash leaves the rows pending (their lease runs out and another
      worker takes them) and nothing half-stored.

   A body the adapter refuses is quarantined with the reason (and the row kept): never lost.
   A platform that cannot be reached while completing a body (``TransientFailure``,
   ``RateLimited``) or refuses the credentials (``AuthFailed``: the account is paused and an
   admin alerted) leaves it pending, tried again later.
3. :func:`mark_for_replay` — puts processed rows back to pending (``heedful channels
   replay``); ingest is idempotent, so a replay stores only what was missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter, ParseResult
from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.errors import (
    AuthFailed,
    ConfigError,
    InputRejected,
    PermanentFailure,
    RateLimited,
    TransientFailure,
)
from heedful.services.channel_accounts import Channels as Channels  # re-exported
from heedful.services.channel_accounts import pause_channel_account
from heedful.services.ingest import IngestOptions, quarantine
from heedful.services.pipeline import Prepared, prepare, receive
from heedful.services.replies import recognise_echoes
from heedful.store.base import table_of
from heedful.store.db import Database
from heedful.store.dialect import insert_ignoring_conflicts
from heedful.store.tables import ChannelAccount, RawEvent

log = logging.getLogger("heedful.webhooks")

RAW = table_of(RawEvent)
ACCOUNT = table_of(ChannelAccount)
PENDING, PROCESSED, QUARANTINED, FAILED = "pending", "processed", "quarantined", "failed"
# Request headers never stored: credentials of the caller (Basic/Bearer, cookies, a shared
# webhook token), not facts about the event.
DROPPED_HEADERS = frozenset(
    {"authorization", "cookie", "proxy-authorization", "x-heedful-webhook-token"}
)
MAX_HEADER_CHARS = 2000
LEASE = timedelta(minutes=2)  # a leased row is this worker's for this long
RETRY_BASE = timedelta(seconds=5)  # a body the platform could not complete: first retry
RETRY_CAP = timedelta(minutes=10)
AUTH_RETRY = timedelta(minutes=15)  # credentials refused: the account is paused meanwhile


class AccountKey(Protocol):
    """What storing a body needs of its channel account (a :class:`ChannelAccount` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def workspace_id(self) -> int: ...
    @property
    def channel(self) -> str: ...


@dataclass(frozen=True)
class AccountRef:
    id: int
    workspace_id: int
    channel: str


def store_raw_event(
    session: Session,
    account: AccountKey,
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


class RawEventSpool:
    """Group commit for webhook bodies: the requests that arrive while one transaction is
    being written are stored together in the next one.

    Every webhook request must be stored (committed) before it is answered, and on SQLite
    every write waits for the one writer — which the ``webhooks.process`` job holds while it
    ingests a batch. One transaction per request made each of 200 requests a second queue for
    the writer on its own; here the first request to arrive becomes the *leader*: it waits for
    the writer once and writes every body that arrived meanwhile, in one transaction, then
    hands the lead to the first request that arrived during its write. Each caller still gets
    its own answer (its row id, None for a redelivered body, or the exception of its batch),
    only after the commit. On PostgreSQL it saves commits in the same way.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        max_batch: int = 500,
        on_stored: Callable[[set[int]], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.max_batch = max_batch
        # Called after each commit that stored new bodies, with their workspaces (the web app
        # wakes each one's processing job here: once per transaction, not once per request).
        self.on_stored = on_stored
        self._lock = threading.Lock()
        self._waiting: list[_Spooled] = []
        self._leading = False
        self.transactions = 0  # how many it wrote (for the figures and the tests)

    def store(self, account: AccountKey, headers: Mapping[str, str], body: bytes) -> int | None:
        request = _Spooled(
            AccountRef(account.id, account.workspace_id, account.channel), headers, body
        )
        with self._lock:
            self._waiting.append(request)
            lead = not self._leading
            self._leading = True
        if not lead:
            request.done.wait()
            if request.lead:  # handed the lead: its own body is in the batch it writes
                self._write_next()
                request.done.wait()
        else:
            self._write_next()
        if request.error is not None:
            raise request.error
        return request.result

    def _write_next(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
        try:
            self._store(batch)
        except (IntegrityError, DataError) as exc:
            # A row the database refused (its account deleted meanwhile, say) must not fail
            # the others: each is stored alone. (Any other error — the database unreachable
            # or locked — is every request's, and retrying each would only hold the line.)
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for r in batch:
                    try:
                        self._store([r])
                    except Exception as alone:
                        r.error = alone
        except Exception as exc:
            for r in batch:
                r.error = exc
        with self._lock:
            if self._waiting:  # they arrived during this write: the first of them leads next
                successor = self._waiting[0]
                successor.lead = True
                successor.done.set()
            else:
                self._leading = False
        for r in batch:
            r.done.set()

    def _store(self, batch: list[_Spooled]) -> None:
        with self.db.write() as session:
            results = [
                store_raw_event(
                    session, r.account, headers=r.headers, body=r.body, clock=self.clock
                )
                for r in batch
            ]
        self.transactions += 1
        stored: set[int] = set()
        for r, result in zip(batch, results, strict=True):
            r.result = result
            if result is not None:
                stored.add(r.account.workspace_id)
        if stored and self.on_stored is not None:
            try:
                self.on_stored(stored)
            except Exception:  # the bodies are committed; the webhooks.sweep job finds them
                log.exception("waking the processing of workspaces %s failed", sorted(stored))


@dataclass(eq=False)
class _Spooled:
    account: AccountRef
    headers: Mapping[str, str]
    body: bytes
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: int | None = None
    error: Exception | None = None


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


# -- a. leasing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leased:
    """A pending row as leased: what parsing it needs, read before any parsing starts."""

    id: int
    workspace_id: int
    account: ChannelAccount | None
    channel_account_id: int
    channel: str
    headers: Mapping[str, Any]
    body: bytes
    attempts: int


@dataclass(frozen=True)
class Lease:
    token: str
    rows: list[Leased]


def lease_pending(
    db: Database,
    *,
    limit: int,
    now: datetime,
    workspace_id: int | None = None,
    lease: timedelta = LEASE,
) -> Lease:
    """Lease up to ``limit`` pending rows (oldest first) whose lease is free or ran out."""
    token = uuid.uuid4().hex
    with db.write() as session:
        due = select(RAW.c.id).where(
            RAW.c.status == PENDING, or_(RAW.c.lease_until.is_(None), RAW.c.lease_until <= now)
        )
        if workspace_id is not None:
            due = due.where(RAW.c.workspace_id == workspace_id)
        due = due.order_by(RAW.c.id).limit(limit).with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if not ids:
            return Lease(token, [])
        session.execute(
            update(RAW)
            .where(RAW.c.id.in_(ids))
            .values(lease_until=now + lease, lease_token=token, attempts=RAW.c.attempts + 1)
        )
        rows = session.execute(select(RAW).where(RAW.c.id.in_(ids)).order_by(RAW.c.id)).all()
        accounts = {
            a.id: a
            for a in session.scalars(
                select(ChannelAccount).where(
                    ChannelAccount.id.in_({r.channel_account_id for r in rows})
                )
            )
        }
        return Lease(token, [_leased(r, accounts.get(r.channel_account_id)) for r in rows])


def _leased(row: Any, account: ChannelAccount | None) -> Leased:
    return Leased(
        row.id,
        row.workspace_id,
        account,
        row.channel_account_id,
        row.channel,
        dict(row.headers or {}),
        bytes(row.body),
        int(row.attempts),
    )


# -- b. reading, outside any transaction --------------------------------------------------------


@dataclass
class Outcome:
    """What reading one leased row came to."""

    row: Leased
    events: list[InboundEvent] = field(default_factory=list)
    parsed: ParseResult | None = None  # None: not read (see the fields below)
    quarantine: str | None = None
    fail: str | None = None
    retry: str | None = None
    retry_after: timedelta | None = None
    auth: str | None = None  # credentials refused: pause the account


class _Reader:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels
        self.adapters: dict[int, ChannelAdapter[Any] | ConfigError] = {}

    def read(self, row: Leased) -> Outcome:
        outcome = Outcome(row)
        try:
            parsed = self._parse(row)
        except InputRejected as exc:
            outcome.quarantine = exc.reason
        except PermanentFailure as exc:  # the platform will never complete it (deleted…)
            outcome.quarantine = f"the {row.channel} platform could not complete it: {exc}"
        except AuthFailed as exc:
            outcome.auth = str(exc)
            outcome.retry, outcome.retry_after = f"credentials refused: {exc}", AUTH_RETRY
        except RateLimited as exc:
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else None
            outcome.retry, outcome.retry_after = f"rate limited: {exc}", wait
        except TransientFailure as exc:
            outcome.retry = f"temporary failure: {exc}"
        except ConfigError as exc:
            outcome.fail = str(exc)
        except Exception as exc:  # an adapter bug: keep the body, say what happened
            log.exception("the %s adapter failed on raw event %s", row.channel, row.id)
            outcome.quarantine = f"the {row.channel} parser failed: {type(exc).__name__}: {exc}"
        else:
            outcome.parsed = parsed
            outcome.events = _with_refs(row, parsed)
        return outcome

    def _parse(self, row: Leased) -> ParseResult:
        adapter = self._adapter(row)
        parsed = adapter.parse(row.body, row.headers)
        if not parsed.events:
            return parsed
        return dataclasses.replace(parsed, events=tuple(adapter.hydrate(e) for e in parsed.events))

    def _adapter(self, row: Leased) -> ChannelAdapter[Any]:
        if row.channel_account_id not in self.adapters:
            try:
                if row.account is None:
                    raise ConfigError(f"channel account {row.channel_account_id} no longer exists")
                self.adapters[row.channel_account_id] = self.channels.adapter_for(row.account)
            except ConfigError as exc:
                self.adapters[row.channel_account_id] = exc
        found = self.adapters[row.channel_account_id]
        if isinstance(found, ConfigError):
            raise found
        return found


def _with_refs(row: Leased, parsed: ParseResult) -> list[InboundEvent]:
    ref = f"raw_event:{row.id}"
    account_ref = row.account.external_id if row.account else None
    return [
        dataclasses.replace(e, raw_ref=e.raw_ref or ref, account_ref=e.account_ref or account_ref)
        for e in parsed.events
    ]


def _prepare_all(db: Database, outcomes: list[Outcome]) -> dict[tuple[int, str], Prepared]:
    """Each (workspace, channel) batch's :class:`Prepared`, read before the write transaction
    (keyed by text, so a row lost to another worker meanwhile costs nothing)."""
    batches = _batches(outcomes)
    if not batches:
        return {}
    found: dict[tuple[int, str], Prepared] = {}
    with db.session() as session:
        for key, events in batches.items():
            try:
                found[key] = prepare(session, key[0], events)
            except Exception:  # the steps then run inside the transaction: only slower
                log.exception("preparing %s events of workspace %s failed", len(events), key[0])
    return found


def _batches(outcomes: list[Outcome]) -> dict[tuple[int, str], list[InboundEvent]]:
    batches: dict[tuple[int, str], list[InboundEvent]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.events:
            batches[(outcome.row.workspace_id, outcome.row.channel)].extend(outcome.events)
    return batches


# -- c. storing ---------------------------------------------------------------------------------


def process_raw_events(
    db: Database,
    channels: Channels,
    *,
    clock: Clock,
    limit: int = 200,
    max_attempts: int = 10,
    workspace_id: int | None = None,
    lease: timedelta = LEASE,
) -> ProcessReport:
    """Process up to ``limit`` pending raw events (of ``workspace_id``, or of any workspace);
    see the module docstring for the steps."""
    leased = lease_pending(db, limit=limit, now=clock.now(), workspace_id=workspace_id, lease=lease)
    report = ProcessReport(claimed=len(leased.rows))
    if not leased.rows:
        return report
    reader = _Reader(channels)
    outcomes = [reader.read(row) for row in leased.rows]
    prepared = _prepare_all(db, outcomes)
    with db.write() as session:
        mine = _still_leased(session, leased)
        kept = [o for o in outcomes if o.row.id in mine]
        report.claimed = len(kept)
        _Recorder(session, clock, report, max_attempts).record(kept, prepared)
    return report


def _still_leased(session: Session, leased: Lease) -> set[int]:
    """The rows whose lease is still ours (a lease that ran out may have been taken over)."""
    stmt = (
        select(RAW.c.id)
        .where(
            RAW.c.id.in_([r.id for r in leased.rows]),
            RAW.c.status == PENDING,
            RAW.c.lease_token == leased.token,
        )
        .with_for_update()
    )
    return set(session.scalars(stmt))


class _Recorder:
    def __init__(
        self, session: Session, clock: Clock, report: ProcessReport, max_attempts: int
    ) -> None:
        self.session = session
        self.clock = clock
        self.now = clock.now()
        self.report = report
        self.max_attempts = max_attempts

    def record(self, outcomes: list[Outcome], prepared: dict[tuple[int, str], Prepared]) -> None:
        processed = [o for o in outcomes if o.parsed is not None]
        for outcome in outcomes:
            if outcome.parsed is None:
                self._unread(outcome)
        self._mark_processed(processed)
        for key, events in _batches(processed).items():
            self._ingest(key[0], key[1], events, prepared.get(key))

    def _mark_processed(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        self.session.execute(
            update(RAW)
            .where(RAW.c.id == bindparam("row_id"))
            .values(
                status=PROCESSED,
                error=bindparam("note"),
                event_count=bindparam("count"),
                processed_at=self.now,
                lease_until=None,
                lease_token=None,
            ),
            [
                {
                    "row_id": o.row.id,
                    "note": _ignored_note(o.parsed) if o.parsed else None,
                    "count": len(o.events),
                }
                for o in outcomes
            ],
        )
        self.report.processed += len(outcomes)
        self.report.events += sum(len(o.events) for o in outcomes)

    def _unread(self, outcome: Outcome) -> None:
        if outcome.quarantine is not None:
            self._quarantine(outcome.row, outcome.quarantine)
        elif outcome.fail is not None:
            self._fail(outcome.row, outcome.fail)
        else:
            self._retry_later(outcome)

    def _set(self, row_id: int, **values: Any) -> None:
        self.session.execute(
            update(RAW)
            .where(RAW.c.id == row_id)
            .values(processed_at=self.now, lease_until=None, lease_token=None, **values)
        )

    def _ingest(
        self,
        workspace_id: int,
        channel: str,
        events: list[InboundEvent],
        prepared: Prepared | None,
    ) -> None:
        fresh = recognise_echoes(self.session, workspace_id, events, clock=self.clock)
        if not fresh:
            return
        options = IngestOptions(source=f"webhook:{channel}", actor=f"channel:{channel}")
        result = receive(
            self.session, workspace_id, fresh, clock=self.clock, options=options, prepared=prepared
        )
        self.report.messages_stored += result.stored
        self.report.message_ids.extend(result.message_ids)

    def _quarantine(self, row: Leased, reason: str) -> None:
        quarantine(
            self.session,
            workspace_id=row.workspace_id,
            source=f"webhook:{row.channel}",
            raw=row.body,
            reason=reason,
            now=self.now,
            locator=f"raw_event:{row.id}",
        )
        self._set(row.id, status=QUARANTINED, error=reason)
        self.report.quarantined += 1

    def _retry_later(self, outcome: Outcome) -> None:
        row, reason = outcome.row, outcome.retry or "temporary failure"
        if outcome.auth is not None and row.account is not None:
            why = f"the platform refused the credentials: {outcome.auth}"[:1000]
            pause_channel_account(self.session, row.account.id, reason=why, clock=self.clock)
            attempts = max(row.attempts - 1, 0)  # waiting for an admin is not a failed try
        elif row.attempts >= self.max_attempts:
            self._fail(row, f"gave up after {row.attempts} attempts: {reason}")
            return
        else:
            attempts = row.attempts
        wait = outcome.retry_after or min(RETRY_CAP, RETRY_BASE * 2 ** min(row.attempts - 1, 10))
        self.session.execute(
            update(RAW)
            .where(RAW.c.id == row.id)
            .values(  # stays pending: taken again once this "lease" ends
                error=reason[:2000],
                attempts=attempts,
                lease_until=self.now + wait,
                lease_token=None,
            )
        )
        self.report.retry_later += 1

    def _fail(self, row: Leased, reason: str) -> None:
        self._set(row.id, status=FAILED, error=reason)
        self.report.failed += 1


def _ignored_note(parsed: ParseResult) -> str | None:
    if not parsed.ignored:
        return None
    reasons = sorted({item.reason for item in parsed.ignored})
    return "ignored: " + "; ".join(reasons)[:1000]


# -- queries and replays ------------------------------------------------------------------------


def pending_workspaces(session: Session) -> list[int]:
    """Workspaces with raw events waiting to be processed."""
    rows = session.execute(select(RAW.c.workspace_id).where(RAW.c.status == PENDING).distinct())
    return [int(workspace_id) for (workspace_id,) in rows]


def live_traffic(session: Session, *, now: datetime, within: timedelta) -> bool:
    """Whether webhook bodies wait to be processed or arrived in the last ``within`` (two
    indexed probes, each stopping at the first row)."""
    probes = (RAW.c.status == PENDING, RAW.c.received_at >= now - within)
    return any(
        session.scalar(select(RAW.c.id).where(probe).limit(1)) is not None for probe in probes
    )


def count_pending(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(RAW).where(RAW.c.status == PENDING)) or 0
    )


def release_account_rows(session: Session, account_id: int) -> int:
    """Make an account's pending rows that wait out a retry delay due now (it was resumed)."""
    stmt = (
        update(RAW)
        .where(RAW.c.channel_account_id == account_id, RAW.c.status == PENDING)
        .values(lease_until=None, lease_token=None)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


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
    stmt = update(RAW).values(
        status=PENDING,
        error=None,
        attempts=0,
        processed_at=None,
        lease_until=None,
        lease_token=None,
    )
    if ids:
        stmt = stmt.where(RAW.c.id.in_(list(ids)))
    if since is not None:
        stmt = stmt.where(RAW.c.received_at >= since)
    if account_id is not None:
        stmt = stmt.where(RAW.c.channel_account_id == account_id)
    if workspace_id is not None:
        stmt = stmt.where(RAW.c.workspace_id == workspace_id)
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
