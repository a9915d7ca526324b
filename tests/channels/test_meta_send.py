"""Sending through the Graph API against a local server: comment replies, Send API
messages, the 24-hour window, Meta's error codes as typed errors, and mention hydration."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from heedful.channels.base import OutboundMessage
from heedful.channels.facebook.adapter import FacebookAdapter
from heedful.channels.facebook.config import FacebookConfig
from heedful.channels.instagram.adapter import InstagramAdapter
from heedful.channels.instagram.config import InstagramConfig
from heedful.channels.meta.hydrate import needs_hydration
from heedful.channels.testing import PlatformServer, event_problems
from heedful.clock import FrozenClock
from heedful.domain import Visibility
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure
from tests.channels.conftest import payload

NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
BUC_USAGE = '{"PAGE1":[{"type":"pages","estimated_time_to_regain_access":5}]}'
TOKEN = "page-token"
SECRET = "app-secret"


def settings(server: PlatformServer, account: str) -> dict[str, str]:
    return {
        "account_id": account,
        "access_token": TOKEN,
        "app_secret": SECRET,
        "graph_url": server.base_url,
        "graph_version": "v21.0",
    }


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def facebook(
    platform_server: PlatformServer, http: httpx.Client, clock: FrozenClock
) -> FacebookAdapter:
    config = FacebookConfig.model_validate(settings(platform_server, "PAGE1"))
    return FacebookAdapter(config, http, clock=clock)


@pytest.fixture
def instagram(
    platform_server: PlatformServer, http: httpx.Client, clock: FrozenClock
) -> InstagramAdapter:
    config = InstagramConfig.model_validate(settings(platform_server, "IG1"))
    return InstagramAdapter(config, http, clock=clock)


def public(in_reply_to: str, text: str = "Sorry about that ^AB", **kw: object) -> OutboundMessage:
    return OutboundMessage(1, text, Visibility.PUBLIC, in_reply_to=in_reply_to, **kw)  # type: ignore[arg-type]


def private(recipient: str | None = "PSID9", **kw: object) -> OutboundMessage:
    return OutboundMessage(
        2, "Let's sort it out here", Visibility.PRIVATE, recipient=recipient, **kw
    )  # type: ignore[arg-type]


def test_public_reply_is_a_comment_under_the_comment(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add("POST", "/v21.0/POST1_C1/comments", {"id": "POST1_C2"})

    result = facebook.send(public("POST1_C1"))

    assert result.external_id == "POST1_C2"
    (request,) = platform_server.requests
    assert request.json() == {"message": "Sorry about that ^AB"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    expected_proof = hmac.new(SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    assert request.param("appsecret_proof") == expected_proof
    assert TOKEN not in str(request.query)  # the token travels in a header, not the URL


def test_private_message_goes_through_the_send_api(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add(
        "POST", "/v21.0/PAGE1/messages", {"recipient_id": "PSID9", "message_id": "m_1"}
    )

    result = facebook.send(private(last_inbound_at=NOW - timedelta(hours=23)))

    assert result.external_id == "m_1"
    assert platform_server.requests[0].json() == {
        "recipient": {"id": "PSID9"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Let's sort it out here"},
    }


@pytest.mark.parametrize(
    "last", [NOW - timedelta(hours=24, seconds=1), datetime(2026, 11, 19, 10, tzinfo=UTC)]
)
def test_closed_messaging_window_refuses_before_calling_meta(
    facebook: FacebookAdapter, platform_server: PlatformServer, last: datetime
) -> None:
    with pytest.raises(PermanentFailure, match="24-hour messaging window closed"):
        facebook.send(private(last_inbound_at=last))
    assert platform_server.requests == []
    assert facebook.capabilities.reply_window == timedelta(hours=24)


def test_private_reply_to_a_comment_is_addressed_by_the_comment(
    facebook: FacebookAdapter, instagram: InstagramAdapter, platform_server: PlatformServer
) -> None:
    # Meta's answer to a private reply: the person's page-scoped id, which we did not know
    platform_server.add(
        "POST", "/v21.0/PAGE1/messages", {"recipient_id": "1254459154682919", "message_id": "m_2"}
    )
    platform_server.add(
        "POST", "/v21.0/IG1/messages", {"recipient_id": "IGSID7", "message_id": "aWdfZA"}
    )
    old_customer = NOW - timedelta(days=30)  # no messaging window: the comment's reply still goes

    fb = facebook.send(
        private(recipient=None, reply_to_comment="POST1_C1", last_inbound_at=old_customer)
    )
    ig = instagram.send(private(recipient=None, reply_to_comment="17858893269000001"))

    assert (fb.external_id, ig.external_id) == ("m_2", "aWdfZA")
    assert [r.json() for r in platform_server.requests] == [
        {"recipient": {"comment_id": "POST1_C1"}, "message": {"text": "Let's sort it out here"}},
        {
            "recipient": {"comment_id": "17858893269000001"},
            "message": {"text": "Let's sort it out here"},
        },
    ]
    for adapter in (facebook, instagram):
        caps = adapter.capabilities
        assert caps.comment_private_reply
        assert caps.comment_private_reply_window == timedelta(days=7)


def test_a_private_reply_meta_refuses_fails_for_the_agent(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    # Meta's window error, as it answers a private reply it no longer allows
    platform_server.add(
        "POST",
        "/v21.0/PAGE1/messages",
        graph_error(10, 2018278, message="(#10) This message is sent outside of allowed window."),
        status=400,
    )

    with pytest.raises(PermanentFailure, match="messaging window is closed"):
        facebook.send(private(recipient=None, reply_to_comment="POST1_C1"))


def test_too_long_and_unaddressed_replies_are_refused_locally(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    with pytest.raises(PermanentFailure, match="2000 characters"):
        facebook.send(OutboundMessage(3, "x" * 2001, Visibility.PRIVATE, recipient="PSID9"))
    with pytest.raises(PermanentFailure, match="needs the post or comment"):
        facebook.send(OutboundMessage(4, "hi", Visibility.PUBLIC))
    with pytest.raises(PermanentFailure, match="recipient or a comment"):
        facebook.send(OutboundMessage(5, "hi", Visibility.PRIVATE))
    assert platform_server.requests == []


def graph_error(code: int, subcode: int | None = None, **more: object) -> dict[str, object]:
    error: dict[str, object] = {"message": f"error {code}", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error | more}


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "retry_after"),
    [
        (401, graph_error(190), {}, AuthFailed, None),
        (400, graph_error(190, 463), {}, AuthFailed, None),
        (429, graph_error(4), {"Retry-After": "30"}, RateLimited, 30.0),
        (
            400,
            graph_error(32),
            {"X-Business-Use-Case-Usage": BUC_USAGE},
            RateLimited,
            300.0,
        ),
        (400, graph_error(10, 2018278), {}, PermanentFailure, None),
        (400, graph_error(551), {}, PermanentFailure, None),
        (400, graph_error(100, 33), {}, PermanentFailure, None),
        (500, graph_error(2, is_transient=True), {}, TransientFailure, None),
        (503, "<html>down</html>", {}, TransientFailure, None),
    ],
    ids=[
        "401",
        "expired-token",
        "429",
        "page-limit",
        "window",
        "unavailable",
        "deleted",
        "500",
        "503-html",
    ],
)
def test_graph_errors_become_typed_errors(
    facebook: FacebookAdapter,
    platform_server: PlatformServer,
    status: int,
    body: object,
    headers: dict[str, str],
    error: type[Exception],
    retry_after: float | None,
) -> None:
    platform_server.add("POST", "/v21.0/C1/comments", body, status=status, headers=headers)  # type: ignore[arg-type]

    with pytest.raises(error) as raised:
        facebook.send(public("C1"))

    assert TOKEN not in str(raised.value)
    if retry_after is not None:
        assert isinstance(raised.value, RateLimited)
        assert raised.value.retry_after == retry_after


def test_an_unreachable_graph_is_transient(http: httpx.Client, clock: FrozenClock) -> None:
    with PlatformServer() as server:
        config = FacebookConfig.model_validate(settings(server, "PAGE1"))
    adapter = FacebookAdapter(config, http, clock=clock)  # the server is gone now
    with pytest.raises(TransientFailure, match="could not reach"):
        adapter.send(public("C1"))


def test_no_access_token_is_an_auth_failure(http: httpx.Client) -> None:
    with pytest.raises(AuthFailed, match="no access token"):
        FacebookAdapter(FacebookConfig(), http).send(public("C1"))


def test_accepted_without_an_id_is_still_sent(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add("POST", "/v21.0/C1/comments", {"success": True})
    assert facebook.send(public("C1")).external_id == "unconfirmed:outbox:1"


def test_instagram_public_replies_choose_the_right_edge(
    instagram: InstagramAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add("POST", "/v21.0/C7/replies", {"id": "R1"})
    platform_server.add("POST", "/v21.0/MEDIA1/comments", {"id": "R2"})
    platform_server.add("POST", "/v21.0/IG1/mentions", {"id": "R3"})

    assert instagram.send(public("C7", thread_ref="MEDIA1")).external_id == "R1"
    assert instagram.send(public("MEDIA1", thread_ref="MEDIA1")).external_id == "R2"
    mention = public("C9", thread_ref="MEDIA9", extra={"mention": True})
    assert instagram.send(mention).external_id == "R3"
    assert platform_server.requests[-1].json() == {
        "media_id": "MEDIA9",
        "comment_id": "C9",
        "message": "Sorry about that ^AB",
    }


def test_instagram_direct_has_its_own_limit(instagram: InstagramAdapter) -> None:
    with pytest.raises(PermanentFailure, match="Instagram Direct message allows 1000"):
        instagram.send(OutboundMessage(6, "x" * 1001, Visibility.PRIVATE, recipient="IGSID"))


def test_instagram_mention_is_hydrated_from_the_graph(
    instagram: InstagramAdapter, platform_server: PlatformServer
) -> None:
    (event,) = instagram.parse(
        payload("facebook_instagram", "restfb__instagram__wh-mentions.json").read_bytes()
    ).events
    platform_server.add(
        "GET",
        "/v21.0/IG1",
        {
            "mentioned_comment": {
                "id": "17887498072083520",
                "text": "@brand my order never came",
                "timestamp": "2018-02-23T15:21:49+0000",
                "username": "annoyed_customer",
                "from": {"id": "178414", "username": "annoyed_customer"},
                "media": {"id": "17887498072083520", "permalink": "https://www.instagram.com/p/x/"},
            },
            "id": "IG1",
        },
    )

    complete = instagram.hydrate(event)

    assert not needs_hydration(complete)
    assert complete.text == "@brand my order never came"
    assert complete.author.external_id == "178414"
    assert complete.author.handle == "annoyed_customer"
    assert complete.url == "https://www.instagram.com/p/x/"
    assert event_problems(complete, "instagram") == []
    assert "mentioned_comment.comment_id(17887498072083520)" in (
        platform_server.requests[0].param("fields") or ""
    )


def test_facebook_mention_is_hydrated_and_complete_events_are_left_alone(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    body = payload("facebook_instagram", "restfb__mention-post-add-real.json").read_bytes()
    (event,) = facebook.parse(body).events
    platform_server.add(
        "GET",
        "/v21.0/1234567890321_98722536423179",
        {
            "from": {"id": "555", "name": "Pat"},
            "message": "A test post message",
            "created_time": "2021-02-26T11:56:02+0000",
        },
    )

    complete = facebook.hydrate(event)

    assert complete.author.external_id == "555"
    assert complete.author.display_name == "Pat"
    assert event_problems(complete, "facebook") == []
    (plain,) = facebook.parse(
        payload("facebook_instagram", "restfb__feed-post-add-25.json").read_bytes()
    ).events
    assert facebook.hydrate(plain) is plain
    assert len(platform_server.requests) == 1


def test_find_delivered_sees_our_comment_posted_before_a_crash(
    facebook: FacebookAdapter, platform_server: PlatformServer
) -> None:
    since = NOW - timedelta(minutes=5)
    platform_server.add(
        "GET",
        "/v21.0/POST1_C1/comments",
        {
            "data": [
                {"id": "C3", "message": "Sorry about that ^AB", "from": {"id": "U5"}},
                {
                    "id": "C2",
                    "message": "Sorry  about that ^ab",
                    "from": {"id": "PAGE1", "name": "Acme"},
                    "created_time": "2026-11-20T16:04:00+0000",
                },
            ]
        },
        times=None,
    )

    found = facebook.find_delivered(public("POST1_C1"), since)

    assert found is not None and found.external_id == "C2"  # not the customer's copy
    assert facebook.find_delivered(public("POST1_C1", text="something else"), since) is None
    assert facebook.find_delivered(public("POST1_C1"), NOW) is None  # older than "since"
    assert facebook.capabilities.find_delivered


def test_find_delivered_looks_in_the_customers_conversation(
    instagram: InstagramAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add(
        "GET",
        "/v21.0/IG1/conversations",
        {
            "data": [
                {
                    "id": "conv1",
                    "messages": {
                        "data": [
                            {
                                "id": "aWdfZAG1",
                                "message": "Let's sort it out here",
                                "from": {"id": "IG1"},
                                "created_time": "2026-11-20T16:04:30+0000",
                            }
                        ]
                    },
                }
            ]
        },
    )

    found = instagram.find_delivered(private("IGSID9"), NOW - timedelta(minutes=5))

    assert found is not None and found.external_id == "aWdfZAG1"
    (request,) = platform_server.requests
    assert request.param("platform") == "instagram"
    assert request.param("user_id") == "IGSID9"
