"""The X adapter: parse any X payload, poll mentions (and DMs), search for listening, answer
Account Activity webhooks, send replies and DMs."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    Ignored,
    ListeningQuery,
    OutboundMessage,
    ParseResult,
    PollResult,
    WebhookChallenge,
)
from heedful.channels.parsing import Collector
from heedful.channels.support.jsonvalues import as_dict, dicts, load_json, opt_str
from heedful.channels.x import client as api
from heedful.channels.x.config import XConfig
from heedful.channels.x.parse import parse_document, parse_v2
from heedful.channels.x.webhook import crc_response, signature_valid
from heedful.domain import InboundEvent, MessageKind, Visibility
from heedful.errors import PermanentFailure, Unsupported

URL = re.compile(r"https?://\S+")


class XAdapter(ChannelAdapter[XConfig]):
    slug: ClassVar[str] = "x"
    name: ClassVar[str] = "X (Twitter)"
    config_model: ClassVar[type[XConfig]] = XConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        poll=True,
        webhook=True,
        public_reply=True,
        private_message=True,
        max_length=280,
        length_unit="weighted",
        listening=True,
        find_delivered=True,
    )

    @cached_property
    def api(self) -> api.XClient:
        return api.XClient(self.config, self.http, self.clock)

    @property
    def brand_id(self) -> str | None:
        return getattr(self.config, "user_id", None)

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        return parse_document(load_json(body, "the X payload"), self.brand_id)

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        return signature_valid(self.config.consumer_secret.get_secret_value(), headers, body)

    def answer_challenge(self, query: Mapping[str, str]) -> WebhookChallenge:
        return crc_response(self.config.consumer_secret.get_secret_value(), query)

    # --- polling ------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        since = opt_str(dict(cursor), "since_id")
        path = f"/2/users/{self.config.user_id}/mentions"
        mentions = self._timeline(path, since, app_only=False)
        new_cursor = {**cursor, "since_id": mentions.cursor.get("newest") or since}
        results = [mentions]
        if self.config.poll_dms:
            dms = self._dms(opt_str(dict(cursor), "dm_since"))
            new_cursor["dm_since"] = dms.cursor.get("newest") or cursor.get("dm_since")
            results.append(dms)
        return _merge(results, {k: v for k, v in new_cursor.items() if v is not None})

    def listen(self, query: ListeningQuery, cursor: Mapping[str, Any]) -> PollResult:
        if query.is_empty:
            return PollResult(events=(), cursor=dict(cursor))
        since = opt_str(dict(cursor), "since_id")
        found = self._timeline(
            "/2/tweets/search/recent", since, app_only=True, query=self._search_query(query)
        )
        events = [
            dataclasses.replace(e, kind=MessageKind.MENTION, unsolicited=True)
            for e in found.events
            if e.author.external_id != self.config.user_id
        ]
        newest = found.cursor.get("newest") or since
        return dataclasses.replace(
            found, events=tuple(events), cursor={"since_id": newest} if newest else {}
        )

    def _search_query(self, query: ListeningQuery) -> str:
        terms = [_quoted(k) for k in query.keywords] + [f"#{h.lstrip('#')}" for h in query.hashtags]
        parts = [f"({' OR '.join(terms)})", "-is:retweet"]
        if self.config.username:
            parts += [f"-from:{self.config.username}", f"-@{self.config.username}"]
        if query.language:
            parts.append(f"lang:{query.language}")
        return " ".join(parts)

    def _timeline(
        self, path: str, since: str | None, *, app_only: bool, query: str | None = None
    ) -> PollResult:
        params = _tweet_params(self.config.page_size)
        if since:
            params["since_id"] = since
        if query:
            params["query"] = query
        pages = self.config.max_pages if since else 1  # first poll: the latest page only
        return self._pages(path, params, pages, app_only=app_only)

    def _pages(
        self, path: str, params: dict[str, str], pages: int, *, app_only: bool
    ) -> PollResult:
        out, newest, reset = Collector(), None, None
        token_name = "next_token" if "query" in params else "pagination_token"
        for page in range(pages):
            response = self.api.get(path, params, app_only=app_only)
            out.extend(parse_v2(response.data, self.brand_id))
            meta = as_dict(response.data.get("meta"))
            newest = newest or opt_str(meta, "newest_id")
            reset = response.reset_at or reset
            next_token = opt_str(meta, "next_token")
            if not next_token or reset:
                break
            if page == pages - 1:
                out.skip(f"more than {pages} pages of new posts: the oldest were not fetched")
            params = {**params, token_name: next_token}
        return PollResult(
            events=_oldest_first(out.events),
            cursor={"newest": newest} if newest else {},
            ignored=tuple(out.ignored),
            next_poll_after=reset,
        )

    def _dms(self, since: str | None) -> PollResult:
        params = {
            "dm_event.fields": api.DM_FIELDS,
            "expansions": "sender_id",
            "user.fields": api.USER_FIELDS,
            "max_results": str(self.config.page_size),
        }
        out, newest = Collector(), None
        for _ in range(self.config.max_pages):
            response = self.api.get("/2/dm_events", params)
            page = parse_v2(response.data, self.brand_id)
            fresh = [e for e in page.events if not since or int(e.external_id) > int(since)]
            newest = newest or (page.events[0].external_id if page.events else None)
            out.extend(ParseResult(events=fresh, ignored=page.ignored))
            next_token = opt_str(as_dict(response.data.get("meta")), "next_token")
            if not since or len(fresh) < len(page.events) or not next_token:
                break
            params = {**params, "pagination_token": next_token}
        cursor = {"newest": newest} if newest else {}
        return PollResult(_oldest_first(out.events), cursor, tuple(out.ignored))

    # --- sending ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> DeliveryResult:
        if message.visibility is Visibility.PRIVATE:
            return self._send_dm(message)
        payload: dict[str, Any] = {"text": message.text}
        if message.in_reply_to:
            payload["reply"] = {"in_reply_to_tweet_id": message.in_reply_to}
        response = self.api.post("/2/tweets", payload)
        tweet_id = opt_str(as_dict(response.data.get("data")), "id")
        if tweet_id is None:
            raise PermanentFailure("X accepted the post but returned no id")
        return DeliveryResult(tweet_id, url=self._url(tweet_id), sent_at=self.clock.now())

    def _send_dm(self, message: OutboundMessage) -> DeliveryResult:
        if message.recipient:
            path = f"/2/dm_conversations/with/{message.recipient}/messages"
        elif message.thread_ref:
            path = f"/2/dm_conversations/{message.thread_ref}/messages"
        else:
            raise PermanentFailure("an X DM needs a recipient or a conversation id")
        response = self.api.post(path, {"text": message.text})
        event_id = opt_str(as_dict(response.data.get("data")), "dm_event_id")
        if event_id is None:
            raise PermanentFailure("X accepted the DM but returned no dm_event_id")
        return DeliveryResult(event_id, sent_at=self.clock.now())

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        if message.visibility is Visibility.PRIVATE:
            raise Unsupported("X DMs cannot be looked up by text; resend decisions stay manual")
        params = {
            "tweet.fields": "referenced_tweets,created_at",
            "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": "100",
        }
        response = self.api.get(f"/2/users/{self.config.user_id}/tweets", params)
        for tweet in dicts(response.data.get("data")):
            if _same_post(tweet, message):
                tweet_id = str(tweet["id"])
                return DeliveryResult(tweet_id, url=self._url(tweet_id))
        return None

    def _url(self, tweet_id: str) -> str:
        return f"https://x.com/{self.config.username or 'i/web'}/status/{tweet_id}"


def _tweet_params(page_size: int) -> dict[str, str]:
    return {
        "tweet.fields": api.TWEET_FIELDS,
        "expansions": api.TWEET_EXPANSIONS,
        "user.fields": api.USER_FIELDS,
        "media.fields": api.MEDIA_FIELDS,
        "max_results": str(page_size),
    }


def _merge(results: list[PollResult], cursor: dict[str, Any]) -> PollResult:
    events = [e for r in results for e in r.events]
    ignored: list[Ignored] = [i for r in results for i in r.ignored]
    resets = [r.next_poll_after for r in results if r.next_poll_after]
    return PollResult(_oldest_first(events), cursor, tuple(ignored), max(resets, default=None))


def _oldest_first(events: Any) -> tuple[InboundEvent, ...]:
    return tuple(sorted(events, key=lambda e: (e.created_at, int(e.external_id))))


def _quoted(keyword: str) -> str:
    cleaned = keyword.replace('"', " ").strip()
    return f'"{cleaned}"' if " " in cleaned else cleaned


def _comparable(text: str) -> str:
    """Text as X gives it back: links become t.co links, entities are escaped."""
    return " ".join(URL.sub("<link>", html.unescape(text)).split())


def _same_post(tweet: dict[str, Any], message: OutboundMessage) -> bool:
    replied = {r.get("id") for r in dicts(tweet.get("referenced_tweets"))}
    if message.in_reply_to and message.in_reply_to not in replied:
        return False
    return _comparable(str(tweet.get("text", ""))) == _comparable(message.text)
