"""The generic webhook: signed JSON in (good, bad, missing, stale signatures; the schema),
signed replies out to a local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError

from heedful.channels.base import OutboundMessage
from heedful.channels.testing import PlatformServer, all_problems
from heedful.channels.webhook.adapter import WebhookAdapter
from heedful.channels.webhook.config import WebhookConfig
from heedful.channels.webhook.signing import sign
from heedful.clock import FrozenClock
from heedful.domain import Direction, MessageKind, Visibility
from heedful.errors import InputRejected, PermanentFailure, TransientFailure, Unsupported

SECRET = "shared-secret-for-tests-0123456789"
NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
EVENT = {
    "id": "helpdesk-42",
    "text": "My invoice is wrong",
    "created_at": "2026-11-20T17:00:00+01:00",
    "author": {"id": "cust-7", "handle": "kim@example.com", "name": "Kim", "followers": 12},
    "kind": "dm",
    "visibility": "private",
    "thread": "ticket-42",
    "attachments": [{"filename": "invoice.pdf", "content_type": "application/pdf", "size": 1024}],
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def adapter(
    clock: FrozenClock, http: httpx.Client | None = None, **settings: object
) -> WebhookAdapter:
    config = WebhookConfig.model_validate({"secret": SECRET, "source_name": "helpdesk", **settings})
    return WebhookAdapter(config, http, clock=clock)


def body(*events: dict[str, object]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def signature(timestamp: str, raw: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def test_signed_body_verifies_and_parses(clock: FrozenClock) -> None:
    raw = body(EVENT)
    ts = str(int(NOW.timestamp()))
    hook = adapter(clock)

    assert hook.verify({"X-Heedful-Timestamp": ts, "X-Heedful-Signature": signature(ts, raw)}, raw)
    (event,) = hook.parse(raw).events
    assert all_problems([event], "webhook") == []
    assert event.kind is MessageKind.DM and event.visibility is Visibility.PRIVATE
    assert event.created_at == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert event.author.followers == 12
    assert event.thread_ref == "ticket-42"
    assert event.attachments[0].filename == "invoice.pdf"
    assert event.extra["source"] == "helpdesk"


def test_sign_helper_makes_what_verify_accepts(clock: FrozenClock) -> None:
    raw = body(EVENT)
    assert adapter(clock).verify(sign(SECRET, raw, NOW), raw)


@pytest.mark.parametrize(
    "case",
    ["missing", "no-timestamp", "bad-signature", "other-secret", "stale", "future", "tampered"],
)
def test_bad_missing_and_replayed_signatures_are_refused(clock: FrozenClock, case: str) -> None:
    raw = body(EVENT)
    ts = str(int(NOW.timestamp()))
    headers = {"X-Heedful-Timestamp": ts, "X-Heedful-Signature": signature(ts, raw)}
    if case == "missing":
        headers = {}
    elif case == "no-timestamp":
        del headers["X-Heedful-Timestamp"]
    elif case == "bad-signature":
        headers["X-Heedful-Signature"] = "v1=" + "0" * 64
    elif case == "other-secret":
        headers["X-Heedful-Signature"] = signature(ts, raw, "another-secret")
    elif case in ("stale", "future"):
        shifted = NOW + timedelta(minutes=-6 if case == "stale" else 6)
        ts = str(int(shifted.timestamp()))
        headers = {"X-Heedful-Timestamp": ts, "X-Heedful-Signature": signature(ts, raw)}
    elif case == "tampered":
        raw = raw.replace(b"wrong", b"right")
    assert not adapter(clock).verify(headers, raw)


def test_a_rotated_secret_can_be_sent_alongside_the_old_one(clock: FrozenClock) -> None:
    raw = body(EVENT)
    ts = str(int(NOW.timestamp()))
    both = f"{signature(ts, raw, 'old-secret')},{signature(ts, raw)}"
    assert adapter(clock).verify({"X-Heedful-Timestamp": ts, "X-Heedful-Signature": both}, raw)


def test_no_secret_configured_verifies_nothing(clock: FrozenClock) -> None:
    raw = body(EVENT)
    hook = WebhookAdapter(WebhookConfig(), clock=clock)
    assert not hook.verify(sign("", raw, NOW), raw)


def test_a_single_event_object_is_accepted_and_defaults_apply(clock: FrozenClock) -> None:
    minimal = {"id": "1", "text": "hi", "created_at": "2026-11-20T16:00:00Z", "author": {"id": "a"}}
    (event,) = adapter(clock).parse(json.dumps(minimal).encode()).events
    assert (event.kind, event.visibility, event.direction) == (
        MessageKind.POST,
        Visibility.PUBLIC,
        Direction.INBOUND,
    )


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"{", "not JSON"),
        (body({**EVENT, "created_at": "2026-11-20T16:00:00"}), "created_at"),
        (body({**EVENT, "kind": "note"}), "internal notes"),
        (body({**EVENT, "colour": "red"}), "colour"),
        (body({k: v for k, v in EVENT.items() if k != "author"}), "author"),
        (json.dumps({"events": []}).encode(), "events"),
    ],
    ids=["not-json", "naive-time", "note", "unknown-field", "no-author", "empty"],
)
def test_schema_violations_are_refused_with_the_field_named(
    clock: FrozenClock, payload: bytes, words: str
) -> None:
    with pytest.raises(InputRejected, match=words):
        adapter(clock).parse(payload)


def test_replies_are_posted_signed_with_an_idempotency_key(
    clock: FrozenClock, platform_server: PlatformServer, http: httpx.Client
) -> None:
    platform_server.add("POST", "/replies", {"id": "reply-9"})
    hook = adapter(clock, http, reply_url=f"{platform_server.base_url}/replies")
    message = OutboundMessage(11, "We fixed it ^AB", Visibility.PRIVATE, in_reply_to="helpdesk-42")

    result = hook.send(message)

    assert result.external_id == "reply-9"
    (request,) = platform_server.requests
    assert request.headers["idempotency-key"] == "heedful-outbox-11"
    assert hook.verify(request.headers, request.body)  # the receiver can check it the same way
    assert request.json()["text"] == "We fixed it ^AB"


@pytest.mark.parametrize(("status", "error"), [(500, TransientFailure), (422, PermanentFailure)])
def test_reply_failures_are_typed(
    clock: FrozenClock,
    platform_server: PlatformServer,
    http: httpx.Client,
    status: int,
    error: type[Exception],
) -> None:
    platform_server.add("POST", "/replies", {"error": "x"}, status=status)
    hook = adapter(clock, http, reply_url=f"{platform_server.base_url}/replies")
    with pytest.raises(error):
        hook.send(OutboundMessage(12, "hi", Visibility.PUBLIC))


def test_inbound_only_sources_cannot_send(clock: FrozenClock) -> None:
    with pytest.raises(Unsupported, match="inbound only"):
        adapter(clock).send(OutboundMessage(13, "hi", Visibility.PUBLIC))


def test_a_short_secret_is_refused_when_configured() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        WebhookConfig.model_validate({"secret": "short"})
