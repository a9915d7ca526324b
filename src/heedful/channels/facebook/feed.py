"""Page webhook changes (``entry[].changes[]``): ``feed`` (posts, comments, shares and their
edits and moderation), ``mention`` (the Page tagged elsewhere) and ``ratings`` (reviews)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from heedful.channels.base import Ignored
from heedful.channels.meta.hydrate import HYDRATE_KEY
from heedful.channels.meta.webhook import as_id
from heedful.channels.support.payload import sub
from heedful.channels.support.times import parse_time
from heedful.domain import Attachment, Author, Direction, InboundEvent, MessageKind
from heedful.errors import InputRejected

CHANNEL = "facebook"
POST_ITEMS = frozenset({"post", "status", "share", "photo", "video"})
MODERATION_VERBS = {
    "hide": "hidden by the Page: a moderation change, not a new message",
    "unhide": "unhidden by the Page: a moderation change, not a new message",
    "remove": "removed on Facebook: a moderation change, not a new message",
    "delete": "deleted on Facebook: a moderation change, not a new message",
    "block": "author blocked by the Page: not a message",
    "unblock": "author unblocked by the Page: not a message",
}
IGNORED_ITEMS = {
    "reaction": "reaction (like, love…): not a message",
    "like": "like: not a message",
    "event": "Page event change: not a message",
    "album": "album change: not a message",
    "coupon": "coupon change: not a message",
}


def parse_change(entry: Mapping[str, Any], change: Mapping[str, Any]) -> InboundEvent | Ignored:
    field = change.get("field")
    value = change.get("value")
    if not isinstance(value, dict):
        return Ignored(f"'{field}' change without a value")
    if field == "feed":
        return _feed(entry, value)
    if field == "mention":
        return _mention(entry, value)
    if field == "ratings":
        return _rating(entry, value)
    return Ignored(f"Page webhook field '{field}' is not read by Heedful")


def _feed(entry: Mapping[str, Any], value: Mapping[str, Any]) -> InboundEvent | Ignored:
    item, verb = str(value.get("item") or ""), str(value.get("verb") or "")
    ref = as_id(value.get("comment_id")) or as_id(value.get("post_id"))
    if item in IGNORED_ITEMS:
        return Ignored(IGNORED_ITEMS[item], ref=ref)
    if verb in MODERATION_VERBS:
        return Ignored(f"{item} {MODERATION_VERBS[verb]}", ref=ref)
    if verb not in ("add", "edited"):
        return Ignored(f"feed {item} with verb '{verb}' is not read by Heedful", ref=ref)
    if item == "comment":
        return _comment(entry, value)
    if item in POST_ITEMS:
        return _post(entry, value)
    return Ignored(f"feed item '{item}' is not read by Heedful", ref=ref)


def _comment(entry: Mapping[str, Any], value: Mapping[str, Any]) -> InboundEvent | Ignored:
    comment_id, post_id = as_id(value.get("comment_id")), as_id(value.get("post_id"))
    if not comment_id or not post_id:
        return Ignored("comment change without comment_id or post_id")
    return _event(
        entry,
        value,
        external_id=comment_id,
        kind=MessageKind.COMMENT,
        in_reply_to=as_id(value.get("parent_id")) or post_id,
        thread_ref=post_id,
        url=f"{_post_url(post_id)}?comment_id={comment_id}",
        attachments=_media(value),
    )


def _post(entry: Mapping[str, Any], value: Mapping[str, Any]) -> InboundEvent | Ignored:
    post_id = as_id(value.get("post_id"))
    if not post_id:
        return Ignored(f"feed {value.get('item')} without a post_id")
    return _event(
        entry,
        value,
        external_id=post_id,
        kind=MessageKind.POST,
        thread_ref=post_id,
        url=_post_url(post_id),
        attachments=_media(value),
    )


def _mention(entry: Mapping[str, Any], value: Mapping[str, Any]) -> InboundEvent | Ignored:
    """The Page tagged in someone's post or comment. Meta often leaves the author out: the
    event is then marked for :meth:`FacebookAdapter.hydrate`, which reads it back."""
    post_id = as_id(value.get("post_id"))
    comment_id = as_id(value.get("comment_id"))
    if str(value.get("verb")) != "add":
        return Ignored(f"mention with verb '{value.get('verb')}': not a new message", ref=post_id)
    if not post_id:
        return Ignored("mention without a post_id")
    page_id = as_id(entry.get("id"))
    author = _author(value) or Author(external_id="")
    return InboundEvent(
        channel=CHANNEL,
        external_id=comment_id or post_id,
        author=author,
        text=str(value.get("message") or ""),
        created_at=_when(entry, value),
        kind=MessageKind.MENTION,
        in_reply_to=post_id if comment_id else None,
        thread_ref=post_id,
        account_ref=page_id,
        url=_post_url(post_id),
        extra=_extra(value) | ({} if author.external_id else {HYDRATE_KEY: "object"}),
    )


def _rating(entry: Mapping[str, Any], value: Mapping[str, Any]) -> InboundEvent | Ignored:
    story = as_id(value.get("open_graph_story_id"))
    verb = str(value.get("verb") or "")
    if verb not in ("add", "edited"):
        return Ignored(f"rating with verb '{verb}': not a new review", ref=story)
    reviewer = as_id(value.get("reviewer_id"))
    if not story or not reviewer:
        return Ignored("rating without open_graph_story_id or reviewer_id")
    stars = value.get("rating")
    return InboundEvent(
        channel=CHANNEL,
        external_id=story,
        author=Author(external_id=reviewer, display_name=value.get("reviewer_name")),
        text=str(value.get("review_text") or ""),
        created_at=_when(entry, value),
        kind=MessageKind.REVIEW,
        thread_ref=story,
        account_ref=as_id(entry.get("id")),
        url=f"https://www.facebook.com/{story}",
        rating=float(stars) if isinstance(stars, int | float) else None,
        extra=_extra(value, recommendation=value.get("recommendation_type")),
    )


def _event(
    entry: Mapping[str, Any],
    value: Mapping[str, Any],
    *,
    external_id: str,
    kind: MessageKind,
    thread_ref: str,
    url: str,
    in_reply_to: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> InboundEvent | Ignored:
    author = _author(value)
    if author is None:
        return Ignored(f"{value.get('item')} without an author", ref=external_id)
    page_id = as_id(entry.get("id"))
    return InboundEvent(
        channel=CHANNEL,
        external_id=external_id,
        author=author,
        text=str(value.get("message") or ""),
        created_at=_when(entry, value),
        kind=kind,
        direction=Direction.OUTBOUND if author.external_id == page_id else Direction.INBOUND,
        in_reply_to=in_reply_to,
        thread_ref=thread_ref,
        account_ref=page_id,
        url=url,
        attachments=attachments,
        extra=_extra(value, link=value.get("link"), hidden=value.get("is_hidden")),
    )


def _author(value: Mapping[str, Any]) -> Author | None:
    sender = sub(value, "from")
    author_id = as_id(sender.get("id")) or as_id(value.get("sender_id"))
    if not author_id:
        return None
    return Author(
        external_id=author_id, display_name=sender.get("name") or value.get("sender_name")
    )


def _when(entry: Mapping[str, Any], value: Mapping[str, Any]) -> datetime:
    when = parse_time(value.get("created_time")) or parse_time(entry.get("time"))
    if when is None:
        raise InputRejected("Page change without created_time and entry without time")
    return when


def _extra(value: Mapping[str, Any], **more: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"item": value.get("item"), "verb": value.get("verb")}
    if value.get("verb") == "edited":
        extra["edited"] = True  # same external_id as the original: the store may update it
    extra.update({k: v for k, v in more.items() if v is not None})
    return extra


def _media(value: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """Photos and videos that came with a post or comment, as links (never downloaded)."""
    found = [(value.get("photo"), "image/*"), (value.get("video"), "video/*")]
    found += [(url, "image/*") for url in value.get("photos") or ()]
    return tuple(
        Attachment(filename=None, content_type=kind, url=url)
        for url, kind in found
        if isinstance(url, str) and url
    )


def _post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"
