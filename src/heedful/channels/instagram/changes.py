"""Instagram webhook changes: ``comments`` / ``live_comments`` on the account's media, and
``mentions`` (the account @mentioned in someone else's caption or comment)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from heedful.channels.base import Ignored
from heedful.channels.meta.hydrate import HYDRATE_KEY
from heedful.channels.meta.webhook import as_id
from heedful.channels.support.payload import sub
from heedful.channels.support.times import parse_time
from heedful.domain import Author, Direction, InboundEvent, MessageKind
from heedful.errors import InputRejected

CHANNEL = "instagram"
IGNORED_FIELDS = {
    "story_insights": "story insights: metrics, not a message",
    "message_reactions": "reaction to a message: not a message",
    "messaging_seen": "seen receipt: no new message",
}


def parse_change(entry: Mapping[str, Any], change: Mapping[str, Any]) -> InboundEvent | Ignored:
    field = str(change.get("field") or "")
    value = change.get("value")
    if field in IGNORED_FIELDS:
        return Ignored(IGNORED_FIELDS[field])
    if not isinstance(value, dict):
        return Ignored(f"'{field}' change without a value")
    if field in ("comments", "live_comments"):
        return _comment(entry, value, live=field == "live_comments")
    if field == "mentions":
        return _mention(entry, value)
    return Ignored(f"Instagram webhook field '{field}' is not read by Heedful")


def _comment(
    entry: Mapping[str, Any], value: Mapping[str, Any], *, live: bool
) -> InboundEvent | Ignored:
    comment_id = as_id(value.get("id"))
    media = sub(value, "media")
    media_id = as_id(media.get("id"))
    sender = sub(value, "from")
    author_id = as_id(sender.get("id"))
    if not (comment_id and media_id and author_id):
        return Ignored("comment without id, media id or author")
    account = as_id(entry.get("id"))
    return InboundEvent(
        channel=CHANNEL,
        external_id=comment_id,
        author=Author(external_id=author_id, handle=sender.get("username")),
        text=str(value.get("text") or ""),
        created_at=_when(entry, value),
        kind=MessageKind.COMMENT,
        direction=Direction.OUTBOUND if author_id == account else Direction.INBOUND,
        in_reply_to=as_id(value.get("parent_id")) or media_id,
        thread_ref=media_id,
        account_ref=account,
        extra={"media_product_type": media.get("media_product_type"), "live": live},
    )


def _mention(entry: Mapping[str, Any], value: Mapping[str, Any]) -> InboundEvent | Ignored:
    """Meta sends only ids: the event says so in ``extra["hydrate"]`` and
    :meth:`InstagramAdapter.hydrate` fetches the text and author from the Graph API."""
    comment_id, media_id = as_id(value.get("comment_id")), as_id(value.get("media_id"))
    if not media_id:
        return Ignored("mention without a media_id")
    return InboundEvent(
        channel=CHANNEL,
        external_id=comment_id or media_id,
        author=Author(external_id=""),
        text="",
        created_at=_when(entry, value),
        kind=MessageKind.MENTION,
        in_reply_to=media_id if comment_id else None,
        thread_ref=media_id,
        account_ref=as_id(entry.get("id")),
        extra={
            HYDRATE_KEY: "mentioned_comment" if comment_id else "mentioned_media",
            "media_id": media_id,
            "comment_id": comment_id,
        },
    )


def _when(entry: Mapping[str, Any], value: Mapping[str, Any]) -> datetime:
    when = parse_time(value.get("timestamp")) or parse_time(entry.get("time"))
    if when is None:
        raise InputRejected("Instagram change without timestamp and entry without time")
    return when
