"""Trustpilot: recorded review payloads, the webhook token, replies and polling against a
local server (OAuth token, 401 refresh, rate limits, server errors)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from heedful.channels.base import OutboundMessage
from heedful.channels.replay import parse_payload_file
from heedful.channels.testing import PlatformServer, all_problems, payload_files
from heedful.channels.trustpilot.adapter import TrustpilotAdapter
from heedful.channels.trustpilot.config import TrustpilotConfig
from heedful.clock import FrozenClock
from heedful.domain import Direction, MessageKind, Visibility
from heedful.errors import (
    AuthFailed,
    InputRejected,
    PermanentFailure,
    RateLimited,
    TransientFailure,
    Unsupported,
)
from tests.channels.conftest import payload
from tests.conftest import SHARED_DATA

FOLDER = "reviews"
EXPECTED = {  # file -> (events, ignored)
    "lindar_tp__trustpilot-review-events.json": (1, 1),  # the second event is an unknown 'foo'
    "trustpilot_docs__get_review.json": (2, 0),  # the review and the company's reply
}
TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"
REPLY_PATH = "/v1/private/reviews/62c8968be77911f2449e9f74/reply"
NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)


def _present() -> list[str]:
    folder = SHARED_DATA / "payloads" / FOLDER
    return [p.name for p in payload_files(folder)] if folder.is_dir() else []


@pytest.mark.parametrize("name", sorted(set(EXPECTED) | set(_present())))
def test_every_payload_is_parsed_or_ignored_with_a_reason(name: str) -> None:
    outcome = parse_payload_file(TrustpilotAdapter.unconfigured(), payload(FOLDER, name))

    assert all_problems(outcome.events, "trustpilot") == []
    assert all(item.reason.strip() for item in outcome.ignored)
    counts = (len(outcome.events), len(outcome.ignored))
    assert name in EXPECTED, f"new payload {name} gives {counts}: decide and add it to EXPECTED"
    assert counts == EXPECTED[name]


def test_webhook_review_is_a_rated_review() -> None:
    result = TrustpilotAdapter.unconfigured().parse(
        payload(FOLDER, "lindar_tp__trustpilot-review-events.json").read_bytes()
    )
    (review,) = result.events
    assert review.kind is MessageKind.REVIEW
    assert review.rating == 4.0
    assert review.subject == "Some of the screens are to hard to…"
    assert review.author.external_id == "bbbbb"
    assert review.author.display_name == "some one"
    assert review.created_at == datetime(2022, 7, 8, 22, 41, 48, tzinfo=UTC)
    assert review.url == "https://www.trustpilot.com/reviews/62c8968be77911f2449e9f74"
    assert "unknown Trustpilot event 'foo'" in result.ignored[0].reason


def test_api_review_with_company_reply_gives_the_reply_as_outbound() -> None:
    review, reply = (
        TrustpilotAdapter.unconfigured()
        .parse(payload(FOLDER, "trustpilot_docs__get_review.json").read_bytes())
        .events
    )
    assert review.rating == 5.0 and review.language == "da"
    assert reply.direction is Direction.OUTBOUND
    assert reply.kind is MessageKind.REPLY
    assert reply.in_reply_to == review.external_id
    assert reply.external_id == f"{review.external_id}:reply"


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"[]",
        b'{"hello": 1}',
        b'{"events": [{"eventName": "service-review-created", "eventData": {"id": "x"}}]}',
    ],
)
def test_unreadable_payloads_are_refused_or_ignored(body: bytes) -> None:
    try:
        result = TrustpilotAdapter.unconfigured().parse(body)
    except InputRejected as exc:
        assert exc.reason
    else:
        assert result.events == () and result.ignored[0].reason


def make_adapter(
    server: PlatformServer, http: httpx.Client, clock: FrozenClock
) -> TrustpilotAdapter:
    config = TrustpilotConfig.model_validate(
        {
            "business_unit_id": "BU1",
            "business_user_id": "USER1",
            "api_key": "key",
            "api_secret": "secret",
            "username": "care@example.com",
            "password": "pw",
            "webhook_token": "hook-token-123",
            "api_url": server.base_url,
        }
    )
    return TrustpilotAdapter(config, http, clock=clock)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def trustpilot(
    platform_server: PlatformServer, http: httpx.Client, clock: FrozenClock
) -> TrustpilotAdapter:
    return make_adapter(platform_server, http, clock)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"X-Heedful-Webhook-Token": "hook-token-123"}, True),
        ({"authorization": basic("trustpilot", "hook-token-123")}, True),
        ({"X-Heedful-Webhook-Token": "guess"}, False),
        ({"Authorization": basic("trustpilot", "guess")}, False),
        ({"Authorization": "Basic !!!"}, False),
        ({}, False),
    ],
)
def test_webhook_token(trustpilot: TrustpilotAdapter, headers: dict[str, str], ok: bool) -> None:
    assert trustpilot.verify(headers, b"{}") is ok
    assert trustpilot.verify_request(headers, b"{}", {}) is ok


@pytest.mark.parametrize(
    ("query", "headers", "ok"),
    [
        ({"token": "hook-token-123"}, {}, True),
        ({"token": "hook-token-12"}, {}, False),
        ({"token": ""}, {}, False),
        ({"Token": "hook-token-123"}, {}, False),  # the parameter is named exactly
        ({"token": "guess"}, {"authorization": basic("trustpilot", "hook-token-123")}, True),
    ],
)
def test_webhook_token_in_the_url(
    trustpilot: TrustpilotAdapter, query: dict[str, str], headers: dict[str, str], ok: bool
) -> None:
    assert trustpilot.verify_request(headers, b"{}", query) is ok


def test_no_configured_token_accepts_nothing(http: httpx.Client, clock: FrozenClock) -> None:
    adapter = TrustpilotAdapter(TrustpilotConfig(), http, clock=clock)
    assert not adapter.verify_request({}, b"{}", {"token": ""})
    assert not adapter.verify_request({"authorization": basic("trustpilot", "")}, b"{}", {})


def token(value: str = "tok-1", expires_in: int = 3600) -> dict[str, object]:
    return {"access_token": value, "refresh_token": "r", "expires_in": expires_in}


def reply(text: str = "Thanks for telling us ^AB") -> OutboundMessage:
    return OutboundMessage(7, text, Visibility.PUBLIC, in_reply_to="62c8968be77911f2449e9f74")


def test_reply_posts_as_the_business_user(
    trustpilot: TrustpilotAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add("POST", TOKEN_PATH, token())
    platform_server.add("POST", REPLY_PATH, b"", status=201)

    result = trustpilot.send(reply())

    assert result.external_id == "62c8968be77911f2449e9f74:reply"
    token_request, reply_request = platform_server.requests
    assert token_request.headers["authorization"] == basic("key", "secret")
    assert token_request.form() == {
        "grant_type": "password",
        "username": "care@example.com",
        "password": "pw",
    }
    assert reply_request.headers["authorization"] == "Bearer tok-1"
    assert reply_request.json() == {
        "authorBusinessUserId": "USER1",
        "message": "Thanks for telling us ^AB",
    }


def test_token_is_reused_then_renewed_when_it_expires(
    trustpilot: TrustpilotAdapter, platform_server: PlatformServer, clock: FrozenClock
) -> None:
    platform_server.add("POST", TOKEN_PATH, token("tok-1", 600))
    platform_server.add("POST", TOKEN_PATH, token("tok-2", 600))
    platform_server.add("POST", REPLY_PATH, b"", status=201, times=None)

    trustpilot.send(reply())
    trustpilot.send(reply())
    clock.advance(timedelta(minutes=9))
    trustpilot.send(reply())

    used = [r.headers["authorization"] for r in platform_server.requests_to(REPLY_PATH)]
    assert used == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_a_401_fetches_a_new_token_once(
    trustpilot: TrustpilotAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add("POST", TOKEN_PATH, token("stale"))
    platform_server.add("POST", TOKEN_PATH, token("fresh"))
    platform_server.add("POST", REPLY_PATH, {"message": "Unauthorized"}, status=401)
    platform_server.add("POST", REPLY_PATH, b"", status=201)

    trustpilot.send(reply())

    used = [r.headers["authorization"] for r in platform_server.requests_to(REPLY_PATH)]
    assert used == ["Bearer stale", "Bearer fresh"]


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, AuthFailed),
        (429, {"Retry-After": "120"}, RateLimited),
        (500, {}, TransientFailure),
        (502, {}, TransientFailure),
        (404, {}, PermanentFailure),
    ],
)
def test_reply_errors_become_typed_errors(
    trustpilot: TrustpilotAdapter,
    platform_server: PlatformServer,
    status: int,
    headers: dict[str, str],
    error: type[Exception],
) -> None:
    platform_server.add("POST", TOKEN_PATH, token(), times=None)
    platform_server.add(
        "POST", REPLY_PATH, {"message": "no"}, status=status, headers=headers, times=None
    )

    with pytest.raises(error) as raised:
        trustpilot.send(reply())
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 120.0


def test_a_refused_login_is_an_auth_failure(
    trustpilot: TrustpilotAdapter, platform_server: PlatformServer
) -> None:
    platform_server.add("POST", TOKEN_PATH, {"error": "invalid_grant"}, status=400)
    with pytest.raises(AuthFailed, match="refused the business user login"):
        trustpilot.send(reply())
    assert platform_server.requests_to(REPLY_PATH) == []


def test_private_replies_do_not_exist_on_trustpilot(trustpilot: TrustpilotAdapter) -> None:
    with pytest.raises(PermanentFailure, match="no private messages"):
        trustpilot.send(OutboundMessage(8, "hi", Visibility.PRIVATE, recipient="x"))


def review(review_id: str, created: str) -> dict[str, object]:
    return {
        "id": review_id,
        "stars": 2,
        "title": "Late",
        "text": "Parcel was late",
        "createdAt": created,
        "consumer": {"id": f"c-{review_id}", "displayName": "Kim"},
        "businessUnit": {"id": "BU1"},
    }


def test_poll_reads_new_reviews_oldest_first_and_never_twice(
    trustpilot: TrustpilotAdapter, platform_server: PlatformServer
) -> None:
    path = "/v1/private/business-units/BU1/reviews"
    platform_server.add("POST", TOKEN_PATH, token())
    platform_server.add(
        "GET",
        path,
        {"reviews": [review("r1", "2026-11-20T10:00:00Z"), review("r2", "2026-11-20T11:00:00Z")]},
    )
    platform_server.add(
        "GET",
        path,
        {"reviews": [review("r2", "2026-11-20T11:00:00Z"), review("r3", "2026-11-20T11:00:00Z")]},
        query={"startDateTime": "2026-11-20T11:00:00Z"},
    )

    first = trustpilot.poll({})
    second = trustpilot.poll(first.cursor)

    assert [e.external_id for e in first.events] == ["r1", "r2"]
    assert first.cursor == {"since": "2026-11-20T11:00:00Z", "seen": ["r2"]}
    assert [e.external_id for e in second.events] == ["r3"]
    assert second.cursor == {"since": "2026-11-20T11:00:00Z", "seen": ["r2", "r3"]}
    assert platform_server.requests_to(path)[0].param("orderBy") == "createdat.asc"
    assert all(e.account_ref == "BU1" for e in first.events)


def test_a_webhook_only_account_does_not_poll(http: httpx.Client, clock: FrozenClock) -> None:
    adapter = TrustpilotAdapter(TrustpilotConfig(webhook_token="t"), http, clock=clock)
    with pytest.raises(Unsupported, match="polling needs"):
        adapter.poll({})
