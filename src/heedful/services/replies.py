"""Sending a reply: the outbound message and its outbox row, written in ONE transaction.

:func:`send_reply` is what the composer (web), auto-replies and the API call. Its steps, in
order, each an explicit call:

1. ``_reply_account`` — the channel account the conversation lives on;
2. ``_check_capabilities`` — the channel can post this (public reply / private message,
   length limit), asked of the adapter's capabilities, never of the channel's name; a
   private message also needs the customer's messaging window open now
   (:mod:`heedful.services.reply_windows`): refused with ``ReplyWindowClosed`` otherwise;
3. ``_reply_target`` — what it answers (latest inbound message, thread, recipient; or, with
   no messaging window but a fresh public comment, Meta's one private reply to it);
4. ``_store_message`` — the outbound :class:`Message`, with a provisional external id
   (``pending:<key>``) until the platform gives its own;
5. ``_queue_delivery`` — the :class:`OutboxItem` (state ``queued``) in the same transaction;
6. ``after_reply`` — the care-workflow steps on a reply (see its docstring);
7. the ``delivery.drain`` job is deferred inside the transaction (queue mode) or nudged
   (in-process); if that nudge were ever lost, the ``delivery.sweep`` job finds the row.

Delivery itself (retries, rate limits, crash recovery) is :mod:`heedful.services.outbox`.

Echoes: a platform may show us our own reply again (webhook or poll) — possibly before the
worker has recorded the platform's id. :func:`recognise_echoes` runs before ingest on every
live batch and turns such an event into the delivery record of our message instead of a
second message.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.care.workflow import after_outbound as care_after_outbound
from heedful.channels.base import Capabilities
from heedful.channels.registry import adapter_class
from heedful.clock import Clock
from heedful.domain import Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import ConflictError, NotFound, ValidationFailed
from heedful.services.channel_accounts import AdapterResolver
from heedful.services.outbox import record_echo
from heedful.services.reply_addresses import reply_address
from heedful.services.reply_windows import (
    PrivateReach,
    PrivateWindow,
    private_window,
    require_private_window,
)
from heedful.store.tables import (
    Agent,
    ChannelAccount,
    ContactIdentity,
    Conversation,
    Event,
    Message,
    OutboxItem,
)

if TYPE_CHECKING:
    from heedful.workers.context import JobQueue

DELIVERY_JOB = "delivery.drain"
PENDING_PREFIX = "pending:"


@dataclass(frozen=True, slots=True)
class SentReply:
    """What :func:`send_reply` queued."""

    message_id: int
    outbox_id: int
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    in_reply_to: str | None
    thread_ref: str | None
    recipient: str | None
    kind: MessageKind
    # A private reply addressed by the public comment it answers (no recipient id needed)
    comment_id: str | None = None


def send_reply(
    session: Session,
    *,
    agent: Agent | None,
    conversation: Conversation,
    text: str,
    visibility: Visibility,
    clock: Clock,
    queue: JobQueue | None = None,
    channel_account_id: int | None = None,
    subject: str | None = None,
    resolve: AdapterResolver = adapter_class,
    automatic: bool = False,
) -> SentReply:
    """Queue ``text`` as a reply in ``conversation`` (see the module docstring for the steps).
    The caller owns the transaction: nothing is sent unless it commits. ``automatic``: sent by
    Heedful itself (kind ``auto``), not an answer from a person (see :func:`after_reply`)."""
    account = _reply_account(session, conversation, channel_account_id)
    caps = resolve(account.channel).capabilities
    _check_capabilities(caps, visibility, text)
    window = None
    if visibility is Visibility.PRIVATE:
        now = clock.now()
        window = require_private_window(
            private_window(session, conversation, account.id, caps, now)
        )
    target = _reply_target(session, conversation, visibility, window)
    if automatic:
        target = dataclasses.replace(target, kind=MessageKind.AUTO)
    message = _store_message(session, conversation, account, agent, text, visibility, target, clock)
    item = _queue_delivery(
        session, message, account, target, subject or _subject(conversation), clock
    )
    after_reply(session, message=message, conversation=conversation, agent=agent, clock=clock)
    if queue is not None:
        # In the reply's transaction and without a key: a queueing lock taken by an open
        # transaction would make every other deferrer wait for its commit.
        queue.defer(DELIVERY_JOB, session=session)
    return SentReply(message.id, item.id, item.idempotency_key)


def after_reply(
    session: Session,
    *,
    message: Message,
    conversation: Conversation,
    agent: Agent | None,
    clock: Clock,
) -> None:
    """The care-workflow steps on every reply, in the reply's transaction.

    Expected here (heedful.care, when it provides them): sticky ownership on an agent's first
    reply, promise extraction from the outbound text (tracked with due times), and the SLA
    first-response stamp. The signature is applied by the composer before ``send_reply``: the
    text given is the final text. Until then, the conversation's counters are kept here."""
    now = message.created_at
    conversation.message_count += 1
    conversation.last_activity_at = max(conversation.last_activity_at, now)
    automatic = message.kind == MessageKind.AUTO.value
    if not automatic:  # an automatic message answers nobody: no response stamp, no owner
        conversation.last_outbound_at = now
        if conversation.first_response_at is None and conversation.first_inbound_at is not None:
            conversation.first_response_at = now
        care_after_outbound(
            session, message=message, conversation=conversation, agent=agent, clock=clock
        )
    session.add(
        Event(
            workspace_id=conversation.workspace_id,
            actor_agent_id=agent.id if agent else None,
            actor=f"agent:{agent.id}" if agent else "system",
            kind="message.queued",
            subject_type="message",
            subject_id=message.id,
            data={
                "conversation_id": conversation.id,
                "visibility": message.visibility,
                **({"automatic": True} if automatic else {}),
            },
            created_at=clock.now(),
        )
    )


