"""Reddit API bodies to normalized events: pure functions, no network.

Things are identified by their fullnames (``t1_`` comment, ``t3_`` post, ``t4_`` private
message), which are also what ``/api/comment`` needs to reply. Authors are identified by their
username, which Reddit never lets anyone change. Times come from ``created_utc`` (``created``
is in the server's local time on old objects). Bodies are requested with ``raw_json=1``, so
text is plain Markdown, not HTML-escaped.
"""

from __future__ import annotations

import re
from typing import Any

from heedful.channels.base import Ignored, ParseResult
from heedful.channels.parsing import Collector, Parsed, ignored
from heedful.channels.support.jsonvalues import as_dict, clean_text, dicts, document_items, opt_str
from heedful.channels.support.times import from_epoch
from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected

SLUG = "reddit"
SITE = "https://www.reddit.com"
_POST_IN_CONTEXT = re.compile(r"/comments/([a-z0-9]+)/")
OTHER_KINDS = {
    "t2": "an account, not a message",
    "t5": "a subreddit, not a message",
    "t6": "an award, not a message",
    "more": "a 'load more comments' stub",
}


def parse_document(data: Any, brand: str | None = None) -> ParseResult:
    if isinstance(data, list):  # a comments page: [post listing, comment listing]
        out = Collector()
        for part in document_items(data, "Reddit"):
            out.extend(parse_document(part, brand))
        return out.result()
    if not isinstance(data, dict):
        raise InputRejected("not a Reddit payload: expected a JSON object or array")
    if data.get("kind") == "Listing":
        return parse_listing(data, brand)
    if "json" in data:
        return _api_answer(as_dict(data["json"]), brand)
    if "access_token" in data or data.get("error") == "invalid_grant":
        return ignored("an OAuth token response, not a message")
    if isinstance(data.get("kind"), str) and isinstance(data.get("data"), dict):
        out = Collector()
        out.add(thing(data, brand))
        return out.result()
    raise InputRejected(f"not a recognised Reddit payload (keys: {', '.join(sorted(data)[:8])})")


def parse_listing(listing: dict[str, Any], brand: str | None) -> ParseResult:
    out = Collector()
    for child in dicts(as_dict(listing.get("data")).get("children")):
        out.add(thing(child, brand))
        replies = as_dict(child.get("data")).get("replies")
        if isinstance(replies, dict) and replies.get("kind") == "Listing":
            out.extend(parse_listing(replies, brand))
    return out.result()


def _api_answer(answer: dict[str, Any], brand: str | None) -> ParseResult:
    errors = answer.get("errors")
    if errors:
        raise InputRejected(f"Reddit refused the call: {errors}")
    things = dicts(as_dict(answer.get("data")).get("things"))
    if not things:
        return ignored("an acknowledgement without a message")
    out = Collector()
    for item in things:
        out.add(thing(item, brand))
    return out.result()


def thing(item: dict[str, Any], brand: str | None) -> Parsed:
    kind, data = str(item.get("kind")), as_dict(item.get("data"))
    created = data.get("created_utc")
    if kind in ("t1", "t3", "t4") and (
        isinstance(created, bool) or not isinstance(created, int | float)
    ):
        return Ignored(f"a {kind} thing without created_utc", opt_str(data, "name"))
    if kind == "t1":
        return comment(data, brand)
    if kind == "t4":
        return private_message(data, brand)
    if kind == "t3":
        return post(data, brand)
    return Ignored(
        OTHER_KINDS.get(kind, f"a Reddit {kind} thing, not a message"), opt_str(data, "name")
    )


