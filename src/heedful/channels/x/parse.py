"""X payloads to normalized events: pure functions, no network.

Three shapes carry the same logical objects:

- API v2 responses (``data``/``includes``/``meta``): tweets and DM events, authors expanded in
  ``includes.users`` with ``public_metrics.followers_count``;
- API v1.1 objects: ``statuses/mentions_timeline`` lists and Account Activity webhook bodies
  (``for_user_id`` + ``tweet_create_events``/``direct_message_events``/…). Ids are always read
  from ``id_str``: the numeric ``id`` has lost precision in JSON decoders that use doubles;
- X Activity API envelopes (``data.event_type`` + ``data.payload``), v2 webhooks/stream.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from heedful.channels.base import Ignored, ParseResult
from heedful.channels.parsing import Collector, Parsed, ignored
from heedful.channels.support.jsonvalues import (
    as_dict,
    as_list,
    clean_text,
    dicts,
    document_items,
    opt_int,
    opt_str,
)
from heedful.channels.support.times import from_epoch, from_iso
from heedful.domain import Attachment, Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected

SLUG = "x"
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids carry their creation time since this instant
V1_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"

# Account Activity events that are not messages, and why Heedful leaves them alone.
AAA_IGNORED = {
    "direct_message_indicate_typing_events": "a typing indicator, not a message",
    "direct_message_mark_read_events": "a read receipt, not a message",
    "favorite_events": "a like, not a message",
    "follow_events": "a follow/unfollow, not a message",
    "unfollow_events": "an unfollow, not a message",
    "block_events": "a block, not a message",
    "mute_events": "a mute, not a message",
    "user_event": "an app-authorisation change, not a message",
    "tweet_delete_events": "a deletion notice (the stored message is kept)",
}
ACTIVITY_MESSAGE_TYPES = {"post.mention.create", "dm.received", "dm.sent", "post.create"}


def snowflake_time(tweet_id: str) -> datetime:
    """When a snowflake id (tweet, DM event) was minted; exact to the millisecond."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


def parse_document(data: Any, brand_id: str | None = None) -> ParseResult:
    """Any decoded X payload to events; an unknown shape is refused with the reason."""
    if isinstance(data, list):
        return _v1_tweets(document_items(data, "X"), brand_id, account_ref=None)
    if not isinstance(data, dict):
        raise InputRejected("not an X payload: expected a JSON object or array")
    if "for_user_id" in data:
        return parse_account_activity(data)
    if isinstance(data.get("data"), dict) and "event_type" in data["data"]:
        return parse_activity_envelope(data["data"])
    if "data" in data or ("meta" in data and "errors" not in data):
        return parse_v2(data, brand_id)
    if "id_str" in data and "user" in data:
        return _v1_tweets([data], brand_id, account_ref=None)
    if "errors" in data:
        raise InputRejected(f"an X API error response: {_errors_text(data)}")
    raise InputRejected(f"not a recognised X payload (keys: {', '.join(sorted(data)[:8])})")


# --- API v2 ---------------------------------------------------------------------------------


def parse_v2(doc: dict[str, Any], brand_id: str | None = None) -> ParseResult:
    includes = as_dict(doc.get("includes"))
    users = {u["id"]: u for u in dicts(includes.get("users")) if isinstance(u.get("id"), str)}
    media = {m["media_key"]: m for m in dicts(includes.get("media")) if "media_key" in m}
    data = doc.get("data")
    out = Collector()
    if isinstance(data, dict):
        single = _v2_non_message(data)
        if single is not None:
            return single
        data = [data]
    if not dicts(data):
        out.skip("an empty result page")
    for item in dicts(data):
        if "event_type" in item:
            out.add(_v2_dm(item, users, brand_id))
        elif "text" in item and "id" in item:
            out.add(v2_tweet(item, users, media, brand_id))
        else:
            out.skip("not a post or a message", opt_str(item, "id"))
    return out.result()


def _v2_non_message(data: dict[str, Any]) -> ParseResult | None:
    if "dm_event_id" in data:
        return ignored("the confirmation of a DM sent by the account", data["dm_event_id"])
    if "deleted" in data:
        return ignored("the confirmation of a deleted post")
    if "hidden" in data:
        return ignored("the confirmation of hiding or unhiding a reply")
    if "username" in data and "text" not in data:
        return ignored("a user profile, not a message", opt_str(data, "id"))
    return None


