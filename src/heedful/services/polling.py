"""Polling channel accounts whose adapter can poll (``capabilities.poll``), on a schedule kept
in ``channel_state``.

A poll is claimed by pushing the account's ``next_poll_at`` forward by a lease (one worker
polls an account at a time; a worker that dies mid-poll just delays the next one). The
platform is asked outside any transaction; then the new events and the new cursor are stored
in ONE transaction, so a crash either stores both or neither (and the next poll fetches the
same page again: ingest is idempotent).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter, PollResult
from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.errors import AuthFailed, ConfigError, NotFound, RateLimited, Unsupported
from heedful.services.channel_accounts import (
    AdapterResolver,
    Channels,
    pause_channel_account,
)
from heedful.services.ingest import IngestOptions
from heedful.services.pipeline import receive
from heedful.services.replies import recognise_echoes
from heedful.store.base import table_of
from heedful.store.db import Database
from heedful.store.dialect import insert_ignoring_conflicts
from heedful.store.tables import ChannelAccount, ChannelState

log = logging.getLogger("heedful.polling")

STATE = table_of(ChannelState)
ACCOUNT = table_of(ChannelAccount)
MAX_BACKOFF = timedelta(hours=1)
UNSUPPORTED_WAIT = timedelta(hours=6)


@dataclass
class PollOutcome:
    account_id: int
    polled: bool
    stored: int = 0
    error: str | None = None


def accounts_due(session: Session, *, now: datetime, resolve: AdapterResolver) -> list[int]:
    """Active accounts of polling channels whose next poll is due."""
    channels = [c for c in _active_channels(session) if _can_poll(c, resolve)]
    if not channels:
        return []
    due = or_(STATE.c.next_poll_at.is_(None), STATE.c.next_poll_at <= now)
    rows = session.execute(
        select(ACCOUNT.c.id)
        .outerjoin(STATE, STATE.c.channel_account_id == ACCOUNT.c.id)
        .where(ACCOUNT.c.status == "active", ACCOUNT.c.channel.in_(channels), due)
        .order_by(ACCOUNT.c.id)
    )
    return [int(account_id) for (account_id,) in rows]


def _active_channels(session: Session) -> list[str]:
    rows = session.execute(select(ACCOUNT.c.channel).where(ACCOUNT.c.status == "active").distinct())
    return [channel for (channel,) in rows]


def _can_poll(channel: str, resolve: AdapterResolver) -> bool:
    try:
        return resolve(channel).capabilities.poll
    except ConfigError:
        return False


def poll_account(
    db: Database,
    channels: Channels,
    account_id: int,
    *,
    clock: Clock,
    every: timedelta,
    lease: timedelta,
) -> PollOutcome:
    """Poll one account if it is due and nobody else is polling it."""
    if not _claim(db, account_id, now=clock.now(), lease=lease):
        return PollOutcome(account_id, polled=False)
    try:
        adapter, cursor, interval = _prepare(db, channels, account_id, every)
        result = adapter.poll(cursor)
    except RateLimited as exc:
        wait = timedelta(seconds=exc.retry_after or every.total_seconds())
        return _note_failure(db, account_id, clock, str(exc), wait, count=False)
    except AuthFailed as exc:
        return _pause(db, account_id, clock, str(exc))
    except (Unsupported, ConfigError, NotFound) as exc:
        return _note_failure(db, account_id, clock, str(exc), UNSUPPORTED_WAIT, count=True)
    except Exception as exc:  # TransientFailure, timeouts, a bug: back off and try again
        log.warning("polling account %s failed: %s: %s", account_id, type(exc).__name__, exc)
        return _note_failure(db, account_id, clock, f"{type(exc).__name__}: {exc}", None)
    return _store(db, account_id, result, clock, interval)


def _claim(db: Database, account_id: int, *, now: datetime, lease: timedelta) -> bool:
    with db.write() as session:
        ensure_state(session, account_id, now)
        claimed = session.execute(
            update(STATE)
            .where(
                STATE.c.channel_account_id == account_id,
                or_(STATE.c.next_poll_at.is_(None), STATE.c.next_poll_at <= now),
            )
            .values(next_poll_at=now + lease, updated_at=now)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def ensure_state(session: Session, account_id: int, now: datetime) -> None:
    stmt = insert_ignoring_conflicts(session, STATE, "channel_account_id")
    session.execute(stmt.values(channel_account_id=account_id, poll_failures=0, updated_at=now))


def _prepare(
    db: Database, channels: Channels, account_id: int, every: timedelta
) -> tuple[ChannelAdapter[Any], dict[str, Any], timedelta]:
    with db.session() as session:
        account = session.get(ChannelAccount, account_id)
        state = session.get(ChannelState, account_id)
        if account is None:
            raise NotFound(f"channel account {account_id} not found")
        seconds = state.poll_interval_seconds if state else None
        interval = timedelta(seconds=seconds) if seconds else every
        return channels.adapter_for(account), dict(account.cursor or {}), interval


def _store(
    db: Database, account_id: int, result: PollResult, clock: Clock, interval: timedelta
) -> PollOutcome:
    now = clock.now()
    with db.write() as session:
        account = session.get(ChannelAccount, account_id, with_for_update=True)
        if account is None:
            return PollOutcome(account_id, polled=True, error="account removed")
        stored = _ingest(session, account, list(result.events), clock)
        account.cursor = dict(result.cursor)
        next_at = max(now + interval, result.next_poll_after or now)
        session.execute(
            update(STATE)
            .where(STATE.c.channel_account_id == account_id)
            .values(
                next_poll_at=next_at,
                last_polled_at=now,
                poll_failures=0,
                last_poll_error=None,
                updated_at=now,
            )
        )
        return PollOutcome(account_id, polled=True, stored=stored)


def _ingest(
    session: Session, account: ChannelAccount, events: list[InboundEvent], clock: Clock
) -> int:
    events = [replace(e, account_ref=e.account_ref or account.external_id) for e in events]
    fresh = recognise_echoes(session, account.workspace_id, events, clock=clock)
    if not fresh:
        return 0
    options = IngestOptions(source=f"poll:{account.channel}", actor=f"channel:{account.channel}")
    return receive(session, account.workspace_id, fresh, clock=clock, options=options).stored


def _note_failure(
    db: Database,
    account_id: int,
    clock: Clock,
    error: str,
    wait: timedelta | None,
    *,
    count: bool = True,
) -> PollOutcome:
    now = clock.now()
    with db.write() as session:
        state = session.get(ChannelState, account_id, with_for_update=True)
        if state is None:
            return PollOutcome(account_id, polled=False, error=error)
        failures = state.poll_failures + (1 if count else 0)
        backoff = wait or min(MAX_BACKOFF, timedelta(seconds=30) * 2 ** min(failures, 10))
        state.poll_failures, state.last_poll_error = failures, error[:1000]
        state.next_poll_at, state.updated_at = now + backoff, now
        return PollOutcome(account_id, polled=True, error=error)


def _pause(db: Database, account_id: int, clock: Clock, error: str) -> PollOutcome:
    with db.write() as session:
        reason = f"the platform refused the credentials: {error}"[:1000]
        pause_channel_account(session, account_id, reason=reason, clock=clock)
        return PollOutcome(account_id, polled=True, error=reason)


def set_poll_interval(
    session: Session, account_id: int, seconds: int | None, *, clock: Clock
) -> None:
    """How often to poll this account (None: the default)."""
    ensure_state(session, account_id, clock.now())
    session.execute(
        update(STATE)
        .where(STATE.c.channel_account_id == account_id)
        .values(poll_interval_seconds=seconds, updated_at=clock.now())
    )
