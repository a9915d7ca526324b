"""Delivering the outbox: exactly once, never lost.

A delivery goes through three short steps, each its own transaction except the send:

1. :func:`claim_due` — lease due rows (``queued`` and due, or ``sending`` whose lease ran
   out because a worker died): ``state = sending``, ``lease_until``, ``leased_by``, committed
   *before* anything is sent. PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers never claim
   the same row; SQLite: the single writer does the same.
2. :func:`deliver_claimed` — outside any transaction: a row whose lease ran out is first
   **reconciled** (a crash may have come after the platform accepted it): when the adapter
   sends an idempotency key (``capabilities.idempotent_send``) sending again is safe; when it
   can look (``capabilities.find_delivered``) it looks, and records what it finds; when it can
   do neither, the row is marked ``failed`` with kind ``interrupted`` for a person to check —
   never blindly resent. Then ``adapter.send``.
3. the outcome is recorded: the platform's id on the message and the row (``sent``), or the
   error mapped — ``RateLimited`` → back to ``queued`` after ``retry_after`` and the account's
   sending held until then; ``AuthFailed`` → account paused, an alert, the reply kept queued
   for when it is resumed; ``PermanentFailure`` (and ``Unsupported``) → ``failed``, shown to
   the agent; anything else (``TransientFailure``, timeouts) → retried with exponential
   backoff and jitter, ``failed`` after ``max_attempts``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter, DeliveryResult, OutboundMessage
from heedful.channels.registry import adapter_class
from heedful.clock import Clock
from heedful.domain import Visibility
from heedful.errors import (
    AuthFailed,
    ConfigError,
    NotFound,
    PermanentFailure,
    RateLimited,
    Unsupported,
)
from heedful.services.channel_accounts import AdapterResolver, Channels, pause_channel_account
from heedful.services.reply_windows import last_private_inbound_at, require_delivery_window
from heedful.store.base import table_of
from heedful.store.db import Database
from heedful.store.dialect import insert_ignoring_conflicts
from heedful.store.tables import (
    ChannelAccount,
    ChannelState,
    Conversation,
    Event,
    Message,
    OutboxItem,
)

log = logging.getLogger("heedful.outbox")

OUTBOX = table_of(OutboxItem)
STATE = table_of(ChannelState)
QUEUED, SENDING, SENT, FAILED, CANCELLED = "queued", "sending", "sent", "failed", "cancelled"
LOOK_BACK = timedelta(minutes=5)  # find_delivered searches from a little before the first try
_jitter = random.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=30)
    max_attempts: int = 10

    def delay(self, attempts: int) -> timedelta:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.cap, self.base * (1 << min(max(attempts - 1, 0), 30)))
        return ceiling / 2 + ceiling / 2 * _jitter.random()


@dataclass(frozen=True, slots=True)
class Claim:
    outbox_id: int
    attempts: int
    crashed: bool  # the worker sending it died (its lease ran out): it may be posted
    after_error: bool  # the last try failed, maybe after the platform took it (lost response)


# -- 1. claiming -------------------------------------------------------------------------------


def claim_due(
    db: Database, *, now: datetime, lease: timedelta, worker: str, limit: int
) -> list[Claim]:
    """Lease up to ``limit`` due rows for ``worker`` (committed before returning)."""
    with db.write() as session:
        rows = session.execute(
            _due_query(now).limit(limit).with_for_update(skip_locked=True, of=OUTBOX)
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(ids))
            .values(
                state=SENDING,
                lease_until=now + lease,
                leased_by=worker[:100],
                attempts=OUTBOX.c.attempts + 1,
                updated_at=now,
            )
        )
        return [
            Claim(row.id, row.attempts + 1, row.state == SENDING, row.error_kind == "transient")
            for row in rows
        ]


def _due_query(now: datetime) -> Any:
    account = table_of(ChannelAccount)
    blocked = exists().where(
        STATE.c.channel_account_id == OUTBOX.c.channel_account_id,
        STATE.c.send_blocked_until > now,
    )
    return (
        select(OUTBOX.c.id, OUTBOX.c.state, OUTBOX.c.attempts, OUTBOX.c.error_kind)
        .join(account, account.c.id == OUTBOX.c.channel_account_id)
        .where(
            or_(
                and_(OUTBOX.c.state == QUEUED, OUTBOX.c.next_attempt_at <= now),
                and_(OUTBOX.c.state == SENDING, OUTBOX.c.lease_until < now),
            ),
            account.c.status == "active",
            ~blocked,
        )
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
    )


def has_due_work(session: Session, now: datetime) -> bool:
    return session.execute(_due_query(now).limit(1)).first() is not None


def next_due_at(session: Session, now: datetime) -> datetime | None:
    """When the next queued reply may be sent (its retry time, or its account's rate-limit
    hold, whichever is later); None when nothing is waiting."""
    account = table_of(ChannelAccount)
    waiting = (
        select(OUTBOX.c.next_attempt_at, STATE.c.send_blocked_until)
        .join(account, account.c.id == OUTBOX.c.channel_account_id)
        .outerjoin(STATE, STATE.c.channel_account_id == OUTBOX.c.channel_account_id)
        .where(OUTBOX.c.state == QUEUED, account.c.status == "active")
        .order_by(OUTBOX.c.next_attempt_at)
        .limit(200)
    )
    times = [
        max(attempt_at, blocked) if blocked is not None else attempt_at
        for attempt_at, blocked in session.execute(waiting)
    ]
    return min(times, default=None)


# -- 2. sending --------------------------------------------------------------------------------


@dataclass
class Outcome:
    outbox_id: int
    state: str
    detail: str | None = None


def deliver_claimed(
    db: Database,
    channels: Channels,
    claim: Claim,
    *,
    clock: Clock,
    worker: str,
    policy: RetryPolicy | None = None,
) -> Outcome:
    """Send one claimed row and record the outcome (see the module docstring)."""
    policy = policy or RetryPolicy()
    try:
        adapter, message, since = _prepare(db, channels, claim.outbox_id)
    except (ConfigError, NotFound) as exc:
        return _record_failure(db, claim, clock, "config", str(exc), retry_at=None)
    try:
        result = _send_or_find(adapter, message, since, claim)
        if result is None:
            return _record_failure(db, claim, clock, "interrupted", INTERRUPTED, retry_at=None)
    except RateLimited as exc:
        return _record_rate_limit(db, claim, clock, exc, policy)
    except AuthFailed as exc:
        return _record_auth_failure(db, claim, clock, str(exc))
    except (PermanentFailure, Unsupported) as exc:
        return _record_failure(db, claim, clock, "permanent", str(exc), retry_at=None)
    except Exception as exc:  # TransientFailure, timeouts, a bug: retry, then give up
        log.warning("delivery of outbox %s failed: %s", claim.outbox_id, _short(exc))
        return _record_transient(db, claim, clock, _short(exc), policy)
    return record_sent(db, claim.outbox_id, result, clock=clock, worker=worker)


INTERRUPTED = (
    "sending was interrupted and this channel cannot confirm whether the reply was posted: "
    "check the platform, then resend or cancel"
)


def _short(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _prepare(
    db: Database, channels: Channels, outbox_id: int
) -> tuple[ChannelAdapter[Any], OutboundMessage, datetime]:
    with db.session() as session:
        item = session.get(OutboxItem, outbox_id)
        message = session.get(Message, item.message_id) if item else None
        account = session.get(ChannelAccount, item.channel_account_id) if item else None
        if item is None or message is None or account is None:
            raise NotFound(f"outbox {outbox_id} lost its message or account")
        recipient = item.request.get("recipient")
        outbound = OutboundMessage(
            outbox_id=item.id,
            text=message.text,
            visibility=Visibility(message.visibility),
            in_reply_to=message.in_reply_to_external_id,
            thread_ref=message.thread_ref,
            recipient=recipient,
            subject=item.request.get("subject"),
            references=tuple(item.request.get("references") or ()),
            last_inbound_at=_last_inbound_at(session, account, message, recipient),
            reply_to_comment=item.request.get("comment_id"),
            extra={"idempotency_key": item.idempotency_key},
        )
        return channels.adapter_for(account), outbound, item.created_at - LOOK_BACK


def _last_inbound_at(
    session: Session, account: ChannelAccount, message: Message, recipient: str | None
) -> datetime | None:
    """For a private message: when its recipient last wrote privately to the account (what a
    channel's ``reply_window`` counts from), read now, not when it was queued."""
    if message.visibility != Visibility.PRIVATE.value or not recipient:
        return None
    return last_private_inbound_at(
        session, account.workspace_id, account.channel, account.id, recipient
    )


def _send_or_find(
    adapter: ChannelAdapter[Any], message: OutboundMessage, since: datetime, claim: Claim
) -> DeliveryResult | None:
    """Send — but when it may already be posted, look first where the platform allows.
    None: a crash left it uncertain and the platform cannot tell, so it is not resent."""
    caps = adapter.capabilities
    uncertain = claim.crashed or claim.after_error
    if not uncertain or caps.idempotent_send:
        return adapter.send(message)
    if caps.find_delivered:
        try:
            found = adapter.find_delivered(message, since)
        except Unsupported:
            found = None
        else:
            return found if found is not None else adapter.send(message)
    if claim.crashed:
        return None
    return adapter.send(message)  # the adapter called it transient: it was not taken


# -- 3. recording ------------------------------------------------------------------------------


def record_sent(
    db: Database, outbox_id: int, result: DeliveryResult, *, clock: Clock, worker: str
) -> Outcome:
    """The platform took it: store its id on the row and the message (kept if already set)."""
    now = clock.now()
    with db.write() as session:
        item = session.get(OutboxItem, outbox_id, with_for_update=True)
        if item is None:
            return Outcome(outbox_id, "gone")
        if item.state == SENT:
            return Outcome(outbox_id, SENT, "already recorded")
        _mark_sent(session, item, result.external_id, result.url, result.sent_at or now, now)
        return Outcome(outbox_id, SENT, result.external_id)


def record_echo(session: Session, outbox_id: int, *, external_id: str, now: datetime) -> None:
    """The platform showed us our own reply before the worker recorded it: same message."""
    item = session.get(OutboxItem, outbox_id)
    if item is not None and item.state != SENT:
        _mark_sent(session, item, external_id, None, now, now)


def _mark_sent(
    session: Session,
    item: OutboxItem,
    external_id: str,
    url: str | None,
    sent_at: datetime,
    now: datetime,
) -> None:
    message = session.get(Message, item.message_id)
    if message is not None:
        _drop_echo_copy(session, message, external_id)
        message.external_id = external_id
    item.state, item.external_id, item.external_url = SENT, external_id, url
    item.sent_at, item.updated_at, item.lease_until = sent_at, now, None
    item.error_kind = item.last_error = None
    _event(session, item, "message.sent", {"external_id": external_id}, now)


def _drop_echo_copy(session: Session, message: Message, external_id: str) -> None:
    """If an echo of this reply was already stored as its own message, remove the copy."""
    copy = session.scalar(
        select(Message).where(
            Message.workspace_id == message.workspace_id,
            Message.channel == message.channel,
            Message.external_id == external_id,
            Message.id != message.id,
        )
    )
    if copy is None:
        return
    conversation_id = copy.conversation_id
    session.execute(delete(table_of(Message)).where(table_of(Message).c.id == copy.id))
    session.execute(
        update(table_of(Conversation))
        .where(table_of(Conversation).c.id == conversation_id)
        .values(message_count=table_of(Conversation).c.message_count - 1)
    )
    session.flush()


def _record_failure(
    db: Database,
    claim: Claim,
    clock: Clock,
    kind: str,
    error: str,
    *,
    retry_at: datetime | None,
) -> Outcome:
    now = clock.now()
    with db.write() as session:
        item = _leased(session, claim.outbox_id)
        if item is None:
            return Outcome(claim.outbox_id, "gone")
        if retry_at is None:
            item.state = FAILED
            _event(session, item, "message.delivery_failed", {"kind": kind, "error": error}, now)
        else:
            item.state, item.next_attempt_at = QUEUED, retry_at
        item.error_kind, item.last_error = kind, error
        item.lease_until, item.updated_at = None, now
        return Outcome(claim.outbox_id, item.state, error)


def _leased(session: Session, outbox_id: int) -> OutboxItem | None:
    """The row, unless something else settled it meanwhile (an echo recorded it as sent)."""
    item = session.get(OutboxItem, outbox_id, with_for_update=True)
    if item is None or item.state != SENDING:
        return None
    return item


def _record_transient(
    db: Database, claim: Claim, clock: Clock, error: str, policy: RetryPolicy
) -> Outcome:
    if claim.attempts >= policy.max_attempts:
        message = f"gave up after {claim.attempts} attempts: {error}"
        return _record_failure(db, claim, clock, "transient", message, retry_at=None)
    retry_at = clock.now() + policy.delay(claim.attempts)
    return _record_failure(db, claim, clock, "transient", error, retry_at=retry_at)


def _record_rate_limit(
    db: Database, claim: Claim, clock: Clock, exc: RateLimited, policy: RetryPolicy
) -> Outcome:
    now = clock.now()
    wait = (
        timedelta(seconds=exc.retry_after)
        if exc.retry_after is not None
        else policy.delay(claim.attempts)
    )
    with db.write() as session:
        item = _leased(session, claim.outbox_id)
        if item is None:
            return Outcome(claim.outbox_id, "gone")
        hold_account_sending(session, item.channel_account_id, until=now + wait, now=now)
        item.state, item.next_attempt_at = QUEUED, now + wait
        item.attempts = max(item.attempts - 1, 0)  # a rate limit is not a failed attempt
        item.error_kind, item.last_error = "rate_limited", str(exc)
        item.lease_until, item.updated_at = None, now
        return Outcome(claim.outbox_id, QUEUED, "rate limited")


def _record_auth_failure(db: Database, claim: Claim, clock: Clock, error: str) -> Outcome:
    now = clock.now()
    with db.write() as session:
        item = _leased(session, claim.outbox_id)
        if item is None:
            return Outcome(claim.outbox_id, "gone")
        reason = f"the platform refused the credentials: {error}"[:1000]
        pause_channel_account(session, item.channel_account_id, reason=reason, clock=clock)
        item.state, item.next_attempt_at = QUEUED, now  # sent once the account is resumed
        item.attempts = max(item.attempts - 1, 0)
        item.error_kind, item.last_error = "auth", reason
        item.lease_until, item.updated_at = None, now
        return Outcome(claim.outbox_id, QUEUED, "account paused")


def hold_account_sending(
    session: Session, account_id: int, *, until: datetime, now: datetime
) -> None:
    """No sends on this account before ``until`` (a rate limit applies to the account)."""
    stmt = insert_ignoring_conflicts(session, STATE, "channel_account_id")
    session.execute(stmt.values(channel_account_id=account_id, poll_failures=0, updated_at=now))
    session.execute(
        update(STATE)
        .where(
            STATE.c.channel_account_id == account_id,
            or_(STATE.c.send_blocked_until.is_(None), STATE.c.send_blocked_until < until),
        )
        .values(send_blocked_until=until, updated_at=now)
    )


def _event(
    session: Session, item: OutboxItem, kind: str, data: dict[str, Any], now: datetime
) -> None:
    session.add(
        Event(
            workspace_id=item.workspace_id,
            actor="system",
            kind=kind,
            subject_type="message",
            subject_id=item.message_id,
            data={"outbox_id": item.id, **data},
            created_at=now,
        )
    )


# -- operator actions --------------------------------------------------------------------------


def retry_delivery(
    session: Session, outbox_id: int, *, clock: Clock, resolve: AdapterResolver = adapter_class
) -> OutboxItem:
    """Queue a failed (or cancelled) reply again, now — unless it is a private message whose
    messaging window has closed meanwhile (``ReplyWindowClosed``: resending cannot work)."""
    item = _get(session, outbox_id)
    if item.state not in (FAILED, CANCELLED):
        raise NotFound(f"outbox {outbox_id} is {item.state}: only failed or cancelled can retry")
    now = clock.now()
    _require_window(session, item, resolve, now)
    item.state, item.next_attempt_at, item.attempts = QUEUED, now, 0
    item.error_kind = item.last_error = None
    item.updated_at = now
    _event(session, item, "message.delivery_retried", {}, now)
    return item


def _require_window(
    session: Session, item: OutboxItem, resolve: AdapterResolver, now: datetime
) -> None:
    message = session.get(Message, item.message_id)
    account = session.get(ChannelAccount, item.channel_account_id)
    if message is None or account is None:
        return
    try:
        caps = resolve(account.channel).capabilities
    except ConfigError:  # no such adapter installed: delivery will say so
        return
    require_delivery_window(session, item, message, account, caps, now)


def cancel_delivery(session: Session, outbox_id: int, *, clock: Clock) -> OutboxItem:
    """Stop a reply that has not gone out (a row being sent right now cannot be stopped)."""
    item = _get(session, outbox_id)
    if item.state not in (QUEUED, FAILED):
        raise NotFound(f"outbox {outbox_id} is {item.state}: only queued or failed can cancel")
    now = clock.now()
    item.state, item.updated_at = CANCELLED, now
    _event(session, item, "message.delivery_cancelled", {}, now)
    return item


def _get(session: Session, outbox_id: int) -> OutboxItem:
    item = session.get(OutboxItem, outbox_id, with_for_update=True)
    if item is None:
        raise NotFound(f"outbox {outbox_id} not found")
    return item


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)).all()
    return {state: int(count) for state, count in rows}


def describe_delivery(item: OutboxItem) -> dict[str, Any]:
    """An outbox row as the agent sees it (for the web and the CLI)."""
    return {
        "id": item.id,
        "message_id": item.message_id,
        "state": item.state,
        "attempts": item.attempts,
        "next_attempt_at": item.next_attempt_at.isoformat() if item.next_attempt_at else None,
        "error_kind": item.error_kind,
        "last_error": item.last_error,
        "external_id": item.external_id,
        "external_url": item.external_url,
        "sent_at": item.sent_at.isoformat() if item.sent_at else None,
    }
