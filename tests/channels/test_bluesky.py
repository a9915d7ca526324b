"""Bluesky: notifications, chat, graphemes and facets, and the real XRPC client against a
local server replaying the recorded atproto responses."""

from __future__ import annotations

import json

import httpx
import pytest

from heedful.channels.base import ListeningQuery, OutboundMessage
from heedful.channels.bluesky.adapter import BlueskyAdapter
from heedful.channels.bluesky.config import BlueskyConfig
from heedful.channels.bluesky.text import expand_links, grapheme_length, link_facets
from heedful.channels.testing import PlatformServer
from heedful.clock import FrozenClock
from heedful.domain import MessageKind, Visibility
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure
from tests.channels.conftest import payload

BRAND = "did:plc:iijrtk7ocored6zuziwmqq3c"  # shinyakato.dev, whose notifications were recorded
SESSION = {
    "did": BRAND,
    "handle": "shinyakato.dev",
    "accessJwt": "access-1",
    "refreshJwt": "refresh-1",
}


def body(name: str) -> bytes:
    return payload("bluesky", name).read_bytes()


def make_adapter(
    server: PlatformServer, http: httpx.Client, *, chat: bool = False
) -> BlueskyAdapter:
    config = BlueskyConfig(
        identifier="shinyakato.dev", app_password="app-pass", service_url=server.base_url, chat=chat
    )
    return BlueskyAdapter(config, http, clock=FrozenClock())


def signed_in(server: PlatformServer) -> None:
    server.add("POST", "/xrpc/com.atproto.server.createSession", SESSION)


def test_graphemes_count_what_people_see() -> None:
    assert grapheme_length("👍🏽 café") == 6  # the toned thumb is one grapheme
    assert grapheme_length("🇯🇵") == 1


def test_link_facets_use_utf8_byte_offsets() -> None:
    (facet,) = link_facets("é https://a.example/x.")
    assert facet["index"] == {"byteStart": 3, "byteEnd": 22}
    assert (
        expand_links(
            "see a.example/…",
            [
                {
                    "index": {"byteStart": 4, "byteEnd": 17},
                    "features": [
                        {"$type": "app.bsky.richtext.facet#link", "uri": "https://a.example/long"}
                    ],
                }
            ],
        )
        == "see https://a.example/long"
    )


def test_notifications_keep_mentions_replies_quotes_and_say_why_the_rest_is_ignored() -> None:
    result = BlueskyAdapter.unconfigured().parse(
        body("atproto_dart__app.bsky.notification.listNotifications.json")
    )
    reply = next(e for e in result.events if e.kind is MessageKind.REPLY)
    assert reply.in_reply_to and reply.in_reply_to.startswith("at://")
    assert reply.thread_ref and reply.extra["parent_cid"]
    assert {i.reason for i in result.ignored} == {
        "a like, not a message",
        "a repost, not a message",
        "a follow, not a message",
    }


def test_chat_messages_are_private_and_deleted_ones_ignored() -> None:
    result = BlueskyAdapter.unconfigured().parse(
        body("atproto_dart__chat.bsky.convo.getMessages.json")
    )
    (event,) = result.events
    assert event.visibility is Visibility.PRIVATE
    assert result.ignored[0].reason == "a deleted chat message"


