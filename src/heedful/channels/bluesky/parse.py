"""AT Protocol / Bluesky XRPC bodies to normalized events: pure functions, no network.

Understood: ``app.bsky.notification.listNotifications`` (mention, reply and quote become
events; likes, reposts, follows… are ignored with their reason), post views
(``getPosts``, ``searchPosts``, feeds), thread views, ``com.atproto.repo.getRecord`` records,
and chat (``chat.bsky.convo.listConvos``/``getMessages``/``getLog``/``sendMessage``).

A post's external id is its ``at://`` URI; replies point at their parent's URI, and the
thread root's URI is the thread reference. The CIDs needed to reply are kept in ``extra``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from heedful.channels.base import Ignored, ParseResult
from heedful.channels.bluesky.text import expand_links
from heedful.channels.parsing import Collector, Parsed, ignored
from heedful.channels.support.jsonvalues import (
    as_dict,
    as_list,
    clean_text,
    dicts,
    opt_int,
    opt_str,
)
from heedful.channels.support.times import from_iso
from heedful.domain import Attachment, Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected

SLUG = "bluesky"
POST = "app.bsky.feed.post"
MESSAGE_REASONS = {"mention", "reply", "quote"}
NOTIFICATION_REASONS = {
    "like": "a like, not a message",
    "repost": "a repost, not a message",
    "follow": "a follow, not a message",
    "starterpack-joined": "someone joined via a starter pack, not a message",
    "verified": "a verification change, not a message",
    "unverified": "a verification change, not a message",
    "like-via-repost": "a like, not a message",
    "repost-via-repost": "a repost, not a message",
    "subscribed-post": "a post by an account the brand subscribed to",
}


def parse_document(data: Any, brand_did: str | None = None) -> ParseResult:
    if not isinstance(data, dict):
        raise InputRejected("not a Bluesky payload: expected a JSON object")
    if "error" in data and "message" in data:
        raise InputRejected(f"a Bluesky XRPC error: {data['error']}: {data['message']}")
    for key, handler in _COLLECTIONS.items():
        if isinstance(data.get(key), list | dict):
            return handler(data, brand_did)
    return _single(data, brand_did)


def _single(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    if "value" in data and "uri" in data:
        out.add(record_event(data, brand_did))
    elif "sender" in data and "sentAt" in data:
        out.add(chat_message(data, None, {}, brand_did))
    elif "did" in data and "handle" in data:
        return ignored("a profile, not a message", opt_str(data, "did"))
    else:
        keys = ", ".join(sorted(data)[:8])
        raise InputRejected(f"not a recognised Bluesky payload (keys: {keys})")
    return out.result()


# --- notifications and posts ---------------------------------------------------------------


def parse_notifications(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    for item in dicts(data.get("notifications")):
        reason = str(item.get("reason"))
        if reason in MESSAGE_REASONS:
            out.add(post_event(item, as_dict(item.get("record")), brand_did, reason))
        else:
            why = NOTIFICATION_REASONS.get(reason, f"a {reason} notification, not a message")
            out.skip(why, opt_str(item, "uri"))
    return out.result()


def parse_posts(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    for view in dicts(data.get("posts")):
        out.add(post_event(view, as_dict(view.get("record")), brand_did))
    return out.result()


def parse_feed(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    for item in dicts(data.get("feed")):
        view = as_dict(item.get("post"))
        if "reason" in item:
            out.skip("a repost in a feed carries no new text", opt_str(view, "uri"))
        else:
            out.add(post_event(view, as_dict(view.get("record")), brand_did))
    return out.result()


def parse_thread(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    """A thread view: the post, its parents up to the root, and the replies below it."""
    out = Collector()
    _walk_thread(as_dict(data.get("thread")), brand_did, out, direction="both")
    return out.result()


def _walk_thread(
    node: dict[str, Any], brand_did: str | None, out: Collector, direction: str
) -> None:
    kind = str(node.get("$type", ""))
    if "post" not in node:
        out.skip(f"a thread entry that is not visible ({kind or 'unknown'})", opt_str(node, "uri"))
        return
    if direction in ("both", "up") and isinstance(node.get("parent"), dict):
        _walk_thread(node["parent"], brand_did, out, direction="up")
    view = as_dict(node.get("post"))
    out.add(post_event(view, as_dict(view.get("record")), brand_did))
    if direction in ("both", "down"):
        for reply in dicts(node.get("replies")):
            _walk_thread(reply, brand_did, out, direction="down")


def record_event(data: dict[str, Any], brand_did: str | None) -> Parsed:
    """A ``getRecord`` answer ``{uri, cid, value}``: only post records are messages."""
    value = as_dict(data.get("value"))
    record_type = str(value.get("$type", ""))
    if record_type != POST:
        return Ignored(f"a {record_type or 'untyped'} record, not a post", opt_str(data, "uri"))
    return post_event(data, value, brand_did)


def post_event(
    view: dict[str, Any], record: dict[str, Any], brand_did: str | None, reason: str | None = None
) -> Parsed:
    uri = opt_str(view, "uri")
    if uri is None or not uri.startswith("at://"):
        return Ignored("a post without an at:// URI")
    if record.get("$type", POST) != POST:
        return Ignored(f"a {record.get('$type')} record, not a post", uri)
    author = _author(as_dict(view.get("author")), uri)
    created = _created(record, view)
    if created is None:
        return Ignored("a post without a readable createdAt", uri)
    reply = as_dict(record.get("reply"))
    parent, root = as_dict(reply.get("parent")), as_dict(reply.get("root"))
    return InboundEvent(
        channel=SLUG,
        external_id=uri,
        author=author,
        text=clean_text(expand_links(str(record.get("text", "")), dicts(record.get("facets")))),
        created_at=created,
        kind=MessageKind.REPLY if parent else MessageKind.POST,
        direction=_direction(author.external_id, brand_did),
        in_reply_to=opt_str(parent, "uri"),
        thread_ref=opt_str(root, "uri"),
        references=_quoted(record),
        url=post_url(author.handle, uri),
        language=next((x for x in as_list(record.get("langs")) if isinstance(x, str)), None),
        attachments=_images(record, view),
        extra=_post_extra(view, parent, root, reason),
    )


def _author(author: dict[str, Any], uri: str) -> Author:
    did = opt_str(author, "did") or uri.removeprefix("at://").split("/", 1)[0]
    handle = opt_str(author, "handle")
    return Author(
        external_id=did,
        handle=f"@{handle}" if handle else None,
        display_name=opt_str(author, "displayName"),
        followers=opt_int(author, "followersCount"),
    )


def _created(record: dict[str, Any], view: dict[str, Any]) -> datetime | None:
    """The record's createdAt; the AT Protocol requires an offset, and a record without one
    (seen in the wild) is read as UTC. Falls back to the AppView's indexedAt."""
    for value in (record.get("createdAt"), view.get("indexedAt")):
        if isinstance(value, str) and value:
            try:
                return from_iso(value)
            except InputRejected:
                continue
    return None