def v2_tweet(
    tweet: dict[str, Any],
    users: dict[str, dict[str, Any]],
    media: dict[str, dict[str, Any]] | None = None,
    brand_id: str | None = None,
    account_ref: str | None = None,
) -> Parsed:
    tweet_id = opt_str(tweet, "id")
    author_id = opt_str(tweet, "author_id")
    if tweet_id is None or not tweet_id.isdigit():
        return Ignored("a post without a usable id")
    if author_id is None:
        return Ignored("post without author_id: poll with expansions=author_id", tweet_id)
    refs = {r.get("type"): r.get("id") for r in dicts(tweet.get("referenced_tweets"))}
    if "retweeted" in refs:
        return Ignored("a repost (retweet) carries no new text", tweet_id)
    author = v2_author(author_id, users.get(author_id))
    reply_to = refs.get("replied_to") if isinstance(refs.get("replied_to"), str) else None
    return InboundEvent(
        channel=SLUG,
        external_id=tweet_id,
        author=author,
        text=_tweet_text(str(tweet.get("text", ""))),
        created_at=_v2_time(tweet, tweet_id),
        kind=MessageKind.REPLY if reply_to else MessageKind.POST,
        direction=_direction(author_id, brand_id or account_ref),
        in_reply_to=reply_to,
        thread_ref=opt_str(tweet, "conversation_id"),
        references=_v2_references(tweet, refs),
        account_ref=account_ref,
        url=_tweet_url(author.handle, tweet_id),
        language=opt_str(tweet, "lang"),
        attachments=_v2_media(tweet, media or {}),
        extra=_edit_extra(tweet),
    )


def v2_author(author_id: str, user: dict[str, Any] | None) -> Author:
    user = user or {}
    username = opt_str(user, "username")
    return Author(
        external_id=author_id,
        handle=f"@{username}" if username else None,
        display_name=opt_str(user, "name"),
        followers=opt_int(as_dict(user.get("public_metrics")), "followers_count"),
    )


def _v2_time(item: dict[str, Any], item_id: str) -> datetime:
    created = opt_str(item, "created_at")
    return from_iso(created) if created else snowflake_time(item_id)


def _v2_references(tweet: dict[str, Any], refs: dict[Any, Any]) -> tuple[str, ...]:
    out = [v for k, v in refs.items() if k == "quoted" and isinstance(v, str)]
    history = [h for h in as_list(tweet.get("edit_history_tweet_ids")) if isinstance(h, str)]
    out.extend(h for h in history if h != tweet.get("id"))
    return tuple(out)


def _edit_extra(tweet: dict[str, Any]) -> dict[str, Any]:
    history = [h for h in as_list(tweet.get("edit_history_tweet_ids")) if isinstance(h, str)]
    if len(history) > 1:
        return {"edit_of": history[0], "edit_history": history}
    return {}


def _v2_media(tweet: dict[str, Any], media: dict[str, dict[str, Any]]) -> tuple[Attachment, ...]:
    keys = as_list(as_dict(tweet.get("attachments")).get("media_keys"))
    found = [media[k] for k in keys if isinstance(k, str) and k in media]
    return tuple(
        Attachment(
            filename=None,
            content_type=_MEDIA_TYPES.get(str(m.get("type"))),
            url=opt_str(m, "url") or opt_str(m, "preview_image_url"),
        )
        for m in found
    )


def _v2_dm(event: dict[str, Any], users: dict[str, dict[str, Any]], brand_id: str | None) -> Parsed:
    event_id = opt_str(event, "id")
    if event.get("event_type") != "MessageCreate":
        return Ignored(f"a DM {event.get('event_type')} event, not a message", event_id)
    sender = opt_str(event, "sender_id")
    if event_id is None or not event_id.isdigit():
        return Ignored("a DM event without a usable id")
    if sender is None:
        return Ignored("DM event without sender_id: ask for dm_event.fields=sender_id", event_id)
    return InboundEvent(
        channel=SLUG,
        external_id=event_id,
        author=v2_author(sender, users.get(sender)),
        text=clean_text(str(event.get("text", ""))),
        created_at=_v2_time(event, event_id),
        kind=MessageKind.DM,
        direction=_direction(sender, brand_id),
        visibility=Visibility.PRIVATE,
        thread_ref=opt_str(event, "dm_conversation_id"),
    )


