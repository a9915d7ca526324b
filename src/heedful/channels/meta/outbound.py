"""Sending through Meta: public replies under comments and posts, private messages through
the Send API, and the 24-hour messaging window that governs the latter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from heedful.channels.base import DeliveryResult, OutboundMessage
from heedful.channels.meta.graph import GraphClient
from heedful.errors import PermanentFailure


def check_length(text: str, limit: int, what: str) -> None:
    if len(text) > limit:
        raise PermanentFailure(f"{what} allows {limit} characters; this reply has {len(text)}")


def check_reply_window(message: OutboundMessage, now: datetime, window: timedelta) -> None:
    """Refuse a private message once the customer's last message is older than ``window``.

    The core passes the time of the customer's latest private message to the account in
    ``message.last_inbound_at``; without it the platform itself is the judge. A private reply
    to a comment (``reply_to_comment``) has its own limit, judged by the platform."""
    last = message.last_inbound_at
    if last is None or message.reply_to_comment:
        return
    closed_at = last + window
    if now > closed_at:
        hours = window.total_seconds() / 3600
        raise PermanentFailure(
            f"the {hours:g}-hour messaging window closed at {closed_at.isoformat()} "
            "(the customer's last message was longer ago): reply in public, or wait for the "
            "customer to write again"
        )


def send_private(
    graph: GraphClient, message: OutboundMessage, account_id: str, limit: int, what: str
) -> DeliveryResult:
    """A Send API message to the customer (``recipient``), or the one private reply Meta
    allows to a public comment (``reply_to_comment``: ``recipient.comment_id``, no id of the
    person needed; within 7 days of the comment)."""
    check_length(message.text, limit, what)
    target: dict[str, Any]
    if message.reply_to_comment:
        target = {"recipient": {"comment_id": message.reply_to_comment}}
    elif message.recipient:
        target = {"recipient": {"id": message.recipient}, "messaging_type": "RESPONSE"}
    else:
        raise PermanentFailure("a private message needs a recipient or a comment to answer")
    body = graph.post(
        f"{account_id or 'me'}/messages", {**target, "message": {"text": message.text}}
    )
    return result_from(body, message, "message_id", "id")


def result_from(body: dict[str, Any], message: OutboundMessage, *keys: str) -> DeliveryResult:
    """The platform's id of what was sent. Accepted without an id is still sent: it must not
    be retried (that would post twice), so it gets a stand-in id naming the outbox row."""
    for key in keys or ("id",):
        if body.get(key):
            return DeliveryResult(external_id=str(body[key]))
    return DeliveryResult(external_id=f"unconfirmed:outbox:{message.outbox_id}")
