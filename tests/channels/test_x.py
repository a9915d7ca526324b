"""X: parsing details, the Account Activity handshake, and the real client against a local
server replaying recorded X responses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest

from heedful.channels.base import ListeningQuery, OutboundMessage
from heedful.channels.recorded import load_cassette
from heedful.channels.testing import PlatformServer
from heedful.channels.x.adapter import XAdapter
from heedful.channels.x.config import XConfig
from heedful.channels.x.oauth1 import OAuth1
from heedful.channels.x.parse import snowflake_time
from heedful.clock import FrozenClock
from heedful.domain import Direction, MessageKind, Visibility
from heedful.errors import AuthFailed, PermanentFailure, RateLimited, TransientFailure
from tests.channels.conftest import payload

SECRET = "consumer-secret"


def make_adapter(
    server: PlatformServer, http: httpx.Client, clock: FrozenClock, **kw: object
) -> XAdapter:
    config = XConfig(
        user_id="783214",
        username="Twitter",
        consumer_key="ck",
        consumer_secret=SECRET,
        access_token="at",
        access_token_secret="ats",
        api_base=server.base_url,
        **kw,  # type: ignore[arg-type]
    )
    return XAdapter(config, http, clock=clock)


def parse(name: str) -> list:  # type: ignore[type-arg]
    return list(XAdapter.unconfigured().parse(payload("x_twitter", name).read_bytes()).events)


def test_webhook_tweet_uses_id_str_not_the_lossy_number() -> None:
    (event,) = parse("tock__incoming_tweet_with_mention.json")
    assert event.external_id == "1124287614780047362"  # "id" decodes to ...7400
    assert event.account_ref == "602907365"
    assert event.author.followers == 89
    assert event.created_at == datetime(2019, 5, 3, 12, 20, 30, 274000, tzinfo=UTC)


def test_v2_text_joins_escaped_surrogate_pairs_and_reads_authors_from_includes() -> None:
    events = parse("twittered__tweet_list_v2_example.json")
    assert events[0].author.handle == "@RedouaneBali"
    assert events[0].author.followers == 2018
    assert "😁" in events[0].text


def test_account_activity_dm_is_private_with_its_conversation() -> None:
    (event,) = parse("tock__direct_message_event_received.json")
    assert (event.kind, event.visibility) == (MessageKind.DM, Visibility.PRIVATE)
    assert event.thread_ref == "14235326-707685546848550916"
    assert event.author.handle == "@virginie_buchin"


def test_typing_indicator_is_ignored_with_a_reason() -> None:
    result = XAdapter.unconfigured().parse(
        payload("x_twitter", "tock__direct_message_indicate_typing_event.json").read_bytes()
    )
    assert result.events == ()
    assert "typing" in result.ignored[0].reason


def test_own_tweet_in_a_webhook_is_outbound() -> None:
    body = json.loads(payload("x_twitter", "tock__incoming_tweet_with_mention.json").read_bytes())
    body["for_user_id"] = "14235326"  # the author subscribed: Account Activity echoes own posts
    (event,) = XAdapter.unconfigured().parse(json.dumps(body).encode()).events
    assert event.direction is Direction.OUTBOUND


def test_snowflake_time_agrees_with_recorded_times() -> None:
    # the webhook tweet's timestamp_ms is 1556886030274; the rtweet mention says 20:46:28
    assert snowflake_time("1124287614780047362") == datetime(
        2019, 5, 3, 12, 20, 30, 274000, tzinfo=UTC
    )
    assert snowflake_time("1547321584842571778").replace(microsecond=0) == datetime(
        2022, 7, 13, 20, 46, 28, tzinfo=UTC
    )


def test_crc_challenge_and_signature(http: httpx.Client, platform_server: PlatformServer) -> None:
    adapter = make_adapter(platform_server, http, FrozenClock())
    answer = json.loads(adapter.answer_challenge({"crc_token": "abc"}).body)
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"abc", hashlib.sha256).digest())
    assert answer == {"response_token": "sha256=" + expected.decode()}
    body = b'{"for_user_id":"1"}'
    good = (
        "sha256="
        + base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    )
    assert adapter.verify({"X-Twitter-Webhooks-Signature": good}, body)
    assert not adapter.verify({"X-Twitter-Webhooks-Signature": good}, body + b" ")
    assert not adapter.verify({}, body)


def test_oauth1_signature_matches_the_published_example() -> None:
    auth = OAuth1(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    )
    request = httpx.Request(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        data={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
    )
    oauth = {
        "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
        "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1318622958",
        "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "oauth_version": "1.0",
    }
    assert auth.signature(request, oauth) == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def _mentions_with_authors(server: PlatformServer) -> None:
    """The recorded mentions page, plus the author expansion a real poll asks for."""
    (recorded,) = load_cassette(payload("x_twitter", "tweepy__test_client_get_users_mentions.yaml"))
    page = json.loads(recorded.body)
    for tweet in page["data"]:
        tweet["author_id"] = "9" + tweet["id"][-6:]
    page["includes"] = {
        "users": [
            {
                "id": t["author_id"],
                "username": "u" + t["author_id"],
                "name": "N",
                "public_metrics": {"followers_count": 3},
            }
            for t in page["data"]
        ]
    }
    server.add("GET", "/2/users/783214/mentions", page, headers=dict(recorded.headers))


def test_first_poll_reads_one_page_and_stores_the_newest_id(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    _mentions_with_authors(platform_server)
    result = make_adapter(platform_server, http, FrozenClock()).poll({})

    assert len(result.events) == 10
    assert result.cursor == {"since_id": "1578516295611748353"}
    assert [e.created_at for e in result.events] == sorted(e.created_at for e in result.events)
    (request,) = platform_server.requests
    assert request.param("expansions") == "author_id,attachments.media_keys"
    assert request.param("since_id") is None
    assert request.headers["authorization"].startswith('OAuth oauth_consumer_key="ck"')


def test_next_poll_pages_from_since_id(platform_server: PlatformServer, http: httpx.Client) -> None:
    _mentions_with_authors(platform_server)
    platform_server.add("GET", "/2/users/783214/mentions", {"meta": {"result_count": 0}})
    result = make_adapter(platform_server, http, FrozenClock()).poll({"since_id": "1"})

    assert len(result.events) == 10
    first, second = platform_server.requests
    assert first.param("since_id") == "1"
    assert second.param("pagination_token") == "7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j"


def test_poll_rate_limited_gives_the_wait_from_the_reset_header(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    reset = int(clock.now().timestamp()) + 90
    platform_server.add(
        "GET",
        "/2/users/783214/mentions",
        {"title": "Too Many Requests"},
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    with pytest.raises(RateLimited) as caught:
        make_adapter(platform_server, http, clock).poll({"since_id": "5"})
    assert caught.value.retry_after == 90


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"title": "Unauthorized"}, AuthFailed),
        (403, {"type": "https://api.twitter.com/2/problems/client-forbidden"}, AuthFailed),
        (403, {"detail": "You attempted to reply to a Tweet that is deleted"}, PermanentFailure),
        (503, {"title": "Service Unavailable"}, TransientFailure),
    ],
)
def test_send_maps_failures_to_typed_errors(
    platform_server: PlatformServer,
    http: httpx.Client,
    status: int,
    body: dict,
    error: type,  # type: ignore[type-arg]
) -> None:
    platform_server.add("POST", "/2/tweets", body, status=status)
    message = OutboundMessage(outbox_id=1, text="hi", visibility=Visibility.PUBLIC, in_reply_to="5")
    with pytest.raises(error):
        make_adapter(platform_server, http, FrozenClock()).send(message)


def test_reply_posts_in_reply_to_and_reads_the_201(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    (created, _) = load_cassette(
        payload("x_twitter", "tweepy__test_client_create_and_delete_tweet.yaml")
    )
    platform_server.add_recorded(created)
    message = OutboundMessage(
        outbox_id=7,
        text="Sorry! DM us ^AB",
        visibility=Visibility.PUBLIC,
        in_reply_to="1578516295611748353",
    )
    result = make_adapter(platform_server, http, FrozenClock()).send(message)

    assert result.external_id == "1456012973835788293"
    assert result.url == "https://x.com/Twitter/status/1456012973835788293"
    (request,) = platform_server.requests
    assert request.json() == {
        "text": "Sorry! DM us ^AB",
        "reply": {"in_reply_to_tweet_id": "1578516295611748353"},
    }


def test_dm_goes_to_the_participant(platform_server: PlatformServer, http: httpx.Client) -> None:
    first = load_cassette(
        payload("x_twitter", "tweepy__test_manage_and_lookup_direct_messages.yaml")
    )[0]
    platform_server.add_recorded(first)
    message = OutboundMessage(
        outbox_id=2, text="Testing 1", visibility=Visibility.PRIVATE, recipient="750362064426721281"
    )
    result = make_adapter(platform_server, http, FrozenClock()).send(message)
    assert result.external_id == "1585800613253812228"
    assert platform_server.requests[0].json() == {"text": "Testing 1"}


def test_listening_searches_recent_posts_as_unsolicited_mentions(
    platform_server: PlatformServer, http: httpx.Client
) -> None:
    (recorded,) = load_cassette(
        payload("x_twitter", "tweepy__test_client_search_recent_tweets.yaml")
    )
    page = json.loads(recorded.body)
    for tweet in page["data"]:
        tweet["author_id"] = "42"
    platform_server.add("GET", "/2/tweets/search/recent", page)
    adapter = make_adapter(platform_server, http, FrozenClock(), bearer_token="app-token")
    result = adapter.listen(ListeningQuery(keywords=("tweepy", "big outage")), {})

    assert len(result.events) == 10
    assert all(e.unsolicited and e.kind is MessageKind.MENTION for e in result.events)
    assert result.cursor == {"since_id": "1578516068309794817"}
    (request,) = platform_server.requests
    assert request.param("query") == '(tweepy OR "big outage") -is:retweet -from:Twitter -@Twitter'
    assert request.headers["authorization"] == "Bearer app-token"
