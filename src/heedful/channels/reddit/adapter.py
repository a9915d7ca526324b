"""The Reddit adapter: parse listings, poll the inbox (mentions, comment and post replies,
private messages), listen with site search, reply through /api/comment."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    ListeningQuery,
    OutboundMessage,
    ParseResult,
    PollResult,
)
from heedful.channels.parsing import Collector
from heedful.channels.reddit.client import RedditClient
from heedful.channels.reddit.config import RedditConfig
from heedful.channels.reddit.parse import SITE, parse_document, parse_listing
from heedful.channels.support.jsonvalues import as_dict, dicts, load_json, opt_str
from heedful.domain import MessageKind, Visibility
from heedful.errors import PermanentFailure, RateLimited

_WAIT = re.compile(r"(\d+)\s*(second|minute)", re.IGNORECASE)


class RedditAdapter(ChannelAdapter[RedditConfig]):
    slug: ClassVar[str] = "reddit"
    name: ClassVar[str] = "Reddit"
    config_model: ClassVar[type[RedditConfig]] = RedditConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        poll=True,
        public_reply=True,
        private_message=True,
        max_length=10_000,
        listening=True,
        find_delivered=True,
    )

    @cached_property
    def api(self) -> RedditClient:
        return RedditClient(self.config, self.http, self.clock)

    @property
    def brand(self) -> str | None:
        return getattr(self.config, "username", None)

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        return parse_document(load_json(body, "the Reddit payload"), self.brand)

    # --- polling ------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        found = self._newer_than("/message/inbox", [], cursor.get("newest_utc"))
        return dataclasses.replace(found, cursor={**cursor, **found.cursor})  # keep others' keys

    def listen(self, query: ListeningQuery, cursor: Mapping[str, Any]) -> PollResult:
        terms = list(query.keywords) + [f'"#{h.lstrip("#")}"' for h in query.hashtags]
        events, new_cursor = {}, {}
        for term in terms:
            params = [("q", term), ("sort", "new"), ("type", "link")]
            found = self._newer_than("/search", params, cursor.get(term), pages=1)
            new_cursor[term] = found.cursor.get("newest_utc")
            for event in found.events:
                if event.author.external_id.lower() != (self.brand or "").lower():
                    events[event.external_id] = dataclasses.replace(
                        event, kind=MessageKind.MENTION, unsolicited=True
                    )
        ordered = sorted(events.values(), key=lambda e: e.created_at)
        return PollResult(tuple(ordered), {k: v for k, v in new_cursor.items() if v})

    def _newer_than(
        self, path: str, params: list[tuple[str, str]], since: Any, pages: int | None = None
    ) -> PollResult:
        """Walk a newest-first listing back to ``since`` (epoch seconds of the newest item
        seen); the first poll takes one page."""
        since_utc = float(since) if isinstance(since, int | float) else None
        out, newest, after = Collector(), since_utc, None
        for _ in range(pages or (self.config.max_pages if since_utc else 1)):
            paging: list[tuple[str, str]] = [("after", after)] if after else []
            listing = as_dict(
                self.api.get(path, [*params, ("limit", str(self.config.page_size)), *paging])
            )
            children = dicts(as_dict(listing.get("data")).get("children"))
            fresh = [c for c in children if _created(c) > (since_utc or 0)]
            newest = max([newest or 0.0, *(_created(c) for c in fresh)]) or None
            out.extend(parse_listing({"data": {"children": fresh}}, self.brand))
            after = opt_str(as_dict(listing.get("data")), "after")
            if len(fresh) < len(children) or not after:
                break
        events = sorted(out.events, key=lambda e: e.created_at)
        cursor = {"newest_utc": newest} if newest else {}
        return PollResult(tuple(events), cursor, tuple(out.ignored), self.api.reset_at)

    # --- sending ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> DeliveryResult:
        if message.in_reply_to:
            form = {"thing_id": message.in_reply_to, "text": message.text}
            things = self._answer(self.api.post_form("/api/comment", form))
            name = opt_str(as_dict(things[0].get("data")), "name") if things else None
            if name is None:
                raise PermanentFailure("Reddit accepted the reply but returned no fullname")
            return DeliveryResult(name, url=_url(things[0]), sent_at=self.clock.now())
        if message.visibility is Visibility.PRIVATE and message.recipient:
            return self._compose(message)
        raise PermanentFailure("a Reddit message needs a thing to reply to, or a recipient")

    def _compose(self, message: OutboundMessage) -> DeliveryResult:
        form = {
            "to": str(message.recipient),
            "subject": message.subject or "Your message",
            "text": message.text,
        }
        self._answer(self.api.post_form("/api/compose", form))
        sent = self._find_in("/message/sent", message)
        if sent is None:  # Reddit answers compose without the new message's id
            raise PermanentFailure("Reddit accepted the message but it is not in the sent box")
        return sent

    def _answer(self, data: Any) -> list[dict[str, Any]]:
        answer = as_dict(as_dict(data).get("json"))
        errors = [e for e in answer.get("errors") or [] if isinstance(e, list) and e]
        for error in errors:
            if error[0] == "RATELIMIT":
                raise RateLimited(_wait_seconds(str(error[1:])), f"Reddit: {error[1]}")
        if errors:
            raise PermanentFailure(f"Reddit refused the message: {errors}")
        return dicts(as_dict(answer.get("data")).get("things"))

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        if message.in_reply_to:
            return self._find_in(f"/user/{self.config.username}/comments", message, since)
        return self._find_in("/message/sent", message, since)

    def _find_in(
        self, path: str, message: OutboundMessage, since: datetime | None = None
    ) -> DeliveryResult | None:
        listing = as_dict(self.api.get(path, [("limit", "25"), ("sort", "new")]))
        for child in dicts(as_dict(listing.get("data")).get("children")):
            data = as_dict(child.get("data"))
            if since and _created(child) < since.timestamp():
                break
            if data.get("body", "").strip() == message.text.strip() and (
                not message.in_reply_to or data.get("parent_id") == message.in_reply_to
            ):
                return DeliveryResult(str(data["name"]), url=_url(child))
        return None


def _created(child: dict[str, Any]) -> float:
    value = as_dict(child.get("data")).get("created_utc")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _url(child: dict[str, Any]) -> str | None:
    permalink = opt_str(as_dict(child.get("data")), "permalink")
    return f"{SITE}{permalink}" if permalink else None


def _wait_seconds(text: str) -> float | None:
    match = _WAIT.search(text)
    if not match:
        return None
    return float(match.group(1)) * (60 if match.group(2).lower() == "minute" else 1)
