"""What the channel workers keep: raw webhook bodies (replayable), the outbox of replies to
deliver, and each channel account's polling / sending state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from heedful.store.base import Base, BigId, JSONDoc


class RawEvent(Base):
    """A webhook request body and its headers, exactly as received, before any parsing.

    ``status``: pending → processed | quarantined | failed. Processing can be replayed from
    here at any time (``heedful channels replay``); ingest is idempotent, so a replay stores
    nothing twice. A worker leases pending rows (``lease_until``, ``lease_token``) while it
    parses them outside any transaction; a lease that ran out (the worker died) is taken again."""

    __tablename__ = "raw_event"
    __table_args__ = (
        # A platform that redelivers the same body (retries) is stored once.
        UniqueConstraint("channel_account_id", "body_sha256"),
        Index("ix_raw_event_pending", "status", "id"),
        Index("ix_raw_event_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    channel_account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_account.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(32))
    headers: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)  # signatures dropped
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    event_count: Mapped[int | None]  # messages the body held, once processed
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(32))


class OutboxItem(Base):
    """One outbound message to deliver, written in the same transaction as the message.

    ``state``: queued → sending → sent | failed | cancelled. ``sending`` is a lease: a worker
    that claims the row sets ``lease_until``; if it dies, the row is reconciled with the
    platform after the lease ends (never blindly resent)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at", "id"),
        Index("ix_outbox_account", "channel_account_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("message.id", ondelete="CASCADE"), unique=True
    )
    channel_account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_account.id", ondelete="CASCADE")
    )
    state: Mapped[str] = mapped_column(String(16), default="queued")  # OutboxState
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Delivery details not on the message row: recipient, subject, references, extra.
    request: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    error_kind: Mapped[str | None] = mapped_column(String(16))  # auth|permanent|transient|…
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(255))  # the platform's id, once sent
    external_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ChannelState(Base):
    """A channel account's worker state: when to poll next, and when sending may resume after a
    rate limit. One row per account, created when first needed."""

    __tablename__ = "channel_state"

    channel_account_id: Mapped[int] = mapped_column(
        ForeignKey("channel_account.id", ondelete="CASCADE"), primary_key=True
    )
    poll_interval_seconds: Mapped[int | None]  # None: the default (Tuning.poll_every)
    next_poll_at: Mapped[datetime | None]
    last_polled_at: Mapped[datetime | None]
    poll_failures: Mapped[int] = mapped_column(default=0)
    last_poll_error: Mapped[str | None] = mapped_column(Text)
    send_blocked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]
