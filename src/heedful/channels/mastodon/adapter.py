"""The Mastodon adapter: parse API entities, poll mention notifications (direct messages
arrive as mentions too), listen on hashtag timelines and search, post replies and DMs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import quote

from heedful.channels.base import (
    Capabilities,
    ChannelAdapter,
    DeliveryResult,
    ListeningQuery,
    OutboundMessage,
    ParseResult,
    PollResult,
)
from heedful.channels.mastodon.client import MastodonClient
from heedful.channels.mastodon.config import MastodonConfig
from heedful.channels.mastodon.parse import account_author, parse_document
from heedful.channels.parsing import Collector
from heedful.channels.support.html_text import html_to_text
from heedful.channels.support.jsonvalues import as_dict, dicts, load_json, opt_str
from heedful.channels.support.times import parse_time
from heedful.domain import InboundEvent, MessageKind, Visibility
from heedful.errors import PermanentFailure


class MastodonAdapter(ChannelAdapter[MastodonConfig]):
    slug: ClassVar[str] = "mastodon"
    name: ClassVar[str] = "Mastodon"
    config_model: ClassVar[type[MastodonConfig]] = MastodonConfig
    capabilities: ClassVar[Capabilities] = Capabilities(
        poll=True,
        public_reply=True,
        private_message=True,
        max_length=500,  # the default; servers may allow more
        listening=True,
        idempotent_send=True,
        find_delivered=True,
    )

    @cached_property
    def api(self) -> MastodonClient:
        token = self.config.access_token.get_secret_value()
        return MastodonClient(self.config.instance_url, token, self.http, self.clock)

    @property
    def brand_id(self) -> str | None:
        return getattr(self.config, "account_id", None)

    def parse(self, body: bytes, headers: Mapping[str, str] | None = None) -> ParseResult:
        return parse_document(load_json(body, "the Mastodon payload"), self.brand_id)

    # --- polling ------------------------------------------------------------------------

    def poll(self, cursor: Mapping[str, Any]) -> PollResult:
        params = [("types[]", "mention")]
        found = self._forward("/api/v1/notifications", params, opt_str(dict(cursor), "min_id"))
        return dataclasses.replace(found, cursor={**cursor, **found.cursor})  # keep others' keys

    def listen(self, query: ListeningQuery, cursor: Mapping[str, Any]) -> PollResult:
        sources: list[tuple[str, str, list[tuple[str, str]]]] = [
            (f"tag:{h.lstrip('#')}", f"/api/v1/timelines/tag/{quote(h.lstrip('#'))}", [])
            for h in query.hashtags
        ]
        sources += [
            (f"q:{k}", "/api/v2/search", [("q", k), ("type", "statuses")]) for k in query.keywords
        ]
        events: dict[str, InboundEvent] = {}
        new_cursor: dict[str, Any] = {}
        for key, path, params in sources:
            found = self._forward(path, params, opt_str(dict(cursor), key))
            new_cursor[key] = found.cursor.get("min_id")
            for event in found.events:
                if (
                    event.author.external_id != self.brand_id
                    and event.visibility is Visibility.PUBLIC
                ):
                    events[event.external_id] = dataclasses.replace(
                        event, kind=MessageKind.MENTION, unsolicited=True
                    )
        ordered = sorted(events.values(), key=lambda e: e.created_at)
        return PollResult(tuple(ordered), {k: v for k, v in new_cursor.items() if v})

    def _forward(self, path: str, params: list[tuple[str, str]], min_id: str | None) -> PollResult:
        """Page forward from ``min_id`` (no gaps); the first poll takes the latest page only."""
        out, newest = Collector(), min_id
        base = [*params, ("limit", str(self.config.page_size))]
        for _ in range(self.config.max_pages if min_id else 1):
            page = self.api.get(path, [*base, ("min_id", newest)] if newest else base)
            items = dicts(page.get("statuses") if isinstance(page, dict) else page)
            if not items:
                break
            out.extend(parse_document(items, self.brand_id))
            newest = max((str(i["id"]) for i in items if "id" in i), key=_id_order, default=newest)
            if len(items) < self.config.page_size:
                break
        events = sorted(out.events, key=lambda e: e.created_at)
        return PollResult(tuple(events), {"min_id": newest} if newest else {}, tuple(out.ignored))

    # --- sending ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> DeliveryResult:
        private = message.visibility is Visibility.PRIVATE
        parent = self._status(message.in_reply_to) if message.in_reply_to else None
        text = _addressed(message, parent, private, self.brand_id)
        payload: dict[str, Any] = {
            "status": text,
            "visibility": "direct" if private else self._reply_visibility(message),
        }
        if message.in_reply_to:
            payload["in_reply_to_id"] = message.in_reply_to
        if message.subject:
            payload["spoiler_text"] = message.subject
        status = as_dict(self.api.post("/api/v1/statuses", payload, idempotency_key=_key(message)))
        status_id = opt_str(status, "id")
        if status_id is None:
            raise PermanentFailure("Mastodon accepted the status but returned no id")
        return DeliveryResult(status_id, url=opt_str(status, "url"), sent_at=self.clock.now())

    def _reply_visibility(self, message: OutboundMessage) -> str:
        wanted = message.extra.get("visibility")
        return wanted if wanted in ("public", "unlisted") else self.config.reply_visibility

    def _status(self, status_id: str) -> dict[str, Any]:
        return as_dict(self.api.get(f"/api/v1/statuses/{status_id}"))

    def find_delivered(self, message: OutboundMessage, since: datetime) -> DeliveryResult | None:
        path = f"/api/v1/accounts/{self.config.account_id}/statuses"
        for status in dicts(self.api.get(path, [("limit", "40")])):
            if not _sent_after(status, since):
                break
            same_parent = status.get("in_reply_to_id") == message.in_reply_to
            if same_parent and _same_text(html_to_text(str(status.get("content", ""))), message):
                return DeliveryResult(str(status["id"]), url=opt_str(status, "url"))
        return None


def _addressed(
    message: OutboundMessage, parent: dict[str, Any] | None, private: bool, brand_id: str | None
) -> str:
    """Mastodon delivers a reply or a DM to the accounts it mentions: make sure the customer is
    mentioned (the web client does the same)."""
    handle = message.recipient
    author = account_author(as_dict(parent.get("account"))) if parent else None
    if author is not None and author.external_id != brand_id:
        handle = author.handle
    if not handle:
        if private:
            raise PermanentFailure("a Mastodon direct message needs the recipient's @handle")
        return message.text
    handle = handle if handle.startswith("@") else f"@{handle}"
    if handle.lower() in message.text.lower():
        return message.text
    return f"{handle} {message.text}"


def _key(message: OutboundMessage) -> str:
    return f"heedful-outbox-{message.outbox_id}"


def _id_order(status_id: str) -> tuple[int, str]:
    return (len(status_id), status_id)


def _sent_after(status: dict[str, Any], since: datetime) -> bool:
    created = parse_time(status.get("created_at"))
    return created is None or created >= since


def _same_text(sent: str, message: OutboundMessage) -> bool:
    return " ".join(message.text.split()) in " ".join(sent.split())
