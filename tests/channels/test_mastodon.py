"""Mastodon: HTML to text, notifications, conversations, and the real client against a local
server replaying the recorded Mastodon.py cassettes."""

from __future__ import annotations

import httpx
import pytest

from heedful.channels.base import ListeningQuery, OutboundMessage
from heedful.channels.mastodon.adapter import MastodonAdapter
from heedful.channels.mastodon.config import MastodonConfig
from heedful.channels.recorded import load_cassette
from heedful.channels.support.html_text import html_to_text
from heedful.channels.testing import PlatformServer
from heedful.clock import FrozenClock
from heedful.domain import MessageKind, Visibility
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure
from tests.channels.conftest import payload

BRAND = "109"  # the brand; every recorded account is a customer


def make_adapter(
    server: PlatformServer, http: httpx.Client, clock: FrozenClock | None = None
) -> MastodonAdapter:
    config = MastodonConfig(instance_url=server.base_url, account_id=BRAND, access_token="tok")
    return MastodonAdapter(config, http, clock=clock or FrozenClock())


def cassette(name: str) -> list:  # type: ignore[type-arg]
    return list(load_cassette(payload("mastodon", name)))


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            '<p><span class="h-card"><a href="x">@<span>bob</span></a></span> hi&amp;bye</p>',
            "@bob hi&bye",
        ),
        ("<p>one</p><p>two<br>three</p>", "one\n\ntwo\nthree"),
        ('<p>a<script>alert("x")</script>b<style>p{}</style></p>', "ab"),
        (
            '<a href="https://e.com/x"><span class="invisible">https://</span>e.com/x</a>',
            "https://e.com/x",
        ),
        ("<p>unclosed <b>bold <i>mess", "unclosed bold mess"),
        ("&lt;script&gt; &#128512; <!-- c -->", "<script> 😀"),
    ],
)
def test_html_to_text_is_safe_and_readable(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_mention_notification_becomes_a_post_with_a_full_handle() -> None:
    interaction = cassette("mastodonpy__test_notifications_mentions_only.yaml")[1]
    (event,) = MastodonAdapter.unconfigured().parse(interaction.body).events
    assert event.external_id == "117020577157693549"
    assert event.author.handle == "@admin@localhost:3000"
    assert event.text == "@mastodonpy_test hello!"
    assert event.kind is MessageKind.POST


def test_conversation_is_private_with_its_thread() -> None:
    interaction = cassette("mastodonpy__test_conversations.yaml")[2]
    events = MastodonAdapter.unconfigured().parse(interaction.body).events
    assert {e.visibility for e in events} == {Visibility.PRIVATE}
    assert events[0].thread_ref == "15"
    assert events[1].in_reply_to == "117020588315335369"


def test_poll_reads_mentions_and_pages_forward_from_min_id(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    recorded = cassette("mastodonpy__entity__test_entity_notification.yaml")[0]
    platform_server.add_recorded(recorded)
    platform_server.add("GET", "/api/v1/notifications", [])  # caught up
    result = make_adapter(platform_server, http).poll({"min_id": "1"})

    assert len(result.events) == 1 and result.events[0].visibility is Visibility.PRIVATE
    assert len(result.ignored) == 39  # mentions whose statuses are gone
    assert result.cursor == {"min_id": "550622655"}
    request = platform_server.requests[0]
    assert request.query["types[]"] == ["mention"]
    assert request.param("min_id") == "1"
    assert request.headers["authorization"] == "Bearer tok"


def test_reply_mentions_the_customer_with_an_idempotency_key(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    recorded = cassette("mastodonpy__test_status_reply.yaml")
    platform_server.add_recorded(
        recorded[0], method="GET", path="/api/v1/statuses/117020583245459824"
    )
    platform_server.add_recorded(recorded[2])
    message = OutboundMessage(
        outbox_id=9,
        text="Sorry! ^AB",
        visibility=Visibility.PUBLIC,
        in_reply_to="117020583245459824",
    )
    result = make_adapter(platform_server, http).send(message)

    assert result.external_id == "117020583258292382"
    post = platform_server.requests_to("/api/v1/statuses", "POST")[0]
    assert post.json()["status"] == "@mastodonpy_test_2@localhost:3000 Sorry! ^AB"
    assert post.json()["in_reply_to_id"] == "117020583245459824"
    assert post.json()["visibility"] == "public"
    assert post.headers["idempotency-key"] == "heedful-outbox-9"


def test_direct_message_needs_and_uses_the_recipient(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    platform_server.add_recorded(cassette("mastodonpy__test_status_post__None-direct.yaml")[0])
    adapter = make_adapter(platform_server, http)
    with pytest.raises(PermanentFailure):
        adapter.send(OutboundMessage(outbox_id=1, text="hi", visibility=Visibility.PRIVATE))
    adapter.send(
        OutboundMessage(
            outbox_id=1, text="hi", visibility=Visibility.PRIVATE, recipient="@bob@example.org"
        )
    )
    assert platform_server.requests[0].json()["visibility"] == "direct"
    assert platform_server.requests[0].json()["status"] == "@bob@example.org hi"


def test_listening_reads_hashtag_timelines(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    status = cassette("mastodonpy__test_status.yaml")[1]
    platform_server.add("GET", "/api/v1/timelines/tag/acme", b"[" + status.body + b"]")
    result = make_adapter(platform_server, http).listen(ListeningQuery(hashtags=("#acme",)), {})
    (event,) = result.events
    assert event.unsolicited and event.kind is MessageKind.MENTION
    assert result.cursor == {"tag:acme": "117020583223442465"}


def test_rate_limit_uses_the_reset_time(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    clock = FrozenClock()
    platform_server.add(
        "GET",
        "/api/v1/notifications",
        {"error": "Too many requests"},
        status=429,
        headers={"x-ratelimit-reset": "2026-01-01T00:05:00.000Z"},
    )
    with pytest.raises(RateLimited) as caught:
        make_adapter(platform_server, http, clock).poll({})
    assert caught.value.retry_after == 300


@pytest.mark.parametrize(
    ("status", "error"), [(401, AuthFailed), (422, PermanentFailure), (502, TransientFailure)]
)
def test_failures_are_typed(
    platform_server: PlatformServer, http: httpx.Client, status: int, error: type
) -> None:  # type: ignore[type-arg]
    platform_server.add("POST", "/api/v1/statuses", {"error": "nope"}, status=status)
    with pytest.raises(error):
        make_adapter(platform_server, http).send(
            OutboundMessage(outbox_id=1, text="hi", visibility=Visibility.PUBLIC)
        )
