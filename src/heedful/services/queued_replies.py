"""Sending a reply before delivery exists: the outbound message is written with an external
id ``queued:<uuid>`` — a clearly named placeholder the delivery worker (the outbox) replaces
with the platform's id once it has posted it. Used by the web app only while no outbox
service is installed (see ``heedful.web.features.send_reply``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import ConversationStatus, Direction, MessageKind, Visibility
from heedful.errors import ValidationFailed
from heedful.store import search
from heedful.store.tables import Conversation, Event, Message

QUEUED_PREFIX = "queued:"
MAX_REPLY_CHARS = 20_000


def is_queued(message: Message) -> bool:
    return message.external_id.startswith(QUEUED_PREFIX)


def queue_reply(
    session: Session,
    conversation: Conversation,
    text: str,
    *,
    agent_id: int | None,
    visibility: Visibility,
    clock: Clock,
) -> Message:
    """Write an outbound reply (public) or private message on ``conversation``, queued."""
    text = text.strip()
    if not text:
        raise ValidationFailed("the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise ValidationFailed(f"a reply is at most {MAX_REPLY_CHARS:,} characters")
    now = clock.now()
    message = Message(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        channel=conversation.channel,
        channel_account_id=conversation.channel_account_id,
        external_id=f"{QUEUED_PREFIX}{uuid.uuid4().hex}",
        in_reply_to_external_id=_last_inbound_external_id(session, conversation),
        kind=_kind(conversation.channel, visibility).value,
        direction=Direction.OUTBOUND.value,
        visibility=visibility.value,
        agent_id=agent_id,
        text=text,
        created_at=now,
        ingested_at=now,
    )
    session.add(message)
    session.flush()
    _touch_conversation(conversation, now)
    session.add(_queued_event(conversation, message, agent_id, now))
    search.index_pending(session)
    return message


def _kind(channel: str, visibility: Visibility) -> MessageKind:
    if channel == "email":
        return MessageKind.EMAIL
    return MessageKind.REPLY if visibility is Visibility.PUBLIC else MessageKind.DM


def _last_inbound_external_id(session: Session, conversation: Conversation) -> str | None:
    return session.scalar(
        select(Message.external_id)
        .where(Message.conversation_id == conversation.id, Message.direction == "in")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )


def _touch_conversation(conversation: Conversation, now: datetime) -> None:
    conversation.message_count += 1
    conversation.last_outbound_at = now
    conversation.last_activity_at = max(conversation.last_activity_at, now)
    if conversation.first_response_at is None and conversation.first_inbound_at is not None:
        conversation.first_response_at = now
    if conversation.status == ConversationStatus.NEW.value:
        conversation.status = ConversationStatus.OPEN.value


def _queued_event(
    conversation: Conversation, message: Message, agent_id: int | None, now: datetime
) -> Event:
    return Event(
        workspace_id=conversation.workspace_id,
        actor=f"agent:{agent_id}" if agent_id else "system",
        actor_agent_id=agent_id,
        kind="message.queued",
        subject_type="conversation",
        subject_id=conversation.id,
        data={"message_id": message.id, "visibility": message.visibility},
        created_at=now,
    )
