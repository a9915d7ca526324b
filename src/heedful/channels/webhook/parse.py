"""Generic webhook bodies to events: validated against :mod:`schema`, refused with the first
problems named in plain words."""

from __future__ import annotations

import orjson
from pydantic import ValidationError

from heedful.channels.base import ParseResult
from heedful.channels.webhook.schema import BodyIn, EventIn
from heedful.domain import Attachment, Author, InboundEvent
from heedful.errors import InputRejected

CHANNEL = "webhook"
MAX_PROBLEMS = 3


def parse_body(body: bytes, source: str = "") -> ParseResult:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputRejected(f"not JSON: {exc}") from None
    if isinstance(payload, dict) and "events" not in payload:
        payload = {"events": [payload]}  # one event on its own is fine too
    try:
        parsed = BodyIn.model_validate(payload)
    except ValidationError as exc:
        raise InputRejected(f"does not follow the webhook schema: {_problems(exc)}") from None
    return ParseResult(events=tuple(_event(item, source) for item in parsed.events))


def _event(item: EventIn, source: str) -> InboundEvent:
    extra = dict(item.extra)
    if source:
        extra.setdefault("source", source)
    return InboundEvent(
        channel=CHANNEL,
        external_id=item.id,
        author=Author(
            external_id=item.author.id,
            handle=item.author.handle,
            display_name=item.author.name,
            followers=item.author.followers,
        ),
        text=item.text,
        created_at=item.created_utc,
        kind=item.kind,
        direction=item.direction,
        visibility=item.visibility,
        in_reply_to=item.in_reply_to,
        thread_ref=item.thread,
        references=tuple(item.references),
        subject=item.subject,
        url=item.url,
        unsolicited=item.unsolicited,
        rating=item.rating,
        language=item.language,
        attachments=tuple(
            Attachment(a.filename, a.content_type, a.size, a.url) for a in item.attachments
        ),
        extra=extra,
    )


def _problems(exc: ValidationError) -> str:
    errors = exc.errors()
    shown = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors]
    more = len(errors) - MAX_PROBLEMS
    text = "; ".join(shown[:MAX_PROBLEMS])
    return text + (f" (and {more} more)" if more > 0 else "")
