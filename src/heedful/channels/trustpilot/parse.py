"""Trustpilot payloads: webhook bodies (``{"events": [...]}``), one service review (the
``GET /v1/reviews/{id}`` shape) or a page of them (``{"reviews": [...]}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from heedful.channels.base import Ignored, ParseResult
from heedful.channels.parsing import Collector
from heedful.channels.support.payload import sub, text_or_none
from heedful.channels.support.times import parse_time
from heedful.domain import Author, Direction, InboundEvent, MessageKind
from heedful.errors import InputRejected

CHANNEL = "trustpilot"
REVIEW_EVENTS = {"service-review-created": False, "service-review-updated": True}
IGNORED_EVENTS = {
    "service-review-deleted": "review deleted by its author: nothing left to answer",
    "product-review-created": "product reviews are not read by Heedful (service reviews are)",
    "product-review-updated": "product reviews are not read by Heedful (service reviews are)",
    "product-review-deleted": "product reviews are not read by Heedful (service reviews are)",
}
PUBLIC_REVIEW_URL = "https://www.trustpilot.com/reviews/{id}"


def parse_payload(body: bytes) -> ParseResult:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputRejected(f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise InputRejected("a Trustpilot payload is a JSON object")
    out = Collector()
    if isinstance(payload.get("events"), list):
        for item in payload["events"]:
            out.add(_webhook_event(item))
    elif isinstance(payload.get("reviews"), list):
        for review in payload["reviews"]:
            _review(out, review)
    elif "stars" in payload and "id" in payload:
        _review(out, payload)
    else:
        raise InputRejected("not a Trustpilot webhook body, review or list of reviews")
    return out.result()


def _webhook_event(item: object) -> InboundEvent | Ignored:
    if not isinstance(item, dict):
        return Ignored("webhook event that is not an object")
    name = str(item.get("eventName") or "")
    data = item.get("eventData")
    ref = str(data.get("id")) if isinstance(data, dict) and data.get("id") else None
    if name in IGNORED_EVENTS:
        return Ignored(IGNORED_EVENTS[name], ref=ref)
    if name not in REVIEW_EVENTS:
        return Ignored(f"unknown Trustpilot event {name!r}: not read", ref=ref)
    if not isinstance(data, dict):
        return Ignored(f"{name} without eventData", ref=ref)
    return review_event(data, edited=REVIEW_EVENTS[name])


def _review(out: Collector, review: object) -> None:
    if not isinstance(review, dict):
        out.skip("review that is not an object")
        return
    event = review_event(review, edited=False)
    out.add(event)
    if isinstance(event, InboundEvent) and isinstance(review.get("companyReply"), dict):
        out.add(_company_reply(event, review))


def review_event(review: Mapping[str, Any], *, edited: bool) -> InboundEvent | Ignored:
    review_id = review.get("id")
    consumer = sub(review, "consumer")
    consumer_id = consumer.get("id")
    created = parse_time(review.get("createdAt"))
    if not (review_id and consumer_id and created):
        return Ignored("review without id, consumer id or createdAt", ref=text_or_none(review_id))
    stars = review.get("stars")
    return InboundEvent(
        channel=CHANNEL,
        external_id=str(review_id),
        author=Author(
            external_id=str(consumer_id),
            display_name=consumer.get("displayName") or consumer.get("name"),
        ),
        text=str(review.get("text") or ""),
        created_at=created,
        kind=MessageKind.REVIEW,
        thread_ref=str(review_id),
        account_ref=_business_unit_id(review),
        subject=text_or_none(review.get("title")),
        url=PUBLIC_REVIEW_URL.format(id=review_id),
        rating=float(stars) if isinstance(stars, int | float) else None,
        language=text_or_none(review.get("language")),
        extra=_extra(review, edited),
    )


def _company_reply(review: InboundEvent, raw: Mapping[str, Any]) -> InboundEvent | Ignored:
    reply = raw["companyReply"]
    when = parse_time(reply.get("createdAt"))
    if not reply.get("text") or when is None:
        return Ignored("company reply without text or createdAt", ref=review.external_id)
    unit = sub(raw, "businessUnit")
    return InboundEvent(
        channel=CHANNEL,
        external_id=reply_id(review.external_id),
        author=Author(
            external_id=f"business-unit:{review.account_ref or 'unknown'}",
            display_name=unit.get("displayName"),
        ),
        text=str(reply["text"]),
        created_at=when,
        kind=MessageKind.REPLY,
        direction=Direction.OUTBOUND,
        in_reply_to=review.external_id,
        thread_ref=review.external_id,
        account_ref=review.account_ref,
        url=review.url,
    )


def reply_id(review_id: str) -> str:
    """A review has at most one company reply, so the reply's id is derived from the review's
    (the reply endpoint returns none): parse and send agree on it."""
    return f"{review_id}:reply"


def _business_unit_id(review: Mapping[str, Any]) -> str | None:
    unit = review.get("businessUnit")
    return (
        text_or_none(unit.get("id"))
        if isinstance(unit, dict)
        else text_or_none(review.get("businessUnitId"))
    )


def _extra(review: Mapping[str, Any], edited: bool) -> dict[str, Any]:
    keep = ("referenceId", "isVerified", "locationId", "tags", "numberOfLikes", "updatedAt")
    extra = {key: review[key] for key in keep if review.get(key) not in (None, [], "")}
    if edited:
        extra["edited"] = True  # same external_id as the original: the store may update it
    return extra
