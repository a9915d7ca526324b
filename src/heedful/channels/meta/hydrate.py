"""Events a webhook leaves incomplete (Meta sends some notifications as bare ids) carry
``extra["hydrate"]``, naming what the adapter must fetch from the Graph API before ingest."""

from __future__ import annotations

import dataclasses
from typing import Any

from heedful.channels.meta.graph import GraphClient
from heedful.channels.meta.webhook import as_id
from heedful.channels.support.payload import sub
from heedful.channels.support.times import parse_time
from heedful.domain import Author, InboundEvent
from heedful.errors import PermanentFailure

HYDRATE_KEY = "hydrate"
OBJECT_FIELDS = "from{id,name},message,created_time,permalink_url"


def needs_hydration(event: InboundEvent) -> bool:
    return HYDRATE_KEY in event.extra


def hydrate_object(graph: GraphClient, event: InboundEvent) -> InboundEvent:
    """A Facebook post or comment read back by id (``from``, ``message``, times, link)."""
    found = graph.get(event.external_id, {"fields": OBJECT_FIELDS})
    sender = sub(found, "from")
    author_id = as_id(sender.get("id"))
    if not author_id:
        raise PermanentFailure(f"{graph.platform} did not say who wrote {event.external_id}")
    return completed(
        event,
        found,
        author=Author(external_id=author_id, display_name=sender.get("name")),
        text=found.get("message"),
        when=found.get("created_time"),
        url=found.get("permalink_url"),
    )


def completed(
    event: InboundEvent,
    found: dict[str, Any],
    *,
    author: Author,
    text: object,
    when: object,
    url: object,
) -> InboundEvent:
    """``event`` with what the Graph API returned filled in and the hydrate mark removed."""
    extra = {k: v for k, v in event.extra.items() if k != HYDRATE_KEY}
    extra["hydrated_fields"] = sorted(found)
    return dataclasses.replace(
        event,
        author=author,
        text=str(text or event.text or ""),
        created_at=parse_time(when) or event.created_at,
        url=str(url) if url else event.url,
        extra=extra,
    )