def _reply_account(
    session: Session, conversation: Conversation, channel_account_id: int | None
) -> ChannelAccount:
    account_id = channel_account_id or conversation.channel_account_id
    if account_id is None:
        raise ValidationFailed("this conversation has no channel account to reply from")
    account = session.get(ChannelAccount, account_id)
    if account is None or account.workspace_id != conversation.workspace_id:
        raise NotFound(f"channel account {account_id} not found")
    if account.status == "disabled":
        raise ConflictError(f"the {account.channel} account {account.handle or account.id} is off")
    return account


def _check_capabilities(caps: Capabilities, visibility: Visibility, text: str) -> None:
    if not text.strip():
        raise ValidationFailed("a reply needs some text")
    if visibility is Visibility.PUBLIC and not caps.public_reply:
        raise ValidationFailed("this channel cannot post public replies: send a private message")
    if visibility is Visibility.PRIVATE and not caps.private_message:
        raise ValidationFailed("this channel cannot send private messages")
    if caps.max_length and caps.length_unit == "characters" and len(text) > caps.max_length:
        raise ValidationFailed(
            f"the reply is {len(text)} characters; this channel allows {caps.max_length}"
        )


def _reply_target(
    session: Session,
    conversation: Conversation,
    visibility: Visibility,
    window: PrivateWindow | None = None,
) -> ReplyTarget:
    """Answer the newest inbound message of the same visibility (a private reply to a public
    thread goes to the customer directly: "take it offline"), at its reply address when it
    named one (an e-mail's Reply-To), else to its author.

    Where private messages depend on a window (``window``): within it, the message goes to the
    author of the customer's newest private message (their Messenger id, which is not their
    commenter id); with only a fresh public comment, it is the comment's one private reply."""
    if window is not None and window.reach is PrivateReach.COMMENT and window.via is not None:
        comment = window.via.external_id
        return ReplyTarget(comment, None, None, MessageKind.DM, comment_id=comment)
    latest = latest_inbound(session, conversation.id, visibility)
    fallback = latest or latest_inbound(session, conversation.id, None)
    if window is not None and window.reach is PrivateReach.MESSAGE and window.via is not None:
        fallback = window.via
    if fallback is None:
        return ReplyTarget(None, None, None, _kind(visibility, None))
    recipient = reply_address(session, fallback) or _author_external_id(session, fallback)
    if latest is None:  # private reply to a public thread: a new private conversation
        return ReplyTarget(None, None, recipient, _kind(visibility, None))
    return ReplyTarget(latest.external_id, latest.thread_ref, recipient, _kind(visibility, latest))


def latest_inbound(
    session: Session, conversation_id: int, visibility: Visibility | None
) -> Message | None:
    """The conversation's newest customer message (of that visibility, or any)."""
    stmt = select(Message).where(
        Message.conversation_id == conversation_id,
        Message.direction == Direction.INBOUND.value,
    )
    if visibility is not None:
        stmt = stmt.where(Message.visibility == visibility.value)
    return session.scalars(stmt.order_by(Message.created_at.desc(), Message.id.desc())).first()


