"""Collision detection: who else has this conversation open or is drafting in it, and whether a
reply is based on a stale view (a customer message arrived after the agent opened it).

The composer calls :func:`open_conversation` when an agent opens a conversation (it remembers
the newest message they saw), :func:`mark_drafting` while they type, :func:`others_here` to
show "Anna is replying", and :func:`ensure_fresh_view` before sending: it refuses with a
:class:`~heedful.errors.ConflictError` naming what arrived, unless the agent confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import Direction
from heedful.errors import ConflictError
from heedful.store.tables import Agent, Conversation, DraftPresence, Message

DEFAULT_PRESENCE = timedelta(seconds=90)


@dataclass(frozen=True, slots=True)
class Presence:
    agent_id: int
    name: str
    drafting: bool
    since: datetime


def open_conversation(
    session: Session, conversation: Conversation, agent_id: int, *, clock: Clock
) -> DraftPresence:
    """The agent opened the conversation: remember the newest message they can see."""
    presence = _presence(session, conversation, agent_id, clock)
    presence.seen_message_id = newest_message_id(session, conversation.id)
    presence.opened_at = presence.last_seen_at = clock.now()
    presence.drafting = False
    return presence


def mark_drafting(
    session: Session,
    conversation: Conversation,
    agent_id: int,
    *,
    clock: Clock,
    drafting: bool = True,
) -> DraftPresence:
    """A heartbeat while the agent types (or stops: ``drafting=False``)."""
    presence = _presence(session, conversation, agent_id, clock)
    presence.drafting = drafting
    presence.last_seen_at = clock.now()
    return presence


def leave_conversation(session: Session, conversation_id: int, agent_id: int) -> None:
    for row in _rows(session, conversation_id, agent_id):
        session.delete(row)


def others_here(
    session: Session,
    conversation_id: int,
    agent_id: int | None,
    *,
    now: datetime,
    within: timedelta = DEFAULT_PRESENCE,
) -> list[Presence]:
    """Other agents seen on this conversation in the last ``within``, drafters first."""
    rows = session.execute(
        select(DraftPresence, Agent.name)
        .join(Agent, Agent.id == DraftPresence.agent_id)
        .where(
            DraftPresence.conversation_id == conversation_id,
            DraftPresence.last_seen_at >= now - within,
        )
    ).all()
    found = {
        row.agent_id: Presence(row.agent_id, name, row.drafting, row.opened_at)
        for row, name in rows
        if row.agent_id != agent_id
    }
    return sorted(found.values(), key=lambda p: (not p.drafting, p.name))


def newest_message_id(session: Session, conversation_id: int) -> int | None:
    return session.scalar(
        select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
    )


def new_customer_messages(
    session: Session, conversation_id: int, seen_message_id: int | None
) -> list[Message]:
    """Customer messages that arrived after the one the agent last saw."""
    stmt = select(Message).where(
        Message.conversation_id == conversation_id,
        Message.direction == Direction.INBOUND.value,
    )
    if seen_message_id is not None:
        stmt = stmt.where(Message.id > seen_message_id)
    return list(session.scalars(stmt.order_by(Message.id)))


def ensure_fresh_view(
    session: Session,
    conversation_id: int,
    seen_message_id: int | None,
    *,
    confirmed: bool = False,
) -> None:
    """Refuse a reply written on a stale view unless the agent confirmed sending it anyway."""
    if confirmed or seen_message_id is None:
        return
    arrived = new_customer_messages(session, conversation_id, seen_message_id)
    if arrived:
        count = len(arrived)
        latest = arrived[-1].text.strip().replace("\n", " ")
        raise ConflictError(
            f"{count} new customer message{'s' if count > 1 else ''} arrived since you opened "
            f"this conversation (latest: {latest[:120]!r}); read it, then confirm to send anyway"
        )


def _presence(
    session: Session, conversation: Conversation, agent_id: int, clock: Clock
) -> DraftPresence:
    rows = _rows(session, conversation.id, agent_id)
    if rows:
        for extra in rows[1:]:  # two conversations merged while both were open
            session.delete(extra)
        return rows[0]
    presence = DraftPresence(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        agent_id=agent_id,
        drafting=False,
        seen_message_id=None,
        opened_at=clock.now(),
        last_seen_at=clock.now(),
    )
    session.add(presence)
    return presence


def _rows(session: Session, conversation_id: int, agent_id: int) -> list[DraftPresence]:
    return list(
        session.scalars(
            select(DraftPresence)
            .where(
                DraftPresence.conversation_id == conversation_id,
                DraftPresence.agent_id == agent_id,
            )
            .order_by(DraftPresence.id)
        )
    )
