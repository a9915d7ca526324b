"""When a private message can still reach the customer, and how.

Some platforms only let a brand message a person privately for a while after that person
wrote privately (Messenger and Instagram Direct: 24 hours, the channel's
``capabilities.reply_window``). Some also let the brand answer a public comment with one
private message, addressed by the comment (Meta's *private replies*:
``capabilities.comment_private_reply``, within ``comment_private_reply_window``).

:func:`private_window` works out which applies to a conversation now; the composer shows it,
:func:`heedful.services.replies.send_reply` refuses with :class:`ReplyWindowClosed` when it is
closed, and the delivery worker passes :func:`last_private_inbound_at` to the adapter so a
reply held back (rate limit, paused account) is not sent after its window closed. Only the
capabilities are asked, never the channel's name.

The window is the customer's: their newest inbound private message **on that channel
account**, in any conversation (a public comment thread and the customer's Messenger thread
are two conversations of one contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from heedful.channels.base import Capabilities
from heedful.clock import as_utc
from heedful.domain import Direction, MessageKind, Visibility
from heedful.errors import ReplyWindowClosed
from heedful.store.tables import (
    ChannelAccount,
    ContactIdentity,
    Conversation,
    Message,
    OutboxItem,
)

# Meta's HUMAN_AGENT message tag would stretch the window to 7 days for a person answering
# (not for automation), but only for apps Meta granted the Human Agent permission in App
# Review. Heedful does not send tagged messages; the agent is told so.
HUMAN_AGENT_NOTE = (
    "Meta's human-agent tag (up to 7 days) is not used by Heedful: it needs Meta's Human Agent "
    "permission for the app"
)
UNSENT = ("failed", "cancelled")  # outbox states of a reply that never reached the platform


class PrivateReach(StrEnum):
    UNLIMITED = "unlimited"  # the channel has no messaging window
    MESSAGE = "message"  # within the customer's messaging window
    COMMENT = "comment"  # one private reply to the customer's public comment
    CLOSED = "closed"  # no private message can reach them now


@dataclass(frozen=True, slots=True)
class PrivateWindow:
    reach: PrivateReach
    closes_at: datetime | None  # when the current way closes; None: no limit, or closed
    reason: str  # in words for the agent: what is possible, or why not
    # MESSAGE: the customer's newest private message (its author is the recipient);
    # COMMENT: the comment answered privately
    via: Message | None = None
    closed_at: datetime | None = None  # CLOSED: when the messaging window closed, if it opened

    @property
    def open(self) -> bool:
        return self.reach is not PrivateReach.CLOSED


def private_window(
    session: Session,
    conversation: Conversation,
    account_id: int,
    caps: Capabilities,
    now: datetime,
) -> PrivateWindow:
    """How a private message to ``conversation``'s customer would go at ``now``."""
    if caps.reply_window is None:
        return PrivateWindow(PrivateReach.UNLIMITED, None, "private messages are not time-limited")
    last = customer_last_private_inbound(session, conversation, account_id)
    if last is not None and as_utc(last.created_at) + caps.reply_window > now:
        closes = as_utc(last.created_at) + caps.reply_window
        return PrivateWindow(
            PrivateReach.MESSAGE,
            closes,
            f"the customer wrote privately at {_stamp(last.created_at)}: the platform allows "
            f"private messages for {_span(caps.reply_window)} after that",
            via=last,
        )
    comment, why_not = _comment_to_answer(session, conversation, caps, now)
    if comment is not None and caps.comment_private_reply_window is not None:
        closes = as_utc(comment.created_at) + caps.comment_private_reply_window
        return PrivateWindow(
            PrivateReach.COMMENT,
            closes,
            "one private reply to the customer's comment is possible (the platform allows one "
            f"per comment, within {_span(caps.comment_private_reply_window)} of it); "
            "after that, only once the customer writes back",
            via=comment,
        )
    public = _has_public_inbound(session, conversation)
    return _closed(caps.reply_window, last.created_at if last else None, why_not, public=public)


def require_private_window(window: PrivateWindow) -> PrivateWindow:
    """``window`` when open; otherwise :class:`ReplyWindowClosed` with its reason."""
    if not window.open:
        raise ReplyWindowClosed(window.reason, closed_at=window.closed_at)
    return window