def test_poll_signs_in_and_reads_notifications_and_chat(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    signed_in(platform_server)
    platform_server.add(
        "GET",
        "/xrpc/app.bsky.notification.listNotifications",
        body("atproto_dart__app.bsky.notification.listNotifications.json"),
    )
    platform_server.add(
        "GET",
        "/xrpc/chat.bsky.convo.listConvos",
        body("atproto_dart__chat.bsky.convo.listConvos.json"),
    )
    platform_server.add(
        "GET",
        "/xrpc/chat.bsky.convo.getMessages",
        body("atproto_dart__chat.bsky.convo.getMessages.json"),
    )
    result = make_adapter(platform_server, http, chat=True).poll({})

    assert len([e for e in result.events if e.kind is MessageKind.DM]) == 1
    assert len(result.events) == 25
    assert result.cursor == {"seen_at": "2023-09-04T04:25:05.748Z", "chat_revs": {"1234": "0"}}
    dm = next(e for e in result.events if e.kind is MessageKind.DM)
    assert dm.thread_ref == "1234" and dm.direction.value == "out"  # sent by the brand itself
    chat_call = platform_server.requests_to("/xrpc/chat.bsky.convo.getMessages")[0]
    assert chat_call.headers["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat"
    assert chat_call.headers["authorization"] == "Bearer access-1"


def test_expired_token_is_refreshed_once(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    signed_in(platform_server)
    platform_server.add(
        "GET",
        "/xrpc/app.bsky.notification.listNotifications",
        {"error": "ExpiredToken", "message": "Token has expired"},
        status=400,
    )
    platform_server.add(
        "POST", "/xrpc/com.atproto.server.refreshSession", {**SESSION, "accessJwt": "access-2"}
    )
    platform_server.add(
        "GET", "/xrpc/app.bsky.notification.listNotifications", {"notifications": []}
    )
    make_adapter(platform_server, http).poll({})
    assert platform_server.requests[-1].headers["authorization"] == "Bearer access-2"
    assert (
        platform_server.requests_to("/xrpc/com.atproto.server.refreshSession")[0].headers[
            "authorization"
        ]
        == "Bearer refresh-1"
    )


def test_reply_carries_root_and_parent_strong_refs(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    signed_in(platform_server)
    platform_server.add(
        "GET", "/xrpc/app.bsky.feed.getPosts", body("atproto_dart__app.bsky.feed.getPosts.json")
    )
    platform_server.add(
        "POST",
        "/xrpc/com.atproto.repo.createRecord",
        {"uri": f"at://{BRAND}/app.bsky.feed.post/3kxyz", "cid": "bafy"},
    )
    parent = "at://did:plc:d3zpokjdspr22chfrc427eis/app.bsky.feed.post/3ju4p6u2i3a2g"
    result = make_adapter(platform_server, http).send(
        OutboundMessage(
            outbox_id=1,
            text="We can help: https://help.example/wired ^AB",
            visibility=Visibility.PUBLIC,
            in_reply_to=parent,
        )
    )
    assert result.external_id == f"at://{BRAND}/app.bsky.feed.post/3kxyz"
    record = platform_server.requests_to("/xrpc/com.atproto.repo.createRecord")[0].json()
    assert record["repo"] == BRAND
    ref = {"uri": parent, "cid": "bafyreigsrxui256rn6lxwgzhswg3qc3e3t2vnlej3ddlq4w5ebg7fd2voq"}
    assert record["record"]["reply"] == {"root": ref, "parent": ref}
    assert record["record"]["facets"][0]["features"][0]["uri"] == "https://help.example/wired"


def test_too_long_post_is_refused_before_sending(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    with pytest.raises(PermanentFailure):
        make_adapter(platform_server, http).send(
            OutboundMessage(outbox_id=1, text="é" * 301, visibility=Visibility.PUBLIC)
        )
    assert platform_server.requests == []


def test_chat_reply_goes_to_the_conversation(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    signed_in(platform_server)
    platform_server.add(
        "POST",
        "/xrpc/chat.bsky.convo.sendMessage",
        body("atproto_dart__chat.bsky.convo.sendMessage.json"),
    )
    result = make_adapter(platform_server, http).send(
        OutboundMessage(outbox_id=1, text="Hi", visibility=Visibility.PRIVATE, thread_ref="1234")
    )
    assert result.external_id == "1234"
    assert platform_server.requests[-1].json() == {"convoId": "1234", "message": {"text": "Hi"}}


def test_listening_uses_search_posts(platform_server: PlatformServer, http: httpx.Client) -> None:
    signed_in(platform_server)
    platform_server.add(
        "GET", "/xrpc/app.bsky.feed.searchPosts", body("atproto_dart__app.bsky.feed.getPosts.json")
    )
    result = make_adapter(platform_server, http).listen(ListeningQuery(keywords=("samsung",)), {})
    (event,) = result.events
    assert event.unsolicited and event.kind is MessageKind.MENTION
    assert result.cursor == {"samsung": "2023-04-24T13:50:19.672000+00:00"}
    assert platform_server.requests[-1].param("sort") == "latest"


@pytest.mark.parametrize(
    ("status", "payload_", "error"),
    [
        (
            401,
            {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            AuthFailed,
        ),
        (429, {"error": "RateLimitExceeded", "message": "slow down"}, RateLimited),
        (500, {"error": "InternalServerError", "message": "oops"}, TransientFailure),
    ],
)
def test_sign_in_failures_are_typed(
    platform_server: PlatformServer, http: httpx.Client, status: int, payload_: dict, error: type
) -> None:  # type: ignore[type-arg]
    platform_server.add(
        "POST",
        "/xrpc/com.atproto.server.createSession",
        json.dumps(payload_),
        status=status,
        headers={"ratelimit-reset": "1767225660"},
    )
    with pytest.raises(error):
        make_adapter(platform_server, http).poll({})
