"""Reddit: inbox things, and the real OAuth client against a local server replaying PRAW's
recorded cassettes (token request included)."""

from __future__ import annotations

import httpx
import pytest

from heedful.channels.base import ListeningQuery, OutboundMessage
from heedful.channels.recorded import load_cassette
from heedful.channels.reddit.adapter import RedditAdapter
from heedful.channels.reddit.config import RedditConfig
from heedful.channels.testing import PlatformServer
from heedful.clock import FrozenClock
from heedful.domain import MessageKind, Visibility
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure
from tests.channels.conftest import payload


def make_adapter(server: PlatformServer, http: httpx.Client) -> RedditAdapter:
    config = RedditConfig(
        username="acme_support",
        client_id="cid",
        client_secret="csecret",
        refresh_token="rtoken",
        user_agent="web:heedful-test:1.0 (by /u/acme_support)",
        api_base=server.base_url,
        auth_base=server.base_url,
    )
    return RedditAdapter(config, http, clock=FrozenClock())


def serve(server: PlatformServer, name: str) -> None:
    for interaction in load_cassette(payload("reddit", name)):
        server.add_recorded(interaction, path=interaction.path.rstrip("/") or "/")


def test_inbox_things_keep_fullnames_threads_and_visibility() -> None:
    body = load_cassette(payload("reddit", "praw__TestInbox.test_unread.json"))[1].body
    events = RedditAdapter.unconfigured().parse(body).events
    reply = next(e for e in events if e.external_id == "t1_myngt77")
    assert (reply.kind, reply.in_reply_to, reply.thread_ref) == (
        MessageKind.REPLY,
        "t1_mynfuan",
        "t3_1j7g9uj",
    )
    pm = next(e for e in events if e.external_id == "t4_22ydkme")
    assert (pm.visibility, pm.in_reply_to, pm.thread_ref) == (
        Visibility.PRIVATE,
        "t4_22ydkji",
        "t4_22ydk2c",
    )
    modmail = next(e for e in events if e.external_id == "t4_22y94yp")
    assert modmail.author.handle == "r/a:t5_4sdud0"


def test_poll_fetches_a_token_then_the_inbox(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    recorded = load_cassette(payload("reddit", "praw__TestInbox.test_mentions.json"))
    platform_server.add_recorded(recorded[0])
    platform_server.add_recorded(recorded[1], path="/message/inbox")
    result = make_adapter(platform_server, http).poll({})

    assert len(result.events) == 16
    assert result.cursor == {"newest_utc": 1554774308.0}
    token, inbox = platform_server.requests
    assert token.form() == {"grant_type": "refresh_token", "refresh_token": "rtoken"}
    assert token.headers["authorization"].startswith("Basic ")
    assert inbox.headers["authorization"] == "bearer <ACCESS_TOKEN>"
    assert inbox.headers["user-agent"] == "web:heedful-test:1.0 (by /u/acme_support)"
    assert inbox.param("raw_json") == "1"


def test_next_poll_stops_at_what_it_has_seen(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    recorded = load_cassette(payload("reddit", "praw__TestInbox.test_mentions.json"))
    platform_server.add_recorded(recorded[0])
    platform_server.add_recorded(recorded[1], path="/message/inbox")
    result = make_adapter(platform_server, http).poll({"newest_utc": 1554774097.0})
    assert len(result.events) == 10
    assert len(platform_server.requests_to("/message/inbox")) == 1


def test_reply_uses_api_comment(platform_server: PlatformServer, http: httpx.Client) -> None:
    serve(platform_server, "praw__TestComment.test_reply.json")
    result = make_adapter(platform_server, http).send(
        OutboundMessage(
            outbox_id=3,
            text="Comment reply",
            visibility=Visibility.PUBLIC,
            in_reply_to="t1_d1616q2",
        )
    )
    assert result.external_id == "t1_d1680wu"
    form = platform_server.requests_to("/api/comment")[0].form()
    assert form == {
        "thing_id": "t1_d1616q2",
        "text": "Comment reply",
        "api_type": "json",
        "raw_json": "1",
    }


def test_reddit_ratelimit_error_in_a_200_is_rate_limited(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    platform_server.add("POST", "/api/v1/access_token", {"access_token": "t", "expires_in": 3600})
    platform_server.add(
        "POST",
        "/api/comment",
        {
            "json": {
                "errors": [
                    [
                        "RATELIMIT",
                        "you are doing that too much. try again in 5 minutes.",
                        "ratelimit",
                    ]
                ]
            }
        },
    )
    with pytest.raises(RateLimited) as caught:
        make_adapter(platform_server, http).send(
            OutboundMessage(outbox_id=1, text="x", visibility=Visibility.PUBLIC, in_reply_to="t1_a")
        )
    assert caught.value.retry_after == 300


def test_refused_token_is_auth_failed(platform_server: PlatformServer, http: httpx.Client) -> None:
    platform_server.add("POST", "/api/v1/access_token", {"error": "invalid_grant"})
    with pytest.raises(AuthFailed):
        make_adapter(platform_server, http).poll({})


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimited), (403, AuthFailed), (400, PermanentFailure), (500, TransientFailure)],
)
def test_api_failures_are_typed(
    platform_server: PlatformServer, http: httpx.Client, status: int, error: type
) -> None:  # type: ignore[type-arg]
    platform_server.add("POST", "/api/v1/access_token", {"access_token": "t", "expires_in": 3600})
    platform_server.add(
        "GET",
        "/message/inbox",
        {"message": "no"},
        status=status,
        headers={"x-ratelimit-reset": "42"},
    )
    with pytest.raises(error):
        make_adapter(platform_server, http).poll({})


def test_listening_searches_posts(platform_server: PlatformServer, http: httpx.Client) -> None:
    platform_server.add("POST", "/api/v1/access_token", {"access_token": "t", "expires_in": 3600})
    post = {
        "kind": "t3",
        "data": {
            "name": "t3_abc",
            "author": "someone",
            "title": "Acme broke my order",
            "selftext": "help",
            "created_utc": 1700000000.0,
            "permalink": "/r/x/comments/abc/acme/",
        },
    }
    platform_server.add(
        "GET", "/search", {"kind": "Listing", "data": {"children": [post], "after": None}}
    )
    result = make_adapter(platform_server, http).listen(ListeningQuery(keywords=("acme",)), {})
    (event,) = result.events
    assert event.unsolicited and event.text == "Acme broke my order\n\nhelp"
    assert result.cursor == {"acme": 1700000000.0}
