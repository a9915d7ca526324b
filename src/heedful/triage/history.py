"""Context signals from the store: what happened around an inbound message, as of its time.

For a message by contact C in conversation V at time t:

- messages / unanswered in 24 h and 7 days: C's inbound messages (every identity, every
  channel) in (t - window, t]; one is unanswered when no brand message followed it in its
  conversation by t;
- channel hopping: the other channels C wrote on in the last 7 days;
- pile-on: other contacts who wrote in V by t;
- reach: the identity's followers and the brand account's followers;
- brand replied: a brand message in V before t.

Everything is "as of t", so re-running triage later gives the same context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heedful.store.tables import ChannelAccount, ContactIdentity, Conversation, Message
from heedful.triage.priority import ContextSignals

DAY = timedelta(hours=24)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class _Target:
    message_id: int
    conversation_id: int
    channel: str
    created_at: datetime
    contact_id: int | None
    followers: int | None
    brand_followers: int | None


def _targets(session: Session, message_ids: Sequence[int]) -> list[_Target]:
    account_id = func.coalesce(Message.channel_account_id, Conversation.channel_account_id)
    rows = session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.channel,
            Message.created_at,
            ContactIdentity.contact_id,
            ContactIdentity.followers,
            ChannelAccount.followers,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(ContactIdentity, ContactIdentity.id == Message.author_identity_id)
        .outerjoin(ChannelAccount, ChannelAccount.id == account_id)
        .where(Message.id.in_(list(message_ids)))
    ).all()
    return [_Target(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class _Around:
    """What the store holds around a batch of targets, fetched in a few set-based queries."""

    by_contact: dict[int, list[tuple[int, str, datetime]]]  # contact -> (conversation, channel, t)
    replies: dict[int, list[datetime]]  # conversation -> brand message times
    writers: dict[int, dict[int, datetime]]  # conversation -> contact -> first inbound time


def _around(session: Session, targets: list[_Target]) -> _Around:
    start = min(t.created_at for t in targets) - WEEK
    until = max(t.created_at for t in targets)
    contacts = {t.contact_id for t in targets if t.contact_id is not None}
    by_contact: dict[int, list[tuple[int, str, datetime]]] = {}
    rows = session.execute(
        select(
            ContactIdentity.contact_id, Message.conversation_id, Message.channel, Message.created_at
        )
        .join(ContactIdentity, ContactIdentity.id == Message.author_identity_id)
        .where(
            ContactIdentity.contact_id.in_(contacts),
            Message.direction == "in",
            Message.created_at > start,
            Message.created_at <= until,
        )
    ).all()
    for contact_id, conversation_id, channel, created_at in rows:
        by_contact.setdefault(contact_id, []).append((conversation_id, channel, created_at))
    conversations = {c for items in by_contact.values() for c, _, _ in items}
    conversations |= {t.conversation_id for t in targets}
    return _Around(
        by_contact, _replies(session, conversations, until), _writers(session, conversations)
    )


def _replies(
    session: Session, conversation_ids: set[int], until: datetime
) -> dict[int, list[datetime]]:
    rows = session.execute(
        select(Message.conversation_id, Message.created_at).where(
            Message.conversation_id.in_(conversation_ids),
            Message.direction == "out",
            Message.kind != "auto",  # an automatic acknowledgement answers nobody
            Message.created_at <= until,
        )
    ).all()
    out: dict[int, list[datetime]] = {}
    for conversation_id, created_at in rows:
        out.setdefault(conversation_id, []).append(created_at)
    return out


def _writers(session: Session, conversation_ids: set[int]) -> dict[int, dict[int, datetime]]:
    rows = session.execute(
        select(Message.conversation_id, ContactIdentity.contact_id, func.min(Message.created_at))
        .join(ContactIdentity, ContactIdentity.id == Message.author_identity_id)
        .where(Message.conversation_id.in_(conversation_ids), Message.direction == "in")
        .group_by(Message.conversation_id, ContactIdentity.contact_id)
    ).all()
    out: dict[int, dict[int, datetime]] = {}
    for conversation_id, contact_id, first in rows:
        out.setdefault(conversation_id, {})[contact_id] = first
    return out


def _context(target: _Target, around: _Around) -> ContextSignals:
    t = target.created_at
    own = around.by_contact.get(target.contact_id, []) if target.contact_id is not None else []
    mine = [(c, ch, at) for c, ch, at in own if t - WEEK < at <= t]
    replies = around.replies

    def answered(conversation_id: int, at: datetime) -> bool:
        return any(at < r <= t for r in replies.get(conversation_id, []))

    day = [(c, at) for c, _, at in mine if at > t - DAY]
    writers = around.writers.get(target.conversation_id, {})
    others = sum(1 for who, first in writers.items() if who != target.contact_id and first <= t)
    return ContextSignals(
        messages_24h=max(1, len(day)),
        unanswered_24h=max(1, sum(not answered(c, at) for c, at in day)),
        messages_7d=max(1, len(mine)),
        unanswered_7d=max(1, sum(not answered(c, at) for c, _, at in mine)),
        span_hours=(t - min(at for _, at in day)).total_seconds() / 3600 if day else None,
        other_channels=tuple(sorted({ch for _, ch, _ in mine} - {target.channel})),
        others_in_thread=others,
        author_followers=target.followers,
        brand_followers=target.brand_followers,
        brand_replied=any(r < t for r in replies.get(target.conversation_id, [])),
    )


def context_signals(session: Session, message_ids: Sequence[int]) -> dict[int, ContextSignals]:
    """Each message's context, as of the message's own time (a few queries per batch)."""
    targets = _targets(session, message_ids)
    if not targets:
        return {}
    around = _around(session, targets)
    return {target.message_id: _context(target, around) for target in targets}