# --- API v1.1 and Account Activity ---------------------------------------------------------


def parse_account_activity(body: dict[str, Any]) -> ParseResult:
    """An Account Activity webhook body: events for the subscribed user ``for_user_id``."""
    account = opt_str(body, "for_user_id")
    out = Collector()
    for key, value in body.items():
        if key in ("for_user_id", "users", "apps", "source", "is_blocked_by", "user_has_blocked"):
            continue
        if key == "tweet_create_events":
            out.extend(_v1_tweets(dicts(value), account, account_ref=account))
        elif key == "direct_message_events":
            out.extend(v1_dms(dicts(value), as_dict(body.get("users")), account))
        elif key in AAA_IGNORED:
            for _ in as_list(value) or [value]:
                out.skip(AAA_IGNORED[key], account)
        else:
            out.skip(f"an Account Activity {key} event, which Heedful does not use", account)
    return out.result()


def parse_activity_envelope(data: dict[str, Any]) -> ParseResult:
    """An X Activity API event (v2 webhooks / stream): ``event_type`` + ``payload``."""
    event_type = str(data.get("event_type"))
    account = opt_str(as_dict(data.get("filter")), "user_id")
    payload = as_dict(data.get("payload"))
    if event_type not in ACTIVITY_MESSAGE_TYPES:
        return ignored(f"an X Activity {event_type} event, not a message", account)
    if event_type.startswith("dm."):
        events = dicts(payload.get("direct_message_events"))
        return v1_dms(events, as_dict(payload.get("users")), account)
    includes = as_dict(data.get("includes"))
    users = {u["id"]: u for u in dicts(includes.get("users")) if isinstance(u.get("id"), str)}
    out = Collector()
    out.add(v2_tweet(payload, users, None, account, account_ref=account))
    return out.result()


def _v1_tweets(
    tweets: list[dict[str, Any]], brand_id: str | None, account_ref: str | None
) -> ParseResult:
    out = Collector()
    for tweet in tweets:
        out.add(v1_tweet(tweet, brand_id, account_ref))
    return out.result()


def v1_tweet(tweet: dict[str, Any], brand_id: str | None, account_ref: str | None) -> Parsed:
    tweet_id = opt_str(tweet, "id_str")
    if tweet_id is None:
        return Ignored("a v1.1 post without id_str (the numeric id is not exact)")
    if "retweeted_status" in tweet:
        return Ignored("a repost (retweet) carries no new text", tweet_id)
    user = as_dict(tweet.get("user"))
    author = v1_author(user)
    if author is None:
        return Ignored("a v1.1 post without its user", tweet_id)
    reply_to = opt_str(tweet, "in_reply_to_status_id_str")
    return InboundEvent(
        channel=SLUG,
        external_id=tweet_id,
        author=author,
        text=_tweet_text(_v1_full_text(tweet)),
        created_at=_v1_time(tweet, tweet_id),
        kind=MessageKind.REPLY if reply_to else MessageKind.POST,
        direction=_direction(author.external_id, brand_id),
        in_reply_to=reply_to,
        references=tuple(r for r in [opt_str(tweet, "quoted_status_id_str")] if r),
        account_ref=account_ref,
        url=_tweet_url(author.handle, tweet_id),
        language=opt_str(tweet, "lang"),
        attachments=_v1_media(tweet),
    )


def v1_author(user: dict[str, Any]) -> Author | None:
    """A v1.1 user object, or the Activity API's ``{"data": v2 user}`` wrapper."""
    if "data" in user and isinstance(user["data"], dict):
        inner = user["data"]
        return v2_author(inner["id"], inner) if isinstance(inner.get("id"), str) else None
    user_id = opt_str(user, "id_str") or (user["id"] if isinstance(user.get("id"), str) else None)
    if user_id is None:
        return None
    name = opt_str(user, "screen_name")
    return Author(
        external_id=user_id,
        handle=f"@{name}" if name else None,
        display_name=opt_str(user, "name"),
        followers=opt_int(user, "followers_count"),
    )


