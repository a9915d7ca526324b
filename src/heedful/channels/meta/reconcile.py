"""After a crash between "Meta accepted the reply" and "Heedful recorded it", look on the
platform for the reply before sending it again (``find_delivered``).

A reply counts as found when the brand's own account posted the same text (whitespace and
case aside) under the same comment, or in the same Messenger / Instagram Direct conversation,
since ``since``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from heedful.channels.base import DeliveryResult, OutboundMessage
from heedful.channels.meta.graph import GraphClient
from heedful.channels.meta.webhook import as_id
from heedful.channels.support.payload import sub
from heedful.channels.support.times import parse_time
from heedful.errors import InputRejected, Unsupported

LOOK_AT = 50  # newest items read per look-up


def find_comment(
    graph: GraphClient, edge: str, account_id: str, message: OutboundMessage, since: datetime
) -> DeliveryResult | None:
    """Our reply among the newest items of ``edge`` (``{comment}/comments``, ``…/replies``)."""
    fields = "id,message,text,from,created_time,timestamp"
    body = graph.get(
        edge, {"fields": fields, "order": "reverse_chronological", "limit": str(LOOK_AT)}
    )
    return _match(body.get("data"), account_id, message, since)


def find_direct(
    graph: GraphClient, platform: str, account_id: str, message: OutboundMessage, since: datetime
) -> DeliveryResult | None:
    """Our message among the newest of the conversation with ``message.recipient``."""
    if not message.recipient:
        raise Unsupported("a private reply to a comment cannot be looked up afterwards")
    fields = f"messages.limit({LOOK_AT}){{id,message,from,created_time}}"
    body = graph.get(
        f"{account_id or 'me'}/conversations",
        {"platform": platform, "user_id": message.recipient, "fields": fields},
    )
    for conversation in _objects(body.get("data")):
        found = _match(sub(conversation, "messages").get("data"), account_id, message, since)
        if found is not None:
            return found
    return None


def _match(
    items: object, account_id: str, message: OutboundMessage, since: datetime
) -> DeliveryResult | None:
    wanted = _norm(message.text)
    for item in _objects(items):
        sender = sub(item, "from")
        if account_id and as_id(sender.get("id")) != account_id:
            continue
        if _norm(str(item.get("message") or item.get("text") or "")) != wanted:
            continue
        when = _time(item.get("created_time") or item.get("timestamp"))
        if when is not None and when < since:
            continue
        found = as_id(item.get("id"))
        if found:
            return DeliveryResult(external_id=found, sent_at=when)
    return None


def _objects(items: object) -> Iterable[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _time(value: object) -> datetime | None:
    try:
        return parse_time(value)
    except InputRejected:
        return None


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