def _author_external_id(session: Session, message: Message) -> str | None:
    if message.author_identity_id is None:
        return None
    identity = session.get(ContactIdentity, message.author_identity_id)
    return identity.external_id if identity else None


def _kind(visibility: Visibility, answered: Message | None) -> MessageKind:
    if answered is not None and answered.kind == MessageKind.EMAIL.value:
        return MessageKind.EMAIL
    return MessageKind.REPLY if visibility is Visibility.PUBLIC else MessageKind.DM


def _subject(conversation: Conversation) -> str | None:
    if not conversation.subject:
        return None
    return (
        conversation.subject
        if conversation.subject.lower().startswith("re:")
        else (f"Re: {conversation.subject}")
    )


def _store_message(
    session: Session,
    conversation: Conversation,
    account: ChannelAccount,
    agent: Agent | None,
    text: str,
    visibility: Visibility,
    target: ReplyTarget,
    clock: Clock,
) -> Message:
    now = clock.now()
    message = Message(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        channel=account.channel,
        channel_account_id=account.id,
        external_id=f"{PENDING_PREFIX}{uuid.uuid4().hex}",
        in_reply_to_external_id=target.in_reply_to,
        thread_ref=target.thread_ref,
        kind=target.kind.value,
        direction=Direction.OUTBOUND.value,
        visibility=visibility.value,
        agent_id=agent.id if agent else None,
        text=text,
        unsolicited=False,
        created_at=now,
        ingested_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _queue_delivery(
    session: Session,
    message: Message,
    account: ChannelAccount,
    target: ReplyTarget,
    subject: str | None,
    clock: Clock,
) -> OutboxItem:
    now = clock.now()
    references = [r for r in (target.thread_ref, target.in_reply_to) if r]
    item = OutboxItem(
        workspace_id=message.workspace_id,
        message_id=message.id,
        channel_account_id=account.id,
        state="queued",
        attempts=0,
        next_attempt_at=now,
        idempotency_key=message.external_id.removeprefix(PENDING_PREFIX),
        request={
            "recipient": target.recipient,
            "subject": subject,
            "references": list(dict.fromkeys(references)),
            **({"comment_id": target.comment_id} if target.comment_id else {}),
        },
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


# -- echoes ----------------------------------------------------------------------------------


def recognise_echoes(
    session: Session, workspace_id: int, events: Sequence[InboundEvent], *, clock: Clock
) -> list[InboundEvent]:
    """Drop the events that are our own replies coming back from the platform, recording
    their platform id on our message when the worker has not done so yet. Returns the rest."""
    outbound = [e for e in events if e.direction is Direction.OUTBOUND]
    if not outbound:
        return list(events)
    waiting = _unconfirmed_replies(session, workspace_id, {e.channel for e in outbound})
    echoes: set[int] = set()
    for event in outbound:
        match = _match_echo(event, waiting)
        if match is not None:
            record_echo(session, match[0], external_id=event.external_id, now=clock.now())
            waiting.remove(match)
            echoes.add(id(event))
    return [e for e in events if id(e) not in echoes]


def _unconfirmed_replies(
    session: Session, workspace_id: int, channels: set[str]
) -> list[tuple[int, str, str, str | None]]:
    """(outbox id, channel, normalised text, in-reply-to) of replies not yet confirmed sent."""
    rows = session.execute(
        select(OutboxItem.id, Message.channel, Message.text, Message.in_reply_to_external_id)
        .join(Message, Message.id == OutboxItem.message_id)
        .where(
            OutboxItem.workspace_id == workspace_id,
            OutboxItem.state.in_(("queued", "sending", "failed")),
            Message.channel.in_(channels),
        )
    ).all()
    return [(oid, channel, _norm(text), reply_to) for oid, channel, text, reply_to in rows]


def _match_echo(
    event: InboundEvent, waiting: list[tuple[int, str, str, str | None]]
) -> tuple[int, str, str, str | None] | None:
    text = _norm(event.text)
    for candidate in waiting:
        _, channel, their_text, reply_to = candidate
        if channel != event.channel or their_text != text:
            continue
        if reply_to and event.in_reply_to and reply_to != event.in_reply_to:
            continue
        return candidate
    return None


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