def _v1_full_text(tweet: dict[str, Any]) -> str:
    extended = as_dict(tweet.get("extended_tweet"))
    for candidate in (extended.get("full_text"), tweet.get("full_text"), tweet.get("text")):
        if isinstance(candidate, str):
            return candidate
    return ""


def _v1_time(tweet: dict[str, Any], tweet_id: str) -> datetime:
    stamp = opt_str(tweet, "timestamp_ms")
    if stamp and stamp.isdigit():
        return from_epoch(int(stamp))
    created = opt_str(tweet, "created_at")
    if created:
        try:
            return datetime.strptime(created, V1_TIME_FORMAT).astimezone(UTC)
        except ValueError:
            pass
    return snowflake_time(tweet_id)


def _v1_media(tweet: dict[str, Any]) -> tuple[Attachment, ...]:
    entities = as_dict(tweet.get("extended_entities")) or as_dict(tweet.get("entities"))
    return tuple(
        Attachment(
            filename=None,
            content_type=_MEDIA_TYPES.get(str(m.get("type"))),
            url=opt_str(m, "media_url_https") or opt_str(m, "media_url"),
        )
        for m in dicts(entities.get("media"))
    )


def v1_dms(events: list[dict[str, Any]], users: dict[str, Any], account: str | None) -> ParseResult:
    out = Collector()
    for event in events:
        out.add(v1_dm(event, users, account))
    return out.result()


def v1_dm(event: dict[str, Any], users: dict[str, Any], account: str | None) -> Parsed:
    event_id = opt_str(event, "id")
    if event.get("type") != "message_create" or event_id is None:
        return Ignored(f"a DM {event.get('type')} event, not a message", event_id)
    create = as_dict(event.get("message_create"))
    sender = opt_str(create, "sender_id")
    recipient = opt_str(as_dict(create.get("target")), "recipient_id")
    if sender is None:
        return Ignored("a DM without sender_id", event_id)
    author = v1_author(as_dict(users.get(sender))) or Author(external_id=sender)
    stamp = opt_str(event, "created_timestamp")
    data = as_dict(create.get("message_data"))
    return InboundEvent(
        channel=SLUG,
        external_id=event_id,
        author=author,
        text=clean_text(str(data.get("text", ""))),
        created_at=from_epoch(int(stamp)) if stamp else snowflake_time(event_id),
        kind=MessageKind.DM,
        direction=_direction(sender, account),
        visibility=Visibility.PRIVATE,
        thread_ref=dm_conversation_id(sender, recipient) if recipient else None,
        account_ref=account,
        attachments=_dm_media(data),
        extra={"source_app_id": create["source_app_id"]} if "source_app_id" in create else {},
    )


def dm_conversation_id(one: str, other: str) -> str:
    """X's id of the one-to-one DM conversation of two users: lower id, dash, higher id."""
    low, high = sorted((one, other), key=int)
    return f"{low}-{high}"


def _dm_media(data: dict[str, Any]) -> tuple[Attachment, ...]:
    media = as_dict(as_dict(data.get("attachment")).get("media"))
    if not media:
        return ()
    url = opt_str(media, "media_url_https")
    return (
        Attachment(filename=None, content_type=_MEDIA_TYPES.get(str(media.get("type"))), url=url),
    )


# --- shared ---------------------------------------------------------------------------------

_MEDIA_TYPES = {"photo": "image/*", "video": "video/*", "animated_gif": "image/gif"}


def _tweet_text(text: str) -> str:
    """Post text as written: X escapes ``&``, ``<`` and ``>`` as HTML entities."""
    return clean_text(html.unescape(text))


def _tweet_url(handle: str | None, tweet_id: str) -> str:
    name = handle.lstrip("@") if handle else "i/web"
    return f"https://x.com/{name}/status/{tweet_id}"


def _direction(author_id: str, brand_id: str | None) -> Direction:
    return Direction.OUTBOUND if brand_id and author_id == brand_id else Direction.INBOUND


def _errors_text(doc: dict[str, Any]) -> str:
    errors = dicts(doc.get("errors"))
    parts = [str(e.get("detail") or e.get("message") or e.get("title") or e) for e in errors]
    return "; ".join(parts)[:300] or "unknown error"
