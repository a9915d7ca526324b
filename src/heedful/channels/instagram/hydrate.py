"""Completing Instagram mention events: the webhook carries only ids, the Graph API the rest."""

from __future__ import annotations

from typing import Any

from heedful.channels.meta.graph import GraphClient
from heedful.channels.meta.hydrate import HYDRATE_KEY, completed
from heedful.channels.meta.webhook import as_id
from heedful.channels.support.payload import sub
from heedful.domain import Author, InboundEvent
from heedful.errors import PermanentFailure

COMMENT_FIELDS = "{id,text,timestamp,username,from,media{id,permalink}}"
MEDIA_FIELDS = "{id,caption,timestamp,username,permalink}"


def hydrate_mention(graph: GraphClient, account_id: str, event: InboundEvent) -> InboundEvent:
    """Read a mention back through ``/{account}?fields=mentioned_comment…`` (or
    ``mentioned_media…`` for a caption mention)."""
    what = event.extra.get(HYDRATE_KEY)
    if what == "mentioned_comment":
        selector = f"mentioned_comment.comment_id({event.extra['comment_id']}){COMMENT_FIELDS}"
    elif what == "mentioned_media":
        selector = f"mentioned_media.media_id({event.extra['media_id']}){MEDIA_FIELDS}"
    else:
        return event
    body = graph.get(account_id or event.account_ref or "me", {"fields": selector})
    found = body.get(str(what))
    if not isinstance(found, dict):
        raise PermanentFailure(f"Instagram returned no {what} for mention {event.external_id}")
    return _complete(event, found)


def _complete(event: InboundEvent, found: dict[str, Any]) -> InboundEvent:
    sender = sub(found, "from")
    username = found.get("username") or sender.get("username")
    author_id = as_id(sender.get("id")) or (f"@{username}" if username else None)
    if not author_id:
        raise PermanentFailure(f"Instagram did not say who wrote mention {event.external_id}")
    media = sub(found, "media")
    return completed(
        event,
        found,
        author=Author(external_id=author_id, handle=username),
        text=found.get("text") or found.get("caption"),
        when=found.get("timestamp"),
        url=found.get("permalink") or media.get("permalink"),
    )
