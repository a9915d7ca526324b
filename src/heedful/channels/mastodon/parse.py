"""Mastodon API entities to normalized events: pure functions, no network.

Understood: notifications (v1 lists and single objects, v2 grouped notifications),
conversations (direct messages), statuses (single, timelines, search results). Status content
is HTML: it is reduced to plain text (see :mod:`heedful.channels.support.html_text`); the
content warning, when there is one, becomes the subject.

Ids are the connected server's ids (what its API needs to reply); the status's global
ActivityPub ``uri`` is kept in ``extra``. Handles are always ``@user@domain``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from heedful.channels.base import Ignored, ParseResult
from heedful.channels.parsing import Collector, Parsed, ignored
from heedful.channels.support.html_text import html_to_text
from heedful.channels.support.jsonvalues import (
    as_dict,
    dicts,
    document_items,
    opt_int,
    opt_str,
)
from heedful.channels.support.times import from_iso
from heedful.domain import Attachment, Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected

SLUG = "mastodon"
NOTIFICATION_REASONS = {
    "favourite": "a favourite, not a message",
    "reblog": "a boost, not a message",
    "follow": "a follow, not a message",
    "follow_request": "a follow request, not a message",
    "poll": "a finished poll, not a message",
    "update": "an edit of a status the account interacted with",
    "status": "a post by an account the brand follows with notifications on",
    "quote": "a quote notification (the quoting post arrives as a mention when it names the brand)",
    "severed_relationships": "a moderation notice, not a message",
    "moderation_warning": "a moderation notice, not a message",
}
_MEDIA_TYPES = {"image": "image/*", "gifv": "video/*", "video": "video/*", "audio": "audio/*"}


def parse_document(data: Any, brand_id: str | None = None) -> ParseResult:
    """Any decoded Mastodon API body to events; an unknown shape is refused with the reason."""
    if isinstance(data, list):
        return _parse_list(document_items(data, "Mastodon"), brand_id)
    if not isinstance(data, dict):
        raise InputRejected("not a Mastodon payload: expected a JSON object or array")
    if "error" in data:
        raise InputRejected(f"a Mastodon API error response: {data['error']}")
    return _parse_object(data, brand_id)


def _parse_object(data: dict[str, Any], brand_id: str | None) -> ParseResult:
    if "notification_groups" in data:
        return parse_grouped(data, brand_id)
    if "statuses" in data and "hashtags" in data:  # /api/v2/search
        return _parse_list(dicts(data["statuses"]), brand_id)
    kind = _shape(data)
    if kind is None:
        return _non_message(data)
    out = Collector()
    out.add(_item(kind, data, brand_id))
    return out.result()


def _non_message(data: dict[str, Any]) -> ParseResult:
    if not data:
        return ignored("an empty object (an acknowledgement)")
    if "acct" in data:
        return ignored("an account, not a message", opt_str(data, "id"))
    if set(data) == {"count"}:
        return ignored("an unread count, not a message")
    if "text" in data and "spoiler_text" in data:
        return ignored("the plain source of a status, kept for editing", opt_str(data, "id"))
    keys = ", ".join(sorted(data)[:8])
    raise InputRejected(f"not a recognised Mastodon payload (keys: {keys})")


def _parse_list(items: list[dict[str, Any]], brand_id: str | None) -> ParseResult:
    out = Collector()
    for item in items:
        kind = _shape(item)
        if kind is None and "content" in item and "id" not in item:
            out.skip("an earlier version of an edited status (edit history)")
        elif kind is None:
            out.skip("not a status, notification or conversation", opt_str(item, "id"))
        else:
            out.add(_item(kind, item, brand_id))
    return out.result()


def _shape(item: dict[str, Any]) -> str | None:
    if "type" in item and "account" in item and ("group_key" in item or "status" in item):
        return "notification"
    if "accounts" in item and "last_status" in item:
        return "conversation"
    if "content" in item and "account" in item and "id" in item and "visibility" in item:
        return "status"
    return None


def _item(kind: str, item: dict[str, Any], brand_id: str | None) -> Parsed:
    if kind == "notification":
        return notification(item, brand_id)
    if kind == "conversation":
        return conversation(item, brand_id)
    return status_event(item, brand_id)


def notification(item: dict[str, Any], brand_id: str | None) -> Parsed:
    ref = opt_str(item, "id")
    note_type = str(item.get("type"))
    if note_type != "mention":
        return Ignored(NOTIFICATION_REASONS.get(note_type, f"a {note_type} notification"), ref)
    status = as_dict(item.get("status"))
    if not status:
        return Ignored("a mention whose status is gone (deleted or no longer visible)", ref)
    return status_event(status, brand_id)


def conversation(item: dict[str, Any], brand_id: str | None) -> Parsed:
    status = as_dict(item.get("last_status"))
    if not status:
        return Ignored("a conversation without a last status", opt_str(item, "id"))
    event = status_event(status, brand_id, thread_ref=opt_str(item, "id"))
    return event


def parse_grouped(data: dict[str, Any], brand_id: str | None) -> ParseResult:
    """``GET /api/v2/notifications``: groups refer to statuses and accounts listed beside."""
    statuses = {s.get("id"): s for s in dicts(data.get("statuses"))}
    out = Collector()
    for group in dicts(data.get("notification_groups")):
        key, note_type = opt_str(group, "group_key"), str(group.get("type"))
        if note_type != "mention":
            count = opt_int(group, "notifications_count") or 1
            reason = NOTIFICATION_REASONS.get(note_type, f"a {note_type} notification")
            out.skip(f"{reason} (a group of {count})", key)
        elif group.get("status_id") in statuses:
            out.add(status_event(statuses[group["status_id"]], brand_id))
        else:
            out.skip("a mention whose status is not in the response", key)
    return out.result()


def status_event(
    status: dict[str, Any], brand_id: str | None, thread_ref: str | None = None
) -> Parsed:
    status_id = opt_str(status, "id")
    if status_id is None:
        return Ignored("a status without an id")
    if status.get("reblog"):
        return Ignored("a boost (reblog) carries no new text", status_id)
    account = as_dict(status.get("account"))
    author = account_author(account)
    if author is None:
        return Ignored("a status without its account", status_id)
    created = opt_str(status, "created_at")
    if created is None:
        return Ignored("a status without created_at", status_id)
    private = status.get("visibility") == "direct"
    reply_to = opt_str(status, "in_reply_to_id")
    return InboundEvent(
        channel=SLUG,
        external_id=status_id,
        author=author,
        text=html_to_text(str(status.get("content") or "")),
        created_at=from_iso(created),
        kind=MessageKind.DM if private else (MessageKind.REPLY if reply_to else MessageKind.POST),
        direction=Direction.OUTBOUND
        if brand_id and author.external_id == brand_id
        else Direction.INBOUND,
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        in_reply_to=reply_to,
        thread_ref=thread_ref,
        subject=opt_str(status, "spoiler_text"),
        url=opt_str(status, "url") or opt_str(status, "uri"),
        language=opt_str(status, "language"),
        attachments=_attachments(status),
        extra=_extra(status),
    )


def account_author(account: dict[str, Any]) -> Author | None:
    account_id, acct = opt_str(account, "id"), opt_str(account, "acct")
    if account_id is None or acct is None:
        return None
    if "@" not in acct:
        domain = urlsplit(opt_str(account, "url") or "").netloc
        acct = f"{acct}@{domain}" if domain else acct
    return Author(
        external_id=account_id,
        handle=f"@{acct}",
        display_name=opt_str(account, "display_name"),
        followers=opt_int(account, "followers_count"),
    )


def _attachments(status: dict[str, Any]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            filename=None,
            content_type=_MEDIA_TYPES.get(str(m.get("type"))),
            url=opt_str(m, "url") or opt_str(m, "remote_url"),
        )
        for m in dicts(status.get("media_attachments"))
    )


def _extra(status: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {"visibility": status.get("visibility")}
    for key in ("uri", "edited_at", "in_reply_to_account_id"):
        if status.get(key):
            extra[key] = status[key]
    return extra