def _quoted(record: dict[str, Any]) -> tuple[str, ...]:
    embed = as_dict(record.get("embed"))
    inner = as_dict(embed.get("record"))
    uri = opt_str(inner, "uri") or opt_str(as_dict(inner.get("record")), "uri")
    return (uri,) if uri else ()


def _images(record: dict[str, Any], view: dict[str, Any]) -> tuple[Attachment, ...]:
    embed = as_dict(record.get("embed"))
    media = as_dict(embed.get("media")) if "media" in embed else embed
    shown = as_dict(view.get("embed"))
    shown = as_dict(shown.get("media")) if "media" in shown else shown
    urls = [opt_str(i, "fullsize") for i in dicts(shown.get("images"))]
    images = dicts(media.get("images"))
    return tuple(
        Attachment(
            filename=None,
            content_type=opt_str(as_dict(img.get("image")), "mimeType"),
            size=opt_int(as_dict(img.get("image")), "size"),
            url=urls[n] if n < len(urls) else None,
        )
        for n, img in enumerate(images)
    )


def _post_extra(
    view: dict[str, Any], parent: dict[str, Any], root: dict[str, Any], reason: str | None
) -> dict[str, Any]:
    extra: dict[str, Any] = {"cid": view.get("cid")}
    if parent:
        extra["parent_cid"] = parent.get("cid")
        extra["root_cid"] = root.get("cid")
    if reason:
        extra["reason"] = reason
    return extra


def post_url(handle: str | None, uri: str) -> str:
    did, _, rkey = uri.removeprefix("at://").partition(f"/{POST}/")
    return f"https://bsky.app/profile/{(handle or '').lstrip('@') or did}/post/{rkey}"


def _direction(author: str, brand_did: str | None) -> Direction:
    return Direction.OUTBOUND if brand_did and author == brand_did else Direction.INBOUND


# --- chat ----------------------------------------------------------------------------------


def parse_convos(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    for convo in dicts(data.get("convos")):
        members = {m.get("did"): m for m in dicts(convo.get("members"))}
        last = as_dict(convo.get("lastMessage"))
        if not last:
            out.skip("a conversation without messages", opt_str(convo, "id"))
        else:
            out.add(chat_message(last, opt_str(convo, "id"), members, brand_did))
    return out.result()


def parse_messages(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    for message in dicts(data.get("messages")):
        out.add(chat_message(message, None, {}, brand_did))
    return out.result()


def parse_log(data: dict[str, Any], brand_did: str | None) -> ParseResult:
    out = Collector()
    for entry in dicts(data.get("logs")):
        entry_type = str(entry.get("$type", ""))
        if entry_type.endswith("#logCreateMessage"):
            message = as_dict(entry.get("message"))
            out.add(chat_message(message, opt_str(entry, "convoId"), {}, brand_did))
        else:
            out.skip(
                f"a chat log entry {entry_type.rpartition('#')[2] or entry_type}, not a message"
            )
    return out.result()


def chat_message(
    message: dict[str, Any],
    convo_id: str | None,
    members: dict[Any, dict[str, Any]],
    brand_did: str | None,
) -> Parsed:
    message_id = opt_str(message, "id")
    if str(message.get("$type", "")).endswith("#deletedMessageView"):
        return Ignored("a deleted chat message", message_id)
    sender = opt_str(as_dict(message.get("sender")), "did")
    sent = opt_str(message, "sentAt")
    if message_id is None or sender is None or sent is None:
        return Ignored("a chat message without id, sender or time", message_id)
    return InboundEvent(
        channel=SLUG,
        external_id=message_id,
        author=_author({**members.get(sender, {}), "did": sender}, ""),
        text=clean_text(str(message.get("text", ""))),
        created_at=from_iso(sent),
        kind=MessageKind.DM,
        direction=_direction(sender, brand_did),
        visibility=Visibility.PRIVATE,
        thread_ref=convo_id,
        extra={"rev": message["rev"]} if isinstance(message.get("rev"), str) else {},
    )


_COLLECTIONS = {
    "notifications": parse_notifications,
    "posts": parse_posts,
    "feed": parse_feed,
    "thread": parse_thread,
    "convos": parse_convos,
    "messages": parse_messages,
    "logs": parse_log,
}
