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


def _contact_messages(session: Session, target: _Target) -> list[tuple[int, str, datetime]]:
    """(conversation id, channel, time) of the contact's inbound messages in the last 7 days."""
    if target.contact_id is None:
        return [(target.conversation_id, target.channel, target.created_at)]
    identities = select(ContactIdentity.id).where(ContactIdentity.contact_id == target.contact_id)
    rows = session.execute(
        select(Message.conversation_id, Message.channel, Message.created_at).where(
            Message.author_identity_id.in_(identities),
            Message.direction == "in",
            Message.created_at > target.created_at - WEEK,
            Message.created_at <= target.created_at,
        )
    ).all()
    return [(c, ch, t) for c, ch, t in rows]


def _replies(
    session: Session, conversation_ids: set[int], until: datetime
) -> dict[int, list[datetime]]:
    rows = session.execute(
        select(Message.conversation_id, Message.created_at).where(
            Message.conversation_id.in_(conversation_ids),
            Message.direction == "out",
            Message.created_at <= until,
        )
    ).all()
    out: dict[int, list[datetime]] = {}
    for conversation_id, created_at in rows:
        out.setdefault(conversation_id, []).append(created_at)
    return out


def _others_in_thread(session: Session, target: _Target) -> int:
    query = (
        select(func.count(func.distinct(ContactIdentity.contact_id)))
        .join(Message, Message.author_identity_id == ContactIdentity.id)
        .where(
            Message.conversation_id == target.conversation_id,
            Message.direction == "in",
            Message.created_at <= target.created_at,
        )
    )
    if target.contact_id is not None:
        query = query.where(ContactIdentity.contact_id != target.contact_id)
    return int(session.execute(query).scalar_one())


def _context(session: Session, target: _Target) -> ContextSignals:
    t = target.created_at
    mine = _contact_messages(session, target)
    replies = _replies(session, {c for c, _, _ in mine} | {target.conversation_id}, t)

    def answered(conversation_id: int, at: datetime) -> bool:
        return any(at < r for r in replies.get(conversation_id, []))

    day = [(c, at) for c, _, at in mine if at > t - DAY]
    return ContextSignals(
        messages_24h=max(1, len(day)),
        unanswered_24h=max(1, sum(not answered(c, at) for c, at in day)),
        messages_7d=max(1, len(mine)),
        unanswered_7d=max(1, sum(not answered(c, at) for c, _, at in mine)),
        span_hours=(t - min(at for _, at in day)).total_seconds() / 3600 if day else None,
        other_channels=tuple(sorted({ch for _, ch, _ in mine} - {target.channel})),
        others_in_thread=_others_in_thread(session, target),
        author_followers=target.followers,
        brand_followers=target.brand_followers,
        brand_replied=any(r < t for r in replies.get(target.conversation_id, [])),
    )


def context_signals(session: Session, message_ids: Sequence[int]) -> dict[int, ContextSignals]:
    """Each message's context, as of the message's own time."""
    return {
        target.message_id: _context(session, target) for target in _targets(session, message_ids)
    }