def comment(data: dict[str, Any], brand: str | None) -> Parsed:
    name = opt_str(data, "name")
    author = _author(data)
    if name is None or not name.startswith("t1_"):
        return Ignored("a comment without its t1_ fullname")
    if author is None:
        return Ignored("a comment whose author deleted their account", name)
    mention = data.get("type") == "username_mention"
    context = opt_str(data, "context") or opt_str(data, "permalink")
    return InboundEvent(
        channel=SLUG,
        external_id=name,
        author=author,
        text=clean_text(str(data.get("body", ""))),
        created_at=from_epoch(float(data["created_utc"])),  # checked in thing()
        kind=MessageKind.POST if mention else MessageKind.REPLY,
        direction=_direction(author, brand),
        in_reply_to=opt_str(data, "parent_id"),
        thread_ref=opt_str(data, "link_id") or _post_from_context(context),
        account_ref=_account(data),
        subject=opt_str(data, "link_title"),
        url=f"{SITE}{context}" if context else None,
        extra=_extra(data),
    )


def private_message(data: dict[str, Any], brand: str | None) -> Parsed:
    name = opt_str(data, "name")
    if name is None or not name.startswith("t4_"):
        return Ignored("a private message without its t4_ fullname")
    if data.get("distinguished") == "admin":
        return Ignored("a notice from Reddit itself, not from a customer", name)
    author = _author(data) or _subreddit_sender(data)
    if author is None:
        return Ignored("a private message whose sender deleted their account", name)
    return InboundEvent(
        channel=SLUG,
        external_id=name,
        author=author,
        text=clean_text(str(data.get("body", ""))),
        created_at=from_epoch(float(data["created_utc"])),  # checked in thing()
        kind=MessageKind.DM,
        direction=_direction(author, brand),
        visibility=Visibility.PRIVATE,
        in_reply_to=opt_str(data, "parent_id"),
        thread_ref=opt_str(data, "first_message_name") or name,
        account_ref=_account(data),
        subject=opt_str(data, "subject"),
        url=f"{SITE}/message/messages/{name.removeprefix('t4_')}",
        extra=_extra(data),
    )


def post(data: dict[str, Any], brand: str | None) -> Parsed:
    name = opt_str(data, "name")
    author = _author(data)
    if name is None or not name.startswith("t3_"):
        return Ignored("a post without its t3_ fullname")
    if author is None:
        return Ignored("a post whose author deleted their account", name)
    title = str(data.get("title", ""))
    return InboundEvent(
        channel=SLUG,
        external_id=name,
        author=author,
        text=clean_text(f"{title}\n\n{data.get('selftext') or ''}".strip()),
        created_at=from_epoch(float(data["created_utc"])),  # checked in thing()
        kind=MessageKind.POST,
        direction=_direction(author, brand),
        thread_ref=name,
        subject=title or None,
        url=f"{SITE}{data['permalink']}" if opt_str(data, "permalink") else opt_str(data, "url"),
        extra=_extra(data),
    )


def _author(data: dict[str, Any]) -> Author | None:
    name = opt_str(data, "author")
    if name is None or name == "[deleted]":
        return None
    return Author(external_id=name, handle=f"u/{name}", display_name=None, followers=None)


def _subreddit_sender(data: dict[str, Any]) -> Author | None:
    """Modmail sent "as the subreddit" has no author: the moderators of r/… wrote it."""
    sub = opt_str(data, "subreddit")
    if sub is None:
        return None
    return Author(external_id=f"r/{sub}", handle=f"r/{sub}", display_name=f"moderators of r/{sub}")


def _account(data: dict[str, Any]) -> str | None:
    dest = opt_str(data, "dest")
    return dest if dest and not dest.startswith("#") else None


def _post_from_context(context: str | None) -> str | None:
    match = _POST_IN_CONTEXT.search(context or "")
    return f"t3_{match.group(1)}" if match else None


def _direction(author: Author, brand: str | None) -> Direction:
    same = brand is not None and author.external_id.lower() == brand.lower()
    return Direction.OUTBOUND if same else Direction.INBOUND


def _extra(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("subreddit", "author_fullname", "type", "distinguished", "edited")
    return {k: data[k] for k in keys if data.get(k) not in (None, "", False)}