def customer_last_private_inbound(
    session: Session, conversation: Conversation, account_id: int
) -> Message | None:
    """The customer's newest inbound private message on ``account_id``, any conversation."""
    identities = _customer_identities(session, conversation)
    if not identities:
        return None
    return session.scalars(
        select(Message)
        .where(
            Message.workspace_id == conversation.workspace_id,
            Message.author_identity_id.in_(identities),
            Message.channel_account_id == account_id,
            Message.direction == Direction.INBOUND.value,
            Message.visibility == Visibility.PRIVATE.value,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    ).first()


def last_private_inbound_at(
    session: Session, workspace_id: int, channel: str, account_id: int, recipient: str
) -> datetime | None:
    """When ``recipient`` (their platform id) last wrote privately to ``account_id``: what
    the delivery worker hands the adapter (``OutboundMessage.last_inbound_at``)."""
    latest = session.scalar(
        select(Message.created_at)
        .join(ContactIdentity, ContactIdentity.id == Message.author_identity_id)
        .where(
            ContactIdentity.workspace_id == workspace_id,
            ContactIdentity.channel == channel,
            ContactIdentity.external_id == recipient,
            Message.workspace_id == workspace_id,
            Message.channel_account_id == account_id,
            Message.direction == Direction.INBOUND.value,
            Message.visibility == Visibility.PRIVATE.value,
        )
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    return as_utc(latest) if latest is not None else None


def require_delivery_window(
    session: Session,
    item: OutboxItem,
    message: Message,
    account: ChannelAccount,
    caps: Capabilities,
    now: datetime,
) -> None:
    """Refuse to queue a private message again (an operator's retry) once the platform would
    refuse it: its messaging window, or its comment's private-reply window, has closed."""
    if message.visibility != Visibility.PRIVATE.value or caps.reply_window is None:
        return
    comment_id = item.request.get("comment_id")
    if comment_id:
        _require_comment_window(session, message, str(comment_id), caps, now)
        return
    recipient = item.request.get("recipient")
    if not recipient:
        return
    last = last_private_inbound_at(
        session, account.workspace_id, account.channel, account.id, str(recipient)
    )
    if last is not None and last + caps.reply_window <= now:
        raise ReplyWindowClosed(
            _closed(caps.reply_window, last, None, public=False).reason,
            closed_at=last + caps.reply_window,
        )


def _require_comment_window(
    session: Session, message: Message, comment_id: str, caps: Capabilities, now: datetime
) -> None:
    window = caps.comment_private_reply_window
    commented = session.scalar(
        select(Message.created_at).where(
            Message.workspace_id == message.workspace_id,
            Message.channel == message.channel,
            Message.external_id == comment_id,
        )
    )
    if window is None or commented is None or as_utc(commented) + window > now:
        return
    raise ReplyWindowClosed(
        f"the comment is older than {_span(window)}: too old for its private reply. "
        f"{HUMAN_AGENT_NOTE}.",
        closed_at=as_utc(commented) + window,
    )


def _customer_identities(session: Session, conversation: Conversation) -> list[int]:
    """The customer's identities: their contact's, else the authors who wrote in it."""
    stmt: Select[Any]
    if conversation.contact_id is not None:
        stmt = select(ContactIdentity.id).where(
            ContactIdentity.workspace_id == conversation.workspace_id,
            ContactIdentity.contact_id == conversation.contact_id,
        )
    else:
        stmt = (
            select(Message.author_identity_id)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == Direction.INBOUND.value,
                Message.author_identity_id.is_not(None),
            )
            .distinct()
        )
    return [i for i in session.scalars(stmt) if i is not None]


def _comment_to_answer(
    session: Session, conversation: Conversation, caps: Capabilities, now: datetime
) -> tuple[Message | None, str | None]:
    """The customer's newest public comment here, when it can still get its private reply;
    else None and why not (None when the channel has no private replies, or no comment)."""
    if not caps.comment_private_reply or caps.comment_private_reply_window is None:
        return None, None
    comment = session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND.value,
            Message.visibility == Visibility.PUBLIC.value,
            Message.kind == MessageKind.COMMENT.value,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    if comment is None:
        return None, None
    span = _span(caps.comment_private_reply_window)
    if as_utc(comment.created_at) + caps.comment_private_reply_window <= now:
        return None, f"the customer's comment is older than {span}: too old for a private reply"
    if _answered_privately(session, comment):
        return None, (
            "the customer's comment already has its private reply (the platform allows one "
            "per comment): wait for the customer to write back"
        )
    return comment, None


def _answered_privately(session: Session, comment: Message) -> bool:
    found = session.scalar(
        select(Message.id)
        .join(OutboxItem, OutboxItem.message_id == Message.id)
        .where(
            Message.workspace_id == comment.workspace_id,
            Message.channel == comment.channel,
            Message.in_reply_to_external_id == comment.external_id,
            Message.direction == Direction.OUTBOUND.value,
            Message.visibility == Visibility.PRIVATE.value,
            OutboxItem.state.not_in(UNSENT),
        )
        .limit(1)
    )
    return found is not None


def _has_public_inbound(session: Session, conversation: Conversation) -> bool:
    found = session.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND.value,
            Message.visibility == Visibility.PUBLIC.value,
        )
        .limit(1)
    )
    return found is not None


def _closed(
    window: timedelta, last: datetime | None, why_not: str | None, *, public: bool = True
) -> PrivateWindow:
    """``last``: when the customer last wrote privately (None: never); ``public``: the
    conversation has a public message to answer instead."""
    span = _span(window)
    if last is not None:
        closed_at = as_utc(last) + window
        reason = (
            f"the {_span(window, adjective=True)} window for private messages closed at "
            f"{_stamp(closed_at)} (the "
            f"customer's last private message was at {_stamp(last)})"
        )
    else:
        closed_at = None
        reason = (
            "the customer has not written to this account privately, and the platform only "
            f"allows private messages within {span} of the customer's own"
        )
    advice = (
        "reply in public, or wait for the customer to write privately"
        if public
        else "wait for the customer to write again"
    )
    parts = [reason, why_not, advice]
    text = "; ".join(p for p in parts if p) + f". {HUMAN_AGENT_NOTE}."
    return PrivateWindow(PrivateReach.CLOSED, None, text, closed_at=closed_at)


def _stamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%d %b %Y %H:%M UTC")


def _span(window: timedelta, *, adjective: bool = False) -> str:
    """``24 hours`` / ``7 days``; as an adjective ``24-hour`` / ``7-day``."""
    hours = window.total_seconds() / 3600
    amount, unit = (hours / 24, "day") if hours >= 48 and hours % 24 == 0 else (hours, "hour")
    if adjective:
        return f"{amount:g}-{unit}"
    return f"{amount:g} {unit}{'' if amount == 1 else 's'}"
