"""Messenger-platform messaging events, shared by Facebook Messenger and Instagram Direct.

An entry's ``messaging[]`` (or ``standby[]`` under the handover protocol) holds one event per
item: a message (the customer's, or an echo of the brand's own), a postback, or a receipt.
Messages and postbacks become private ``dm`` events; receipts and reactions are ignored with
their reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from heedful.channels.base import Ignored
from heedful.channels.meta.webhook import as_id
from heedful.channels.support.times import parse_time
from heedful.domain import Attachment, Author, Direction, InboundEvent, MessageKind, Visibility

ATTACHMENT_TYPES = {
    "image": "image/*",
    "video": "video/*",
    "audio": "audio/*",
    "file": "application/octet-stream",
    "fallback": "text/uri-list",
    "template": "application/json",
}

RECEIPTS = {
    "delivery": "delivery receipt: no new message",
    "read": "read receipt: no new message",
    "seen": "seen receipt: no new message",
    "reaction": "reaction to a message: not a message",
    "optin": "opt-in event: no customer text",
    "referral": "referral event (ad or link click): no customer text",
    "account_linking": "account-linking event: no customer text",
    "policy-enforcement": "policy-enforcement notice from Meta: not a customer message",
    "message_edit": "message edit: Heedful keeps the text first received",
}


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who is who in one messaging item: the brand's account and the customer."""

    channel: str
    account_id: str
    customer_id: str
    created_at: datetime
    standby: bool

    @property
    def thread_ref(self) -> str:
        return f"{self.account_id}:{self.customer_id}"


def messaging_items(entry: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Each messaging item of an entry, with True when it came on the standby channel."""
    for key, standby in (("messaging", False), ("standby", True)):
        for item in entry.get(key) or ():
            if isinstance(item, dict):
                yield item, standby


def parse_messaging(
    channel: str, entry: Mapping[str, Any], item: Mapping[str, Any], standby: bool
) -> InboundEvent | Ignored:
    envelope = _envelope(channel, entry, item, standby)
    if isinstance(envelope, Ignored):
        return envelope
    message = item.get("message")
    if isinstance(message, dict):
        return _message_event(envelope, message)
    postback = item.get("postback")
    if isinstance(postback, dict):
        return _postback_event(envelope, item, postback)
    for key, reason in RECEIPTS.items():
        if key in item:
            return Ignored(reason, ref=_receipt_ref(item.get(key)))
    known = ", ".join(sorted(k for k in item if k not in {"sender", "recipient", "timestamp"}))
    return Ignored(f"messaging event of an unhandled type ({known or 'empty'})")


def _envelope(
    channel: str, entry: Mapping[str, Any], item: Mapping[str, Any], standby: bool
) -> Envelope | Ignored:
    sender = as_id((item.get("sender") or {}).get("id"))
    recipient = as_id((item.get("recipient") or {}).get("id"))
    account = as_id(entry.get("id")) or recipient
    is_echo = bool((item.get("message") or {}).get("is_echo"))
    # Meta's echoes come from the brand to the customer; the recorded samples sometimes keep
    # the customer as sender, so whichever party is not the brand's account is the customer.
    parties = (recipient, sender) if is_echo else (sender, recipient)
    customer = next((p for p in parties if p and p != account), None)
    when = parse_time(item.get("timestamp")) or parse_time(entry.get("time"))
    if not (account and customer and when):
        return Ignored("messaging event without sender, recipient or time")
    return Envelope(channel, account, customer, when, standby)


def _message_event(env: Envelope, message: Mapping[str, Any]) -> InboundEvent | Ignored:
    mid = as_id(message.get("mid"))
    if not mid:
        return Ignored("message without a mid")
    if message.get("is_deleted"):
        return Ignored("message unsent by its author", ref=mid)
    if message.get("is_unsupported"):
        return Ignored("message type Meta does not deliver to apps", ref=mid)
    outbound = bool(message.get("is_echo"))
    reply_to = message.get("reply_to") or {}
    return InboundEvent(
        channel=env.channel,
        external_id=mid,
        author=Author(external_id=env.account_id if outbound else env.customer_id),
        text=str(message.get("text") or ""),
        created_at=env.created_at,
        kind=MessageKind.DM,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        visibility=Visibility.PRIVATE,
        in_reply_to=as_id(reply_to.get("mid")),
        thread_ref=env.thread_ref,
        account_ref=env.account_id,
        attachments=tuple(_attachments(message.get("attachments"))),
        extra=_message_extra(env, message),
    )


def _message_extra(env: Envelope, message: Mapping[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {"customer_id": env.customer_id}
    if env.standby:
        extra["standby"] = True
    if message.get("is_echo"):
        extra["echo_app_id"] = as_id(message.get("app_id"))
    quick = message.get("quick_reply")
    if isinstance(quick, dict):
        extra["quick_reply"] = quick.get("payload")
    story = (message.get("reply_to") or {}).get("story")
    if isinstance(story, dict):
        extra["reply_to_story"] = {"id": as_id(story.get("id")), "url": story.get("url")}
    return extra


def _postback_event(
    env: Envelope, item: Mapping[str, Any], postback: Mapping[str, Any]
) -> InboundEvent:
    payload = postback.get("payload")
    title = postback.get("title")
    mid = as_id(postback.get("mid")) or f"postback:{env.thread_ref}:{item.get('timestamp')}"
    return InboundEvent(
        channel=env.channel,
        external_id=mid,
        author=Author(external_id=env.customer_id),
        text=str(title or payload or ""),
        created_at=env.created_at,
        kind=MessageKind.DM,
        visibility=Visibility.PRIVATE,
        thread_ref=env.thread_ref,
        account_ref=env.account_id,
        extra={"customer_id": env.customer_id, "postback": payload},
    )


def _attachments(raw: object) -> Iterator[Attachment]:
    if not isinstance(raw, list):
        return
    for item in raw:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type") or "")
        payload = item.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        yield Attachment(
            filename=item.get("title") or None,
            content_type=ATTACHMENT_TYPES.get(kind, kind or None),
            url=url or item.get("url"),
        )


def _receipt_ref(value: object) -> str | None:
    if isinstance(value, dict):
        mid = value.get("mid") or (value.get("mids") or [None])[0]
        return as_id(mid) or (f"watermark:{value['watermark']}" if "watermark" in value else None)
    return None
