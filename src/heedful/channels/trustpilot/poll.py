"""Polling a business unit's service reviews, oldest first, from a stored cursor.

The cursor is ``{"since": <createdAt of the newest review seen>, "seen": [ids at that
instant]}``: reviews created at the same second as the last one are not lost or repeated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from heedful.channels.base import PollResult
from heedful.channels.trustpilot.client import TrustpilotClient
from heedful.channels.trustpilot.parse import parse_payload
from heedful.domain import InboundEvent, MessageKind

PAGE_SIZE = 100


def poll_reviews(client: TrustpilotClient, cursor: Mapping[str, Any]) -> PollResult:
    since = cursor.get("since")
    seen = set(cursor.get("seen") or ())
    params = {"orderBy": "createdat.asc", "perPage": str(PAGE_SIZE), "page": "1"}
    if since:
        params["startDateTime"] = str(since)
    body = client.list_reviews(params)
    parsed = parse_payload(orjson.dumps({"reviews": body.get("reviews") or []}))
    fresh = [e for e in parsed.events if e.external_id not in seen]
    return PollResult(
        events=tuple(fresh), cursor=_advance(since, seen, fresh), ignored=parsed.ignored
    )


def _advance(since: object, seen: set[str], events: list[InboundEvent]) -> dict[str, Any]:
    reviews = [e for e in events if e.kind is MessageKind.REVIEW]
    if not reviews:
        return {"since": since, "seen": sorted(seen)}
    newest = max(e.created_at for e in reviews)
    at_newest = {e.external_id for e in reviews if e.created_at == newest}
    stamp = newest.isoformat().replace("+00:00", "Z")
    if stamp == since:
        at_newest |= seen
    return {"since": stamp, "seen": sorted(at_newest)}
